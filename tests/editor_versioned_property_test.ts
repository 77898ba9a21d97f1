/**
 * Differential property test of the versioned-entity mechanism, once per
 * versioned domain's declaration (agents, prompt blocks, scorer
 * definitions, MCP clients, MCP servers, workspaces, skills): random
 * operation sequences applied to ConvexStorage (in-process backend) and to
 * core's InMemoryStore must give the same answers, favorites included for
 * the domains that have them.
 *
 * Both stores read one frozen clock that moves 1 s per operation, so
 * `createdAt`/`updatedAt` agree exactly and never tie (core breaks ties by
 * insertion order in some domains and by id in others; ours by id).
 * Generated version ids are compared by order of first appearance.
 * Configuration values are JSON (core deep-copies some version fields
 * through JSON text, which our codec does not need to do).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InMemoryStore, type MastraCompositeStore } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { AnswerNormalizer, FrozenClock, optional, smallJson } from "./helpers/editorFixtures.ts";

/** One versioned domain as the test drives it. */
type DomainSpec = {
  key: string;
  createKey: string;
  fk: string;
  recordFields: string[];
  favorites?: "agent" | "skill";
  /** Config fields an update versions (workspaces, skills). */
  updateConfig?: string[];
  listFilters: string[];
};

const DOMAINS: DomainSpec[] = [
  {
    key: "agents",
    createKey: "agent",
    fk: "agentId",
    recordFields: ["authorId", "visibility", "metadata"],
    favorites: "agent",
    listFilters: ["status", "authorId", "visibility", "metadata", "entityIds", "favorites"],
  },
  {
    key: "promptBlocks",
    createKey: "promptBlock",
    fk: "blockId",
    recordFields: ["authorId", "metadata"],
    listFilters: ["status", "authorId", "metadata"],
  },
  {
    key: "scorerDefinitions",
    createKey: "scorerDefinition",
    fk: "scorerDefinitionId",
    recordFields: ["authorId", "organizationId", "projectId", "metadata"],
    listFilters: ["status", "authorId", "organizationId", "projectId", "metadata"],
  },
  {
    key: "mcpClients",
    createKey: "mcpClient",
    fk: "mcpClientId",
    recordFields: ["authorId", "metadata"],
    listFilters: ["status", "authorId", "metadata"],
  },
  {
    key: "mcpServers",
    createKey: "mcpServer",
    fk: "mcpServerId",
    recordFields: ["authorId", "metadata"],
    listFilters: ["status", "authorId", "metadata"],
  },
  {
    key: "workspaces",
    createKey: "workspace",
    fk: "workspaceId",
    recordFields: ["authorId", "metadata"],
    updateConfig: ["name", "description", "tools", "autoSync"],
    listFilters: ["status", "authorId", "metadata"],
  },
  {
    key: "skills",
    createKey: "skill",
    fk: "skillId",
    recordFields: ["authorId", "visibility"],
    favorites: "skill",
    updateConfig: ["name", "description", "instructions", "metadata", "files"],
    listFilters: ["status", "authorId", "visibility", "metadata", "entityIds", "favorites"],
  },
];

const IDS = ["e1", "e2", "e3"];
const VERSION_IDS = ["v1", "v2", "v3", "v4", "v5"];
const USERS = ["u1", "u2"];
const STATUSES = ["draft", "published", "archived"] as const;

const json = smallJson;
const metadata = fc.dictionary(fc.constantFrom("team", "tier", "$k"), json, { maxKeys: 2 });
const config = fc.record({
  name: fc.constantFrom("A", "B"),
  description: optional(fc.constantFrom("d1", "d2")),
  instructions: optional(json),
  tools: optional(json),
  files: optional(json),
}, { requiredKeys: ["name"] });

type Op =
  | { kind: "create"; id: string; record: Record<string, unknown>; config: Record<string, unknown> }
  | { kind: "getById" | "delete" | "latest" | "count" | "deleteVersions" | "activateLatest"; id: string }
  | { kind: "resolve"; id: string; options?: Record<string, unknown> }
  | { kind: "update"; id: string; patch: Record<string, unknown> }
  | { kind: "createVersion"; id: string; versionId: string; versionNumber: number; config: Record<string, unknown> }
  | { kind: "getVersion" | "deleteVersion"; versionId: string }
  | { kind: "getVersions"; versionIds: string[] }
  | { kind: "byNumber"; id: string; versionNumber: number }
  | { kind: "listVersions"; id: string; args: Record<string, unknown> }
  | { kind: "list" | "listResolved"; args: Record<string, unknown> }
  | { kind: "favorite" | "unfavorite" | "isFavorited"; userId: string; id: string }
  | { kind: "favoritedAmong"; userId: string; ids: string[] }
  | { kind: "favoritedIds"; userId: string }
  | { kind: "unfavoriteAll"; id: string };

