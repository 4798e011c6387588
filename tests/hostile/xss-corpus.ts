/**
 * The XSS corpus of the hostile suite: strings a person could type into any
 * text field, each built to do something visible if the app ever treats it as
 * markup or code instead of text.
 *
 * - Every payload that runs script calls `__xss(<n>)` (a binding the test
 *   exposes in every frame) or `alert(<n>)` (a dialog the test listens for),
 *   with its own number, so a hit names the payload.
 * - Every element a payload would inject carries a `data-xss` attribute, so
 *   `document.querySelectorAll("[data-xss]")` finds any injection, even one
 *   whose script the Content-Security-Policy stopped.
 *
 * Field limits differ (a category label holds 30 characters, a title 120), so
 * each payload also exists in the shortest form that still does its trick,
 * and `fitting(max)` picks those that fit a field.
 */

export interface Payload {
  n: number;
  /** What kind of trick it is (for the report). */
  kind: string;
  text: string;
}

const RAW: Array<[kind: string, template: string]> = [
  ["script tag", `<script data-xss>__xss(N)</script>`],
  ["img onerror", `<img data-xss src=x onerror=__xss(N)>`],
  ["svg onload", `<svg data-xss onload=__xss(N)>`],
  ["svg script", `<svg><script data-xss>__xss(N)</script></svg>`],
  ["javascript: link", `<a data-xss href="javascript:__xss(N)">klik</a>`],
  ["bare javascript: URL", `javascript:__xss(N)//`],
  ["data: URL", `data:text/html,<script>parent.__xss(N)</script>`],
  ["attribute breakout (double quote)", `"><img data-xss src=x onerror=__xss(N)>`],
  ["attribute breakout (single quote)", `'><img data-xss src=x onerror=__xss(N)>`],
  ["unquoted attribute breakout", ` onmouseover=__xss(N) data-xss x=`],
  ["textarea breakout", `</textarea><img data-xss src=x onerror=__xss(N)>`],
  ["title breakout", `</title><img data-xss src=x onerror=__xss(N)>`],
  ["style breakout", `</style><img data-xss src=x onerror=__xss(N)>`],
  ["script-in-JSON breakout", `</script><script data-xss>__xss(N)</script>`],
  ["JSON string breakout", `"}]}</script><script data-xss>__xss(N)</script>`],
  ["line separators in JSON", `\u2028\u2029</script><script data-xss>__xss(N)</script>`],
  ["template literal", "${__xss(N)}`+__xss(N)+`"],
  ["template injection", `{{constructor.constructor('__xss(N)')()}}`],
  ["HTML comment breakout", `--><img data-xss src=x onerror=__xss(N)><!--`],
  ["mutation XSS (noscript)", `<noscript><p title="</noscript><img data-xss src=x onerror=__xss(N)>">`],
  ["mutation XSS (math/style)", `<math><mtext><table><mglyph><style><img data-xss src=x onerror=__xss(N)>`],
  ["details ontoggle", `<details data-xss open ontoggle=__xss(N)>`],
  ["iframe srcdoc", `<iframe data-xss srcdoc="<script>parent.__xss(N)</script>"></iframe>`],
  ["object data", `<object data-xss data="javascript:__xss(N)"></object>`],
  ["meta refresh", `<meta data-xss http-equiv=refresh content="0;url=javascript:__xss(N)">`],
  ["base href", `<base data-xss href="https://evil.example/">`],
  ["alert", `<img data-xss src=x onerror=alert(N)>`],
  ["pre-encoded entities", `&lt;img data-xss src=x onerror=__xss(N)&gt;`],
  ["markdown link", `[klik](javascript:__xss(N))`],
  ["form action", `<form data-xss action="javascript:__xss(N)"><input type=submit></form>`],
  ["style attribute", `<div data-xss style="background:url(javascript:__xss(N))">x</div>`],
  ["null byte", `<scr\u0000ipt data-xss>__xss(N)</scr\u0000ipt>`],
];

/** The full corpus, numbered from 1. */
export const PAYLOADS: Payload[] = RAW.map(([kind, template], i) => ({ n: i + 1, kind, text: template.replaceAll("N", String(i + 1)) }));

/**
 * Short forms (at most 30 characters), for fields such as a category label;
 * numbered from 101 so a hit tells it was a short one.
 */
export const SHORT_PAYLOADS: Payload[] = [
  ["svg onload", `<svg data-xss onload=__xss(N)>`],
  ["img onerror", `<img data-xss src onerror=__xss(N)>`],
  ["script tag", `<script>__xss(N)</script>`],
  ["breakout", `"><b data-xss>N</b>`],
  ["script breakout", `</script><b data-xss>N</b>`],
  ["bare javascript: URL", `javascript:__xss(N)`],
  ["template literal", "${__xss(N)}"],
  ["alert", `<svg data-xss onload=alert(N)>`],
].map(([kind, template], i) => ({ n: 101 + i, kind, text: template.replaceAll("N", String(101 + i)) }));

/** Every payload, long and short. */
export const ALL_PAYLOADS: Payload[] = [...PAYLOADS, ...SHORT_PAYLOADS];

/** Payloads whose text fits a field of `max` characters (once the app trims it). */
export function fitting(max: number, list: readonly Payload[] = ALL_PAYLOADS): Payload[] {
  return list.filter((p) => p.text.length <= max);
}

/** The payload with this number. */
export function payload(n: number): Payload {
  const p = ALL_PAYLOADS.find((x) => x.n === n);
  if (!p) throw new Error(`no payload ${n}`);
  return p;
}

/**
 * Runs in the page before any of its scripts (Playwright `addInitScript`):
 * counts the page's Content-Security-Policy violations into
 * `window.__cspViolations` (the directive and what was blocked).
 */
export const CSP_LISTENER = `(() => {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push(e.effectiveDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
  });
})();`;
