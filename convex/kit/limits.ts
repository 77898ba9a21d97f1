/**
 * Convex's per-document limit, checked by our mutations before writing
 * (the in-process test backend does not enforce it, a real deployment does).
 */
import { storageError } from "./errors.js";
import { approximateSize } from "./walk.js";

/** Largest document Convex accepts. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** Headroom kept for field names and system fields. */
const OVERHEAD = 4 * 1024;

/** Throws a `TOO_LARGE` storage error when `doc` would not fit one document. */
export function assertFitsDocument(what: string, doc: Record<string, unknown>): void {
  const size = approximateSize(doc);
  if (size > MAX_DOCUMENT_BYTES - OVERHEAD) {
    throw storageError(
      "TOO_LARGE",
      `${what} is ${size} bytes encoded; one Convex document holds at most ${
        MAX_DOCUMENT_BYTES - OVERHEAD
      } bytes of data`,
    );
  }
}
