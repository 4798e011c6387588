/** "Vergeet deze persoon" (erasure) and the board rebuilt under a new generation. */
export const eraseNl = {
  "erase.rebuiltNotice": "Dit bord is opnieuw opgebouwd (gegevens van een persoon zijn gewist). Je ziet de actuele versie.",
} as const;

export type EraseKey = keyof typeof eraseNl;

export const eraseEn: Record<EraseKey, string> = {
  "erase.rebuiltNotice": "This board was rebuilt (a person's data was erased). You are seeing the current version.",
};
