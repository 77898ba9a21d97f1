/**
 * Vector-store benchmark: our `ConvexVector` and the official
 * `@mastra/convex` 1.5.2's two vector stores (`ConvexVector`, which scans
 * every vector in JavaScript, and `ConvexNativeVector`, on a Convex vector
 * index) on the same data, each on a fresh in-process Convex backend
 * (convex-test, transaction limits on). Prints documents read and written,
 * round trips and time per call; checks every answer against a brute-force
 * reference ("wrong" otherwise). It does not pass or fail.
 *
 *   deno run -A tasks/bench/vector.ts                 # 10,000 vectors
 *   deno run -A tasks/bench/vector.ts --sizes=10000,100000
 *   deno run -A tasks/bench/vector.ts --no-official
 */
import { parseArgs } from "node:util";
import { defineSchema, defineTable, makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { convexTest } from "convex-test";
import type { MastraVector, QueryResult } from "@mastra/core/vector";
import { ConvexNativeVector, ConvexVector as OfficialVector } from "@mastra/convex-official";
import {
  mastraNativeVectorAction,
  mastraNativeVectorMutation,
  mastraNativeVectorQuery,
  mastraStorage,
  mastraVectorIndexesTable,
  mastraVectorsTable,
} from "@mastra/convex-official/server";
import { ConvexVector } from "../../src/vector/convexVector.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { createBackend, inProcessClient } from "../../tests/helpers/backend.ts";
import { measure } from "../../tests/helpers/metrics.ts";

const DIM = 128;
const THREADS = 100;
const GROUPS = 10;
const TOP_K = 10;

type Store = { name: string; vector: MastraVector; roundTrips: () => number; close: () => Promise<void> };

function ours(): Promise<Store> {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let calls = 0;
  const client: ConvexClientLike = {
    query: (p, a) => (calls++, inner.query(p, a)),
    mutation: (p, a, o) => (calls++, inner.mutation(p, a, o)),
    action: (p, a, o) => (calls++, inner.action(p, a, o)),
  };
  return Promise.resolve<Store>({
    name: "ours",
    vector: new ConvexVector({ client }),
    roundTrips: () => calls,
    close: () => Promise.resolve(),
  });
}

function official(kind: "scan" | "native"): Promise<Store> {
  const schema = defineSchema({
    mastra_vector_indexes: mastraVectorIndexesTable,
    mastra_vectors: mastraVectorsTable,
    bench_vectors: defineTable({
      id: v.string(),
      embedding: v.array(v.float64()),
      metadata: v.optional(v.any()),
      thread_id: v.optional(v.string()),
      group: v.optional(v.number()),
    }).index("by_record_id", ["id"]).vectorIndex("by_embedding", {
      vectorField: "embedding",
      dimensions: DIM,
      filterFields: ["thread_id", "group"],
    }),
  });
  const modules = {
    "/convex/_generated/server.ts": () => Promise.resolve({}),
    "/convex/mastra/storage.ts": () => Promise.resolve({ handle: mastraStorage }),
    "/convex/mastra/nativeVector.ts": () =>
      Promise.resolve({
        query: mastraNativeVectorAction,
        read: mastraNativeVectorQuery,
        write: mastraNativeVectorMutation,
      }),
  };
  const backend = convexTest({ schema, modules, transactionLimits: true });
  const server = fakeDeployment(backend as unknown as FunctionRunner);
  const config = { deploymentUrl: server.url, adminAuthToken: "bench-admin-key" };
  const vector = kind === "scan" ? new OfficialVector({ id: "official-scan", ...config }) : new ConvexNativeVector({
    id: "official-native",
    ...config,
    indexes: { bench: { tableName: "bench_vectors", dimension: DIM, filterFields: ["thread_id", "group"] } },
  });
  return Promise.resolve<Store>({
    name: kind === "scan" ? "official ConvexVector (JS scan)" : "official ConvexNativeVector",
    vector: vector as unknown as MastraVector,
    roundTrips: () => server.stats.apiRequests,
    close: () => server.close(),
  });
}

type FunctionRunner = Record<"query" | "mutation" | "action", (ref: unknown, args: unknown) => Promise<unknown>>;

const realFetch = globalThis.fetch;
const deployments = new Map<string, { backend: FunctionRunner; requests: number }>();

/**
 * Serves Convex's HTTP API (`POST /api/query|mutation|action`, `format: "json"`) for the official client
 * from a convex-test backend, by answering its `fetch` calls in process; each request is one round trip.
 */
function fakeDeployment(
  backend: FunctionRunner,
): { url: string; stats: { apiRequests: number }; close(): Promise<void> } {
  const url = `http://official-${deployments.size}.bench.invalid`;
  const entry = { backend, requests: 0 };
  deployments.set(url, entry);
  globalThis.fetch = async (input, init) => {
    const target = String(input instanceof Request ? input.url : input);
    const match = [...deployments.entries()].find(([base]) => target.startsWith(base));
    if (!match) return realFetch(input, init);
    const deployment = match[1];
    deployment.requests++;
    const kind = target.slice(target.lastIndexOf("/") + 1) as "query" | "mutation" | "action";
    const { path, args } = JSON.parse(String(init?.body));
    try {
      const value = await deployment.backend[kind](makeFunctionReference(path), args);
      return new Response(JSON.stringify({ status: "success", value: value ?? null, logLines: [] }));
    } catch (error) {
      return new Response(JSON.stringify({ status: "error", errorMessage: (error as Error).message }));
    }
  };
  return {
    url,
    stats: {
      get apiRequests() {
        return entry.requests;
      },
    },
    close: () => {
      deployments.delete(url);
      return Promise.resolve();
    },
  };
}

/** Deterministic pseudo-random data. */
function dataset(n: number) {
  let s = 42;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const vectors = Array.from({ length: n }, () => Array.from({ length: DIM }, next));
  const metadata = vectors.map((_, i) => ({ thread_id: `t${i % THREADS}`, group: i % GROUPS, text: `chunk ${i}` }));
  const ids = vectors.map((_, i) => `vec-${i}`);
  const query = Array.from({ length: DIM }, next);
  return { vectors, metadata, ids, query };
}

function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / (Math.sqrt(na) * Math.sqrt(nb));
}

