/**
 * Write cost over a stream: bytes written and read per call, for our store
 * split into the call itself (direct, including the rank-tree folds a write
 * makes when a tree's pending changes pass their cap) and the deferred rest
 * (`convex/kit/rankPending.ts`), beside the official adapter's.
 *
 * Each write operation of `writes.ts` runs `count` times for fresh owners
 * (its `prepare` unmeasured); `saveMessages (1 message)` instead saves
 * `count` single messages round-robin into 50 threads. Scheduled functions
 * that are due run right after each call (timers faked), measured apart as
 * deferred cost; what is still pending after the stream is folded at the
 * end and counted as deferred too, so every change is paid for (for streams
 * of fresh owners this final fold, of trees holding one or two keys each,
 * is the bulk of the deferred column).
 */
import { mock } from "node:test";
import type { MastraDBMessage } from "@mastra/core/agent";
import { measure, type Usage } from "../../tests/helpers/metrics.ts";
import { componentHandle } from "../../tests/helpers/backend.ts";
import { installRootTimers } from "../../tests/helpers/scheduler.ts";
import type { Subject } from "./subjects.ts";
import { type WriteOp, writeOps } from "./writes.ts";

/** Bytes and documents per call, averaged over a stream. */
export type StreamCost = {
  calls: number;
  direct: { bytesWritten: number; bytesRead: number; docsWritten: number };
  deferred: { bytesWritten: number; bytesRead: number; docsWritten: number };
};

/** One row of the stream table. */
export type StreamRow = { size: number; op: WriteOp; ours: StreamCost | string; official?: StreamCost | string };

const THREADS = 50;
const base = Date.now() + 2 * 86_400_000;

function add(total: StreamCost["direct"], usage: Usage): void {
  total.bytesWritten += usage.bytesWritten;
  total.bytesRead += usage.bytesRead;
  total.docsWritten += usage.documentsWritten;
}

/** Runs the scheduled functions that are due (with fake timers on), as many rounds as they reschedule. */
async function runDue(s: Subject): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const raw = (s.backend as any).raw ?? s.backend;
  for (let i = 0; i < 4; i++) {
    mock.timers.tick(1);
    await raw.finishInProgressScheduledFunctions();
  }
}

/** Folds every pending rank-tree change of our store (no-op on the official one). */
async function foldAll(s: Subject): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const raw = (s.backend as any).raw;
  for (;;) {
    let step: { done: boolean };
    try {
      step = await raw.mutation(componentHandle("system/rankFold:foldAll"), {});
    } catch (error) {
      // A store without deferred rank trees (an earlier version, for before/after figures): nothing to fold.
      if (/rankFold/.test(String(error))) return;
      throw error;
    }
    if (step.done) break;
  }
}

function messageStream(tag: string) {
  const thread = (i: number) => `${tag}mt-${i % THREADS}`;
  return {
    prepare: async (s: Subject) => {
      for (let t = 0; t < THREADS; t++) {
        await s.memory.saveThread({
          thread: {
            id: thread(t),
            resourceId: `${tag}mr-${t % 10}`,
            title: "t",
            createdAt: new Date(base),
            updatedAt: new Date(base),
          },
        });
      }
    },
    run: (s: Subject, i: number) =>
      s.memory.saveMessages({
        messages: [{
          id: `${tag}msg-${String(i).padStart(6, "0")}-0123456789abcdef0123456789`,
          threadId: thread(i),
          resourceId: `${tag}mr-${(i % THREADS) % 10}`,
          role: i % 2 ? "assistant" : "user",
          type: "v2",
          content: { format: 2, parts: [{ type: "text", text: `stream message ${i} `.padEnd(300, "x") }] },
          createdAt: new Date(base + i),
        } as unknown as MastraDBMessage],
      }),
  };
}

/** Runs one operation `count` times on `s`; `ours`: with faked timers, folds measured apart. */
async function runStream(s: Subject, op: WriteOp, count: number, tag: string, ours: boolean): Promise<StreamCost> {
  const cost: StreamCost = {
    calls: count,
    direct: { bytesWritten: 0, bytesRead: 0, docsWritten: 0 },
    deferred: { bytesWritten: 0, bytesRead: 0, docsWritten: 0 },
  };
  const messages = op.key === "saveMessages:1" ? messageStream(tag) : undefined;
  if (ours) await foldAll(s);
  let restore: (() => void) | undefined;
  if (ours) {
    mock.timers.enable({ apis: ["setTimeout"] });
    restore = installRootTimers();
  }
  try {
    if (messages) await messages.prepare(s);
    if (ours) await runDue(s);
    if (ours) await foldAll(s);
    for (let i = 0; i < count; i++) {
      const owner = `${tag}${i}`;
      if (!messages) {
        await op.prepare?.(s, owner);
        if (ours) await runDue(s);
      }
      add(cost.direct, (await measure(() => messages ? messages.run(s, i) : op.run(s, owner))).usage);
      if (ours) add(cost.deferred, (await measure(() => runDue(s))).usage);
    }
    if (ours) add(cost.deferred, (await measure(() => foldAll(s))).usage);
  } finally {
    restore?.();
    if (ours) mock.timers.reset();
  }
  return cost;
}

