/** Names of the datasets domain's counters and rank trees (both live in the kit's tables). */
import type { TreeEntry } from "../kit/rankTree.js";
import type { ItemOrder } from "./validators.js";

/** Counters of the datasets domain. */
export const datasetCounters = {
  /** Every dataset. */
  datasets: "datasets:all",
  /** Current items of one dataset. */
  items: (datasetId: string): string => `datasets:items:${JSON.stringify(datasetId)}`,
  /** Version rows of one dataset. */
  versions: (datasetId: string): string => `datasets:versions:${JSON.stringify(datasetId)}`,
  /** Version rows of one dataset written by `createDatasetVersion` rather than by an item write. */
  extraVersions: (datasetId: string): string => `datasets:extraVersions:${JSON.stringify(datasetId)}`,
};

/** The sort column of the current-items index serving `order`. */
export function itemSortField(order: ItemOrder): "createdAt" | "createdDesc" | "updatedAt" | "updatedDesc" {
  const base = order.field === "createdAt" ? "created" : "updated";
  return order.direction === "ASC" ? order.field : `${base}Desc`;
}

/** Every sort column of the current items (one rank tree each). */
export const ITEM_SORT_FIELDS = ["createdAt", "createdDesc", "updatedAt", "updatedDesc"] as const;

/** Name of the rank tree of a dataset's current items on sort column `field`. */
export function itemTree(datasetId: string, field: (typeof ITEM_SORT_FIELDS)[number]): string {
  return `datasets:tree:${field}:${JSON.stringify(datasetId)}`;
}

/** The rank-tree entries of an item row: one per sort column while it is current, none otherwise. */
export function itemTreeEntries(
  row: {
    id: string;
    datasetId: string;
    current: boolean;
    createdAt: number;
    updatedAt: number;
    createdDesc: number;
    updatedDesc: number;
  } | null,
): TreeEntry[] {
  if (!row || !row.current) return [];
  return ITEM_SORT_FIELDS.map((field) => ({
    tree: itemTree(row.datasetId, field),
    key: { value: row[field], id: row.id },
  }));
}
