/**
 * Operations on dataset items (SCD-2 history): batch insert, update,
 * delete, purge, reads at any version, history and lists.
 */
import type { DatasetItem, DatasetItemRow, ListDatasetItemsInput, ListDatasetItemsOutput } from "../coreTypes.ts";
import { ErrorCategory, ErrorDomain, MastraError } from "@mastra/core/error";
import type { ItemKey } from "../../convex/datasets/items.ts";
import type { Conflict } from "../../convex/datasets/items.ts";
import type { ItemRow, NewItem } from "../../convex/datasets/validators.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { DomainContext } from "../kit/context.ts";
import { encodeValue } from "../kit/codec.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { mapLimited, resolveFresh, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import { requireRecord, requireString } from "../kit/validate.ts";
import { runWalk } from "../kit/walk.ts";
import { listOrder, pageOf, paginationInfo, tenancyArg, walkPage } from "../kit/pages.ts";
import { type Payload, payloadDigest, payloadOf, pickPayload, rowToHistory, rowToItem, searchColumns } from "./rows.ts";
import { searchToken } from "../../convex/datasets/searchTokens.ts";
import { PAGE_AT_MAX } from "../../convex/datasets/versionTrees.ts";

/** Item payloads downloaded at the same time by one list. */
const LARGE_PARALLEL = 4;

/** A row with its payload assembled (read again if purged meanwhile); `null` if gone. */
function resolveRow(ctx: DomainContext, row: ItemRow, operation: string): Promise<ItemRow | null> {
  return resolveFresh(ctx, row, ["data"], operation, async () => {
    const rows = await ctx.transport.query<ItemRow[]>("datasets/items:getRows", {
      keys: [{ id: row.id, datasetVersion: row.datasetVersion }],
    }, { operation, details: { itemId: row.id } });
    return rows[0] ?? null;
  });
}

async function resolveRows(ctx: DomainContext, rows: ItemRow[], operation: string): Promise<ItemRow[]> {
  return (await mapLimited(rows, LARGE_PARALLEL, (row) => resolveRow(ctx, row, operation))).filter((row) =>
    row !== null
  );
}

/** The stored columns of a payload: encoded data (uploaded first when large), digest and search text. */
async function payloadColumns(
  ctx: DomainContext,
  payload: Payload,
  operation: string,
): Promise<Pick<NewItem, "data" | "digest" | "searchText">> {
  const data = await storeLarge(ctx, encodeValue(payload), operation);
  return { data, digest: await payloadDigest(payload), ...searchColumns(payload) };
}

/** Core's identity-conflict error for a batch whose `externalId`s clash with accepted items. */
function conflictError(conflicts: Conflict[]): MastraError {
  const error = new MastraError({
    id: "DATASET_ITEM_IDENTITY_CONFLICT",
    text: "One or more dataset item identities conflict with previously accepted items.",
    domain: ErrorDomain.STORAGE,
    category: ErrorCategory.USER,
    details: { conflicts: conflicts.length },
  });
  return Object.assign(error, { conflicts });
}

/**
 * Inserts a batch of items under one new dataset version, with core's
 * `externalId` idempotency; answers every item (inserted or resolved) in
 * input order.
 */
export function batchInsertItems(
  ctx: DomainContext,
  input: { datasetId: string; items: Record<string, unknown>[]; filters?: unknown },
): Promise<DatasetItem[]> {
  const details = { datasetId: typeof input?.datasetId === "string" ? input.datasetId : null };
  return withErrorContext({ operation: "batchInsertItems", details }, async () => {
    const datasetId = requireString(input.datasetId, "datasetId");
    if (!Array.isArray(input.items)) throw new InvalidInputError("items must be an array");
    const items: NewItem[] = [];
    const payloads = new Map<string, string>();
    for (const [index, raw] of input.items.entries()) {
      const item = requireRecord(raw, `items[${index}]`);
      const externalId = item.externalId === undefined || item.externalId === null
        ? null
        : requireString(item.externalId, `items[${index}].externalId`);
      const payload = pickPayload(item);
      const columns = await payloadColumns(ctx, payload, "batchInsertItems");
      const id = crypto.randomUUID();
      payloads.set(id, columns.data);
      items.push({ id, externalId: externalId || null, ...columns });
    }
    const versionId = crypto.randomUUID();
    const answer = await ctx.transport.mutation<{ rows: ItemRow[]; conflicts: Conflict[] } | null>(
      "datasets/items:insertBatch",
      { datasetId, items, versionId, ...(tenancyArg(input.filters) ? { filters: tenancyArg(input.filters) } : {}) },
      { operation: "batchInsertItems", details: { datasetId, items: items.length }, idempotent: true },
    );
    if (answer === null) throw new InvalidInputError(`Dataset not found: ${datasetId}`);
    if (answer.conflicts.length > 0) throw conflictError(answer.conflicts);
    const resolved = await resolveRows(ctx, answer.rows, "batchInsertItems");
    return resolved.map(rowToItem);
  });
}

