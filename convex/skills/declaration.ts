/** The skills domain as a versioned domain (`kit/versioned.ts`): what sets it apart from the others. */
import { favoritedIds } from "../favorites/lookup.js";
import type { VersionedDeclaration } from "../kit/versioned.js";

/**
 * Whether two values of a skill config field are the same, as core decides
 * it: dates by time, arrays item by item, objects by their keys whose
 * values are not both null or undefined.
 */
export function skillFieldEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null && b == null) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((value, index) => skillFieldEquals(value, b[index]));
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  return [...new Set([...Object.keys(left), ...Object.keys(right)])]
    .filter((key) => !(left[key] == null && right[key] == null))
    .every((key) => skillFieldEquals(left[key], right[key]));
}

/** Declaration of the skills domain. */
export const skillsDeclaration: VersionedDeclaration = {
  domain: "skills",
  label: "Skill",
  versionOf: "skill",
  favoritesOf: favoritedIds("skill"),
  updateVersioning: {
    fields: [
      "name",
      "description",
      "instructions",
      "license",
      "compatibility",
      "source",
      "references",
      "scripts",
      "assets",
      "files",
      "metadata",
      "tree",
    ],
    equal: skillFieldEquals,
  },
};
