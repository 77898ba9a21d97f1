/**
 * What a page of workflow runs costs as the table grows: documents read
 * per `listWorkflowRuns` call with 2,000 runs stored. Counter-backed lists
 * read about one page (run rows + their snapshots); the date-range list
 * counts its matches by walking only the index range of the dates.
 */
import assert from "node:assert/strict";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { createTestStorage } from "../helpers/backend.ts";
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
      "workflow + date range (counting)",
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
    // Counter-backed pages: the page's run rows, their snapshots and one counter.
    if (!name.includes("counting")) assert.ok(usage.documentsRead <= 2 * rows + 2, `${name}: ${usage.documentsRead}`);
    // Counting walks read the index range only (runs of "odd" within the dates), plus the page's snapshots.
    else assert.ok(usage.documentsRead <= total + rows + 2, `${name}: ${usage.documentsRead}`);
  }
  console.table(table);
});
