/**
 * Filtered editor lists page at any depth from their filter trees
 * (`convex/kit/versionedFacets.ts`): at a few thousand stored agents, a deep
 * page filtered by author, by visibility, by a metadata pair, by status and
 * author, by status, author and the server's scope pair (with and without a
 * user's favorites pinned first) is one call reading at most the page plus
 * 4·log2 N documents, with the exact total; a combination without a tree
 * (three metadata pairs) is still exact, through the walk; a record with
 * more metadata keys than are indexed turns that key's trees off, exactly.
 *
 * The agents are written straight into the tables (rows and counters, as the
 * API writes them) and their trees built by the trees' own writer
 * (`tasks/bench/rankSeed.ts`, as a rebuild does): seeding through the API
 * would take minutes on convex-test. The writes that follow (favorites, an
 * update, a delete, a create) go through the API.
 */
import assert from "node:assert/strict";
import type { AgentsStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import { encodeValue } from "../convex/kit/codec.ts";
import { counterShard } from "../convex/kit/counters.ts";
import { versionedCounters } from "../convex/kit/versioned.ts";
import type { EntityRow, VersionRow } from "../convex/kit/versionedRows.ts";
import { buildRankTrees } from "../tasks/bench/rankSeed.ts";
import type { RawBackend } from "../tasks/bench/subjects.ts";
import { MAX_INDEXED_METADATA_PAIRS } from "../convex/kit/versionedFacets.ts";

const N = 3000;
const T0 = 1_750_000_000_000;
const MODEL = { provider: "openai", name: "gpt-4o" };

type ModelRow = {
  id: string;
  status: string;
  authorId: string;
  visibility: string;
  metadata: Record<string, unknown>;
  createdAt: number;
};

/** N agents written as the API writes them, with their trees built; returns the model of the rows. */
async function seed(backend: ReturnType<typeof createBackend>): Promise<ModelRow[]> {
  const names = versionedCounters("agents");
  const counts = new Map<string, number>();
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const model: ModelRow[] = [];
  const entities: EntityRow[] = [];
  const versions: VersionRow[] = [];
  for (let i = 0; i < N; i++) {
    const row: ModelRow = {
      id: `agent-${String(i).padStart(5, "0")}`,
      status: i % 3 === 0 ? "published" : "draft",
      authorId: `author-${i % 5}`,
      visibility: i % 2 === 0 ? "public" : "private",
      metadata: { team: `t${i % 4}`, "mastra.resourceId": `res-${i % 2}`, n: i % 7 },
      createdAt: T0 + i * 1000,
    };
    model.push(row);
    const { metadata, ...fields } = row;
    entities.push({
      domain: "agents",
      ...fields,
      metadata: encodeValue(metadata),
      favoriteCount: 0,
      updatedAt: row.createdAt,
    });
    versions.push({
      domain: "agents",
      id: `${row.id}-v1`,
      entityId: row.id,
      versionNumber: 1,
      body: encodeValue({ name: row.id, instructions: "x", model: MODEL }),
      createdAt: row.createdAt,
    });
    count(counterShard(names.entities, row.id));
    count(counterShard(names.inStatus(row.status), row.id));
    count(names.versionsOf(row.id));
  }
  for (const [table, rows] of [["versioned_entities", entities], ["versioned_versions", versions]] as const) {
    for (let i = 0; i < rows.length; i += 1000) {
      await backend.run(async (ctx) => {
        for (const row of rows.slice(i, i + 1000)) await ctx.db.insert(table, row as never);
      });
    }
  }
  await backend.run(async (ctx) => {
    for (const [name, value] of counts) await ctx.db.insert("counters", { name, value });
  });
  await buildRankTrees(backend as unknown as RawBackend);
  return model;
}

Deno.test("filtered agent lists page at any depth for a page plus O(log N) reads, in one call, exactly", async () => {
  const backend = createBackend();
  const model = await seed(backend);
  const inner = inProcessClient(backend);
  let calls = 0;
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => (calls++, inner.query(path, args)),
    mutation: (path, args, options) => (calls++, inner.mutation(path, args, options)),
    action: (path, args, options) => (calls++, inner.action(path, args, options)),
  };
  const storage = new ConvexStorage({ client });
  const agents = (await storage.getStore("agents")) as AgentsStorage;
  const favorites = (await storage.getStore("favorites"))!;
  const pinned = [7, 1500, 1505, 2990].map((i) => model[i].id);
  const realNow = Date.now;
  let clock = T0 + N * 1000;
  Date.now = () => (clock += 1000);
  try {
    for (const id of pinned) await favorites.favorite({ userId: "u", entityType: "agent", entityId: id });
  } finally {
    Date.now = realNow;
  }
  const perPage = 20;
  const bound = perPage + 4 * Math.ceil(Math.log2(N));
  type Filter = {
    status?: string;
    authorId?: string;
    visibility?: string;
    metadata?: Record<string, unknown>;
  };
  const cases: { name: string; filter: Filter; pin?: boolean; exact: boolean }[] = [
    { name: "authorId", filter: { authorId: "author-2" }, exact: true },
    { name: "visibility", filter: { visibility: "private" }, exact: true },
    { name: "metadata pair", filter: { metadata: { team: "t1" } }, exact: true },
    { name: "status + authorId", filter: { status: "draft", authorId: "author-3" }, exact: true },
    {
      name: "status + authorId + scope pair",
      filter: { status: "draft", authorId: "author-1", metadata: { "mastra.resourceId": "res-1" } },
      exact: true,
    },
    { name: "authorId, favorites pinned", filter: { authorId: "author-0" }, pin: true, exact: true },
    { name: "metadata pair, favorites pinned", filter: { metadata: { team: "t2" } }, pin: true, exact: true },
    {
      name: "three metadata pairs (walk)",
      filter: { metadata: { team: "t1", n: 3, "mastra.resourceId": "res-1" } },
      exact: false,
    },
  ];
  const matches = (row: ModelRow, filter: Filter) =>
    (filter.status === undefined || row.status === filter.status) &&
    (filter.authorId === undefined || row.authorId === filter.authorId) &&
    (filter.visibility === undefined || row.visibility === filter.visibility) &&
    Object.entries(filter.metadata ?? {}).every(([key, value]) => row.metadata[key] === value);
  for (const { name, filter, pin, exact } of cases) {
    for (const direction of ["DESC", "ASC"] as const) {
      const sorted = model.filter((row) => matches(row, filter))
        .sort((a, b) => direction === "ASC" ? a.createdAt - b.createdAt : b.createdAt - a.createdAt)
        .map((row) => row.id);
      const ids = pin
        ? [...sorted.filter((id) => pinned.includes(id)), ...sorted.filter((id) => !pinned.includes(id))]
        : sorted;
      const pages = Math.ceil(ids.length / perPage);
      for (const page of [0, Math.floor(pages / 2), pages - 1]) {
        const args = {
          ...filter,
          page,
          perPage,
          orderBy: { field: "createdAt" as const, direction },
          ...(pin ? { pinFavoritedFor: "u" } : {}),
        };
        const before = calls;
        const { result, usage } = await measure(() => agents.list(args as Parameters<AgentsStorage["list"]>[0]));
        const label = `${name} ${direction} page ${page}/${pages}`;
        assert.equal(result.total, ids.length, label);
        assert.deepEqual(
          result.agents.map((agent) => agent.id),
          ids.slice(page * perPage, (page + 1) * perPage),
          label,
        );
        if (exact) {
          assert.equal(calls - before, 1, `${label}: one round trip`);
          const pinBound = pin ? pinned.length * (1 + 2 * Math.ceil(Math.log2(N))) : 0;
          assert.ok(
            usage.documentsRead <= bound + pinBound,
            `${label}: ${usage.documentsRead} documents read (bound ${bound + pinBound})`,
          );
        }
      }
    }
  }

  // A whole list (perPage false) of more records than one call takes continues from the tree, in order.
  const everyPublic = await agents.list({ visibility: "public", perPage: false });
  const publicIds = model.filter((row) => row.visibility === "public").reverse().map((row) => row.id);
  assert.equal(everyPublic.total, publicIds.length);
  assert.deepEqual(everyPublic.agents.map((agent) => agent.id), publicIds);

  // Writes move records between trees in the same mutation: an update of the author, a delete, a create.
  await agents.update({ id: model[10].id, authorId: "author-2" });
  await agents.delete(model[12].id);
  await agents.create({ agent: { id: "fresh", name: "fresh", instructions: "x", model: MODEL, authorId: "author-2" } });
  const byAuthor = await agents.list({ authorId: "author-2", perPage: false });
  const expected = [
    "fresh",
    ...model.filter((row) => row.authorId === "author-2" || row.id === model[10].id)
      .filter((row) => row.id !== model[12].id).reverse().map((row) => row.id),
  ];
  assert.deepEqual(byAuthor.agents.map((agent) => agent.id), expected);
  assert.equal(byAuthor.total, expected.length);

  // A record with more metadata keys than are indexed turns those keys' trees off: still exact (walked).
  const many = Object.fromEntries(
    Array.from({ length: MAX_INDEXED_METADATA_PAIRS + 2 }, (_, i) => [`a${i}`, "v"]),
  );
  await agents.create({ agent: { id: "wide", name: "wide", instructions: "x", model: MODEL, metadata: many } });
  const lastKey = `a${MAX_INDEXED_METADATA_PAIRS + 1}`;
  for (const key of ["a0", lastKey]) {
    const found = await agents.list({ metadata: { [key]: "v" } });
    assert.deepEqual(found.agents.map((agent) => agent.id), ["wide"], key);
    assert.equal(found.total, 1, key);
  }
  // A record with very many keys joins a bounded number of trees (one create call), and lists stay exact.
  const huge = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`h${i}`, i]));
  const { usage } = await measure(() =>
    agents.create({ agent: { id: "huge", name: "huge", instructions: "x", model: MODEL, metadata: huge } })
  );
  assert.ok(usage.documentsWritten < 100, `${usage.documentsWritten} documents written`);
  for (const filter of [{ h2999: 2999 }, { team: "t1" }]) {
    const found = await agents.list({ metadata: filter, perPage: 3 });
    const expected = "team" in filter ? model.filter((row) => row.metadata.team === "t1").length : 1;
    assert.equal(found.total, expected, JSON.stringify(filter));
  }
});

