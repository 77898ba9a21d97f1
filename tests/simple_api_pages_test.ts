/**
 * The README's `getEvals` and `getTraces`: a page at any depth, for every
 * filter, matches the sorted model and reads about one page plus the rank
 * tree (or the deployment-wide family) in one call; saves share no
 * unsharded counter across agents, threads or runs.
 */
import assert from "node:assert/strict";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

const N = 600;
const T0 = 1_767_225_600_000;

Deno.test("simple API lists: deep pages of evals and trace records, every filter", async () => {
  const { storage } = createTestStorage();
  await storage.init();
  const evals: { id: string; agentName: string; type: "live" | "test"; createdAt: number }[] = [];
  const traces: { id: string; threadId: string; runId: string; timestamp: number }[] = [];
  for (let i = 0; i < N; i++) {
    const row = {
      id: `eval-${String(i).padStart(4, "0")}`,
      agentName: `agent-${i % 3}`,
      type: (Math.floor(i / 3) % 2 === 0 ? "live" : "test") as "live" | "test",
      createdAt: T0 + Math.floor(i / 2) * 1000,
    };
    evals.push(row);
    await storage.saveEval({ evalData: { ...row, threadId: "t", metadata: {}, data: { score: i } } });
    const trace = {
      id: `trace-${String(i).padStart(4, "0")}`,
      threadId: `thread-${i % 2}`,
      runId: `run-${Math.floor(i / 2) % 3}`,
      timestamp: T0 + Math.floor(i / 2) * 1000,
    };
    traces.push(trace);
    await storage.saveTrace({
      trace: { ...trace, transportId: "x", rootRunId: trace.runId, spans: [], spanDurations: {}, properties: {} },
    });
  }
  const newest = <T extends { id: string }>(rows: T[], at: (row: T) => number) =>
    [...rows].sort((a, b) => at(b) - at(a) || (a.id < b.id ? 1 : -1)).map((row) => row.id);
  const perPage = 20;
  const check = async (
    label: string,
    ids: string[],
    list: (page: number) => Promise<{ total: number; ids: string[] }>,
  ) => {
    const pages = Math.ceil(ids.length / perPage);
    for (const page of [0, Math.floor(pages / 2), pages - 1]) {
      const { result, usage } = await measure(() => list(page));
      assert.equal(result.total, ids.length, `${label} page ${page}`);
      assert.deepEqual(result.ids, ids.slice(page * perPage, (page + 1) * perPage), `${label} page ${page}`);
      // Page + 16 sharded counter documents + the family's 8 roots and leaves.
      const bound = perPage + 4 * Math.ceil(Math.log2(ids.length)) + 16;
      assert.ok(usage.documentsRead <= bound, `${label} page ${page}: ${usage.documentsRead} read (bound ${bound})`);
    }
  };
  for (
    const filter of [{}, { agentName: "agent-1" }, { type: "test" as const }, {
      agentName: "agent-2",
      type: "live" as const,
    }]
  ) {
    const ids = newest(
      evals.filter((row) =>
        (filter.agentName === undefined || row.agentName === filter.agentName) &&
        (filter.type === undefined || row.type === filter.type)
      ),
      (row) => row.createdAt,
    );
    await check(`evals ${JSON.stringify(filter)}`, ids, async (page) => {
      const result = await storage.getEvals({ ...filter, page, perPage });
      return { total: result.total, ids: result.evals.map((row) => row.id) };
    });
  }
  for (const filter of [{}, { threadId: "thread-1" }, { runId: "run-2" }, { threadId: "thread-0", runId: "run-1" }]) {
    const ids = newest(
      traces.filter((row) =>
        (filter.threadId === undefined || row.threadId === filter.threadId) &&
        (filter.runId === undefined || row.runId === filter.runId)
      ),
      (row) => row.timestamp,
    );
    await check(`traces ${JSON.stringify(filter)}`, ids, async (page) => {
      const result = await storage.getTraces({ ...filter, page, perPage });
      return { total: result.total, ids: result.traces.map((row) => row.id) };
    });
  }
});
