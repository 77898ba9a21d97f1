/**
 * Where a write's bytes go: every document each hot write reads and writes,
 * grouped by table, with the functions it schedules, for our store and the
 * official `@mastra/convex` 1.5.2, on the in-process backend.
 *
 *   deno run -A tasks/bench/writeBreakdown.ts                 # every hot write, both stores
 *   deno run -A tasks/bench/writeBreakdown.ts --only=saveThread --no-official
 *
 * Rank-tree documents (`rank_nodes`) are reported apart from the rest ("tree"
 * and "non-tree" columns): the non-tree part is what a write costs besides
 * its order statistics. Each write runs for two warm-up owners first (so
 * deployment-wide documents already exist), then once measured. A scheduled
 * function is a `_scheduled_functions` document written by the write (and a
 * function run later): it is listed apart, with its argument bytes.
 */
import { parseArgs } from "node:util";
import { type Detail, measureDetail } from "../../tests/helpers/metrics.ts";
import { createOfficial, createOurs, type Subject } from "./subjects.ts";
import { snapshot, type WriteOp, writeOps } from "./writes.ts";

/** Tables of the rank trees (maintained by the rank machinery, not by this breakdown's subject). */
const TREE_TABLES = new Set(["rank_nodes", "rank_pending"]);

/** Hot writes of issue 29 (keys of `writeOps`), plus the guarded workflow state change. */
const HOT = [
  "saveMessages:1",
  "saveThread",
  "updateThread",
  "persistWorkflowSnapshot:new",
  "persistWorkflowSnapshot:status",
  "updateWorkflowResults",
  "updateWorkflowState",
  "createTask",
  "updateTask",
  "batchCreateSpans",
  "batchCreateLogs",
  "batchCreateMetrics",
  "saveScore",
];

/** `updateWorkflowState` (a guarded status change): not in the shared write table, measured here. */
const updateWorkflowState: WriteOp = {
  key: "updateWorkflowState",
  name: "updateWorkflowState (guarded status change)",
  domain: "workflows",
  prepare: (s, o) =>
    s.workflows.persistWorkflowSnapshot({
      workflowName: `wflow-${o}`,
      runId: `wus-${o}`,
      resourceId: `wres-${o}`,
      snapshot: snapshot(`wus-${o}`, "running"),
    }),
  run: (s, o) =>
    s.workflows.updateWorkflowState({
      workflowName: `wflow-${o}`,
      runId: `wus-${o}`,
      opts: { status: "success", expectedStatus: "running" } as never,
    }),
};

/** Per-table sums of one measured write. */
type TableSums = { table: string; read: number; readBytes: number; written: number; writtenBytes: number };

/** Groups a write's documents by table. */
export function byTable(detail: Detail): TableSums[] {
  const sums = new Map<string, TableSums>();
  const of = (table: string) => {
    let s = sums.get(table);
    if (!s) sums.set(table, s = { table, read: 0, readBytes: 0, written: 0, writtenBytes: 0 });
    return s;
  };
  for (const r of detail.reads) {
    of(r.table).read++;
    of(r.table).readBytes += r.bytes;
  }
  for (const w of detail.writes) {
    of(w.table).written++;
    of(w.table).writtenBytes += w.bytes ?? 0;
  }
  for (const f of detail.scheduled) {
    of("_scheduled_functions").written++;
    of("_scheduled_functions").writtenBytes += f.bytes;
  }
  return [...sums.values()].sort((a, b) => a.table.localeCompare(b.table));
}

/** Documents read more than once by the same write: `table id ×n`. */
function repeatedReads(detail: Detail): string[] {
  const seen = new Map<string, number>();
  for (const r of detail.reads) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  // The backend charges a patch, replace or delete one read of its document: not a repeat by the code.
  for (const w of detail.writes) if (w.op !== "insert" && seen.has(w.id)) seen.set(w.id, seen.get(w.id)! - 1);
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
}

/** Names of the counters each measured write touched (read or written). */
const counterNames = new WeakMap<Detail, string[]>();

