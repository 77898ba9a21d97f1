/**
 * Integrity class 9: every argument a user passes is checked on the
 * client; a wrong type is a USER `MastraError` naming the argument, and
 * nothing reaches Convex's validator (no call is sent at all).
 */
import assert from "node:assert/strict";
import { ErrorCategory, MastraError } from "@mastra/core/error";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { ConvexStorage } from "../src/storage.ts";
import { type ConvexClientLike, TransientError } from "../src/transport.ts";

// deno-lint-ignore no-explicit-any
type AnyStore = any;
type Case = [name: string, argument: RegExp, call: (stores: Record<string, AnyStore>) => Promise<unknown>];

const cases: Case[] = [
  ["listThreads filter.resourceId", /filter\.resourceId/, (s) => s.memory.listThreads({ filter: { resourceId: 5 } })],
  ["listThreads filter.metadata", /filter\.metadata/, (s) => s.memory.listThreads({ filter: { metadata: "x" } })],
  ["listThreads filter", /filter/, (s) => s.memory.listThreads({ filter: 7 })],
  ["listMessages threadId", /threadId/, (s) => s.memory.listMessages({ threadId: 5 })],
  ["listMessages resourceId", /resourceId/, (s) => s.memory.listMessages({ threadId: "t", resourceId: 5 })],
  ["listMessages include", /include/, (s) => s.memory.listMessages({ threadId: "t", include: "m1" })],
  [
    "listMessages include[0].id",
    /include\[0\]\.id/,
    (s) => s.memory.listMessages({ threadId: "t", include: [{ id: 5 }] }),
  ],
  [
    "listMessages filter.dateRange.start",
    /dateRange\.start/,
    (s) => s.memory.listMessages({ threadId: "t", filter: { dateRange: { start: "not a date" } } }),
  ],
  ["listMessagesById messageIds", /messageIds/, (s) => s.memory.listMessagesById({ messageIds: "m1" })],
  ["listMessagesById messageIds[1]", /messageIds\[1\]/, (s) => s.memory.listMessagesById({ messageIds: ["m1", 5] })],
  ["listMessagesByResourceId resourceId", /resourceId/, (s) => s.memory.listMessagesByResourceId({ resourceId: 5 })],
  ["deleteMessages ids", /messageIds|ids/, (s) => s.memory.deleteMessages("m1")],
  ["deleteMessages ids[1]", /\[1\]/, (s) => s.memory.deleteMessages(["m1", 5])],
  ["updateMessages messages", /messages/, (s) => s.memory.updateMessages({ messages: "m1" })],
  ["updateResource metadata", /metadata/, (s) => s.memory.updateResource({ resourceId: "r", metadata: 5 })],
  ["updateThread title", /title/, (s) => s.memory.updateThread({ id: "t", title: 5, metadata: {} })],
  ["copyThread sourceThreadId", /sourceThreadId/, (s) => s.memory.copyThread({ sourceThreadId: 5 })],
  ["listWorkflowRuns workflowName", /workflowName/, (s) => s.workflows.listWorkflowRuns({ workflowName: 5 })],
  ["listWorkflowRuns resourceId", /resourceId/, (s) => s.workflows.listWorkflowRuns({ resourceId: 5 })],
  ["listWorkflowRuns status", /status/, (s) => s.workflows.listWorkflowRuns({ status: 5 })],
  ["listWorkflowRuns fromDate", /fromDate/, (s) => s.workflows.listWorkflowRuns({ fromDate: "nope" })],
  ["getWorkflowRunById runId", /runId/, (s) => s.workflows.getWorkflowRunById({ runId: 5 })],
  [
    "getWorkflowRunById workflowName",
    /workflowName/,
    (s) => s.workflows.getWorkflowRunById({ runId: "r", workflowName: 5 }),
  ],
  [
    "loadWorkflowSnapshot workflowName",
    /workflowName/,
    (s) => s.workflows.loadWorkflowSnapshot({ workflowName: 5, runId: "r" }),
  ],
  ["deleteWorkflowRunById runId", /runId/, (s) => s.workflows.deleteWorkflowRunById({ workflowName: "w", runId: 5 })],
  ["getScoreById id", /id/, (s) => s.scores.getScoreById({ id: 5 })],
  [
    "listScoresByScorerId scorerId",
    /scorerId/,
    (s) => s.scores.listScoresByScorerId({ scorerId: 5, pagination: { page: 0, perPage: 10 } }),
  ],
  [
    "listScoresByRunId runId",
    /runId/,
    (s) => s.scores.listScoresByRunId({ runId: 5, pagination: { page: 0, perPage: 10 } }),
  ],
  [
    "listScoresByEntityId entityType",
    /entityType/,
    (s) => s.scores.listScoresByEntityId({ entityId: "e", entityType: 5, pagination: { page: 0, perPage: 10 } }),
  ],
  ["getTrace traceId", /traceId/, (s) => s.observability.getTrace({ traceId: 5 })],
  ["getSpan spanId", /spanId/, (s) => s.observability.getSpan({ traceId: "t", spanId: 5 })],
];

Deno.test("integrity 9: wrong argument types are refused on the client as USER errors naming the argument", async () => {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let sent: string[] = [];
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => {
      sent.push(path);
      return inner.query(path, args);
    },
    mutation: (path, args, options) => {
      sent.push(path);
      return inner.mutation(path, args, options);
    },
  };
  const storage = new ConvexStorage({ client });
  await storage.init();
  const stores: Record<string, AnyStore> = {};
  for (const name of ["memory", "workflows", "scores", "observability"]) {
    stores[name] = await storage.getStore(name as "memory");
  }
  const failures: string[] = [];
  for (const [name, argument, call] of cases) {
    sent = [];
    const error = await call(stores).then(() => undefined, (e) => e);
    const problem = !(error instanceof MastraError)
      ? `no MastraError (${error === undefined ? "succeeded" : String(error)})`
      : error.category !== ErrorCategory.USER
      ? `category ${error.category}: ${error.message}`
      : !argument.test(error.message)
      ? `message does not name the argument: ${error.message}`
      : /validator/i.test(error.message)
      ? `reached Convex's validator: ${error.message}`
      : sent.length > 0
      ? `sent ${sent.join(", ")} before refusing`
      : undefined;
    if (problem) failures.push(`${name}: ${problem}`);
  }
  assert.deepEqual(failures, []);
});

Deno.test("integrity 9: init errors for a bad key or an unreachable deployment say 'init failed' once", async () => {
  const failing = (error: () => Error): ConvexClientLike => ({
    query: () => Promise.reject(error()),
    mutation: () => Promise.reject(error()),
    action: () => Promise.reject(error()),
  });
  const cases: [string, () => Error][] = [
    ["BAD_ADMIN_KEY", () => new Error("BadAdminKey: The provided admin key was invalid for this instance")],
    [
      "UNREACHABLE",
      () => new TransientError("request to Convex failed: fetch failed", { cause: new TypeError("fetch failed") }),
    ],
  ];
  for (const [id, error] of cases) {
    const storage = new ConvexStorage({ client: failing(error), retry: { attempts: 1, baseDelayMs: 1 } });
    const failure = await storage.init().then(() => undefined, (e) => e);
    assert.ok(failure instanceof MastraError, String(failure));
    assert.equal(failure.id, `CONVEX_STORAGE_${id}`);
    assert.equal(failure.message.split("ConvexStorage.init failed").length - 1, 1, failure.message);
  }
});
