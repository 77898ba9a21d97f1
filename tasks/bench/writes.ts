/**
 * Write operations of the benchmark: documents written per save (write
 * cost) and "shared documents per write", the documents a write for one
 * owner (thread, resource, run, trace, task) writes that a write for an
 * *unrelated* owner also writes.
 *
 * On a real Convex deployment two transactions that write the same
 * document conflict (optimistic concurrency): one of them retries. A
 * document that every thread creation, every span or every run writes (one
 * deployment-wide counter, the root of one deployment-wide tree) makes all
 * such writers across all users serialize. The in-process backend runs
 * mutations one at a time and cannot show the conflicts, so they are
 * counted instead, for real: `measure` records the id of every document each
 * call inserts, patches, replaces or deletes; each operation runs for two
 * warm-up owners (so deployment-wide documents exist already), then for owner
 * A and for an unrelated owner B, and the two sets of written ids are
 * intersected.
 *
 * A sharded document (one of the 16 shards of a deployment-wide counter,
 * `<name>:shard:<k>`, or one of the 8 trees of a rank family) is shared only
 * when both writers hash to the same shard; such documents are reported
 * apart: the number of sharded *families* both writes touch (each is a
 * 1-in-16 or 1-in-8 chance of a conflict between two random writers), and
 * the shard documents A and B happened to share in this run.
 */
import type { BackgroundTasksStorage, ObservabilityStorage } from "@mastra/core/storage";
import type { SaveScorePayload } from "@mastra/core/evals";
import type { MastraDBMessage } from "@mastra/core/agent";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { type DocumentWrite, measure } from "../../tests/helpers/metrics.ts";
import type { Subject } from "./subjects.ts";

/** One benchmarked write, parameterized by its owner (a short tag: "a", "b", ...). */
export type WriteOp = {
  key: string;
  name: string;
  /** Which domain it needs; the official adapter has no observability domain. */
  domain: "memory" | "workflows" | "scores" | "observability" | "backgroundTasks";
  /** Unmeasured: creates what the write needs (the thread of a message, the run of a result...). */
  prepare?: (s: Subject, owner: string) => Promise<void>;
  /** The measured write. */
  run: (s: Subject, owner: string) => Promise<unknown>;
};

/** Figures of one write operation on one store. */
export type WriteFigures =
  | {
    status: "ok";
    /** Documents owner A's write wrote (inserted, patched, replaced, deleted). */
    written: number;
    read: number;
    roundTrips: number;
    /** Documents both A's and B's writes wrote that are not shards: labels. */
    shared: string[];
    /** Sharded families (counter names, rank families) both writes touched. */
    shardFamilies: string[];
    /** Shard documents both happened to write (same shard by chance). */
    shardCollisions: string[];
  }
  | { status: "fails" | "unsupported"; detail: string };

/** One row of the writes table. */
export type WriteRow = { size: number; op: WriteOp; ours: WriteFigures; official?: WriteFigures };

/**
 * The family and shard of a sharded document's label, or `null` for a
 * document that is not a shard. Counter shards are `<name>:shard:<k>`
 * (`kit/counters.ts`); rank-family trees are `<family>~<k>`
 * (`kit/rankFamily.ts`); delta-stream sequences are `obsdelta:[<table>:]seq:<k>`
 * (`convex/observability/streams/deltaStreams.ts`); rollup cells carry their write
 * shard as the last element of their id (labelled `:shard:<k>`).
 */
export function shardOf(label: string): { family: string; shard: string } | null {
  const m = /^(.*?)(?::shard:|~)(\d+)( \(root\))?$/.exec(label) ?? /^(.*obsdelta:.*seq):(\d+)()$/.exec(label);
  return m ? { family: m[1], shard: m[2] } : null;
}

const base = Date.now() + 86_400_000;
const content = (text: string) => ({ format: 2, parts: [{ type: "text", text }] }) as MastraDBMessage["content"];

function message(id: string, threadId: string, resourceId: string, i: number): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId,
    role: i % 2 ? "assistant" : "user",
    type: "v2",
    content: content(`write bench ${i}`),
    createdAt: new Date(base + i),
  } as MastraDBMessage;
}

/** The workflow snapshot the write rows store (`runId` in `status`, one finished step). */
export function snapshot(runId: string, status: string): WorkflowRunState {
  return {
    runId,
    status,
    value: {},
    context: { input: { n: 1 }, step1: { status: "success", output: { ok: true } } },
    activePaths: [],
    activeStepsPath: {},
    serializedStepGraph: [],
    suspendedPaths: {},
    resumeLabels: {},
    waitingPaths: {},
    timestamp: base,
  } as unknown as WorkflowRunState;
}

