/** Operations on dataset version rows: add one by hand, list them newest first. */
import type { DatasetVersion, ListDatasetVersionsInput, ListDatasetVersionsOutput } from "../coreTypes.ts";
import type { VersionRow } from "../../convex/datasets/validators.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { requireRecord, requireString } from "../kit/validate.ts";
import { runWalk } from "../kit/walk.ts";
import { pageOf, paginationInfo } from "./datasets.ts";
import { rowToVersion } from "./rows.ts";

/** Adds a version row to a dataset (core's `createDatasetVersion`). */
export function createDatasetVersion(ctx: DomainContext, datasetId: string, version: number): Promise<DatasetVersion> {
  const details = { datasetId: typeof datasetId === "string" ? datasetId : null };
  return withErrorContext({ operation: "createDatasetVersion", details }, async () => {
    if (typeof version !== "number" || !Number.isFinite(version)) {
      throw new InvalidInputError("version must be a finite number");
    }
    const row = await ctx.transport.mutation<VersionRow>("datasets/versions:create", {
      id: crypto.randomUUID(),
      datasetId: requireString(datasetId, "datasetId"),
      version,
    }, { operation: "createDatasetVersion", details });
    return rowToVersion(row);
  });
}

/** A page of a dataset's versions, newest first. */
export function listDatasetVersions(
  ctx: DomainContext,
  input: ListDatasetVersionsInput,
): Promise<ListDatasetVersionsOutput> {
  const details = { datasetId: typeof input?.datasetId === "string" ? input.datasetId : null };
  return withErrorContext({ operation: "listDatasetVersions", details }, async () => {
    requireRecord(input, "input");
    const datasetId = requireString(input.datasetId, "datasetId");
    const paged = pageOf(input.pagination);
    let all = false;
    const { rows, total } = await runWalk(async (state: WalkState | undefined) => {
      const step = await ctx.transport.query<ListResult<VersionRow> & { all?: boolean }>("datasets/versions:list", {
        datasetId,
        offset: paged.offset,
        limit: paged.limit,
        ...(state ? { state } : {}),
      }, { operation: "listDatasetVersions", details });
      all ||= step.all === true;
      return step;
    });
    // Every row: newest version first, equal versions in insertion order (as core's stable sort).
    const page = all
      ? [...rows].sort((a, b) => b.version - a.version || a.seq - b.seq).slice(paged.offset, paged.offset + paged.limit)
      : rows;
    return { versions: page.map(rowToVersion), pagination: paginationInfo(total ?? 0, paged) };
  });
}
