/**
 * The front door's proof-of-work in the browser (issue 15), built on its own
 * by esbuild to public/front-door/pow.js (`npm run build`, scripts/build-pow.mjs)
 * and loaded, with the page's CSP nonce, only while a flood is on.
 *
 * An element inside the form (components/front-door/GuardFields.tsx)
 * carries `data-pow-challenge` and `data-pow-difficulty`; the script
 * starts at once (the person is still typing), finds a counter whose
 * SHA-256 (WebCrypto) over `<challenge>:<counter>` starts with `difficulty`
 * zero bits, and puts `<challenge>:<counter>` into the hidden `pow` field.
 * A submit before it is done waits and then sends the form itself. What it
 * says (`data-pow-working`, `data-pow-done`, `data-pow-failed`, translated
 * by the page) goes into its `[data-pow-status]` live region.
 */
import { GUARD_FIELDS, leadingZeroBits, powInput } from "../board/front-door-guard";

const BATCH = 256;

async function solve(challenge: string, difficulty: number, onProgress: (tried: number) => void): Promise<string> {
  const enc = new TextEncoder();
  for (let start = 0; start < 1e12; start += BATCH) {
    const batch: Promise<ArrayBuffer>[] = [];
    for (let i = 0; i < BATCH; i++) batch.push(crypto.subtle.digest("SHA-256", enc.encode(powInput(challenge, String(start + i)))));
    const digests = await Promise.all(batch);
    for (let i = 0; i < BATCH; i++) if (leadingZeroBits(new Uint8Array(digests[i])) >= difficulty) return String(start + i);
    if (start % (BATCH * 32) === 0) onProgress(start + BATCH);
  }
  throw new Error("no solution");
}

function start(box: HTMLElement): void {
  const form = box.closest("form");
  const texts = box.dataset;
  const challenge = texts.powChallenge ?? "";
  const difficulty = Number(texts.powDifficulty);
  const field = box.querySelector<HTMLInputElement>(`input[name="${GUARD_FIELDS.pow}"]`);
  const status = box.querySelector<HTMLElement>("[data-pow-status]");
  if (!form || !challenge || !difficulty || !field || !globalThis.crypto?.subtle) return;
  const say = (text: string | undefined) => {
    if (status && text) status.textContent = text;
  };
  let waiting = false;
  const expected = 2 ** difficulty;
  const done = solve(challenge, difficulty, (tried) => {
    if (waiting) say(`${texts.powWorking ?? ""} ${Math.min(99, Math.round((100 * tried) / expected))}%`);
  }).then(
    (solution) => {
      field.value = powInput(challenge, solution);
      return true;
    },
    () => false,
  );
  form.addEventListener("submit", (e) => {
    if (field.value) return;
    e.preventDefault();
    if (waiting) return;
    waiting = true;
    say(texts.powWorking);
    void done.then((ok) => {
      waiting = false;
      say(ok ? texts.powDone : texts.powFailed);
      if (ok) form.submit();
    });
  });
}

for (const box of Array.from(document.querySelectorAll<HTMLElement>("[data-pow-challenge]"))) start(box);
