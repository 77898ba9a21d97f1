/**
 * Convex's pagination conventions for the reads the app may call: the
 * `paginationOpts` argument (`paginationOptsValidator`) and the page shape
 * `usePaginatedQuery` expects (`paginationResultValidator`), with a cap on the page size so every page is
 * one bounded index range.
 */
import type { PaginationOptions } from "convex/server";
import { storageError } from "./errors.js";

/** `options` when its page size is an integer from 1 to `max`; else an `INVALID` error naming the bound. */
export function checkPageOptions(options: PaginationOptions, max: number): PaginationOptions {
  const { numItems } = options;
  if (!Number.isInteger(numItems) || numItems < 1 || numItems > max) {
    throw storageError("INVALID", `paginationOpts.numItems must be an integer from 1 to ${max}, got ${numItems}`);
  }
  return options;
}

/** `limit` when it is an integer from 1 to `max`; else an `INVALID` error naming the bound. */
export function checkAppLimit(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw storageError("INVALID", `limit must be an integer from 1 to ${max}, got ${limit}`);
  }
  return limit;
}