/** Reads the current row of an item (or its row at `datasetVersion`), payload assembled. */
async function readRow(
  ctx: DomainContext,
  id: string,
  datasetVersion: number | undefined,
  operation: string,
): Promise<ItemRow | null> {
  const row = await ctx.transport.query<ItemRow | null>("datasets/items:get", {
    id,
    ...(datasetVersion !== undefined ? { datasetVersion } : {}),
  }, { operation, details: { itemId: id } });
  return row ? await resolveRow(ctx, row, operation) : null;
}

/** Reads an item: its current state, or its state at `datasetVersion`; `null` when not visible. */
export function getItem(ctx: DomainContext, id: string, datasetVersion?: number): Promise<DatasetItem | null> {
  const details = { itemId: typeof id === "string" ? id : null };
  return withErrorContext({ operation: "getItemById", details }, async () => {
    if (datasetVersion !== undefined && typeof datasetVersion !== "number") {
      throw new InvalidInputError("datasetVersion must be a number");
    }
    const row = await readRow(ctx, requireString(id, "id"), datasetVersion, "getItemById");
    return row ? rowToItem(row) : null;
  });
}

/**
 * Updates an item as core does (fields not given keep their value) under
 * one new version: the new row is merged from the current one and written
 * only if the item did not change meanwhile (else merged again).
 */
export function updateItem(ctx: DomainContext, args: Record<string, unknown>): Promise<DatasetItem> {
  const details = {
    datasetId: typeof args?.datasetId === "string" ? args.datasetId : null,
    itemId: typeof args?.id === "string" ? args.id : null,
  };
  return withErrorContext({ operation: "updateItem", details }, async () => {
    const id = requireString(args.id, "id");
    const datasetId = requireString(args.datasetId, "datasetId");
    const change = pickPayload(args);
    const versionId = crypto.randomUUID();
    for (;;) {
      const current = await readRow(ctx, id, undefined, "updateItem");
      if (!current) throw new InvalidInputError(`Item not found: ${id}`);
      const before = payloadOf(current);
      const after: Payload = { ...before };
      for (const [field, value] of Object.entries(change)) {
        if (value === undefined) continue;
        after[field as keyof Payload] = field === "scorerIds" ? value ?? undefined : value;
      }
      const columns = await payloadColumns(ctx, after, "updateItem");
      const answer = await ctx.transport.mutation<
        { row: ItemRow } | { missing: "dataset" | "item" | "other" | "purged" } | { stale: true }
      >("datasets/items:update", {
        datasetId,
        id,
        expectedVersion: current.datasetVersion,
        versionId,
        ...columns,
        ...(tenancyArg(args.filters) ? { filters: tenancyArg(args.filters) } : {}),
      }, { operation: "updateItem", details, idempotent: true });
      if ("stale" in answer) continue;
      if ("missing" in answer) {
        const text = answer.missing === "dataset"
          ? `Dataset not found: ${datasetId}`
          : answer.missing === "other"
          ? `Item ${id} does not belong to dataset ${datasetId}`
          : answer.missing === "purged"
          ? `Purged dataset item cannot be updated: ${id}`
          : `Item not found: ${id}`;
        throw new InvalidInputError(text);
      }
      const row = await resolveRow(ctx, answer.row, "updateItem");
      if (!row) throw new InvalidInputError(`Item not found: ${id}`);
      return rowToItem(row);
    }
  });
}

/**
 * Deletes items by appending tombstones under one new version (`single`:
 * core's `deleteItem`, a no-op for an item without a current row).
 */
export function deleteItems(
  ctx: DomainContext,
  args: { datasetId: string; itemIds: string[]; filters?: unknown },
  single: boolean,
): Promise<void> {
  const operation = single ? "deleteItem" : "batchDeleteItems";
  const details = { datasetId: typeof args?.datasetId === "string" ? args.datasetId : null };
  return withErrorContext({ operation, details }, async () => {
    const datasetId = requireString(args.datasetId, "datasetId");
    if (!Array.isArray(args.itemIds)) throw new InvalidInputError("itemIds must be an array");
    const itemIds = args.itemIds.map((id, index) => requireString(id, `itemIds[${index}]`));
    const answer = await ctx.transport.mutation<{ deleted: number } | { missing: "dataset" | "other" }>(
      "datasets/items:remove",
      {
        datasetId,
        itemIds,
        single,
        versionId: crypto.randomUUID(),
        ...(tenancyArg(args.filters) ? { filters: tenancyArg(args.filters) } : {}),
      },
      { operation, details, idempotent: true },
    );
    if ("missing" in answer) {
      throw new InvalidInputError(
        answer.missing === "dataset"
          ? `Dataset not found: ${datasetId}`
          : `Item ${itemIds[0]} does not belong to dataset ${datasetId}`,
      );
    }
  });
}

