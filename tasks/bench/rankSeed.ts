/**
 * Builds our rank trees for seeded rows in minutes instead of hours.
 *
 * `rebuildRankTrees()` is the way a deployment builds its trees, and the
 * benchmark used it after seeding. On convex-test, though, every index
 * lookup copies and scans its whole table, and a rebuild looks up the roots
 * of thousands of trees over a `rank_nodes` table that keeps growing: at
 * 100,000 rows per table it ran for more than 50 minutes. This does the
 * same work with the same code (`treeEntriesOf` gives each row's entries,
 * `RankBatch` and `TraceDictionaryBatch` place them, exactly as
 * `system/ranks:rebuild` and `observability/tracing/traceDictionary:rebuild` do),
 * but against an indexed in-memory copy of the tables it touches; the
 * resulting nodes and dictionary rows are then inserted into the backend in
 * large chunks, children before parents, and the tables are marked covered
 * as a completed rebuild marks them. `tests/bench_rank_seed_test.ts` checks
 * that it leaves the same trees, dictionary and counters as the rebuild.
 */
import type { MutationCtx } from "../../convex/kit/functions.ts";
import { RankBatch } from "../../convex/kit/rankTree.ts";
import { markCovered, unmarkCovered } from "../../convex/kit/coverage.ts";
import { RANKED_TABLES } from "../../convex/system/rankedTables.ts";
import { treeEntriesOf } from "../../convex/system/treeEntries.ts";
import { foldLegacyRunCount } from "../../convex/workflows/ranking.ts";
import { TraceDictionaryBatch } from "../../convex/observability/tracing/traceDictionary.ts";
import type { TraceRow } from "../../convex/observability/tracing/validators.ts";
import type { RawBackend } from "./subjects.ts";

type Doc = Record<string, unknown>;

/** Rows read or inserted per backend call at most. */
const CHUNK = 4000;
/** Bytes (as JSON) inserted per backend call at most: a call may write 16 MiB. */
const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The slice of a Convex `db` that tree writers use (`get`, `insert`,
 * `replace`, `delete`, and equality lookups `withIndex(...).first()` or
 * `.take(n)`), kept
 * in memory with a hash index per set of looked-up fields.
 */
class MemoryDb {
  readonly #docs = new Map<string, Doc>();
  readonly #tableOf = new Map<string, string>();
  /** table -> fields joined -> key of the values -> ids. */
  readonly #indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
  #next = 0;