/** The names of the counter documents a write touched, with `r`/`w` for read/written. */
async function namesOf(s: Subject, detail: Detail): Promise<string[]> {
  if (!s.counterTable) return [];
  const touched = new Map<string, string>();
  for (const r of detail.reads) if (r.table === s.counterTable) touched.set(r.id, (touched.get(r.id) ?? "") + "r");
  for (const w of detail.writes) if (w.table === s.counterTable) touched.set(w.id, (touched.get(w.id) ?? "") + "w");
  const names = await s.backend.run(async (ctx) => {
    const db = ctx.db as unknown as { get(id: string): Promise<Record<string, unknown> | null> };
    const out: string[] = [];
    for (const [id, how] of touched) {
      const doc = await db.get(id);
      const mode = [...new Set(how)].sort().join("");
      out.push(`${doc ? String(doc.name) : `${id} (deleted)`} [${mode}]`);
    }
    return out;
  });
  return names.sort();
}

/** Runs one write for warm-up owners, then measures it for a fresh owner. */
async function breakdown(s: Subject, op: WriteOp, tag: string): Promise<Detail | string> {
  if (op.domain === "observability" && !s.observability) return "no such domain";
  if (op.domain === "backgroundTasks" && !s.backgroundTasks) return "no such domain";
  try {
    for (const k of ["w1", "w2"]) {
      await op.prepare?.(s, `${tag}${k}`);
      await op.run(s, `${tag}${k}`);
    }
    await op.prepare?.(s, `${tag}a`);
    const { detail } = await measureDetail(() => op.run(s, `${tag}a`));
    counterNames.set(detail, await namesOf(s, detail));
    return detail;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 160);
  }
}

const pad = (v: string | number, n: number) => String(v).padStart(n);

function render(name: string, store: string, result: Detail | string): string[] {
  if (typeof result === "string") return [`${name} [${store}]: ${result}`];
  const rows = byTable(result);
  const total = (pick: (r: TableSums) => boolean) =>
    rows.filter(pick).reduce(
      (a, r) => ({
        read: a.read + r.read,
        readBytes: a.readBytes + r.readBytes,
        written: a.written + r.written,
        writtenBytes: a.writtenBytes + r.writtenBytes,
      }),
      { read: 0, readBytes: 0, written: 0, writtenBytes: 0 },
    );
  const nonTree = total((r) => !TREE_TABLES.has(r.table));
  const tree = total((r) => TREE_TABLES.has(r.table));
  const out = [
    `${name} [${store}]: non-tree ${nonTree.read} read / ${nonTree.readBytes} B, ${nonTree.written} written / ` +
    `${nonTree.writtenBytes} B; tree ${tree.read} / ${tree.readBytes} B read, ${tree.written} / ${tree.writtenBytes} B written`,
  ];
  for (const r of rows) {
    out.push(
      `    ${r.table.padEnd(28)} read ${pad(r.read, 3)} ${pad(r.readBytes, 7)} B   written ${pad(r.written, 3)} ${
        pad(r.writtenBytes, 7)
      } B`,
    );
  }
  for (const f of result.scheduled) out.push(`    scheduled ${f.name} (${f.bytes} B of arguments)`);
  const names = counterNames.get(result) ?? [];
  if (names.length) out.push(`    counters: ${names.join(", ")}`);
  const repeated = repeatedReads(result);
  if (repeated.length) out.push(`    read twice or more (besides a write's own read): ${repeated.join(", ")}`);
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { only: { type: "string" }, "no-official": { type: "boolean", default: false } },
  });
  const only = values.only ? new RegExp(values.only) : undefined;
  const ops = [...writeOps(), updateWorkflowState]
    .filter((op) => HOT.includes(op.key))
    .filter((op) => !only || only.test(op.key) || only.test(op.name));
  await using ours = await createOurs();
  await using official = values["no-official"] ? undefined : await createOfficial();
  for (const op of ops) {
    console.log(render(op.name, "ours", await breakdown(ours, op, "x")).join("\n"));
    if (official) console.log(render(op.name, "official", await breakdown(official, op, "x")).join("\n"));
  }
  Deno.exit(0);
}
