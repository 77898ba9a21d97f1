/**
 * What a page of workflow runs costs as the table grows: documents read
 * per `listWorkflowRuns` call with 2,000 runs stored. Every list reads
 * about one page (run rows with their inline snapshots) plus its tree's
 * root(s) (8 shard roots for deployment-wide lists); a date range adds the
 * tree nodes that bound it. Deep pages: `tests/workflows_deep_pages_test.ts`.
 */
import assert from "node:assert/strict";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { createTestStorage } from "../helpers/backend.ts";
import { SHARD_PENDING_CAP } from "../../convex/kit/rankPending.ts";
import { measure } from "../helpers/metrics.ts";

const RUNS = 2000;

Deno.test(`listWorkflowRuns reads about one page with ${RUNS} runs stored`, async () => {
  const { storage } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  const statuses = ["success", "failed", "running", "suspended"];
  for (let i = 0; i < RUNS; i++) {
    await workflows.persistWorkflowSnapshot({
      workflowName: i % 2 === 0 ? "even" : "odd",
      runId: `run-${i}`,
      resourceId: `user-${i % 10}`,
      snapshot: {
        runId: `run-${i}`,
        status: statuses[i % 4],
        context: { step: { status: "success", output: i } },
      } as unknown as WorkflowRunState,
      createdAt: new Date(1_000_000 + i * 1000),
    });
  }
  const cases: [string, Parameters<typeof workflows.listWorkflowRuns>[0], number, number][] = [
    ["workflow, first page", { workflowName: "even", page: 0, perPage: 20 }, 20, 1000],
    ["workflow, last page", { workflowName: "even", page: 49, perPage: 20 }, 20, 1000],
    ["workflow + status", { workflowName: "even", status: "running", page: 0, perPage: 20 }, 20, 500],
    ["resource", { resourceId: "user-3", page: 0, perPage: 20 }, 20, 200],
    ["all runs", { page: 0, perPage: 20 }, 20, RUNS],
    [
      "workflow + date range",
      {
        workflowName: "odd",
        fromDate: new Date(1_000_000 + 100_000),
        toDate: new Date(1_000_000 + 299_000),
        page: 0,
        perPage: 20,
      },
      20,
      100,
    ],
  ];
  const table: Record<string, unknown>[] = [];
  for (const [name, args, rows, total] of cases) {
    const { result, usage } = await measure(() => workflows.listWorkflowRuns(args));
    assert.equal(result.runs.length, rows, name);
    assert.equal(result.total, total, name);
    table.push({ case: name, rows: result.runs.length, total: result.total, documentsRead: usage.documentsRead });
    // The page's run rows (snapshots inline) plus tree nodes: 8 roots, and up to 2 leaves each for a range;
    // plus the shards' pending rank changes (at most SHARD_PENDING_CAP each, convex/kit/rankPending.ts).
    assert.ok(usage.documentsRead <= rows + 3 * 8 + 2 + 8 * SHARD_PENDING_CAP, `${name}: ${usage.documentsRead}`);
  }
  console.table(table);
});