function span(owner: string, spanId: string, parentSpanId: string | null, i: number): Record<string, unknown> {
  return {
    traceId: `wtrace-${owner}`,
    spanId,
    parentSpanId,
    name: parentSpanId ? `tool ${i}` : `agent run ${owner}`,
    spanType: parentSpanId ? "tool_call" : "agent_run",
    isEvent: false,
    startedAt: new Date(base + i),
    ...(parentSpanId ? { endedAt: new Date(base + i + 1) } : {}),
    entityType: "agent",
    entityId: `wagent-${owner}`,
    entityName: `Agent ${owner}`,
    resourceId: `wres-${owner}`,
    threadId: `wthr-${owner}`,
    environment: "production",
    metadata: { owner },
    tags: ["bench"],
  };
}

function task(owner: string, id: string): Record<string, unknown> {
  return {
    id,
    status: "pending",
    toolName: "search",
    toolCallId: `call-${id}`,
    args: { q: owner },
    agentId: `wagent-${owner}`,
    threadId: `wthr-${owner}`,
    resourceId: `wres-${owner}`,
    runId: `wrun-${owner}`,
    createdAt: new Date(base),
    retryCount: 0,
    maxRetries: 0,
    timeoutMs: 60_000,
  };
}

const obs = (s: Subject): ObservabilityStorage => s.observability!;
const tasks = (s: Subject): BackgroundTasksStorage => s.backgroundTasks!;
const thread = (s: Subject, id: string, owner: string) =>
  s.memory.saveThread({
    thread: { id, resourceId: `wres-${owner}`, title: id, createdAt: new Date(base), updatedAt: new Date(base) },
  });

