/**
 * The app-facing reads (`convex/*\/appReads.ts`) through the app's own
 * functions made by `mastraAppQueries` (`src/app/appQueries.ts`), on the
 * in-process backend with Convex's transaction limits:
 *
 * - differential: random threads and messages saved through `ConvexStorage`
 *   and core's `InMemoryStore`; paging through `threads` and `messages` with
 *   random page sizes (Convex's `paginationOpts`, cursor to cursor) yields
 *   exactly InMemoryStore's threads (newest updated first) and messages
 *   (newest first, in Mastra's message shape) — nothing repeated or skipped;
 * - authorization: `authorize` sees the thread's stored owner; a refusal is
 *   a `ConvexError` `UNAUTHORIZED` and returns no data;
 * - activity: unfinished background tasks and workflow runs suspended by a
 *   real Mastra workflow (with the suspend payload), gone once resumed;
 * - working memory of both scopes; bad page sizes refused.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConvexError, type Infer } from "convex/values";
import { Mastra } from "@mastra/core";
import { InMemoryStore } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import { inProcessClient } from "./helpers/backend.ts";
import { createLiveUiBackend, paymentWorkflow } from "./helpers/liveUi.ts";
import { withFakeDate } from "./helpers/fakeDate.ts";
import { decodePayload, toMastraMessage } from "../src/app/shapes.ts";
import type {
  AppMessage,
  appMessageValidator,
  AppThread,
  appThreadValidator,
  appWorkingMemoryValidator,
} from "../convex/memory/appReads.ts";
import type { appTaskValidator } from "../convex/backgroundTasks/appReads.ts";
import type { appSuspendedRunValidator } from "../convex/workflows/appReads.ts";
import type * as Types from "../src/app/types.ts";
import type { ComponentApi } from "../convex/_generated/component.ts";

/** The fake clock of both stores (ours through `now`, core's through `withFakeDate`). */
let clock = 1_767_225_600_000;

function setup() {
  const backend = createLiveUiBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend), now: () => clock });
  const as = (subject: string) => backend.raw.withIdentity({ subject });
  // deno-lint-ignore no-explicit-any
  const ref = (name: string) => `mastraUi:${name}` as any;
  return { backend, storage, as, ref };
}

/** Pages through a paginated app query until it is done; the concatenated items. */
async function pageThrough<T>(
  run: (paginationOpts: { numItems: number; cursor: string | null }) => Promise<{
    page: T[];
    isDone: boolean;
    continueCursor: string;
  }>,
  sizes: number[],
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let i = 0;; i++) {
    const result = await run({ numItems: sizes[i % sizes.length], cursor });
    items.push(...result.page);
    if (result.isDone) return items;
    cursor = result.continueCursor;
    assert.ok(i < 500, "paging terminates");
  }
}

const RESOURCES = ["r1", "r2"];
const THREADS = ["t1", "t2", "t3", "t4"];
const contentArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.record({
    format: fc.constant(2 as const),
    parts: fc.array(fc.record({ type: fc.constant("text"), text: fc.string({ maxLength: 8 }) }), {
      minLength: 1,
      maxLength: 2,
    }),
  }),
);
const opArb = fc.oneof(
  fc.record({
    kind: fc.constant("thread" as const),
    id: fc.constantFrom(...THREADS),
    resourceId: fc.constantFrom(...RESOURCES),
    title: fc.string({ maxLength: 6 }),
  }),
  fc.record({
    kind: fc.constant("message" as const),
    id: fc.integer({ min: 0, max: 14 }).map((i) => `m${i}`),
    threadId: fc.constantFrom(...THREADS),
    role: fc.constantFrom("user", "assistant"),
    content: contentArb,
  }),
);

Deno.test("threads and messages pages agree with InMemoryStore at any page size (differential)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 25 }),
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
      async (ops, sizes) => {
        await withFakeDate(() => clock, () => check(ops, sizes));
      },
    ),
    { numRuns: 25 },
  );
});

type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

