/**
 * Prints the benchmark's tables, their legend and notes.
 */
import { type Figures, isMeasured, LIMITS, LOG_FACTOR, type Row, targetOf } from "./run.ts";
import type { WriteFigures, WriteRow } from "./writes.ts";

const num = (n: number) => n.toLocaleString("en");

function cells(f: Figures | undefined): string[] {
  if (!f) return ["-", "-", "-", "-"];
  if (f.status === "fails") return ["FAILS", "", "", ""];
  if (f.status === "skipped") return ["not run", "", "", ""];
  if (f.status !== "ok" && f.status !== "wrong") return ["?", "", "", ""];
  const mark = f.status === "wrong" ? " WRONG" : "";
  return [
    `${num(f.read)}${mark}`,
    num(f.written),
    num(f.roundTrips),
    f.ms < 10 ? f.ms.toFixed(1) : num(Math.round(f.ms)),
  ];
}

function ratio(ours: Figures, theirs: Figures | undefined): string {
  if (!theirs || ours.status === "fails" || ours.status === "skipped") return "-";
  if (theirs.status === "fails") return "they fail";
  if (theirs.status === "skipped") return "-";
  if (ours.status !== "ok" && ours.status !== "wrong") return "-";
  if (theirs.status !== "ok" && theirs.status !== "wrong") return "-";
  const a = ours.read + ours.written;
  const b = theirs.read + theirs.written;
  if (b === 0) return a === 0 ? "1" : "-";
  const r = a / b;
  const text = r >= 0.01 ? r.toFixed(2) : r >= 0.0001 ? r.toFixed(4) : r.toExponential(1);
  return theirs.status === "wrong" ? `${text}*` : text;
}

