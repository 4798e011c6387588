import { describe, expect, it } from "vitest";
import * as ws from "ws";

// ws exports its frame parser at run time; its type declarations do not name it.
const { Receiver } = ws as unknown as {
  Receiver: new (o: object) => { on(e: string, f: (...a: never[]) => void): void; write(b: Buffer): void };
};
import { binaryFrame } from "../../server/sync/ws-frame";

/** Parse frames as a browser-side WebSocket would (ws's own receiver, client side). */
function parse(frame: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false, binaryType: "nodebuffer" });
    receiver.on("message", (data: Buffer, isBinary: boolean) => (isBinary ? resolve(data) : reject(new Error("text frame"))));
    receiver.on("error", reject);
    receiver.write(frame);
  });
}

describe("binaryFrame", () => {
  it.each([0, 1, 125, 126, 127, 65535, 65536, 3_700_000])("frames %i bytes so a client reads back exactly the payload", async (n) => {
    const payload = Buffer.alloc(n);
    for (let i = 0; i < n; i++) payload[i] = (i * 31 + 7) & 0xff;
    const frame = binaryFrame(payload);
    expect(frame.length).toBe(n + (n < 126 ? 2 : n < 65536 ? 4 : 10));
    const back = await parse(frame);
    expect(back.equals(payload)).toBe(true);
  });
});