function ops(spec: DomainSpec): fc.Arbitrary<Op> {
  const record = fc.record({
    authorId: optional(fc.constantFrom("alice", "bob")),
    visibility: optional(fc.constantFrom("public", "private")),
    metadata: optional(metadata),
    organizationId: optional(fc.constantFrom("o1", "o2")),
    projectId: optional(fc.constantFrom("p1")),
  }, { requiredKeys: [] }).map((r) =>
    Object.fromEntries(Object.entries(r).filter(([key]) => spec.recordFields.includes(key)))
  );
  const id = fc.constantFrom(...IDS);
  const page = fc.record({
    page: optional(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 2 }) }, fc.constant(-1))),
    perPage: optional(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(false as const))),
    orderBy: optional(fc.record({
      field: optional(fc.constantFrom("createdAt", "updatedAt", "versionNumber")),
      direction: optional(fc.constantFrom("ASC", "DESC")),
    }, { requiredKeys: [] })),
  }, { requiredKeys: [] });
  const filters = fc.record({
    status: optional(fc.constantFrom(...STATUSES)),
    authorId: optional(fc.constantFrom("alice", "bob")),
    visibility: optional(fc.constantFrom("public", "private")),
    organizationId: optional(fc.constantFrom("o1", "o2")),
    projectId: optional(fc.constantFrom("p1")),
    metadata: optional(metadata),
    entityIds: optional(fc.subarray(IDS)),
    pinFavoritedFor: optional(fc.constantFrom(...USERS)),
    favoritedOnly: optional(fc.boolean()),
  }, { requiredKeys: [] }).map((f) =>
    Object.fromEntries(
      Object.entries(f).filter(([key]) =>
        spec.listFilters.includes(key) ||
        (spec.listFilters.includes("favorites") && (key === "pinFavoritedFor" || key === "favoritedOnly"))
      ),
    )
  );
  const listArgs = fc.tuple(page, filters).map(([p, f]) => ({ ...p, ...f }));
  const updatePatch = fc.record({
    authorId: optional(fc.constantFrom("alice", "bob")),
    visibility: optional(fc.constantFrom("public", "private")),
    status: optional(fc.constantFrom(...STATUSES)),
    activeVersionId: optional(fc.constantFrom(...VERSION_IDS)),
    metadata: optional(metadata),
    name: optional(fc.constantFrom("A", "B", "C")),
    description: optional(fc.constantFrom("d1", "d3")),
    instructions: optional(json),
    tools: optional(json),
    files: optional(json),
  }, { requiredKeys: [] });
  const arbitraries: fc.WeightedArbitrary<Op>[] = [
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("create" as const), id, record, config }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("getById" as const), id }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("resolve" as const),
        id,
        options: optional(fc.oneof(
          fc.record({ status: fc.constantFrom("draft", "published", "archived") }),
          fc.record({ versionId: fc.constantFrom(...VERSION_IDS) }),
        )),
      }, { requiredKeys: ["kind", "id"] }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("update" as const), id, patch: updatePatch }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), id }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("createVersion" as const),
        id,
        versionId: fc.constantFrom(...VERSION_IDS),
        versionNumber: fc.integer({ min: 1, max: 4 }),
        config,
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("activateLatest" as const), id }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("getVersion" as const), versionId: fc.constantFrom(...VERSION_IDS) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("getVersions" as const), versionIds: fc.subarray(VERSION_IDS) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("deleteVersion" as const), versionId: fc.constantFrom(...VERSION_IDS) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("byNumber" as const),
        id,
        versionNumber: fc.integer({ min: 1, max: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("latest" as const), id }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("count" as const), id }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteVersions" as const), id }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("listVersions" as const), id, args: page }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("list" as const), args: listArgs }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("listResolved" as const), args: listArgs }) },
  ];
  if (spec.favorites) {
    arbitraries.push({
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constantFrom("favorite" as const, "unfavorite" as const, "isFavorited" as const),
        userId: fc.constantFrom(...USERS),
        id,
      }),
    }, {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("favoritedAmong" as const),
        userId: fc.constantFrom(...USERS),
        ids: fc.subarray(IDS),
      }),
    }, {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("favoritedIds" as const), userId: fc.constantFrom(...USERS) }),
    }, { weight: 1, arbitrary: fc.record({ kind: fc.constant("unfavoriteAll" as const), id }) });
  }
  return fc.oneof(...arbitraries);
}

// deno-lint-ignore no-explicit-any
type Store = any;

