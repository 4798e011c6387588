/**
 * Dates of meetings and actions as people in the alliance read them: in
 * Amsterdam time, whatever the server's or browser's own zone. Pure.
 *
 * A meeting is planned with a date and a time on the wall clock
 * (`<input type=date>` + `<input type=time>`); an action is due on a
 * calendar day (YYYY-MM-DD), overdue from the day after.
 */

export const MEETING_TIME_ZONE = "Europe/Amsterdam";

const partsFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: MEETING_TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** The Amsterdam wall clock at `ms`: { date: "YYYY-MM-DD", time: "HH:MM" }. */
export function amsterdamWallTime(ms: number): { date: string; time: string } {
  const p: Record<string, string> = {};
  for (const part of partsFormat.formatToParts(new Date(ms))) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** Today's calendar day in Amsterdam (YYYY-MM-DD). */
export function amsterdamDay(ms: number): string {
  return amsterdamWallTime(ms).date;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})$/;

/**
 * The moment (ms) a date and time on Amsterdam's wall clock stand for, or
 * null when either is not a real date or time. In the hour that is skipped
 * in spring the time is read as if the clock had not moved yet.
 */
export function amsterdamToMs(date: string, time: string): number | null {
  const d = DATE_RE.exec(date);
  const t = TIME_RE.exec(time);
  if (!d || !t) return null;
  const [y, mo, da, h, mi] = [Number(d[1]), Number(d[2]), Number(d[3]), Number(t[1]), Number(t[2])];
  if (mo < 1 || mo > 12 || da < 1 || h > 23 || mi > 59) return null;
  const asUtc = Date.UTC(y, mo - 1, da, h, mi);
  if (new Date(asUtc).getUTCDate() !== da) return null; // 31 February
  // The zone's offset at that moment, found in two steps (it may change in between).
  let ms = asUtc;
  for (let i = 0; i < 2; i++) {
    const wall = amsterdamWallTime(ms);
    const shown = Date.UTC(
      Number(wall.date.slice(0, 4)),
      Number(wall.date.slice(5, 7)) - 1,
      Number(wall.date.slice(8, 10)),
      Number(wall.time.slice(0, 2)),
      Number(wall.time.slice(3, 5)),
    );
    ms = asUtc - (shown - ms);
  }
  return ms;
}

/** Whether an action due on `due` (YYYY-MM-DD) and not done is late at `now`. */
export function isOverdue(due: string, now: number): boolean {
  return DATE_RE.test(due) && due < amsterdamDay(now);
}
