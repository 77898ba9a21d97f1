/**
 * Scores of Mastra's scores domain. Internal functions only.
 *
 * Each list Mastra offers has its own index, and a rank tree holds its
 * total, so a page at any depth costs about one page of reads
 * plus the tree's depth. A scorer's list has an index for every combination
 * of its optional filters (entity id, entity type, source). Tenancy filters
 * (organization, project), which no index covers, are applied while walking
 * the narrowest index: such a list costs O(matches) and its total is
 * counted by the walk (bounded per call, resumable).
 *
 * A score's `data` too large for its row is stored as a blob
 * (`kit/blobs.ts`): the client uploads it first, `save` adopts it (and
 * releases the one it replaces), and reads return the reference for the
 * client to resolve. Lists never read `data`, so skipped rows cost no
 * chunks.
 */
import { type GenericId, v } from "convex/values";
import { adoptBlobs, blobOwner, releaseBlobs } from "../kit/blobs.js";
import { scoreCounters, type ScorerFilter, scorerFilterTree, scoreTree, scoreTreeEntries } from "./counterNames.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type IndexSpec, type Order, walk, walkStateValidator } from "../kit/walk.js";
import { planList as planRankedList, RankBatch, treeTotal } from "../kit/rankTree.js";
import { noteInsert, treesCover } from "../kit/coverage.js";
import { type ScoreRow, tenancyValidator } from "./validators.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";

