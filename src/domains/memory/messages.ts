/**
 * Message operations of the memory domain, with the behaviour of
 * `@mastra/core`'s `InMemoryStore` (see the README's "Messages" section for
 * the deliberate differences).
 *
 * Large inputs and outputs are split into calls that each stay well inside
 * Convex's per-transaction limits; every split write is idempotent, so the
 * transport may retry a piece without losing or duplicating a message.
 */
import { MessageList } from "@mastra/core/agent";
import type { MastraDBMessage } from "@mastra/core/memory";
import {
  calculatePagination,
  normalizePerPage,
  type StorageListMessagesByResourceIdInput,
  type StorageListMessagesInput,
  type StorageListMessagesOutput,
  validateStorageMetadataFilter,
} from "@mastra/core/storage";
import { compareValues } from "convex/values";
import type { MessageKey } from "../../../convex/messages.ts";
import type { CreatedAtRange } from "../../../convex/lib/messageWalk.ts";
import { assertFitsDocument } from "../../../convex/lib/limits.ts";
import { approximateSize, type WalkState } from "../../../convex/lib/pagination.ts";
import type { ListResult, MessageRow } from "../../../convex/lib/types.ts";
import { decodeValue, encodeValue, toDate, toMillis } from "../../codec.ts";
import { InvalidInputError, withErrorContext } from "../../errors.ts";
import { requireId, requireRecord } from "../../validate.ts";
import type { DomainContext } from "../context.ts";
import { runWalk } from "../walk.ts";

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
  if (typeof message.resourceId === "string" && message.resourceId !== "") row.resourceId = message.resourceId;
  else if (message.resourceId !== undefined && message.resourceId !== null && message.resourceId !== "") {
    throw new InvalidInputError(`message ${id}: resourceId must be a string`);
  }
  assertFitsDocument(`message ${id}`, row);
  return row;
}

/** Decodes stored content as core does: absent -> `{}`; a plain string -> a format-2 text message. */
function decodeContent(text: string, wrapString: boolean): unknown {
  const content = decodeValue(text);
  if (content === undefined) return {};
  if (wrapString && typeof content === "string") {
    return { format: 2, content, parts: [{ type: "text", text: content }] };
  }
  return content;
}

