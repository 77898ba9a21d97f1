/**
 * Argument checks done before anything is sent, so bad input fails with a
 * clear message and writes nothing.
 */
import { InvalidInputError } from "./errors.ts";

/**
 * Longest id accepted, in UTF-8 bytes. Ids are index keys in Convex; a sane
 * bound keeps every index entry small and turns a runaway id (a whole
 * prompt pasted as an id) into a clear error instead of a server failure.
 */
export const MAX_ID_BYTES = 1024;

/** UTF-8 length of a string. */
function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** A non-empty string of at most {@link MAX_ID_BYTES} UTF-8 bytes, or an {@link InvalidInputError}. */
export function requireId(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidInputError(`${name} must be a non-empty string, got ${describeValue(value)}`);
  }
  return requireKeyLength(value, name);
}

/** A string used as an index key (may be empty) of at most {@link MAX_ID_BYTES} UTF-8 bytes. */
export function requireKey(value: unknown, name: string): string {
  return requireKeyLength(requireString(value, name), name);
}

function requireKeyLength(value: string, name: string): string {
  // Cheap test first: a string of n UTF-16 units has at most 3n UTF-8 bytes.
  if (value.length * 3 > MAX_ID_BYTES) {
    const bytes = utf8Bytes(value);
    if (bytes > MAX_ID_BYTES) {
      throw new InvalidInputError(`${name} is ${bytes} bytes long; ids may be at most ${MAX_ID_BYTES} bytes`);
    }
  }
  return value;
}

/** A string, or an {@link InvalidInputError}. */
export function requireString(value: unknown, name: string): string {
  if (typeof value !== "string") throw new InvalidInputError(`${name} must be a string, got ${describeValue(value)}`);
  return value;
}

/** A string or `undefined`, or an {@link InvalidInputError}. */
export function optionalString(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requireString(value, name);
}

/** A plain object (not an array, not null), or an {@link InvalidInputError}. */
export function requireRecord(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`${name} must be an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A plain object or `undefined`, or an {@link InvalidInputError}. */
export function optionalRecord(value: unknown, name: string): Record<string, unknown> | undefined {
  return value === undefined ? undefined : requireRecord(value, name);
}

/** A string, `undefined` or `null` (an absent optional argument), or an {@link InvalidInputError}. */
export function optionalNullableString(value: unknown, name: string): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, name);
}

/** A plain object, `undefined` or `null`, or an {@link InvalidInputError}. */
export function optionalNullableRecord(value: unknown, name: string): Record<string, unknown> | undefined {
  return value === undefined || value === null ? undefined : requireRecord(value, name);
}

/** Each id of a list of ids (named `name[i]` in errors), or an {@link InvalidInputError}. */
export function requireIdList(value: unknown, name: string): string[] {
  if (!Array.isArray(value)) throw new InvalidInputError(`${name} must be an array, got ${describeValue(value)}`);
  return value.map((id, index) => requireId(id, `${name}[${index}]`));
}

/** A number or `undefined`, or an {@link InvalidInputError}. */
export function optionalNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new InvalidInputError(`${name} must be a number, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Checks the `include` argument of message lists: an array of
 * `{ id, threadId?, withPreviousMessages?, withNextMessages? }`.
 */
export function checkInclude(value: unknown, name = "include"): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) throw new InvalidInputError(`${name} must be an array, got ${describeValue(value)}`);
  value.forEach((item, index) => {
    const entry = requireRecord(item, `${name}[${index}]`);
    requireId(entry.id, `${name}[${index}].id`);
    optionalNullableString(entry.threadId, `${name}[${index}].threadId`);
    optionalNumber(entry.withPreviousMessages, `${name}[${index}].withPreviousMessages`);
    optionalNumber(entry.withNextMessages, `${name}[${index}].withNextMessages`);
  });
}

/** Short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") {
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
