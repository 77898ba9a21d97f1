/**
 * A corpus of malformed and hostile inputs across every domain (memory
 * threads, resources and messages, workflows, scores, observability).
 *
 * Each case ends in exactly one of two ways:
 *
 * - **round-trip**: the value is stored and read back `deepStrictEqual` to
 *   what was written (keys starting with `$` or `_`, non-ASCII and empty
 *   keys, `Date`, `undefined`, `NaN`, `±Infinity`, `-0`, `bigint`, bytes,
 *   nesting past Convex's depth 16, arrays past Convex's 8,192 items,
 *   strings over 1 MiB in stored values): our codec stores user values as
 *   JSON text, and values over 256 KiB go to chunked storage;
 * - **error**: a `MastraError` whose message names the operation
 *   (`ConvexStorage.<op>`) and the problem, and nothing is written
 *   (`measure(...).usage.documentsWritten === 0`): cyclic values, functions,
 *   symbols, nesting past the codec's 256 levels, empty or oversized ids
 *   (ids are index keys: at most 1,024 UTF-8 bytes, see `src/validate.ts`),
 *   wrong types, missing fields, unknown threads or spans, and 1 MiB+
 *   strings in fields that are not stored values (titles, names).
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { MastraDBMessage, StorageThreadType } from "@mastra/core/memory";
import type {
  MemoryStorage,
  ObservabilityStorage,
  ScoresStorage,
  StorageResourceType,
  WorkflowsStorage,
} from "@mastra/core/storage";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

const NOW = 1_700_000_000_000;
const at = new Date(NOW - 60_000);

type Stores = {
  memory: MemoryStorage;
  workflows: WorkflowsStorage;
  scores: ScoresStorage;
  observability: ObservabilityStorage;
};

/** A case whose value must come back exactly. `run` writes, reads back and returns both sides. */
type RoundTrip = {
  kind: "round-trip";
  name: string;
  run: (s: Stores) => Promise<{ actual: unknown; expected: unknown }>;
};
/** A case that must fail with a MastraError naming `operation` and matching `problem`, writing nothing. */
type Failure = {
  kind: "error";
  name: string;
  operation: string;
  problem: RegExp;
  call: (s: Stores) => Promise<unknown>;
};
type Case = (RoundTrip | Failure) & {
  /** Set while the expected outcome is not met yet; the step is skipped and the reason printed. */
  knownBug?: string;
};

// deno-lint-ignore no-explicit-any
const bad = (value: unknown): any => value;

// ---------------------------------------------------------------------------
// Hostile values

/** Keys Convex would refuse as field names, plus keys that collide with our codec's tags. */
function hostileKeys(): Record<string, unknown> {
  const value: Record<string, unknown> = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $ref: "#/definitions/x",
    _id: "not-a-convex-id",
    _creationTime: 5,
    "": "empty key",
    "ключ": "значение",
    "日本語": "テキスト",
    "emoji 🎉": "🎉",
    "a.b": 1,
    "with space": 2,
    "~t": "Date",
    "~~x": { "~t": "bigint", v: "1" },
    nested: { $defs: { _private: [{ $id: 1 }] } },
  };
  // A data key named "__proto__" (not the prototype).
  Object.defineProperty(value, "__proto__", { value: { polluted: true }, enumerable: true, writable: true });
  return value;
}

/** Every JavaScript value JSON cannot express that our codec keeps. */
function specialValues(): Record<string, unknown> {
  return {
    date: new Date(0),
    dates: [new Date(NOW), new Date(-1)],
    undef: undefined,
    arrayWithHoles: [undefined, null, undefined],
    nan: NaN,
    inf: Infinity,
    negInf: -Infinity,
    negZero: -0,
    big: 123456789012345678901234567890n,
    negBig: -5n,
    bytes: new Uint8Array([0, 1, 254, 255]),
    maxSafe: Number.MAX_SAFE_INTEGER,
    tiny: Number.MIN_VALUE,
  };
}

