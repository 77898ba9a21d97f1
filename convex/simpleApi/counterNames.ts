/**
 * Names of the simple API's counters and rank trees (evals, trace records).
 * Counters live in the kit's `counters` table. Lists over every row or over
 * a type ("live" / "test") are deployment-wide: their counters are sharded
 * (`kit/counters.ts`) and their trees are families (`kit/rankFamily.ts`), so
 * unrelated writers share no document; lists of one agent, thread or run have
 * plain counters and trees.
 */
import { counterShard } from "../kit/counters.js";
import { familyTree, familyTrees } from "../kit/rankFamily.js";
import type { TreeEntry } from "../kit/rankTree.js";

export const simpleApiCounters = {
  /** Evals, optionally of one agent and/or one type ("live" | "test"). */
  evals: (agentName?: string, type?: string): string => `evals:${JSON.stringify([agentName ?? null, type ?? null])}`,
  /** README trace records, optionally of one thread or one run. */
  traceRecords: (threadId?: string, runId?: string): string =>
    `traceRecords:${JSON.stringify([threadId ?? null, runId ?? null])}`,
};

/** True for the eval lists every writer would share (no agent). */
function evalsDeploymentWide(agentName?: string): boolean {
  return agentName === undefined;
}

/** True for the trace-record lists every writer would share (no thread, no run). */
function traceRecordsDeploymentWide(threadId?: string, runId?: string): boolean {
  return threadId === undefined && runId === undefined;
}

/** The counter document an eval with id `id` is counted in, for the list of `agentName` and `type`. */
export function evalCounter(id: string, agentName?: string, type?: string): string {
  const name = simpleApiCounters.evals(agentName, type);
  return evalsDeploymentWide(agentName) ? counterShard(name, id) : name;
}

/** The trees holding the keys of the eval list of `agentName` and `type`. */
export function evalTrees(agentName?: string, type?: string): string[] {
  const name = `evals:tree:${simpleApiCounters.evals(agentName, type).slice("evals:".length)}`;
  return evalsDeploymentWide(agentName) ? familyTrees(name) : [name];
}

/** The rank-tree entries of an eval (keyed `(createdAt, id)`), one per list it is in. */
export function evalTreeEntries(
  row: { id: string; agentName: string; type: string; createdAt: number } | null,
): TreeEntry[] {
  if (!row) return [];
  const key = { value: row.createdAt, id: row.id };
  const lists: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    [row.agentName, undefined],
    [undefined, row.type],
    [row.agentName, row.type],
  ];
  return lists.map(([agentName, type]) => {
    const name = `evals:tree:${simpleApiCounters.evals(agentName, type).slice("evals:".length)}`;
    return { tree: evalsDeploymentWide(agentName) ? familyTree(name, row.id) : name, key };
  });
}

/** The counter document a trace record with id `id` is counted in, for the list of `threadId` and `runId`. */
export function traceRecordCounter(id: string, threadId?: string, runId?: string): string {
  const name = simpleApiCounters.traceRecords(threadId, runId);
  return traceRecordsDeploymentWide(threadId, runId) ? counterShard(name, id) : name;
}

/** The trees holding the keys of the trace-record list of `threadId` and `runId`. */
export function traceRecordTrees(threadId?: string, runId?: string): string[] {
  const name = `traceRecords:tree:${simpleApiCounters.traceRecords(threadId, runId).slice("traceRecords:".length)}`;
  return traceRecordsDeploymentWide(threadId, runId) ? familyTrees(name) : [name];
}

/** The rank-tree entries of a trace record (keyed `(timestamp, id)`), one per list it is in. */
export function traceRecordTreeEntries(
  row: { id: string; threadId?: string; runId?: string; timestamp: number } | null,
): TreeEntry[] {
  if (!row) return [];
  const key = { value: row.timestamp, id: row.id };
  const lists: [string | undefined, string | undefined][] = [[undefined, undefined]];
  if (row.threadId !== undefined) lists.push([row.threadId, undefined]);
  if (row.runId !== undefined) lists.push([undefined, row.runId]);
  if (row.threadId !== undefined && row.runId !== undefined) lists.push([row.threadId, row.runId]);
  return lists.map(([threadId, runId]) => {
    const name = `traceRecords:tree:${simpleApiCounters.traceRecords(threadId, runId).slice("traceRecords:".length)}`;
    return { tree: traceRecordsDeploymentWide(threadId, runId) ? familyTree(name, row.id) : name, key };
  });
}
