/**
 * The versioned-entity mechanism, written once: the Convex functions of a
 * domain shaped like core's `VersionedStorageDomain` (a thin record plus
 * immutable version rows, `kit/versionedRows.ts`), built from a small
 * {@link VersionedDeclaration}. Each versioned domain's folder holds its
 * declaration and one module that exports `versionedFunctions(declaration)`.
 * Internal functions only. Imports no domain.
 *
 * Semantics are those of core's in-memory stores:
 * - `create` writes the record (status `draft`) and version 1 in one
 *   mutation; an existing id fails with "... already exists".
 * - `createVersion` fails when the version id exists in the domain, or the
 *   `(entity, versionNumber)` pair does, with a message containing
 *   "already exists" (Mastra's editor and server retry on it); callers
 *   number versions max + 1, so numbers have gaps after deletes.
 * - `update` sets record fields and shallow-merges metadata; a domain with
 *   {@link UpdateVersioning} also writes a new version from its config
 *   fields, and publishes when given an active version without a status.
 * - `resolve` returns the record and its published version (active, else
 *   latest), its draft (latest) or a given version: two documents in one
 *   call.
 * - `remove` cascades to versions (not to favorites) in bounded batches.
 * - `list` filters, pins a user's favorites first, orders by `createdAt` or
 *   `updatedAt`, and pages with an exact total; with `resolve` each entity
 *   comes with its version in the same call.
 *
 * Totals come from counters kept in the same mutation as the rows.
 * Versions bodies too large for a row are large values (`kit/blobs.ts`).
 */
import type { DefaultFunctionArgs, RegisteredMutation, RegisteredQuery } from "convex/server";
import { type ObjectType, v, type Validator } from "convex/values";
import { adoptBlobs, blobOwner, readField, releaseBlobs, writeField } from "./blobs.js";
import { decodeValue, encodeValue, jsonEquals, mergeEncodedRecords } from "./codec.js";
import { adjustCounters, counterShard, readCounter, readShardedCounter } from "./counters.js";
import { storageError } from "./errors.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "./functions.js";
import { assertFitsDocument } from "./limits.js";
import { noteInsert, treesCover } from "./coverage.js";
import { keyAt, planSeek, RankBatch, rankOf, type TreeEntry, treeTotal } from "./rankTree.js";
import { recordAnswer, recordedAnswer } from "./operations.js";
import { type ListResult, withoutSystemFields } from "./rows.js";
import { filterCombo, recordCombos } from "./versionedFacets.js";
import { keysInAcross } from "./rankFamily.js";
import {
  approximateSize,
  countingState,
  DEFAULT_MAX_TAKE,
  type IndexSpec,
  type SortKey,
  walk,
  type WalkState,
  walkStateValidator,
} from "./walk.js";
import {
  type EntityFilter,
  entityFilterValidator,
  entityInputValidator,
  entityOrderFieldValidator,
  type EntityRow,
  entitySetValidator,
  type Resolution,
  resolutionValidator,
  type ResolvedRow,
  versionInputValidator,
  versionOrderFieldValidator,
  type VersionRow,
} from "./versionedRows.js";

/** Versioning inside `update` (core's workspaces and skills). */
export type UpdateVersioning = {
  /** Config fields whose presence in an update writes a new version. */
  fields: readonly string[];
  /** Whether two values of a config field are the same (unchanged fields are not listed as changed). */
  equal: (a: unknown, b: unknown) => boolean;
};

/** What distinguishes one versioned domain from another. */
export type VersionedDeclaration = {
  /** Domain key, stored on every row (`agents`, `promptBlocks`, ...). */
  domain: string;
  /** Name in the record errors: "Agent with id a1 already exists". */
  label: string;
  /** Name in the version errors: "Version number 2 already exists for agent a1". */
  versionOf: string;
  /** Versioning inside `update`, for the domains that do it. */
  updateVersioning?: UpdateVersioning;
  /** The ids a user favorited in this domain (domains with favorites only). */
  favoritesOf?: (ctx: QueryCtx, userId: string) => Promise<string[]>;
};

/** Versions deleted per call of the cascading deletes (bodies are up to 256 KiB inline). */
const DELETE_BATCH = 32;
/**
 * Records deleted per `clear` call: each is in at most 74 rank trees
 * (`kit/versionedFacets.ts`), each a node to read and write.
 */
const ENTITY_DELETE_BATCH = 16;
/** Largest candidate set (entity ids, or a user's favorites) a list reads by id. */
export const MAX_CANDIDATES = 1000;
/** Versions returned by one `getVersions` call at most (the client splits larger sets). */
export const MAX_VERSION_IDS = 500;
/** Bytes of rows one list call returns at most before it resumes in another call. */
const LIST_BYTES = 6 * 1024 * 1024;

type EntityDoc = EntityRow & { _id: import("convex/values").GenericId<"versioned_entities">; _creationTime: number };
type VersionDoc = VersionRow & { _id: import("convex/values").GenericId<"versioned_versions">; _creationTime: number };

