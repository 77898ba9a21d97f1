/**
 * Runs the workloads on both stores at each size and collects the figures.
 */
import { measure } from "../../tests/helpers/metrics.ts";
import { seedGroups } from "./seed.ts";
import { buildRankTrees } from "./rankSeed.ts";
import { createOfficial, createOurs, type Subject } from "./subjects.ts";
import { groupsFor, PER_PAGE, type Workload, workloadsFor } from "./workloads.ts";
import { runWrites, type WriteRow } from "./writes.ts";
import { runWriteStreams, type StreamRow } from "./writeStreams.ts";

/** Figures of one call on one store. */
export type Figures =
  | {
    status: "ok" | "wrong";
    /** What was wrong, for "wrong". */
    detail?: string;
    read: number;
    written: number;
    indexRanges: number;
    roundTrips: number;
    ms: number;
    /** Records the call returned (rows of a page, 1 for a get). */
    returned: number;
  }
  | { status: "fails" | "skipped"; detail: string };

/** Figures of a call that ran to the end. */
export type Measured = Extract<Figures, { read: number }>;

/** Whether the call ran to the end (right or wrong answer). */
export const isMeasured = (f: Figures | undefined): f is Measured => f?.status === "ok" || f?.status === "wrong";

/** One row of a result table. */
export type Row = { size: number; workload: Workload; ours: Figures; official?: Figures };

export type BenchOptions = {
  sizes: number[];
  /** Skip the slow workloads (saving 10,000 messages) at every size. */
  quick?: boolean;
  /**
   * Run every call at every size, ignoring the workloads' `maxSize` caps.
   * On convex-test each id lookup scans the whole table, so saving 10,000
   * messages costs 10,000 x N document visits of wall time (its documents
   * read and written do not depend on N).
   */
  noCaps?: boolean;
  /** Also run the official adapter (default true). */
  official?: boolean;
  /** Progress lines (default: to stderr). */
  log?: (line: string) => void;
  /** Only the workloads (and writes) whose key or name matches. */
  only?: RegExp;
  /** When given, the write operations (see `writes.ts`) run after the lists at each size, their rows go here. */
  writes?: WriteRow[];
  /** When given, the write streams (see `writeStreams.ts`) run after the writes at each size, their rows go here. */
  streams?: { rows: StreamRow[]; count: number; messages: number };
};

/** Convex's per-transaction limits (DESIGN §4), to tell whether a call fits one transaction. */
export const LIMITS = { documentsRead: 32_000, documentsWritten: 16_000, indexRanges: 4_096 };

function returnedCount(result: unknown): number {
  if (result === null || result === undefined) return 0;
  const r = result as Record<string, unknown>;
  for (const key of ["messages", "threads", "runs", "scores", "spans", "tasks"]) {
    if (Array.isArray(r[key])) return (r[key] as unknown[]).length;
  }
  return 1;
}

function shortError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const limit =
    /(Too many index ranges|Scanned too many documents|Wrote too many documents|Read too much data|Wrote too much data)[^(.]*(\(limit: [^)]*\))?/
      .exec(message);
  if (limit) return `Convex limit: ${limit[0].trim()}`;
  return message.split("\n")[0].slice(0, 160);
}

async function runOne(subject: Subject, workload: Workload): Promise<Figures> {
  try {
    await workload.prepare?.(subject);
  } catch (error) {
    return { status: "fails", detail: `preparation failed: ${shortError(error)}` };
  }
  const trips = subject.roundTrips();
  const started = performance.now();
  let measured: Awaited<ReturnType<typeof measure<unknown>>>;
  try {
    measured = await measure(() => workload.run(subject));
  } catch (error) {
    return { status: "fails", detail: shortError(error) };
  }
  const ms = performance.now() - started;
  const roundTrips = subject.roundTrips() - trips;
  let wrong: string | null;
  try {
    wrong = await workload.check(subject, measured.result);
  } catch (error) {
    wrong = `check failed: ${shortError(error)}`;
  }
  return {
    status: wrong ? "wrong" : "ok",
    ...(wrong ? { detail: wrong } : {}),
    read: measured.usage.documentsRead,
    written: measured.usage.documentsWritten,
    indexRanges: measured.usage.indexRanges,
    roundTrips,
    ms,
    returned: returnedCount(measured.result),
  };
}