async function check(ops: Op[], sizes: number[]): Promise<void> {
  const { storage, as, ref } = setup();
  const ours = (await storage.getStore("memory"))!;
  const model = (await new InMemoryStore().getStore("memory"))!;
  const owner = new Map<string, string>();
  for (const op of ops) {
    clock += 1000;
    if (op.kind === "thread") {
      if (owner.has(op.id)) continue; // threads keep their owner in this test
      owner.set(op.id, op.resourceId);
      const thread = { id: op.id, resourceId: op.resourceId, title: op.title, createdAt: new Date(clock) };
      const t = { ...thread, updatedAt: new Date(clock) };
      await ours.saveThread({ thread: t });
      await model.saveThread({ thread: t });
    } else {
      const resourceId = owner.get(op.threadId);
      if (!resourceId) continue;
      const message = {
        id: op.id,
        threadId: op.threadId,
        resourceId,
        role: op.role,
        createdAt: new Date(clock),
        content: op.content,
        type: "text",
      };
      // Upserts keep the first createdAt (ours, deliberately): give the model the same one.
      const existing = (await model.listMessagesById({ messageIds: [op.id] })).messages[0];
      if (existing && existing.threadId !== op.threadId) continue; // moving messages is not this test's subject
      const saved = existing ? { ...message, createdAt: existing.createdAt } : message;
      // deno-lint-ignore no-explicit-any
      await ours.saveMessages({ messages: [saved as any] });
      // deno-lint-ignore no-explicit-any
      await model.saveMessages({ messages: [saved as any] });
    }
  }
  for (const resourceId of RESOURCES) {
    const expected = (await model.listThreads({
      filter: { resourceId },
      perPage: false,
      orderBy: { field: "updatedAt", direction: "DESC" },
    })).threads.map((t) => [t.id, t.title ?? null, t.createdAt.getTime(), t.updatedAt.getTime()]);
    const got = await pageThrough<AppThread>(
      (paginationOpts) => as(resourceId).query(ref("threads"), { resourceId, paginationOpts }),
      sizes,
    );
    assert.deepEqual(got.map((t) => [t.id, t.title, t.createdAt, t.updatedAt]), expected);
  }
  for (const [threadId, resourceId] of owner) {
    const expected = (await model.listMessages({
      threadId,
      perPage: false,
      orderBy: { field: "createdAt", direction: "DESC" },
    })).messages.map((m) => ({
      id: m.id,
      threadId: m.threadId,
      resourceId: m.resourceId,
      role: m.role,
      createdAt: m.createdAt.getTime(),
      content: JSON.parse(JSON.stringify(m.content)),
    }));
    const got = await pageThrough<AppMessage>(
      (paginationOpts) => as(resourceId).query(ref("messages"), { threadId, paginationOpts }),
      sizes,
    );
    assert.deepEqual(
      got.map(toMastraMessage).map((m) => ({
        id: m.id,
        threadId: m.threadId,
        resourceId: m.resourceId,
        role: m.role,
        createdAt: m.createdAt.getTime(),
        content: m.content,
      })),
      expected,
    );
  }
}

Deno.test("authorize sees the thread's stored owner; a refusal is UNAUTHORIZED with no data", async () => {
  const { storage, as, ref } = setup();
  await storage.saveThread({ thread: { id: "t1", resourceId: "ada", title: "Secret", createdAt: 1 } });
  await storage.saveMessage({
    message: { id: "m1", threadId: "t1", resourceId: "ada", type: "user", content: "hi", createdAt: 2 },
  });
  const page = { numItems: 10, cursor: null };
  assert.equal((await as("ada").query(ref("messages"), { threadId: "t1", paginationOpts: page })).page.length, 1);
  for (
    const [name, args] of [
      ["messages", { threadId: "t1", paginationOpts: page }],
      ["thread", { threadId: "t1" }],
      ["activity", { threadId: "t1" }],
      ["threads", { resourceId: "ada", paginationOpts: page }],
      ["workingMemory", { resourceId: "ada", threadId: "t1" }],
    ] as const
  ) {
    await assert.rejects(as("bob").query(ref(name), args), (error: unknown) => {
      assert.ok(error instanceof ConvexError, `${name}: ${error}`);
      assert.equal((error.data as { code: string }).code, "UNAUTHORIZED");
      return true;
    });
  }
  // A thread that does not exist reads as empty, without asking anyone.
  const none = await as("bob").query(ref("messages"), { threadId: "nope", paginationOpts: page });
  assert.deepEqual(none.page, []);
  assert.equal(none.isDone, true);
  // Page sizes out of bounds are refused.
  for (const numItems of [0, 201, 1.5]) {
    await assert.rejects(
      as("ada").query(ref("messages"), { threadId: "t1", paginationOpts: { numItems, cursor: null } }),
      /paginationOpts\.numItems must be an integer from 1 to 200/,
    );
  }
});

