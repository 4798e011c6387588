/**
 * The input rules of a local team (Aan de Slag, issue 15), for /beheer's
 * form and the JSON API alike: a name of 2 to 80 characters, an optional
 * area, and one or more of the alliance's organisations. Pure.
 */
import { cleanText, isRecordId } from "./validate";

export const TEAM_NAME_MAX = 80;
export const TEAM_AREA_MAX = 80;

export type TeamField = "name" | "area" | "organisationIds";
export type TeamError = "type" | "required" | "tooShort" | "tooLong" | "unknown";

export interface TeamInput {
  name?: unknown;
  area?: unknown;
  organisationIds?: unknown;
}

export interface CheckedTeam {
  name?: string;
  area?: string | null;
  organisationIds?: string[];
}

/**
 * Checks what is given; with `partial` (a change) a missing field stays as
 * it is, otherwise name and organisations are required. `known` are the
 * alliance's organisation ids: any other id is "unknown".
 */
export function checkTeam(
  input: TeamInput,
  known: ReadonlySet<string>,
  partial = false,
): { value: CheckedTeam; errors: Partial<Record<TeamField, TeamError>> } {
  const value: CheckedTeam = {};
  const errors: Partial<Record<TeamField, TeamError>> = {};
  if (input.name !== undefined || !partial) {
    if (input.name !== undefined && input.name !== null && typeof input.name !== "string") errors.name = "type";
    else {
      const name = cleanText(input.name);
      if (!name) errors.name = "required";
      else if (name.length < 2) errors.name = "tooShort";
      else if (name.length > TEAM_NAME_MAX) errors.name = "tooLong";
      else value.name = name;
    }
  }
  if (input.area !== undefined) {
    if (input.area !== null && typeof input.area !== "string") errors.area = "type";
    else {
      const area = cleanText(input.area);
      if (area.length > TEAM_AREA_MAX) errors.area = "tooLong";
      else value.area = area || null;
    }
  } else if (!partial) value.area = null;
  if (input.organisationIds !== undefined || !partial) {
    const ids = input.organisationIds;
    if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === "string"))) errors.organisationIds = "type";
    else {
      const list = [...new Set((ids ?? []) as string[])];
      if (!list.length) errors.organisationIds = "required";
      else if (list.some((id) => !isRecordId(id) || !known.has(id))) errors.organisationIds = "unknown";
      else value.organisationIds = list;
    }
  }
  return { value, errors };
}
