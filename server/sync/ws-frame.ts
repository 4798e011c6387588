/**
 * A server-to-client WebSocket binary frame (RFC 6455 §5.2: FIN, opcode 2,
 * unmasked), built once per message so that a broadcast to a thousand
 * connections writes the same bytes a thousand times instead of framing the
 * message a thousand times.
 */
export function binaryFrame(payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x82;
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  frame.set(payload, head);
  return frame;
}
