/**
 * Page arguments of the README calls: `page` counts from 0.
 */
import { InvalidInputError } from "../kit/errors.ts";

/** A checked page window. */
export type PageWindow = { page: number; perPage: number; offset: number };

/** Checks `page` (from 0) and `perPage` (1 or more) and computes the offset. */
export function pageWindow(page: number | undefined, perPage: number | undefined, defaultPerPage: number): PageWindow {
  const p = page ?? 0;
  const size = perPage ?? defaultPerPage;
  if (!Number.isSafeInteger(p) || p < 0) throw new InvalidInputError(`page must be an integer >= 0, got ${page}`);
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new InvalidInputError(`perPage must be an integer >= 1, got ${perPage}`);
  }
  return { page: p, perPage: size, offset: p * size };
}