Deno.test("a filtered page larger than one call's byte budget continues from the tree in another call", async () => {
  const inner = inProcessClient(createBackend());
  let calls = 0;
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => (calls++, inner.query(path, args)),
    mutation: (path, args, options) => (calls++, inner.mutation(path, args, options)),
    action: (path, args, options) => (calls++, inner.action(path, args, options)),
  };
  const agents = (await new ConvexStorage({ client }).getStore("agents")) as AgentsStorage;
  const ids: string[] = [];
  for (let i = 0; i < 48; i++) {
    const id = `big-${String(i).padStart(2, "0")}`;
    ids.push(id);
    // Every third agent is someone else's: the page is the author's tree, not the table.
    const authorId = i % 3 === 0 ? "other" : "me";
    await agents.create({ agent: { id, name: id, instructions: "x".repeat(240_000), model: MODEL, authorId } });
  }
  const mine = ids.filter((_, i) => i % 3 !== 0);
  for (const direction of ["ASC", "DESC"] as const) {
    const expected = direction === "ASC" ? mine : [...mine].reverse();
    const before = calls;
    const result = await agents.listResolved({
      authorId: "me",
      perPage: 30,
      page: 0,
      orderBy: { field: "createdAt", direction },
    });
    assert.deepEqual(result.agents.map((agent) => agent.id), expected.slice(0, 30), direction);
    assert.ok(result.agents.every((agent) => agent.instructions?.length === 240_000), direction);
    assert.equal(result.total, mine.length, direction);
    assert.ok(calls - before >= 2, `${direction}: ${calls - before} calls (30 versions of 240 KB exceed one call)`);
  }
});

