/** Texts of 'since the last meeting' and the proposed agenda. */
export const summaryNl = {
};

export type SummaryKey = keyof typeof summaryNl;

export const summaryEn: Record<SummaryKey, string> = {
};
