/**
 * Form fields shared by the new-request dialog and the card dialog: the
 * title, the category/urgency row and the pseudonymous reference.
 */
import type { ReactNode } from "react";
import { URGENCIES, type CategoryView } from "~/board/types";
import { LIMITS } from "~/board/validate";
import { fieldError, type Translate } from "~/i18n";
import { Field } from "./Field";
import { URGENCY_KEYS, categoryLabel } from "./labels";

type Errors = Partial<Record<string, string>>;

export function TitleField({ t, errors, defaultValue }: { t: Translate; errors: Errors; defaultValue: string }) {
  return (
    <Field label={t("card.field.title")} error={fieldError(t, errors.title)}>
      <input
        type="text"
        name="title"
        required
        maxLength={LIMITS.titleMax}
        defaultValue={defaultValue}
        autoComplete="off"
        data-autofocus
      />
    </Field>
  );
}

export function CategoryUrgencyFields({
  t,
  errors,
  categories,
  category,
  urgency,
  categoryRequired,
}: {
  t: Translate;
  errors: Errors;
  categories: readonly CategoryView[];
  category: string;
  urgency: string;
  categoryRequired?: boolean;
}) {
  return (
    <div className="field-row">
      <Field label={t("card.field.category")} error={fieldError(t, errors.category)}>
        <select name="category" defaultValue={category} required={categoryRequired}>
          {categories.map((c) => (
            <option key={c.id} value={c.id}>
              {categoryLabel(t, c)}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t("card.field.urgency")} error={fieldError(t, errors.urgency)}>
        <select name="urgency" defaultValue={urgency}>
          {URGENCIES.map((u) => (
            <option key={u} value={u}>
              {t(URGENCY_KEYS[u])}
            </option>
          ))}
        </select>
      </Field>
    </div>
  );
}

export function ReferenceField({
  t,
  errors,
  hint,
  defaultValue,
  readOnly,
}: {
  t: Translate;
  errors: Errors;
  hint: ReactNode;
  defaultValue: string;
  readOnly?: boolean;
}) {
  return (
    <Field label={t("card.field.reference")} hint={hint} error={fieldError(t, errors.reference)}>
      <input
        type="text"
        name="reference"
        maxLength={LIMITS.referenceMax}
        defaultValue={defaultValue}
        autoComplete="off"
        spellCheck={false}
        readOnly={readOnly}
      />
    </Field>
  );
}