/** The write operations, each for owners that share nothing (own thread, resource, workflow, run, trace, agent). */
export function writeOps(): WriteOp[] {
  return [
    {
      key: "saveThread",
      name: "saveThread (new thread)",
      domain: "memory",
      run: (s, o) => thread(s, `wst-${o}`, o),
    },
    {
      key: "updateThread",
      name: "updateThread (title, metadata)",
      domain: "memory",
      prepare: (s, o) => thread(s, `wut-${o}`, o).then(() => {}),
      run: (s, o) => s.memory.updateThread({ id: `wut-${o}`, title: "renamed", metadata: { v: 2 } }),
    },
    {
      key: "saveMessages:1",
      name: "saveMessages (1 message, existing thread)",
      domain: "memory",
      prepare: (s, o) => thread(s, `wsm-${o}`, o).then(() => {}),
      run: (s, o) => s.memory.saveMessages({ messages: [message(`wsm-${o}-m0`, `wsm-${o}`, `wres-${o}`, 0)] }),
    },
    {
      key: "saveMessages:10",
      name: "saveMessages (10 messages, existing thread)",
      domain: "memory",
      prepare: (s, o) => thread(s, `wsn-${o}`, o).then(() => {}),
      run: (s, o) =>
        s.memory.saveMessages({
          messages: Array.from({ length: 10 }, (_, i) => message(`wsn-${o}-m${i}`, `wsn-${o}`, `wres-${o}`, i)),
        }),
    },
    {
      key: "deleteMessages",
      name: "deleteMessages (1 of 3)",
      domain: "memory",
      prepare: async (s, o) => {
        await thread(s, `wdm-${o}`, o);
        await s.memory.saveMessages({
          messages: Array.from({ length: 3 }, (_, i) => message(`wdm-${o}-m${i}`, `wdm-${o}`, `wres-${o}`, i)),
        });
      },
      run: (s, o) => s.memory.deleteMessages([`wdm-${o}-m1`]),
    },
    {
      key: "saveResource",
      name: "saveResource (new)",
      domain: "memory",
      run: (s, o) =>
        s.memory.saveResource({
          resource: {
            id: `wsr-${o}`,
            workingMemory: "# notes",
            metadata: { o },
            createdAt: new Date(base),
            updatedAt: new Date(base),
          },
        }),
    },
    {
      key: "updateResource",
      name: "updateResource (working memory)",
      domain: "memory",
      prepare: (s, o) =>
        s.memory.saveResource({
          resource: {
            id: `wur-${o}`,
            workingMemory: "# a",
            metadata: {},
            createdAt: new Date(base),
            updatedAt: new Date(base),
          },
        }).then(() => {}),
      run: (s, o) => s.memory.updateResource({ resourceId: `wur-${o}`, workingMemory: "# b" }),
    },
    {
      key: "persistWorkflowSnapshot:new",
      name: "persistWorkflowSnapshot (new run)",
      domain: "workflows",
      run: (s, o) =>
        s.workflows.persistWorkflowSnapshot({
          workflowName: `wflow-${o}`,
          runId: `wpn-${o}`,
          resourceId: `wres-${o}`,
          snapshot: snapshot(`wpn-${o}`, "running"),
        }),
    },
    {
      key: "persistWorkflowSnapshot:status",
      name: "persistWorkflowSnapshot (existing run, status change)",
      domain: "workflows",
      prepare: (s, o) =>
        s.workflows.persistWorkflowSnapshot({
          workflowName: `wflow-${o}`,
          runId: `wps-${o}`,
          resourceId: `wres-${o}`,
          snapshot: snapshot(`wps-${o}`, "running"),
        }),
      run: (s, o) =>
        s.workflows.persistWorkflowSnapshot({
          workflowName: `wflow-${o}`,
          runId: `wps-${o}`,
          resourceId: `wres-${o}`,
          snapshot: snapshot(`wps-${o}`, "success"),
        }),
    },
    {
      key: "updateWorkflowResults",
      name: "updateWorkflowResults (one step)",
      domain: "workflows",
      prepare: (s, o) =>
        s.workflows.persistWorkflowSnapshot({
          workflowName: `wflow-${o}`,
          runId: `wur-${o}`,
          resourceId: `wres-${o}`,
          snapshot: snapshot(`wur-${o}`, "running"),
        }),
      run: (s, o) =>
        s.workflows.updateWorkflowResults({
          workflowName: `wflow-${o}`,
          runId: `wur-${o}`,
          stepId: "step2",
          result: { status: "success", output: { ok: 2 }, payload: {}, startedAt: base, endedAt: base + 1 } as never,
          requestContext: {},
        }),
    },
    {
      key: "saveScore",
      name: "saveScore",
      domain: "scores",
      run: (s, o) =>
        s.scores.saveScore({
          scorerId: `wscorer-${o}`,
          entityId: `wagent-${o}`,
          entityType: "AGENT",
          runId: `wrun-${o}`,
          traceId: `wtrace-${o}`,
          spanId: "root",
          source: "LIVE",
          score: 0.5,
          input: { q: 1 },
          output: { a: 1 },
          scorer: { id: `wscorer-${o}` },
          entity: { id: `wagent-${o}` },
        } as unknown as SaveScorePayload),
    },
    {
      key: "createSpan",
      name: "createSpan (root span of a new trace)",
      domain: "observability",
      run: (s, o) => obs(s).createSpan({ span: span(o, "root", null, 0) as never }),
    },
    {
      key: "updateSpan",
      name: "updateSpan (end the root span)",
      domain: "observability",
      prepare: (s, o) => obs(s).createSpan({ span: { ...span(o, "root", null, 0), traceId: `wtu-${o}` } as never }),
      run: (s, o) =>
        obs(s).updateSpan({ traceId: `wtu-${o}`, spanId: "root", updates: { endedAt: new Date(base + 5) } as never }),
    },
    {
      key: "batchCreateSpans",
      name: "batchCreateSpans (root + 3 children, new trace)",
      domain: "observability",
      run: (s, o) =>
        obs(s).batchCreateSpans({
          records: [
            { ...span(o, "root", null, 0), traceId: `wtb-${o}` },
            ...[1, 2, 3].map((i) => ({ ...span(o, `child-${i}`, "root", i), traceId: `wtb-${o}` })),
          ] as never,
        }),
    },
    {
      key: "batchCreateLogs",
      name: "batchCreateLogs (3 logs of a trace)",
      domain: "observability",
      run: (s, o) =>
        obs(s).batchCreateLogs({
          logs: [0, 1, 2].map((i) => ({
            logId: `wlog-${o}-${i}`,
            traceId: `wtrace-${o}`,
            spanId: "root",
            entityType: "agent",
            entityName: `Agent ${o}`,
            resourceId: `wres-${o}`,
            timestamp: new Date(base + i),
            level: "info",
            message: `log ${i}`,
          })) as never,
        }),
    },
    {
      key: "batchCreateMetrics",
      name: "batchCreateMetrics (3 metrics of a trace)",
      domain: "observability",
      run: (s, o) =>
        obs(s).batchCreateMetrics({
          metrics: [0, 1, 2].map((i) => ({
            metricId: `wmetric-${o}-${i}`,
            traceId: `wtrace-${o}`,
            entityType: "agent",
            entityName: `Agent ${o}`,
            name: "mastra_agent_duration_ms",
            labels: { status: "ok" },
            timestamp: new Date(base + i),
            value: i,
          })) as never,
        }),
    },
    {
      key: "createTask",
      name: "createTask (background task)",
      domain: "backgroundTasks",
      run: (s, o) => tasks(s).createTask(task(o, `wtask-${o}`) as never),
    },
    {
      key: "updateTask",
      name: "updateTask (pending -> running)",
      domain: "backgroundTasks",
      prepare: (s, o) => tasks(s).createTask(task(o, `wtup-${o}`) as never),
      run: (s, o) => tasks(s).updateTask(`wtup-${o}`, { status: "running", startedAt: new Date(base + 1) } as never),
    },
  ];
}