async function apply(store: MastraCompositeStore, spec: DomainSpec, o: Op): Promise<unknown> {
  const domain: Store = await store.getStore(spec.key as never);
  const copy = <T>(value: T): T => structuredClone(value);
  switch (o.kind) {
    case "create":
      return await domain.create({ [spec.createKey]: { id: o.id, ...copy(o.record), ...copy(o.config) } });
    case "getById":
      return await domain.getById(o.id);
    case "resolve":
      return await domain.getByIdResolved(o.id, copy(o.options));
    case "update":
      return await domain.update({ id: o.id, ...copy(o.patch) });
    case "delete":
      return await domain.delete(o.id);
    case "createVersion":
      return await domain.createVersion({
        id: o.versionId,
        [spec.fk]: o.id,
        versionNumber: o.versionNumber,
        ...copy(o.config),
        changedFields: Object.keys(o.config),
        changeMessage: "edit",
      });
    case "activateLatest": {
      const latest = await domain.getLatestVersion(o.id);
      return latest ? await domain.update({ id: o.id, activeVersionId: latest.id, status: "published" }) : null;
    }
    case "getVersion":
      return await domain.getVersion(o.versionId);
    case "getVersions": {
      const versions = await domain.getVersions([...o.versionIds]);
      return [...versions].sort((a: { id: string }, b: { id: string }) => a.id < b.id ? -1 : 1);
    }
    case "deleteVersion":
      return await domain.deleteVersion(o.versionId);
    case "byNumber":
      return await domain.getVersionByNumber(o.id, o.versionNumber);
    case "latest":
      return await domain.getLatestVersion(o.id);
    case "count":
      return await domain.countVersions(o.id);
    case "deleteVersions":
      return await domain.deleteVersionsByParentId(o.id);
    case "listVersions":
      return await domain.listVersions({ [spec.fk]: o.id, ...copy(o.args) });
    case "list":
      return await domain.list(copy(o.args));
    case "listResolved":
      return await domain.listResolved(copy(o.args));
    case "favorite":
    case "unfavorite":
    case "isFavorited": {
      const favorites: Store = await store.getStore("favorites");
      return await favorites[o.kind]({ userId: o.userId, entityType: spec.favorites, entityId: o.id });
    }
    case "favoritedAmong": {
      const favorites: Store = await store.getStore("favorites");
      return await favorites.isFavoritedBatch({ userId: o.userId, entityType: spec.favorites, entityIds: [...o.ids] });
    }
    case "favoritedIds": {
      const favorites: Store = await store.getStore("favorites");
      return await favorites.listFavoritedIds({ userId: o.userId, entityType: spec.favorites });
    }
    case "unfavoriteAll": {
      const favorites: Store = await store.getStore("favorites");
      return await favorites.deleteFavoritesForEntity({ entityType: spec.favorites, entityId: o.id });
    }
  }
}

async function outcomeOf(
  fn: () => Promise<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

for (const spec of DOMAINS) {
  Deno.test(`${spec.key}: the versioned mechanism behaves exactly like InMemoryStore (property)`, async () => {
    const clock = new FrozenClock();
    clock.install();
    const stats: Record<string, number> = {};
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(ops(spec), { minLength: 8, maxLength: 40 }), async (sequence) => {
          const reference = new InMemoryStore();
          const { storage } = createTestStorage();
          const theirs = new AnswerNormalizer();
          const mine = new AnswerNormalizer();
          for (const [index, o] of sequence.entries()) {
            clock.tick();
            // Core's create writes the record before version 1 and keeps it when that version collides
            // (its skills roll back); ours writes both atomically. Versions of absent records are not
            // created, so that case never arises.
            if (o.kind === "createVersion" && await apply(reference, spec, { kind: "getById", id: o.id }) === null) {
              continue;
            }
            const expected = await outcomeOf(() => apply(reference, spec, o));
            const actual = await outcomeOf(() => apply(storage, spec, o));
            const label = `${spec.key} op ${index} ${JSON.stringify(o)}`;
            assert.equal(actual.ok, expected.ok, `${label}: ${JSON.stringify({ actual, expected })}`);
            const key = `${o.kind}:${expected.ok ? "ok" : "err"}`;
            stats[key] = (stats[key] ?? 0) + 1;
            if (actual.ok && expected.ok) {
              assert.deepStrictEqual(mine.normalize(actual.value), theirs.normalize(expected.value), label);
            } else if (!expected.ok && /already exists/.test(expected.error)) {
              assert.match((actual as { error: string }).error, /already exists/, label);
            }
          }
          // Both stores end with the same records and versions.
          for (const id of IDS) {
            const a = await outcomeOf(() =>
              apply(storage, spec, { kind: "listVersions", id, args: { perPage: false } })
            );
            const b = await outcomeOf(() =>
              apply(reference, spec, { kind: "listVersions", id, args: { perPage: false } })
            );
            assert.deepStrictEqual(mine.normalize(a), theirs.normalize(b), `final versions of ${id}`);
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      clock.restore();
    }
    console.log(spec.key, stats);
  });
}
