/**
 * Differential property tests of the editor's supporting domains — tool
 * provider connections, blobs and workflow definitions — against core's
 * InMemoryStore: random operation sequences, the same answers. Both stores
 * read one frozen clock moved 1 s per operation (see editorFixtures.ts).
 * Blob contents include values far above one Convex document.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InMemoryStore, type MastraCompositeStore } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { AnswerNormalizer, FrozenClock, optional, smallJson } from "./helpers/editorFixtures.ts";

const json = smallJson;

// deno-lint-ignore no-explicit-any
type Store = any;
type Step = { label: string; run: (store: MastraCompositeStore) => Promise<unknown> };

async function outcomeOf(fn: () => Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await fn() };
  } catch {
    return { ok: false };
  }
}

/** Applies `steps` to both stores and compares every answer. */
async function compare(steps: Step[], clock: FrozenClock): Promise<void> {
  const reference = new InMemoryStore();
  const { storage } = createTestStorage();
  const theirs = new AnswerNormalizer();
  const mine = new AnswerNormalizer();
  for (const [index, step] of steps.entries()) {
    clock.tick();
    const expected = await outcomeOf(() => step.run(reference));
    const actual = await outcomeOf(() => step.run(storage));
    const label = `op ${index} ${step.label}`;
    assert.equal(actual.ok, expected.ok, label);
    if (actual.ok && expected.ok) {
      assert.deepStrictEqual(mine.normalize(actual.value), theirs.normalize(expected.value), label);
    }
  }
}

async function property(steps: fc.Arbitrary<Step>, runs: number): Promise<void> {
  const clock = new FrozenClock();
  clock.install();
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(steps, { minLength: 5, maxLength: 30 }), (sequence) => compare(sequence, clock)),
      { numRuns: runs },
    );
  } finally {
    clock.restore();
  }
}

const step = (label: string, run: (domain: Store) => Promise<unknown>, key: string): Step => ({
  label,
  run: async (store) => run(await store.getStore(key as never)),
});

Deno.test("tool provider connections behave exactly like InMemoryStore (property)", async () => {
  const author = fc.constantFrom("alice", "bob", "");
  const provider = fc.constantFrom("composio", "arcade");
  const connection = fc.constantFrom("c1", "c2");
  const key = fc.record({ authorId: author, providerId: provider, connectionId: connection });
  const scope = fc.constantFrom("shared", "per-author", "caller-supplied");
  const steps: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        key,
        toolkit: fc.constantFrom("gmail", "slack"),
        label: fc.oneof(fc.constant(null), fc.constantFrom("Work", "Home")),
        scope: optional(scope),
      }).map(({ key, ...rest }) =>
        step(
          `upsert ${JSON.stringify({ key, rest })}`,
          (d) => d.upsertConnection({ ...key, ...rest }),
          "toolProviderConnections",
        )
      ),
    },
    key.map((k) => step(`get ${JSON.stringify(k)}`, (d) => d.getConnectionById(k), "toolProviderConnections")),
    key.map((k) => step(`delete ${JSON.stringify(k)}`, (d) => d.deleteConnection(k), "toolProviderConnections")),
    {
      weight: 3,
      arbitrary: fc.record({
        authorId: optional(author),
        providerId: optional(provider),
        toolkit: optional(fc.constantFrom("gmail", "slack")),
        scope: optional(scope),
      }, { requiredKeys: [] }).map((filter) =>
        step(`list ${JSON.stringify(filter)}`, (d) => d.listConnectionsByAuthor(filter), "toolProviderConnections")
      ),
    },
  );
  await property(steps, 60);
});

Deno.test("blobs behave exactly like InMemoryStore, contents of any size (property)", async () => {
  const hash = fc.constantFrom("h1", "h2", "h3");
  // Mostly small contents; some of 1.5 MB (over one Convex document) and a few bytes of UTF-16 oddities.
  const content = fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 20 }) },
    { weight: 1, arbitrary: fc.constantFrom("€".repeat(500_000), "x".repeat(300_000), "~blob:forged") },
  );
  const entry = fc.record({
    hash,
    content,
    size: fc.integer({ min: 0, max: 10 }),
    mimeType: optional(fc.constantFrom("text/plain", "text/markdown")),
    createdAt: fc.integer({ min: 0, max: 1000 }).map((n) => new Date(1_700_000_000_000 + n)),
  }, { requiredKeys: ["hash", "content", "size", "createdAt"] });
  const short = (e: { hash: string; content: string }) => `${e.hash}:${e.content.length}`;
  const steps: fc.Arbitrary<Step> = fc.oneof(
    { weight: 3, arbitrary: entry.map((e) => step(`put ${short(e)}`, (d) => d.put(e), "blobs")) },
    fc.array(entry, { maxLength: 3 }).map((es) =>
      step(`putMany ${es.map(short).join(",")}`, (d) => d.putMany(es), "blobs")
    ),
    hash.map((h) => step(`get ${h}`, (d) => d.get(h), "blobs")),
    hash.map((h) => step(`has ${h}`, (d) => d.has(h), "blobs")),
    hash.map((h) => step(`delete ${h}`, (d) => d.delete(h), "blobs")),
    fc.array(hash, { maxLength: 4 }).map((hs) =>
      step(`getMany ${hs}`, async (d) => [...(await d.getMany(hs)).entries()], "blobs")
    ),
  );
  await property(steps, 30);
});

Deno.test("workflow definitions behave exactly like InMemoryStore (property)", async () => {
  const id = fc.constantFrom("w1", "w2", "w3");
  const schedule = fc.oneof(
    fc.constant(null),
    fc.record({ cron: fc.constantFrom("* * * * *", "0 9 * * 1") }),
    fc.array(fc.record({ cron: fc.constant("0 0 * * *") }), { maxLength: 2 }),
  );
  const input = fc.record({
    id,
    description: optional(fc.constantFrom("d1", "d2")),
    metadata: optional(fc.dictionary(fc.constantFrom("k", "$k"), json, { maxKeys: 2 })),
    inputSchema: optional(json),
    outputSchema: optional(json),
    stateSchema: optional(json),
    requestContextSchema: optional(json),
    graph: optional(
      fc.array(fc.record({ type: fc.constant("step"), id: fc.constantFrom("s1", "s2") }), { maxLength: 2 }),
    ),
    schedule: optional(schedule),
    status: optional(fc.constantFrom("active", "archived")),
    authorId: optional(fc.constantFrom("alice", "bob")),
  }, { requiredKeys: ["id"] });
  const steps: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 5,
      arbitrary: input.map((i) =>
        step(`upsert ${JSON.stringify(i)}`, (d) => d.upsert(structuredClone(i)), "workflowDefinitions")
      ),
    },
    id.map((i) => step(`get ${i}`, (d) => d.get(i), "workflowDefinitions")),
    id.map((i) => step(`delete ${i}`, (d) => d.delete(i), "workflowDefinitions")),
    {
      weight: 2,
      arbitrary: fc.record({
        status: optional(fc.constantFrom("active", "archived")),
        authorId: optional(fc.constantFrom("alice", "bob")),
      }, { requiredKeys: [] }).map((filter) =>
        step(`list ${JSON.stringify(filter)}`, (d) => d.list(filter), "workflowDefinitions")
      ),
    },
  );
  await property(steps, 60);
});
