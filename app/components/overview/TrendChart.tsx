/**
 * Requests entered and finished per week, as an inline SVG line chart with
 * its numbers in a visually hidden table. Works for a few weeks and for
 * three years alike (labels thin out).
 */
import { useId } from "react";
import type { Translate } from "~/i18n";

export interface TrendWeek {
  week: string;
  created: number;
  done: number;
}

const CREATED = "#1f4e5f";
const DONE = "#21663b";

function shortDate(iso: string): string {
  const [, m, d] = iso.split("-");
  return `${Number(d)}-${Number(m)}`;
}

export function TrendChart({ weeks, t }: { weeks: TrendWeek[]; t: Translate }) {
  const id = useId();
  const W = 640;
  const H = 220;
  const left = 36;
  const right = 28;
  const top = 12;
  const bottom = 34;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const max = Math.max(1, ...weeks.map((w) => Math.max(w.created, w.done)));
  // A round top for the axis: 1, 2, 5, 10, 20, 50, …
  const step = [1, 2, 5].map((m) => m * 10 ** Math.floor(Math.log10(max))).find((s) => max / s <= 5) ?? 10 ** Math.ceil(Math.log10(max));
  const yMax = Math.ceil(max / step) * step;
  const x = (i: number) => left + (weeks.length <= 1 ? plotW / 2 : (i / (weeks.length - 1)) * plotW);
  const y = (n: number) => top + plotH - (n / yMax) * plotH;
  const ticks: number[] = [];
  for (let v = 0; v <= yMax; v += step) ticks.push(v);
  const every = Math.max(1, Math.ceil(weeks.length / 10));
  const line = (key: "created" | "done") => weeks.map((w, i) => `${x(i).toFixed(1)},${y(w[key]).toFixed(1)}`).join(" ");
  const totalCreated = weeks.reduce((n, w) => n + w.created, 0);
  const totalDone = weeks.reduce((n, w) => n + w.done, 0);

  return (
    <figure className="ov-chart" data-testid="trend-chart">
      <div className="ov-legend" aria-hidden="true">
        <span>
          <span className="ov-key" style={{ background: CREATED }} /> {t("rep.trend.created")}
        </span>
        <span>
          <span className="ov-key ov-key-dashed" style={{ borderColor: DONE }} /> {t("rep.trend.done")}
        </span>
      </div>
      <svg
        role="img"
        aria-labelledby={`${id}-t ${id}-d`}
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        style={{ maxWidth: `${W}px` }}
        className="ov-svg"
        focusable="false"
      >
        <title id={`${id}-t`}>{t("rep.trend.title")}</title>
        <desc id={`${id}-d`}>
          {t("rep.trend.summary", { weeks: weeks.length, created: totalCreated, done: totalDone })}
        </desc>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={left} x2={W - right} y1={y(v)} y2={y(v)} className="ov-svg-grid" />
            <text x={left - 6} y={y(v) + 4} textAnchor="end" className="ov-svg-tick">
              {v}
            </text>
          </g>
        ))}
        {weeks.map((w, i) =>
          i % every === 0 ? (
            <text key={w.week} x={x(i)} y={H - bottom + 16} textAnchor="middle" className="ov-svg-tick">
              {shortDate(w.week)}
            </text>
          ) : null,
        )}
        <polyline points={line("created")} fill="none" stroke={CREATED} strokeWidth="2.5" />
        <polyline points={line("done")} fill="none" stroke={DONE} strokeWidth="2.5" strokeDasharray="6 4" />
        {weeks.length <= 60
          ? weeks.map((w, i) => (
              <g key={w.week}>
                <circle cx={x(i)} cy={y(w.created)} r="3" fill={CREATED} />
                <circle cx={x(i)} cy={y(w.done)} r="3" fill={DONE} />
              </g>
            ))
          : null}
        <text x={left} y={H - 4} className="ov-svg-tick">
          {t("rep.trend.axis")}
        </text>
      </svg>
      {/* The chart's figures for screen readers. In a hidden box: a table is never narrower than its contents. */}
      <div className="visually-hidden">
        <table>
          <caption>{t("rep.trend.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("rep.trend.week")}</th>
              <th scope="col">{t("rep.trend.created")}</th>
              <th scope="col">{t("rep.trend.done")}</th>
            </tr>
          </thead>
          <tbody>
            {weeks.map((w) => (
              <tr key={w.week}>
                <th scope="row">{w.week}</th>
                <td>{w.created}</td>
                <td>{w.done}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
