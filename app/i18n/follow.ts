/** Texts of following the facilitator on the board, the presenter view. */
export const followNl = {
};

export type FollowKey = keyof typeof followNl;

export const followEn: Record<FollowKey, string> = {
};
