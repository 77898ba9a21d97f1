/**
 * Counts what the in-process backend reads and writes, by hooking
 * convex-test's per-transaction metrics tracker. Used to check that a call
 * reads about what it returns, not what the table holds.
 */
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";

/** Documents and bytes touched while a measured function ran. */
export type Usage = {
  documentsRead: number;
  bytesRead: number;
  documentsWritten: number;
  bytesWritten: number;
  indexRanges: number;
};

let active: Usage | null = null;

const proto = TransactionMetricsTracker.prototype as unknown as {
  trackRead(size: number): void;
  trackWrite(size: number): void;
  trackIndexRange(): void;
};
const originalRead = proto.trackRead;
const originalWrite = proto.trackWrite;
const originalRange = proto.trackIndexRange;
proto.trackRead = function (size: number) {
  if (active) {
    active.documentsRead++;
    active.bytesRead += size;
  }
  return originalRead.call(this, size);
};
proto.trackWrite = function (size: number) {
  if (active) {
    active.documentsWritten++;
    active.bytesWritten += size;
  }
  return originalWrite.call(this, size);
};
proto.trackIndexRange = function () {
  if (active) active.indexRanges++;
  return originalRange.call(this);
};

/** Runs `fn` and reports what the backend read and wrote meanwhile (not reentrant). */
export async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; usage: Usage }> {
  const usage: Usage = { documentsRead: 0, bytesRead: 0, documentsWritten: 0, bytesWritten: 0, indexRanges: 0 };
  active = usage;
  try {
    const result = await fn();
    return { result, usage };
  } finally {
    active = null;
  }
}