type Figures = { status: string; read?: number; written?: number; roundTrips?: number; ms?: number; detail?: string };

async function run(store: Store, fn: () => Promise<unknown>, check?: (r: unknown) => string | undefined) {
  const before = store.roundTrips();
  const t = performance.now();
  try {
    const { result, usage } = await measure(fn);
    const wrong = check?.(result);
    return {
      status: wrong ? "wrong" : "ok",
      detail: wrong,
      read: usage.documentsRead,
      written: usage.documentsWritten,
      roundTrips: store.roundTrips() - before,
      ms: Math.round(performance.now() - t),
    } satisfies Figures;
  } catch (error) {
    return { status: "fails", detail: String((error as Error).message).slice(0, 100) } satisfies Figures;
  }
}

async function benchStore(store: Store, n: number): Promise<Map<string, Figures>> {
  const { vectors, metadata, ids, query } = dataset(n);
  void ids; // each store generates its ids (as Memory lets it); results are matched by their metadata
  const ranked = (pred: (i: number) => boolean) =>
    vectors.map((vector, i) => ({ text: metadata[i].text, i, score: cosine(query, vector) })).filter((r) => pred(r.i))
      .sort((a, b) => b.score - a.score).slice(0, TOP_K).map((r) => r.text);
  const same = (want: string[]) => (r: unknown) => {
    const got = (r as QueryResult[]).map((x) => x.metadata?.text);
    return JSON.stringify(got) === JSON.stringify(want) ? undefined : `got ${got.length} results, not the top ${TOP_K}`;
  };
  const out = new Map<string, Figures>();
  const log = (name: string, f: Figures) => {
    out.set(name, f);
    console.error(`  ${store.name} ${n} ${name}: ${JSON.stringify(f)}`);
  };
  const indexName = "bench";
  log("createIndex", await run(store, () => store.vector.createIndex({ indexName, dimension: DIM })));
  log(`upsert ${n}`, await run(store, () => store.vector.upsert({ indexName, vectors, metadata })));
  log(
    "describeIndex",
    await run(store, () => store.vector.describeIndex({ indexName }), (r) => {
      const count = (r as { count: number }).count;
      return count === n ? undefined : `count ${count}`;
    }),
  );
  log(
    `query top ${TOP_K}`,
    await run(
      store,
      () => store.vector.query({ indexName, queryVector: query, topK: TOP_K }),
      same(ranked(() => true)),
    ),
  );
  log(
    `query top ${TOP_K}, thread_id = t7`,
    await run(
      store,
      () => store.vector.query({ indexName, queryVector: query, topK: TOP_K, filter: { thread_id: "t7" } }),
      same(ranked((i) => i % THREADS === 7)),
    ),
  );
  log(
    `query top ${TOP_K}, group = 3`,
    await run(
      store,
      () => store.vector.query({ indexName, queryVector: query, topK: TOP_K, filter: { group: 3 } }),
      same(ranked((i) => i % GROUPS === 3)),
    ),
  );
  log(
    `query top ${TOP_K}, group in [3, 4] and n-th chunk`,
    await run(
      store,
      () =>
        store.vector.query({
          indexName,
          queryVector: query,
          topK: TOP_K,
          filter: { $and: [{ group: { $in: [3, 4] } }, { text: { $regex: "^chunk" } }] },
        }),
      same(ranked((i) => i % GROUPS === 3 || i % GROUPS === 4)),
    ),
  );
  log(
    "deleteVectors thread_id = t7",
    await run(store, () => store.vector.deleteVectors({ indexName, filter: { thread_id: "t7" } })),
  );
  log("deleteIndex", await run(store, () => store.vector.deleteIndex({ indexName })));
  return out;
}

function cell(f: Figures | undefined): string {
  if (!f) return "-";
  if (f.status === "fails") return `fails: ${f.detail}`;
  const text = `${f.read} read / ${f.written} written, ${f.roundTrips} trips, ${f.ms} ms`;
  return f.status === "wrong" ? `WRONG (${f.detail}); ${text}` : text;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { sizes: { type: "string", default: "10000" }, "no-official": { type: "boolean", default: false } },
  });
  const sizes = values.sizes!.split(",").map((s) => Number(s.replaceAll("_", "")));
  const makers: (() => Promise<Store>)[] = [ours];
  if (!values["no-official"]) makers.push(() => official("native"), () => official("scan"));
  for (const n of sizes) {
    const columns: { name: string; figures: Map<string, Figures> }[] = [];
    for (const make of makers) {
      const store = await make();
      try {
        columns.push({ name: store.name, figures: await benchStore(store, n) });
      } finally {
        await store.close();
      }
    }
    console.log(
      `\n### ${n.toLocaleString("en-US")} vectors of ${DIM} dimensions (${THREADS} threads, ${GROUPS} groups)\n`,
    );
    console.log(`| call | ${columns.map((c) => c.name).join(" | ")} |`);
    console.log(`|---|${columns.map(() => "---").join("|")}|`);
    for (const name of columns[0].figures.keys()) {
      console.log(`| ${name} | ${columns.map((c) => cell(c.figures.get(name))).join(" | ")} |`);
    }
  }
}
