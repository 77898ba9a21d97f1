/**
 * Snapshot logic that runs inside our mutations, where the
 * read-modify-write of a snapshot is one serializable transaction, and on
 * the client for snapshots too large for a transaction (changed there and
 * committed with a compare-and-set): both sides apply the same rules. These
 * mirror `@mastra/core` 1.71 (`storage/workflow-snapshot.ts`,
 * `snapshot-memory-info.ts`, `matchesExpectedWorkflowStatus`) exactly; they
 * are copied, not imported, because `convex/` may import nothing but
 * `convex` (core does not bundle into a Convex deployment).
 */
import { defineData } from "../kit/codec.js";

/** A snapshot as a loose record (Mastra's `WorkflowRunState`). */
export type Snapshot = Record<string, unknown> & { context?: Record<string, unknown>; status?: unknown };

const PENDING_MARKER_KEY = "__mastra_pending__";

function isPendingMarker(value: unknown): boolean {
  return value !== null && typeof value === "object" &&
    Object.prototype.hasOwnProperty.call(value, PENDING_MARKER_KEY) &&
    (value as Record<string, unknown>)[PENDING_MARKER_KEY] === true && Object.keys(value).length === 1;
}

function isSuspendedStepResult(value: unknown): boolean {
  return value !== null && typeof value === "object" && "status" in value &&
    (value as { status?: unknown }).status === "suspended" && ("suspendPayload" in value || "suspendedAt" in value);
}

function canResetWithPendingMarker(value: unknown): boolean {
  if (value == null || isPendingMarker(value)) return true;
  return isSuspendedStepResult(value);
}

/** The snapshot Mastra creates for a run that has none (core's `createEmptyWorkflowSnapshot`). */
export function createEmptyWorkflowSnapshot(runId: string, now: number): Snapshot {
  return {
    context: {},
    activePaths: [],
    activeStepsPath: {},
    timestamp: now,
    suspendedPaths: {},
    resumeLabels: {},
    serializedStepGraph: [],
    value: {},
    waitingPaths: {},
    status: "pending",
    runId,
  };
}

/**
 * Merges one step result into `snapshot.context` in place (core's
 * `mergeWorkflowStepResult`, including its pending-marker rules for
 * foreach outputs) and merges `requestContext`. Returns the context as
 * core does: a JSON round trip of it, or a shallow copy when that fails.
 */
export function mergeWorkflowStepResult(
  { snapshot, stepId, result, requestContext }: {
    snapshot: Snapshot;
    stepId: string;
    result: unknown;
    requestContext: unknown;
  },
): Record<string, unknown> {
  const context = snapshot.context;
  if (!context) throw new Error(`Snapshot context not found for runId ${snapshot.runId}`);
  const existingResult = context[stepId] as Record<string, unknown> | undefined;
  const newResult = result as Record<string, unknown> | null | undefined;
  if (
    existingResult && "output" in existingResult && Array.isArray(existingResult.output) && newResult &&
    typeof newResult === "object" && "output" in newResult && Array.isArray(newResult.output)
  ) {
    const existingOutput = existingResult.output as unknown[];
    const newOutput = newResult.output as unknown[];
    const mergedOutput = [...existingOutput];
    const hasPendingMarker = newOutput.some(isPendingMarker);
    for (let i = 0; i < Math.max(existingOutput.length, newOutput.length); i++) {
      if (i < newOutput.length) {
        const newValue = newOutput[i];
        if (isPendingMarker(newValue)) {
          if (i >= existingOutput.length || canResetWithPendingMarker(existingOutput[i])) mergedOutput[i] = null;
        } else if (newValue !== null && newValue !== undefined && !hasPendingMarker) mergedOutput[i] = newValue;
        else if (i >= existingOutput.length) mergedOutput[i] = null;
      }
    }
    defineData(context, stepId, { ...existingResult, ...(hasPendingMarker ? {} : newResult), output: mergedOutput });
  } else {
    defineData(context, stepId, result);
  }
  snapshot.requestContext = {
    ...(snapshot.requestContext as Record<string, unknown> | undefined),
    ...(requestContext as Record<string, unknown> | undefined),
  };
  try {
    return JSON.parse(JSON.stringify(context));
  } catch {
    return { ...context };
  }
}

/** True when `current` satisfies an `expectedStatus` guard (core's `matchesExpectedWorkflowStatus`). */
export function matchesExpectedWorkflowStatus(current: unknown, expected: string | string[] | undefined): boolean {
  if (expected === undefined) return true;
  return current !== undefined && (Array.isArray(expected) ? expected : [expected]).includes(current as string);
}

/**
 * A stored snapshot as Mastra reads it: strings are JSON-parsed (core's
 * in-memory store does the same for snapshots persisted as strings).
 */
export function parseSnapshot(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** Thread id embedded in a snapshot, from the same paths as core's `getSnapshotMemoryInfo`. */
function snapshotThreadId(snapshot: unknown): unknown {
  const context = (snapshot as Snapshot | null | undefined)?.context;
  if (context && typeof context === "object") {
    for (const key in context) {
      const step = context[key] as
        | { status?: unknown; suspendPayload?: { __streamState?: { messageList?: { memoryInfo?: unknown } } } }
        | null
        | undefined;
      if (step && step.status === "suspended" && step.suspendPayload?.__streamState) {
        return (step.suspendPayload.__streamState.messageList?.memoryInfo as { threadId?: unknown } | undefined)
          ?.threadId;
      }
    }
  }
  const durable = (context as { input?: { messageListState?: { memoryInfo?: unknown } } } | undefined)?.input
    ?.messageListState?.memoryInfo;
  if (durable && typeof durable === "object") return (durable as { threadId?: unknown }).threadId;
  return undefined;
}

/** The indexed fields derived from a snapshot: its status and embedded thread id (strings only). */
export function deriveRunFields(stored: unknown): { status?: string; threadId?: string } {
  let snapshot: unknown;
  try {
    snapshot = parseSnapshot(stored);
  } catch {
    return {};
  }
  if (!snapshot) return {};
  const fields: { status?: string; threadId?: string } = {};
  const status = (snapshot as Snapshot).status;
  if (typeof status === "string") fields.status = status;
  const threadId = snapshotThreadId(snapshot);
  if (typeof threadId === "string") fields.threadId = threadId;
  return fields;
}