/** Names of a domain's counters and rank trees (the prefix clears them all). */
export function versionedCounters(domain: string): {
  prefix: string;
  entities: string;
  inStatus: (status: string) => string;
  versionsOf: (entityId: string) => string;
  versionTree: (entityId: string, field: "versionNumber" | "createdAt") => string;
  allTree: (field: EntityOrderField) => string;
  statusTree: (status: string, field: EntityOrderField) => string;
  comboTree: (combo: string, field: EntityOrderField) => string;
  unindexedTree: (metadataKey: string) => string;
  wideTree: string;
} {
  const prefix = `versioned:${JSON.stringify(domain)}:`;
  return {
    prefix,
    entities: `${prefix}entities`,
    inStatus: (status) => `${prefix}status:${JSON.stringify(status)}`,
    versionsOf: (entityId) => `${prefix}versions:${JSON.stringify(entityId)}`,
    versionTree: (entityId, field) => `${prefix}tree:versions:${JSON.stringify([entityId, field])}`,
    allTree: (field) => `${prefix}tree:all:${field}`,
    statusTree: (status, field) => `${prefix}tree:status:${JSON.stringify([status, field])}`,
    comboTree: (combo, field) => `${prefix}tree:combo:${field}:${combo}`,
    unindexedTree: (metadataKey) => `${prefix}tree:unindexed:${JSON.stringify(metadataKey)}`,
    wideTree: `${prefix}tree:wide`,
  };
}

/** A field entity lists are ordered by. */
export type EntityOrderField = "createdAt" | "updatedAt";
const ORDER_FIELDS: EntityOrderField[] = ["createdAt", "updatedAt"];

/**
 * The order of the filter-combination trees: `createdAt`, core's default and
 * the order Studio and Mastra's server list filtered records in. Kept in one
 * order only, an update that changes no filtered field (most: a new active
 * version, a favorite) moves no filter-tree entry; filtered lists by
 * `updatedAt` (other than by status alone) walk.
 */
export const FILTER_TREE_ORDER: EntityOrderField = "createdAt";

/**
 * The rank-tree entries of a record (`kit/rankTree.ts`): its domain's list
 * and its status's list, each ordered by `createdAt` and by `updatedAt`, and
 * the list of each filter combination it is in (`kit/versionedFacets.ts`)
 * by {@link FILTER_TREE_ORDER}, so a page of any of these lists at any depth
 * costs O(log N) reads; plus one entry per metadata key beyond the indexed
 * ones (the key's unindexed tree, which turns that key's trees off), or
 * one entry in the domain's wide tree for a record with too many of them.
 */
export function entityTreeEntries(row: EntityRow | null): TreeEntry[] {
  if (!row) return [];
  const names = versionedCounters(row.domain);
  const { combos, unindexedKeys, wide } = recordCombos(row);
  const created = { value: row.createdAt, id: row.id };
  return [
    ...ORDER_FIELDS.flatMap((field) => [
      { tree: names.allTree(field), key: { value: row[field], id: row.id } },
      { tree: names.statusTree(row.status, field), key: { value: row[field], id: row.id } },
    ]),
    ...combos.map((combo) => ({ tree: names.comboTree(combo, FILTER_TREE_ORDER), key: created })),
    ...unindexedKeys.map((key) => ({ tree: names.unindexedTree(key), key: created })),
    ...(wide ? [{ tree: names.wideTree, key: created }] : []),
  ];
}

/** The rank-tree entries of a version row: its entity's versions by number and by `createdAt`. */
export function versionTreeEntries(row: VersionRow | null): TreeEntry[] {
  if (!row) return [];
  const names = versionedCounters(row.domain);
  return [
    { tree: names.versionTree(row.entityId, "versionNumber"), key: { value: row.versionNumber, id: row.id } },
    { tree: names.versionTree(row.entityId, "createdAt"), key: { value: row.createdAt, id: row.id } },
  ];
}

/** Moves a version's rank-tree entries from `before` to `after` (either may be `null`). */
async function moveVersionEntries(ctx: MutationCtx, before: VersionRow | null, after: VersionRow | null) {
  const ranks = new RankBatch();
  ranks.change(versionTreeEntries(before), versionTreeEntries(after));
  await ranks.apply(ctx);
}

/** Moves a record's rank-tree entries from `before` to `after` (either may be `null`). */
export async function moveEntityEntries(
  ctx: MutationCtx,
  before: EntityRow | null,
  after: EntityRow | null,
): Promise<void> {
  const ranks = new RankBatch();
  ranks.change(entityTreeEntries(before), entityTreeEntries(after));
  await ranks.apply(ctx);
}

/** Owner of a version body's large value (see `blobOwner`). */
function bodyOwner(domain: string, versionId: string): string {
  return blobOwner("versioned_versions", JSON.stringify([domain, versionId]));
}

/** Entity list counters a record counts in. */
function entityDeltas(domain: string, row: EntityRow, sign: number): [string, number][] {
  const names = versionedCounters(domain);
  return [
    [counterShard(names.entities, row.id), sign],
    [counterShard(names.inStatus(row.status), row.id), sign],
  ];
}

/** One operation of a domain: its argument validators and its handler (registered by {@link versionedFunctions}). */
type Operation = {
  kind: "query" | "mutation";
  args: Record<string, Validator<unknown, "required" | "optional", string>>;
  // deno-lint-ignore no-explicit-any
  handler: (ctx: any, args: any) => Promise<unknown>;
};

/** A query operation (see {@link Operation}). */
// deno-lint-ignore no-explicit-any
function query<A extends Record<string, any>>(
  spec: { args: A; handler: (ctx: QueryCtx, args: ObjectType<A>) => Promise<unknown> },
): Operation {
  return { kind: "query", ...spec } as Operation;
}

/** A mutation operation (see {@link Operation}). */
// deno-lint-ignore no-explicit-any
function mutation<A extends Record<string, any>>(
  spec: { args: A; handler: (ctx: MutationCtx, args: ObjectType<A>) => Promise<unknown> },
): Operation {
  return { kind: "mutation", ...spec } as Operation;
}

