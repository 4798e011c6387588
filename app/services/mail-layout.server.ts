/**
 * The one look of every mail Alliantiebord sends: a heading, short
 * paragraphs, at most one button, and a footer; as plain text and as HTML
 * (every value escaped). Mails never carry personal data: no reference, no
 * description; a request's title only where the recipient may see it.
 */
import { translator, type Locale } from "../i18n";

export interface MailContent {
  locale: Locale;
  subject: string;
  heading: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  /** Below a rule, small: why you get this, how to stop it. */
  footer?: string[];
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function composeMail(c: MailContent): { subject: string; text: string; html: string } {
  const t = translator(c.locale);
  const product = t("app.name");
  const text = [
    c.heading,
    "",
    ...c.paragraphs.flatMap((p) => [p, ""]),
    ...(c.action ? [`${c.action.label}: ${c.action.url}`, ""] : []),
    ...(c.footer?.length ? ["--", ...c.footer] : []),
  ]
    .join("\n")
    .trimEnd();
  const html = `<!doctype html>
<html lang="${c.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(c.subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a202c">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
<p style="margin:0 0 16px;font-size:13px;color:#4a5568">${escapeHtml(product)}</p>
<h1 style="margin:0 0 16px;font-size:20px">${escapeHtml(c.heading)}</h1>
${c.paragraphs.map((p) => `<p style="margin:0 0 12px;line-height:1.5">${escapeHtml(p)}</p>`).join("\n")}
${c.action ? `<p style="margin:20px 0"><a href="${escapeHtml(c.action.url)}" style="display:inline-block;background:#2b6cb0;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px">${escapeHtml(c.action.label)}</a></p>
<p style="margin:0 0 12px;font-size:13px;color:#4a5568;word-break:break-all">${escapeHtml(c.action.url)}</p>` : ""}
${c.footer?.length ? `<hr style="border:0;border-top:1px solid #e2e8f0;margin:20px 0 12px"><p style="margin:0;font-size:12px;color:#718096;line-height:1.5">${c.footer.map(escapeHtml).join("<br>")}</p>` : ""}
</div></body></html>`;
  return { subject: c.subject, text, html };
}
