/**
 * The README's thread calls: `saveThread` and `getThreadById`, mapped onto
 * the memory domain (one source of truth).
 */
import type { StorageThreadType } from "../coreTypes.ts";
import type { MemoryStorage } from "@mastra/core/storage";
import { toMillis } from "../kit/codec.ts";
import { withErrorContext } from "../kit/errors.ts";
import { requireRecord } from "../kit/validate.ts";

/** A thread as the README shows it: Mastra's thread, with timestamps as `Date` or epoch milliseconds. */
export type ThreadRecord = Omit<StorageThreadType, "createdAt" | "updatedAt"> & {
  /** Creation time (default: now). */
  createdAt?: Date | number;
  /** Last update time (default: `createdAt`). */
  updatedAt?: Date | number;
};

/** Saves a thread given in the README's shape (or Mastra's); returns it as given. */
export function saveThreadRecord(memory: MemoryStorage, thread: ThreadRecord, now: number): Promise<ThreadRecord> {
  const details = { threadId: typeof thread?.id === "string" ? thread.id : null };
  return withErrorContext({ operation: "saveThread", details }, async () => {
    const record = requireRecord(thread, "thread");
    const createdAt = record.createdAt === undefined ? now : toMillis(record.createdAt, "thread.createdAt");
    const updatedAt = record.updatedAt === undefined ? createdAt : toMillis(record.updatedAt, "thread.updatedAt");
    await memory.saveThread({
      thread: { ...(record as StorageThreadType), createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) },
    });
    return thread;
  });
}