/** `{ a: { a: ... { leaf: true } } }`, `depth` objects deep. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

/** A string with 1-, 2-, 3- and 4-byte UTF-8 characters, `size` characters long. */
function mixedText(size: number): string {
  const unit = "abcé€𝄞 ключ $schema _id\n";
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
const cyclicArray: unknown[] = [1];
cyclicArray.push(cyclicArray);

const MiB = 1024 * 1024;
const bigText = mixedText(1.5 * MiB);
const tenKB = "k".repeat(10 * 1024);

// ---------------------------------------------------------------------------
// Builders

let serial = 0;
const unique = (prefix: string) => `${prefix}-${++serial}`;

function thread(id: string, extra: Partial<StorageThreadType> = {}): StorageThreadType {
  return { id, resourceId: "res-corpus", title: "T", createdAt: at, updatedAt: at, ...extra };
}

/** Saves a thread and reads it back. */
function threadRoundTrip(name: string, extra: Partial<StorageThreadType>, id = unique("thread")): RoundTrip {
  return {
    kind: "round-trip",
    name,
    run: async ({ memory }) => {
      const written = thread(id, extra);
      await memory.saveThread({ thread: written });
      return { actual: await memory.getThreadById({ threadId: id }), expected: written };
    },
  };
}

/** Saves a resource and reads it back. */
function resourceRoundTrip(name: string, extra: Partial<StorageResourceType>): RoundTrip {
  return {
    kind: "round-trip",
    name,
    run: async ({ memory }) => {
      const id = unique("resource");
      const written: StorageResourceType = { id, createdAt: at, updatedAt: at, ...extra };
      await memory.saveResource({ resource: written });
      return { actual: await memory.getResourceById({ resourceId: id }), expected: written };
    },
  };
}

function message(id: string, threadId: string, content: unknown): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId: "res-corpus",
    role: "user",
    type: "text",
    createdAt: at,
    content,
  } as MastraDBMessage;
}

/** Saves one message with `content` into a fresh (or given, possibly unknown) thread and lists it back. */
function messageRoundTrip(name: string, content: unknown, options: { saveThread?: boolean } = {}): RoundTrip {
  return {
    kind: "round-trip",
    name,
    run: async ({ memory }) => {
      const threadId = unique("msg-thread");
      if (options.saveThread !== false) await memory.saveThread({ thread: thread(threadId) });
      const written = message(unique("msg"), threadId, content);
      await memory.saveMessages({ messages: [written] });
      const { messages, total } = await memory.listMessages({ threadId });
      return { actual: { messages, total }, expected: { messages: [written], total: 1 } };
    },
  };
}

function snapshot(runId: string, extra: Record<string, unknown> = {}): WorkflowRunState {
  return {
    runId,
    status: "running",
    value: {},
    context: {},
    activePaths: [],
    activeStepsPath: {},
    serializedStepGraph: [],
    suspendedPaths: {},
    resumeLabels: {},
    waitingPaths: {},
    timestamp: NOW,
    ...extra,
  } as unknown as WorkflowRunState;
}

/** Persists a snapshot and loads it back. */
function workflowRoundTrip(name: string, extra: Record<string, unknown>, workflowName = "wf-corpus"): RoundTrip {
  return {
    kind: "round-trip",
    name,
    run: async ({ workflows }) => {
      const runId = unique("run");
      const written = snapshot(runId, extra);
      await workflows.persistWorkflowSnapshot({ workflowName, runId, snapshot: written });
      return { actual: await workflows.loadWorkflowSnapshot({ workflowName, runId }), expected: written };
    },
  };
}

function score(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    scorerId: "scorer-corpus",
    entityId: "entity-corpus",
    entityType: "AGENT",
    runId: "run-corpus",
    source: "LIVE",
    score: 0.5,
    input: { q: "?" },
    output: { a: "!" },
    scorer: { id: "scorer-corpus" },
    entity: { id: "entity-corpus" },
    ...extra,
  };
}