async function seeded(create: () => Promise<Subject>, n: number, log: (line: string) => void): Promise<Subject> {
  const subject = await create();
  const started = performance.now();
  await seedGroups(subject, groupsFor(subject, n));
  const copied = performance.now();
  // Our deep pages seek through rank trees; build them for the copied rows as `rebuildRankTrees()`
  // would (the same code, in memory: see rankSeed.ts; the rebuild itself takes hours at 100k here).
  const storage = subject.storage as { rebuildRankTrees?(): Promise<number> };
  if (storage.rebuildRankTrees) await buildRankTrees(subject.backend);
  log(
    `  seeded ${subject.name} with ${n.toLocaleString("en")} rows per table in ${
      fmtSeconds(performance.now() - started)
    } (rows ${fmtSeconds(copied - started)}, rank trees ${fmtSeconds(performance.now() - copied)})`,
  );
  return subject;
}

const fmtSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs the benchmark; one row per (size, workload). */
export async function runBench(options: BenchOptions): Promise<Row[]> {
  const log = options.log ?? ((line: string) => console.error(line));
  const rows: Row[] = [];
  for (const n of options.sizes) {
    log(`size ${n.toLocaleString("en")}:`);
    const only = options.only;
    const workloads = workloadsFor(n).filter((w) => !only || only.test(w.key) || only.test(w.name));
    const ours = await seeded(createOurs, n, log);
    const official = options.official === false ? undefined : await seeded(createOfficial, n, log);
    try {
      for (const workload of workloads) {
        const skip = (store: "ours" | "official"): Figures | undefined => {
          if (workload.needs && !(store === "ours" ? ours : official)?.[workload.needs]) {
            return { status: "skipped", detail: `no ${workload.needs} domain` };
          }
          if (options.quick && workload.slow) return { status: "skipped", detail: "skipped with --quick" };
          const cap = workload.maxSize?.[store];
          if (!options.noCaps && cap !== undefined && n > cap) {
            return { status: "skipped", detail: `run only at N <= ${cap.toLocaleString("en")} (--all runs it)` };
          }
          return undefined;
        };
        const started = performance.now();
        const ourFigures = skip("ours") ?? await runOne(ours, workload);
        const theirFigures = official ? skip("official") ?? await runOne(official, workload) : undefined;
        const ran = ourFigures.status !== "skipped" || (theirFigures && theirFigures.status !== "skipped");
        const brief = isMeasured(ourFigures) ? ` (ours: read ${ourFigures.read}, ${ourFigures.roundTrips} trips)` : "";
        log(`  ${workload.name}: ${ran ? fmtSeconds(performance.now() - started) : "not run at this size"}${brief}`);
        rows.push({ size: n, workload, ours: ourFigures, official: theirFigures });
      }
      if (options.writes) options.writes.push(...await runWrites(n, ours, official, log, only));
      if (options.streams) {
        const { rows: streamRows, count, messages } = options.streams;
        streamRows.push(
          ...await runWriteStreams(n, ours, official, log, { count, messages, ...(only ? { only } : {}) }),
        );
      }
    } finally {
      await official?.[Symbol.asyncDispose]();
      await ours[Symbol.asyncDispose]();
    }
  }
  return rows;
}

/** The constant c of the list target k + c·log2(N). */
export const LOG_FACTOR = 4;

/** The document bound of a list row: k + c·log2(N), k its page size. */
export function listBound(row: Row): number {
  const k = row.workload.k ?? PER_PAGE;
  return k + Math.ceil(LOG_FACTOR * Math.log2(Math.max(2, row.size)));
}

/** The target a row is held to, and whether ours meets it; `null` when no target applies. */
export function targetOf(row: Row): { text: string; met: boolean } | null {
  const f = row.ours;
  if (f.status === "skipped") return null;
  const list = row.workload.target === "list";
  if (f.status === "fails") {
    return { text: list ? `read <= ${listBound(row)}, 1 trip (call must succeed)` : "call must succeed", met: false };
  }
  if (f.status !== "ok" && f.status !== "wrong") return null;
  const oneTrip = f.roundTrips === 1;
  if (list) {
    const bound = listBound(row);
    return { text: `read <= ${bound}, 1 trip`, met: f.read <= bound && oneTrip && f.status === "ok" };
  }
  if (row.workload.target === "get") {
    const bound = f.returned + 3;
    return { text: `read <= ${bound}, 1 trip`, met: f.read <= bound && oneTrip && f.status === "ok" };
  }
  const fits = f.read <= LIMITS.documentsRead && f.written <= LIMITS.documentsWritten &&
    f.indexRanges <= LIMITS.indexRanges;
  if (!fits) return { text: "exceeds one transaction: no trip target", met: f.status === "ok" };
  return { text: "fits one transaction: 1 trip", met: oneTrip && f.status === "ok" };
}
