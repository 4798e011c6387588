/**
 * A real SMTP server (the smtp-server package) on loopback in the test
 * process, and a small MIME reader for what it received: headers, the
 * decoded subject, and the decoded text and HTML parts.
 */
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  raw: string;
  envelopeTo: string[];
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
  /** Everything readable: headers, subject and every decoded part. */
  all: string;
}

export interface SmtpInbox {
  port: number;
  url: string;
  mails: ReceivedMail[];
  /** Accepting connections now. */
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  to(address: string): ReceivedMail[];
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const src = s.replace(/=\r?\n/g, "");
  for (let i = 0; i < src.length; i++) {
    if (src[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(src[i], "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= and =?UTF-8?B?...?=). */
export function decodeWords(s: string): string {
  return s.replace(/\?=\s+=\?/g, "?==?").replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _cs, enc: string, data: string) =>
    enc.toUpperCase() === "B" ? Buffer.from(data, "base64").toString("utf8") : decodeQuotedPrintable(data.replace(/_/g, " ")),
  );
}

function splitHead(block: string): { headers: Record<string, string>; body: string } {
  const at = block.search(/\r?\n\r?\n/);
  const head = at < 0 ? block : block.slice(0, at);
  const body = at < 0 ? "" : block.slice(at).replace(/^\r?\n\r?\n/, "");
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const enc = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  if (enc === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (enc === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

/** The leaf parts of a message: [content-type, decoded body]. */
function leaves(headers: Record<string, string>, body: string): Array<[string, string]> {
  const type = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || !boundary) return [[type.split(";")[0].toLowerCase(), decodeBody(headers, body)]];
  const parts = body.split(`--${boundary}`).slice(1);
  const out: Array<[string, string]> = [];
  for (const p of parts) {
    if (p.startsWith("--")) break;
    const sub = splitHead(p.replace(/^\r?\n/, ""));
    out.push(...leaves(sub.headers, sub.body));
  }
  return out;
}

export function parseMail(raw: string, envelopeTo: string[] = []): ReceivedMail {
  const { headers, body } = splitHead(raw);
  const parts = leaves(headers, body);
  const text = parts.find(([t]) => t === "text/plain")?.[1] ?? "";
  const html = parts.find(([t]) => t === "text/html")?.[1] ?? "";
  const subject = decodeWords(headers.subject ?? "");
  const decodedHeaders = Object.entries(headers)
    .map(([k, v]) => `${k}: ${decodeWords(v)}`)
    .join("\n");
  return { raw, envelopeTo, headers, subject, text, html, all: [decodedHeaders, subject, ...parts.map(([, b]) => b)].join("\n") };
}

/** An SMTP server on 127.0.0.1:`port` (a free one when 0), not yet listening. */
export function createSmtpInbox(port: number): SmtpInbox {
  const mails: ReceivedMail[] = [];
  let server: SMTPServer | null = null;
  const inbox: SmtpInbox = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    get running() {
      return server !== null;
    },
    async start() {
      if (server) return;
      const s = new SMTPServer({
        authOptional: true,
        disabledCommands: ["STARTTLS", "AUTH"],
        logger: false,
        // The app keeps pooled connections open; do not wait 30 s for them on stop.
        closeTimeout: 200,
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            mails.push(parseMail(Buffer.concat(chunks).toString("utf8"), session.envelope.rcptTo.map((r) => r.address)));
            callback();
          });
        },
      });
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve());
      });
      server = s;
    },
    async stop() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    to(address) {
      return mails.filter((m) => m.envelopeTo.includes(address));
    },
  };
  return inbox;
}
