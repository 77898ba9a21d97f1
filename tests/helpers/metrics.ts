/**
 * Counts what the in-process backend reads and writes, by hooking
 * convex-test's per-transaction metrics tracker. Used to check that a call
 * reads about what it returns, not what the table holds.
 *
 * It also records *which* documents were written (inserted, patched,
 * replaced or deleted), by wrapping the database syscalls convex-test
 * serves: two calls that write the same document conflict under Convex's
 * optimistic concurrency, so the benchmark intersects these sets to find
 * the documents unrelated writers share.
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

/** One document write seen by the backend. */
export type DocumentWrite = {
  op: "insert" | "patch" | "replace" | "delete";
  table: string;
  id: string;
};

let active: Usage | null = null;
let activeWrites: DocumentWrite[] | null = null;

/** convex-test ids are a zero-padded counter followed by the table name. */
const tableOfId = (id: string): string => id.replace(/^\d+/, "");

const WRITE_OPS: Record<string, DocumentWrite["op"]> = {
  "1.0/insert": "insert",
  "1.0/shallowMerge": "patch",
  "1.0/replace": "replace",
  "1.0/remove": "delete",
};

type SyscallHost = { asyncSyscall: (op: string, json: string) => Promise<string> };
let syscallsWrapped = false;

/**
 * Wraps convex-test's async syscalls (installed as `globalThis.Convex` by the
 * first `convexTest()`) to record document writes while a measurement runs.
 * Reads are not touched: the metrics tracker counts them.
 */
function wrapSyscalls(): void {
  if (syscallsWrapped) return;
  const host = (globalThis as { Convex?: SyscallHost & Record<string, unknown> }).Convex;
  if (!host) return;
  syscallsWrapped = true;
  const original = host;
  (globalThis as { Convex?: unknown }).Convex = {
    get syscall() {
      return original.syscall;
    },
    get jsSyscall() {
      return original.jsSyscall;
    },
    get asyncSyscall() {
      const inner = original.asyncSyscall;
      return async (op: string, json: string): Promise<string> => {
        const result = await inner(op, json);
        const kind = WRITE_OPS[op];
        if (kind && activeWrites) {
          const args = JSON.parse(json) as { table?: string; id?: string };
          const id = kind === "insert" ? (JSON.parse(result) as { _id: string })._id : String(args.id);
          activeWrites.push({ op: kind, table: tableOfId(id), id });
        }
        return result;
      };
    },
  };
}

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

/**
 * Runs `fn` and reports what the backend read and wrote meanwhile (not
 * reentrant); `writes` lists every document write, in order (a document
 * written twice appears twice; writes of a mutation that then failed are
 * included).
 */
export async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; usage: Usage; writes: DocumentWrite[] }> {
  wrapSyscalls();
  const usage: Usage = { documentsRead: 0, bytesRead: 0, documentsWritten: 0, bytesWritten: 0, indexRanges: 0 };
  const writes: DocumentWrite[] = [];
  active = usage;
  activeWrites = writes;
  try {
    const result = await fn();
    return { result, usage, writes };
  } finally {
    active = null;
    activeWrites = null;
  }
}