function table(headers: string[], body: string[][], alignLeft: Set<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) =>
    "| " + r.map((c, i) => (alignLeft.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
  const rule = "|" +
    widths.map((w, i) => (alignLeft.has(i) ? ":" + "-".repeat(w + 1) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [line(headers), rule, ...body.map(line)].join("\n");
}

export const LEGEND = `Columns
  read     documents the call read on the backend (convex-test's per-transaction counters, all its transactions
           summed); a patch or delete also reads its document, as on Convex
  written  documents the call inserted, patched or deleted
  trips    round trips: calls through our client, or HTTP requests the official client sent
  ms       wall time of the one call, in milliseconds (see the caveat below)
  ours/official  (read + written) of ours divided by the official adapter's; below 1 means we touch fewer documents
  target   the target our row is held to; "MISS" marks a row that misses it. A list page of k rows (k = 40, the
           page size; 45 with an include window) must read at most k + ${LOG_FACTOR}·log2(N) documents in 1 round trip,
           at every depth (first, middle = offset about N/2 of the list, last page); a get reads what it
           returns plus 3; any call that fits one transaction takes 1 trip
  WRONG    the call returned a wrong answer (wrong total or rows); FAILS: the call threw (the note says why)
  *        the official answer was wrong: it reads at most 10,000 rows per query (take(10000)), so a right
           answer would cost it more than shown and the ratio flatters it

Caveat: convex-test answers an index range by scanning its whole table, so wall time here grows with
the table size whatever a store does. Documents read and round trips are the headline columns; on a real
Convex deployment an index range costs what it returns.`;

/** The tables, one per size, with notes of failures and wrong answers. */
export function renderTables(rows: Row[], withOfficial: boolean): string {
  const out: string[] = [];
  const sizes = [...new Set(rows.map((r) => r.size))];
  for (const size of sizes) {
    const headers = ["call", "read", "written", "trips", "ms"];
    if (withOfficial) headers.push("off. read", "off. written", "off. trips", "off. ms", "ours/official");
    headers.push("target (ours)");
    const notes: string[] = [];
    const body = rows.filter((r) => r.size === size).map((row) => {
      const target = targetOf(row);
      const cols = [row.workload.name, ...cells(row.ours)];
      if (withOfficial) cols.push(...cells(row.official), ratio(row.ours, row.official));
      cols.push(target ? `${target.met ? "ok" : "MISS"}: ${target.text}` : "-");
      for (const [who, f] of [["ours", row.ours], ["official", row.official]] as const) {
        if (f && f.status !== "ok") {
          notes.push(`  - ${who}, ${row.workload.name}: ${f.status.toUpperCase()}: ${f.detail}`);
        }
      }
      return cols;
    });
    out.push(`N = ${num(size)} rows per table`, "", table(headers, body, new Set([0, headers.length - 1])));
    if (notes.length) out.push("", "Failures, wrong answers and calls not run:", ...notes);
    out.push("");
  }
  return out.join("\n");
}

/** Why our cost is not flat in N, for the rows where it is not (static knowledge of our design). */
const WHY: Record<string, string> = {
  "listMessages:middle":
    "an offset page walks the index from the nearer end of the thread and reads the rows it skips, because Convex " +
    "has no rank/offset lookup on an index; a counting structure (an order-statistics tree such as " +
    "@convex-dev/aggregate, or our own bucketed counts per thread) would bring it to perPage + O(log N). Cursor " +
    "paging, which Mastra's own calls do not use, is already flat",
  "deleteThread:N": "deleting a thread deletes its N messages: the work is N writes by nature, done in bounded batches",
  "saveMessages:10000":
    "saving 10,000 messages writes 10,000 rows; it is split into batches that each fit a transaction",
};

/** Notes on where our documents read or written grow with N. */
export function renderFlatness(rows: Row[]): string {
  const sizes = [...new Set(rows.map((r) => r.size))].sort((a, b) => a - b);
  if (sizes.length < 2) return "Flatness: run at two or more sizes to see how cost grows with N.";
  const lines: string[] = [
    "Where our cost is not flat in N (documents read + written at the smallest vs largest size):",
  ];
  const keys = [...new Set(rows.map((r) => r.workload.key))];
  for (const key of keys) {
    const name = rows.find((r) => r.workload.key === key)!.workload.name;
    const at = (size: number) => rows.find((r) => r.size === size && r.workload.key === key)?.ours;
    const small = at(sizes[0]);
    const big = at(sizes.at(-1)!);
    if (!isMeasured(small) || !isMeasured(big)) continue;
    const a = small.read + small.written;
    const b = big.read + big.written;
    if (b <= a * 1.5 + 10) continue;
    const why = WHY[key] ?? "(not analysed)";
    lines.push(`  - ${name}: ${num(a)} at N=${num(sizes[0])} -> ${num(b)} at N=${num(sizes.at(-1)!)}; ${why}.`);
  }
  if (lines.length === 1) lines.push("  - none: every call costs the same at every size.");
  lines.push(
    `  A call fits one transaction when it reads <= ${num(LIMITS.documentsRead)} documents, writes <= ` +
      `${num(LIMITS.documentsWritten)} and reads <= ${
        num(LIMITS.indexRanges)
      } index ranges; only those are held to one trip.`,
  );
  return lines.join("\n");
}

/** Targets missed by ours: list rows, then writes that share unsharded documents with unrelated writers. */
export function renderMisses(rows: Row[], writes: WriteRow[] = []): string {
  const misses = rows.map((row) => ({ row, target: targetOf(row) })).filter(({ target }) => target && !target.met);
  const writeMisses = writes.filter((w) =>
    w.ours.status === "fails" || (w.ours.status === "ok" && w.ours.shared.length)
  );
  if (misses.length === 0 && writeMisses.length === 0) return "Targets: every row of ours meets its target.";
  const out: string[] = [];
  if (misses.length) {
    out.push(
      `Rows of ours that miss a target (${misses.length} of ${rows.filter((r) => targetOf(r)).length}):`,
      ...misses.map(({ row, target }) => {
        const f = row.ours;
        const got = f.status === "ok" || f.status === "wrong"
          ? `read ${num(f.read)}, ${f.roundTrips} trip${f.roundTrips === 1 ? "" : "s"}${
            f.status === "wrong" ? ", WRONG" : ""
          }`
          : f.detail;
        return `  - N=${num(row.size)}, ${row.workload.name}: ${got} (target ${target!.text})`;
      }),
    );
  }
  if (writeMisses.length) {
    out.push(
      "Writes of ours that share an unsharded document with an unrelated writer (target: none):",
      ...writeMisses.map((w) => {
        const f = w.ours;
        return `  - N=${num(w.size)}, ${w.op.name}: ${
          f.status === "ok" ? `${f.shared.length} shared: ${f.shared.join(", ")}` : `${f.status}: ${f.detail}`
        }`;
      }),
    );
  }
  return out.join("\n");
}

const WRITES_LEGEND =
  `Writes: each operation runs for two warm-up owners, then for owner A and an unrelated owner B (own thread,
resource, workflow, run, trace, agent; same entity type "agent"); the ids of the documents each measured call
inserted, patched, replaced or deleted are recorded on the backend and intersected.
  written   documents A's call wrote (the write cost); read, trips: of A's call
  shared    documents both A's and B's calls wrote that are not shards: every such writer across the deployment
            conflicts on them under Convex's optimistic concurrency (target 0)
  shard fam sharded families (a 16-shard counter, an 8-tree rank family) both calls wrote into: two random
            writers collide on one of them with probability 1/16 (1/8); "hit" counts shards A and B shared here`;

function writeCells(f: WriteFigures | undefined): string[] {
  if (!f) return ["-", "-", "-", "-", "-"];
  if (f.status !== "ok") return [f.status === "fails" ? "FAILS" : "n/a", "", "", "", ""];
  const hits = f.shardCollisions.length ? ` (hit ${f.shardCollisions.length})` : "";
  return [num(f.written), num(f.read), num(f.roundTrips), num(f.shared.length), `${f.shardFamilies.length}${hits}`];
}

/** The writes tables, one per size, with the shared documents named. */
export function renderWrites(writes: WriteRow[], withOfficial: boolean): string {
  if (writes.length === 0) return "";
  const out: string[] = [WRITES_LEGEND, ""];
  for (const size of [...new Set(writes.map((w) => w.size))]) {
    const headers = ["write", "written", "read", "trips", "shared", "shard fam"];
    if (withOfficial) headers.push("off. written", "off. read", "off. trips", "off. shared");
    headers.push("target (ours)");
    const notes: string[] = [];
    const body = writes.filter((w) => w.size === size).map((w) => {
      const cols = [w.op.name, ...writeCells(w.ours)];
      if (withOfficial) cols.push(...writeCells(w.official).slice(0, 4));
      const f = w.ours;
      cols.push(
        f.status === "ok" ? (f.shared.length ? "MISS: 0 shared" : "ok: 0 shared") : f.status === "fails" ? "MISS" : "-",
      );
      if (f.status === "ok" && (f.shared.length || f.shardFamilies.length)) {
        notes.push(
          `  - ${w.op.name}: ${f.shared.length ? `shared ${f.shared.join(", ")}` : "no unsharded document shared"}` +
            (f.shardFamilies.length ? `; sharded families ${f.shardFamilies.join(", ")}` : ""),
        );
      }
      for (const [who, g] of [["ours", w.ours], ["official", w.official]] as const) {
        if (g && g.status === "fails") notes.push(`  - ${who}, ${w.op.name}: FAILS: ${g.detail}`);
        if (who === "official" && g && g.status === "ok" && g.shared.length) {
          notes.push(`  - official, ${w.op.name}: shared ${g.shared.join(", ")}`);
        }
      }
      return cols;
    });
    out.push(`Writes at N = ${num(size)}`, "", table(headers, body, new Set([0, headers.length - 1])));
    if (notes.length) out.push("", "Documents shared by the writes of A and B:", ...notes);
    out.push("");
  }
  return out.join("\n");
}
