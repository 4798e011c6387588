/**
 * The rules of a meeting's input (app/board/meeting.ts), shared by the
 * forms, the JSON API and the follow relay: title and date, saved views
 * (only the board's own parameters), items, decisions, actions (an
 * organisation of the alliance, a day that exists, a request of the board),
 * attendees and the facilitator's focus.
 */
import { describe, expect, it } from "vitest";
import {
  checkActionInput,
  checkAttendeesInput,
  checkDecisionInput,
  checkFocusInput,
  checkItemInput,
  checkMeetingInput,
  checkSavedView,
  isCalendarDay,
  parseMeetingTime,
} from "../../app/board/meeting";
import { FILTER_PARAMS } from "../../app/hooks/useBoardView";
import { VIEW_PARAMS } from "../../app/board/meeting";

const known = { isOrganisation: (id: string) => id === "org1", isRequest: (id: string) => id === "req1", isItem: (id: string) => id === "item1" };

describe("meeting input", () => {
  it("title 1..120 after cleaning; the date as ms or an ISO string", () => {
    expect(checkMeetingInput({ title: "  Overleg \n januari ", at: "2027-01-12T19:30:00Z" })).toEqual({ value: { title: "Overleg januari", at: Date.UTC(2027, 0, 12, 19, 30) }, errors: {} });
    expect(checkMeetingInput({ title: "x".repeat(121), at: 12 }).errors).toEqual({ title: "tooLong", at: "invalid" });
    expect(checkMeetingInput({ title: 5, at: undefined }).errors).toEqual({ title: "type", at: "required" });
    expect(checkMeetingInput({ summary: "a\n\nb" }, true)).toEqual({ value: { summary: "a\n\nb" }, errors: {} });
    expect(parseMeetingTime("2027-01-12")).toBe(Date.UTC(2027, 0, 12));
    expect(parseMeetingTime("morgen")).toBeNull();
    expect(parseMeetingTime(Number.POSITIVE_INFINITY)).toBeNull();
    expect(isCalendarDay("2028-02-29")).toBe(true);
    expect(isCalendarDay("2027-02-29")).toBe(false);
    expect(isCalendarDay("2027-1-5")).toBe(false);
  });

  it("a saved view takes the board's filter parameters (and kaarten), each once, nothing else", () => {
    for (const p of FILTER_PARAMS) expect(VIEW_PARAMS).toContain(p);
    expect(checkSavedView({ query: "?categorie=taal&banen=organisatie&kaarten=a,b", cardId: "r1", columnId: null })).toEqual({
      value: { query: "categorie=taal&banen=organisatie&kaarten=a%2Cb", cardId: "r1", columnId: null },
      errors: {},
    });
    expect(checkSavedView(undefined).errors).toEqual({});
    expect(checkSavedView({ query: "geheim=1" }).errors).toEqual({ query: "param" });
    expect(checkSavedView({ query: "q=a&q=b" }).errors).toEqual({ query: "param" });
    expect(checkSavedView({ query: "q=" + "a".repeat(5000) }).errors).toEqual({ query: "tooLong" });
    expect(checkSavedView({ cardId: "../x", columnId: 3 }).errors).toEqual({ cardId: "pattern", columnId: "pattern" });
    expect(checkSavedView("categorie=taal").errors).toEqual({ view: "type" });
    expect(checkItemInput({ title: "Punt", view: { query: "x=1" } }).errors).toEqual({ view: "param" });
    expect(checkItemInput({ title: "Punt", kind: "geheim" }).errors).toEqual({ kind: "invalid" });
    expect(checkItemInput({ notes: "n" }, true)).toEqual({ value: { notes: "n" }, errors: {} });
  });

  it("decisions and actions name only what exists", () => {
    expect(checkDecisionInput({ text: "Besloten", itemId: "", requestId: null })).toEqual({ value: { text: "Besloten", itemId: null, requestId: null }, errors: {} });
    expect(checkDecisionInput({ text: "", itemId: "a b" }).errors).toEqual({ text: "required", itemId: "pattern" });
    expect(checkActionInput({ text: "Bellen", orgId: "org1", due: "2027-01-20", requestId: "req1", itemId: "item1" }, known)).toEqual({
      value: { text: "Bellen", orgId: "org1", due: "2027-01-20", requestId: "req1", itemId: "item1" },
      errors: {},
    });
    expect(checkActionInput({ text: "x".repeat(501), orgId: "org2", due: "2027-13-01", requestId: "req2", itemId: "item2" }, known).errors).toEqual({
      text: "tooLong",
      orgId: "unknown",
      due: "invalid",
      requestId: "unknown",
      itemId: "unknown",
    });
    expect(checkActionInput({ done: "ja" }, known, true).errors).toEqual({ done: "type" });
    expect(checkActionInput({ done: true }, known, true)).toEqual({ value: { done: true }, errors: {} });
  });

  it("attendees: people of the alliance or typed names, each person once", () => {
    const k = { isUser: (id: string) => id === "u1", isOrganisation: (id: string) => id === "org1" };
    expect(checkAttendeesInput([{ userId: "u1" }, { userId: "u1", name: "Dubbel" }, { name: " Els ", orgId: "org1" }], k)).toEqual({
      value: [
        { userId: "u1", name: "", orgId: null },
        { userId: null, name: "Els", orgId: "org1" },
      ],
      errors: {},
    });
    expect(checkAttendeesInput([{ userId: "u2" }], k).errors).toEqual({ attendees: "unknownUser" });
    expect(checkAttendeesInput([{ name: "" }], k).errors).toEqual({ attendees: "nameRequired" });
    expect(checkAttendeesInput({}, k).errors).toEqual({ attendees: "type" });
  });

  it("the facilitator's focus: ids, a saved view and scroll fractions 0..1", () => {
    const ok = { boardId: "b1", meetingId: "m1", itemId: null, view: { query: "ons=1", cardId: null, columnId: "open" }, scroll: { x: 0, y: 1 } };
    expect(checkFocusInput(ok).value).toEqual(ok);
    expect(checkFocusInput({ ...ok, scroll: undefined }).value?.scroll).toEqual({ x: 0, y: 0 });
    for (const bad of [{ scroll: { x: 1.01, y: 0 } }, { scroll: { x: -0.1, y: 0 } }, { scroll: { x: "0", y: 0 } }, { meetingId: "" }, { itemId: 7 }, { view: { query: "banen=x&zz=1" } }]) {
      expect(checkFocusInput({ ...ok, ...bad })).toEqual({ value: null, error: "bad_request" });
    }
  });
});