async function findScore(ctx: QueryCtx, id: string) {
  return await ctx.db.query("scores").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/**
 * Adjusts a score's rank-tree entries. Scores keep no counters: every list
 * has a tree whose root gives its total under the table's coverage mark
 * (`kit/coverage.ts`), and a deployment whose trees are incomplete counts
 * as it walks until `rebuildRankTrees`; a save pays its row and its tree
 * entries only.
 */
async function recount(ctx: MutationCtx, before: ScoreRow | null, after: ScoreRow): Promise<void> {
  const ranks = new RankBatch();
  ranks.change(scoreTreeEntries(before), scoreTreeEntries(after));
  await ranks.apply(ctx);
}

/**
 * Deletes one stored score with its rank-tree entries and its blob (the
 * bookkeeping `save` keeps, undone). Used by retention; the coverage mark
 * stays valid since the trees lose exactly the row's entries.
 */
export async function removeScore(ctx: MutationCtx, doc: ScoreRow & { _id: GenericId<"scores"> }): Promise<void> {
  const row = withoutSystemFields(doc) as ScoreRow;
  await ctx.db.delete(doc._id);
  const ranks = new RankBatch();
  ranks.change(scoreTreeEntries(row), []);
  await ranks.apply(ctx);
  await releaseBlobs(ctx, blobOwner("scores", row.id), [row.data]);
}

/** Returns one score by id, or `null`. */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<ScoreRow | null> => {
    const doc = await findScore(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/**
 * Inserts or replaces a score. A replaced score keeps its `createdAt` and
 * its place in insertion order; `updatedAt` becomes `now`. `data` may be a
 * reference to an uploaded blob. Returns the stored score, and `released`
 * when a replaced blob became garbage (the client sweeps).
 */
export const save = internalMutation({
  args: {
    id: v.string(),
    scorerId: v.string(),
    entityId: v.string(),
    entityType: v.optional(v.string()),
    runId: v.string(),
    source: v.optional(v.string()),
    traceId: v.optional(v.string()),
    spanId: v.optional(v.string()),
    resourceId: v.optional(v.string()),
    threadId: v.optional(v.string()),
    organizationId: v.optional(v.union(v.string(), v.null())),
    projectId: v.optional(v.union(v.string(), v.null())),
    createdAt: v.optional(v.number()),
    data: v.string(),
    now: v.number(),
  },
  handler: async (ctx, { createdAt, now, ...fields }): Promise<{ row: ScoreRow; released: boolean }> => {
    const existing = await findScore(ctx, fields.id);
    const row: ScoreRow = {
      ...fields,
      createdAt: existing?.createdAt ?? createdAt ?? now,
      updatedAt: now,
      insertedAt: existing?.insertedAt ?? now,
    };
    assertFitsDocument(`score ${fields.id}`, row);
    const owner = blobOwner("scores", fields.id);
    await adoptBlobs(ctx, owner, [row.data]);
    if (existing) {
      await ctx.db.replace(existing._id, row);
      await recount(ctx, withoutSystemFields(existing), row);
    } else {
      await noteInsert(ctx, "scores");
      await ctx.db.insert("scores", row);
      await recount(ctx, null, row);
    }
    const released = await releaseBlobs(ctx, owner, [existing?.data], [row.data]);
    return { row, released };
  },
});

type ListArgs = {
  kind: "scorer" | "run" | "entity" | "span";
  scorerId?: string;
  runId?: string;
  entityId?: string;
  entityType?: string;
  source?: string;
  traceId?: string;
  spanId?: string;
  filters: { organizationId?: string | null; projectId?: string | null };
};

/**
 * How a list is served: its index, its order, the rank tree whose root
 * holds its total under the table's coverage mark, and the filters no
 * index covers (tenancy), applied while walking.
 */
type ListPlan = {
  spec: IndexSpec;
  order: Order;
  tree?: string;
  rest: [keyof ScoreRow, unknown][];
};

function planList(args: ListArgs): ListPlan {
  const table = "scores" as const;
  let plan: ListPlan;
  switch (args.kind) {
    case "scorer": {
      const scorerId = args.scorerId ?? "";
      const filter: ScorerFilter = {
        entityId: args.entityId || undefined,
        entityType: args.entityType || undefined,
        source: args.source || undefined,
      };
      const fields = (["entityId", "entityType", "source"] as const).filter((field) => filter[field] !== undefined);
      const names = { entityId: "entity", entityType: "type", source: "source" };
      const spec: IndexSpec = {
        table,
        index: `by_scorer${fields.map((field) => `_${names[field]}`).join("")}_createdAt`,
        eq: [["scorerId", scorerId], ...fields.map((field): [string, unknown] => [field, filter[field]])],
        sortField: "createdAt",
      };
      plan = filter.entityType === undefined && filter.source === undefined
        ? {
          spec,
          order: "desc",
          tree: scoreTree(
            filter.entityId === undefined
              ? scoreCounters.scoresOfScorer(scorerId)
              : scoreCounters.scoresOfScorerEntity(scorerId, filter.entityId),
          ),
          rest: [],
        }
        : { spec, order: "desc", tree: scorerFilterTree(scorerId, filter), rest: [] };
      break;
    }
    case "run": {
      const runId = args.runId ?? "";
      plan = {
        spec: { table, index: "by_run_insertedAt", eq: [["runId", runId]], sortField: "insertedAt" },
        order: "asc",
        tree: scoreTree(scoreCounters.scoresOfRun(runId)),
        rest: [],
      };
      break;
    }
    case "entity": {
      const entityId = args.entityId ?? "";
      plan = {
        spec: {
          table,
          index: "by_entity_insertedAt",
          eq: [["entityId", entityId], ["entityType", args.entityType]],
          sortField: "insertedAt",
        },
        order: "asc",
        tree: scoreTree(scoreCounters.scoresOfEntity(entityId, args.entityType)),
        rest: [],
      };
      break;
    }
    case "span": {
      const traceId = args.traceId ?? "";
      const spanId = args.spanId ?? "";
      plan = {
        spec: {
          table,
          index: "by_span_createdAt",
          eq: [["traceId", traceId], ["spanId", spanId]],
          sortField: "createdAt",
        },
        order: "desc",
        tree: scoreTree(scoreCounters.scoresOfSpan(traceId, spanId)),
        rest: [],
      };
      break;
    }
  }
  if (args.filters.organizationId !== undefined) plan.rest.push(["organizationId", args.filters.organizationId]);
  if (args.filters.projectId !== undefined) plan.rest.push(["projectId", args.filters.projectId]);
  if (plan.rest.length > 0) plan.tree = undefined;
  return plan;
}

/**
 * One bounded step of a score list:
 *
 * - `scorer`: scores of `scorerId`, optionally of `entityId`, `entityType`
 *   and `source`, newest `createdAt` first;
 * - `run`: scores of `runId`, in insertion order;
 * - `entity`: scores of (`entityId`, `entityType`), in insertion order;
 * - `span`: scores of (`traceId`, `spanId`), newest `createdAt` first;
 *
 * each optionally narrowed by tenancy filters. Ties are broken by id.
 */
export const list = internalQuery({
  args: {
    kind: v.union(v.literal("scorer"), v.literal("run"), v.literal("entity"), v.literal("span")),
    scorerId: v.optional(v.string()),
    runId: v.optional(v.string()),
    entityId: v.optional(v.string()),
    entityType: v.optional(v.string()),
    source: v.optional(v.string()),
    traceId: v.optional(v.string()),
    spanId: v.optional(v.string()),
    filters: tenancyValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<ScoreRow>> => {
    const plan = planList(args);
    let total: number | null = null;
    let state = args.state;
    if (state === undefined) {
      // The total and the starting point are worked out once, on the first call.
      let counted: number | null = null;
      let tree: string | null = null;
      if (plan.tree !== undefined && await treesCover(ctx, "scores")) {
        tree = plan.tree;
        counted = await treeTotal(ctx, tree);
      }
      const planned = await planRankedList(ctx, tree, counted, {}, args.offset, args.limit, plan.order);
      total = planned.total;
      if (planned.state === null) return { rows: [], next: null, total, reversed: false };
      state = planned.state;
    }
    const predicate = plan.rest.length === 0
      ? undefined
      : (doc: ScoreRow) => plan.rest.every(([field, value]) => doc[field] === value);
    const step = await walk<ScoreRow & { _id: unknown }>(ctx.db, plan.spec, state, { predicate });
    return {
      rows: step.rows.map(withoutSystemFields) as ScoreRow[],
      next: step.next,
      total: total ?? (state.countAll && step.next === null ? step.matched : null),
      reversed: state.reversed,
    };
  },
});