  /** Ids of the documents of `table`, in insertion order. */
  ids(table: string): string[] {
    return [...this.#tableOf].filter(([, t]) => t === table).map(([id]) => id);
  }

  /** Loads an existing document (its `_id` kept). */
  load(table: string, doc: Doc): void {
    this.#put(table, String(doc._id), doc);
  }

  get(id: string): Promise<Doc | null> {
    return Promise.resolve(this.#docs.get(id) ?? null);
  }

  insert(table: string, fields: Doc): Promise<string> {
    const id = `memory:${table}:${this.#next++}`;
    this.#put(table, id, { ...fields, _id: id });
    return Promise.resolve(id);
  }

  replace(id: string, fields: Doc): Promise<void> {
    const table = this.#tableOf.get(id);
    if (!table) throw new Error(`MemoryDb: no document ${id}`);
    this.#unindex(table, id);
    this.#put(table, id, { ...fields, _id: id });
    return Promise.resolve();
  }

  delete(id: string): Promise<void> {
    const table = this.#tableOf.get(id);
    if (!table) return Promise.resolve();
    this.#unindex(table, id);
    this.#docs.delete(id);
    this.#tableOf.delete(id);
    return Promise.resolve();
  }

  query(table: string): {
    withIndex(
      name: string,
      range: (q: unknown) => unknown,
    ): { first(): Promise<Doc | null>; take(n: number): Promise<Doc[]> };
  } {
    return {
      withIndex: (_name, range) => {
        const eqs: [string, unknown][] = [];
        const q = { eq: (field: string, value: unknown) => (eqs.push([field, value]), q) };
        range(q);
        return {
          first: () => Promise.resolve(this.#lookup(table, eqs)[0] ?? null),
          take: (n: number) => Promise.resolve(this.#lookup(table, eqs).slice(0, n)),
        };
      },
    };
  }

  /** The documents of `table` whose fields equal `eqs`, by id. */
  #lookup(table: string, eqs: [string, unknown][]): Doc[] {
    const fields = eqs.map(([field]) => field).join("\u0000");
    const byTable = this.#indexes.get(table) ?? new Map<string, Map<string, Set<string>>>();
    this.#indexes.set(table, byTable);
    let index = byTable.get(fields);
    if (!index) {
      index = new Map();
      byTable.set(fields, index);
      for (const id of this.ids(table)) this.#addTo(index, fields, id);
    }
    const ids = index.get(JSON.stringify(eqs.map(([, value]) => value)));
    if (!ids || ids.size === 0) return [];
    return [...ids].map((id) => this.#docs.get(id)!).sort((a, b) => String(a._id) < String(b._id) ? -1 : 1);
  }

  #addTo(index: Map<string, Set<string>>, fields: string, id: string): void {
    const doc = this.#docs.get(id)!;
    const key = JSON.stringify(fields.split("\u0000").map((field) => doc[field] ?? null));
    const ids = index.get(key) ?? new Set<string>();
    ids.add(id);
    index.set(key, ids);
  }

  #put(table: string, id: string, doc: Doc): void {
    this.#docs.set(id, doc);
    this.#tableOf.set(id, table);
    for (const [fields, index] of this.#indexes.get(table) ?? []) this.#addTo(index, fields, id);
  }

  #unindex(table: string, id: string): void {
    const doc = this.#docs.get(id)!;
    for (const [fields, index] of this.#indexes.get(table) ?? []) {
      const key = JSON.stringify(fields.split("\u0000").map((field) => doc[field] ?? null));
      index.get(key)?.delete(id);
    }
  }
}

/** Inserts `docs` into `table` in calls within a transaction's limits; returns their new ids in order. */
async function insertAll(backend: RawBackend, table: string, docs: Doc[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < docs.length;) {
    let end = start;
    let bytes = 0;
    while (end < docs.length && end - start < CHUNK) {
      bytes += JSON.stringify(docs[end]).length;
      if (bytes > CHUNK_BYTES && end > start) break;
      end++;
    }
    const chunk = docs.slice(start, end);
    ids.push(
      ...await backend.run(async (ctx) => {
        const out: string[] = [];
        for (const doc of chunk) out.push(await ctx.db.insert(table, doc));
        return out;
      }),
    );
    start = end;
  }
  return ids;
}

/** Every row of `table`, read in pages that stay within a transaction's limits. */
async function readAll(backend: RawBackend, table: string): Promise<Doc[]> {
  const rows: Doc[] = [];
  for (let cursor: string | null = null;;) {
    const page: { page: Doc[]; isDone: boolean; continueCursor: string } = await backend.run((ctx) =>
      // deno-lint-ignore no-explicit-any
      (ctx.db as any).query(table).paginate({ cursor, numItems: CHUNK })
    );
    rows.push(...page.page);
    if (page.isDone) return rows;
    cursor = page.continueCursor;
  }
}

/**
 * Drops our store's rank trees and builds them from every row of the ranked
 * tables, then the trace dictionary's trees and rows, and marks the tables
 * covered: what `ConvexStorage.rebuildRankTrees()` leaves, in far fewer
 * backend calls. Returns the number of tree nodes written.
 */
export async function buildRankTrees(backend: RawBackend): Promise<number> {
  // 1. What a rebuild's `clear` does: no node, no mark; and no pending change (the seeder's templates left some).
  for (const table of ["rank_nodes", "rank_pending"]) {
    for (;;) {
      const left = await backend.run(async (ctx) => {
        // deno-lint-ignore no-explicit-any
        const nodes: Doc[] = await (ctx.db as any).query(table).take(CHUNK);
        for (const node of nodes) await ctx.db.delete(String(node._id));
        return nodes.length;
      });
      if (left < CHUNK) break;
    }
  }
  await backend.run(async (ctx) => {
    for (const table of RANKED_TABLES) await unmarkCovered(ctx as unknown as MutationCtx, table);
  });

  // 2. Every row's entries, placed by the trees' own writer, in memory.
  const memory = new MemoryDb();
  const ctx = { db: memory } as unknown as MutationCtx;
  for (const table of RANKED_TABLES) {
    const rows = await readAll(backend, table);
    const ranks = new RankBatch();
    for (const row of rows) ranks.change([], treeEntriesOf(table, row));
    await ranks.applyNow(ctx);
  }
  const dictionary = await readAll(backend, "obs_trace_dictionary");
  for (const row of dictionary) memory.load("obs_trace_dictionary", row);
  const traces = await readAll(backend, "ai_traces");
  const entries = new TraceDictionaryBatch();
  for (const { _id: _, _creationTime: __, ...row } of traces) entries.change(null, row as TraceRow);
  await entries.apply(ctx, true);

  // 3. Into the backend: dictionary rows as they are, nodes children first (their ids change).
  const known = new Set(dictionary.map((row) => String(row._id)));
  const fresh: Doc[] = [];
  for (const id of memory.ids("obs_trace_dictionary")) {
    if (known.has(id)) continue;
    const { _id: _, ...fields } = (await memory.get(id))!;
    fresh.push(fields);
  }
  await insertAll(backend, "obs_trace_dictionary", fresh);
  const nodes = await Promise.all(memory.ids("rank_nodes").map((id) => memory.get(id) as Promise<Doc>));
  const nodesById = new Map(nodes.map((node) => [String(node._id), node]));
  const height = new Map<string, number>();
  const heightOf = (node: Doc): number => {
    const cached = height.get(String(node._id));
    if (cached !== undefined) return cached;
    const first = (node.children as { node: string }[])[0];
    const h = node.leaf ? 0 : 1 + heightOf(nodesById.get(first.node)!);
    height.set(String(node._id), h);
    return h;
  };
  const levels: Doc[][] = [];
  for (const node of nodes) (levels[heightOf(node)] ??= []).push(node);
  const realId = new Map<string, string>();
  for (const level of levels) {
    const docs = level.map(({ _id: _, ...fields }) => ({
      ...fields,
      children: (fields.children as { node: string; min: unknown; count: number }[])
        .map((child) => ({ ...child, node: realId.get(child.node)! })),
    }));
    const ids = await insertAll(backend, "rank_nodes", docs);
    level.forEach((node, i) => realId.set(String(node._id), ids[i]));
  }

  // 4. What a completed rebuild of each table leaves.
  await backend.run(async (ctx) => {
    const mutation = ctx as unknown as MutationCtx;
    await foldLegacyRunCount(mutation);
    for (const table of RANKED_TABLES) await markCovered(mutation, table);
  });
  return nodes.length;
}
