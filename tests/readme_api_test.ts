/**
 * The README's calls with the README's own example records: each save
 * returns what it was given, each read returns it again.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { createTestStorage } from "./helpers/backend.ts";

const T0 = 1_767_225_600_000; // 2026-01-01

const thread = {
  id: "thread-1",
  resourceId: "user-1",
  title: "Trip to Lisbon",
  metadata: { topic: "travel" },
  createdAt: T0,
  updatedAt: T0,
};
const userMessage = {
  id: "msg-1",
  threadId: "thread-1",
  resourceId: "user-1",
  type: "user" as const,
  content: "Find me a flight to Lisbon in May.",
  createdAt: T0 + 1,
};
const assistantMessage = {
  id: "msg-2",
  threadId: "thread-1",
  resourceId: "user-1",
  type: "assistant" as const,
  content: "Here are three options for May.",
  createdAt: new Date(T0 + 2),
};
const trace = {
  id: "trace-1",
  threadId: "thread-1",
  transportId: "transport-1",
  runId: "run-1",
  rootRunId: "run-1",
  spans: [{ name: "agent.generate", startTime: 0, endTime: 420 }],
  spanDurations: { "agent.generate": 420 },
  properties: { model: "gpt-4o-mini", $schema: "kept" },
  timestamp: T0 + 3,
};
const evalData = {
  id: "eval-1",
  threadId: "thread-1",
  agentName: "travel-agent",
  type: "live" as const,
  metadata: { scorer: "answer-relevancy" },
  data: { score: 0.92, input: "Find me a flight", output: "Here are three options" },
  createdAt: T0 + 4,
};
const workflowRun = {
  id: "run-1",
  workflowName: "book-trip",
  resourceId: "user-1",
  stateType: "suspended",
  state: { step: "confirm-booking", offer: { flight: "TP 1351", price: 142 } },
  createdAt: T0 + 5,
};

Deno.test("README calls: save returns what it was given; reads return it again", async () => {
  const { storage } = createTestStorage({ now: () => T0 + 100 });

  assert.equal(await storage.saveThread({ thread }), thread);
  assert.deepStrictEqual(await storage.getThreadById({ threadId: "thread-1" }), {
    ...thread,
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
  });

  assert.equal(await storage.saveMessage({ message: userMessage }), userMessage);
  assert.equal(await storage.saveMessage({ message: assistantMessage }), assistantMessage);
  const messages = await storage.getMessages({ threadId: "thread-1" });
  assert.deepStrictEqual(
    messages.map(({ message: _, ...rest }) => rest),
    [
      { ...userMessage, createdAt: new Date(T0 + 1) },
      { ...assistantMessage },
    ],
  );
  assert.equal(messages[0].message.role, "user");
  assert.deepStrictEqual(messages[0].message.content.parts, [{ type: "text", text: userMessage.content }]);
  // The same messages are Mastra's messages: Memory sees them.
  const memory = (await storage.getStore("memory"))!;
  const { messages: mastraMessages } = await memory.listMessages({ threadId: "thread-1" });
  assert.deepStrictEqual(mastraMessages.map((m) => m.id), ["msg-1", "msg-2"]);

  assert.equal(await storage.saveTrace({ trace }), trace);
  assert.deepStrictEqual(await storage.getTrace({ traceId: "trace-1" }), { ...trace, timestamp: new Date(T0 + 3) });
  assert.equal(await storage.getTrace({ traceId: "nope" }), null);

  assert.equal(await storage.saveEval({ evalData }), evalData);
  const evals = await storage.getEvals({ agentName: "travel-agent" });
  assert.deepStrictEqual(evals.evals, [{ ...evalData, createdAt: new Date(T0 + 4) }]);

  assert.equal(await storage.saveWorkflowRun({ workflowRun }), workflowRun);
  const runs = await storage.getWorkflowRuns({ workflowName: "book-trip" });
  assert.equal(runs.total, 1);
  const { updatedAt, ...run } = runs.runs[0];
  assert.ok(updatedAt instanceof Date);
  assert.deepStrictEqual(run, { ...workflowRun, createdAt: new Date(T0 + 5) });
  // It is a run of the workflows domain, with the README stateType as its status.
  const workflows = (await storage.getStore("workflows"))!;
  const stored = await workflows.getWorkflowRunById({ runId: "run-1", workflowName: "book-trip" });
  assert.equal(stored?.snapshot && typeof stored.snapshot === "object" ? stored.snapshot.status : null, "suspended");
});

Deno.test("README pagination: pages count from 0, totals and hasMore are exact, filters apply", async () => {
  const { storage } = createTestStorage();
  await storage.saveThread({ thread });
  for (let i = 0; i < 45; i++) {
    await storage.saveMessage({
      message: { ...userMessage, id: `m-${String(i).padStart(2, "0")}`, content: `#${i}`, createdAt: T0 + i },
    });
  }
  const first = await storage.getMessagesPaginated({ threadId: "thread-1", page: 0, perPage: 20 });
  assert.deepStrictEqual([first.total, first.page, first.perPage, first.hasMore], [45, 0, 20, true]);
  assert.equal(first.messages[0].content, "#0");
  const last = await storage.getMessagesPaginated({ threadId: "thread-1", page: 2, perPage: 20 });
  assert.deepStrictEqual([last.messages.length, last.hasMore, last.messages.at(-1)!.content], [5, false, "#44"]);

  for (let i = 0; i < 12; i++) {
    await storage.saveTrace({
      trace: {
        ...trace,
        id: `tr-${i}`,
        threadId: i % 2 ? "thread-1" : "thread-2",
        runId: `run-${i % 3}`,
        timestamp: T0 + i,
      },
    });
    await storage.saveEval({
      evalData: {
        ...evalData,
        id: `ev-${i}`,
        type: i % 3 ? "live" : "test",
        agentName: i % 2 ? "a" : "b",
        createdAt: T0 + i,
      },
    });
  }
  const traces = await storage.getTraces({ threadId: "thread-1", page: 1, perPage: 4 });
  assert.deepStrictEqual([traces.total, traces.hasMore, traces.traces.map((t) => t.id)], [6, false, ["tr-3", "tr-1"]]);
  const byRun = await storage.getTraces({ runId: "run-0" });
  assert.deepStrictEqual(byRun.traces.map((t) => t.id), ["tr-9", "tr-6", "tr-3", "tr-0"]);
  const both = await storage.getTraces({ threadId: "thread-1", runId: "run-0" });
  assert.deepStrictEqual([both.total, both.traces.map((t) => t.id)], [2, ["tr-9", "tr-3"]]);
  const liveA = await storage.getEvals({ agentName: "a", type: "live", perPage: 2 });
  assert.deepStrictEqual([liveA.total, liveA.hasMore, liveA.evals.map((e) => e.id)], [4, true, ["ev-11", "ev-7"]]);
  const tests = await storage.getEvals({ type: "test" });
  assert.deepStrictEqual(tests.evals.map((e) => e.id), ["ev-9", "ev-6", "ev-3", "ev-0"]);

  for (let i = 0; i < 5; i++) {
    await storage.saveWorkflowRun({ workflowRun: { ...workflowRun, id: `run-${i}`, createdAt: T0 + i * 1000 } });
  }
  const window = await storage.getWorkflowRuns({
    workflowName: "book-trip",
    fromDate: T0 + 1000,
    toDate: new Date(T0 + 3000),
    page: 0,
    perPage: 2,
  });
  assert.deepStrictEqual([window.total, window.hasMore, window.runs.map((r) => r.id)], [3, true, ["run-3", "run-2"]]);
});

Deno.test("README calls reject malformed records with a MastraError and write nothing", async () => {
  const { storage } = createTestStorage();
  // deno-lint-ignore no-explicit-any
  const bad = (value: unknown): any => value;
  const cases: [string, () => Promise<unknown>][] = [
    ["saveMessage", () => storage.saveMessage({ message: bad({ ...userMessage, type: "robot" }) })],
    ["saveMessage", () => storage.saveMessage({ message: bad({ ...userMessage, content: 5 }) })],
    ["saveEval", () => storage.saveEval({ evalData: bad({ ...evalData, type: "staging" }) })],
    ["saveTrace", () => storage.saveTrace({ trace: bad({ ...trace, timestamp: "soon" }) })],
    ["saveWorkflowRun", () => storage.saveWorkflowRun({ workflowRun: bad({ ...workflowRun, stateType: 1 }) })],
    ["getMessagesPaginated", () => storage.getMessagesPaginated({ threadId: "thread-1", page: -1 })],
    ["getEvals", () => storage.getEvals({ perPage: 0 })],
  ];
  for (const [operation, call] of cases) {
    await assert.rejects(
      call,
      (e: unknown) => e instanceof MastraError && e.message.includes(`ConvexStorage.${operation}`),
    );
  }
  assert.equal((await storage.getEvals()).total, 0);
  assert.equal((await storage.getTraces()).total, 0);
});
