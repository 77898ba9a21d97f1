/**
 * Differential property test of deep pages of workflow runs: enough runs
 * that pages far from both ends seek through the rank trees and families,
 * random writes (new runs, overwrites that move a run between workflows'
 * statuses and resources, state updates, deletions) and random lists (every
 * combination of workflow name, resource, status and a date range, any
 * page) answer exactly like @mastra/core's InMemoryStore: the same runs in
 * the same order, the same total.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InMemoryStore, type StorageListWorkflowRunsInput, type WorkflowsStorage } from "@mastra/core/storage";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { createTestStorage } from "./helpers/backend.ts";

const WORKFLOWS = ["wfA", "wfB"];
const RESOURCES = ["u1", "u2", "u3"];
const STATUSES = ["running", "success", "suspended", "failed"] as const;

type Seed = { workflow: number; run: number; resource: number | null; status: number; slot: number };
const seedRun = fc.record({
  workflow: fc.nat(1),
  run: fc.nat(400),
  resource: fc.option(fc.nat(2), { nil: null }),
  status: fc.nat(3),
  slot: fc.nat(1_000),
});

type Op =
  | { kind: "persist"; seed: Seed }
  | { kind: "state"; workflow: number; run: number; status: number }
  | { kind: "delete"; workflow: number; run: number }
  | {
    kind: "list";
    workflow: number | null;
    resource: number | null;
    status: number | null;
    from: number | null;
    to: number | null;
    perPage: number;
    /** Where the page lies, in percent of the matches (the page number is worked out from the total). */
    depth: number;
    page?: number;
  };

/** Mostly absent, so that combined filters still leave deep lists. */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, arb);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("persist" as const), seed: seedRun }) },
  fc.record({ kind: fc.constant("state" as const), workflow: fc.nat(1), run: fc.nat(400), status: fc.nat(3) }),
  fc.record({ kind: fc.constant("delete" as const), workflow: fc.nat(1), run: fc.nat(400) }),
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("list" as const),
      workflow: maybe(fc.nat(1)),
      resource: maybe(fc.nat(2)),
      status: maybe(fc.nat(3)),
      from: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, fc.nat(1_000)),
      to: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, fc.nat(1_000)),
      perPage: fc.integer({ min: 1, max: 12 }),
      depth: fc.nat(110),
    }),
  },
);

/** Unique creation times: a slot in random order, made unique by the write's index. */
const createdAt = (slot: number, index: number) => new Date(1_000_000 + slot * 10_000 + index);

function apply(store: WorkflowsStorage, o: Op, index: number): Promise<unknown> {
  switch (o.kind) {
    case "persist": {
      const { seed } = o;
      const runId = `r${seed.run}`;
      return store.persistWorkflowSnapshot({
        workflowName: WORKFLOWS[seed.workflow],
        runId,
        ...(seed.resource !== null ? { resourceId: RESOURCES[seed.resource] } : {}),
        snapshot: { runId, status: STATUSES[seed.status], context: {} } as unknown as WorkflowRunState,
        createdAt: createdAt(seed.slot, index),
        updatedAt: createdAt(seed.slot, index),
      });
    }
    case "state":
      return store.updateWorkflowState({
        workflowName: WORKFLOWS[o.workflow],
        runId: `r${o.run}`,
        opts: { status: STATUSES[o.status] } as never,
      });
    case "delete":
      return store.deleteWorkflowRunById({ workflowName: WORKFLOWS[o.workflow], runId: `r${o.run}` });
    case "list": {
      const args: StorageListWorkflowRunsInput = { page: o.page ?? 0, perPage: o.perPage };
      if (o.workflow !== null) args.workflowName = WORKFLOWS[o.workflow];
      if (o.resource !== null) args.resourceId = RESOURCES[o.resource];
      if (o.status !== null) args.status = STATUSES[o.status];
      if (o.from !== null) args.fromDate = new Date(1_000_000 + o.from * 10_000);
      if (o.to !== null) args.toDate = new Date(1_000_000 + o.to * 10_000);
      return store.listWorkflowRuns(args).then(({ runs, total }) => ({
        total,
        runs: runs.map((run) => ({
          workflowName: run.workflowName,
          runId: run.runId,
          resourceId: run.resourceId,
          status: (run.snapshot as WorkflowRunState)?.status,
          createdAt: new Date(run.createdAt).getTime(),
        })),
      }));
    }
  }
}

async function settle(fn: () => Promise<unknown>): Promise<{ ok: boolean; value?: unknown }> {
  try {
    return { ok: true, value: await fn() };
  } catch {
    return { ok: false };
  }
}

Deno.test("deep pages of workflow runs match InMemoryStore under random writes (property)", async () => {
  let deepPages = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(seedRun, { minLength: 40, maxLength: 110 }),
      fc.array(op, { minLength: 10, maxLength: 40 }),
      async (seeds, ops) => {
        const reference = (await new InMemoryStore().getStore("workflows"))!;
        const { storage } = createTestStorage();
        const ours = (await storage.getStore("workflows"))!;
        const all: Op[] = [...seeds.map((seed) => ({ kind: "persist" as const, seed })), ...ops];
        for (const [index, o] of all.entries()) {
          if (o.kind === "list") {
            const { total } = (await apply(reference, { ...o, page: 0 }, index)) as { total: number };
            o.page = Math.floor((total * o.depth) / 100 / o.perPage);
          }
          const expected = await settle(() => apply(reference, o, index));
          const actual = await settle(() => apply(ours, o, index));
          assert.equal(actual.ok, expected.ok, `op ${index} ${JSON.stringify(o)}`);
          assert.deepStrictEqual(actual.value, expected.value, `op ${index} ${JSON.stringify(o)}`);
          if (o.kind === "list" && expected.ok) {
            const { total } = expected.value as { total: number };
            const offset = o.page! * o.perPage;
            if (offset >= 8 && total - offset - o.perPage >= 8) deepPages++;
          }
        }
      },
    ),
    { numRuns: 20 },
  );
  console.log(`deep pages compared: ${deepPages}`);
  assert.ok(deepPages > 0);
});