/** Saves a score and reads it back by id. */
function scoreRoundTrip(name: string, extra: Record<string, unknown>): RoundTrip {
  return {
    kind: "round-trip",
    name,
    run: async ({ scores }) => {
      const id = unique("score");
      const written = score({ id, createdAt: at, ...extra });
      await scores.saveScore(bad(written));
      return {
        actual: await scores.getScoreById({ id }),
        expected: { ...written, createdAt: at, updatedAt: new Date(NOW) },
      };
    },
  };
}

function span(traceId: string, spanId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId,
    spanId,
    parentSpanId: null,
    name: "corpus span",
    spanType: "agent_run",
    isEvent: false,
    startedAt: at,
    endedAt: new Date(NOW - 1000),
    ...extra,
  };
}

/** Creates a span and reads it back. */
function spanRoundTrip(name: string, extra: Record<string, unknown>): RoundTrip {
  return {
    kind: "round-trip",
    name,
    run: async ({ observability }) => {
      const traceId = unique("trace");
      const written = span(traceId, "root", extra);
      await observability.createSpan({ span: bad(written) });
      const got = await observability.getSpan({ traceId, spanId: "root" });
      return {
        actual: got?.span,
        expected: { ...written, createdAt: new Date(NOW), updatedAt: new Date(NOW) },
      };
    },
  };
}

const fail = (
  name: string,
  operation: string,
  problem: RegExp,
  call: (s: Stores) => Promise<unknown>,
  knownBug?: string,
): Failure & { knownBug?: string } => ({ kind: "error", name, operation, problem, call, knownBug });

const ID_TOO_LONG = /at most 1024 bytes/;

// ---------------------------------------------------------------------------
// The corpus

