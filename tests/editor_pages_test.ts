/**
 * The editor's hot paths and guarantees on the in-process backend:
 * - resolving a stored agent (published or draft) is one call reading at
 *   most two documents;
 * - `listResolved` returns a page of records with their versions in one
 *   call, and entity lists page at any depth for about a page plus the rank
 *   tree, with exact totals, as the sorted model says;
 * - version rows far larger than one Convex document round-trip exactly;
 * - `getVersions` fetches a set of versions in one call.
 */
import assert from "node:assert/strict";
import type { AgentsStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

/** A storage over a fresh backend whose calls are counted. */
function countedStorage(): { storage: ConvexStorage; calls: () => number } {
  const inner = inProcessClient(createBackend());
  let calls = 0;
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => (calls++, inner.query(path, args)),
    mutation: (path, args, options) => (calls++, inner.mutation(path, args, options)),
    action: (path, args, options) => (calls++, inner.action(path, args, options)),
  };
  return { storage: new ConvexStorage({ client }), calls: () => calls };
}

const MODEL = { provider: "openai", name: "gpt-4o" };

Deno.test("resolving a stored agent is one call of at most two documents (published and draft)", async () => {
  const { storage, calls } = countedStorage();
  const agents = (await storage.getStore("agents")) as AgentsStorage;
  await agents.create({ agent: { id: "a", name: "v1", instructions: "one", model: MODEL } });
  const v1 = (await agents.getLatestVersion("a"))!;
  await agents.update({ id: "a", activeVersionId: v1.id, status: "published" });
  await agents.createVersion({
    id: "v2",
    agentId: "a",
    versionNumber: 2,
    name: "v2",
    instructions: "two",
    model: MODEL,
  });
  for (const [options, name] of [[{ status: "published" }, "v1"], [{ status: "draft" }, "v2"]] as const) {
    const before = calls();
    const { result, usage } = await measure(() => agents.getByIdResolved("a", options));
    assert.equal(result?.name, name, JSON.stringify(options));
    assert.equal(calls() - before, 1, "one round trip");
    assert.ok(usage.documentsRead <= 2, `${usage.documentsRead} documents read`);
  }
  const before = calls();
  const versions = await agents.getVersions([v1.id, "v2", "missing"]);
  assert.deepEqual(versions.map((version) => version.versionNumber).sort(), [1, 2]);
  assert.equal(calls() - before, 1, "getVersions: one round trip");
});

Deno.test("agent lists page at any depth for about a page of reads, in one call, exactly", async () => {
  const { storage, calls } = countedStorage();
  const agents = (await storage.getStore("agents")) as AgentsStorage;
  const N = 240;
  const model: { id: string; status: string; createdAt: number }[] = [];
  let clock = 1_750_000_000_000;
  const realNow = Date.now;
  Date.now = () => clock;
  try {
    for (let i = 0; i < N; i++) {
      clock += 1000;
      const id = `agent-${String(i).padStart(3, "0")}`;
      await agents.create({ agent: { id, name: id, instructions: "x".repeat(200), model: MODEL } });
      const published = i % 3 === 0;
      if (published) await agents.update({ id, status: "published" });
      model.push({ id, status: published ? "published" : "draft", createdAt: clock });
    }
  } finally {
    Date.now = realNow;
  }
  const perPage = 10;
  for (const status of [undefined, "published", "draft"] as const) {
    for (const direction of ["DESC", "ASC"] as const) {
      const ids = model.filter((row) => status === undefined || row.status === status)
        .sort((a, b) => direction === "ASC" ? a.createdAt - b.createdAt : b.createdAt - a.createdAt)
        .map((row) => row.id);
      const pages = Math.ceil(ids.length / perPage);
      for (const page of [0, Math.floor(pages / 2), pages - 1]) {
        for (const resolved of [false, true]) {
          const before = calls();
          const args = { page, perPage, status, orderBy: { field: "createdAt" as const, direction } };
          const { result, usage } = await measure(() => resolved ? agents.listResolved(args) : agents.list(args));
          const label = `${status} ${direction} page ${page} resolved=${resolved}`;
          assert.equal(result.total, ids.length, label);
          assert.deepEqual(
            result.agents.map((agent) => agent.id),
            ids.slice(page * perPage, (page + 1) * perPage),
            label,
          );
          if (resolved) assert.ok(result.agents.every((agent) => "instructions" in agent), label);
          assert.equal(calls() - before, 1, `${label}: one round trip`);
          const bound = (resolved ? 2 : 1) * perPage + 4 * Math.ceil(Math.log2(N)) + 20;
          assert.ok(usage.documentsRead <= bound, `${label}: ${usage.documentsRead} documents read (bound ${bound})`);
        }
      }
    }
  }
});

Deno.test("with a user's favorites pinned first, agent lists still page at any depth for about a page of reads", async () => {
  const { storage } = countedStorage();
  const agents = (await storage.getStore("agents")) as AgentsStorage;
  const favorites = (await storage.getStore("favorites"))!;
  const N = 200;
  const realNow = Date.now;
  let clock = 1_750_000_000_000;
  Date.now = () => clock;
  const ids: string[] = [];
  try {
    for (let i = 0; i < N; i++) {
      clock += 1000;
      ids.push(`agent-${String(i).padStart(3, "0")}`);
      await agents.create({ agent: { id: ids[i], name: ids[i], instructions: "x", model: MODEL } });
    }
    for (const i of [3, 50, 51, 120, 199]) {
      clock += 1000;
      await favorites.favorite({ userId: "u", entityType: "agent", entityId: ids[i] });
    }
  } finally {
    Date.now = realNow;
  }
  const favorite = new Set([3, 50, 51, 120, 199].map((i) => ids[i]));
  const perPage = 10;
  for (const direction of ["DESC", "ASC"] as const) {
    // Favorites first, each group by createdAt (favoriting moves updatedAt, not createdAt).
    const order = (list: string[]) => direction === "ASC" ? list : [...list].reverse();
    const expected = [...order(ids.filter((id) => favorite.has(id))), ...order(ids.filter((id) => !favorite.has(id)))];
    for (const page of [0, 1, 9, 19, 20]) {
      const { result, usage } = await measure(() =>
        agents.list({ page, perPage, pinFavoritedFor: "u", orderBy: { field: "createdAt", direction } })
      );
      const label = `${direction} page ${page}`;
      assert.equal(result.total, N, label);
      assert.deepEqual(result.agents.map((a) => a.id), expected.slice(page * perPage, (page + 1) * perPage), label);
      const bound = perPage + 4 * favorite.size + 20;
      assert.ok(usage.documentsRead <= bound, `${label}: ${usage.documentsRead} documents read (bound ${bound})`);
    }
  }
});

