/**
 * Conversions between Mastra's datasets, items and versions and the rows
 * our Convex functions store (see `convex/datasets/validators.ts`), and
 * the derived columns of an item: its payload digest (for `externalId`
 * idempotency) and its searchable text.
 */
import type { DatasetItem, DatasetItemRow, DatasetRecord, DatasetVersion } from "../coreTypes.ts";
import type { DatasetRow, ItemRow, VersionRow } from "../../convex/datasets/validators.ts";
import { decodeValue, encodeValue, toDate } from "../kit/codec.ts";

/** The payload fields of an item, as core lists them. */
export const PAYLOAD_FIELDS = [
  "input",
  "groundTruth",
  "expectedTrajectory",
  "toolMocks",
  "unmockedToolPolicy",
  "scorerIds",
  "requestContext",
  "metadata",
  "source",
] as const;

/** An item's payload. */
export type Payload = Partial<Record<(typeof PAYLOAD_FIELDS)[number], unknown>>;

/** Converts a stored dataset to Mastra's record (absent optional fields read as `undefined`, as core does). */
export function rowToDataset(row: DatasetRow): DatasetRecord {
  const record = decodeValue(row.data) as Record<string, unknown>;
  return {
    ...record,
    id: row.id,
    version: row.version,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
    inputSchema: record.inputSchema ?? undefined,
    groundTruthSchema: record.groundTruthSchema ?? undefined,
    requestContextSchema: record.requestContextSchema ?? undefined,
    tags: record.tags ?? undefined,
    targetType: record.targetType ?? undefined,
    targetIds: record.targetIds ?? undefined,
    scorerIds: record.scorerIds ?? undefined,
  } as DatasetRecord;
}

/** The payload of a stored item row (its `data` already resolved when large). */
export function payloadOf(row: ItemRow): Payload {
  return decodeValue(row.data) as Payload;
}

/** Converts a stored item row (with `data` resolved) to Mastra's item. */
export function rowToItem(row: ItemRow): DatasetItem {
  const payload = payloadOf(row);
  return {
    id: row.id,
    datasetId: row.datasetId,
    datasetVersion: row.datasetVersion,
    externalId: row.externalId,
    organizationId: row.organizationId,
    projectId: row.projectId,
    input: payload.input,
    groundTruth: payload.groundTruth,
    expectedTrajectory: payload.expectedTrajectory,
    toolMocks: payload.toolMocks,
    unmockedToolPolicy: payload.unmockedToolPolicy,
    scorerIds: payload.scorerIds,
    requestContext: payload.requestContext,
    metadata: payload.metadata,
    source: payload.source,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
  } as DatasetItem;
}

/** Converts a stored item row (with `data` resolved) to Mastra's history row. */
export function rowToHistory(row: ItemRow): DatasetItemRow {
  return { ...rowToItem(row), validTo: row.validTo, isDeleted: row.isDeleted } as DatasetItemRow;
}

/** Converts a stored version row to Mastra's. */
export function rowToVersion(row: VersionRow): DatasetVersion {
  return { id: row.id, datasetId: row.datasetId, version: row.version, createdAt: toDate(row.createdAt) };
}

/** The payload fields of `item`, as given (absent ones left out). */
export function pickPayload(item: Record<string, unknown>): Payload {
  const payload: Payload = {};
  for (const field of PAYLOAD_FIELDS) if (field in item) payload[field] = item[field];
  return payload;
}

/** `value` with every object's keys sorted, so equal values encode equally. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/**
 * Digest of the canonical payload (every field, absent ones as `null`, keys
 * sorted): equal exactly when core's deep comparison of two payloads for
 * the same `externalId` says they are equal.
 */
export async function payloadDigest(payload: Payload): Promise<string> {
  const canonical = Object.fromEntries(PAYLOAD_FIELDS.map((field) => [field, payload[field] ?? null]));
  const bytes = new TextEncoder().encode(encodeValue(sortKeys(canonical)));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Searchable text kept per row at most (characters of each part); longer text is searched by its head. */
export const MAX_SEARCH_CHARS = 100_000;

function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value) ?? "";
}

/**
 * The searchable text of a payload as core's `search` reads it (input, or
 * its JSON; ground truth when truthy), lower-cased; the server derives
 * the search index's tokens from it.
 */
export function searchColumns(payload: Payload): { searchText: string } {
  const input = asText(payload.input).toLowerCase().slice(0, MAX_SEARCH_CHARS);
  const truth = payload.groundTruth ? asText(payload.groundTruth).toLowerCase().slice(0, MAX_SEARCH_CHARS) : "";
  return { searchText: `${input}\u0000${truth}` };
}
