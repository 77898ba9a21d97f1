/**
 * The knowledge domain beyond the differential property test: races from
 * several servers on one deployment (outbox claims have exactly one winner
 * each and keep each document's order; racing creates of one node leave
 * one node), claim timeouts on the server's clock, and bad input.
 */
import assert from "node:assert/strict";
import { ErrorCategory, MastraError } from "@mastra/core/error";
import { KnowledgeConflictError, type KnowledgeStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";

const ORG = ["org:o"];
const RES = ["org:o", "resource:r"];

async function servers(count: number): Promise<KnowledgeStorage[]> {
  const backend = createBackend();
  return await Promise.all(
    Array.from(
      { length: count },
      async () => (await new ConvexStorage({ client: inProcessClient(backend) }).getStore("knowledge"))!,
    ),
  );
}

Deno.test("knowledge: outbox claims from three workers racing have one winner each, in order per document", async () => {
  const [a, b, c] = await servers(3);
  for (let i = 0; i < 30; i++) await a.createNode({ id: `n${i}`, name: `Node ${i}`, kind: "k", scope: ORG });
  // A second entry of n0's document: claimable only once the first is completed.
  await a.updateNode({ id: "n0", version: 1, content: "more" });
  const claimedBy = new Map<string, string[]>();
  const claimAll = async (store: KnowledgeStorage, worker: string) => {
    for (;;) {
      const batch = await store.claimSemanticOutbox({ workerId: worker, limit: 4 });
      if (batch.length === 0) return;
      for (const entry of batch) claimedBy.set(entry.id, [...(claimedBy.get(entry.id) ?? []), worker]);
    }
  };
  await Promise.all([claimAll(a, "w1"), claimAll(b, "w2"), claimAll(c, "w3"), claimAll(a, "w4")]);
  assert.equal(claimedBy.size, 30, "every head entry claimed; n0's update waits behind its create");
  assert.ok([...claimedBy.values()].every((workers) => workers.length === 1), "one winner per entry");
  const processing = await b.listSemanticOutbox({ status: "processing" });
  assert.equal(processing.length, 30);
  const n0 = processing.find((entry) => entry.documentId === "knowledge:node:n0")!;
  await a.completeSemanticOutbox({ ids: [n0.id], workerId: "someone else" });
  assert.deepEqual(await c.claimSemanticOutbox({ workerId: "w5" }), [], "not completed by its claimer");
  await a.completeSemanticOutbox({ ids: [n0.id], workerId: n0.claimedBy! });
  const next = await c.claimSemanticOutbox({ workerId: "w5" });
  assert.deepEqual(next.map((entry) => entry.idempotencyKey), ["knowledge:node:n0:upsert:2"]);
});

Deno.test("knowledge: racing creates of one node from three servers leave one node", async () => {
  const stores = await servers(3);
  const created = await Promise.all(
    Array.from(
      { length: 12 },
      (_, i) => stores[i % 3].createNode({ id: `c${i}`, name: i % 2 ? " Ada " : "ada", kind: "person", scope: RES }),
    ),
  );
  assert.equal(new Set(created.map((node) => node.id)).size, 1);
  const listed = await stores[1].listNodes({ scope: RES });
  assert.deepEqual(listed.map((node) => node.id), [created[0].id]);
  assert.equal((await stores[2].listSemanticOutbox()).length, 1);
});

Deno.test("knowledge: claim timeouts are decided on the server's clock; a stale version is core's conflict error", async () => {
  const [a, b] = await servers(2);
  await a.createNode({ id: "n", name: "N", kind: "k", scope: ORG });
  const before = Date.now();
  const [first] = await a.claimSemanticOutbox({ workerId: "w1" });
  assert.ok(first.claimedAt!.getTime() >= before - 1000 && first.claimedAt!.getTime() <= Date.now() + 1000);
  assert.deepEqual(await b.claimSemanticOutbox({ workerId: "w2" }), [], "claimed a moment ago: not timed out");
  const [again] = await b.claimSemanticOutbox({ workerId: "w2", claimTimeoutMs: 0 });
  assert.equal(again.id, first.id);
  assert.equal(again.attempts, 2);
  assert.equal(again.claimedBy, "w2");
  await assert.rejects(a.updateNode({ id: "n", version: 7, name: "M" }), KnowledgeConflictError);
  assert.equal((await a.getNode("n"))?.name, "N");
});

Deno.test("knowledge: bad input gets a MastraError naming the operation and changes nothing", async () => {
  const [store] = await servers(1);
  await store.createNode({ id: "n", name: "N", kind: "k", scope: RES });
  const outbox = await store.listSemanticOutbox();
  const activity = await store.listActivity({ scope: RES });
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ["updateNode", () => store.updateNode({ id: "n", version: 1, description: "x".repeat(401) }), /400 UTF-16/],
    ["createNode", () => store.createNode({ name: "T", kind: "k", scope: ["thread:t"] }), /requires resource/],
    ["createNode", () => store.createNode({ name: "T", kind: "k", scope: "org:o" as never }), /array/],
    ["mergeNodes", () => store.mergeNodes({ sourceId: "n", targetId: "n", sourceVersion: 1 }), /into itself/],
    ["listNodes", () => store.listNodes({ scope: RES, limit: -1 }), /limit/],
    ["listNodes", () => store.listNodes({ scope: RES, cursor: "garbage" }), /cursor/],
    [
      "appendKnowledge",
      () =>
        store.appendKnowledge({
          node: "n",
          text: "t",
          scope: RES,
          maxScope: "thread",
          sourceThreadId: "s",
          resolutionScope: RES,
          defaultScope: RES,
        }),
      /ceiling/,
    ],
    ["removeKnowledge", () => store.removeKnowledge({ id: "missing", deletedBy: "u" }), /not found/],
    [
      "appendKnowledge",
      () =>
        store.appendKnowledge({
          node: "n",
          text: "é".repeat(600_000),
          scope: RES,
          sourceThreadId: "s",
          resolutionScope: RES,
          defaultScope: RES,
        }),
      /one Convex document holds at most/,
    ],
  ];
  for (const [operation, call, cause] of cases) {
    const error = await call().then(() => null, (e) => e);
    assert.ok(error instanceof MastraError, `${operation}: ${error}`);
    assert.equal(error.category, ErrorCategory.USER, `${operation}: ${error.message}`);
    assert.match(error.message, new RegExp(`ConvexStorage\\.${operation} failed`));
    assert.match(error.message, cause);
  }
  assert.equal((await store.getNode("n"))?.version, 1);
  assert.deepEqual(await store.listSemanticOutbox(), outbox);
  assert.deepEqual(await store.listActivity({ scope: RES }), activity);
});