Deno.test("activity: unfinished tasks and suspended runs with their payload; gone when finished", async () => {
  const { storage, as, ref } = setup();
  await storage.saveThread({ thread: { id: "t1", resourceId: "ada", title: "Pay", createdAt: 1 } });
  const tasks = (await storage.getStore("backgroundTasks"))!;
  const base = {
    toolName: "search",
    agentId: "agent",
    threadId: "t1",
    resourceId: "ada",
    runId: "r",
    args: { q: "flights" },
    retryCount: 0,
    maxRetries: 0,
    timeoutMs: 1000,
  };
  await tasks.createTask({ ...base, id: "task-1", toolCallId: "c1", status: "running", createdAt: new Date(10) });
  await tasks.createTask({ ...base, id: "task-2", toolCallId: "c2", status: "completed", createdAt: new Date(11) });
  await tasks.createTask({ ...base, id: "task-3", toolCallId: "c3", status: "pending", createdAt: new Date(12) });

  const mastra = new Mastra({ storage, workflows: { payment: paymentWorkflow() }, logger: false });
  const run = await mastra.getWorkflow("payment").createRun({ resourceId: "ada" });
  assert.equal((await run.start({ inputData: { amount: 42 } })).status, "suspended");

  const activity = await as("ada").query(ref("activity"), { threadId: "t1" });
  assert.deepEqual(activity.tasks.map((t: { id: string; status: string }) => [t.id, t.status]), [
    ["task-3", "pending"],
    ["task-1", "running"],
  ]);
  assert.deepEqual(decodePayload(activity.tasks[1].args), { q: "flights" });
  assert.equal(activity.waiting.length, 1);
  assert.equal(activity.waiting[0].runId, run.runId);
  assert.deepEqual(activity.waiting[0].steps.map((s: { stepId: string; payload: string }) => s.stepId), ["approve"]);
  assert.deepEqual(decodePayload(activity.waiting[0].steps[0].payload), { prompt: "Pay 42 EUR?" });

  await tasks.updateTask("task-1", { status: "completed", completedAt: new Date(20) });
  assert.equal((await run.resume({ step: "approve", resumeData: { approver: "ada" } })).status, "success");
  const after = await as("ada").query(ref("activity"), { threadId: "t1" });
  assert.deepEqual(after.tasks.map((t: { id: string }) => t.id), ["task-3"]);
  assert.deepEqual(after.waiting, []);
});

Deno.test("workingMemory: resource scope and thread scope (only of the resource's own thread)", async () => {
  const { storage, as, ref } = setup();
  const memory = (await storage.getStore("memory"))!;
  await memory.saveThread({
    thread: {
      id: "t1",
      resourceId: "ada",
      createdAt: new Date(1),
      updatedAt: new Date(1),
      metadata: { workingMemory: "# Thread\n- likes trains" },
    },
  });
  await memory.saveThread({
    thread: { id: "t2", resourceId: "bob", createdAt: new Date(1), updatedAt: new Date(1), metadata: {} },
  });
  await memory.updateResource({ resourceId: "ada", workingMemory: "# Ada\n- lives in Lisbon" });
  assert.deepEqual(await as("ada").query(ref("workingMemory"), { resourceId: "ada", threadId: "t1" }), {
    resource: "# Ada\n- lives in Lisbon",
    thread: "# Thread\n- likes trains",
  });
  // Naming bob's thread under ada's resource reads no thread memory.
  assert.deepEqual(await as("ada").query(ref("workingMemory"), { resourceId: "ada", threadId: "t2" }), {
    resource: "# Ada\n- lives in Lisbon",
    thread: null,
  });
  assert.deepEqual(await as("bob").query(ref("workingMemory"), { resourceId: "bob" }), {
    resource: null,
    thread: null,
  });
});

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const assertType = <T extends true>(_: T): void => {};

