/**
 * Where each row of a ranked table sits in the rank trees (`kit/rankTree.ts`):
 * the one map from a table's row to its tree entries, used by rebuilds
 * (`system/ranks.ts`) and by tools that build trees in bulk.
 */
import type { TreeEntry } from "../kit/rankTree.js";
import type { RankedTable } from "./rankedTables.js";
import { threadTreeEntries } from "../memory/counterNames.js";
import { treeEntries as messageTreeEntries } from "../memory/messageStore.js";
import { runTreeEntries } from "../workflows/counterNames.js";
import { scoreTreeEntries } from "../scores/counterNames.js";
import { evalTreeEntries, traceRecordTreeEntries } from "../simpleApi/counterNames.js";
import type { MessageRow, ThreadRow } from "../memory/validators.js";
import { taskTreeEntries } from "../backgroundTasks/counterNames.js";
import type { TaskRow } from "../backgroundTasks/validators.js";
import { branchTreeEntries, traceTreeEntries } from "../observability/counterNames.js";
import type { SpanRow, TraceRow } from "../observability/tracing/validators.js";
import { entityTreeEntries, versionTreeEntries } from "../kit/versioned.js";
import type { EntityRow, VersionRow } from "../kit/versionedRows.js";
import { itemTreeEntries } from "../datasets/counterNames.js";
import type { ItemRow } from "../datasets/validators.js";
import { resultTreeEntries } from "../experiments/counterNames.js";
import type { ResultRow } from "../experiments/validators.js";

const ENTRIES: Record<RankedTable, (row: unknown) => TreeEntry[]> = {
  threads: (row: unknown): TreeEntry[] => threadTreeEntries(row as ThreadRow),
  messages: (row: unknown): TreeEntry[] => messageTreeEntries(row as MessageRow),
  workflow_runs: (row: unknown): TreeEntry[] => runTreeEntries(row as Parameters<typeof runTreeEntries>[0]),
  scores: (row: unknown): TreeEntry[] => scoreTreeEntries(row as Parameters<typeof scoreTreeEntries>[0]),
  evals: (row: unknown): TreeEntry[] => evalTreeEntries(row as Parameters<typeof evalTreeEntries>[0]),
  traces: (row: unknown): TreeEntry[] => traceRecordTreeEntries(row as Parameters<typeof traceRecordTreeEntries>[0]),
  background_tasks: (row: unknown): TreeEntry[] => taskTreeEntries(row as TaskRow),
  ai_traces: (row: unknown): TreeEntry[] => traceTreeEntries(row as TraceRow),
  ai_spans: (row: unknown): TreeEntry[] => branchTreeEntries(row as SpanRow),
  versioned_entities: (row: unknown): TreeEntry[] => entityTreeEntries(row as EntityRow),
  versioned_versions: (row: unknown): TreeEntry[] => versionTreeEntries(row as VersionRow),
  dataset_items: (row: unknown): TreeEntry[] => itemTreeEntries(row as ItemRow),
  experiment_results: (row: unknown): TreeEntry[] => resultTreeEntries(row as ResultRow),
};

/** The tree entries of one row of `table` (none for a span that anchors no branch). */
export function treeEntriesOf(table: RankedTable, row: unknown): TreeEntry[] {
  return ENTRIES[table](row);
}
