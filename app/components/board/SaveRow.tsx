/**
 * A dialog section's save button with its spoken outcome ("Opgeslagen."), for
 * sections that write straight to the shared card (translation, matching).
 */
export function SaveRow({ label, savedText, saved, onSave, disabled }: { label: string; savedText: string; saved: boolean; onSave: () => void; disabled: boolean }) {
  return (
    <div>
      <button type="button" className="button secondary" onClick={onSave} disabled={disabled}>
        {label}
      </button>{" "}
      <span role="status" className="muted small">
        {saved ? savedText : ""}
      </span>
    </div>
  );
}
