/**
 * Swimlanes: one row per category or organisation, each with the board's
 * columns. Every lane has its own drag-and-drop context, so a card moves
 * between columns within its lane (its category or organisation does not
 * change by dragging). Column tools (rename, move) stay in the normal layout.
 * Each lane's column regions are named with the lane ("Taal Nieuw, 3
 * aanvragen"), so no two landmarks on the page share a name.
 */
import { useId } from "react";
import type { Lane, LaneMode } from "~/hooks/useBoardView";
import type { Translate } from "~/i18n";
import { BoardColumns, type BoardColumnsProps } from "../BoardColumns";
import { safeColor } from "../labels";

export type SwimlanesProps = Omit<BoardColumnsProps, "view" | "dndId" | "laneLabelId"> & {
  lanes: Lane[];
  mode: LaneMode;
  t: Translate;
};

function SwimLane({ lane, mode, t, ...columns }: Omit<SwimlanesProps, "lanes"> & { lane: Lane }) {
  const headingId = useId();
  const nameId = useId();
  return (
    <section className="swimlane" aria-labelledby={headingId} data-testid={`lane-${lane.key}`} data-lane={lane.key}>
      <h2 id={headingId} className="swimlane-title">
        <span className="lane-swatch" style={{ background: safeColor(lane.color) }} aria-hidden="true" />
        <span className="visually-hidden">{t(mode === "categorie" ? "filter.lane.category" : "filter.lane.organisation")} </span>
        <span id={nameId}>{lane.label}</span>{" "}
        <span className="column-count">
          <span aria-hidden="true">{lane.count}</span>
          <span className="visually-hidden">{t("column.count", { count: lane.count })}</span>
        </span>
      </h2>
      <BoardColumns {...columns} view={lane.view} dndId={`board-dnd-${mode}-${lane.key}`} editable={false} laneLabelId={nameId} />
    </section>
  );
}

export function Swimlanes({ lanes, ...rest }: SwimlanesProps) {
  if (lanes.length === 0) {
    return (
      <p className="column-empty swimlanes-empty" data-testid="swimlanes">
        {rest.t("filter.noMatches")}
      </p>
    );
  }
  return (
    <div className="swimlanes" data-testid="swimlanes">
      {lanes.map((lane) => (
        <SwimLane key={lane.key} lane={lane} {...rest} />
      ))}
    </div>
  );
}
