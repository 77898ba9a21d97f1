/**
 * Editor benchmark rows (issue 27): resolving a stored agent (published,
 * draft) and listing agents and versions (first and middle pages, with and
 * without resolved versions), in documents read and round trips, at N
 * stored agents and one agent with N versions, on the in-process Convex
 * backend (convex-test, transaction limits on). Sizes above 10,000 are
 * skipped (seeding and the trees' build take too long on convex-test).
 *
 *   deno run -A tasks/bench/editor.ts --sizes=1000,10000
 */
import { parseArgs } from "node:util";
import type { AgentsStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { createBackend, inProcessClient } from "../../tests/helpers/backend.ts";
import { measure } from "../../tests/helpers/metrics.ts";
import { encodeValue } from "../../convex/kit/codec.ts";
import { counterShard } from "../../convex/kit/counters.ts";
import { versionedCounters } from "../../convex/kit/versioned.ts";
import type { EntityRow, VersionRow } from "../../convex/kit/versionedRows.ts";
import { buildRankTrees } from "./rankSeed.ts";
import type { RawBackend } from "./subjects.ts";

/** Largest size seeded (through the API). */
const MAX_SIZE = 10_000;
const MODEL = { provider: "openai", name: "gpt-4o" };
const PER_PAGE = 20;

function counted(): { agents: AgentsStorage; trips: () => number; backend: ReturnType<typeof createBackend> } {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let calls = 0;
  const client: ConvexClientLike = {
    ...inner,
    query: (ref, args) => (calls++, inner.query(ref, args)),
    mutation: (ref, args, options) => (calls++, inner.mutation(ref, args, options)),
    action: (ref, args, options) => (calls++, inner.action(ref, args, options)),
  };
  // deno-lint-ignore no-explicit-any
  return { agents: (new ConvexStorage({ client }) as any).stores.agents, trips: () => calls, backend };
}

const num = (n: number) => n.toLocaleString("en");

/** The filterable fields of the i-th seeded agent: ten authors, two visibilities, four teams. */
function filterFields(i: number): { authorId: string; visibility: string; metadata: string } {
  return {
    authorId: `author-${i % 10}`,
    visibility: i % 2 === 0 ? "public" : "private",
    metadata: encodeValue({ team: `t${i % 4}`, "mastra.resourceId": "res-1" }),
  };
}

/** Number of seeded agents (of `size`) whose index passes `test`. */
function countSeeded(size: number, test: (i: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < size; i++) if (test(i)) n++;
  return n;
}

/** Rows inserted per backend call. */
const CHUNK = 2000;

/**
 * Seeds N agents (a third published, one version each, 1 KB of
 * instructions) and one agent with N versions, written straight into the
 * tables as the API writes them (rows, counters), then builds their rank
 * trees with the trees' own writer (`rankSeed.ts`, as a rebuild does).
 * The API path itself is what the tests check.
 */
async function seed(backend: ReturnType<typeof createBackend>, size: number): Promise<void> {
  const names = versionedCounters("agents");
  const counts = new Map<string, number>();
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const entities: EntityRow[] = [];
  const versions: VersionRow[] = [];
  const T0 = 1_750_000_000_000;
  const body = (name: string, instructions: string) =>
    encodeValue({ name, instructions, model: MODEL, changedFields: ["name"], changeMessage: "Initial version" });
  for (let i = 0; i < size; i++) {
    const id = `agent-${String(i).padStart(6, "0")}`;
    const status = i % 3 === 0 ? "published" : "draft";
    entities.push({
      domain: "agents",
      id,
      status,
      ...filterFields(i),
      favoriteCount: 0,
      createdAt: T0 + i * 1000,
      updatedAt: T0 + i * 1000,
    });
    versions.push({
      domain: "agents",
      id: `${id}-v1`,
      entityId: id,
      versionNumber: 1,
      body: body(id, "i".repeat(1000)),
      createdAt: T0 + i * 1000,
    });
  }
  const Tv = T0 + size * 1000;
  entities.push({
    domain: "agents",
    id: "versioned",
    status: "published",
    activeVersionId: "v-1",
    favoriteCount: 0,
    createdAt: Tv,
    updatedAt: Tv,
  });
  for (let n = 1; n <= size; n++) {
    versions.push({
      domain: "agents",
      id: `v-${n}`,
      entityId: "versioned",
      versionNumber: n,
      body: body(`v${n}`, "x"),
      createdAt: Tv + n,
    });
  }
  for (const row of entities) {
    count(counterShard(names.entities, row.id));
    count(counterShard(names.inStatus(row.status), row.id));
  }
  for (const row of versions) count(names.versionsOf(row.entityId));
  for (const [table, rows] of [["versioned_entities", entities], ["versioned_versions", versions]] as const) {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await backend.run(async (ctx) => {
        for (const row of rows.slice(i, i + CHUNK)) await ctx.db.insert(table, row as never);
      });
    }
  }
  await backend.run(async (ctx) => {
    for (const [name, value] of counts) await ctx.db.insert("counters", { name, value });
  });
  await buildRankTrees(backend as unknown as RawBackend);
}

