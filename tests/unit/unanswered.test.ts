/**
 * A background POST the server never answered becomes the route's data
 * (app/lib/unanswered.ts); everything the server did answer passes as it was.
 */
import { describe, expect, it } from "vitest";
import { answeredOrUnanswered, isUnanswered, revalidateUnlessUnanswered, UNANSWERED } from "../../app/lib/unanswered";

function post(fields: Record<string, string>, signal?: AbortSignal): Request {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return new Request("http://localhost/boards/b1?index", { method: "POST", body, signal });
}

/** As Remix's serverAction: reads the request's body, then answers or fails. */
function serverAction(request: Request, outcome: () => unknown) {
  return async <T>() => {
    await request.formData();
    return outcome() as T;
  };
}

describe("answeredOrUnanswered", () => {
  it("a network failure (fetch's TypeError) is the form's data: unanswered, with what was sent", async () => {
    const request = post({ intent: "create", title: "Taalmaatje", area: "Angelslo" });
    const result = await answeredOrUnanswered({
      request,
      serverAction: serverAction(request, () => {
        throw new TypeError("Failed to fetch");
      }),
    });
    expect(isUnanswered(result)).toBe(true);
    expect(result).toEqual({ intent: "create", ok: false, error: UNANSWERED, values: { intent: "create", title: "Taalmaatje", area: "Angelslo" } });
  });

  it("an error status that did not come from the app (a proxy's 502, which Remix throws as an Error) is unanswered too", async () => {
    const request = post({ intent: "create", title: "Taalmaatje" });
    const result = await answeredOrUnanswered({ request, serverAction: serverAction(request, () => Promise.reject(new Error("<html>502 Bad Gateway</html>"))) });
    expect(result).toMatchObject({ ok: false, error: UNANSWERED, values: { title: "Taalmaatje" } });
  });

  it("the app's answers pass unchanged: data of any status, a thrown response (refusal or redirect)", async () => {
    const request = post({ intent: "create" });
    const data = { intent: "create", ok: false, errors: { title: "tooShort" } };
    expect(await answeredOrUnanswered({ request, serverAction: serverAction(request, () => data) })).toBe(data);

    const refused = new Response("Not found", { status: 404 });
    const r2 = post({ intent: "create" });
    await expect(answeredOrUnanswered({ request: r2, serverAction: serverAction(r2, () => Promise.reject(refused)) })).rejects.toBe(refused);

    const moved = new Response(null, { status: 302, headers: { Location: "/login" } });
    const r3 = post({ intent: "create" });
    await expect(answeredOrUnanswered({ request: r3, serverAction: serverAction(r3, () => Promise.reject(moved)) })).rejects.toBe(moved);
  });

  it("a request the page aborted itself is not a failure of the server", async () => {
    const abort = new AbortController();
    const request = post({ intent: "create" }, abort.signal);
    abort.abort();
    const failure = new TypeError("Failed to fetch");
    await expect(answeredOrUnanswered({ request, serverAction: serverAction(request, () => Promise.reject(failure)) })).rejects.toBe(failure);
  });
});

describe("revalidateUnlessUnanswered", () => {
  it("keeps the page's data after an unanswered submission, and otherwise does what Remix would", () => {
    const unanswered = { intent: "x", ok: false, error: UNANSWERED, values: {} };
    expect(revalidateUnlessUnanswered({ actionResult: unanswered, defaultShouldRevalidate: true } as never)).toBe(false);
    expect(revalidateUnlessUnanswered({ actionResult: { ok: false, error: "forbidden" }, defaultShouldRevalidate: true } as never)).toBe(true);
    expect(revalidateUnlessUnanswered({ actionResult: undefined, defaultShouldRevalidate: false } as never)).toBe(false);
  });
});
