/**
 * Demand against declared capacity per category, as an inline SVG bar chart
 * a coordinator reads in seconds: per category two bars with their numbers,
 * and the shortage in words where demand is larger. The SVG is one image for
 * assistive technology (role="img" with a summary); the same figures follow
 * in a visually hidden table.
 */
import { useId } from "react";
import type { Translate } from "~/i18n";

export interface CapacityRow {
  category: string;
  label: string;
  demand: number;
  capacity: number;
}

const DEMAND = "#b35c00";
const CAPACITY = "#1f4e5f";

export function CapacityChart({ rows, t }: { rows: CapacityRow[]; t: Translate }) {
  const id = useId();
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  const labelW = 170;
  const valueW = 120;
  const barW = 560 - labelW - valueW;
  const barH = 14;
  const rowH = 2 * barH + 18;
  const top = 8;
  const height = top + rows.length * rowH + 4;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.demand, r.capacity)));
  const scale = (n: number) => (n <= 0 ? 0 : Math.max(2, Math.round((n / max) * barW)));
  const summary = rows
    .map((r) =>
      t("ov.capacity.rowSummary", {
        category: r.label,
        demand: r.demand,
        capacity: r.capacity,
      }),
    )
    .join("; ");
  const short = rows.filter((r) => r.demand > r.capacity);

  return (
    <figure className="ov-chart" data-testid="capacity-chart">
      <div className="ov-legend" aria-hidden="true">
        <span>
          <span className="ov-key" style={{ background: DEMAND }} /> {t("ov.capacity.demand")}
        </span>
        <span>
          <span className="ov-key" style={{ background: CAPACITY }} /> {t("ov.capacity.capacity")}
        </span>
      </div>
      <svg
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        viewBox={`0 0 560 ${height}`}
        width="100%"
        style={{ maxWidth: "560px" }}
        className="ov-svg"
        focusable="false"
      >
        <title id={titleId}>{t("ov.capacity.title")}</title>
        <desc id={descId}>{summary || t("ov.capacity.empty")}</desc>
        {rows.map((r, i) => {
          const y = top + i * rowH;
          const gap = r.demand - r.capacity;
          return (
            <g key={r.category} data-category={r.category}>
              <text x={labelW - 8} y={y + barH + 4} textAnchor="end" className="ov-svg-label">
                {r.label.length > 24 ? `${r.label.slice(0, 23)}…` : r.label}
              </text>
              <rect x={labelW} y={y} width={scale(r.demand)} height={barH} rx="2" fill={DEMAND} />
              <text x={labelW + scale(r.demand) + 6} y={y + barH - 3} className="ov-svg-value">
                {r.demand}
              </text>
              <rect x={labelW} y={y + barH + 2} width={scale(r.capacity)} height={barH} rx="2" fill={CAPACITY} />
              <text x={labelW + scale(r.capacity) + 6} y={y + 2 * barH - 1} className="ov-svg-value">
                {r.capacity}
              </text>
              {gap > 0 ? (
                <text x={560 - 4} y={y + barH + 4} textAnchor="end" className="ov-svg-short">
                  {t("ov.capacity.short", { count: gap })}
                </text>
              ) : null}
              <line x1={labelW} x2={labelW} y1={y - 2} y2={y + 2 * barH + 4} className="ov-svg-axis" />
            </g>
          );
        })}
      </svg>
      <figcaption className="muted small">
        {short.length
          ? t("ov.capacity.shortSummary", { categories: short.map((r) => r.label).join(", ") })
          : t("ov.capacity.enough")}
      </figcaption>
      {/* The chart's figures for screen readers. In a hidden box: a table is never narrower than its contents. */}
      <div className="visually-hidden">
        <table>
          <caption>{t("ov.capacity.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("ov.matrix.category")}</th>
              <th scope="col">{t("ov.capacity.demand")}</th>
              <th scope="col">{t("ov.capacity.capacity")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.category}>
                <th scope="row">{r.label}</th>
                <td>{r.demand}</td>
                <td>{r.capacity}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