/** The editor table: one row per call, one column pair per size. */
export async function renderEditorBench(sizes: readonly number[]): Promise<string> {
  const used = sizes.filter((size) => size <= MAX_SIZE);
  const middle = (matching: number) => Math.floor(matching / PER_PAGE / 2);
  const byAuthor = (size: number) => countSeeded(size, (i) => i % 10 === 3);
  const byVisibility = (size: number) => countSeeded(size, (i) => i % 2 === 1);
  const byTeam = (size: number) => countSeeded(size, (i) => i % 4 === 1);
  const byStatusAuthor = (size: number) => countSeeded(size, (i) => i % 3 === 0 && i % 10 === 3);
  const byServerScope = (size: number) => countSeeded(size, (i) => i % 3 === 0 && i % 10 === 3);
  const calls: {
    name: string;
    run: (agents: AgentsStorage, size: number) => Promise<unknown>;
    /** The total the call must answer (else one of the unfiltered or status totals). */
    expect?: (size: number) => number;
  }[] = [
    { name: "getByIdResolved (published: active version)", run: (a) => a.getByIdResolved("versioned") },
    {
      name: "getByIdResolved (draft: latest version)",
      run: (a) => a.getByIdResolved("versioned", { status: "draft" }),
    },
    { name: `list agents, page 0 (perPage ${PER_PAGE})`, run: (a) => a.list({ perPage: PER_PAGE }) },
    {
      name: "list agents, middle page",
      run: (a, size) => a.list({ perPage: PER_PAGE, page: Math.floor(size / PER_PAGE / 2) }),
    },
    {
      name: "list published agents, middle page",
      run: (a, size) => a.list({ status: "published", perPage: PER_PAGE, page: Math.floor(size / 3 / PER_PAGE / 2) }),
    },
    { name: "listResolved, page 0", run: (a) => a.listResolved({ perPage: PER_PAGE }) },
    {
      name: "listResolved, middle page",
      run: (a, size) => a.listResolved({ perPage: PER_PAGE, page: Math.floor(size / PER_PAGE / 2) }),
    },
    {
      name: "list by authorId, middle page",
      run: (a, size) => a.list({ authorId: "author-3", perPage: PER_PAGE, page: middle(byAuthor(size)) }),
      expect: byAuthor,
    },
    {
      name: "list by visibility, middle page",
      run: (a, size) => a.list({ visibility: "private", perPage: PER_PAGE, page: middle(byVisibility(size)) }),
      expect: byVisibility,
    },
    {
      name: "list by a metadata pair, middle page",
      run: (a, size) => a.list({ metadata: { team: "t1" }, perPage: PER_PAGE, page: middle(byTeam(size)) }),
      expect: byTeam,
    },
    {
      name: "list by status + authorId, middle page",
      run: (a, size) =>
        a.list({ status: "published", authorId: "author-3", perPage: PER_PAGE, page: middle(byStatusAuthor(size)) }),
      expect: byStatusAuthor,
    },
    {
      name: "listResolved by status + authorId + scope pair, middle",
      run: (a, size) =>
        a.listResolved({
          status: "published",
          authorId: "author-3",
          metadata: { "mastra.resourceId": "res-1" },
          perPage: PER_PAGE,
          page: middle(byServerScope(size)),
        }),
      expect: byServerScope,
    },
    {
      name: "listVersions of one agent, page 0",
      run: (a) => a.listVersions({ agentId: "versioned", perPage: PER_PAGE }),
    },
    {
      name: "listVersions of one agent, middle page",
      run: (a, size) =>
        a.listVersions({ agentId: "versioned", perPage: PER_PAGE, page: Math.floor(size / PER_PAGE / 2) }),
    },
  ];
  const cells = new Map<string, string[]>();
  for (const size of used) {
    const { agents, trips, backend } = counted();
    const started = performance.now();
    await seed(backend, size);
    console.error(
      `editor bench: seeded ${num(size)} agents and ${num(size)} versions in ${
        ((performance.now() - started) / 1000).toFixed(0)
      } s`,
    );
    for (const call of calls) {
      const before = trips();
      const { result, usage } = await measure(() => call.run(agents, size));
      const total = (result as { total?: number }).total;
      const wrong = call.expect
        ? total !== call.expect(size)
        : total !== undefined && total !== size + 1 && total !== size && total !== Math.ceil(size / 3) + 1;
      if (wrong) {
        throw new Error(`${call.name}: total ${total} does not match the seeded data (${size})`);
      }
      const row = cells.get(call.name) ?? [];
      row.push(num(usage.documentsRead), String(trips() - before));
      cells.set(call.name, row);
    }
  }
  const headers = ["editor call", ...used.flatMap((size) => [`read @${num(size)}`, `trips @${num(size)}`])];
  const rows = calls.map((call) => [call.name, ...(cells.get(call.name) ?? [])]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    "| " + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
  const rule = "|" + widths.map((w, i) => (i === 0 ? ":" + "-".repeat(w + 1) : "-".repeat(w + 1) + ":")).join("|") +
    "|";
  const skipped = sizes.filter((size) => size > MAX_SIZE);
  return [
    `Editor (stored agents): N agents and one agent with N versions${
      skipped.length ? `; sizes above ${num(MAX_SIZE)} skipped (slow to seed on convex-test)` : ""
    }.`,
    "",
    line(headers),
    rule,
    ...rows.map(line),
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { sizes: { type: "string" } } });
  const sizes = (values.sizes ?? "1000,10000").split(",").map((s) => Number(s.replaceAll("_", "")));
  console.log(await renderEditorBench(sizes));
}