/** The operations of one versioned domain, over its declaration. */
function domainOperations(decl: VersionedDeclaration): Record<string, Operation> {
  const { domain } = decl;
  const names = versionedCounters(domain);

  const findEntity = async (ctx: QueryCtx, id: string): Promise<EntityDoc | null> =>
    await ctx.db.query("versioned_entities").withIndex("by_domain_id", (q) => q.eq("domain", domain).eq("id", id))
      .unique();
  const findVersion = async (ctx: QueryCtx, id: string): Promise<VersionDoc | null> =>
    await ctx.db.query("versioned_versions").withIndex("by_domain_id", (q) => q.eq("domain", domain).eq("id", id))
      .unique();
  const latestVersion = async (ctx: QueryCtx, entityId: string): Promise<VersionDoc | null> =>
    await ctx.db.query("versioned_versions")
      .withIndex("by_entity_versionNumber", (q) => q.eq("domain", domain).eq("entityId", entityId))
      .order("desc").first();

  /** The version an entity resolves to (see {@link Resolution}). */
  const resolveVersion = async (ctx: QueryCtx, entity: EntityRow, how: Resolution): Promise<VersionDoc | null> => {
    if ("versionId" in how) return await findVersion(ctx, how.versionId);
    if (how.status === "published" && entity.activeVersionId !== undefined) {
      const active = await findVersion(ctx, entity.activeVersionId);
      if (active) return active;
    }
    return await latestVersion(ctx, entity.id);
  };

  /** Inserts a version after the uniqueness checks; returns the stored row. */
  const insertVersion = async (
    ctx: MutationCtx,
    input: { id: string; entityId: string; versionNumber: number; body: string },
    now: number,
  ): Promise<VersionRow> => {
    if (await findVersion(ctx, input.id)) {
      throw storageError("ALREADY_EXISTS", `Version with id ${input.id} already exists`);
    }
    const clash = await ctx.db.query("versioned_versions")
      .withIndex(
        "by_entity_versionNumber",
        (q) => q.eq("domain", domain).eq("entityId", input.entityId).eq("versionNumber", input.versionNumber),
      )
      .first();
    if (clash) {
      throw storageError(
        "ALREADY_EXISTS",
        // Worded for Mastra's retries: its editor retries on "version number" + "already exists", its
        // server on "versionNumber" or "unique constraint".
        `Version number ${input.versionNumber} already exists for ${decl.versionOf} ${input.entityId} ` +
          "(unique constraint on entity and versionNumber)",
      );
    }
    const row: VersionRow = { domain, ...input, createdAt: now };
    assertFitsDocument(`version ${input.id} of ${decl.versionOf} ${input.entityId}`, row);
    await adoptBlobs(ctx, bodyOwner(domain, input.id), [input.body]);
    await noteInsert(ctx, "versioned_versions");
    await ctx.db.insert("versioned_versions", row);
    await adjustCounters(ctx, [[names.versionsOf(input.entityId), 1]]);
    await moveVersionEntries(ctx, null, row);
    return row;
  };

  /** Deletes one version row, its count and its large value. */
  const deleteVersionDoc = async (ctx: MutationCtx, doc: VersionDoc): Promise<boolean> => {
    await ctx.db.delete(doc._id);
    await adjustCounters(ctx, [[names.versionsOf(doc.entityId), -1]]);
    await moveVersionEntries(ctx, withoutSystemFields(doc) as VersionRow, null);
    return await releaseBlobs(ctx, bodyOwner(domain, doc.id), [doc.body]);
  };

  /** A record as stored, or `null`. */
  const storedEntity = async (ctx: QueryCtx, id: string): Promise<EntityRow | null> => {
    const doc = await findEntity(ctx, id);
    return doc ? withoutSystemFields(doc) as EntityRow : null;
  };
  /** A version as stored, or `null`. */
  const storedVersion = async (ctx: QueryCtx, id: string): Promise<VersionRow | null> => {
    const doc = await findVersion(ctx, id);
    return doc ? withoutSystemFields(doc) as VersionRow : null;
  };

  /** Runs a write once per operation id: a retried call answers as the first did. */
  const once = async <T>(
    ctx: MutationCtx,
    opId: string | undefined,
    write: () => Promise<T>,
    stored: () => Promise<T | null>,
  ): Promise<T> => {
    if (opId !== undefined) {
      const recorded = await recordedAnswer(ctx, opId);
      if (recorded !== undefined) {
        if (recorded.answer !== null) return JSON.parse(recorded.answer) as T;
        // Applied, but the answer was too large to keep: answer with what the write stored.
        const row = await stored();
        if (row !== null) return row;
      }
    }
    const answer = await write();
    if (opId !== undefined) await recordAnswer(ctx, opId, answer);
    return answer;
  };

  /** Deletes a record with its counts and tree entries. */
  const dropEntity = async (ctx: MutationCtx, doc: EntityDoc): Promise<void> => {
    const row = withoutSystemFields(doc) as EntityRow;
    await ctx.db.delete(doc._id);
    await adjustCounters(ctx, entityDeltas(domain, row, -1));
    await moveEntityEntries(ctx, row, null);
  };

  /** Writes a record, keeping its counters and tree entries (`before` null: a new record). */
  const putEntity = async (ctx: MutationCtx, before: EntityDoc | null, after: EntityRow): Promise<void> => {
    assertFitsDocument(`${decl.versionOf} ${after.id}`, after);
    const old = before ? withoutSystemFields(before) as EntityRow : null;
    if (before) await ctx.db.replace(before._id, after);
    else {
      await noteInsert(ctx, "versioned_entities");
      await ctx.db.insert("versioned_entities", after);
    }
    const deltas = old ? entityDeltas(domain, old, -1) : [];
    await adjustCounters(ctx, [...deltas, ...entityDeltas(domain, after, 1)]);
    await moveEntityEntries(ctx, old, after);
  };

  /** The new version `update` writes from `config` (versioning domains), or `null` when nothing changed. */
  const versionFromUpdate = async (
    ctx: MutationCtx,
    id: string,
    config: Record<string, unknown>,
    versionId: string,
    now: number,
  ): Promise<void> => {
    const versioning = decl.updateVersioning!;
    if (!versioning.fields.some((field) => field in config)) return;
    const latest = await latestVersion(ctx, id);
    if (!latest) throw storageError("NOT_FOUND", `No versions found for ${decl.versionOf} ${id}`);
    const body = decodeValue(await readField(ctx, latest.body)) as Record<string, unknown>;
    const { changedFields: _changed, changeMessage: _message, ...latestConfig } = body;
    const changed = versioning.fields.filter((field) =>
      field in config && !versioning.equal(config[field], latestConfig[field])
    );
    if (changed.length === 0) return;
    const next = { ...latestConfig, ...config, changedFields: changed, changeMessage: `Updated ${changed.join(", ")}` };
    const stored = await writeField(ctx, encodeValue(next), bodyOwner(domain, versionId));
    await insertVersion(
      ctx,
      { id: versionId, entityId: id, versionNumber: latest.versionNumber + 1, body: stored },
      now,
    );
  };

  /** Rows matching every filter but the candidate ones (entity ids, favorites). */
  const matcher = (filter: EntityFilter): (row: EntityRow) => boolean => {
    const metadata = filter.metadata === undefined ? undefined : decodeValue(filter.metadata) as Record<
      string,
      unknown
    >;
    const metadataKeys = metadata === undefined ? [] : Object.keys(metadata);
    return (row) => {
      if (filter.status !== undefined && row.status !== filter.status) return false;
      if (filter.authorId !== undefined && row.authorId !== filter.authorId) return false;
      if (filter.visibility !== undefined && row.visibility !== filter.visibility) return false;
      if (filter.organizationId !== undefined && row.organizationId !== filter.organizationId) return false;
      if (filter.projectId !== undefined && row.projectId !== filter.projectId) return false;
      if (metadataKeys.length > 0) {
        if (filter.metadataMatchesNothing || row.metadata === undefined) return false;
        const own = decodeValue(row.metadata) as Record<string, unknown>;
        if (!metadataKeys.every((key) => jsonEquals(own?.[key], metadata![key]))) return false;
      }
      return true;
    };
  };

  /**
   * The tree of the filter combination that answers `filter` exactly
   * (`kit/versionedFacets.ts`), or `null` when there is none, the trees do
   * not hold every record yet, or the filter's metadata key has records
   * whose pairs beyond the cap were not indexed (or a record is wide).
   */
  const exactTree = async (ctx: QueryCtx, filter: EntityFilter, field: EntityOrderField): Promise<string | null> => {
    const plan = field === FILTER_TREE_ORDER ? filterCombo(filter) : null;
    if (plan === null || !await treesCover(ctx, "versioned_entities")) return null;
    if (plan.metadataKey !== null) {
      if (await treeTotal(ctx, names.unindexedTree(plan.metadataKey)) > 0) return null;
      if (await treeTotal(ctx, names.wideTree) > 0) return null;
    }
    return names.comboTree(plan.combo, field);
  };

  /**
   * A page of the records of `tree` (holding `total` keys), read from the
   * tree and then by id: from the `offset`-th record not in `exclude` (the
   * pinned favorites, at `pinnedKeys`) or strictly after the key `after`
   * (a continuation), `take` of them in `order`. Reads the tree's path and
   * leaves for the page's keys and the page's records; stops early with a
   * continuation when the rows (with their versions) exceed the byte budget.
   */
  const treePage = async (
    ctx: QueryCtx,
    page: {
      tree: string;
      total: number;
      from: SortKey | { offset: number; pinnedKeys: SortKey[] };
      take: number;
      order: "asc" | "desc";
      exclude: Set<string> | undefined;
      onTake: (doc: EntityDoc) => Promise<{ row: ResolvedRow; bytes: number }>;
    },
  ): Promise<{ rows: ResolvedRow[]; next: WalkState | null }> => {
    const { tree, total, take, order, exclude } = page;
    if (take <= 0) return { rows: [], next: null };
    // Start position in walk order (0 = first key in `order`).
    let start: number;
    if ("id" in page.from) {
      const after = page.from;
      start = order === "asc" ? await rankOf(ctx, tree, after, true) : total - await rankOf(ctx, tree, after);
    } else {
      start = await walkPosition(ctx, tree, total, page.from.pinnedKeys, page.from.offset, order);
    }
    // At most a batch of records per call (each is a lookup, plus its version's when resolving).
    const batch = Math.min(take, DEFAULT_MAX_TAKE);
    const width = Math.min(batch + (exclude?.size ?? 0), total - start);
    if (width <= 0) return { rows: [], next: null };
    const keys = order === "asc"
      ? await keysInAcross(ctx, [tree], start, start + width)
      : (await keysInAcross(ctx, [tree], total - start - width, total - start)).reverse();
    const wanted = keys.filter((key) => !(exclude?.has(key.id) ?? false)).slice(0, batch);
    const rows: ResolvedRow[] = [];
    const resume = (after: SortKey): { rows: ResolvedRow[]; next: WalkState } => ({
      rows,
      next: { after, skip: 0, take: take - rows.length, matched: 0, order, countAll: false, reversed: false },
    });
    let bytes = 0;
    for (let i = 0; i < wanted.length; i++) {
      if (i > 0 && bytes >= LIST_BYTES) return resume(wanted[i - 1]);
      const doc = await findEntity(ctx, wanted[i].id);
      if (!doc) throw new Error(`rank tree ${tree} lists ${wanted[i].id}, which does not exist`);
      const taken = await page.onTake(doc);
      rows.push(taken.row);
      bytes += approximateSize(doc) + taken.bytes;
    }
    // A full batch short of the page: the rest in the next call (fewer than a batch means the tree ended).
    if (rows.length < take && wanted.length === batch) return resume(wanted[wanted.length - 1]);
    return { rows, next: null };
  };

  /** Attaches the resolved version to listed records when asked. */
  const attach = (ctx: QueryCtx, how: Resolution | undefined) => async (doc: EntityDoc) => {
    const entity = withoutSystemFields(doc) as EntityRow;
    if (how === undefined) return { row: { entity, version: null } as ResolvedRow, bytes: 0 };
    const version = await resolveVersion(ctx, entity, how);
    return {
      row: { entity, version: version ? withoutSystemFields(version) as VersionRow : null } as ResolvedRow,
      bytes: version ? approximateSize(version) : 0,
    };
  };

  /** A user's favorites in this domain, bounded. */
  const favoritesOf = async (ctx: QueryCtx, userId: string | undefined): Promise<Set<string> | undefined> => {
    if (userId === undefined || decl.favoritesOf === undefined) return userId === undefined ? undefined : new Set();
    const ids = await decl.favoritesOf(ctx, userId);
    if (ids.length > MAX_CANDIDATES) {
      throw storageError("INVALID", `user ${userId} has more than ${MAX_CANDIDATES} favorites to pin in ${domain}`);
    }
    return new Set(ids);
  };

  /** Sorts candidate records as core does: favorites first, then the field, then id. */
  const sortCandidates = (
    rows: EntityDoc[],
    field: "createdAt" | "updatedAt",
    direction: "asc" | "desc",
    favorites: Set<string> | undefined,
  ): EntityDoc[] =>
    rows.sort((a, b) => {
      if (favorites) {
        const fa = favorites.has(a.id) ? 1 : 0;
        const fb = favorites.has(b.id) ? 1 : 0;
        if (fa !== fb) return fb - fa;
      }
      if (a[field] !== b[field]) return direction === "asc" ? a[field] - b[field] : b[field] - a[field];
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });

  return {
    /** One record, or `null`. */
    get: query({
      args: { id: v.string() },
      handler: async (ctx, { id }): Promise<EntityRow | null> => {
        const doc = await findEntity(ctx, id);
        return doc ? withoutSystemFields(doc) as EntityRow : null;
      },
    }),

    /** A record and the version it resolves to, in one call (two documents when the active version exists). */
    resolve: query({
      args: { id: v.string(), how: resolutionValidator },
      handler: async (ctx, { id, how }): Promise<ResolvedRow | null> => {
        const doc = await findEntity(ctx, id);
        if (!doc) return null;
        const entity = withoutSystemFields(doc) as EntityRow;
        const version = await resolveVersion(ctx, entity, how);
        return { entity, version: version ? withoutSystemFields(version) as VersionRow : null };
      },
    }),

    /** Creates a record (status `draft`) and its version 1 in one mutation; fails if the id exists. */
    create: mutation({
      args: { entity: entityInputValidator, version: versionInputValidator, opId: v.optional(v.string()) },
      handler: (ctx, { entity, version, opId }): Promise<EntityRow> =>
        once(ctx, opId, async () => {
          if (await findEntity(ctx, entity.id)) {
            throw storageError("ALREADY_EXISTS", `${decl.label} with id ${entity.id} already exists`);
          }
          const now = Date.now();
          const row: EntityRow = {
            domain,
            status: "draft",
            ...entity,
            ...(decl.favoritesOf ? { favoriteCount: 0 } : {}),
            createdAt: now,
            updatedAt: now,
          };
          await putEntity(ctx, null, row);
          await insertVersion(ctx, { ...version, entityId: entity.id }, now);
          return row;
        }, () => storedEntity(ctx, entity.id)),
    }),

    /**
     * Sets record fields, shallow-merges `metadata` (codec text) into the
     * record's, and (versioning domains) writes version `versionId` from
     * `config` (codec text of the config fields given). Fails when the record
     * does not exist.
     */
    update: mutation({
      args: {
        id: v.string(),
        set: entitySetValidator,
        metadata: v.optional(v.string()),
        config: v.optional(v.string()),
        versionId: v.optional(v.string()),
        opId: v.optional(v.string()),
      },
      handler: (ctx, { id, set, metadata, config, versionId, opId }): Promise<EntityRow> =>
        once(ctx, opId, async () => {
          const existing = await findEntity(ctx, id);
          if (!existing) throw storageError("NOT_FOUND", `${decl.label} with id ${id} not found`);
          const now = Date.now();
          const before = withoutSystemFields(existing) as EntityRow;
          const row: EntityRow = { ...before, ...set, updatedAt: now };
          if (metadata !== undefined) row.metadata = mergeEncodedRecords(before.metadata, metadata);
          if (decl.updateVersioning) {
            if (set.activeVersionId !== undefined && set.status === undefined) row.status = "published";
            if (config !== undefined) {
              if (versionId === undefined) throw storageError("INVALID", "a versioning update needs a version id");
              await versionFromUpdate(ctx, id, decodeValue(config) as Record<string, unknown>, versionId, now);
            }
          }
          await putEntity(ctx, existing, row);
          return row;
        }, () => storedEntity(ctx, id)),
    }),

    /**
     * One bounded step of deleting a record and its versions: deletes a batch
     * of versions, and the record with the last batch. Call until `done`.
     */
    remove: mutation({
      args: { id: v.string() },
      handler: async (ctx, { id }): Promise<{ done: boolean; released: boolean }> => {
        const versions = await ctx.db.query("versioned_versions")
          .withIndex("by_entity_versionNumber", (q) => q.eq("domain", domain).eq("entityId", id))
          .take(DELETE_BATCH + 1);
        let released = false;
        for (const doc of versions.slice(0, DELETE_BATCH)) released = (await deleteVersionDoc(ctx, doc)) || released;
        if (versions.length > DELETE_BATCH) return { done: false, released };
        const existing = await findEntity(ctx, id);
        if (existing) await dropEntity(ctx, existing);
        return { done: true, released };
      },
    }),

    /** One bounded step of deleting every version of an entity (the record stays). Call until `done`. */
    removeVersionsOf: mutation({
      args: { entityId: v.string() },
      handler: async (ctx, { entityId }): Promise<{ done: boolean; released: boolean }> => {
        const versions = await ctx.db.query("versioned_versions")
          .withIndex("by_entity_versionNumber", (q) => q.eq("domain", domain).eq("entityId", entityId))
          .take(DELETE_BATCH + 1);
        let released = false;
        for (const doc of versions.slice(0, DELETE_BATCH)) released = (await deleteVersionDoc(ctx, doc)) || released;
        return { done: versions.length <= DELETE_BATCH, released };
      },
    }),

    /** One bounded step of deleting every row of the domain (versions first). Call until `done`. */
    clear: mutation({
      args: {},
      handler: async (ctx): Promise<{ done: boolean; released: boolean }> => {
        const versions = await ctx.db.query("versioned_versions")
          .withIndex("by_domain_id", (q) => q.eq("domain", domain)).take(DELETE_BATCH);
        let released = false;
        for (const doc of versions) released = (await deleteVersionDoc(ctx, doc)) || released;
        if (versions.length === DELETE_BATCH) return { done: false, released };
        const entities = await ctx.db.query("versioned_entities")
          .withIndex("by_domain_id", (q) => q.eq("domain", domain)).take(ENTITY_DELETE_BATCH);
        for (const doc of entities) await dropEntity(ctx, doc);
        return { done: entities.length < ENTITY_DELETE_BATCH, released };
      },
    }),

    /** Inserts a version; fails with "already exists" on a taken id or `(entity, versionNumber)`. */
    createVersion: mutation({
      args: { version: versionInputValidator, opId: v.optional(v.string()) },
      handler: (ctx, { version, opId }): Promise<VersionRow> =>
        once(ctx, opId, () => insertVersion(ctx, version, Date.now()), () => storedVersion(ctx, version.id)),
    }),

    /** One version by id, or `null`. */
    getVersion: query({
      args: { id: v.string() },
      handler: async (ctx, { id }): Promise<VersionRow | null> => {
        const doc = await findVersion(ctx, id);
        return doc ? withoutSystemFields(doc) as VersionRow : null;
      },
    }),

    /** The versions of the given ids that exist (at most {@link MAX_VERSION_IDS} ids per call). */
    getVersions: query({
      args: { ids: v.array(v.string()) },
      handler: async (ctx, { ids }): Promise<VersionRow[]> => {
        if (ids.length > MAX_VERSION_IDS) {
          throw storageError("INVALID", `at most ${MAX_VERSION_IDS} version ids per call, got ${ids.length}`);
        }
        const rows: VersionRow[] = [];
        for (const id of new Set(ids)) {
          const doc = await findVersion(ctx, id);
          if (doc) rows.push(withoutSystemFields(doc) as VersionRow);
        }
        return rows;
      },
    }),

    /** An entity's version by number, or `null`. */
    getVersionByNumber: query({
      args: { entityId: v.string(), versionNumber: v.number() },
      handler: async (ctx, { entityId, versionNumber }): Promise<VersionRow | null> => {
        const doc = await ctx.db.query("versioned_versions")
          .withIndex(
            "by_entity_versionNumber",
            (q) => q.eq("domain", domain).eq("entityId", entityId).eq("versionNumber", versionNumber),
          )
          .first();
        return doc ? withoutSystemFields(doc) as VersionRow : null;
      },
    }),

    /** An entity's highest-numbered version, or `null`. */
    getLatestVersion: query({
      args: { entityId: v.string() },
      handler: async (ctx, { entityId }): Promise<VersionRow | null> => {
        const doc = await latestVersion(ctx, entityId);
        return doc ? withoutSystemFields(doc) as VersionRow : null;
      },
    }),

    /** Deletes one version (nothing when it does not exist). */
    deleteVersion: mutation({
      args: { id: v.string() },
      handler: async (ctx, { id }): Promise<{ released: boolean }> => {
        const doc = await findVersion(ctx, id);
        return { released: doc ? await deleteVersionDoc(ctx, doc) : false };
      },
    }),

    /** Number of versions of an entity (a counter: one document). */
    countVersions: query({
      args: { entityId: v.string() },
      handler: async (ctx, { entityId }): Promise<number> => await readCounter(ctx, names.versionsOf(entityId)),
    }),

    /**
     * One bounded step of an offset page of an entity's versions, ordered by
     * `field` then id, with its exact total (a counter): a page near either
     * end reads about one page of rows.
     */
    listVersions: query({
      args: {
        entityId: v.string(),
        field: versionOrderFieldValidator,
        direction: v.union(v.literal("asc"), v.literal("desc")),
        offset: v.number(),
        limit: v.number(),
        state: v.optional(walkStateValidator),
      },
      handler: async (ctx, args): Promise<ListResult<VersionRow>> => {
        const total = await readCounter(ctx, names.versionsOf(args.entityId));
        // A page at any depth seeks through the entity's version tree (when it holds every version counted).
        const state = args.state ??
          (args.offset >= total || args.limit <= 0 ? null : await planSeek(
            ctx,
            names.versionTree(args.entityId, args.field),
            total,
            args.offset,
            args.limit,
            args.direction,
          ));
        if (state === null) return { rows: [], next: null, total, reversed: false };
        const spec: IndexSpec = {
          table: "versioned_versions",
          index: args.field === "versionNumber" ? "by_entity_versionNumber" : "by_entity_createdAt",
          eq: [["domain", domain], ["entityId", args.entityId]],
          sortField: args.field,
        };
        const step = await walk<VersionDoc, VersionRow>(ctx.db, spec, state, {
          budget: { docs: 4000, bytes: LIST_BYTES },
          onTake: (doc) => Promise.resolve({ row: withoutSystemFields(doc) as VersionRow, bytes: 0 }),
        });
        return { rows: step.rows, next: step.next, total, reversed: state.reversed };
      },
    }),

    /**
     * One bounded step of an offset page of records (with their resolved
     * versions when `resolve` is given), in core's order: the user's
     * favorites first when pinned, then `field` in `direction`. The total is
     * exact: a tree's size or a counter when only `status` (or nothing)
     * filters or the filters have their own tree (`kit/versionedFacets.ts`:
     * the page is then read from that tree), else counted by the walk.
     * Candidate lists (entity ids, favorites only) read their records by id.
     * `pinned` is the number of favorites the first call placed first
     * (continuations pass it back).
     */
    list: query({
      args: {
        filter: entityFilterValidator,
        field: entityOrderFieldValidator,
        direction: v.union(v.literal("asc"), v.literal("desc")),
        offset: v.number(),
        limit: v.number(),
        resolve: v.optional(resolutionValidator),
        state: v.optional(walkStateValidator),
        pinned: v.optional(v.number()),
      },
      handler: async (ctx, args): Promise<ListResult<ResolvedRow> & { pinned: number }> => {
        const { filter, field, direction, offset, limit } = args;
        if (filter.metadata !== undefined && filter.metadataMatchesNothing) {
          return { rows: [], next: null, total: 0, reversed: false, pinned: 0 };
        }
        const matches = matcher(filter);
        const take = attach(ctx, args.resolve);
        const favorites = await favoritesOf(ctx, filter.pinUser);
        const candidateIds = filter.entityIds !== undefined || filter.favoritedOnly
          ? candidates(filter, favorites)
          : undefined;
        const pinnedSet = candidateIds === undefined ? favorites : undefined;
        const pinnedRows: ResolvedRow[] = [];
        let pinnedKeys: SortKey[] = [];
        let pinned = args.pinned ?? 0;
        if (args.state === undefined && (candidateIds !== undefined || (pinnedSet && pinnedSet.size > 0))) {
          const docs: EntityDoc[] = [];
          for (const id of candidateIds ?? pinnedSet!) {
            const doc = await findEntity(ctx, id);
            if (doc && matches(doc)) docs.push(doc);
          }
          const sorted = sortCandidates(docs, field, direction, favorites);
          pinned = sorted.length;
          pinnedKeys = sorted.map((doc) => ({ value: doc[field], id: doc.id }));
          for (const doc of sorted.slice(offset, offset + limit)) pinnedRows.push((await take(doc)).row);
          if (candidateIds !== undefined) {
            return { rows: pinnedRows, next: null, total: pinned, reversed: false, pinned };
          }
        } else if (candidateIds !== undefined) {
          return { rows: [], next: null, total: pinned, reversed: false, pinned };
        }
        const restOffset = Math.max(0, offset - pinned);
        const restLimit = Math.max(0, limit - pinnedRows.length);
        const otherFilters = filter.authorId !== undefined || filter.visibility !== undefined ||
          filter.organizationId !== undefined || filter.projectId !== undefined || filter.metadata !== undefined;
        const pinning = pinnedSet !== undefined && pinnedSet.size > 0;
        const exact = otherFilters ? await exactTree(ctx, filter, field) : null;
        if (exact !== null) {
          // The filters' own tree: the total is its size, the page its keys (read by id).
          const total = await treeTotal(ctx, exact);
          const page = await treePage(ctx, {
            tree: exact,
            total,
            from: args.state?.after ?? { offset: restOffset, pinnedKeys },
            take: args.state?.take ?? restLimit,
            order: direction,
            exclude: pinning ? pinnedSet : undefined,
            onTake: take,
          });
          return { rows: [...pinnedRows, ...page.rows], next: page.next, total, reversed: false, pinned };
        }
        const predicateFilters = otherFilters || pinning;
        const status = filter.status;
        let total: number | null = null;
        const tree = status === undefined ? names.allTree(field) : names.statusTree(status, field);
        const covered = !otherFilters && await treesCover(ctx, "versioned_entities");
        if (!otherFilters && (covered || !pinning)) {
          // The tree's root holds the total when the trees hold every record (one document instead of the
          // counter's shards); else the sharded counter. Pinned favorites are among the records it counts.
          total = covered
            ? await treeTotal(ctx, tree)
            : await readShardedCounter(ctx, status === undefined ? names.entities : names.inStatus(status));
        }
        let state: WalkState | null | undefined = args.state;
        if (state === undefined) {
          if (total === null) state = countingState(restOffset, restLimit, direction);
          else if (restOffset >= total - pinned || restLimit <= 0) state = null;
          else if (pinning) {
            // The rest of the list is the tree without the pinned records: seek past them.
            state = await seekPastPinned(ctx, tree, total, pinnedKeys, restOffset, restLimit, direction);
          } else {
            // A page at any depth seeks through the list's rank tree (when it holds every record counted).
            state = await planSeek(ctx, tree, total, restOffset, restLimit, direction);
          }
        }
        if (state === null) return { rows: pinnedRows, next: null, total, reversed: false, pinned };
        const spec: IndexSpec = status !== undefined
          ? {
            table: "versioned_entities",
            index: `by_domain_status_${field}`,
            eq: [["domain", domain], ["status", status]],
            sortField: field,
          }
          : filter.authorId !== undefined
          ? {
            table: "versioned_entities",
            index: `by_domain_author_${field}`,
            eq: [["domain", domain], ["authorId", filter.authorId]],
            sortField: field,
          }
          : { table: "versioned_entities", index: `by_domain_${field}`, eq: [["domain", domain]], sortField: field };
        const step = await walk<EntityDoc, ResolvedRow>(ctx.db, spec, state, {
          predicate: predicateFilters ? (doc) => matches(doc) && !(pinnedSet?.has(doc.id) ?? false) : undefined,
          onTake: take,
          budget: { docs: 4000, bytes: LIST_BYTES },
        });
        // Pinned rows exist only with a predicate, whose walk counts forward (never reversed).
        if (total === null && step.next === null) total = pinned + step.matched;
        return { rows: [...pinnedRows, ...step.rows], next: step.next, total, reversed: state.reversed, pinned };
      },
    }),
  };
}