Deno.test("the app entry's written-out shapes are the component validators' types", () => {
  assertType<Equals<Types.AppThread, Infer<typeof appThreadValidator>>>(true);
  assertType<Equals<Types.AppMessage, Infer<typeof appMessageValidator>>>(true);
  assertType<Equals<Types.AppWorkingMemory, Infer<typeof appWorkingMemoryValidator>>>(true);
  assertType<Equals<Types.AppTask, Infer<typeof appTaskValidator>>>(true);
  assertType<Equals<Types.AppSuspendedRun, Infer<typeof appSuspendedRunValidator>>>(true);
  // `components.mastra` of an app's generated API fits what mastraAppQueries takes.
  assertType<ComponentApi<"mastra"> extends Types.MastraUiComponent ? true : false>(true);
});

Deno.test("activity: a run suspended on the thread (agent approval) without its internal stream state", async () => {
  const { storage, as, ref } = setup();
  await storage.saveThread({ thread: { id: "t1", resourceId: "ada", title: "Chat", createdAt: 1 } });
  const workflows = (await storage.getStore("workflows"))!;
  // The shape of an agent run suspended for a tool approval: the thread is in the stream state Mastra keeps.
  const snapshot = {
    runId: "agent-run",
    status: "suspended",
    value: {},
    context: {
      input: {},
      "tool-approval": {
        status: "suspended",
        suspendPayload: {
          toolName: "pay",
          args: { amount: 42 },
          __streamState: { messageList: { memoryInfo: { threadId: "t1", resourceId: "someone" } } },
        },
      },
    },
    activePaths: [],
    serializedStepGraph: [],
    suspendedPaths: { "tool-approval": [0] },
    waitingPaths: {},
    resumeLabels: {},
    timestamp: 5,
  };
  await workflows.persistWorkflowSnapshot({
    workflowName: "agentic-loop",
    runId: "agent-run",
    snapshot: snapshot as never,
  });
  const activity = await as("ada").query(ref("activity"), { threadId: "t1" });
  assert.equal(activity.waiting.length, 1);
  assert.equal(activity.waiting[0].threadId, "t1");
  assert.deepEqual(
    activity.waiting[0].steps.map((s: { stepId: string; payload: string }) => decodePayload(s.payload)),
    [
      { toolName: "pay", args: { amount: 42 } },
    ],
  );
});

Deno.test("messages: content stored in pieces comes without parts and flagged", async () => {
  const { storage, as, ref } = setup();
  await storage.saveThread({ thread: { id: "t1", resourceId: "ada", title: "Big", createdAt: 1 } });
  const big = "x".repeat(300 * 1024);
  await storage.saveMessage({
    message: { id: "m1", threadId: "t1", resourceId: "ada", type: "user", content: big, createdAt: 2 },
  });
  const page = await as("ada").query(ref("messages"), {
    threadId: "t1",
    paginationOpts: { numItems: 5, cursor: null },
  });
  assert.equal(page.page[0].content, null);
  const message = toMastraMessage(page.page[0]);
  assert.equal(message.contentStoredInPieces, true);
  assert.deepEqual(message.content, { format: 2, parts: [] });
  // ConvexStorage reads it whole.
  const memory = (await storage.getStore("memory"))!;
  const [full] = (await memory.listMessagesById({ messageIds: ["m1"] })).messages;
  assert.equal((full.content as { content?: string }).content, big);
});
