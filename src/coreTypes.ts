/**
 * The types of `@mastra/core` that the public signatures of
 * `ConvexStorage` and its domain classes use, re-exported under their own
 * names so that this package's API docs can show and link them. Each is
 * core's own declaration (an alias, not a copy): import it from core or from
 * here, the two are interchangeable.
 * @module
 */
import type * as storage from "@mastra/core/storage";
import type * as memory from "@mastra/core/memory";
import type * as workflows from "@mastra/core/workflows";
import type * as evals from "@mastra/core/evals";

/** `BatchCreateSpansArgs` of `@mastra/core/storage`. */
export type BatchCreateSpansArgs = storage.BatchCreateSpansArgs;
/** `BatchDeleteTracesArgs` of `@mastra/core/storage`. */
export type BatchDeleteTracesArgs = storage.BatchDeleteTracesArgs;
/** `BatchUpdateSpansArgs` of `@mastra/core/storage`. */
export type BatchUpdateSpansArgs = storage.BatchUpdateSpansArgs;
/** `CreateSpanArgs` of `@mastra/core/storage`. */
export type CreateSpanArgs = storage.CreateSpanArgs;
/** `GetRootSpanArgs` of `@mastra/core/storage`. */
export type GetRootSpanArgs = storage.GetRootSpanArgs;
/** `GetRootSpanResponse` of `@mastra/core/storage`. */
export type GetRootSpanResponse = storage.GetRootSpanResponse;
/** `GetSpanArgs` of `@mastra/core/storage`. */
export type GetSpanArgs = storage.GetSpanArgs;
/** `GetSpanResponse` of `@mastra/core/storage`. */
export type GetSpanResponse = storage.GetSpanResponse;
/** `GetSpansArgs` of `@mastra/core/storage`. */
export type GetSpansArgs = storage.GetSpansArgs;
/** `GetSpansResponse` of `@mastra/core/storage`. */
export type GetSpansResponse = storage.GetSpansResponse;
/** `GetStructureResponse` of `@mastra/core/storage`. */
export type GetStructureResponse = storage.GetStructureResponse;
/** `GetTraceArgs` of `@mastra/core/storage`. */
export type GetTraceArgs = storage.GetTraceArgs;
/** `GetTraceLightResponse` of `@mastra/core/storage`. */
export type GetTraceLightResponse = storage.GetTraceLightResponse;
/** `GetTraceResponse` of `@mastra/core/storage`. */
export type GetTraceResponse = storage.GetTraceResponse;
/** `ListBranchesArgs` of `@mastra/core/storage`. */
export type ListBranchesArgs = storage.ListBranchesArgs;
/** `ListBranchesResponse` of `@mastra/core/storage`. */
export type ListBranchesResponse = storage.ListBranchesResponse;
/** `ListScoresByEntityIdInput` of `@mastra/core/storage`. */
export type ListScoresByEntityIdInput = storage.ListScoresByEntityIdInput;
/** `ListScoresByRunIdInput` of `@mastra/core/storage`. */
export type ListScoresByRunIdInput = storage.ListScoresByRunIdInput;
/** `ListScoresByScorerIdInput` of `@mastra/core/storage`. */
export type ListScoresByScorerIdInput = storage.ListScoresByScorerIdInput;
/** `ListScoresBySpanInput` of `@mastra/core/storage`. */
export type ListScoresBySpanInput = storage.ListScoresBySpanInput;
/** `ListTracesArgs` of `@mastra/core/storage`. */
export type ListTracesArgs = storage.ListTracesArgs;
/** `ListTracesResponse` of `@mastra/core/storage`. */
export type ListTracesResponse = storage.ListTracesResponse;
/** `ObservabilityStorageFeature` of `@mastra/core/storage`. */
export type ObservabilityStorageFeature = storage.ObservabilityStorageFeature;
/** `ObservabilityStorageStrategy` of `@mastra/core/storage`. */
export type ObservabilityStorageStrategy = storage.ObservabilityStorageStrategy;
/** `StorageCloneThreadInput` of `@mastra/core/storage`. */
export type StorageCloneThreadInput = storage.StorageCloneThreadInput;
/** `StorageCopyThreadOutput` of `@mastra/core/storage`. */
export type StorageCopyThreadOutput = storage.StorageCopyThreadOutput;
/** `StorageListMessagesByResourceIdInput` of `@mastra/core/storage`. */
export type StorageListMessagesByResourceIdInput = storage.StorageListMessagesByResourceIdInput;
/** `StorageListMessagesInput` of `@mastra/core/storage`. */
export type StorageListMessagesInput = storage.StorageListMessagesInput;
/** `StorageListMessagesOutput` of `@mastra/core/storage`. */
export type StorageListMessagesOutput = storage.StorageListMessagesOutput;
/** `StorageListThreadsInput` of `@mastra/core/storage`. */
export type StorageListThreadsInput = storage.StorageListThreadsInput;
/** `StorageListThreadsOutput` of `@mastra/core/storage`. */
export type StorageListThreadsOutput = storage.StorageListThreadsOutput;
/** `StorageListWorkflowRunsInput` of `@mastra/core/storage`. */
export type StorageListWorkflowRunsInput = storage.StorageListWorkflowRunsInput;
/** `StorageResourceType` of `@mastra/core/storage`. */
export type StorageResourceType = storage.StorageResourceType;
/** `UpdateSpanArgs` of `@mastra/core/storage`. */
export type UpdateSpanArgs = storage.UpdateSpanArgs;
/** `UpdateWorkflowStateOptions` of `@mastra/core/storage`. */
export type UpdateWorkflowStateOptions = storage.UpdateWorkflowStateOptions;
/** `WorkflowRun` of `@mastra/core/storage`. */
export type WorkflowRun = storage.WorkflowRun;
/** `WorkflowRuns` of `@mastra/core/storage`. */
export type WorkflowRuns = storage.WorkflowRuns;
/** `MastraDBMessage` of `@mastra/core/memory`. */
export type MastraDBMessage = memory.MastraDBMessage;
/** `StorageThreadType` of `@mastra/core/memory`. */
export type StorageThreadType = memory.StorageThreadType;
/** A step result of any step: `StepResult<any, any, any, any>` of `@mastra/core/workflows`. */
// deno-lint-ignore no-explicit-any
export type AnyStepResult = workflows.StepResult<any, any, any, any>;
/** `WorkflowRunState` of `@mastra/core/workflows`. */
export type WorkflowRunState = workflows.WorkflowRunState;
/** `ListScoresResponse` of `@mastra/core/evals`. */
export type ListScoresResponse = evals.ListScoresResponse;
/** `SaveScorePayload` of `@mastra/core/evals`. */
export type SaveScorePayload = evals.SaveScorePayload;
/** `ScoreRowData` of `@mastra/core/evals`. */
export type ScoreRowData = evals.ScoreRowData;
