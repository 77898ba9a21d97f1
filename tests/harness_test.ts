/**
 * The harness domain beyond the differential test: each change of a
 * session is one call; pending-item appends from two servers racing on one
 * session all survive (core's default read-modify-write loses some); a
 * retried change applies once; large sessions round-trip; bad input gets a
 * `MastraError` and changes nothing.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { HarnessPendingItemRecord, SessionRecord } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { countingClient } from "./helpers/counting.ts";
import { dropUndefined } from "./helpers/normalize.ts";

const at = new Date(1_700_000_000_000);
const session = (id: string): SessionRecord => ({
  id,
  ownerId: "o",
  resourceId: "r",
  threadId: "t",
  origin: "top-level",
  modeId: "build",
  modelId: "m",
  createdAt: at,
  lastActivityAt: at,
});
const item = (id: string): HarnessPendingItemRecord => ({
  id,
  kind: "question",
  status: "pending",
  sessionId: "s",
  createdAt: at,
  updatedAt: at,
  payload: { question: `q${id}` },
});

Deno.test("harness: item appends from two servers racing on one session all survive", async () => {
  const backend = createBackend();
  const servers = await Promise.all(
    [0, 1].map(async () => (await new ConvexStorage({ client: inProcessClient(backend) }).getStore("harness"))!),
  );
  await servers[0].saveSession(session("s"));
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => servers[i % 2].appendPendingItem("s", item(`i${i}`))),
  );
  const stored = await servers[1].loadSession("s");
  assert.deepEqual(stored?.pending?.map((p) => p.id).sort(), Array.from({ length: 20 }, (_, i) => `i${i}`).sort());
  // Concurrent updates and removals of different items do not undo each other either.
  await Promise.all([
    servers[0].updatePendingItem("s", "i0", { status: "responded", response: { ok: true } }),
    servers[1].removePendingItem("s", "i1"),
    servers[0].updateSession("s", { title: "racing" }),
    servers[1].updatePendingItem("s", "i2", { status: "canceled" }),
  ]);
  const after = (await servers[0].loadSession("s"))!;
  assert.equal(after.title, "racing");
  assert.equal(after.pending?.length, 19);
  assert.equal(after.pending?.find((p) => p.id === "i0")?.status, "responded");
  assert.equal(after.pending?.find((p) => p.id === "i2")?.status, "canceled");
  // Two servers appending the same item id: exactly one wins.
  const results = await Promise.allSettled([
    servers[0].appendPendingItem("s", item("dup")),
    servers[1].appendPendingItem("s", item("dup")),
  ]);
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
  assert.ok(refused.reason instanceof MastraError);
  assert.match(refused.reason.message, /appendPendingItem.*dup.*already exists/);
});

Deno.test("harness: each change is one call; a retried change (lost answer) applies once", async () => {
  const backend = createBackend();
  const counted = countingClient(inProcessClient(backend));
  let dropNext = false;
  const client = {
    ...counted.client,
    mutation: async (path: `${string}:${string}`, args: Record<string, unknown>, options?: unknown) => {
      const answer = await counted.client.mutation(path, args, options as never);
      if (dropNext && path === "harness/sessions:change") {
        dropNext = false;
        throw new TypeError("fetch failed: connection reset"); // the answer is lost after commit
      }
      return answer;
    },
  };
  const harness = (await new ConvexStorage({ client, retry: { attempts: 3, baseDelayMs: 1 } }).getStore("harness"))!;
  await harness.saveSession(session("s"));
  counted.calls.length = 0;
  await harness.appendPendingItem("s", item("a"));
  await harness.updatePendingItem("s", "a", { status: "responded" });
  await harness.removePendingItem("s", "a");
  await harness.updateSession("s", { title: "x" });
  assert.deepEqual(counted.calls, Array(4).fill("harness/sessions:change"));
  dropNext = true;
  const record = await harness.appendPendingItem("s", item("b"));
  assert.deepEqual(record.pending?.map((p) => p.id), ["b"]);
  assert.deepEqual((await harness.loadSession("s"))?.pending?.map((p) => p.id), ["b"]);
});

Deno.test("harness: a 3 MB session round-trips and its changes stay atomic", async () => {
  const harness = (await new ConvexStorage({ client: inProcessClient(createBackend()) }).getStore("harness"))!;
  const big = { ...session("big"), state: { blob: "é".repeat(1_500_000) } };
  await harness.saveSession(big);
  assert.deepStrictEqual((await harness.loadSession("big"))?.state, big.state);
  const appended = await harness.appendPendingItem("big", item("a"));
  assert.equal((appended.state as { blob: string }).blob.length, 1_500_000);
  assert.deepEqual((await harness.listSessions()).map((s) => [s.id, s.pending?.length]), [["big", 1]]);
});

Deno.test("harness: bad input gets a MastraError and changes nothing", async () => {
  const harness = (await new ConvexStorage({ client: inProcessClient(createBackend()) }).getStore("harness"))!;
  await harness.saveSession(session("s"));
  const cases: [string, () => Promise<unknown>][] = [
    ["saveSession", () => harness.saveSession(null as never)],
    ["saveSession", () => harness.saveSession({ ...session(""), title: "x" })],
    ["saveSession", () => harness.saveSession({ ...session("s"), pending: "no" as never })],
    ["saveSession", () => harness.saveSession({ ...session("s"), state: { f: () => 1 } })],
    ["updateSession", () => harness.updateSession("missing", { title: "x" })],
    ["updateSession", () => harness.updateSession("s", null as never)],
    ["appendPendingItem", () => harness.appendPendingItem("s", { ...item(""), kind: "question" })],
    ["updatePendingItem", () => harness.updatePendingItem("s", "nope", { status: "failed" })],
    ["removePendingItem", () => harness.removePendingItem("", "a")],
    ["loadSession", () => harness.loadSession(42 as never)],
  ];
  for (const [operation, call] of cases) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof MastraError, String(error));
      assert.equal(error.category, "USER", error.message);
      assert.match(error.message, new RegExp(`ConvexStorage\\.${operation} failed`));
      return true;
    });
  }
  assert.deepStrictEqual(dropUndefined(await harness.loadSession("s")), session("s"));
});

Deno.test("harness: 70 sessions list in first-saved order across pages; a re-saved session keeps its place", async () => {
  const backend = createBackend();
  const counted = countingClient(inProcessClient(backend));
  const harness = (await new ConvexStorage({ client: counted.client }).getStore("harness"))!;
  const ids = Array.from({ length: 70 }, (_, i) => `s${(i * 37) % 70}`);
  for (const id of ids) await harness.saveSession(session(id));
  await harness.saveSession({ ...session(ids[3]), title: "saved again" });
  counted.calls.length = 0;
  const listed = await harness.listSessions();
  assert.deepEqual(listed.map((s) => s.id), ids);
  assert.equal(listed[3].title, "saved again");
  assert.equal(counted.calls.length, 3);
});
