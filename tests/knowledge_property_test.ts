/**
 * Differential property test of the knowledge domain: random sequences of
 * every knowledge operation (node creation with wikilinks that create and
 * resolve nodes, updates at current and stale versions, merges, appends,
 * deletes, restores, rescopes, ceilings, listings with cursors, search,
 * curation cursors, activity, outbox list / claim / complete / release),
 * applied to ConvexStorage (in-process backend) and to @mastra/core's
 * InMemoryStore, must give the same answers, compared exactly, order
 * included. Ids both stores generate at random (node UUIDs, ULIDs of
 * records, events and outbox entries) are compared by order of first
 * appearance. Errors: both must fail; a stale version is core's
 * `KnowledgeConflictError` on both sides, any other failure of ours a
 * `MastraError`.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MastraError } from "@mastra/core/error";
import {
  createKnowledgeNodeCursor,
  InMemoryStore,
  KnowledgeConflictError,
  type KnowledgeStorage,
} from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { fakeNow, withFakeDate } from "./helpers/fakeDate.ts";
import { dropUndefined } from "./helpers/normalize.ts";

const BASE = 1_700_000_000_000;
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const ORG = ["org:o"];
const RES = ["org:o", "resource:r"];
const THR = ["org:o", "resource:r", "thread:t"];
const OTHER = ["org:o", "resource:q"];
const scope = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(ORG, RES, THR, OTHER, ["resource:r", "org:o"]) },
  { weight: 1, arbitrary: fc.constantFrom(["thread:t"], [], ["org:o", "org:p"], ["bogus:x"]) },
);
const goodScope = fc.constantFrom(ORG, RES, THR, OTHER);
/** Scopes core refuses, but only where it looks at them (resolution scopes: only when a wikilink is resolved). */
const badScope = fc.constantFrom(["thread:t"], [], ["bogus:x"]);
const name = fc.constantFrom("Alpha", " alpha", "Beta", "Gamma", "Tea time");
const text = fc.constantFrom("plain tea", "see [[Beta]]", "[[Gamma]] and [[alpha]]", "[[Delta]] TEA", "nothing");
const nodeIds = ["n1", "n2", "n3"];
/** A node reference: a fixed id, or whatever a name resolves to in that store (generated ids). */
const nodeRef = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...nodeIds, "nope").map((id) => ({ id })) },
  { weight: 2, arbitrary: fc.record({ name: fc.constantFrom("Beta", "Gamma", "Delta", "alpha"), scope: goodScope }) },
);
const recordIds = ["r1", "r2", "r3"];
const recordRef = fc.oneof(
  fc.constantFrom(...recordIds, "nope").map((id) => ({ id })),
  fc.nat(6).map((index) => ({ appended: index })),
);
const level = fc.constantFrom("org", "resource", "thread");

type Op = { op: string; [key: string]: unknown };
const op = (name: string, fields: Record<string, fc.Arbitrary<unknown>>, weight = 1) => ({
  weight,
  arbitrary: fc.record(fields).map((f) => ({ op: name, ...f }) as Op),
});