/** Purges an item's content from its whole history and from the results that reference it (bounded steps). */
export function purgeItem(ctx: DomainContext, args: { datasetId: string; id: string }): Promise<void> {
  const details = {
    datasetId: typeof args?.datasetId === "string" ? args.datasetId : null,
    itemId: typeof args?.id === "string" ? args.id : null,
  };
  return withErrorContext({ operation: "purgeItem", details }, async () => {
    const datasetId = requireString(args.datasetId, "datasetId");
    const id = requireString(args.id, "id");
    let metadata: string | undefined;
    let released = false;
    for (;;) {
      const step: { done: boolean; released: boolean; metadata: string } = await ctx.transport.mutation(
        "datasets/items:purge",
        { datasetId, id, ...(metadata !== undefined ? { metadata } : {}) },
        { operation: "purgeItem", details, idempotent: true },
      );
      metadata = step.metadata;
      released ||= step.released;
      if (step.done) break;
    }
    if (released) await sweepBlobs(ctx, "purgeItem");
  });
}

/** Every row of an item's history, newest version first. */
export function getItemHistory(ctx: DomainContext, itemId: string): Promise<DatasetItemRow[]> {
  const details = { itemId: typeof itemId === "string" ? itemId : null };
  return withErrorContext({ operation: "getItemHistory", details }, async () => {
    const id = requireString(itemId, "itemId");
    const { rows } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<ItemRow>>("datasets/items:history", { id, ...(state ? { state } : {}) }, {
        operation: "getItemHistory",
        details,
      })
    );
    return (await resolveRows(ctx, rows, "getItemHistory")).map(rowToHistory);
  });
}

/** Keys of the items visible at `version` (matching `search`), walked through the dataset's history. */
async function keysAt(
  ctx: DomainContext,
  datasetId: string,
  filters: unknown,
  version: number,
  search: string | undefined,
  operation: string,
): Promise<ItemKey[]> {
  const { rows } = await runWalk((state: WalkState | undefined) =>
    ctx.transport.query<ListResult<ItemKey>>("datasets/items:keysAt", {
      datasetId,
      version,
      ...(search !== undefined ? { search } : {}),
      ...(tenancyArg(filters) ? { filters: tenancyArg(filters) } : {}),
      ...(state ? { state } : {}),
    }, { operation, details: { datasetId, version } })
  );
  return rows;
}