const cases: Case[] = [
  // --- memory: threads
  threadRoundTrip("thread metadata with $/_ keys, non-ASCII, empty and tag-like keys", { metadata: hostileKeys() }),
  threadRoundTrip("thread metadata with Date, undefined, NaN, ±Infinity, -0, bigint, bytes", {
    metadata: specialValues(),
  }),
  threadRoundTrip("thread metadata nested 100 deep (Convex allows 16)", { metadata: nested(100) }),
  threadRoundTrip("thread metadata with a 10,000-item array (Convex allows 8,192)", {
    metadata: { items: Array.from({ length: 10_000 }, (_, i) => (i % 3 ? i : { i, at: new Date(i) })) },
  }),
  threadRoundTrip("thread metadata with a 1.5 MiB string (chunked storage)", { metadata: { big: bigText } }),
  threadRoundTrip("non-ASCII thread id and title", { title: "Заголовок 🎉 $x" }, "тред-🎉-$id-_x"),
  threadRoundTrip("thread id of exactly 1,024 bytes", {}, "i".repeat(1024)),
  threadRoundTrip("empty title and empty metadata", { title: "", metadata: {} }),
  fail(
    "thread metadata nested 300 deep",
    "saveThread",
    /nested deeper than 256 levels/,
    ({ memory }) => memory.saveThread({ thread: thread(unique("t"), { metadata: nested(300) }) }),
  ),
  fail(
    "cyclic thread metadata",
    "saveThread",
    /cyclic/,
    ({ memory }) => memory.saveThread({ thread: thread(unique("t"), { metadata: cyclic }) }),
  ),
  fail(
    "cyclic array in thread metadata",
    "saveThread",
    /cyclic structures cannot be stored at list\[1\]/,
    ({ memory }) => memory.saveThread({ thread: thread(unique("t"), { metadata: { list: cyclicArray } }) }),
  ),
  fail(
    "function in thread metadata",
    "saveThread",
    /functions cannot be stored at deep\.fn/,
    ({ memory }) => memory.saveThread({ thread: thread(unique("t"), { metadata: { deep: { fn: () => 1 } } }) }),
  ),
  fail(
    "symbol in thread metadata",
    "saveThread",
    /symbols cannot be stored at s/,
    ({ memory }) => memory.saveThread({ thread: thread(unique("t"), { metadata: { s: Symbol("x") } }) }),
  ),
  fail(
    "empty thread id",
    "saveThread",
    /thread\.id must be a non-empty string/,
    ({ memory }) => memory.saveThread({ thread: thread("") }),
  ),
  fail("10 KB thread id", "saveThread", ID_TOO_LONG, ({ memory }) => memory.saveThread({ thread: thread(tenKB) })),
  fail(
    "1 MiB thread id",
    "saveThread",
    ID_TOO_LONG,
    ({ memory }) => memory.saveThread({ thread: thread("x".repeat(MiB + 1)) }),
  ),
  fail(
    "10 KB thread resourceId",
    "saveThread",
    /thread\.resourceId is 10240 bytes/,
    ({ memory }) => memory.saveThread({ thread: thread(unique("t"), { resourceId: tenKB }) }),
  ),
  fail(
    "numeric thread id",
    "saveThread",
    /thread\.id must be a non-empty string, got number 7/,
    ({ memory }) => memory.saveThread({ thread: bad({ ...thread("x"), id: 7 }) }),
  ),
  fail(
    "thread without resourceId",
    "saveThread",
    /thread\.resourceId must be a string/,
    ({ memory }) => memory.saveThread({ thread: bad({ ...thread(unique("t")), resourceId: undefined }) }),
  ),
  fail(
    "thread is a string",
    "saveThread",
    /thread must be an object/,
    ({ memory }) => memory.saveThread({ thread: bad("thread") }),
  ),
  fail(
    "1.1 MiB title (not a stored value)",
    "saveThread",
    /bytes/,
    ({ memory }) => memory.saveThread({ thread: thread(unique("t"), { title: "x".repeat(1.1 * MiB) }) }),
  ),
  fail(
    "Date as thread id",
    "saveThread",
    /thread\.id must be a non-empty string, got an object/,
    ({ memory }) => memory.saveThread({ thread: bad({ ...thread("x"), id: new Date() }) }),
  ),
  fail(
    "unparseable createdAt",
    "saveThread",
    /thread\.createdAt must be a valid date/,
    ({ memory }) => memory.saveThread({ thread: bad({ ...thread(unique("t")), createdAt: "not a date" }) }),
  ),
  fail(
    "updateThread on an unknown thread",
    "updateThread",
    /not found/,
    ({ memory }) => memory.updateThread({ id: "no-such-thread", title: "x" }),
  ),
  fail(
    "cyclic metadata in updateThread",
    "updateThread",
    /cyclic/,
    ({ memory }) => memory.updateThread({ id: "existing", metadata: cyclic }),
  ),
  fail(
    "10 KB id in getThreadById",
    "getThreadById",
    ID_TOO_LONG,
    ({ memory }) => memory.getThreadById({ threadId: tenKB }),
  ),
  {
    kind: "round-trip",
    name: "updateThread merges hostile keys and special values into metadata",
    run: async ({ memory }) => {
      const id = unique("thread");
      await memory.saveThread({ thread: thread(id, { metadata: { kept: 1 } }) });
      await memory.updateThread({ id, metadata: { ...hostileKeys(), ...specialValues() } });
      const read = await memory.getThreadById({ threadId: id });
      return { actual: read?.metadata, expected: { kept: 1, ...hostileKeys(), ...specialValues() } };
    },
  },

  // --- memory: resources
  resourceRoundTrip("resource metadata with hostile keys and special values", {
    metadata: { ...hostileKeys(), ...specialValues() },
  }),
  resourceRoundTrip("2 MiB non-ASCII working memory (chunked storage)", { workingMemory: mixedText(2 * MiB) }),
  resourceRoundTrip("empty working memory", { workingMemory: "" }),
  {
    kind: "round-trip",
    name: "updateResource with 1.5 MiB working memory and special metadata",
    run: async ({ memory }) => {
      const id = unique("resource");
      await memory.updateResource({ resourceId: id, workingMemory: bigText, metadata: specialValues() });
      const read = await memory.getResourceById({ resourceId: id });
      return {
        actual: { workingMemory: read?.workingMemory, metadata: read?.metadata },
        expected: { workingMemory: bigText, metadata: specialValues() },
      };
    },
  },
  fail(
    "large working memory with cyclic metadata (nothing uploaded)",
    "updateResource",
    /cyclic/,
    ({ memory }) => memory.updateResource({ resourceId: unique("r"), workingMemory: bigText, metadata: cyclic }),
  ),
  fail(
    "numeric working memory",
    "updateResource",
    /workingMemory must be a string/,
    ({ memory }) => memory.updateResource({ resourceId: unique("r"), workingMemory: bad(42) }),
  ),
  fail(
    "10 KB resource id",
    "saveResource",
    ID_TOO_LONG,
    ({ memory }) => memory.saveResource({ resource: { id: tenKB, createdAt: at, updatedAt: at } }),
  ),
  fail(
    "function in resource metadata",
    "saveResource",
    /functions cannot be stored at f/,
    ({ memory }) =>
      memory.saveResource({ resource: { id: unique("r"), metadata: { f: () => 1 }, createdAt: at, updatedAt: at } }),
  ),
  fail(
    "null resourceId in updateResource",
    "updateResource",
    /resourceId must be a non-empty string/,
    ({ memory }) => memory.updateResource({ resourceId: bad(null) }),
  ),

  // --- memory: messages
  messageRoundTrip("message content with $schema tool payloads and _keys", {
    format: 2,
    parts: [{ type: "tool-invocation", toolInvocation: { args: hostileKeys() } }],
    metadata: { _internal: true, $meta: 1 },
  }),
  messageRoundTrip("message content with special values", { format: 2, parts: [], metadata: specialValues() }),
  messageRoundTrip("message content with 9,000 parts (Convex allows 8,192)", {
    format: 2,
    parts: Array.from({ length: 9000 }, (_, i) => ({ type: "text", text: `p${i}` })),
  }),
  messageRoundTrip("message content nested 200 deep", { format: 2, parts: [], metadata: nested(200) }),
  messageRoundTrip("message into a thread that does not exist (as core)", { format: 2, parts: [] }, {
    saveThread: false,
  }),
  messageRoundTrip("message with 1.5 MiB of text (chunked storage)", {
    format: 2,
    parts: [{ type: "text", text: bigText }],
  }),
  {
    kind: "round-trip",
    name: "listMessages of an unknown thread is empty",
    run: async ({ memory }) => {
      const { messages, total } = await memory.listMessages({ threadId: "no-such-thread" });
      return { actual: { messages, total }, expected: { messages: [], total: 0 } };
    },
  },
  fail(
    "messages is not an array",
    "saveMessages",
    /messages must be an array/,
    ({ memory }) => memory.saveMessages({ messages: bad({ id: "m" }) }),
  ),
  fail(
    "empty message id",
    "saveMessages",
    /message\.id must be a non-empty string/,
    ({ memory }) => memory.saveMessages({ messages: [message("", "t", { format: 2, parts: [] })] }),
  ),
  fail(
    "10 KB message id",
    "saveMessages",
    ID_TOO_LONG,
    ({ memory }) => memory.saveMessages({ messages: [message(tenKB, "t", { format: 2, parts: [] })] }),
  ),
  fail(
    "numeric threadId",
    "saveMessages",
    /threadId must be a non-empty string/,
    ({ memory }) => memory.saveMessages({ messages: [message(unique("m"), bad(12), { format: 2, parts: [] })] }),
  ),
  fail(
    "cyclic message content",
    "saveMessages",
    /cyclic/,
    ({ memory }) => memory.saveMessages({ messages: [message(unique("m"), "t", cyclic)] }),
  ),
  fail(
    "function in message content",
    "saveMessages",
    /functions cannot be stored/,
    ({ memory }) =>
      memory.saveMessages({ messages: [message(unique("m"), "t", { format: 2, parts: [{ run: () => 1 }] })] }),
  ),
  fail(
    "unparseable message createdAt",
    "saveMessages",
    /createdAt must be a valid date/,
    ({ memory }) => memory.saveMessages({ messages: [{ ...message(unique("m"), "t", {}), createdAt: bad("nope") }] }),
  ),
  fail("one bad message among good ones writes nothing", "saveMessages", /cyclic/, ({ memory }) =>
    memory.saveMessages({
      messages: [
        message(unique("m"), "t", { format: 2, parts: [] }),
        message(unique("m"), "t", { format: 2, parts: [], metadata: cyclic }),
      ],
    })),
  fail(
    "numeric resourceId on a message",
    "saveMessages",
    /resourceId must be a string/,
    ({ memory }) => memory.saveMessages({ messages: [{ ...message(unique("m"), "t", {}), resourceId: bad(5) }] }),
  ),
  fail(
    "empty threadId in listMessages",
    "listMessages",
    /threadId must be a non-empty string/,
    ({ memory }) => memory.listMessages({ threadId: "" }),
  ),
  fail(
    "10 KB message resourceId",
    "saveMessages",
    /resourceId is 10240 bytes/,
    ({ memory }) => memory.saveMessages({ messages: [{ ...message(unique("m"), "t", {}), resourceId: tenKB }] }),
  ),
  fail(
    "messageIds is a string in deleteMessages",
    "deleteMessages",
    /messageIds must be an array/,
    ({ memory }) => memory.deleteMessages(bad("abc")),
  ),
  fail(
    "numeric id in deleteMessages",
    "deleteMessages",
    /messageIds\[\d*\] must be a non-empty string/,
    ({ memory }) => memory.deleteMessages(bad([5])),
  ),

  // --- workflows
  workflowRoundTrip("snapshot with hostile keys and special values", {
    context: { step: { status: "success", output: { ...hostileKeys(), ...specialValues() } } },
  }),
  workflowRoundTrip("snapshot nested 150 deep with a 10,000-item array", {
    value: nested(150),
    activePaths: Array.from({ length: 10_000 }, (_, i) => i),
  }),
  workflowRoundTrip("non-ASCII workflow name and $-keys in the result", { result: { $x: 1 } }, "流れ-$wf_🎉"),
  workflowRoundTrip("snapshot with a 2 MiB output (chunked storage)", { result: { text: mixedText(2 * MiB) } }),
  fail("cyclic snapshot", "persistWorkflowSnapshot", /cyclic/, ({ workflows }) =>
    workflows.persistWorkflowSnapshot({
      workflowName: "wf",
      runId: unique("run"),
      snapshot: bad({ ...snapshot("x"), loop: cyclic }),
    })),
  fail(
    "function in snapshot",
    "persistWorkflowSnapshot",
    /functions cannot be stored at context\.f/,
    ({ workflows }) =>
      workflows.persistWorkflowSnapshot({
        workflowName: "wf",
        runId: unique("run"),
        snapshot: bad({ ...snapshot("x"), context: { f: () => 1 } }),
      }),
  ),
  fail(
    "numeric workflowName",
    "persistWorkflowSnapshot",
    /workflowName must be a string/,
    ({ workflows }) => workflows.persistWorkflowSnapshot({ workflowName: bad(1), runId: "r", snapshot: snapshot("r") }),
  ),
  fail(
    "missing runId",
    "loadWorkflowSnapshot",
    /runId must be a string/,
    ({ workflows }) => workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: bad(undefined) }),
  ),
  fail(
    "10 KB runId",
    "persistWorkflowSnapshot",
    ID_TOO_LONG,
    ({ workflows }) => workflows.persistWorkflowSnapshot({ workflowName: "wf", runId: tenKB, snapshot: snapshot("r") }),
  ),
  fail(
    "1 MiB workflow name",
    "persistWorkflowSnapshot",
    /bytes/,
    ({ workflows }) =>
      workflows.persistWorkflowSnapshot({ workflowName: "w".repeat(MiB), runId: "r", snapshot: snapshot("r") }),
  ),
  fail("cyclic step result", "updateWorkflowResults", /cyclic/, ({ workflows }) =>
    workflows.updateWorkflowResults({
      workflowName: "wf",
      runId: "r",
      stepId: "s",
      result: bad({ status: "success", output: cyclic }),
      requestContext: {},
    })),
  fail(
    "updateWorkflowState without opts",
    "updateWorkflowState",
    /opts must be an object/,
    ({ workflows }) => workflows.updateWorkflowState({ workflowName: "wf", runId: "r", opts: bad(null) }),
  ),

  // --- scores
  scoreRoundTrip("score with hostile keys and special values", {
    metadata: { ...hostileKeys(), ...specialValues() },
    additionalContext: { _ctx: [undefined, NaN] },
  }),
  scoreRoundTrip("score with non-ASCII ids", { scorerId: "評価-$s", entityId: "сущность_🎉", runId: "$run" }),
  scoreRoundTrip("score with a 1.5 MiB output (chunked storage)", { output: { text: bigText } }),
  fail("score is null", "saveScore", /score must be an object/, ({ scores }) => scores.saveScore(bad(null))),
  fail(
    "score without scorerId",
    "saveScore",
    /score\.scorerId must be a string/,
    ({ scores }) => scores.saveScore(bad(score({ scorerId: undefined }))),
  ),
  fail(
    "empty score id",
    "saveScore",
    /score\.id must be a non-empty string/,
    ({ scores }) => scores.saveScore(bad(score({ id: "" }))),
  ),
  fail("10 KB score id", "saveScore", ID_TOO_LONG, ({ scores }) => scores.saveScore(bad(score({ id: tenKB })))),
  fail(
    "10 KB entityId",
    "saveScore",
    ID_TOO_LONG,
    ({ scores }) => scores.saveScore(bad(score({ entityId: tenKB }))),
  ),
  fail(
    "10 KB traceId on a score",
    "saveScore",
    /traceId is 10240 bytes/,
    ({ scores }) => scores.saveScore(bad(score({ traceId: tenKB, spanId: "s" }))),
  ),
  fail(
    "cyclic score metadata",
    "saveScore",
    /cyclic/,
    ({ scores }) => scores.saveScore(bad(score({ metadata: cyclic }))),
  ),
  fail(
    "numeric organizationId",
    "saveScore",
    /score\.organizationId must be a string or null/,
    ({ scores }) => scores.saveScore(bad(score({ organizationId: 5 }))),
  ),
  fail(
    "numeric runId in listScoresByRunId",
    "listScoresByRunId",
    /runId must be a string/,
    ({ scores }) => scores.listScoresByRunId({ runId: bad(5), pagination: { page: 0, perPage: 10 } }),
  ),

  // --- observability
  spanRoundTrip("span attributes and metadata with hostile keys and special values", {
    attributes: hostileKeys(),
    metadata: specialValues(),
    input: { messages: [{ role: "user", content: "hi", _meta: { $x: 1 } }] },
    output: { deep: nested(120), list: Array.from({ length: 9000 }, (_, i) => i) },
  }),
  fail(
    "span without spanId",
    "createSpan",
    /Span ID is required/,
    ({ observability }) => observability.createSpan({ span: bad(span("t", "")) }),
  ),
  fail(
    "10 KB span id",
    "createSpan",
    ID_TOO_LONG,
    ({ observability }) => observability.createSpan({ span: bad(span("t", tenKB)) }),
  ),
  fail(
    "span with an unparseable startedAt",
    "createSpan",
    /span\.startedAt must be a valid date/,
    ({ observability }) => observability.createSpan({ span: bad(span("t", "s", { startedAt: "soon" })) }),
  ),
  fail(
    "cyclic span attributes",
    "createSpan",
    /cyclic/,
    ({ observability }) => observability.createSpan({ span: bad(span("t", "s", { attributes: cyclic })) }),
  ),
  fail(
    "span with a 1.1 MiB output (spans are single documents)",
    "createSpan",
    /bytes/,
    ({ observability }) =>
      observability.createSpan({ span: bad(span(unique("trace"), "s", { output: "z".repeat(1.1 * MiB) })) }),
  ),
  fail(
    "batchCreateSpans without records",
    "batchCreateSpans",
    /records must be an array/,
    ({ observability }) => observability.batchCreateSpans(bad({})),
  ),
  fail(
    "batchUpdateSpans with a non-array",
    "batchUpdateSpans",
    /records must be an array/,
    ({ observability }) => observability.batchUpdateSpans(bad({ records: "x" })),
  ),
  fail(
    "updateSpan of an unknown span",
    "updateSpan",
    /not found|does not exist|unknown/i,
    ({ observability }) => observability.updateSpan({ traceId: "no-trace", spanId: "no-span", updates: { name: "x" } }),
  ),
  fail(
    "numeric traceId in getSpan",
    "getSpan",
    /traceId must be a string/,
    ({ observability }) => observability.getSpan({ traceId: bad(3), spanId: "s" }),
  ),
];