/** Runs every write operation as a stream on both stores. */
export async function runWriteStreams(
  size: number,
  ours: Subject,
  official: Subject | undefined,
  log: (line: string) => void,
  options: { count: number; messages: number; only?: RegExp },
): Promise<StreamRow[]> {
  const rows: StreamRow[] = [];
  const ops = writeOps().filter((w) => !options.only || options.only.test(w.key) || options.only.test(w.name));
  for (const op of ops) {
    if (op.key === "deleteMessages") continue;
    const count = op.key === "saveMessages:1" ? options.messages : options.count;
    const started = performance.now();
    const one = async (s: Subject | undefined, isOurs: boolean): Promise<StreamCost | string | undefined> => {
      if (!s) return undefined;
      if (op.domain === "observability" && !s.observability) return "n/a";
      if (op.domain === "backgroundTasks" && !s.backgroundTasks) return "n/a";
      try {
        return await runStream(s, op, count, `st${size}-${op.key.replace(/[^a-z]/gi, "")}-`, isOurs);
      } catch (error) {
        return `FAILS: ${(error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 100)}`;
      }
    };
    const o = await one(ours, true);
    const t = await one(official, false);
    log(`  stream ${op.name} x${count}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    rows.push({ size, op, ours: o!, ...(t === undefined ? {} : { official: t }) });
  }
  return rows;
}

const kb = (bytes: number) => bytes.toLocaleString("en", { maximumFractionDigits: 0 });

/** The stream table, one per size. */
export function renderWriteStreams(rows: StreamRow[], withOfficial: boolean): string {
  if (rows.length === 0) return "";
  const out = [
    "Write cost over a stream (bytes per call, averaged): direct = the call itself (with the rank-tree folds it makes " +
    "when a tree passes its cap of pending changes); deferred = the final fold of what was still pending, amortized " +
    "over the stream. " +
    "Ratio = (direct + deferred) / official, for bytes written and bytes read (target <= 2).",
    "",
  ];
  for (const size of [...new Set(rows.map((r) => r.size))]) {
    const headers = ["write (calls)", "written", "+ deferred", "read", "+ deferred", "docs written"];
    if (withOfficial) headers.push("off. written", "off. read", "ratio written", "ratio read");
    const body = rows.filter((r) => r.size === size).map((r) => {
      if (typeof r.ours === "string") {
        return [r.op.name, r.ours, "", "", "", "", ...(withOfficial ? ["", "", "", ""] : [])];
      }
      const n = r.ours.calls;
      const o = r.ours;
      const cols = [
        `${r.op.name} (${n})`,
        kb(o.direct.bytesWritten / n),
        kb(o.deferred.bytesWritten / n),
        kb(o.direct.bytesRead / n),
        kb(o.deferred.bytesRead / n),
        ((o.direct.docsWritten + o.deferred.docsWritten) / n).toFixed(1),
      ];
      if (withOfficial) {
        const t = r.official;
        if (t === undefined || typeof t === "string") cols.push(t ?? "-", "", "", "");
        else {
          const ow = t.direct.bytesWritten / t.calls;
          const or = t.direct.bytesRead / t.calls;
          cols.push(
            kb(ow),
            kb(or),
            ((o.direct.bytesWritten + o.deferred.bytesWritten) / n / ow).toFixed(1),
            or > 0 ? ((o.direct.bytesRead + o.deferred.bytesRead) / n / or).toFixed(1) : "-",
          );
        }
      }
      return cols;
    });
    const widths = headers.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i] ?? "").length)));
    const line = (cells: string[]) =>
      `| ${cells.map((c, i) => i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])).join(" | ")} |`;
    out.push(`Write streams at N = ${size.toLocaleString("en")}`, "", line(headers));
    out.push(`|${widths.map((w, i) => i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`).join("|")}|`);
    for (const row of body) out.push(line(row.map(String)));
    out.push("");
  }
  return out.join("\n");
}
