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
  /** Size of the document as written, as the backend's tracker counts it (0 for a delete). */
  bytes?: number;
};

/** One document read seen by the backend (a patch, replace or delete reads its document too). */
export type DocumentRead = { table: string; id: string; bytes: number };

/** One function scheduled by a measured call: its path and argument bytes. */
export type ScheduledCall = { name: string; bytes: number };

/** Every document a measured call read and wrote, and the functions it scheduled. */
export type Detail = { reads: DocumentRead[]; writes: DocumentWrite[]; scheduled: ScheduledCall[] };

let active: Usage | null = null;
let activeWrites: DocumentWrite[] | null = null;
let activeDetail: Detail | null = null;
/** Sizes the tracker counted during the syscall being served (reads, then the write's size). */
let syscallReads: number[] | null = null;
let syscallWrite: number | null = null;
let syscallScheduled: number | null = null;

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
        if (!activeDetail && !activeWrites) return await inner(op, json);
        // convex-test serves these syscalls synchronously up to their answer: the
        // sizes its tracker counts meanwhile belong to this call, even when several run at once.
        const reads: number[] = [];
        syscallReads = reads;
        syscallWrite = null;
        syscallScheduled = null;
        let pending: Promise<string>;
        try {
          pending = inner(op, json);
        } finally {
          syscallReads = null;
        }
        const written = syscallWrite;
        const scheduled = syscallScheduled;
        const detail = activeDetail;
        const result = await pending;
        const kind = WRITE_OPS[op];
        const args = JSON.parse(json) as { table?: string; id?: string; name?: string };
        if (kind && activeWrites) {
          const id = kind === "insert" ? (JSON.parse(result) as { _id: string })._id : String(args.id);
          activeWrites.push({ op: kind, table: tableOfId(id), id, bytes: written ?? 0 });
        }
        if (detail) recordDetail(detail, op, args, result, reads, scheduled);
        return result;
      };
    },
  };
}

/** Attributes the sizes the tracker counted during one syscall to the documents it returned or touched. */
function recordDetail(
  detail: Detail,
  op: string,
  args: { table?: string; id?: string; name?: string },
  result: string,
  sizes: number[],
  scheduledBytes: number | null,
): void {
  let ids: string[] = [];
  if (op === "1.0/get" || WRITE_OPS[op] !== undefined) {
    ids = args.id !== undefined ? [String(args.id)] : [];
  } else if (op === "1.0/queryStreamNext") {
    const { value } = JSON.parse(result) as { value: { _id?: string } | null };
    ids = value?._id ? [value._id] : [];
  } else if (op === "1.0/queryPage") {
    ids = (JSON.parse(result) as { page: { _id: string }[] }).page.map((d) => d._id);
  }
  sizes.forEach((bytes, i) => {
    // A page charges rows a filter dropped: those have no id in the answer.
    const id = ids[i] ?? `?${op}`;
    detail.reads.push({ table: ids[i] ? tableOfId(id) : "(filtered)", id, bytes });
  });
  if (op === "1.0/schedule" && scheduledBytes !== null) {
    detail.scheduled.push({ name: String(args.name ?? "?"), bytes: scheduledBytes });
  }
}

const proto = TransactionMetricsTracker.prototype as unknown as {
  trackRead(size: number): void;
  trackWrite(size: number): void;
  trackIndexRange(): void;
  trackScheduledFunction(size: number): void;
};
const originalRead = proto.trackRead;
const originalWrite = proto.trackWrite;
const originalRange = proto.trackIndexRange;
const originalScheduled = proto.trackScheduledFunction;
proto.trackRead = function (size: number) {
  if (active) {
    active.documentsRead++;
    active.bytesRead += size;
  }
  syscallReads?.push(size);
  return originalRead.call(this, size);
};
proto.trackWrite = function (size: number) {
  if (active) {
    active.documentsWritten++;
    active.bytesWritten += size;
  }
  syscallWrite = size;
  return originalWrite.call(this, size);
};
proto.trackScheduledFunction = function (size: number) {
  syscallScheduled = size;
  return originalScheduled.call(this, size);
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

/**
 * Runs `fn` and lists every document the backend read and wrote meanwhile
 * (table, id, bytes) and every function it scheduled (not reentrant, not
 * combinable with {@link measure}).
 */
export async function measureDetail<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; usage: Usage; detail: Detail }> {
  const detail: Detail = { reads: [], writes: [], scheduled: [] };
  activeDetail = detail;
  try {
    const { result, usage, writes } = await measure(fn);
    detail.writes = writes;
    return { result, usage, detail };
  } finally {
    activeDetail = null;
  }
}