/** Converts a stored row back to Mastra's message shape. */
export function rowToMessage(row: MessageRow): MastraDBMessage {
  return {
    id: row.id,
    type: row.type ?? "text",
    createdAt: toDate(row.createdAt),
    threadId: row.threadId,
    ...(row.resourceId ? { resourceId: row.resourceId } : {}),
    content: decodeContent(row.content, true),
    role: row.role,
  } as MastraDBMessage;
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
    const now = ctx.now();
    const rows = messages.map((message) => messageToRow(message, now));
    const batches = splitBatches(rows, approximateSize, WRITE_BATCH_MESSAGES, WRITE_BATCH_BYTES);
    const kept = new Map<string, number>();
    for (const [index, batch] of batches.entries()) {
      const result = await ctx.transport.mutation<{ kept: [string, number][] }>("messages:save", {
        messages: batch,
        now,
      }, {
        operation: "saveMessages",
        details: { ...details, batch: index, batches: batches.length },
        idempotent: true,
      });
      for (const [id, createdAt] of result.kept) if (!kept.has(id)) kept.set(id, createdAt);
    }
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

/**
 * Applies partial updates (content merged, metadata merged shallowly; a new
 * `threadId` moves the message). Unknown ids are skipped. Returns the
 * updated messages in core's in-memory shape.
 */
export function updateMessages(
  ctx: DomainContext,
  { messages }: { messages: MessageUpdate[] },
): Promise<MastraDBMessage[]> {
  const details = { count: Array.isArray(messages) ? messages.length : null };
  return withErrorContext({ operation: "updateMessages", details }, async () => {
    if (!Array.isArray(messages)) throw new InvalidInputError("messages must be an array");
    const updates = messages.map((input) => {
      const message = requireRecord(input, "message");
      const update: Record<string, unknown> = { id: requireId(message.id, "message.id") };
      if (typeof message.threadId === "string" && message.threadId !== "") update.threadId = message.threadId;
      if (message.role !== undefined) update.role = String(message.role);
      if (message.type !== undefined) update.type = String(message.type);
      if (message.createdAt !== undefined) update.createdAt = toMillis(message.createdAt, "message.createdAt");
      if (message.resourceId !== undefined) {
        update.resourceId = message.resourceId === null ? null : String(message.resourceId);
      }
      if (message.content !== undefined) update.content = encodeValue(message.content);
      return update;
    });
    const now = ctx.now();
    const result: MastraDBMessage[] = [];
    const size = (update: Record<string, unknown>) => approximateSize(update);
    for (const batch of splitBatches(updates, size, WRITE_BATCH_MESSAGES, WRITE_BATCH_BYTES)) {
      const rows = await ctx.transport.mutation<MessageRow[]>("messages:update", { updates: batch, now }, {
        operation: "updateMessages",
        details,
        idempotent: true,
      });
      for (const row of rows) {
        result.push({
          id: row.id,
          threadId: row.threadId,
          content: decodeContent(row.content, false),
          role: row.role === "user" || row.role === "assistant" ? row.role : "user",
          type: row.type,
          createdAt: toDate(row.createdAt),
          resourceId: row.resourceId,
        } as MastraDBMessage);
      }
    }
    return result;
  });
}

/** Deletes messages by id (unknown ids ignored); their threads get `updatedAt = now`. */
export function deleteMessages(ctx: DomainContext, messageIds: string[]): Promise<void> {
  const details = { count: Array.isArray(messageIds) ? messageIds.length : null };
  return withErrorContext({ operation: "deleteMessages", details }, async () => {
    if (!messageIds || messageIds.length === 0) return;
    const ids = messageIds.map((id) => requireId(id, "messageIds[]"));
    const now = ctx.now();
    for (let i = 0; i < ids.length; i += WRITE_BATCH_MESSAGES) {
      await ctx.transport.mutation("messages:remove", { ids: ids.slice(i, i + WRITE_BATCH_MESSAGES), now }, {
        operation: "deleteMessages",
        details,
        idempotent: true,
      });
    }
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
      "messages:getMany",
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
    if (!Array.isArray(messageIds)) throw new InvalidInputError("messageIds must be an array");
    const ids = messageIds.filter((id): id is string => typeof id === "string");
    const rows = await getMany<MessageRow>(ctx, ids, false, "listMessagesById");
    if (rows.length === 0) return { messages: [] };
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

/** One page of a message list (rows in the requested order) and its total. */
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
  },
  operation: string,
  details: Record<string, string | number | boolean | null>,
): Promise<{ rows: MessageRow[]; total: number }> {
  const { rows, total } = await runWalk((state: WalkState | undefined) =>
    ctx.transport.query<ListResult<MessageRow>>("messages:list", {
      ...(args.threadIds !== undefined ? { threadIds: args.threadIds } : {}),
      ...(args.resourceId !== undefined ? { resourceId: args.resourceId } : {}),
      ...(args.range !== undefined ? { range: args.range } : {}),
      ...(args.metadata !== undefined ? { metadata: encodeValue(args.metadata) } : {}),
      order: args.direction === "ASC" ? "asc" : "desc",
      offset: args.offset,
      limit: args.limit,
      ...(state !== undefined ? { state } : {}),
    }, { operation, details })
  );
  return { rows, total: total ?? 0 };
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
    ctx.transport.query<ListResult<MessageRow>>("messages:neighbors", {
      threadId: target.threadId,
      ...(resourceId !== undefined ? { resourceId } : {}),
      state: state ?? {
        after: { value: target.createdAt, id: target.id },
        skip: 0,
        take: Math.floor(count),
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
 * window in its own thread, without duplicates.
 */
async function resolveIncludes(
  ctx: DomainContext,
  include: StorageListMessagesInput["include"],
  resourceId: string | undefined,
  operation: string,
): Promise<MessageRow[]> {
  if (!include || include.length === 0) return [];
  const ids = include.map((item) => item?.id).filter((id): id is string => typeof id === "string");
  const targets = new Map((await getMany<MessageRow>(ctx, [...new Set(ids)], false, operation)).map((r) => [r.id, r]));
  const resolved: MessageRow[] = [];
  const seen = new Set<string>();
  for (const item of include) {
    const target = targets.get(item?.id);
    if (!target) continue;
    if (resourceId !== undefined && target.resourceId !== resourceId) continue;
    const before = await neighbors(ctx, target, resourceId, "desc", item.withPreviousMessages ?? 0, operation);
    const after = await neighbors(ctx, target, resourceId, "asc", item.withNextMessages ?? 0, operation);
    for (const row of [...before, target, ...after]) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      resolved.push(row);
    }
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
    let pageRows: MessageRow[] = [];
    let total = 0;
    if (perPage !== 0) {
      ({ rows: pageRows, total } = await listRows(
        ctx,
        {
          threadIds,
          resourceId,
          range: toRange(filter?.dateRange),
          metadata: metadataFilter,
          direction,
          offset,
          limit: perPage,
        },
        "listMessages",
        details,
      ));
    }
    const messages = pageRows.map(rowToMessage);
    const ids = new Set(pageRows.map((row) => row.id));
    for (const row of await resolveIncludes(ctx, include, resourceId, "listMessages")) {
      if (ids.has(row.id)) continue;
      messages.push(rowToMessage(row));
      ids.add(row.id);
    }
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
    const metadataFilter = validateStorageMetadataFilter(filter?.metadata);
    if (typeof resourceId !== "string") throw new InvalidInputError("resourceId must be a string");
    const { direction } = ctx.parseOrderBy(orderBy, "ASC");
    const { perPage, offset, perPageForResponse } = paginate(page, perPageInput);
    const { rows: pageRows, total } = await listRows(
      ctx,
      {
        resourceId,
        range: toRange(filter?.dateRange),
        metadata: metadataFilter,
        direction,
        offset,
        limit: perPage,
      },
      "listMessagesByResourceId",
      details,
    );
    const hasMore = offset + pageRows.length < total;
    const ids = new Set(pageRows.map((row) => row.id));
    const included = (await resolveIncludes(ctx, include, resourceId, "listMessagesByResourceId"))
      .filter((row) => !ids.has(row.id));
    const all = [...pageRows, ...included].map(rowToMessage);
    const messages = all.length === 0 ? [] : new MessageList().add(all, "memory").get.all.db();
    const sign = direction === "ASC" ? 1 : -1;
    messages.sort((a, b) => sign * compareMessages(a, b));
    return { messages, total, page, perPage: perPageForResponse, hasMore };
  });
}
