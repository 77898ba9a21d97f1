/**
 * Mastra's datasets domain on Convex: datasets with tenancy, idempotent
 * creation by id, and items kept as SCD-2 history (every item write bumps
 * the dataset's version by one). Core's `DatasetsStorage` validates inputs
 * against the dataset's schemas and calls the `_do*` hooks here.
 */
import type {
  AddDatasetItemInput,
  BatchDeleteItemsInput,
  BatchInsertItemsInput,
  CreateDatasetInput,
  DatasetItem,
  DatasetItemRow,
  DatasetRecord,
  DatasetTenancyFilters,
  DatasetVersion,
  DeleteDatasetItemInput,
  ListDatasetItemsInput,
  ListDatasetItemsOutput,
  ListDatasetsInput,
  ListDatasetsOutput,
  ListDatasetVersionsInput,
  ListDatasetVersionsOutput,
  PurgeDatasetItemInput,
  UpdateDatasetInput,
  UpdateDatasetItemInput,
} from "../coreTypes.ts";
import { DatasetsStorage } from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../kit/context.ts";
import { createDataset, deleteDataset, getDataset, listDatasets, updateDataset } from "./datasets.ts";
import {
  batchInsertItems,
  deleteItems,
  getItem,
  getItemHistory,
  getItemsByVersion,
  listItems,
  purgeItem,
  updateItem,
} from "./items.ts";
import { createDatasetVersion, listDatasetVersions } from "./versions.ts";

/** Datasets and their versioned items stored in Convex. */
export class ConvexDatasetsStorage extends DatasetsStorage {
  readonly #ctx: DomainContext;

  /** Creates the datasets domain over the transport and clock of `ctx`. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Deletes every dataset, item and version. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(
      this.#ctx,
      ["datasets", "dataset_items", "dataset_versions", "dataset_version_trees"],
      ["datasets:"],
    );
  }

  /** Creates a dataset, or returns the compatible one that already owns the caller-chosen id. */
  override async createDataset(input: CreateDatasetInput): Promise<DatasetRecord> {
    if (input?.id !== undefined) this.validateCallerDefinedDatasetId(input.id);
    const { dataset, conflict } = await createDataset(this.#ctx, input);
    if (conflict || input?.id !== undefined) {
      return this.resolveExistingDataset(dataset, { ...input, id: dataset.id });
    }
    return dataset;
  }

  /** Reads a dataset (`null` when absent or of another tenant). */
  override getDatasetById(args: { id: string; filters?: DatasetTenancyFilters }): Promise<DatasetRecord | null> {
    return getDataset(this.#ctx, args?.id, args?.filters);
  }

  /** Deletes a dataset with its items and versions, detaching its experiments (a no-op for another tenant). */
  override deleteDataset(args: { id: string; filters?: DatasetTenancyFilters }): Promise<void> {
    return deleteDataset(this.#ctx, args?.id, args?.filters);
  }

  /** Lists datasets with core's filters, order and pagination. */
  override listDatasets(args: ListDatasetsInput): Promise<ListDatasetsOutput> {
    return listDatasets(this.#ctx, args);
  }

  /** Writes a dataset update (core has validated it). */
  protected override _doUpdateDataset(args: UpdateDatasetInput): Promise<DatasetRecord> {
    return updateDataset(this.#ctx, args as unknown as Record<string, unknown>);
  }

  /** Adds one item (a batch of one). */
  protected override async _doAddItem(args: AddDatasetItemInput): Promise<DatasetItem> {
    const { datasetId, filters, ...item } = args;
    const [added] = await batchInsertItems(this.#ctx, { datasetId, filters, items: [item as Record<string, unknown>] });
    return added;
  }

  /** Writes an item update under a new version. */
  protected override _doUpdateItem(args: UpdateDatasetItemInput): Promise<DatasetItem> {
    return updateItem(this.#ctx, args as unknown as Record<string, unknown>);
  }

  /** Deletes an item (a tombstone under a new version). */
  protected override _doDeleteItem(args: DeleteDatasetItemInput): Promise<void> {
    return deleteItems(this.#ctx, { datasetId: args?.datasetId, itemIds: [args?.id], filters: args?.filters }, true);
  }

  /** Scrubs an item's content from its history and its experiment results. */
  protected override _doPurgeItem(args: PurgeDatasetItemInput): Promise<void> {
    return purgeItem(this.#ctx, args);
  }

  /** Lists a dataset's items (current or at a version, optionally searched). */
  override listItems(args: ListDatasetItemsInput): Promise<ListDatasetItemsOutput> {
    return listItems(this.#ctx, args);
  }

  /** Reads an item, current or at `datasetVersion`. */
  override getItemById(args: { id: string; datasetVersion?: number }): Promise<DatasetItem | null> {
    return getItem(this.#ctx, args?.id, args?.datasetVersion);
  }

  /** Every item visible at a version. */
  override getItemsByVersion(args: { datasetId: string; version: number }): Promise<DatasetItem[]> {
    return getItemsByVersion(this.#ctx, args?.datasetId, args?.version);
  }

  /** Every row of an item's history, newest first. */
  override getItemHistory(itemId: string): Promise<DatasetItemRow[]> {
    return getItemHistory(this.#ctx, itemId);
  }

  /** Adds a version row by hand. */
  override createDatasetVersion(datasetId: string, version: number): Promise<DatasetVersion> {
    return createDatasetVersion(this.#ctx, datasetId, version);
  }

  /** A page of a dataset's versions, newest first. */
  override listDatasetVersions(input: ListDatasetVersionsInput): Promise<ListDatasetVersionsOutput> {
    return listDatasetVersions(this.#ctx, input);
  }

  /** Inserts a batch of items under one new version. */
  protected override _doBatchInsertItems(input: BatchInsertItemsInput): Promise<DatasetItem[]> {
    return batchInsertItems(this.#ctx, input as never);
  }

  /** Deletes a batch of items under one new version. */
  protected override _doBatchDeleteItems(input: BatchDeleteItemsInput): Promise<void> {
    return deleteItems(this.#ctx, input, false);
  }
}
