/**
 * The building blocks of the overview and report pages: a panel named by its
 * heading (with an optional line of help under it), and a data table that
 * scrolls sideways on a narrow screen and is captioned for screen readers.
 */
import { useId, type ReactNode } from "react";

export function Panel({ id, title, help, children }: { id: string; title: ReactNode; help?: ReactNode; children: ReactNode }) {
  return (
    <section className="card-panel ov-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {help ? <p className="muted small">{help}</p> : null}
      {children}
    </section>
  );
}

export function DataTable({
  testId,
  caption,
  className,
  children,
}: {
  testId: string;
  caption: ReactNode;
  /** Classes next to `ov-table`. */
  className?: string;
  /** thead, tbody and tfoot. */
  children: ReactNode;
}) {
  const captionId = useId();
  // When it scrolls sideways, keyboard users reach it with Tab and scroll it with the arrows
  // (a group named by the caption: not a landmark, whose name would repeat the panel's).
  return (
    <div className="table-scroll" tabIndex={0} role="group" aria-labelledby={captionId}>
      <table className={className ? `ov-table ${className}` : "ov-table"} data-testid={testId}>
        <caption className="visually-hidden" id={captionId}>
          {caption}
        </caption>
        {children}
      </table>
    </div>
  );
}