/**
 * Walk-order position (0 = first key in `order`) of the `offset`-th record
 * of `tree` (holding `total` keys) that is not pinned (`pinnedKeys`, all in
 * the tree): each pinned key's position costs O(log N) reads.
 */
async function walkPosition(
  ctx: QueryCtx,
  tree: string,
  total: number,
  pinnedKeys: SortKey[],
  offset: number,
  order: "asc" | "desc",
): Promise<number> {
  const positions: number[] = [];
  for (const key of pinnedKeys) {
    const rank = await rankOf(ctx, tree, key);
    positions.push(order === "asc" ? rank : total - 1 - rank);
  }
  positions.sort((a, b) => a - b);
  // Every pinned record at or before the position pushes it one further.
  let position = offset;
  for (const pinned of positions) {
    if (pinned <= position) position++;
    else break;
  }
  return position;
}

/**
 * The first walk state of the rest of a pinned list: the records of `tree`
 * (holding `total` keys) without the pinned ones (`pinnedKeys`, all in the
 * tree), from the `offset`-th in `order`. Each pinned key's position costs
 * O(log N) reads, then one `keyAt`: the walk starts right after the key
 * before the page and skips the pinned records as it goes.
 */
async function seekPastPinned(
  ctx: QueryCtx,
  tree: string,
  total: number,
  pinnedKeys: SortKey[],
  offset: number,
  limit: number,
  order: "asc" | "desc",
): Promise<WalkState> {
  const position = await walkPosition(ctx, tree, total, pinnedKeys, offset, order);
  const base: WalkState = { skip: 0, take: limit, matched: 0, order, countAll: false, reversed: false };
  if (position === 0) return base;
  const after = await keyAt(ctx, tree, order === "asc" ? position - 1 : total - position);
  return after === null ? { ...base, skip: offset } : { ...base, after };
}

