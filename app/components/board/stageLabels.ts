/** The words for column stages (app/board/stages.ts), the same on the board, in the dialogs and on /beheer. */
import { STAGES } from "~/board/stages";
import type { Stage } from "~/board/types";
import type { MessageKey, Translate } from "~/i18n";

const LABEL: Record<Stage, MessageKey> = {
  intake: "stage.intake",
  open: "stage.open",
  held: "stage.held",
  done: "stage.done",
};

const HELP: Record<Stage, MessageKey> = {
  intake: "stage.help.intake",
  open: "stage.help.open",
  held: "stage.help.held",
  done: "stage.help.done",
};

export function stageLabel(t: Translate, stage: Stage): string {
  return t(LABEL[stage]);
}

export function stageHelp(t: Translate, stage: Stage): string {
  return t(HELP[stage]);
}

export { STAGES };