const ops: fc.Arbitrary<Op> = fc.oneof(
  op("createNode", {
    id: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...nodeIds) }, {
      weight: 1,
      arbitrary: fc.constant(undefined),
    }),
    name,
    kind: fc.constantFrom("person", "topic"),
    content: optional(text),
    description: rarely(fc.constantFrom("short", "x".repeat(401))),
    scope,
    resolutionScope: rarely(fc.oneof(goodScope, badScope)),
  }, 4),
  op("getNode", { node: nodeRef }),
  op("getNodeByName", { name, scope }),
  op("resolveNode", { name, scope }),
  op("listNodes", {
    scope,
    namePrefix: rarely(fc.constantFrom("al", "B", "")),
    kind: rarely(fc.constantFrom("person", "node")),
    hasContent: rarely(fc.boolean()),
    limit: optional(fc.nat(4)),
    cursorAt: rarely(fc.nat(3)),
  }, 2),
  op("updateNode", {
    node: nodeRef,
    stale: fc.boolean().map((b) => b && Math.random() < 0.3),
    name: rarely(name),
    kind: rarely(fc.constantFrom("place")),
    content: rarely(text),
    description: rarely(fc.constantFrom("desc", "y".repeat(401))),
    scope: rarely(scope),
  }, 2),
  op("mergeNodes", { source: nodeRef, target: nodeRef, stale: fc.boolean().map((b) => b && Math.random() < 0.3) }, 2),
  op("appendKnowledge", {
    id: optional(fc.constantFrom(...recordIds)),
    node: nodeRef,
    text,
    scope,
    sourceThreadId: fc.constantFrom("s1", "s2"),
    when: rarely(fc.nat(5).map((n) => new Date(BASE + n * 1000))),
    maxScope: rarely(level),
    metadata: rarely(fc.dictionary(fc.constantFrom("why", "$k"), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 })),
    resolutionScope: fc.oneof({ weight: 6, arbitrary: goodScope }, { weight: 1, arbitrary: badScope }),
    defaultScope: fc.oneof({ weight: 6, arbitrary: goodScope }, { weight: 1, arbitrary: badScope }),
  }, 6),
  op("getKnowledge", { record: recordRef, includeDeleted: optional(fc.boolean()) }),
  op("listRecords", {
    relation: fc.constantFrom("about", "mentioning", "related"),
    node: nodeRef,
    scope,
    limit: optional(fc.nat(3)),
    afterAt: rarely(fc.nat(3)),
    includeDeleted: optional(fc.boolean()),
  }, 3),
  op("knowledgeBySource", {
    sourceThreadId: fc.constantFrom("s1", "s2"),
    scope,
    limit: optional(fc.nat(3)),
    afterAt: rarely(fc.nat(3)),
    includeDeleted: optional(fc.boolean()),
  }),
  op("removeKnowledge", { record: recordRef, deletedBy: fc.constantFrom("u1", "u2") }),
  op("restoreKnowledge", { record: recordRef }),
  op("rescopeKnowledge", { record: recordRef, scope }),
  op("raiseKnowledgeCeiling", { record: recordRef, maxScope: optional(level) }),
  op("search", {
    query: fc.constantFrom("tea", "ALPHA", "a", " ", "person", "beta"),
    scope,
    limit: optional(fc.nat(4)),
  }, 2),
  op("getCurationCursor", { sourceThreadId: fc.constantFrom("s1", "s2"), agent: fc.constantFrom("a1") }),
  op("advanceCurationCursor", {
    sourceThreadId: fc.constantFrom("s1", "s2"),
    agent: fc.constantFrom("a1"),
    lastKnowledgeId: fc.constantFrom("r1", "r2", "r3", "0"),
  }),
  op("listActivity", { scope, afterAt: rarely(fc.nat(4)), limit: optional(fc.nat(5)) }),
  op("listSemanticOutbox", {
    status: optional(fc.constantFrom("pending", "processing", "completed")),
    scope: optional(goodScope),
    limit: optional(fc.nat(6)),
  }, 2),
  op("claimSemanticOutbox", {
    workerId: fc.constantFrom("w1", "w2"),
    limit: optional(fc.nat(4)),
    claimTimeoutMs: optional(fc.constantFrom(0, 60_000)),
    scope: rarely(goodScope),
  }, 2),
  op("settle", { complete: fc.boolean(), workerId: fc.constantFrom("w1", "w2"), take: fc.nat(3), retry: fc.boolean() }),
);

/** Every sequence starts here: three nodes with fixed ids at three scope depths, and one record. */
const SETUP: Op[] = [
  { op: "createNode", id: "n1", name: "Alpha", kind: "person", content: "see [[Beta]]", scope: ORG },
  { op: "createNode", id: "n2", name: "Tea time", kind: "topic", description: "short", scope: RES },
  { op: "createNode", id: "n3", name: "Gamma", kind: "person", scope: THR },
  {
    op: "appendKnowledge",
    id: "r1",
    node: { id: "n1" },
    text: "[[Gamma]] and [[alpha]]",
    scope: RES,
    sourceThreadId: "s1",
    resolutionScope: THR,
    defaultScope: RES,
  },
];

/** Per-store context: answers earlier operations gave, to build cursors and references. */
type Context = {
  lastNodes: { updatedAt: Date; name: string; id: string }[];
  lastRecords: { id: string }[];
  appended: string[];
  lastActivity: { id: string }[];
  lastClaim: { id: string }[];
  listFilters?: Record<string, unknown>;
};

async function resolveRef(store: KnowledgeStorage, ref: unknown): Promise<string> {
  const r = ref as { id?: string; name?: string; scope?: string[] };
  if (r.id) return r.id;
  return (await store.resolveNode({ name: r.name!, scope: r.scope! }))?.id ?? "unresolved";
}

