/**
 * Differential property test of filtered editor lists (the filter trees of
 * `convex/kit/versionedFacets.ts`): random creates, updates (author,
 * visibility, status, metadata merges), deletes and favorites over a few
 * dozen records, then random filter combinations (status, author,
 * visibility, organization/project, zero to two metadata pairs, favorites
 * pinned or only) at random page depths, on ConvexStorage and core's
 * InMemoryStore: pages and totals must be equal. Records carry up to ten
 * metadata keys (above the eight indexed per record), object and long
 * values, so both the trees and the fallback walk answer.
 *
 * Fixed fast-check seed (FILTERS_SEED / FILTERS_RUNS explore others).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InMemoryStore, type MastraCompositeStore } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { AnswerNormalizer, FrozenClock, optional } from "./helpers/editorFixtures.ts";

type Spec = {
  key: string;
  createKey: string;
  recordFields: string[];
  listFilters: string[];
  favorites?: "agent";
};

const SPECS: Spec[] = [
  {
    key: "agents",
    createKey: "agent",
    recordFields: ["authorId", "visibility", "metadata"],
    listFilters: ["status", "authorId", "visibility", "metadata"],
    favorites: "agent",
  },
  {
    key: "scorerDefinitions",
    createKey: "scorerDefinition",
    recordFields: ["authorId", "organizationId", "projectId", "metadata"],
    listFilters: ["status", "authorId", "organizationId", "projectId", "metadata"],
  },
];

const IDS = Array.from({ length: 24 }, (_, i) => `r${String(i).padStart(2, "0")}`);
const KEYS = Array.from({ length: 10 }, (_, i) => `k${i}`);
const USERS = ["u1", "u2"];
const value = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("x", "y", 1, 2, true, null) },
  { weight: 1, arbitrary: fc.constantFrom({ o: 1 }, [1], "L".repeat(250)) },
);
const recordMetadata = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS.slice(0, 3)), value, { maxKeys: 3 }),
  fc.dictionary(fc.constantFrom(...KEYS), value, { minKeys: 7, maxKeys: 10 }),
);
const filterMetadata = fc.dictionary(fc.constantFrom(...KEYS.slice(0, 3), "k9"), value, { minKeys: 1, maxKeys: 2 });

type Op =
  | { kind: "create"; id: string; record: Record<string, unknown> }
  | { kind: "update"; id: string; patch: Record<string, unknown> }
  | { kind: "delete"; id: string }
  | { kind: "favorite" | "unfavorite"; userId: string; id: string }
  | { kind: "list" | "listResolved"; args: Record<string, unknown> };

function ops(spec: Spec): fc.Arbitrary<Op> {
  const id = fc.constantFrom(...IDS);
  const pick = (r: Record<string, unknown>, allowed: string[]) =>
    Object.fromEntries(Object.entries(r).filter(([key, v]) => v !== undefined && allowed.includes(key)));
  const record = fc.record({
    authorId: optional(fc.constantFrom("alice", "bob", "carol")),
    visibility: optional(fc.constantFrom("public", "private")),
    organizationId: optional(fc.constantFrom("o1", "o2")),
    projectId: optional(fc.constantFrom("p1", "p2")),
    metadata: optional(recordMetadata),
  }, { requiredKeys: [] }).map((r) => pick(r, spec.recordFields));
  const patch = fc.record({
    authorId: optional(fc.constantFrom("alice", "bob")),
    visibility: optional(fc.constantFrom("public", "private")),
    status: optional(fc.constantFrom("draft", "published", "archived")),
    metadata: optional(recordMetadata),
  }, { requiredKeys: [] }).map((r) => pick(r, ["status", ...spec.recordFields]));
  const filterValues: Record<string, fc.Arbitrary<unknown>> = {
    status: fc.constantFrom("draft", "published", "archived"),
    authorId: fc.constantFrom("alice", "bob", "carol"),
    visibility: fc.constantFrom("public", "private"),
    organizationId: fc.constantFrom("o1", "o2"),
    projectId: fc.constantFrom("p1", "p2"),
    metadata: filterMetadata,
    pinFavoritedFor: fc.constantFrom(...USERS),
    favoritedOnly: fc.boolean(),
  };
  // Mostly one or two filters (the combinations with trees), sometimes three (the walk); favorites pinned half
  // the time where the domain has them.
  const favorites = spec.favorites
    ? fc.record({
      pinFavoritedFor: fc.option(filterValues.pinFavoritedFor, { nil: undefined, freq: 2 }),
      favoritedOnly: fc.option(fc.constant(true), { nil: undefined, freq: 1 }),
    }).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)))
    : fc.constant({});
  const filters = fc.tuple(
    fc.subarray(spec.listFilters, { maxLength: 3 }).chain((chosen) =>
      fc.record(Object.fromEntries(chosen.map((name) => [name, filterValues[name]])))
    ),
    favorites,
  ).map(([f, pins]) => ({ ...f, ...pins }));
  const page = fc.record({
    page: fc.integer({ min: 0, max: 6 }),
    perPage: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) }, fc.constant(false as const)),
    orderBy: optional(fc.record({
      field: fc.constantFrom("createdAt", "updatedAt"),
      direction: fc.constantFrom("ASC", "DESC"),
    })),
  }, { requiredKeys: ["page", "perPage"] });
  const list = fc.tuple(page, filters).map(([p, f]) => ({ ...p, ...f }));
  const arbitraries: fc.WeightedArbitrary<Op>[] = [
    { weight: 10, arbitrary: fc.record({ kind: fc.constant("create" as const), id, record }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("update" as const), id, patch }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), id }) },
    {
      weight: 10,
      arbitrary: fc.record({ kind: fc.constantFrom("list" as const, "listResolved" as const), args: list }),
    },
  ];
  if (spec.favorites) {
    arbitraries.push({
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constantFrom("favorite" as const, "unfavorite" as const),
        userId: fc.constantFrom(...USERS),
        id,
      }),
    });
  }
  return fc.oneof(...arbitraries);
}

// deno-lint-ignore no-explicit-any
type Store = any;

async function apply(store: MastraCompositeStore, spec: Spec, o: Op): Promise<unknown> {
  const domain: Store = await store.getStore(spec.key as never);
  const copy = <T>(v: T): T => structuredClone(v);
  switch (o.kind) {
    case "create":
      return await domain.create({
        [spec.createKey]: {
          id: o.id,
          name: o.id,
          instructions: "i",
          model: { provider: "p", name: "m" },
          ...copy(o.record),
        },
      });
    case "update":
      return await domain.update({ id: o.id, ...copy(o.patch) });
    case "delete":
      return await domain.delete(o.id);
    case "list":
      return await domain.list(copy(o.args));
    case "listResolved":
      return await domain.listResolved(copy(o.args));
    case "favorite":
    case "unfavorite": {
      const favorites: Store = await store.getStore("favorites");
      return await favorites[o.kind]({ userId: o.userId, entityType: spec.favorites, entityId: o.id });
    }
  }
}

async function outcomeOf(fn: () => Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await fn() };
  } catch {
    return { ok: false };
  }
}

const SEED = Number(Deno.env.get("FILTERS_SEED") ?? 27_2026);
const RUNS = Number(Deno.env.get("FILTERS_RUNS") ?? 20);

for (const spec of SPECS) {
  Deno.test(`${spec.key}: filtered lists page and count exactly like InMemoryStore (property)`, async () => {
    const clock = new FrozenClock();
    clock.install();
    const seen = { lists: 0, nonEmpty: 0, deep: 0 };
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(ops(spec), { minLength: 50, maxLength: 100 }), async (sequence) => {
          const reference = new InMemoryStore();
          const { storage } = createTestStorage();
          const theirs = new AnswerNormalizer();
          const mine = new AnswerNormalizer();
          for (const [index, o] of sequence.entries()) {
            clock.tick();
            const expected = await outcomeOf(() => apply(reference, spec, o));
            const actual = await outcomeOf(() => apply(storage, spec, o));
            const label = `${spec.key} op ${index} ${JSON.stringify(o)}`;
            assert.equal(actual.ok, expected.ok, label);
            if (actual.ok && expected.ok) {
              assert.deepStrictEqual(mine.normalize(actual.value), theirs.normalize(expected.value), label);
              if (o.kind === "list" || o.kind === "listResolved") {
                const total = (expected.value as { total: number }).total;
                seen.lists++;
                if (total > 0) seen.nonEmpty++;
                const perPage = o.args.perPage === false ? total : o.args.perPage as number;
                if ((o.args.page as number) > 0 && total > (o.args.page as number) * perPage) seen.deep++;
              }
            }
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
    } finally {
      clock.restore();
    }
    console.log(spec.key, seen);
    assert.ok(seen.nonEmpty > seen.lists / 3, `many lists match something: ${JSON.stringify(seen)}`);
    assert.ok(seen.deep > 10, `some lists read a page past the first: ${JSON.stringify(seen)}`);
  });
}
