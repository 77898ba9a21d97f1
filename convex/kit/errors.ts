/**
 * Errors our Convex functions raise on purpose. They travel to the client as
 * `ConvexError` data `{ code, message, ...details }`, which the client turns
 * into a `MastraError` naming the operation and ids.
 */
import { ConvexError } from "convex/values";

/**
 * Machine-readable reasons for a deliberate failure. `RECLAIMED`: an
 * uploaded large value was reclaimed before the write that uses it; the
 * client retries the whole call (nothing was written). `DELETING`: the
 * write names a thread whose deletion the deployment is still finishing
 * (`threadId` says which); nothing was written.
 */
export type StorageErrorCode =
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "TOO_LARGE"
  | "INVALID"
  | "RECLAIMED"
  | "CONFLICT"
  | "DELETING";

/** Data carried by a deliberate failure. */
export type StorageErrorData = { code: StorageErrorCode; message: string; threadId?: string };

/** Builds the error our functions throw for a deliberate failure. */
export function storageError(
  code: StorageErrorCode,
  message: string,
  extra: { threadId?: string } = {},
): ConvexError<StorageErrorData> {
  return new ConvexError({ code, message, ...extra });
}
