/**
 * `deno task bench:lifecycle`: what retention costs per table on the
 * in-process Convex backend (convex-test, transaction limits on). For each
 * table, N old rows are seeded through the API, then `prune()` with core's
 * default batch size deletes them; every deployment step
 * (`lifecycle/prune:step`, one mutation) is measured. It prints one
 * markdown table (rows deleted per step, documents written and read per
 * step including the counters, rank trees and large values kept exact, and
 * steps per 10,000 rows); it does not pass or fail.
 *
 *   deno task bench:lifecycle              # N = 10,000 (threads: 1,000 of 10 messages; runs: 2,000)
 *   deno task bench:lifecycle --size=2000  # smaller N for a quick look
 */
import { parseArgs } from "node:util";
import type { MastraDBMessage } from "@mastra/core/memory";
import type { RetentionConfig } from "@mastra/core/storage";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { createBackend, inProcessClient } from "../../tests/helpers/backend.ts";
import { measure, type Usage } from "../../tests/helpers/metrics.ts";

const DAY = 86_400_000;

type Step = { deleted: number; usage: Usage };

/** A storage on a fresh backend whose prune steps are measured into `steps`. */
function measuredStorage(steps: Step[], now: () => number): ConvexStorage {
  const inner = inProcessClient(createBackend());
  const client: ConvexClientLike = {
    ...inner,
    mutation: async (path, args, options) => {
      if (path !== "lifecycle/prune:step") return await inner.mutation(path, args, options);
      const { result, usage } = await measure(() => inner.mutation(path, args, options));
      steps.push({ deleted: (result as { deleted: number }).deleted, usage });
      return result;
    },
  };
  return new ConvexStorage({ client, now });
}

function messages(threadId: string, count: number, at: number): MastraDBMessage[] {
  return Array.from({ length: count }, (_, m) => ({
    id: `${threadId}-m${m}`,
    threadId,
    resourceId: "r",
    role: "user",
    createdAt: new Date(at + m),
    content: { format: 2, parts: [{ type: "text", text: `message ${m} of ${threadId}` }] },
  })) as unknown as MastraDBMessage[];
}

type Case = {
  name: string;
  rows: (n: number) => number;
  seed: (storage: ConvexStorage, n: number, old: number) => Promise<void>;
  retention: RetentionConfig;
};

const CASES: Case[] = [
  {
    name: "memory.messages (live threads of 1,000)",
    rows: (n) => n,
    seed: async (storage, n, old) => {
      const memory = (await storage.getStore("memory"))!;
      for (let t = 0; t < n / 1000; t++) {
        await memory.saveThread({
          thread: { id: `t${t}`, resourceId: "r", createdAt: new Date(old), updatedAt: new Date() },
        });
        await memory.saveMessages({ messages: messages(`t${t}`, 1000, old) });
      }
    },
    retention: { memory: { messages: { maxAge: "30d" } } },
  },
  {
    name: "memory.threads (10 messages each)",
    rows: (n) => n / 10,
    seed: async (storage, n, _old) => {
      const memory = (await storage.getStore("memory"))!;
      for (let t = 0; t < n / 10; t++) {
        await memory.saveThread({
          thread: { id: `t${t}`, resourceId: "r", createdAt: new Date(1), updatedAt: new Date(1) },
        });
        await memory.saveMessages({ messages: messages(`t${t}`, 10, 1) });
      }
    },
    retention: { memory: { threads: { maxAge: "30d" } } },
  },
  {
    name: "observability.spans (traces of 2)",
    rows: (n) => n,
    seed: async (storage, n, old) => {
      const observability = (await storage.getStore("observability"))!;
      for (let start = 0; start < n / 2; start += 250) {
        const records = [];
        for (let i = start; i < Math.min(start + 250, n / 2); i++) {
          const root = {
            traceId: `trace${i}`,
            spanId: "root",
            name: "root",
            spanType: "agent_run",
            isEvent: false,
            startedAt: new Date(old + i),
            endedAt: new Date(old + i + 5),
            parentSpanId: null,
            entityType: "agent",
            entityName: "a",
          };
          records.push(root, { ...root, spanId: "tool", name: "tool", spanType: "tool_call", parentSpanId: "root" });
        }
        await observability.batchCreateSpans({ records: records as never });
      }
    },
    retention: { observability: { spans: { maxAge: "30d" } } },
  },
  {
    name: "workflows.workflowSnapshot",
    rows: (n) => n / 5,
    seed: async (storage, n) => {
      const workflows = (await storage.getStore("workflows"))!;
      for (let i = 0; i < n / 5; i++) {
        await workflows.persistWorkflowSnapshot({
          workflowName: `wf${i % 4}`,
          runId: `run${i}`,
          resourceId: `r${i % 10}`,
          snapshot: { runId: `run${i}`, status: "success", context: {} } as unknown as WorkflowRunState,
        });
      }
    },
    retention: { workflows: { workflowSnapshot: { maxAge: "30d" } } },
  },
];

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { size: { type: "string", default: "10000" } } });
  const size = Number(values.size);
  console.log(
    "| table | rows pruned | steps | rows deleted / step | docs written / step (max) | docs read / step | steps per 10,000 rows | prune wall time |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const c of CASES) {
    const steps: Step[] = [];
    let now = Date.now() - 100 * DAY;
    const storage = measuredStorage(steps, () => now);
    await storage.init();
    await c.seed(storage, size, now);
    now = Date.now();
    const started = performance.now();
    const results = await storage.prune({ retention: c.retention });
    const wall = performance.now() - started;
    const deleted = results.reduce((sum, r) => sum + r.deleted, 0);
    if (deleted !== c.rows(size) || !results.every((r) => r.done)) {
      throw new Error(`${c.name}: pruned ${deleted} of ${c.rows(size)} rows`);
    }
    const written = steps.map((s) => s.usage.documentsWritten);
    const read = steps.map((s) => s.usage.documentsRead);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    console.log(
      `| ${c.name} | ${fmt(deleted)} | ${steps.length} | ${fmt(deleted / steps.length)} | ` +
        `${fmt(sum(written) / steps.length)} (${fmt(Math.max(...written))}) | ${fmt(sum(read) / steps.length)} | ` +
        `${fmt(steps.length * 10_000 / deleted)} | ${fmt(wall)} ms |`,
    );
  }
}