Deno.test("knowledge: a claim or append whose answer is lost is retried and applies once; clearing empties the domain", async () => {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let drop: string | null = null;
  const client = {
    ...inner,
    mutation: async (path: `${string}:${string}`, args: Record<string, unknown>) => {
      const answer = await inner.mutation(path, args);
      if (drop === path) {
        drop = null;
        throw new TypeError("fetch failed: connection reset"); // the answer is lost after commit
      }
      return answer;
    },
  };
  const store = (await new ConvexStorage({ client, retry: { attempts: 3, baseDelayMs: 1 } }).getStore("knowledge"))!;
  await store.createNode({ id: "n", name: "N", kind: "k", scope: ORG });
  drop = "knowledge/records:append";
  const input = { node: "n", text: "t", scope: ORG, sourceThreadId: "s", resolutionScope: ORG, defaultScope: ORG };
  const record = await store.appendKnowledge(input);
  assert.deepEqual((await store.listKnowledgeAbout({ node: "n", scope: ORG })).records.map((r) => r.id), [record.id]);
  drop = "knowledge/outbox:claim";
  const claimed = await store.claimSemanticOutbox({ workerId: "w" });
  assert.equal(claimed.length, 2);
  assert.ok(claimed.every((entry) => entry.attempts === 1));
  assert.deepEqual(await store.claimSemanticOutbox({ workerId: "w2" }), []);
  await store.dangerouslyClearAll();
  assert.equal(await store.getNode("n"), null);
  assert.deepEqual(await store.listSemanticOutbox(), []);
  assert.deepEqual(await store.listActivity({ scope: ORG }), []);
});
