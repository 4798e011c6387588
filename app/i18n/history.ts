/** Texts of the board as it was (app/routes/boards.$boardId_.verleden.tsx). */
export const historyNl = {
};

export type HistoryKey = keyof typeof historyNl;

export const historyEn: Record<HistoryKey, string> = {
};
