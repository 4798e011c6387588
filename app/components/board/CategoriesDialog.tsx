/** The board's categories, and a form to add one (written to the live document). */
import { useId, useRef, useState, type FormEvent } from "react";
import type * as Y from "yjs";
import { addCategory, freeCategoryId, removeCategory, requestsInCategory } from "~/board/domain";
import { ICONS, type CategoryView, type IconName } from "~/board/types";
import { LIMITS, slugify, validateCategory } from "~/board/validate";
import { fieldError, type MessageKey, type Translate } from "~/i18n";
import { Field } from "./Field";
import { CategoryIcon } from "./Icon";
import { Modal } from "./Modal";
import { RemoveRecordSection } from "./RemoveRecordSection";
import { categoryLabel, inkOn, safeColor } from "./labels";

const ICON_KEYS: Record<IconName, MessageKey> = {
  home: "category.icon.home",
  chat: "category.icon.chat",
  briefcase: "category.icon.briefcase",
  people: "category.icon.people",
  heart: "category.icon.heart",
  book: "category.icon.book",
  food: "category.icon.food",
  health: "category.icon.health",
  money: "category.icon.money",
  star: "category.icon.star",
};

export function CategoriesDialog({
  open,
  onClose,
  categories,
  doc,
  editable,
  t,
  onNotice,
}: {
  open: boolean;
  onClose: () => void;
  categories: CategoryView[];
  doc: Y.Doc | null;
  editable: boolean;
  t: Translate;
  onNotice: (message: string) => void;
}) {
  const titleId = useId();
  const [removing, setRemoving] = useState<string | null>(null);
  const target = removing ? categories.find((c) => c.id === removing) : undefined;
  return (
    <Modal open={open} onClose={onClose} labelledBy={titleId} testId="dialog-categories">
      <div className="modal-form">
        <div className="modal-head">
          <h2 id={titleId}>{t("category.title")}</h2>
        </div>
        <div className="modal-body">
          <ul className="category-list">
            {categories.map((c) => {
              const color = safeColor(c.color);
              return (
                <li key={c.id} data-category-id={c.id}>
                  <span className="card-icon" style={{ background: color, color: inkOn(color) }}>
                    <CategoryIcon name={c.icon} />
                  </span>
                  <span>{categoryLabel(t, c)}</span>
                  {editable ? (
                    <button
                      type="button"
                      className="button secondary small"
                      aria-expanded={removing === c.id}
                      onClick={() => setRemoving(removing === c.id ? null : c.id)}
                    >
                      {t("remove.category.button", { name: categoryLabel(t, c) })}
                    </button>
                  ) : null}
                </li>
              );
            })}
          </ul>
          {editable && doc && target ? (
            <RemoveRecordSection
              key={target.id}
              target={{
                kind: "category",
                id: target.id,
                label: categoryLabel(t, target),
                held: requestsInCategory(doc, target.id),
                others: categories.filter((c) => c.id !== target.id).map((c) => ({ id: c.id, label: categoryLabel(t, c) })),
              }}
              onRemove={(moveTo) => {
                removeCategory(doc, target.id, { moveTo, now: Date.now() });
                onNotice(t("remove.done.category", { name: categoryLabel(t, target) }));
                setRemoving(null);
              }}
              onCancel={() => setRemoving(null)}
              t={t}
            />
          ) : null}
          {editable ? (
            <AddCategoryForm doc={doc} count={categories.length} t={t} onNotice={onNotice} />
          ) : null}
        </div>
        <div className="modal-actions">
          <button type="button" className="button secondary" onClick={onClose} data-autofocus={!editable || undefined}>
            {t("board.close")}
          </button>
        </div>
      </div>
    </Modal>
  );
}

function AddCategoryForm({
  doc,
  count,
  t,
  onNotice,
}: {
  doc: Y.Doc | null;
  count: number;
  t: Translate;
  onNotice: (message: string) => void;
}) {
  const headingId = useId();
  const [errors, setErrors] = useState<Partial<Record<"label" | "color" | "icon", string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [icon, setIcon] = useState<IconName>("star");
  const formRef = useRef<HTMLFormElement>(null);
  const full = count >= LIMITS.maxCategories;

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!doc) return;
    setGeneral(null);
    const form = new FormData(e.currentTarget);
    const result = validateCategory({ label: form.get("label"), color: form.get("color"), icon: form.get("icon") });
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    try {
      const id = freeCategoryId(doc, slugify(result.value.label));
      addCategory(doc, { id, ...result.value });
      onNotice(t("category.added", { label: result.value.label }));
      formRef.current?.reset();
      setIcon("star");
      formRef.current?.querySelector<HTMLInputElement>("input[name=label]")?.focus();
    } catch {
      setGeneral(t("category.addFailed"));
    }
  };

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate className="subform" aria-labelledby={headingId}>
      <h3 id={headingId} className="small-heading">
        {t("category.add")}
      </h3>
      {general ? (
        <p className="alert error" role="alert">
          {general}
        </p>
      ) : null}
      {full ? (
        <p className="alert info">{t("category.full", { max: LIMITS.maxCategories })}</p>
      ) : (
        <>
          <Field label={t("category.label")} error={fieldError(t, errors.label)}>
            <input
              type="text"
              name="label"
              maxLength={LIMITS.categoryLabelMax}
              autoComplete="off"
              required
              data-autofocus
            />
          </Field>
          <div className="field-row">
            <Field label={t("category.color")} error={fieldError(t, errors.color)}>
              <input type="color" name="color" defaultValue="#5b4b8a" className="color-input" />
            </Field>
            <Field label={t("category.icon")} error={fieldError(t, errors.icon)}>
              <select name="icon" value={icon} onChange={(e) => setIcon(e.target.value as IconName)}>
                {ICONS.map((i) => (
                  <option key={i} value={i}>
                    {t(ICON_KEYS[i])}
                  </option>
                ))}
              </select>
            </Field>
            <span className="icon-preview" aria-hidden="true">
              <CategoryIcon name={icon} size={24} />
            </span>
          </div>
          <button type="submit" className="button">
            {t("category.submit")}
          </button>
        </>
      )}
    </form>
  );
}