/** The ids a candidate list reads (entity ids, narrowed to favorites when only favorites are asked for). */
function candidates(filter: EntityFilter, favorites: Set<string> | undefined): string[] {
  if (filter.favoritedOnly && favorites === undefined) return [];
  let ids = filter.entityIds !== undefined ? [...new Set(filter.entityIds)] : [...(favorites ?? [])];
  if (filter.favoritedOnly && filter.entityIds !== undefined) ids = ids.filter((id) => favorites!.has(id));
  if (ids.length > MAX_CANDIDATES) {
    throw storageError("INVALID", `at most ${MAX_CANDIDATES} entity ids per list, got ${ids.length}`);
  }
  return ids;
}

/** Names of the functions every versioned domain has. */
export const VERSIONED_FUNCTIONS = [
  "get",
  "resolve",
  "create",
  "update",
  "remove",
  "removeVersionsOf",
  "clear",
  "createVersion",
  "getVersion",
  "getVersions",
  "getVersionByNumber",
  "getLatestVersion",
  "deleteVersion",
  "countVersions",
  "listVersions",
  "list",
] as const;

/**
 * The Convex functions of the versioned domains (internal): each takes the
 * `domain` it acts on, and runs that domain's operation over its
 * declaration. One module registers them for every declaration.
 */
export function versionedFunctions(
  declarations: readonly VersionedDeclaration[],
): Record<
  (typeof VERSIONED_FUNCTIONS)[number],
  | RegisteredQuery<"internal", DefaultFunctionArgs, Promise<unknown>>
  | RegisteredMutation<"internal", DefaultFunctionArgs, Promise<unknown>>
> {
  const operations = new Map(declarations.map((decl) => [decl.domain, domainOperations(decl)]));
  const domainValidator = v.union(...declarations.map((decl) => v.literal(decl.domain)));
  const registered = {} as Record<string, unknown>;
  for (const name of VERSIONED_FUNCTIONS) {
    const kind = operations.get(declarations[0].domain)![name].kind;
    const args = { domain: domainValidator, ...operations.get(declarations[0].domain)![name].args };
    // deno-lint-ignore no-explicit-any
    const handler = (ctx: any, { domain, ...rest }: { domain: string }) =>
      operations.get(domain)![name].handler(ctx, rest);
    registered[name] = kind === "query" ? internalQuery({ args, handler }) : internalMutation({ args, handler });
  }
  return registered as never;
}
