/**
 * Bookkeeping tables shared by all domains.
 *
 * `counters` holds the totals that list calls return, updated in the
 * same mutation as the rows they count, so no read ever scans to count.
 *
 * `blobs` and `blob_chunks` hold values too large for one
 * Convex document (1 MiB), split into chunks; a row refers to one with a
 * `~blob:<id>` string in place of the value (see `kit/blobs.ts`).
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { sortKeyValidator } from "./walk.js";
import { persistentNodeColumns } from "./persistentRankTree.js";

/** The generic machinery's tables (counters, large values), spread into the schema. */
export const kitTables = {
  counters: defineTable({
    name: v.string(),
    value: v.number(),
  }).index("by_name", ["name"]),

  blobs: defineTable({
    blobId: v.string(),
    /** `pending` while chunks arrive, `committed` once a row refers to it, `garbage` once released. */
    state: v.union(v.literal("pending"), v.literal("committed"), v.literal("garbage")),
    chunkCount: v.number(),
    received: v.number(),
    /** Size of the whole value in UTF-8 bytes. */
    length: v.number(),
    /** The row that adopted the blob, `<table>:<key>` (see `blobOwner`); absent while pending. */
    owner: v.optional(v.string()),
    /** Server time (`Date.now()` in the mutation) of the last change. */
    updatedAt: v.number(),
  })
    .index("by_blobId", ["blobId"])
    .index("by_state_updatedAt", ["state", "updatedAt"]),

  /** Answers of non-idempotent writes by client operation id, for retries (see `kit/operations.ts`). */
  operations: defineTable({
    opId: v.string(),
    /** The answer as JSON text; absent when it was too large to keep. */
    answer: v.optional(v.string()),
    /** Server time after which the record is deleted (by the sweep of `system/operations.ts`). */
    expiresAt: v.number(),
  }).index("by_opId", ["opId"]).index("by_expiresAt", ["expiresAt"]),
  /** Nodes of rank trees (see `kit/rankTree.ts`): counted B+trees over the keys of each list. */
  rank_nodes: defineTable({
    /** Name of the tree (one per list owner and ordering). */
    tree: v.string(),
    root: v.boolean(),
    leaf: v.boolean(),
    /** Keys under this node. */
    count: v.number(),
    /** Leaf: its keys `(sortValue, id)`, sorted. */
    keys: v.array(sortKeyValidator),
    /** Internal node: its children, sorted; `min` separates a child from the one before it. */
    children: v.array(v.object({ node: v.id("rank_nodes"), min: sortKeyValidator, count: v.number() })),
  }).index("by_tree_root", ["tree", "root"]),
  /**
   * Rank-tree changes not yet applied to the nodes (see `kit/rankPending.ts`):
   * a write records its keys here, a scheduled fold applies them in batches,
   * and reads add them to the nodes they read.
   */
  rank_pending: defineTable({
    /** Name of the tree. */
    tree: v.string(),
    /** The key's row id. */
    id: v.string(),
    /** The key's sort value (absent when unset). */
    value: v.optional(v.union(v.number(), v.string())),
    /** `true`: the key enters the tree; `false`: it leaves it. */
    insert: v.boolean(),
    /** Number of the change in its tree since the tree's last fold (from 1; the newest bounds the count). */
    seq: v.number(),
  }).index("by_tree_key", ["tree", "id", "value"]).index("by_tree_seq", ["tree", "seq"]),

  /** Nodes of persistent rank trees (see `kit/persistentRankTree.ts`): immutable, shared between versions. */
  persistent_rank_nodes: defineTable(persistentNodeColumns).index("by_forest", ["forest"]),

  blob_chunks: defineTable({
    blobId: v.string(),
    index: v.number(),
    data: v.string(),
  }).index("by_blob_index", ["blobId", "index"]),
};
