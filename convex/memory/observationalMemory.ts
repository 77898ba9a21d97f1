/**
 * Observational memory of Mastra's memory domain (the observer/reflector's
 * compressed history of a thread or resource). Internal functions only.
 *
 * Semantics are those of `@mastra/core`'s in-memory store: the records of
 * one thread (`thread:<id>`) or resource (`resource:<id>`) form a list,
 * newest first (`rank` ascending); the first is the current generation.
 * Every method is one mutation that reads, changes and writes the record on
 * the server, so concurrent observers never lose a chunk or apply a swap
 * twice (Convex mutations are serializable).
 *
 * Large texts (observations, buffered chunks) are stored out of line in
 * blobs (`kit/blobs.ts`); a mutation that changes one reads and rewrites it
 * inside the transaction (up to `IN_TRANSACTION_LIMIT`).
 */
import { v } from "convex/values";
import { blobOwner, isBlobRef, readField, releaseBlobs, utf8Length, writeField } from "../kit/blobs.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { storageError } from "../kit/errors.js";
import { type DataModel, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { withoutSystemFields } from "../kit/rows.js";
import { approximateSize } from "../kit/walk.js";
import {
  type ObservationalMemoryRow,
  OM_LARGE_FIELDS,
  omKey,
  type OmLargeField,
  type ReturnedRecord,
} from "./observationalMemoryRows.js";

/** A stored record document. */
type OmDoc = DataModel["observational_memory"]["document"];
/** A record as Mastra sees it (dates as `Date`), decoded inside a function. */
type Rec = Record<string, unknown>;
/** A buffered observation chunk. */
type Chunk = Record<string, unknown> & { messageIds: string[]; messageTokens?: number; tokenCount: number };

/** Large fields stay inline up to this many UTF-8 bytes (six of them still fit one document). */
const OM_INLINE_BYTES = 128 * 1024;
/** Largest value a mutation assembles (reads or writes) by itself. */
const OM_TRANSACTION_BYTES = 12 * 1024 * 1024;
/** A record whose encoded values add up to this is returned by value; a larger one by reference. */
const RETURN_INLINE_CHARS = 8 * 1024 * 1024;
/** Records deleted per `clear` call at most. */
const CLEAR_BATCH = 200;
/** Bytes of records read per call (history pages, clears, inserts walking the list). */
const READ_BYTES = 4 * 1024 * 1024;
/** Records read per history call at most. */
const HISTORY_DOCS = 500;
/** Records an insert may walk to find its place in an unsorted list (the usual cases cost one read). */
const INSERT_WALK_DOCS = 2000;

const LARGE = new Set<string>(OM_LARGE_FIELDS);

function notFound(id: string) {
  return storageError("NOT_FOUND", `Observational memory record not found: ${id}`);
}

async function findById(ctx: QueryCtx, id: string): Promise<OmDoc | null> {
  return await ctx.db.query("observational_memory").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

async function requireDoc(ctx: QueryCtx, id: string): Promise<OmDoc> {
  const doc = await findById(ctx, id);
  if (!doc) throw notFound(id);
  return doc;
}

async function firstOf(ctx: QueryCtx, key: string, order: "asc" | "desc"): Promise<OmDoc | null> {
  return await ctx.db.query("observational_memory").withIndex("by_key_rank", (q) => q.eq("key", key)).order(order)
    .first();
}

/** Decodes a record's small fields and the requested large ones. */
async function load(ctx: QueryCtx, doc: OmDoc, fields: readonly OmLargeField[]): Promise<Rec> {
  const rec = decodeValue(doc.rest) as Rec;
  for (const field of fields) {
    const stored = doc[field];
    if (stored !== undefined) rec[field] = decodeValue(await readField(ctx, stored));
  }
  return rec;
}

/** Stores an encoded value: inline when small, else as a committed blob written now. */
async function storeValue(ctx: MutationCtx, encoded: string, owner: string): Promise<string> {
  const bytes = utf8Length(encoded);
  if (bytes <= OM_INLINE_BYTES) return encoded;
  if (bytes > OM_TRANSACTION_BYTES) {
    throw storageError(
      "TOO_LARGE",
      `observational memory value of ${bytes} bytes is too large for one Convex transaction`,
    );
  }
  return await writeField(ctx, encoded, owner); // over OM_INLINE_BYTES: a blob owned by the record
}

/** The owner of a record's large values (see `blobOwner`). */
const ownerOf = (id: string): string => blobOwner("observational_memory", id);

function millis(value: unknown): number {
  const time = value instanceof Date ? value.getTime() : new Date(value as string | number).getTime();
  return Number.isFinite(time) ? time : 0;
}

/** The encoded values of a record as written, handed back to the client. */
type Written = { row: ObservationalMemoryRow; encoded: Partial<Record<OmLargeField | "rest", string>> };

/**
 * Builds the row of `rec`. Large fields listed in `changed` are encoded and
 * stored anew; the others keep their stored form from `previous`.
 */
async function buildRow(
  ctx: MutationCtx,
  rec: Rec,
  place: { key: string; rank: number },
  previous: OmDoc | null,
  changed: readonly OmLargeField[] | "all",
  _now: number,
): Promise<Written> {
  const encodedRest = encodeRest(rec);
  const row: ObservationalMemoryRow = {
    id: rec.id as string,
    key: place.key,
    rank: place.rank,
    threadId: (rec.threadId as string | null | undefined) ?? null,
    resourceId: rec.resourceId as string,
    generationCount: typeof rec.generationCount === "number" ? rec.generationCount : 0,
    createdAt: millis(rec.createdAt),
    rest: encodedRest,
  };
  const encoded: Written["encoded"] = { rest: encodedRest };
  for (const field of OM_LARGE_FIELDS) {
    if (changed === "all" || changed.includes(field)) {
      if (!Object.prototype.hasOwnProperty.call(rec, field)) continue;
      const value = encodeValue(rec[field]);
      encoded[field] = value;
      row[field] = await storeValue(ctx, value, ownerOf(row.id));
    } else if (previous?.[field] !== undefined) {
      row[field] = previous[field];
    }
  }
  assertFitsDocument(`observational memory record ${row.id}`, row);
  return { row, encoded };
}

/** Replaces a record's row, releasing the large values it no longer refers to. */
async function rewrite(ctx: MutationCtx, doc: OmDoc, written: Written, _now: number): Promise<boolean> {
  await ctx.db.replace(doc._id, written.row);
  return await releaseBlobs(
    ctx,
    ownerOf(doc.id),
    OM_LARGE_FIELDS.map((field) => doc[field]),
    OM_LARGE_FIELDS.map((field) => written.row[field]),
  );
}

function returned(written: Written): ReturnedRecord {
  const size = Object.values(written.encoded).reduce((sum, text) => sum + (text?.length ?? 0), 0);
  return size <= RETURN_INLINE_CHARS ? { row: written.row, values: written.encoded } : { row: written.row };
}

/** Rank of a new first record of `key`. */
async function frontRank(ctx: QueryCtx, key: string): Promise<number> {
  const first = await firstOf(ctx, key, "asc");
  return first ? first.rank - 1 : 0;
}

/** Runs one mutation body on the record `id`, writing the result back. */
async function modify(
  ctx: MutationCtx,
  id: string,
  fields: readonly OmLargeField[],
  now: number,
  change: (rec: Rec) => readonly OmLargeField[] | null,
): Promise<{ released: boolean }> {
  const doc = await requireDoc(ctx, id);
  const rec = await load(ctx, doc, fields);
  const changed = change(rec);
  if (changed === null) return { released: false };
  const written = await buildRow(ctx, rec, { key: doc.key, rank: doc.rank }, doc, changed, now);
  return { released: await rewrite(ctx, doc, written, now) };
}

/** The current (newest) record of a thread or resource, as stored. */
export const get = internalQuery({
  args: { key: v.string() },
  handler: async (ctx, { key }): Promise<ObservationalMemoryRow | null> => {
    const doc = await firstOf(ctx, key, "asc");
    return doc ? withoutSystemFields(doc) : null;
  },
});

/** One record by id, as stored (for re-reading after a large value moved). */
export const getById = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<ObservationalMemoryRow | null> => {
    const doc = await findById(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

const cursorValidator = v.object({ rank: v.number(), id: v.string() });

/**
 * One bounded step of a key's history, newest first: skips `skip` records
 * within the `from`/`to` dates, then returns up to `take` (all when
 * absent). Call again with `next` until it is `null`.
 */
export const history = internalQuery({
  args: {
    key: v.string(),
    from: v.optional(v.number()),
    to: v.optional(v.number()),
    skip: v.number(),
    take: v.optional(v.number()),
    after: v.optional(cursorValidator),
  },
  handler: async (
    ctx,
    { key, from, to, skip, take, after },
  ): Promise<{
    rows: ObservationalMemoryRow[];
    next: { skip: number; take?: number; after: { rank: number; id: string } } | null;
  }> => {
    const rows: ObservationalMemoryRow[] = [];
    if (take !== undefined && take <= 0) return { rows, next: null };
    let docs = 0;
    let bytes = 0;
    let last = after;
    const streams = after === undefined
      ? [ctx.db.query("observational_memory").withIndex("by_key_rank", (q) => q.eq("key", key))]
      : [
        ctx.db.query("observational_memory").withIndex(
          "by_key_rank",
          (q) => q.eq("key", key).eq("rank", after.rank).gt("id", after.id),
        ),
        ctx.db.query("observational_memory").withIndex("by_key_rank", (q) => q.eq("key", key).gt("rank", after.rank)),
      ];
    for (const stream of streams) {
      for await (const doc of stream) {
        if (docs >= HISTORY_DOCS || bytes >= READ_BYTES) {
          return { rows, next: { skip, ...(take !== undefined ? { take } : {}), after: last! } };
        }
        docs++;
        bytes += approximateSize(doc);
        last = { rank: doc.rank, id: doc.id };
        if (from !== undefined && !(doc.createdAt >= from)) continue;
        if (to !== undefined && !(doc.createdAt <= to)) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        rows.push(withoutSystemFields(doc));
        if (take !== undefined && --take === 0) return { rows, next: null };
      }
    }
    return { rows, next: null };
  },
});

/** Creates the first record of a thread or resource (idempotent by the client-chosen `id`). */
export const initialize = internalMutation({
  args: {
    id: v.string(),
    threadId: v.union(v.string(), v.null()),
    resourceId: v.string(),
    scope: v.string(),
    config: v.string(),
    observedTimezone: v.optional(v.string()),
    now: v.number(),
  },
  handler: async (ctx, args): Promise<ReturnedRecord> => {
    const existing = await findById(ctx, args.id);
    if (existing) return { row: withoutSystemFields(existing) };
    const key = omKey(args.threadId, args.resourceId);
    const now = new Date(args.now);
    const rec: Rec = {
      id: args.id,
      scope: args.scope,
      threadId: args.threadId,
      resourceId: args.resourceId,
      createdAt: now,
      updatedAt: now,
      lastObservedAt: undefined,
      originType: "initial",
      generationCount: 0,
      activeObservations: "",
      bufferedObservations: undefined,
      bufferedReflection: undefined,
      totalTokensObserved: 0,
      observationTokenCount: 0,
      pendingMessageTokens: 0,
      isReflecting: false,
      isObserving: false,
      isBufferingObservation: false,
      isBufferingReflection: false,
      lastBufferedAtTokens: 0,
      lastBufferedAtTime: null,
      config: decodeValue(args.config),
      observedTimezone: args.observedTimezone,
      metadata: {},
    };
    const written = await buildRow(ctx, rec, { key, rank: await frontRank(ctx, key) }, null, "all", args.now);
    await ctx.db.insert("observational_memory", written.row);
    return returned(written);
  },
});

/**
 * Inserts a whole record (thread cloning) where core's store puts it: before
 * the first record of its key whose generation is not greater. A retry of
 * the same insert is a no-op; another record with the same id is refused.
 */
export const insert = internalMutation({
  args: { record: v.string(), now: v.number() },
  handler: async (ctx, { record, now }): Promise<{ released: boolean }> => {
    const rec = decodeValue(record) as Rec;
    const id = rec.id as string;
    const key = omKey(rec.threadId as string | null, rec.resourceId as string);
    const generation = rec.generationCount as number;
    const existing = await findById(ctx, id);
    if (existing) {
      if (existing.key === key && existing.rest === encodeRest(rec)) return { released: false };
      throw storageError("ALREADY_EXISTS", `Observational memory record ${id} already exists`);
    }
    const written = await buildRow(ctx, rec, { key, rank: await insertRank(ctx, key, generation) }, null, "all", now);
    await ctx.db.insert("observational_memory", written.row);
    return { released: false };
  },
});

/** The encoded small fields of `rec`. */
function encodeRest(rec: Rec): string {
  const rest: Rec = {};
  for (const [name, value] of Object.entries(rec)) if (!LARGE.has(name)) rest[name] = value;
  return encodeValue(rest);
}

/** Where core's store inserts a record of `generation`: before the first one whose generation is not greater. */
async function insertRank(ctx: QueryCtx, key: string, generation: number): Promise<number> {
  const first = await firstOf(ctx, key, "asc");
  if (!first || generation >= first.generationCount) return first ? first.rank - 1 : 0;
  // No row with a generation at most this one (whatever the list's order): it goes last.
  const notGreater = await ctx.db.query("observational_memory").withIndex(
    "by_key_generation",
    (q) => q.eq("key", key).lte("generationCount", generation),
  ).first();
  if (!notGreater) return (await firstOf(ctx, key, "desc"))!.rank + 1;
  // Walk from the front to the first row whose generation is not greater (the list may be unsorted:
  // a generation inserted out of order earlier, or a reflection of an older generation put in front).
  let previous = first;
  let docs = 0;
  let bytes = 0;
  for await (
    const doc of ctx.db.query("observational_memory").withIndex(
      "by_key_rank",
      (q) => q.eq("key", key).gt("rank", first.rank),
    )
  ) {
    if (generation >= doc.generationCount) return (previous.rank + doc.rank) / 2;
    if (++docs >= INSERT_WALK_DOCS || (bytes += approximateSize(doc)) >= 4 * READ_BYTES) {
      throw storageError("TOO_LARGE", `observational memory of ${key} has too many generations to insert into`);
    }
    previous = doc;
  }
  return previous.rank + 1;
}

/** Replaces the active observations after a synchronous observation. */
export const updateActive = internalMutation({
  args: {
    id: v.string(),
    observations: v.string(),
    tokenCount: v.number(),
    lastObservedAt: v.string(),
    observedMessageIds: v.optional(v.string()),
    now: v.number(),
  },
  handler: async (ctx, args): Promise<{ released: boolean }> => {
    return await modify(ctx, args.id, [], args.now, (rec) => {
      rec.activeObservations = decodeValue(args.observations);
      rec.observationTokenCount = args.tokenCount;
      rec.totalTokensObserved = (rec.totalTokensObserved as number) + args.tokenCount;
      rec.pendingMessageTokens = 0;
      rec.lastObservedAt = decodeValue(args.lastObservedAt);
      rec.updatedAt = new Date(args.now);
      if (args.observedMessageIds === undefined) return ["activeObservations"];
      rec.observedMessageIds = decodeValue(args.observedMessageIds);
      return ["activeObservations", "observedMessageIds"];
    });
  },
});

/** Appends a buffered observation chunk (a chunk of an already buffered cycle is ignored). */
export const updateBuffered = internalMutation({
  args: {
    id: v.string(),
    chunkId: v.string(),
    chunk: v.string(),
    lastBufferedAtTime: v.optional(v.string()),
    now: v.number(),
  },
  handler: async (ctx, args): Promise<{ released: boolean }> => {
    return await modify(ctx, args.id, ["bufferedObservationChunks"], args.now, (rec) => {
      const chunk = decodeValue(args.chunk) as Rec;
      const existing = Array.isArray(rec.bufferedObservationChunks) ? rec.bufferedObservationChunks as Rec[] : [];
      if (existing.some((c) => c.cycleId === chunk.cycleId)) return null;
      const newChunk = {
        id: args.chunkId,
        cycleId: chunk.cycleId,
        observations: chunk.observations,
        tokenCount: chunk.tokenCount,
        messageIds: chunk.messageIds,
        messageTokens: chunk.messageTokens,
        lastObservedAt: chunk.lastObservedAt,
        createdAt: new Date(args.now),
        suggestedContinuation: chunk.suggestedContinuation,
        currentTask: chunk.currentTask,
        threadTitle: chunk.threadTitle,
        extractedValues: chunk.extractedValues,
        extractionFailures: chunk.extractionFailures,
      };
      rec.bufferedObservationChunks = [...existing, newChunk];
      if (args.lastBufferedAtTime !== undefined) {
        const time = decodeValue(args.lastBufferedAtTime);
        if (time) rec.lastBufferedAtTime = time;
      }
      rec.updatedAt = new Date(args.now);
      return ["bufferedObservationChunks"];
    });
  },
});

/** Chooses how many chunks to activate, exactly as core's in-memory store does. */
function chunksToActivate(chunks: Chunk[], input: Rec): number {
  const activationRatio = input.activationRatio as number;
  const threshold = input.messageTokensThreshold as number;
  const pending = input.currentPendingTokens as number;
  const retentionFloor = threshold * (1 - activationRatio);
  const targetMessageTokens = Math.max(0, pending - retentionFloor);
  let cumulativeMessageTokens = 0;
  let bestOverBoundary = 0;
  let bestOverTokens = 0;
  let bestUnderBoundary = 0;
  let bestUnderTokens = 0;
  for (let i = 0; i < chunks.length; i++) {
    cumulativeMessageTokens += chunks[i].messageTokens ?? 0;
    const boundary = i + 1;
    if (cumulativeMessageTokens >= targetMessageTokens) {
      if (bestOverBoundary === 0 || cumulativeMessageTokens < bestOverTokens) {
        bestOverBoundary = boundary;
        bestOverTokens = cumulativeMessageTokens;
      }
    } else if (cumulativeMessageTokens > bestUnderTokens) {
      bestUnderBoundary = boundary;
      bestUnderTokens = cumulativeMessageTokens;
    }
  }
  const maxOvershoot = retentionFloor * 0.95;
  const overshoot = bestOverTokens - targetMessageTokens;
  const remainingAfterOver = pending - bestOverTokens;
  const remainingAfterUnder = pending - bestUnderTokens;
  const minRemaining = Math.min(1e3, retentionFloor);
  if (input.forceMaxActivation && bestOverBoundary > 0 && remainingAfterOver >= minRemaining) return bestOverBoundary;
  if (bestOverBoundary > 0 && overshoot <= maxOvershoot && remainingAfterOver >= minRemaining) return bestOverBoundary;
  if (bestUnderBoundary > 0 && remainingAfterUnder >= minRemaining) return bestUnderBoundary;
  if (bestOverBoundary > 0) return bestOverBoundary;
  return 1;
}

/**
 * Activates buffered chunks: appends their observations to the active ones
 * (with a message-boundary line), moves their tokens, keeps the rest
 * buffered. Returns core's `SwapBufferedToActiveResult`, encoded.
 */
export const swapBuffered = internalMutation({
  args: { id: v.string(), input: v.string(), now: v.number() },
  handler: async (ctx, args): Promise<{ result: string; released: boolean }> => {
    const input = decodeValue(args.input) as Rec;
    let result: Rec = {};
    const { released } = await modify(
      ctx,
      args.id,
      ["activeObservations", "bufferedObservationChunks"],
      args.now,
      (rec) => {
        const persisted = Array.isArray(rec.bufferedObservationChunks) ? rec.bufferedObservationChunks as Chunk[] : [];
        const chunks = Array.isArray(input.bufferedChunks) ? input.bufferedChunks as Chunk[] : persisted;
        if (chunks.length === 0) {
          result = {
            chunksActivated: 0,
            messageTokensActivated: 0,
            observationTokensActivated: 0,
            messagesActivated: 0,
            activatedCycleIds: [],
            activatedMessageIds: [],
          };
          return null;
        }
        const count = chunksToActivate(chunks, input);
        const activated = chunks.slice(0, count);
        const remaining = chunks.slice(count);
        const activatedContent = activated.map((c) => c.observations).join("\n\n");
        const activatedTokens = activated.reduce((sum, c) => sum + c.tokenCount, 0);
        const activatedMessageTokens = activated.reduce((sum, c) => sum + (c.messageTokens ?? 0), 0);
        const activatedMessageCount = activated.reduce((sum, c) => sum + c.messageIds.length, 0);
        const activatedCycleIds = activated.map((c) => c.cycleId).filter((id) => !!id);
        const activatedMessageIds = activated.flatMap((c) => c.messageIds);
        const latest = activated[activated.length - 1];
        const derivedLastObservedAt = (input.lastObservedAt as Date | undefined) ??
          (latest?.lastObservedAt ? new Date(latest.lastObservedAt as Date) : new Date(args.now));
        if (rec.activeObservations) {
          const boundary = `\n\n--- message boundary (${derivedLastObservedAt.toISOString()}) ---\n\n`;
          rec.activeObservations = `${rec.activeObservations}${boundary}${activatedContent}`;
        } else rec.activeObservations = activatedContent;
        rec.observationTokenCount = ((rec.observationTokenCount as number) ?? 0) + activatedTokens;
        rec.pendingMessageTokens = Math.max(0, ((rec.pendingMessageTokens as number) ?? 0) - activatedMessageTokens);
        rec.bufferedObservationChunks = remaining.length > 0 ? remaining : undefined;
        rec.lastObservedAt = derivedLastObservedAt;
        rec.updatedAt = new Date(args.now);
        result = {
          chunksActivated: activated.length,
          messageTokensActivated: activatedMessageTokens,
          observationTokensActivated: activatedTokens,
          messagesActivated: activatedMessageCount,
          activatedCycleIds,
          activatedMessageIds,
          observations: activatedContent,
          perChunk: activated.map((c) => ({
            cycleId: c.cycleId ?? "",
            messageTokens: c.messageTokens ?? 0,
            observationTokens: c.tokenCount,
            messageCount: c.messageIds.length,
            observations: c.observations,
          })),
          suggestedContinuation: latest?.suggestedContinuation ?? undefined,
          currentTask: latest?.currentTask ?? undefined,
        };
        return ["activeObservations", "bufferedObservationChunks"];
      },
    );
    return { result: encodeValue(result), released };
  },
});

/**
 * The new generation created from `current` with `reflection` as its
 * observations, as core's store creates it, except that `metadata` carries
 * over like `config` and `observedTimezone` (libsql's behaviour; core's
 * in-memory store starts it empty).
 */
function reflectionRecord(id: string, current: Rec, reflection: unknown, tokenCount: number, now: number): Rec {
  const at = new Date(now);
  return {
    id,
    scope: current.scope,
    threadId: current.threadId,
    resourceId: current.resourceId,
    createdAt: at,
    updatedAt: at,
    lastObservedAt: current.lastObservedAt ?? at,
    originType: "reflection",
    generationCount: (current.generationCount as number) + 1,
    activeObservations: reflection,
    config: current.config,
    totalTokensObserved: current.totalTokensObserved,
    observationTokenCount: tokenCount,
    pendingMessageTokens: 0,
    isReflecting: false,
    isObserving: false,
    isBufferingObservation: false,
    isBufferingReflection: false,
    lastBufferedAtTokens: 0,
    lastBufferedAtTime: null,
    observedTimezone: current.observedTimezone,
    metadata: current.metadata ?? {},
  };
}

/** What a new generation carries over from the record it rolls over, as stored. */
const CARRIED_OVER = ["config", "metadata", "observedTimezone"] as const;

/** Inserts a new generation in front of its key's list (idempotent by the client-chosen `newId`). */
async function insertGeneration(ctx: MutationCtx, rec: Rec, now: number): Promise<ReturnedRecord> {
  const key = omKey(rec.threadId as string | null, rec.resourceId as string);
  const written = await buildRow(ctx, rec, { key, rank: await frontRank(ctx, key) }, null, "all", now);
  await ctx.db.insert("observational_memory", written.row);
  return returned(written);
}

/**
 * Creates a reflection generation from the fields of `current` the client
 * holds (core's store uses the record it is given, not the stored one),
 * except `config`, `metadata` and `observedTimezone`, which carry over from
 * the record as stored when it exists (the client's copy may be stale).
 */
export const createReflection = internalMutation({
  args: { newId: v.string(), current: v.string(), reflection: v.string(), tokenCount: v.number(), now: v.number() },
  handler: async (ctx, args): Promise<ReturnedRecord> => {
    const existing = await findById(ctx, args.newId);
    if (existing) return { row: withoutSystemFields(existing) };
    const current = decodeValue(args.current) as Rec;
    const stored = typeof current.id === "string" ? await findById(ctx, current.id) : null;
    if (stored) {
      const rest = decodeValue(stored.rest) as Rec;
      for (const field of CARRIED_OVER) current[field] = rest[field];
    }
    const rec = reflectionRecord(args.newId, current, decodeValue(args.reflection), args.tokenCount, args.now);
    return await insertGeneration(ctx, rec, args.now);
  },
});

/** Appends to the buffered reflection of a record. */
export const updateBufferedReflection = internalMutation({
  args: {
    id: v.string(),
    reflection: v.string(),
    tokenCount: v.number(),
    inputTokenCount: v.number(),
    reflectedObservationLineCount: v.number(),
    now: v.number(),
  },
  handler: async (ctx, args): Promise<{ released: boolean }> => {
    return await modify(ctx, args.id, ["bufferedReflection"], args.now, (rec) => {
      const reflection = decodeValue(args.reflection) as string;
      const existing = (rec.bufferedReflection as string | undefined) || "";
      rec.bufferedReflection = existing ? `${existing}\n\n${reflection}` : reflection;
      rec.bufferedReflectionTokens = ((rec.bufferedReflectionTokens as number) || 0) + args.tokenCount;
      rec.bufferedReflectionInputTokens = ((rec.bufferedReflectionInputTokens as number) || 0) + args.inputTokenCount;
      rec.reflectedObservationLineCount = args.reflectedObservationLineCount;
      rec.updatedAt = new Date(args.now);
      return ["bufferedReflection"];
    });
  },
});

/**
 * Turns the buffered reflection of record `id` into a new generation whose
 * observations are the reflection plus the lines added since it started,
 * and clears the buffered reflection of `id`; one transaction. Idempotent
 * by the client-chosen `newId`.
 */
export const swapReflection = internalMutation({
  args: { id: v.string(), newId: v.string(), tokenCount: v.number(), now: v.number() },
  handler: async (ctx, args): Promise<ReturnedRecord & { released: boolean }> => {
    const done = await findById(ctx, args.newId);
    if (done) return { row: withoutSystemFields(done), released: false };
    const doc = await requireDoc(ctx, args.id);
    const rec = await load(ctx, doc, ["activeObservations", "bufferedReflection"]);
    if (!rec.bufferedReflection) throw storageError("INVALID", "No buffered reflection to swap");
    const bufferedReflection = rec.bufferedReflection as string;
    const reflectedLineCount = (rec.reflectedObservationLineCount as number | undefined) ?? 0;
    const unreflected = ((rec.activeObservations as string | undefined) ?? "").split("\n").slice(reflectedLineCount)
      .join("\n").trim();
    const newObservations = unreflected ? `${bufferedReflection}\n\n${unreflected}` : bufferedReflection;
    const created = await insertGeneration(
      ctx,
      reflectionRecord(args.newId, rec, newObservations, args.tokenCount, args.now),
      args.now,
    );
    rec.bufferedReflection = undefined;
    rec.bufferedReflectionTokens = undefined;
    rec.bufferedReflectionInputTokens = undefined;
    rec.reflectedObservationLineCount = undefined;
    const written = await buildRow(ctx, rec, { key: doc.key, rank: doc.rank }, doc, ["bufferedReflection"], args.now);
    return { ...created, released: await rewrite(ctx, doc, written, args.now) };
  },
});

/** Sets one of the four progress flags (and, for buffering observations, `lastBufferedAtTokens`). */
export const setFlag = internalMutation({
  args: {
    id: v.string(),
    flag: v.union(
      v.literal("isReflecting"),
      v.literal("isObserving"),
      v.literal("isBufferingObservation"),
      v.literal("isBufferingReflection"),
    ),
    value: v.boolean(),
    lastBufferedAtTokens: v.optional(v.number()),
    now: v.number(),
  },
  handler: async (ctx, args): Promise<{ released: boolean }> => {
    return await modify(ctx, args.id, [], args.now, (rec) => {
      rec[args.flag] = args.value;
      if (args.flag === "isBufferingObservation" && args.lastBufferedAtTokens !== undefined) {
        rec.lastBufferedAtTokens = args.lastBufferedAtTokens;
      }
      rec.updatedAt = new Date(args.now);
      return [];
    });
  },
});

/** Sets the pending message token count. */
export const setPendingTokens = internalMutation({
  args: { id: v.string(), tokenCount: v.number(), now: v.number() },
  handler: async (ctx, args): Promise<{ released: boolean }> => {
    return await modify(ctx, args.id, [], args.now, (rec) => {
      rec.pendingMessageTokens = args.tokenCount;
      rec.updatedAt = new Date(args.now);
      return [];
    });
  },
});

function isPlainObj(value: unknown): value is Rec {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Core's `deepMergeConfig`: nested plain objects merge, `undefined` leaves a key alone. */
function deepMergeConfig(target: Rec, source: Rec): Rec {
  const output: Rec = { ...target };
  for (const key of Object.keys(source)) {
    const tVal = target[key];
    const sVal = source[key];
    if (isPlainObj(tVal) && isPlainObj(sVal)) output[key] = deepMergeConfig(tVal, sVal);
    else if (sVal !== undefined) output[key] = sVal;
  }
  return output;
}

/** Deep-merges a config patch into a record's config. */
export const updateConfig = internalMutation({
  args: { id: v.string(), config: v.string(), now: v.number() },
  handler: async (ctx, args): Promise<{ released: boolean }> => {
    return await modify(ctx, args.id, [], args.now, (rec) => {
      rec.config = deepMergeConfig(rec.config as Rec, decodeValue(args.config) as Rec);
      rec.updatedAt = new Date(args.now);
      return [];
    });
  },
});

/** Deletes one bounded batch of a key's records; call until `done`. */
export const clear = internalMutation({
  args: { key: v.string(), now: v.number() },
  handler: async (ctx, { key }): Promise<{ done: boolean; released: boolean }> => {
    const { done, released } = await clearKeyStep(ctx, key);
    return { done, released };
  },
});

/**
 * Deletes one bounded batch of a key's records (what `clear` runs; erasure
 * reuses it). `deleted`: records this step deleted.
 */
export async function clearKeyStep(
  ctx: MutationCtx,
  key: string,
): Promise<{ done: boolean; released: boolean; deleted: number }> {
  const batch: OmDoc[] = [];
  let bytes = 0;
  let more = false;
  for await (
    const doc of ctx.db.query("observational_memory").withIndex("by_key_rank", (q) => q.eq("key", key))
  ) {
    if (batch.length >= CLEAR_BATCH || bytes >= READ_BYTES) {
      more = true;
      break;
    }
    batch.push(doc);
    bytes += approximateSize(doc);
  }
  let released = false;
  for (const doc of batch) {
    if (OM_LARGE_FIELDS.some((field) => isBlobRef(doc[field]))) {
      released = (await releaseBlobs(ctx, ownerOf(doc.id), OM_LARGE_FIELDS.map((field) => doc[field]))) || released;
    }
    await ctx.db.delete(doc._id);
  }
  return { done: !more, released, deleted: batch.length };
}