function recordId(ctx: Context, ref: unknown): string {
  const r = ref as { id?: string; appended?: number };
  return r.id ?? ctx.appended[r.appended! % Math.max(ctx.appended.length, 1)] ?? "none";
}

async function apply(store: KnowledgeStorage, ctx: Context, o: Op): Promise<unknown> {
  const i = o as unknown as Record<string, never>;
  switch (o.op) {
    case "createNode": {
      const { op: _, ...input } = o;
      return await store.createNode(structuredClone(input) as never);
    }
    case "getNode":
      return await store.getNode(await resolveRef(store, i.node));
    case "getNodeByName":
      return await store.getNodeByName({ name: i.name, scope: i.scope });
    case "resolveNode":
      return await store.resolveNode({ name: i.name, scope: i.scope });
    case "listNodes": {
      const filters = { namePrefix: i.namePrefix, kind: i.kind, hasContent: i.hasContent };
      const at = i.cursorAt as number | undefined;
      const from = at !== undefined ? ctx.lastNodes[at] : undefined;
      const cursor = from ? createKnowledgeNodeCursor(from, filters) : undefined;
      const nodes = await store.listNodes({ scope: i.scope, ...filters, limit: i.limit, cursor });
      ctx.lastNodes = nodes;
      return nodes;
    }
    case "updateNode": {
      const id = await resolveRef(store, i.node);
      const version = ((await store.getNode(id))?.version ?? 1) - (i.stale ? 1 : 0);
      return await store.updateNode({
        id,
        version,
        name: i.name,
        kind: i.kind,
        content: i.content,
        description: i.description,
        scope: i.scope,
      });
    }
    case "mergeNodes": {
      const sourceId = await resolveRef(store, i.source);
      const targetId = await resolveRef(store, i.target);
      const sourceVersion = ((await store.getNode(sourceId))?.version ?? 1) - (i.stale ? 1 : 0);
      return await store.mergeNodes({ sourceId, targetId, sourceVersion });
    }
    case "appendKnowledge": {
      const { op: _, node, ...input } = o;
      const record = await store.appendKnowledge({
        ...structuredClone(input),
        node: await resolveRef(store, node),
      } as never);
      ctx.appended.push(record.id);
      return record;
    }
    case "getKnowledge":
      return await store.getKnowledge({ id: recordId(ctx, i.record), includeDeleted: i.includeDeleted });
    case "listRecords": {
      const at = i.afterAt as number | undefined;
      const input = {
        node: await resolveRef(store, i.node),
        scope: i.scope,
        limit: i.limit,
        after: at !== undefined ? ctx.lastRecords[at]?.id : undefined,
        includeDeleted: i.includeDeleted,
      };
      const answer = i.relation === "about"
        ? await store.listKnowledgeAbout(input)
        : i.relation === "mentioning"
        ? await store.listKnowledgeMentioning(input)
        : await store.listKnowledgeRelatedTo(input);
      ctx.lastRecords = answer.records;
      return answer;
    }
    case "knowledgeBySource": {
      const at = i.afterAt as number | undefined;
      const answer = await store.knowledgeBySource({
        sourceThreadId: i.sourceThreadId,
        scope: i.scope,
        limit: i.limit,
        after: at !== undefined ? ctx.lastRecords[at]?.id : undefined,
        includeDeleted: i.includeDeleted,
      });
      ctx.lastRecords = answer.records;
      return answer;
    }
    case "removeKnowledge":
      return await store.removeKnowledge({ id: recordId(ctx, i.record), deletedBy: i.deletedBy });
    case "restoreKnowledge":
      return await store.restoreKnowledge({ id: recordId(ctx, i.record) });
    case "rescopeKnowledge":
      return await store.rescopeKnowledge({ id: recordId(ctx, i.record), scope: i.scope });
    case "raiseKnowledgeCeiling":
      return await store.raiseKnowledgeCeiling({ id: recordId(ctx, i.record), maxScope: i.maxScope });
    case "search":
      return await store.search({ query: i.query, scope: i.scope, limit: i.limit });
    case "getCurationCursor":
      return await store.getCurationCursor({ sourceThreadId: i.sourceThreadId, agent: i.agent });
    case "advanceCurationCursor":
      return await store.advanceCurationCursor({
        sourceThreadId: i.sourceThreadId,
        agent: i.agent,
        lastKnowledgeId: i.lastKnowledgeId,
      });
    case "listActivity": {
      const at = i.afterAt as number | undefined;
      const events = await store.listActivity({
        scope: i.scope,
        limit: i.limit,
        after: at !== undefined ? ctx.lastActivity[at]?.id : undefined,
      });
      ctx.lastActivity = events;
      return events;
    }
    case "listSemanticOutbox":
      return await store.listSemanticOutbox({ status: i.status, scope: i.scope, limit: i.limit });
    case "claimSemanticOutbox": {
      const claimed = await store.claimSemanticOutbox({
        workerId: i.workerId,
        limit: i.limit,
        claimTimeoutMs: i.claimTimeoutMs,
        scope: i.scope,
        // The caller's clock (core's `input.now`): without it the server's clock decides (knowledge_test.ts).
        now: new Date(fakeNow.ms),
      });
      ctx.lastClaim = claimed;
      return claimed;
    }
    case "settle": {
      const ids = ctx.lastClaim.slice(0, (i.take as number) + 1).map((entry) => entry.id);
      if (i.complete) await store.completeSemanticOutbox({ ids, workerId: i.workerId });
      else {
        await store.releaseSemanticOutbox({
          ids,
          workerId: i.workerId,
          retryAt: i.retry ? new Date(fakeNow.ms + 60_000) : undefined,
        });
      }
      return await store.listSemanticOutbox({ limit: 50 });
    }
  }
  throw new Error(`unknown op ${o.op}`);
}

