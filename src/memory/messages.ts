/**
 * Message operations of the memory domain, with the behaviour of
 * `@mastra/core`'s `InMemoryStore` (see the README's "Messages" section for
 * the deliberate differences).
 *
 * Large inputs and outputs are split into calls that each stay well inside
 * Convex's per-transaction limits; every split write is idempotent, so the
 * transport may retry a piece without losing or duplicating a message.
 *
 * Content of any size is accepted: content over `INLINE_LIMIT` is uploaded
 * in chunks first (`largeValues.ts`) and the row holds a reference. Reads
 * resolve the references of the rows they return, and only those.
 */
import { afterPendingDeletions } from "./threadDeletion.ts";
import { MessageList } from "@mastra/core/agent";
import type {
  MastraDBMessage,
  StorageListMessagesByResourceIdInput,
  StorageListMessagesInput,
  StorageListMessagesOutput,
} from "../coreTypes.ts";
import { calculatePagination, normalizePerPage, validateStorageMetadataFilter } from "@mastra/core/storage";
import { compareValues } from "convex/values";
import type {
  IncludeItem,
  IncludeResult,
  MessageKey,
  MessageListResult,
  UpdateOutcome,
} from "../../convex/memory/messages.ts";
import type { DateRange as CreatedAtRange } from "../../convex/kit/walk.ts";
import { assertFitsDocument } from "../../convex/kit/limits.ts";
import { mergeContent } from "../../convex/memory/messageStore.ts";
import { IN_TRANSACTION_LIMIT, INLINE_LIMIT, isBlobRef, utf8Length } from "../../convex/kit/blobs.ts";
import { approximateSize, type WalkState } from "../../convex/kit/walk.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { MessageRow } from "../../convex/memory/validators.ts";
import { decodeValue, encodeValue, toDate, toMillis } from "../kit/codec.ts";
import { InvalidInputError, isLostAnswer, withErrorContext } from "../kit/errors.ts";
import { multiStepWrite, writeBatches } from "../kit/multiStep.ts";
import { decodeContent, rowToMessage } from "./messageShape.ts";
import { loadLarge, mapLimited, resolveFresh, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import {
  checkInclude,
  optionalNullableRecord,
  optionalNullableString,
  requireId,
  requireIdList,
  requireKey,
  requireRecord,
} from "../kit/validate.ts";
import type { DomainContext } from "../kit/context.ts";
import { runWalk } from "../kit/walk.ts";

/**
 * Most messages written (or ids deleted) by one `messages:save` /
 * `messages:update` / `messages:remove` call. Each message costs up to one
 * lookup, two thread touches and six counter updates in the worst case
 * (every message in another thread and resource), which keeps a call under
 * Convex's 4,096 queries and 16,000 writes per transaction.
 */
export const WRITE_BATCH_MESSAGES = 400;
/** Most encoded bytes sent by one write call (Convex allows 16 MiB per transaction). */
export const WRITE_BATCH_BYTES = 4 * 1024 * 1024;
/** Most ids per `messages:getMany` call (one lookup each). */
const ID_BATCH = 1000;
/** Large values uploaded or downloaded at the same time by one call. */
const LARGE_PARALLEL = 4;
/** Attempts of a client-side content merge (compare-and-set) before giving up. */
const MERGE_ATTEMPTS = 20;

/** Sort order of listed messages (field is always `createdAt`; ties by id). */
type Direction = "ASC" | "DESC";

/** What `listMessages` needs from the `MemoryStorage` base class. */
export type ListHelpers = {
  parseOrderBy(
    orderBy: StorageListMessagesInput["orderBy"],
    defaultDirection: Direction,
  ): { field: string; direction: Direction };
};

// ---------------------------------------------------------------------------
// Rows

/** Checks a message and converts it to its stored row (as core's in-memory store stores it). */
export function messageToRow(input: unknown, now: number): MessageRow {
  const message = requireRecord(input, "message");
  const id = requireId(message.id, "message.id");
  const threadId = requireId(message.threadId, `message ${id}: threadId`);
  const row: MessageRow = {
    id,
    threadId,
    role: typeof message.role === "string" && message.role !== "" ? message.role : "user",
    type: typeof message.type === "string" && message.type !== "" ? message.type : "text",
    content: encodeValue(message.content),
    createdAt: message.createdAt === undefined || message.createdAt === null
      ? now
      : toMillis(message.createdAt, `message ${id}: createdAt`),
  };
  if (typeof message.resourceId === "string" && message.resourceId !== "") {
    row.resourceId = requireKey(message.resourceId, `message ${id}: resourceId`); // indexed: bounded like ids
  } else if (message.resourceId !== undefined && message.resourceId !== null && message.resourceId !== "") {
    throw new InvalidInputError(`message ${id}: resourceId must be a string`);
  }
  return row;
}

/**
 * Rows with their content resolved (blob references assembled), a few at a
 * time. A row whose large content was replaced meanwhile is read again; one
 * deleted meanwhile is dropped.
 */
async function resolveContents(ctx: DomainContext, rows: MessageRow[], operation: string): Promise<MessageRow[]> {
  const resolved = await mapLimited(
    rows,
    LARGE_PARALLEL,
    (row) =>
      resolveFresh(ctx, row, ["content"], operation, async () => {
        const [again] = await getMany<MessageRow>(ctx, [row.id], false, operation);
        return again ?? null;
      }),
  );
  return resolved.filter((row): row is MessageRow => row !== null);
}

/** Splits items into batches bounded by count and by approximate bytes. */
export function splitBatches<T>(items: T[], size: (item: T) => number, maxItems: number, maxBytes: number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (current.length > 0 && (current.length >= maxItems || bytes + itemBytes > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += itemBytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function compareMessages(a: MastraDBMessage, b: MastraDBMessage): number {
  return compareValues(new Date(a.createdAt).getTime(), new Date(b.createdAt).getTime()) || compareValues(a.id, b.id);
}

// ---------------------------------------------------------------------------
// Writes

/**
 * Upserts messages by id in batches. An existing message keeps its original
 * `createdAt`; the threads named get `updatedAt = now`. Returns the messages
 * as core's in-memory store does (through `MessageList`).
 */
export function saveMessages(
  ctx: DomainContext,
  { messages }: { messages: MastraDBMessage[] },
): Promise<{ messages: MastraDBMessage[] }> {
  const details = { count: Array.isArray(messages) ? messages.length : null };
  return withErrorContext({ operation: "saveMessages", details }, async () => {
    if (!Array.isArray(messages)) throw new InvalidInputError("messages must be an array");
    // Like core's InMemoryStore: a message whose resourceId is null fails the whole batch, before anything is written.
    const orphan = messages.find((message) => (message as { resourceId?: unknown })?.resourceId === null);
    if (orphan) {
      throw new InvalidInputError(`message ${JSON.stringify(orphan.id)} has resourceId null; nothing was saved`);
    }
    const now = ctx.now();
    // Large contents are uploaded first; the rows then hold small references, so batches count stored sizes.
    const rows = await mapLimited(
      messages.map((message) => messageToRow(message, now)),
      LARGE_PARALLEL,
      async (row) => {
        const stored = { ...row, content: await storeLarge(ctx, row.content, "saveMessages") };
        assertFitsDocument(`message ${row.id}`, stored);
        return stored;
      },
    );
    const batches = splitBatches(rows, approximateSize, WRITE_BATCH_MESSAGES, WRITE_BATCH_BYTES);
    const kept = new Map<string, number>();
    let released = false;
    await writeBatches(
      { operation: "saveMessages", details },
      batches,
      (batch) => batch.length,
      { items: "messages", remedy: "saving the same messages again is safe (they are upserted by id)" },
      async (batch, index) => {
        // Into a thread whose deletion is unfinished: once that deletion is complete, as core would store them.
        const result = await afterPendingDeletions(
          ctx,
          "saveMessages",
          () =>
            ctx.transport.mutation<{ kept: [string, number][]; released: boolean }>(
              "memory/messages:save",
              {
                messages: batch,
                now,
              },
              {
                operation: "saveMessages",
                details: { ...details, batch: index, batches: batches.length },
                idempotent: true,
              },
            ),
        );
        for (const [id, createdAt] of result.kept) if (!kept.has(id)) kept.set(id, createdAt);
        if (result.released) released = true;
      },
    );
    if (released) await sweepBlobs(ctx, "saveMessages");
    if (messages.length === 0) return { messages: [] };
    // Report the createdAt actually stored: an existing message keeps its original one.
    const saved = kept.size === 0 ? messages : messages.map((message) => {
      const createdAt = kept.get(message.id);
      return createdAt === undefined ? message : { ...message, createdAt: toDate(createdAt) };
    });
    return { messages: new MessageList().add(saved, "memory").get.all.db() };
  });
}

/** A partial message update as `MemoryStorage.updateMessages` receives it. */
export type MessageUpdate = Partial<Omit<MastraDBMessage, "createdAt">> & {
  id: string;
  createdAt?: Date | string | number;
  content?: unknown;
};

/** One update as `messages:update` takes it, plus the encoded content patch kept for a client-side merge. */
type PreparedUpdate = { wire: Record<string, unknown>; patch?: string };

/** Converts an updated row (content resolved) to the shape core's in-memory store returns. */
function updatedMessage(row: MessageRow): MastraDBMessage {
  return {
    id: row.id,
    threadId: row.threadId,
    content: decodeContent(row.content, false),
    role: row.role === "user" || row.role === "assistant" ? row.role : "user",
    type: row.type,
    createdAt: toDate(row.createdAt),
    resourceId: row.resourceId,
  } as MastraDBMessage;
}

/**
 * Applies one update whose content merge does not fit one Convex
 * transaction: reads the stored content, merges here with the same rule
 * (`mergeContent`), uploads the result and commits it only if the stored
 * content is still the one read (compare-and-set on the content value; a
 * large value's reference names a fresh blob on every write, so it changes
 * whenever the content does). Retries on conflict, a bounded number of times.
 */
async function mergeOnClient(
  ctx: DomainContext,
  update: PreparedUpdate,
  now: number,
  known: Map<string, string>,
): Promise<{ rows: MessageRow[]; released: boolean }> {
  const id = update.wire.id as string;
  const { content: _content, ...rest } = update.wire;
  let released = false;
  for (let attempt = 1; attempt <= MERGE_ATTEMPTS; attempt++) {
    const [row] = await getMany<MessageRow>(ctx, [id], false, "updateMessages");
    if (!row) return { rows: [], released };
    let current: string;
    try {
      current = await loadLarge(ctx, row.content, "updateMessages");
    } catch {
      continue; // replaced (and swept) meanwhile: read again
    }
    const merged = encodeValue(mergeContent(decodeValue(current), decodeValue(update.patch!)));
    const stored = await storeLarge(ctx, merged, "updateMessages");
    const outcome = await afterPendingDeletions(
      ctx,
      "updateMessages",
      () =>
        ctx.transport.mutation<UpdateOutcome>("memory/messages:update", {
          updates: [{ ...rest, setContent: stored, expectedContent: row.content }],
          now,
        }, { operation: "updateMessages", details: { messageId: id, attempt }, idempotent: true }),
    );
    if (outcome.released) released = true;
    if (outcome.stopped === "conflict") {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      continue;
    }
    known.set(stored, merged);
    return { rows: outcome.rows, released };
  }
  throw new Error(`message ${id} kept changing during ${MERGE_ATTEMPTS} attempts to merge its content; try again`);
}

/**
 * Applies partial updates (content merged, metadata merged shallowly; a new
 * `threadId` moves the message). Unknown ids are skipped. Returns the
 * updated messages in core's in-memory shape.
 *
 * Content merges run inside Convex, atomically with the rest of the
 * update, while the stored content and the patch together fit one
 * transaction (`IN_TRANSACTION_LIMIT`); larger ones are merged here and
 * committed with a compare-and-set (see {@link mergeOnClient}).
 */
export function updateMessages(
  ctx: DomainContext,
  { messages }: { messages: MessageUpdate[] },
): Promise<MastraDBMessage[]> {
  const details = { count: Array.isArray(messages) ? messages.length : null };
  return withErrorContext({ operation: "updateMessages", details }, async () => {
    if (!Array.isArray(messages)) throw new InvalidInputError("messages must be an array");
    const updates: PreparedUpdate[] = messages.map((input) => {
      const message = requireRecord(input, "message");
      const wire: Record<string, unknown> = { id: requireId(message.id, "message.id") };
      if (typeof message.threadId === "string" && message.threadId !== "") wire.threadId = message.threadId;
      if (message.role !== undefined) wire.role = String(message.role);
      if (message.type !== undefined) wire.type = String(message.type);
      if (message.createdAt !== undefined) wire.createdAt = toMillis(message.createdAt, "message.createdAt");
      if (message.resourceId !== undefined) {
        wire.resourceId = message.resourceId === null ? null : String(message.resourceId);
      }
      return message.content === undefined ? { wire } : { wire, patch: encodeValue(message.content) };
    });
    const now = ctx.now();
    const rows: MessageRow[] = [];
    const known = new Map<string, string>();
    let released = false;
    // A patch travels inline up to INLINE_LIMIT, else as a short reference to its upload.
    const size = (update: PreparedUpdate) =>
      approximateSize(update.wire) +
      (update.patch === undefined ? 0 : utf8Length(update.patch) <= INLINE_LIMIT ? update.patch.length : 64);
    let start = 0;
    const oversized = (update: PreparedUpdate) => (update.patch?.length ?? 0) > IN_TRANSACTION_LIMIT;
    await multiStepWrite({ operation: "updateMessages", details }, (error) =>
      start > 0 || isLostAnswer(error)
        ? {
          state: `the first ${start} of ${updates.length} updates were applied` +
            (isLostAnswer(error) ? ", and the next ones may have been (an answer was lost)" : "") +
            "; the rest were not",
          remedy: "read the messages back before updating the rest",
        }
        : undefined, async () => {
      while (start < updates.length) {
        if (oversized(updates[start])) {
          // A patch no transaction can read is merged here right away.
          const merged = await mergeOnClient(ctx, updates[start], now, known);
          rows.push(...merged.rows);
          if (merged.released) released = true;
          start++;
          continue;
        }
        // Large patches travel as uploaded values; each batch is sent until Convex has handled all of it.
        let [batch] = splitBatches(updates.slice(start), size, WRITE_BATCH_MESSAGES, WRITE_BATCH_BYTES);
        const cut = batch.findIndex(oversized);
        if (cut > 0) batch = batch.slice(0, cut);
        const wire = await mapLimited(
          batch,
          LARGE_PARALLEL,
          async (update) =>
            update.patch === undefined
              ? update.wire
              : { ...update.wire, content: await storeLarge(ctx, update.patch, "updateMessages") },
        );
        const outcome = await afterPendingDeletions(
          ctx,
          "updateMessages",
          () =>
            ctx.transport.mutation<UpdateOutcome>("memory/messages:update", { updates: wire, now }, {
              operation: "updateMessages",
              details,
              idempotent: true,
            }),
        );
        rows.push(...outcome.rows);
        if (outcome.released) released = true;
        // The uploaded patches of this call have been read: release them (a retried update uploads again).
        const uploads = wire.map((update) => update.content).filter(isBlobRef);
        if (uploads.length > 0) {
          const done = await ctx.transport.mutation<{ released: boolean }>("memory/messages:releaseUploads", {
            refs: uploads,
          }, { operation: "updateMessages", details, idempotent: true });
          if (done.released) released = true;
        }
        start += outcome.consumed;
        if (outcome.stopped !== undefined) {
          const merged = await mergeOnClient(ctx, updates[start], now, known);
          rows.push(...merged.rows);
          if (merged.released) released = true;
          start++;
        }
      }
    });
    if (released) await sweepBlobs(ctx, "updateMessages");
    const resolved = await mapLimited(rows, LARGE_PARALLEL, async (row) => {
      const content = known.get(row.content);
      return content !== undefined ? [{ ...row, content }] : await resolveContents(ctx, [row], "updateMessages");
    });
    return resolved.flat().map(updatedMessage);
  });
}

/** Deletes messages by id (unknown ids ignored); their threads get `updatedAt = now`. */
export function deleteMessages(ctx: DomainContext, messageIds: string[]): Promise<void> {
  const details = { count: Array.isArray(messageIds) ? messageIds.length : null };
  return withErrorContext({ operation: "deleteMessages", details }, async () => {
    if (!messageIds) return;
    if (!Array.isArray(messageIds)) throw new InvalidInputError("messageIds must be an array");
    if (messageIds.length === 0) return;
    const ids = requireIdList(messageIds, "messageIds");
    const now = ctx.now();
    let released = false;
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += WRITE_BATCH_MESSAGES) batches.push(ids.slice(i, i + WRITE_BATCH_MESSAGES));
    await writeBatches(
      { operation: "deleteMessages", details },
      batches,
      (batch) => batch.length,
      { items: "message ids", remedy: "deleting the same ids again is safe (unknown ids are ignored)" },
      async (batch) => {
        const result = await ctx.transport.mutation<{ released: boolean }>("memory/messages:remove", {
          ids: batch,
          now,
        }, { operation: "deleteMessages", details, idempotent: true });
        if (result.released) released = true;
      },
    );
    if (released) await sweepBlobs(ctx, "deleteMessages");
  });
}

// ---------------------------------------------------------------------------
// Reads

/** Reads messages (or only their keys) by id, in the order given, in as many calls as needed. */
async function getMany<Row extends MessageRow | MessageKey>(
  ctx: DomainContext,
  ids: string[],
  keysOnly: boolean,
  operation: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  let start = 0;
  while (start < ids.length) {
    const chunk = ids.slice(start, start + ID_BATCH);
    const result = await ctx.transport.query<{ rows: Row[]; consumed: number }>(
      "memory/messages:getMany",
      { ids: chunk, ...(keysOnly ? { keysOnly: true } : {}) },
      { operation, details: { count: ids.length } },
    );
    rows.push(...result.rows);
    start += Math.max(1, result.consumed);
  }
  return rows;
}

/** Reads messages by id (unknown ids skipped), through `MessageList` as core does. */
export function listMessagesById(
  ctx: DomainContext,
  { messageIds }: { messageIds: string[] },
): Promise<{ messages: MastraDBMessage[] }> {
  const details = { count: Array.isArray(messageIds) ? messageIds.length : null };
  return withErrorContext({ operation: "listMessagesById", details }, async () => {
    const ids = requireIdList(messageIds, "messageIds");
    const rows = await getMany<MessageRow>(ctx, ids, false, "listMessagesById");
    if (rows.length === 0) return { messages: [] };
    // Duplicated ids come back once per mention; each value is fetched once.
    const unique = new Map(rows.map((row) => [row.id, row]));
    const resolved = new Map(
      (await resolveContents(ctx, [...unique.values()], "listMessagesById")).map((row) => [row.id, row]),
    );
    const found = rows.filter((row) => resolved.has(row.id)).map((row) => resolved.get(row.id)!);
    if (found.length === 0) return { messages: [] };
    rows.splice(0, rows.length, ...found);
    return { messages: new MessageList().add(rows.map(rowToMessage), "memory").get.all.db() };
  });
}

/** The `createdAt` range of `filter.dateRange`, or `undefined`. */
function toRange(
  dateRange: { start?: unknown; end?: unknown; startExclusive?: boolean; endExclusive?: boolean } | undefined,
): CreatedAtRange | undefined {
  if (!dateRange || (!dateRange.start && !dateRange.end)) return undefined;
  const range: CreatedAtRange = {};
  if (dateRange.start) {
    range.start = toMillis(dateRange.start, "filter.dateRange.start");
    if (dateRange.startExclusive) range.startExclusive = true;
  }
  if (dateRange.end) {
    range.end = toMillis(dateRange.end, "filter.dateRange.end");
    if (dateRange.endExclusive) range.endExclusive = true;
  }
  return range;
}

/** Pagination checks and numbers shared by both message lists, as core computes them. */
function paginate(page: number, perPageInput: number | false | undefined): {
  perPage: number;
  offset: number;
  perPageForResponse: number | false;
} {
  const perPage = normalizePerPage(perPageInput, 40);
  if (page < 0) throw new InvalidInputError("page must be >= 0");
  if (page * perPage > Number.MAX_SAFE_INTEGER / 2) throw new InvalidInputError("page value too large");
  const { offset, perPage: perPageForResponse } = calculatePagination(page, perPageInput, perPage);
  return { perPage, offset, perPageForResponse };
}

/** `include` entries as the server takes them (validated by `checkInclude` before). */
function includeItems(include: StorageListMessagesInput["include"]): IncludeItem[] {
  return (include ?? []).map((item) => ({
    id: item.id,
    ...(typeof item.withPreviousMessages === "number" ? { withPreviousMessages: item.withPreviousMessages } : {}),
    ...(typeof item.withNextMessages === "number" ? { withNextMessages: item.withNextMessages } : {}),
  }));
}

/**
 * One page of a message list (rows in the requested order), its total, and
 * the `include` windows: resolved by the list's first call while they fit its
 * budget (one round trip for the usual recall), the rest by further calls
 * (see {@link finishIncludes}).
 */
async function listRows(
  ctx: DomainContext,
  args: {
    threadIds?: string[];
    resourceId?: string;
    range?: CreatedAtRange;
    metadata?: Record<string, unknown>;
    direction: Direction;
    offset: number;
    limit: number;
    include: IncludeItem[];
  },
  operation: string,
  details: Record<string, string | number | boolean | null>,
): Promise<{ rows: MessageRow[]; total: number; included: MessageRow[] }> {
  let first: IncludeResult | undefined;
  const { rows, total } = await runWalk(async (state: WalkState | undefined) => {
    const result = await ctx.transport.query<MessageListResult>("memory/messages:list", {
      ...(args.threadIds !== undefined ? { threadIds: args.threadIds } : {}),
      ...(args.resourceId !== undefined ? { resourceId: args.resourceId } : {}),
      ...(args.range !== undefined ? { range: args.range } : {}),
      ...(args.metadata !== undefined ? { metadata: encodeValue(args.metadata) } : {}),
      order: args.direction === "ASC" ? "asc" : "desc",
      offset: args.offset,
      limit: args.limit,
      ...(state !== undefined ? { state } : {}),
      ...(state === undefined && args.include.length > 0 ? { include: args.include } : {}),
    }, { operation, details });
    if (state === undefined) first = result.included;
    return result;
  });
  const included = await finishIncludes(ctx, args.include, args.resourceId, first, operation);
  return { rows, total: total ?? 0, included };
}

/** Reads up to `count` neighbours of `target` in its thread, strictly before (`desc`) or after (`asc`) it. */
async function neighbors(
  ctx: DomainContext,
  target: MessageRow,
  resourceId: string | undefined,
  order: "asc" | "desc",
  count: number,
  operation: string,
): Promise<MessageRow[]> {
  if (!(count > 0)) return [];
  const { rows } = await runWalk((state: WalkState | undefined) =>
    ctx.transport.query<ListResult<MessageRow>>("memory/messages:neighbors", {
      threadId: target.threadId,
      ...(resourceId !== undefined ? { resourceId } : {}),
      state: state ?? {
        after: { value: target.createdAt, id: target.id },
        skip: 0,
        take: Math.min(Math.floor(count), Number.MAX_SAFE_INTEGER),
        matched: 0,
        order,
        countAll: false,
        reversed: false,
      },
    }, { operation, details: { messageId: target.id } })
  );
  return order === "desc" ? rows.reverse() : rows;
}

/**
 * Resolves `include` entries as core does: each target message (from any
 * thread, but within `resourceId` when given) with its requested context
 * window in its own thread, without duplicates. `first` is what the list's
 * first call resolved already (the entries before `first.consumed`); the
 * rest is resolved by `messages:include` calls, and an entry whose window
 * alone exceeds one call's budget by walking its neighbours in bounded calls.
 */
async function finishIncludes(
  ctx: DomainContext,
  items: IncludeItem[],
  resourceId: string | undefined,
  first: IncludeResult | undefined,
  operation: string,
): Promise<MessageRow[]> {
  const resolved: MessageRow[] = [];
  const seen = new Set<string>();
  const add = (rows: MessageRow[]) => {
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      resolved.push(row);
    }
  };
  let start = 0;
  let step = first;
  while (start < items.length) {
    step ??= await ctx.transport.query<IncludeResult>("memory/messages:include", {
      items: items.slice(start),
      ...(resourceId !== undefined ? { resourceId } : {}),
    }, { operation, details: { include: items.length - start } });
    add(step.rows);
    const consumed = step.consumed;
    step = undefined;
    if (consumed > 0) {
      start += consumed;
      continue;
    }
    // The first entry of a call did not fit a whole call's budget: its neighbours are walked in bounded calls.
    const item = items[start++];
    const [target] = await getMany<MessageRow>(ctx, [item.id], false, operation);
    if (!target || (resourceId !== undefined && target.resourceId !== resourceId)) continue;
    const before = await neighbors(ctx, target, resourceId, "desc", item.withPreviousMessages ?? 0, operation);
    const after = await neighbors(ctx, target, resourceId, "asc", item.withNextMessages ?? 0, operation);
    add([...before, target, ...after]);
  }
  return resolved;
}

/**
 * Lists messages of one or more threads with core's filters, includes,
 * ordering, offset pagination, `total` and `hasMore` rules.
 */
export function listMessages(
  ctx: DomainContext & ListHelpers,
  args: StorageListMessagesInput,
): Promise<StorageListMessagesOutput> {
  const threadIdInput = args?.threadId;
  const details = {
    threadId: typeof threadIdInput === "string" ? threadIdInput : Array.isArray(threadIdInput) ? "[...]" : null,
    resourceId: typeof args?.resourceId === "string" ? args.resourceId : null,
  };
  return withErrorContext({ operation: "listMessages", details }, async () => {
    const { resourceId: optionalResourceId, include, filter, perPage: perPageInput, page = 0, orderBy } = args;
    optionalNullableString(optionalResourceId, "resourceId");
    checkInclude(include);
    const dateRange = optionalNullableRecord(optionalNullableRecord(filter, "filter")?.dateRange, "filter.dateRange");
    if (dateRange?.start) toMillis(dateRange.start, "filter.dateRange.start");
    if (dateRange?.end) toMillis(dateRange.end, "filter.dateRange.end");
    const metadataFilter = validateStorageMetadataFilter(filter?.metadata);
    const threadIds = Array.isArray(threadIdInput) ? threadIdInput : [threadIdInput];
    if (threadIds.length === 0 || threadIds.some((id) => typeof id !== "string" || !id.trim())) {
      throw new InvalidInputError("threadId must be a non-empty string or array of non-empty strings");
    }
    const { direction } = ctx.parseOrderBy(orderBy, "ASC");
    const { perPage, offset, perPageForResponse } = paginate(page, perPageInput);
    if (perPage === 0 && (!include || include.length === 0)) {
      return { messages: [], total: 0, page, perPage: perPageForResponse, hasMore: false };
    }
    const resourceId = optionalResourceId || undefined;
    const items = includeItems(include);
    let pageRows: MessageRow[] = [];
    let total = 0;
    let included: MessageRow[];
    if (perPage !== 0) {
      ({ rows: pageRows, total, included } = await listRows(
        ctx,
        {
          threadIds,
          resourceId,
          range: toRange(filter?.dateRange),
          metadata: metadataFilter,
          direction,
          offset,
          limit: perPage,
          include: items,
        },
        "listMessages",
        details,
      ));
    } else {
      included = await finishIncludes(ctx, items, resourceId, undefined, "listMessages");
    }
    const rows = [...pageRows];
    const ids = new Set(pageRows.map((row) => row.id));
    for (const row of included) {
      if (ids.has(row.id)) continue;
      rows.push(row);
      ids.add(row.id);
    }
    const messages = (await resolveContents(ctx, rows, "listMessages")).map(rowToMessage);
    const sign = direction === "ASC" ? 1 : -1;
    messages.sort((a, b) => sign * compareMessages(a, b));
    let hasMore: boolean;
    if (perPage === 0) hasMore = false;
    else if (metadataFilter) hasMore = offset + pageRows.length < total;
    else if (include && include.length > 0) {
      // core counts the returned messages of `threadId` (never matches when it is an array)
      hasMore = new Set(messages.filter((m) => m.threadId === threadIdInput).map((m) => m.id)).size < total;
    } else hasMore = offset + perPage < total;
    return { messages, total, page, perPage: perPageForResponse, hasMore };
  });
}

/** Lists a resource's messages across all its threads, as core does. */
export function listMessagesByResourceId(
  ctx: DomainContext & ListHelpers,
  args: StorageListMessagesByResourceIdInput,
): Promise<StorageListMessagesOutput> {
  const details = { resourceId: typeof args?.resourceId === "string" ? args.resourceId : null };
  return withErrorContext({ operation: "listMessagesByResourceId", details }, async () => {
    const { resourceId, include, filter, perPage: perPageInput, page = 0, orderBy } = args;
    if (typeof resourceId !== "string") throw new InvalidInputError("resourceId must be a string");
    checkInclude(include);
    optionalNullableRecord(filter, "filter");
    const metadataFilter = validateStorageMetadataFilter(filter?.metadata);
    const { direction } = ctx.parseOrderBy(orderBy, "ASC");
    const { perPage, offset, perPageForResponse } = paginate(page, perPageInput);
    const { rows: pageRows, total, included: windows } = await listRows(
      ctx,
      {
        resourceId,
        range: toRange(filter?.dateRange),
        metadata: metadataFilter,
        direction,
        offset,
        limit: perPage,
        include: includeItems(include),
      },
      "listMessagesByResourceId",
      details,
    );
    const hasMore = offset + pageRows.length < total;
    const ids = new Set(pageRows.map((row) => row.id));
    const included = windows.filter((row) => !ids.has(row.id));
    const all = (await resolveContents(ctx, [...pageRows, ...included], "listMessagesByResourceId")).map(rowToMessage);
    const messages = all.length === 0 ? [] : new MessageList().add(all, "memory").get.all.db();
    const sign = direction === "ASC" ? 1 : -1;
    messages.sort((a, b) => sign * compareMessages(a, b));
    return { messages, total, page, perPage: perPageForResponse, hasMore };
  });
}