/** Labels of written documents, read after the writes (unmeasured): counter names, rank trees, tables. */
async function labels(s: Subject, writes: DocumentWrite[]): Promise<Map<string, string>> {
  const ids = [...new Set(writes.map((w) => w.id))];
  const pairs = await s.backend.run(async (ctx) => {
    const out: [string, string][] = [];
    const db = ctx.db as unknown as { get(id: string): Promise<Record<string, unknown> | null> };
    for (const id of ids) {
      const table = id.replace(/^\d+/, "");
      const doc = await db.get(id);
      if (doc === null) out.push([id, `${table} ${id} (deleted)`]);
      else if (typeof doc.name === "string" && table.endsWith("counters")) out.push([id, `${table} ${doc.name}`]);
      else if (typeof doc.tree === "string") out.push([id, `${table} ${doc.tree}${doc.root ? " (root)" : ""}`]);
      else {
        // Name the rows of shared tables (metric rollups, dictionaries) by their identifying fields.
        const key = ["name", "family", "interval", "bucket", "kind", "scope", "value"]
          .filter((f) => typeof doc[f] === "string" || typeof doc[f] === "number")
          .map((f) => `${f}=${String(doc[f]).slice(0, 40)}`);
        // A rollup cell's id ends with its write shard (`cells.ts:cellsOf`): label it as a shard.
        const dims = table.endsWith("_cells") && typeof doc.id === "string" ? JSON.parse(doc.id) as unknown[][] : [];
        const last = dims.at(-1);
        const shard = Array.isArray(last) && /^\d+$/.test(String(last[0])) && last[1] === null
          ? `${dims.slice(0, -1).length ? ` ${JSON.stringify(dims.slice(0, -1)).slice(0, 60)}` : ""}:shard:${last[0]}`
          : table.endsWith("_cells")
          ? ` ${String(doc.id).slice(0, 60)}`
          : "";
        out.push([id, `${table} ${key.length ? key.join(" ") : id}${shard}`]);
      }
    }
    return out;
  });
  return new Map(pairs);
}

const shortError = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

/** Runs one write operation on one store: warm-ups, then A and B measured. */
export async function runWrite(s: Subject, op: WriteOp, tag: string): Promise<WriteFigures> {
  if (op.domain === "observability" && !s.observability) return { status: "unsupported", detail: "no such domain" };
  if (op.domain === "backgroundTasks" && !s.backgroundTasks) {
    return { status: "unsupported", detail: "no such domain" };
  }
  const owner = (k: string) => `${tag}${k}`;
  try {
    for (const k of ["w1", "w2"]) {
      await op.prepare?.(s, owner(k));
      await op.run(s, owner(k));
    }
    const measured: { writes: DocumentWrite[]; written: number; read: number; trips: number }[] = [];
    for (const k of ["a", "b"]) {
      await op.prepare?.(s, owner(k));
      const trips = s.roundTrips();
      const m = await measure(() => op.run(s, owner(k)));
      measured.push({
        writes: m.writes,
        written: m.usage.documentsWritten,
        read: m.usage.documentsRead,
        trips: s.roundTrips() - trips,
      });
    }
    const [a, b] = measured;
    const label = await labels(s, [...a.writes, ...b.writes]);
    const idsOf = (w: DocumentWrite[]) => new Set(w.filter((x) => x.op !== "insert").map((x) => x.id));
    const bIds = idsOf(b.writes);
    const both = [...idsOf(a.writes)].filter((id) => bIds.has(id)).map((id) => label.get(id)!);
    const familiesOf = (w: DocumentWrite[]) =>
      new Set(w.map((x) => shardOf(label.get(x.id)!)?.family).filter((f): f is string => f !== undefined));
    const bFamilies = familiesOf(b.writes);
    return {
      status: "ok",
      written: a.written,
      read: a.read,
      roundTrips: a.trips,
      shared: both.filter((l) => shardOf(l) === null).sort(),
      shardFamilies: [...familiesOf(a.writes)].filter((f) => bFamilies.has(f)).sort(),
      shardCollisions: both.filter((l) => shardOf(l) !== null).sort(),
    };
  } catch (error) {
    return { status: "fails", detail: shortError(error).slice(0, 160) };
  }
}

/** Runs every write operation on the stores at one size. */
export async function runWrites(
  size: number,
  ours: Subject,
  official: Subject | undefined,
  log: (line: string) => void,
  only?: RegExp,
): Promise<WriteRow[]> {
  const rows: WriteRow[] = [];
  for (const op of writeOps().filter((w) => !only || only.test(w.key) || only.test(w.name))) {
    const started = performance.now();
    const o = await runWrite(ours, op, `n${size}-`);
    const t = official ? await runWrite(official, op, `n${size}-`) : undefined;
    log(`  write ${op.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    rows.push({ size, op, ours: o, official: t });
  }
  return rows;
}