Deno.test("an agent's versions page at any depth for about a page of reads, exactly", async () => {
  const { storage, calls } = countedStorage();
  const agents = (await storage.getStore("agents")) as AgentsStorage;
  await agents.create({ agent: { id: "many", name: "v1", instructions: "1", model: MODEL } });
  const N = 200;
  for (let n = 2; n <= N; n++) {
    await agents.createVersion({
      id: `v${n}`,
      agentId: "many",
      versionNumber: n,
      name: `v${n}`,
      instructions: "x",
      model: MODEL,
    });
  }
  const perPage = 10;
  for (const direction of ["DESC", "ASC"] as const) {
    const numbers = Array.from({ length: N }, (_, i) => direction === "ASC" ? i + 1 : N - i);
    for (const page of [0, 7, 13, 19]) {
      const before = calls();
      const { result, usage } = await measure(() =>
        agents.listVersions({ agentId: "many", page, perPage, orderBy: { field: "versionNumber", direction } })
      );
      const label = `${direction} page ${page}`;
      assert.equal(result.total, N, label);
      assert.deepEqual(
        result.versions.map((v) => v.versionNumber),
        numbers.slice(page * perPage, (page + 1) * perPage),
      );
      assert.equal(calls() - before, 1, `${label}: one round trip`);
      const bound = perPage + 4 * Math.ceil(Math.log2(N)) + 10;
      assert.ok(usage.documentsRead <= bound, `${label}: ${usage.documentsRead} documents read (bound ${bound})`);
    }
  }
});

Deno.test("version rows far larger than one Convex document round-trip exactly", async () => {
  const { storage } = countedStorage();
  const agents = (await storage.getStore("agents")) as AgentsStorage;
  // 3 MB of instructions with characters of every UTF-8 width, keys Convex refuses, and dates.
  const instructions = "aé€😀".repeat(300_000);
  const tools = { $schema: { _private: [1, null, { deep: new Date(5) }] }, "": "empty key" };
  await agents.create({
    agent: { id: "big", name: "big", instructions, model: MODEL, tools: tools as never },
  });
  const latest = (await agents.getLatestVersion("big"))!;
  assert.equal(latest.instructions, instructions);
  assert.deepEqual(latest.tools, tools);
  const resolved = await agents.getByIdResolved("big", { status: "draft" });
  assert.equal(resolved?.instructions, instructions);
  const listed = await agents.listResolved({ status: "draft" });
  assert.equal(listed.agents[0].instructions, instructions);
  await agents.createVersion({ id: "big-2", agentId: "big", versionNumber: 2, name: "b2", instructions, model: MODEL });
  assert.equal((await agents.getVersion("big-2"))?.instructions, instructions);
  assert.equal((await agents.listVersions({ agentId: "big" })).versions[0].instructions, instructions);
  await agents.delete("big");
  assert.equal(await agents.getVersion("big-2"), null);
});

Deno.test("without their rank trees lists stay exact; a rebuild restores them; a delete of many versions is bounded", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const agents = (await storage.getStore("agents")) as AgentsStorage;
  await agents.create({ agent: { id: "many", name: "v1", instructions: "1", model: MODEL } });
  const N = 90;
  for (let n = 2; n <= N; n++) {
    await agents.createVersion({
      id: `v${n}`,
      agentId: "many",
      versionNumber: n,
      name: `v${n}`,
      instructions: "",
      model: MODEL,
    });
  }
  const page = async () => (await agents.listVersions({ agentId: "many", page: 4, perPage: 10 })).versions;
  const expected = Array.from({ length: 10 }, (_, i) => N - 40 - i);
  // As on a deployment whose rows predate the trees: no nodes, no coverage marks.
  await backend.run(async (ctx) => {
    for await (const node of ctx.db.query("rank_nodes")) {
      if (node.tree.startsWith("versioned:")) await ctx.db.delete(node._id);
    }
    for await (const counter of ctx.db.query("counters")) {
      if (counter.name.startsWith("coverage:versioned_")) await ctx.db.delete(counter._id);
    }
  });
  assert.deepEqual((await page()).map((v) => v.versionNumber), expected, "exact without trees (walked)");
  assert.equal((await agents.list()).total, 1);
  await storage.rebuildRankTrees();
  const { result, usage } = await measure(page);
  assert.deepEqual(result.map((v) => v.versionNumber), expected, "exact after the rebuild");
  assert.ok(usage.documentsRead <= 10 + 30, `${usage.documentsRead} documents read after the rebuild`);
  // 90 versions take several bounded calls to delete; nothing is left.
  await agents.delete("many");
  assert.equal(await agents.countVersions("many"), 0);
  assert.equal(await agents.getVersion("v50"), null);
  assert.equal((await agents.list()).total, 0);
});
