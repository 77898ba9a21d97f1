/**
 * The two stores the benchmark compares, each on a fresh in-process Convex
 * backend (convex-test with Convex's transaction limits on):
 *
 * - ours: `ConvexStorage` over a client that runs calls on the backend
 *   directly and counts them (one call = one round trip);
 * - the official `@mastra/convex` 1.5.2: its `ConvexStore` unchanged, talking
 *   over real HTTP to the test-only Convex HTTP server, which hosts the
 *   package's own Convex function (`mastra/storage:handle`, as its docs tell
 *   users to mount it) and schema; its HTTP requests are its round trips.
 *
 * Both backends live in this process, so `measure` counts the documents each
 * call reads and writes, whichever store made it. They are separate
 * backends because both stores name their tables `mastra_threads`,
 * `mastra_messages`, ...
 */
import { defineSchema } from "convex/server";
import { convexTest } from "convex-test";
import type {
  BackgroundTasksStorage,
  MastraCompositeStore,
  MemoryStorage,
  ObservabilityStorage,
  ScoresStorage,
  WorkflowsStorage,
} from "@mastra/core/storage";
import { ConvexStore } from "@mastra/convex-official";
import {
  mastraBackgroundTasksTable,
  mastraCacheListItemsTable,
  mastraCacheTable,
  mastraDocumentsTable,
  mastraMessagesTable,
  mastraObservationalMemoryTable,
  mastraResourcesTable,
  mastraScoresTable,
  mastraStorage,
  mastraThreadsTable,
  mastraVectorIndexesTable,
  mastraVectorsTable,
  mastraWorkflowSnapshotsTable,
} from "@mastra/convex-official/server";
import ourSchema from "../../convex/schema.ts";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { createBackend, inProcessClient } from "../../tests/helpers/backend.ts";
import { type ConvexHttpServer, startConvexHttpServer } from "../../tests/helpers/httpServer.ts";

/** What a benchmark run needs of a convex-test backend: direct access to its tables. */
export type RawBackend = {
  run<T>(fn: (ctx: { db: RawDb }) => Promise<T>): Promise<T>;
};

/** The untyped slice of Convex's `db` the seeders use. */
export type RawDb = {
  insert(table: string, doc: Record<string, unknown>): Promise<string>;
  patch(id: string, fields: Record<string, unknown>): Promise<void>;
  delete(id: string): Promise<void>;
  query(table: string): {
    collect(): Promise<Record<string, unknown>[]>;
    withIndex(
      index: string,
      range: (q: { eq(field: string, value: unknown): unknown }) => unknown,
    ): { unique(): Promise<Record<string, unknown> | null> };
  };
};

/** One store under test. */
export interface Subject extends AsyncDisposable {
  /** "ours" or "official". */
  readonly name: string;
  readonly storage: MastraCompositeStore;
  readonly memory: MemoryStorage;
  readonly workflows: WorkflowsStorage;
  readonly scores: ScoresStorage;
  /** Absent when the store has no such domain. */
  readonly observability?: ObservabilityStorage;
  readonly backgroundTasks?: BackgroundTasksStorage;
  /** The backend holding its tables. */
  readonly backend: RawBackend;
  /** Names of its tables. */
  readonly tables: readonly string[];
  /** Name of its counter table, if it keeps counters. */
  readonly counterTable?: string;
  /** Round trips made so far (calls through the client, or HTTP requests). */
  roundTrips(): number;
}

/** Our store on a fresh backend, through a call-counting client. */
export async function createOurs(): Promise<Subject> {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let calls = 0;
  const client: ConvexClientLike = {
    query: (ref, args) => (calls++, inner.query(ref, args)),
    mutation: (ref, args) => (calls++, inner.mutation(ref, args)),
    action: (ref, args) => (calls++, inner.action(ref, args)),
  };
  const storage = new ConvexStorage({ client });
  await storage.init();
  return {
    name: "ours",
    storage,
    memory: (await storage.getStore("memory"))!,
    workflows: (await storage.getStore("workflows"))!,
    scores: (await storage.getStore("scores"))!,
    observability: await storage.getStore("observability"),
    backgroundTasks: await storage.getStore("backgroundTasks"),
    backend: backend as unknown as RawBackend,
    tables: Object.keys(ourSchema.tables),
    counterTable: "counters",
    roundTrips: () => calls,
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

/** The schema the official package's docs tell users to define. */
export const officialSchema = defineSchema({
  mastra_threads: mastraThreadsTable,
  mastra_messages: mastraMessagesTable,
  mastra_resources: mastraResourcesTable,
  mastra_workflow_snapshots: mastraWorkflowSnapshotsTable,
  mastra_scorers: mastraScoresTable,
  mastra_observational_memory: mastraObservationalMemoryTable,
  mastra_vector_indexes: mastraVectorIndexesTable,
  mastra_vectors: mastraVectorsTable,
  mastra_cache: mastraCacheTable,
  mastra_cache_list_items: mastraCacheListItemsTable,
  mastra_documents: mastraDocumentsTable,
  mastra_background_tasks: mastraBackgroundTasksTable,
});

/** The official Convex module map: `convex/mastra/storage.ts` exporting `handle = mastraStorage`. */
export function officialModules(): Record<string, () => Promise<unknown>> {
  return {
    "/convex/_generated/server.ts": () => Promise.resolve({}),
    "/convex/mastra/storage.ts": () => Promise.resolve({ handle: mastraStorage }),
  };
}

/** The official store, unchanged, over HTTP to its own Convex function on a fresh backend. */
export async function createOfficial(): Promise<Subject> {
  const modules = officialModules();
  const backend = convexTest({ schema: officialSchema, modules, transactionLimits: true });
  const server: ConvexHttpServer = await startConvexHttpServer({
    // The official package lives at the app's root (its docs mount `convex/mastra/storage.ts`), with no component.
    // deno-lint-ignore no-explicit-any
    backend: { ...backend, raw: backend } as any,
    modules,
    components: {},
  });
  const storage = new ConvexStore({ id: "official", deploymentUrl: server.url, adminAuthToken: server.adminKey });
  await storage.init();
  return {
    name: "official",
    storage,
    memory: (await storage.getStore("memory"))!,
    workflows: (await storage.getStore("workflows"))!,
    scores: (await storage.getStore("scores"))!,
    observability: await storage.getStore("observability"),
    backgroundTasks: await storage.getStore("backgroundTasks"),
    backend: backend as unknown as RawBackend,
    tables: Object.keys(officialSchema.tables),
    roundTrips: () => server.stats.apiRequests,
    [Symbol.asyncDispose]: () => server.close(),
  };
}
