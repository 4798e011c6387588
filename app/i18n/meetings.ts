/** Texts of vergaderingen (app/routes/boards.$boardId_.vergaderingen*.tsx), their record and minutes. */
export const meetingsNl = {
};

export type MeetingsKey = keyof typeof meetingsNl;

export const meetingsEn: Record<MeetingsKey, string> = {
};
