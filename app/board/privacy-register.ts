/** The processing register's columns (AVG art. 30), in order; each is titled by `privacy.col.<column>`. */
export const REGISTER_COLUMNS = ["activity", "purpose", "subjects", "data", "recipients", "retention", "security", "storage"] as const;
export type RegisterColumn = (typeof REGISTER_COLUMNS)[number];
