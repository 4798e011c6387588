/**
 * Server rendering (Remix's Node default) with one addition: the
 * Content-Security-Policy nonce. The server (server/http/) makes a nonce per
 * request, sends it in the CSP header and passes it in the load context;
 * here it goes to <RemixServer nonce> (streamed scripts) and, through
 * NonceContext, to root.tsx's <Scripts> and <ScrollRestoration>. Inline
 * scripts without it do not run.
 */
import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { RemixServer, isRouteErrorResponse } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { errorForLog } from "../db/health";
import { NonceContext } from "./lib/nonce";
import { markPageOwner } from "./services/auth.server";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** This request's CSP nonce (server/http/index.ts). */
    cspNonce?: string;
    /** The client's address, proxy-aware (server/http/proxy.ts). */
    clientAddress?: string;
  }
}

const ABORT_DELAY = 5_000;

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // Served by server/index.ts the nonce is always there (and in the header);
  // otherwise a fresh one keeps the inline scripts marked all the same.
  const nonce = loadContext.cspNonce ?? randomBytes(16).toString("base64");
  await markPageOwner(responseHeaders, request, loadContext);
  const waitForAll = isbot(request.headers.get("user-agent") ?? "") || remixContext.isSpaMode;

  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    const ready = () => {
      shellRendered = true;
      const body = new PassThrough();
      const stream = createReadableStreamFromReadable(body);
      responseHeaders.set("Content-Type", "text/html");
      resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} nonce={nonce} />
      </NonceContext.Provider>,
      {
        nonce,
        ...(waitForAll ? { onAllReady: ready } : { onShellReady: ready }),
        onShellError(error: unknown) {
          reject(error);
        },
        onError(error: unknown) {
          responseStatusCode = 500;
          // Errors of the shell itself reject above and are logged by Remix.
          if (shellRendered) logPageFailure(request, error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}

/**
 * A page's loader or action failed (an /api/ route's failure is answered and
 * logged by server/http/api-errors.ts): one JSON line as the server's own
 * log writes them, with each cause and where it was thrown, never a failed
 * statement's parameters (Remix's default printed the whole error, drizzle's
 * message with what someone typed). Nothing for a client that went away, or
 * for a Response thrown on purpose.
 */
export function handleError(error: unknown, { request, context }: { request: Request; context?: AppLoadContext }) {
  if (request.signal.aborted || isRouteErrorResponse(error)) return;
  if (context?.services?.env.LOG_LEVEL === "silent") return;
  logPageFailure(request, error);
}

function logPageFailure(request: Request, error: unknown): void {
  console.log(JSON.stringify({ t: new Date().toISOString(), lvl: "error", msg: "page failed", path: new URL(request.url).pathname, method: request.method, ...errorForLog(error) }));
}

/** Loader data of a board page or the list of boards says whose it is, as the page itself does (markPageOwner). */
export async function handleDataRequest(response: Response, { request, context }: { request: Request; context: AppLoadContext }) {
  await markPageOwner(response.headers, request, context);
  return response;
}