const GENERATED = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26}/g;

/** Replaces generated ids (UUIDs, ULIDs) in every string by `#k`, k their order of first appearance in this store. */
function alias(value: unknown, names: Map<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(GENERATED, (id) => {
      if (!names.has(id)) names.set(id, `#${names.size}`);
      return names.get(id)!;
    });
  }
  if (Array.isArray(value)) return value.map((item) => alias(item, names));
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, alias(item, names)]));
  }
  return value;
}

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };
async function run(fn: () => Promise<unknown>): Promise<Result> {
  try {
    return { ok: true, value: dropUndefined(await fn()) };
  } catch (error) {
    return { ok: false, error };
  }
}

Deno.test("knowledge behaves exactly like InMemoryStore (property)", async () => {
  const stats: Record<string, number> = {};
  await withFakeDate(() => fakeNow.ms, () =>
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(ops, fc.integer({ min: 0, max: 2 })), {
          minLength: 5,
          maxLength: Number(Deno.env.get("KNOWLEDGE_OPS") ?? 40),
        }),
        async (steps) => {
          const reference = (await new InMemoryStore().getStore("knowledge"))!;
          const { storage } = createTestStorage();
          const ours = (await storage.getStore("knowledge"))!;
          const contexts = [0, 1].map((): Context => ({
            lastNodes: [],
            lastRecords: [],
            appended: [],
            lastActivity: [],
            lastClaim: [],
          }));
          const names = [new Map<string, string>(), new Map<string, string>()];
          fakeNow.ms = BASE;
          for (const [index, [o, tick]] of [...SETUP.map((o) => [o, 0] as const), ...steps].entries()) {
            fakeNow.ms += tick * 1000; // often the same second: ties on updatedAt and ULID time
            const label = `op ${index} ${JSON.stringify(o)}`;
            const expected = await run(() => apply(reference, contexts[0], o));
            const actual = await run(() => apply(ours, contexts[1], o));
            const describe = (r: Result) => r.ok ? JSON.stringify(alias(r.value, new Map())) : String(r.error);
            assert.equal(actual.ok, expected.ok, `${label}: ours ${describe(actual)} / core ${describe(expected)}`);
            if (!actual.ok && !expected.ok) {
              if (expected.error instanceof KnowledgeConflictError) {
                assert.ok(actual.error instanceof KnowledgeConflictError, `${label}: ${actual.error}`);
              } else {
                assert.ok(actual.error instanceof MastraError, `${label}: not a MastraError: ${actual.error}`);
              }
            }
            if (actual.ok && expected.ok) {
              assert.deepStrictEqual(alias(actual.value, names[1]), alias(expected.value, names[0]), label);
            }
            const key = `${o.op}:${expected.ok ? "ok" : "err"}`;
            stats[key] = (stats[key] ?? 0) + 1;
          }
        },
      ),
      { numRuns: Number(Deno.env.get("KNOWLEDGE_RUNS") ?? 40) },
    ));
  console.log(stats);
});