/** Sorts keys as core orders items (`field` then ascending id). */
function sortKeys(keys: ItemKey[], order: { field: "createdAt" | "updatedAt"; direction: "ASC" | "DESC" }): ItemKey[] {
  const sign = order.direction === "ASC" ? 1 : -1;
  return [...keys].sort((a, b) => sign * (a[order.field] - b[order.field]) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Fetches the rows of the given keys (in their order), payloads assembled. */
async function rowsOfKeys(ctx: DomainContext, keys: ItemKey[], operation: string): Promise<ItemRow[]> {
  const rows: ItemRow[] = [];
  for (let at = 0; at < keys.length; at += 500) {
    const part = keys.slice(at, at + 500).map(({ id, datasetVersion }) => ({ id, datasetVersion }));
    rows.push(...await ctx.transport.query<ItemRow[]>("datasets/items:getRows", { keys: part }, { operation }));
  }
  return await resolveRows(ctx, rows, operation);
}

/** A sort column of the item lists. */
type SortField = "createdAt" | "createdDesc" | "updatedAt" | "updatedDesc";

/**
 * Rows `offset` .. `offset + limit - 1` of the items visible at `version`,
 * in the order of sort column `field` (or its reverse), with the exact
 * total, read from that version's persistent tree (one call per
 * {@link PAGE_AT_MAX} rows); `null` when the dataset has no per-version
 * trees (its history is walked instead).
 */
async function pageAtVersion(
  ctx: DomainContext,
  datasetId: string,
  filters: unknown,
  version: number,
  order: { field: SortField; reverse: boolean },
  offset: number,
  limit: number,
  operation: string,
): Promise<{ rows: ItemRow[]; total: number } | null> {
  const rows: ItemRow[] = [];
  let total = 0;
  for (let at = offset;;) {
    const step = await ctx.transport.query<{ rows: ItemRow[]; total: number } | { fallback: true }>(
      "datasets/versionTrees:pageAt",
      {
        datasetId,
        version,
        field: order.field,
        ...(order.reverse ? { reverse: true } : {}),
        offset: at,
        limit: Math.min(PAGE_AT_MAX, offset + limit - at),
        ...(tenancyArg(filters) ? { filters: tenancyArg(filters) } : {}),
      },
      { operation, details: { datasetId, version } },
    );
    if ("fallback" in step) return null;
    rows.push(...step.rows);
    total = step.total;
    at += step.rows.length;
    if (step.rows.length === 0 || at >= Math.min(total, offset + limit)) break;
  }
  return { rows: await resolveRows(ctx, rows, operation), total };
}

/** The sort column serving `order` at a past version (ties by ascending id). */
function sortFieldOf(order: { field: "createdAt" | "updatedAt"; direction: "ASC" | "DESC" }): SortField {
  if (order.direction === "ASC") return order.field;
  return order.field === "createdAt" ? "createdDesc" : "updatedDesc";
}

/**
 * Lists a dataset's items as core does: current items, or the items at
 * `version`, optionally matching `search`, in `orderBy` order, paged.
 */
export function listItems(ctx: DomainContext, args: ListDatasetItemsInput): Promise<ListDatasetItemsOutput> {
  const details = { datasetId: typeof args?.datasetId === "string" ? args.datasetId : null };
  return withErrorContext({ operation: "listItems", details }, async () => {
    requireRecord(args, "args");
    const datasetId = requireString(args.datasetId, "datasetId");
    const order = listOrder(args.orderBy, ["createdAt", "updatedAt"] as const, {
      field: "createdAt",
      direction: "DESC",
    });
    const paged = pageOf(args.pagination);
    if (args.version !== undefined && typeof args.version !== "number") {
      throw new InvalidInputError("version must be a number");
    }
    const term = args.search ? requireString(args.search, "search").toLowerCase() : undefined;
    let keys: ItemKey[] | undefined;
    if (term !== undefined) {
      const token = searchToken(term);
      const found = token === undefined ? null : await ctx.transport.query<
        { keys: ItemKey[]; complete: boolean; version: number }
      >("datasets/items:search", {
        datasetId,
        term,
        token,
        ...(tenancyArg(args.filters) ? { filters: tenancyArg(args.filters) } : {}),
      }, { operation: "listItems", details });
      const past = args.version !== undefined && found !== null && args.version < found.version;
      keys = found !== null && found.complete && !past
        ? found.keys
        : await keysAt(ctx, datasetId, args.filters, args.version ?? Number.MAX_SAFE_INTEGER, term, "listItems");
    } else if (args.version !== undefined) {
      const page = await pageAtVersion(
        ctx,
        datasetId,
        args.filters,
        args.version,
        { field: sortFieldOf(order), reverse: false },
        paged.offset,
        paged.limit,
        "listItems",
      );
      if (page !== null) return { items: page.rows.map(rowToItem), pagination: paginationInfo(page.total, paged) };
      keys = await keysAt(ctx, datasetId, args.filters, args.version, undefined, "listItems");
    }
    if (keys !== undefined) {
      const page = sortKeys(keys, order).slice(paged.offset, paged.offset + paged.limit);
      const rows = await rowsOfKeys(ctx, page, "listItems");
      return { items: rows.map(rowToItem), pagination: paginationInfo(keys.length, paged) };
    }
    const { rows, total } = await walkPage<ItemRow>(
      ctx,
      "datasets/items:list",
      {
        datasetId,
        order,
        ...(tenancyArg(args.filters) ? { filters: tenancyArg(args.filters) } : {}),
      },
      paged,
      { operation: "listItems", details },
    );
    const resolved = await resolveRows(ctx, rows, "listItems");
    return { items: resolved.map(rowToItem), pagination: paginationInfo(total, paged) };
  });
}

/** Every item visible at `version`, newest first (ties by descending id), as core's `getItemsByVersion`. */
export function getItemsByVersion(ctx: DomainContext, datasetId: string, version: number): Promise<DatasetItem[]> {
  const details = { datasetId: typeof datasetId === "string" ? datasetId : null };
  return withErrorContext({ operation: "getItemsByVersion", details }, async () => {
    const id = requireString(datasetId, "datasetId");
    if (typeof version !== "number") throw new InvalidInputError("version must be a number");
    // Newest first, ties by descending id: the exact reverse of the `createdAt` tree.
    const page = await pageAtVersion(
      ctx,
      id,
      undefined,
      version,
      { field: "createdAt", reverse: true },
      0,
      Number.MAX_SAFE_INTEGER,
      "getItemsByVersion",
    );
    if (page !== null) return page.rows.map(rowToItem);
    const keys = await keysAt(ctx, id, undefined, version, undefined, "getItemsByVersion");
    const sorted = [...keys].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return (await rowsOfKeys(ctx, sorted, "getItemsByVersion")).map(rowToItem);
  });
}
