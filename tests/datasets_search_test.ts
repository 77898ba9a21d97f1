/**
 * `listItems({ search })` finds substrings as core does in the cases the
 * differential property test does not reach: a text too long to index
 * every suffix of (flagged partly indexed, still found), and a search
 * term shared by more items than one search-index read returns (the
 * bounded fallback walk answers instead). Each answer is compared with
 * `InMemoryStore`'s.
 */
import assert from "node:assert/strict";
import { InMemoryStore } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { MAX_TOKENS_CHARS, searchIndexColumns, searchToken } from "../convex/datasets/searchTokens.ts";
import { SEARCH_CANDIDATES } from "../convex/datasets/items.ts";

// deno-lint-ignore no-explicit-any
type Datasets = any;

async function both(setup: (datasets: Datasets) => Promise<void>) {
  const { storage, backend } = createTestStorage();
  const ours = (await storage.getStore("datasets"))!;
  const reference = (await new InMemoryStore().getStore("datasets"))!;
  await setup(ours);
  await setup(reference);
  return { ours, reference, backend };
}

/** The ids of the items matching `search`, from our storage and from the reference. */
async function matches(ours: Datasets, reference: Datasets, search: string): Promise<[string[], string[]]> {
  const ask = async (store: Datasets) =>
    (await store.listItems({ datasetId: "d", search, pagination: { page: 0, perPage: false } })).items
      .map((item: { input: unknown }) => JSON.stringify(item.input)).sort();
  return [await ask(ours), await ask(reference)];
}

Deno.test("searchIndexColumns: every word suffix, cut to 32 characters; a long text is flagged partial", () => {
  assert.deepEqual(searchIndexColumns("hello, hi\u0000lo"), { searchTokens: "hello ello llo lo o hi i" });
  assert.equal(searchToken('"ELLO wor'.toLowerCase()), "ello");
  assert.equal(searchToken(" - "), undefined);
  const long = searchIndexColumns(Array.from({ length: 4000 }, (_, i) => `word${i}x${i * 7}`).join(" "));
  assert.equal(long.searchPartial, true);
  assert.ok(long.searchTokens.length <= MAX_TOKENS_CHARS);
});

Deno.test("search finds a substring of a partly indexed text, as core does", async () => {
  const filler = Array.from({ length: 4000 }, (_, i) => `word${i}x${i * 7}`).join(" ");
  const { ours, reference, backend } = await both(async (datasets) => {
    await datasets.createDataset({ id: "d", name: "D" });
    await datasets.addItem({ datasetId: "d", input: `${filler} haystack-needle` });
    await datasets.addItem({ datasetId: "d", input: "short needle" });
  });
  // deno-lint-ignore no-explicit-any
  const flagged = await backend.run(async (ctx: any) =>
    (await ctx.db.query("dataset_items").collect()).filter((row: { searchPartial?: boolean }) => row.searchPartial)
      .length
  );
  assert.equal(flagged, 1, "the long item is indexed partly");
  for (const search of ["EEDL", "stack-nee", "needle", "word3999x27993 hay", "zzz"]) {
    const [got, expected] = await matches(ours, reference, search);
    assert.deepEqual(got, expected, search);
  }
});

Deno.test("a search matching more items than one index read returns falls back to the walk, as core answers", async () => {
  const { ours, reference } = await both(async (datasets) => {
    await datasets.createDataset({ id: "d", name: "D" });
    await datasets.batchInsertItems({
      datasetId: "d",
      items: Array.from({ length: SEARCH_CANDIDATES + 20 }, (_, i) => ({ input: `hello ${i}` })),
    });
  });
  for (const search of ["ELL", "lo 10", "o 1000"]) {
    const [got, expected] = await matches(ours, reference, search);
    assert.ok(expected.length > 0);
    assert.deepEqual(got, expected, search);
  }
});
