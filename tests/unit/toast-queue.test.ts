import { describe, expect, it } from "vitest";
import {
  MAX_TOASTS,
  addToast,
  expireToasts,
  nextDeadline,
  pauseToast,
  removeToast,
  resumeToast,
  toastDuration,
  type ToastItem,
} from "../../app/components/toast/queue";

let nextId = 1;
function toast(message: string, deadline: number, extra: Partial<ToastItem> = {}): ToastItem {
  return { id: nextId++, kind: "success", message, deadline, pausedRemaining: null, announce: true, ...extra };
}

describe("toast durations", () => {
  it("give time to read: longer for long texts, for a button to reach and for failures", () => {
    const short = toastDuration("success", "Opgeslagen.", false);
    expect(short).toBeGreaterThanOrEqual(6000);
    const long = toastDuration("success", "x".repeat(200), false);
    expect(long).toBeGreaterThan(short);
    expect(toastDuration("success", "Opgeslagen.", true)).toBeGreaterThan(short);
    expect(toastDuration("error", "Opgeslagen.", false)).toBeGreaterThanOrEqual(10_000);
    // Never forever.
    expect(toastDuration("error", "x".repeat(5000), true)).toBeLessThanOrEqual(30_000);
  });
});

describe("the toast list", () => {
  it("keeps at most three: the oldest goes first", () => {
    let list: ToastItem[] = [];
    for (const m of ["a", "b", "c", "d"]) list = addToast(list, toast(m, 10_000));
    expect(list.map((t) => t.message)).toEqual(["b", "c", "d"]);
    expect(MAX_TOASTS).toBe(3);
  });

  it("keeps a toast that is being read (paused) and drops the next oldest instead", () => {
    let list: ToastItem[] = [];
    for (const m of ["a", "b", "c"]) list = addToast(list, toast(m, 10_000));
    list = pauseToast(list, list[0].id, 1000);
    list = addToast(list, toast("d", 10_000));
    expect(list.map((t) => t.message)).toEqual(["a", "c", "d"]);
  });

  it("replaces a toast with the same words instead of piling them up", () => {
    let list = addToast([], toast("Kolom Open verplaatst.", 5000));
    list = addToast(list, toast("Iets anders", 5000));
    const again = toast("Kolom Open verplaatst.", 9000);
    list = addToast(list, again);
    expect(list.map((t) => t.message)).toEqual(["Iets anders", "Kolom Open verplaatst."]);
    expect(list[1].id).toBe(again.id);
    // A failure with the same words is another toast.
    list = addToast(list, toast("Kolom Open verplaatst.", 9000, { kind: "error" }));
    expect(list).toHaveLength(3);
  });

  it("expires by deadline, except while paused; a resumed toast gets at least a few seconds", () => {
    const a = toast("a", 5000);
    const b = toast("b", 8000);
    let list = [a, b];
    expect(nextDeadline(list)).toBe(5000);
    list = pauseToast(list, a.id, 4000); // 1 s left when the pointer came
    expect(nextDeadline(list)).toBe(8000);
    list = expireToasts(list, 20_000);
    expect(list.map((t) => t.message)).toEqual(["a"]);
    expect(nextDeadline(list)).toBeNull();
    list = resumeToast(list, a.id, 30_000);
    expect(list[0].deadline).toBe(33_000);
    expect(expireToasts(list, 32_999)).toHaveLength(1);
    expect(expireToasts(list, 33_000)).toHaveLength(0);
  });

  it("removes one by id and leaves the list as it is when there is nothing to do", () => {
    const a = toast("a", 5000);
    const list = [a];
    expect(removeToast(list, a.id)).toEqual([]);
    expect(removeToast(list, 999)).toBe(list);
    expect(expireToasts(list, 0)).toBe(list);
  });
});