Deno.test("records written before the filter trees: filtered lists walk, exactly, until a rebuild builds the trees", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const agents = (await storage.getStore("agents")) as AgentsStorage;
  const realNow = Date.now;
  let clock = T0;
  Date.now = () => (clock += 1000);
  const ids: string[] = [];
  try {
    for (let i = 0; i < 120; i++) {
      ids.push(`old-${String(i).padStart(3, "0")}`);
      await agents.create({
        agent: {
          id: ids[i],
          name: ids[i],
          instructions: "x",
          model: MODEL,
          authorId: `a${i % 3}`,
          metadata: { k: i % 2 },
        },
      });
    }
  } finally {
    Date.now = realNow;
  }
  // As on a deployment upgraded from a release without filter trees: no filter-tree nodes, the table's
  // mark of that release (no generation) but not this one's.
  await backend.run(async (ctx) => {
    for await (const node of ctx.db.query("rank_nodes")) {
      if (node.tree.includes(":tree:combo:")) await ctx.db.delete(node._id);
    }
    for await (const counter of ctx.db.query("counters")) {
      if (counter.name.startsWith("coverage:versioned_entities")) await ctx.db.delete(counter._id);
    }
    await ctx.db.insert("counters", { name: "coverage:versioned_entities", value: 1 });
  });
  const expected = ids.filter((_, i) => i % 3 === 1 && i % 2 === 0).reverse();
  const args = { authorId: "a1", metadata: { k: 0 }, page: 2, perPage: 5 };
  const walked = await measure(() => agents.list(args));
  assert.deepEqual(walked.result.agents.map((agent) => agent.id), expected.slice(10, 15), "exact without trees");
  assert.equal(walked.result.total, expected.length);
  await storage.rebuildRankTrees();
  const seeked = await measure(() => agents.list(args));
  assert.deepEqual(seeked.result.agents.map((agent) => agent.id), expected.slice(10, 15), "exact after the rebuild");
  assert.equal(seeked.result.total, expected.length);
  assert.ok(
    seeked.usage.documentsRead < walked.usage.documentsRead && seeked.usage.documentsRead <= 5 + 12,
    `${walked.usage.documentsRead} documents read walking, ${seeked.usage.documentsRead} from the tree`,
  );
});
