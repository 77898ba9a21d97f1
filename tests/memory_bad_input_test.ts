/**
 * Malformed arguments to the thread and resource methods: each ends in a
 * MastraError that names the operation and the problem, and writes nothing.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { MemoryStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
const now = new Date(1_700_000_000_000);
const thread = { id: "t1", resourceId: "r1", title: "T", createdAt: now, updatedAt: now };

// deno-lint-ignore no-explicit-any
type Call = (memory: MemoryStorage) => Promise<any>;
// deno-lint-ignore no-explicit-any
const bad = (value: unknown): any => value;

const cases: [name: string, operation: string, problem: RegExp, call: Call][] = [
  ["thread is null", "saveThread", /thread must be an object/, (m) => m.saveThread({ thread: bad(null) })],
  ["thread without id", "saveThread", /thread\.id/, (m) => m.saveThread({ thread: bad({ ...thread, id: undefined }) })],
  ["empty thread id", "saveThread", /thread\.id/, (m) => m.saveThread({ thread: { ...thread, id: "" } })],
  ["numeric thread id", "saveThread", /thread\.id/, (m) => m.saveThread({ thread: bad({ ...thread, id: 5 }) })],
  [
    "thread without resourceId",
    "saveThread",
    /thread\.resourceId/,
    (m) => m.saveThread({ thread: bad({ ...thread, resourceId: undefined }) }),
  ],
  ["numeric title", "saveThread", /thread\.title/, (m) => m.saveThread({ thread: bad({ ...thread, title: 5 }) })],
  [
    "array metadata",
    "saveThread",
    /thread\.metadata/,
    (m) => m.saveThread({ thread: bad({ ...thread, metadata: [1] }) }),
  ],
  [
    "string metadata",
    "saveThread",
    /thread\.metadata/,
    (m) => m.saveThread({ thread: bad({ ...thread, metadata: "x" }) }),
  ],
  ["cyclic metadata", "saveThread", /cyclic/, (m) => m.saveThread({ thread: { ...thread, metadata: cyclic } })],
  [
    "function in metadata",
    "saveThread",
    /functions cannot be stored at metadata\.f|functions cannot be stored at f/,
    (m) => m.saveThread({ thread: { ...thread, metadata: { f: () => 1 } } }),
  ],
  [
    "unparseable createdAt",
    "saveThread",
    /thread\.createdAt/,
    (m) => m.saveThread({ thread: bad({ ...thread, createdAt: "yesterday-ish" }) }),
  ],
  [
    "invalid Date",
    "saveThread",
    /thread\.updatedAt/,
    (m) => m.saveThread({ thread: { ...thread, updatedAt: new Date(NaN) } }),
  ],
  [
    "title over one document",
    "saveThread",
    /bytes/,
    (m) => m.saveThread({ thread: { ...thread, title: "x".repeat(1_100_000) } }),
  ],
  ["missing threadId", "getThreadById", /threadId/, (m) => m.getThreadById({ threadId: bad(undefined) })],
  ["empty update id", "updateThread", /id must be/, (m) => m.updateThread({ id: "", title: "x" })],
  ["numeric update title", "updateThread", /title/, (m) => m.updateThread({ id: "t1", title: bad(5) })],
  ["array update metadata", "updateThread", /metadata/, (m) => m.updateThread({ id: "t1", metadata: bad([]) })],
  ["unknown thread", "updateThread", /not found/, (m) => m.updateThread({ id: "nope", title: "x" })],
  ["null threadId", "deleteThread", /threadId/, (m) => m.deleteThread({ threadId: bad(null) })],
  ["negative page", "listThreads", /page/, (m) => m.listThreads({ page: -1 })],
  ["negative perPage", "listThreads", /perPage/, (m) => m.listThreads({ perPage: -1 })],
  ["fractional perPage", "listThreads", /perPage/, (m) => m.listThreads({ perPage: 1.5 })],
  ["page with perPage false", "listThreads", /page must be 0/, (m) => m.listThreads({ page: 2, perPage: false })],
  [
    "unsafe metadata filter key",
    "listThreads",
    /Invalid metadata key/,
    (m) => m.listThreads({ filter: { metadata: { "a b": 1 } } }),
  ],
  ["resource is null", "saveResource", /resource must be an object/, (m) => m.saveResource({ resource: bad(null) })],
  [
    "resource without id",
    "saveResource",
    /resource\.id/,
    (m) => m.saveResource({ resource: bad({ createdAt: now, updatedAt: now }) }),
  ],
  [
    "numeric working memory",
    "saveResource",
    /workingMemory/,
    (m) => m.saveResource({ resource: bad({ id: "r1", workingMemory: 5, createdAt: now, updatedAt: now }) }),
  ],
  ["empty resourceId", "updateResource", /resourceId/, (m) => m.updateResource({ resourceId: "" })],
  [
    "object working memory",
    "updateResource",
    /workingMemory/,
    (m) => m.updateResource({ resourceId: "r1", workingMemory: bad({}) }),
  ],
  [
    "cyclic resource metadata",
    "updateResource",
    /cyclic/,
    (m) => m.updateResource({ resourceId: "r1", metadata: cyclic }),
  ],
  ["missing resourceId", "getResourceById", /resourceId/, (m) => m.getResourceById({ resourceId: bad(undefined) })],
];

Deno.test("malformed thread and resource arguments fail clearly and write nothing", async (t) => {
  const { storage } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  await memory.saveThread({ thread: { ...thread, id: "existing" } });
  for (const [name, operation, problem, call] of cases) {
    await t.step(name, async () => {
      const { result, usage } = await measure(async () => {
        try {
          await call(memory);
          return undefined;
        } catch (error) {
          return error;
        }
      });
      assert.ok(result instanceof MastraError, `${name}: expected a MastraError, got ${result}`);
      assert.match(result.message, new RegExp(`ConvexStorage\\.${operation}`), name);
      assert.match(result.message, problem, name);
      assert.equal(usage.documentsWritten, 0, `${name}: wrote ${usage.documentsWritten} documents`);
    });
  }
  // The one valid thread is intact and alone.
  const { threads } = await memory.listThreads({});
  assert.deepEqual(threads.map((t) => t.id), ["existing"]);
  assert.equal(await memory.getResourceById({ resourceId: "r1" }), null);
});