Deno.test("bad input corpus: every case round-trips exactly or fails clearly writing nothing", async (t) => {
  const { storage } = createTestStorage({ now: () => NOW });
  const stores: Stores = {
    memory: (await storage.getStore("memory"))!,
    workflows: (await storage.getStore("workflows"))!,
    scores: (await storage.getStore("scores"))!,
    observability: (await storage.getStore("observability"))!,
  };
  await stores.memory.saveThread({ thread: thread("existing") });
  const outcome = { "round-trip": 0, error: 0, knownBug: 0 };
  for (const item of cases) {
    const ignore = item.knownBug !== undefined;
    await t.step({
      name: `${item.kind}: ${item.name}`,
      ignore,
      fn: async () => {
        if (item.kind === "round-trip") {
          const { actual, expected } = await item.run(stores);
          assert.deepStrictEqual(actual, expected, item.name);
          return;
        }
        const { result, usage } = await measure(async () => {
          try {
            await item.call(stores);
            return undefined;
          } catch (error) {
            return error;
          }
        });
        assert.ok(result instanceof MastraError, `${item.name}: expected a MastraError, got ${result}`);
        assert.match(result.message, new RegExp(`ConvexStorage\\.${item.operation} failed`), item.name);
        assert.match(result.message, item.problem, `${item.name}: ${result.message.slice(0, 300)}`);
        assert.equal(usage.documentsWritten, 0, `${item.name}: wrote ${usage.documentsWritten} documents`);
        // Clear also means readable: a 10 KB id or a 1 MiB value is never quoted whole.
        assert.ok(result.message.length <= 2000, `${item.name}: message of ${result.message.length} characters`);
      },
    });
    if (ignore) outcome.knownBug++;
    else outcome[item.kind]++;
  }
  console.log(
    `bad input corpus: ${cases.length} cases: ${outcome["round-trip"]} round-trip, ${outcome.error} error, ` +
      `${outcome.knownBug} known bugs skipped`,
  );
  for (const item of cases) if (item.knownBug) console.log(`  known bug: ${item.name}: ${item.knownBug}`);
});
