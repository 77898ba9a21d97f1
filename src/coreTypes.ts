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
import type * as vector from "@mastra/core/vector";
import type * as backgroundTasks from "@mastra/core/background-tasks";

/** `PruneOptions` of `@mastra/core/storage`. */
export type PruneOptions = storage.PruneOptions;
/** `PruneResult` of `@mastra/core/storage`. */
export type PruneResult = storage.PruneResult;
/** `RetentionConfig` of `@mastra/core/storage`. */
export type RetentionConfig = storage.RetentionConfig;
/** `TableRetentionPolicy` of `@mastra/core/storage`. */
export type TableRetentionPolicy = storage.TableRetentionPolicy;
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
/** `ListScoresResponse` of `@mastra/core/evals` (the scores domain's). */
export type ListScoresResponse = evals.ListScoresResponse;
/** `ListScoresResponse` of `@mastra/core/storage` (observability scores). */
export type ObservabilityListScoresResponse = storage.ListScoresResponse;
/** `SaveScorePayload` of `@mastra/core/evals`. */
export type SaveScorePayload = evals.SaveScorePayload;
/** `ScoreRowData` of `@mastra/core/evals`. */
export type ScoreRowData = evals.ScoreRowData;
/** `BatchCreateFeedbackArgs` of `@mastra/core/storage`. */
export type BatchCreateFeedbackArgs = storage.BatchCreateFeedbackArgs;
/** `BatchCreateLogsArgs` of `@mastra/core/storage`. */
export type BatchCreateLogsArgs = storage.BatchCreateLogsArgs;
/** `BatchCreateMetricsArgs` of `@mastra/core/storage`. */
export type BatchCreateMetricsArgs = storage.BatchCreateMetricsArgs;
/** `BatchCreateScoresArgs` of `@mastra/core/storage`. */
export type BatchCreateScoresArgs = storage.BatchCreateScoresArgs;
/** `ChannelConfig` of `@mastra/core/storage`. */
export type ChannelConfig = storage.ChannelConfig;
/** `ChannelInstallation` of `@mastra/core/storage`. */
export type ChannelInstallation = storage.ChannelInstallation;
/** `CreateFeedbackArgs` of `@mastra/core/storage`. */
export type CreateFeedbackArgs = storage.CreateFeedbackArgs;
/** `CreateIndexParams` of `@mastra/core/vector`. */
export type CreateIndexParams = vector.CreateIndexParams;
/** `CreateObservationalMemoryInput` of `@mastra/core/storage`. */
export type CreateObservationalMemoryInput = storage.CreateObservationalMemoryInput;
/** `CreateReflectionGenerationInput` of `@mastra/core/storage`. */
export type CreateReflectionGenerationInput = storage.CreateReflectionGenerationInput;
/** `CreateScoreArgs` of `@mastra/core/storage`. */
export type CreateScoreArgs = storage.CreateScoreArgs;
/** `DeleteFeedbackArgs` of `@mastra/core/storage`. */
export type DeleteFeedbackArgs = storage.DeleteFeedbackArgs;
/** `DeleteIndexParams` of `@mastra/core/vector`. */
export type DeleteIndexParams = vector.DeleteIndexParams;
/** `DeleteScoresArgs` of `@mastra/core/storage`. */
export type DeleteScoresArgs = storage.DeleteScoresArgs;
/** `DeleteVectorParams` of `@mastra/core/vector`. */
export type DeleteVectorParams = vector.DeleteVectorParams;
/** `DeleteVectorsParams` of `@mastra/core/vector`. */
export type DeleteVectorsParams<Filter = vector.VectorFilter> = vector.DeleteVectorsParams<Filter>;
/** `DescribeIndexParams` of `@mastra/core/vector`. */
export type DescribeIndexParams = vector.DescribeIndexParams;
/** `FeedbackRecord` of `@mastra/core/storage`. */
export type FeedbackRecord = storage.FeedbackRecord;
/** `GetEntityNamesArgs` of `@mastra/core/storage`. */
export type GetEntityNamesArgs = storage.GetEntityNamesArgs;
/** `GetEntityNamesResponse` of `@mastra/core/storage`. */
export type GetEntityNamesResponse = storage.GetEntityNamesResponse;
/** `GetEntityTypesArgs` of `@mastra/core/storage`. */
export type GetEntityTypesArgs = storage.GetEntityTypesArgs;
/** `GetEntityTypesResponse` of `@mastra/core/storage`. */
export type GetEntityTypesResponse = storage.GetEntityTypesResponse;
/** `GetEnvironmentsArgs` of `@mastra/core/storage`. */
export type GetEnvironmentsArgs = storage.GetEnvironmentsArgs;
/** `GetEnvironmentsResponse` of `@mastra/core/storage`. */
export type GetEnvironmentsResponse = storage.GetEnvironmentsResponse;
/** `GetFeedbackAggregateArgs` of `@mastra/core/storage`. */
export type GetFeedbackAggregateArgs = storage.GetFeedbackAggregateArgs;
/** `GetFeedbackAggregateResponse` of `@mastra/core/storage`. */
export type GetFeedbackAggregateResponse = storage.GetFeedbackAggregateResponse;
/** `GetFeedbackBreakdownArgs` of `@mastra/core/storage`. */
export type GetFeedbackBreakdownArgs = storage.GetFeedbackBreakdownArgs;
/** `GetFeedbackBreakdownResponse` of `@mastra/core/storage`. */
export type GetFeedbackBreakdownResponse = storage.GetFeedbackBreakdownResponse;
/** `GetFeedbackPercentilesArgs` of `@mastra/core/storage`. */
export type GetFeedbackPercentilesArgs = storage.GetFeedbackPercentilesArgs;
/** `GetFeedbackPercentilesResponse` of `@mastra/core/storage`. */
export type GetFeedbackPercentilesResponse = storage.GetFeedbackPercentilesResponse;
/** `GetFeedbackTimeSeriesArgs` of `@mastra/core/storage`. */
export type GetFeedbackTimeSeriesArgs = storage.GetFeedbackTimeSeriesArgs;
/** `GetFeedbackTimeSeriesResponse` of `@mastra/core/storage`. */
export type GetFeedbackTimeSeriesResponse = storage.GetFeedbackTimeSeriesResponse;
/** `GetMetricAggregateArgs` of `@mastra/core/storage`. */
export type GetMetricAggregateArgs = storage.GetMetricAggregateArgs;
/** `GetMetricAggregateResponse` of `@mastra/core/storage`. */
export type GetMetricAggregateResponse = storage.GetMetricAggregateResponse;
/** `GetMetricBreakdownArgs` of `@mastra/core/storage`. */
export type GetMetricBreakdownArgs = storage.GetMetricBreakdownArgs;
/** `GetMetricBreakdownResponse` of `@mastra/core/storage`. */
export type GetMetricBreakdownResponse = storage.GetMetricBreakdownResponse;
/** `GetMetricLabelKeysArgs` of `@mastra/core/storage`. */
export type GetMetricLabelKeysArgs = storage.GetMetricLabelKeysArgs;
/** `GetMetricLabelKeysResponse` of `@mastra/core/storage`. */
export type GetMetricLabelKeysResponse = storage.GetMetricLabelKeysResponse;
/** `GetMetricLabelValuesArgs` of `@mastra/core/storage`. */
export type GetMetricLabelValuesArgs = storage.GetMetricLabelValuesArgs;
/** `GetMetricLabelValuesResponse` of `@mastra/core/storage`. */
export type GetMetricLabelValuesResponse = storage.GetMetricLabelValuesResponse;
/** `GetMetricNamesArgs` of `@mastra/core/storage`. */
export type GetMetricNamesArgs = storage.GetMetricNamesArgs;
/** `GetMetricNamesResponse` of `@mastra/core/storage`. */
export type GetMetricNamesResponse = storage.GetMetricNamesResponse;
/** `GetMetricPercentilesArgs` of `@mastra/core/storage`. */
export type GetMetricPercentilesArgs = storage.GetMetricPercentilesArgs;
/** `GetMetricPercentilesResponse` of `@mastra/core/storage`. */
export type GetMetricPercentilesResponse = storage.GetMetricPercentilesResponse;
/** `GetMetricTimeSeriesArgs` of `@mastra/core/storage`. */
export type GetMetricTimeSeriesArgs = storage.GetMetricTimeSeriesArgs;
/** `GetMetricTimeSeriesResponse` of `@mastra/core/storage`. */
export type GetMetricTimeSeriesResponse = storage.GetMetricTimeSeriesResponse;
/** `GetScoreAggregateArgs` of `@mastra/core/storage`. */
export type GetScoreAggregateArgs = storage.GetScoreAggregateArgs;
/** `GetScoreAggregateResponse` of `@mastra/core/storage`. */
export type GetScoreAggregateResponse = storage.GetScoreAggregateResponse;
/** `GetScoreBreakdownArgs` of `@mastra/core/storage`. */
export type GetScoreBreakdownArgs = storage.GetScoreBreakdownArgs;
/** `GetScoreBreakdownResponse` of `@mastra/core/storage`. */
export type GetScoreBreakdownResponse = storage.GetScoreBreakdownResponse;
/** `GetScorePercentilesArgs` of `@mastra/core/storage`. */
export type GetScorePercentilesArgs = storage.GetScorePercentilesArgs;
/** `GetScorePercentilesResponse` of `@mastra/core/storage`. */
export type GetScorePercentilesResponse = storage.GetScorePercentilesResponse;
/** `GetScoreTimeSeriesArgs` of `@mastra/core/storage`. */
export type GetScoreTimeSeriesArgs = storage.GetScoreTimeSeriesArgs;
/** `GetScoreTimeSeriesResponse` of `@mastra/core/storage`. */
export type GetScoreTimeSeriesResponse = storage.GetScoreTimeSeriesResponse;
/** `GetServiceNamesArgs` of `@mastra/core/storage`. */
export type GetServiceNamesArgs = storage.GetServiceNamesArgs;
/** `GetServiceNamesResponse` of `@mastra/core/storage`. */
export type GetServiceNamesResponse = storage.GetServiceNamesResponse;
/** `GetTagsArgs` of `@mastra/core/storage`. */
export type GetTagsArgs = storage.GetTagsArgs;
/** `GetTagsResponse` of `@mastra/core/storage`. */
export type GetTagsResponse = storage.GetTagsResponse;
/** `IndexStats` of `@mastra/core/vector`. */
export type IndexStats = vector.IndexStats;
/** `ListFeedbackArgs` of `@mastra/core/storage`. */
export type ListFeedbackArgs = storage.ListFeedbackArgs;
/** `ListFeedbackResponse` of `@mastra/core/storage`. */
export type ListFeedbackResponse = storage.ListFeedbackResponse;
/** `ListLogsArgs` of `@mastra/core/storage`. */
export type ListLogsArgs = storage.ListLogsArgs;
/** `ListLogsResponse` of `@mastra/core/storage`. */
export type ListLogsResponse = storage.ListLogsResponse;
/** `ListMetricsArgs` of `@mastra/core/storage`. */
export type ListMetricsArgs = storage.ListMetricsArgs;
/** `ListMetricsResponse` of `@mastra/core/storage`. */
export type ListMetricsResponse = storage.ListMetricsResponse;
/** `ListScoresArgs` of `@mastra/core/storage`. */
export type ListScoresArgs = storage.ListScoresArgs;
/** `ObservationalMemoryHistoryOptions` of `@mastra/core/storage`. */
export type ObservationalMemoryHistoryOptions = storage.ObservationalMemoryHistoryOptions;
/** `ObservationalMemoryRecord` of `@mastra/core/storage`. */
export type ObservationalMemoryRecord = storage.ObservationalMemoryRecord;
/** `QueryResult` of `@mastra/core/vector`. */
export type QueryResult = vector.QueryResult;
/** `QueryVectorParams` of `@mastra/core/vector`. */
export type QueryVectorParams<Filter = vector.VectorFilter> = vector.QueryVectorParams<Filter>;
/** `Schedule` of `@mastra/core/storage`. */
export type Schedule = storage.Schedule;
/** `ScheduleFilter` of `@mastra/core/storage`. */
export type ScheduleFilter = storage.ScheduleFilter;
/** `ScheduleTrigger` of `@mastra/core/storage`. */
export type ScheduleTrigger = storage.ScheduleTrigger;
/** `ScheduleTriggerListOptions` of `@mastra/core/storage`. */
export type ScheduleTriggerListOptions = storage.ScheduleTriggerListOptions;
/** `ScheduleUpdate` of `@mastra/core/storage`. */
export type ScheduleUpdate = storage.ScheduleUpdate;
/** `ScoreRecord` of `@mastra/core/storage`. */
export type ScoreRecord = storage.ScoreRecord;
/** `SwapBufferedReflectionToActiveInput` of `@mastra/core/storage`. */
export type SwapBufferedReflectionToActiveInput = storage.SwapBufferedReflectionToActiveInput;
/** `SwapBufferedToActiveInput` of `@mastra/core/storage`. */
export type SwapBufferedToActiveInput = storage.SwapBufferedToActiveInput;
/** `SwapBufferedToActiveResult` of `@mastra/core/storage`. */
export type SwapBufferedToActiveResult = storage.SwapBufferedToActiveResult;
/** `UpdateActiveObservationsInput` of `@mastra/core/storage`. */
export type UpdateActiveObservationsInput = storage.UpdateActiveObservationsInput;
/** `UpdateBufferedObservationsInput` of `@mastra/core/storage`. */
export type UpdateBufferedObservationsInput = storage.UpdateBufferedObservationsInput;
/** `UpdateBufferedReflectionInput` of `@mastra/core/storage`. */
export type UpdateBufferedReflectionInput = storage.UpdateBufferedReflectionInput;
/** `UpdateFeedbackReviewStatusArgs` of `@mastra/core/storage`. */
export type UpdateFeedbackReviewStatusArgs = storage.UpdateFeedbackReviewStatusArgs;
/** `UpdateObservationalMemoryConfigInput` of `@mastra/core/storage`. */
export type UpdateObservationalMemoryConfigInput = storage.UpdateObservationalMemoryConfigInput;
/** `UpdateVectorParams` of `@mastra/core/vector`. */
export type UpdateVectorParams<Filter = vector.VectorFilter> = vector.UpdateVectorParams<Filter>;
/** `UpsertVectorParams` of `@mastra/core/vector`. */
export type UpsertVectorParams<Filter = vector.VectorFilter> = vector.UpsertVectorParams<Filter>;
/** `VectorFilter` of `@mastra/core/vector`. */
export type VectorFilter = vector.VectorFilter;
/** `BackgroundTask` of `@mastra/core/background-tasks`. */
export type BackgroundTask = backgroundTasks.BackgroundTask;
/** `BackgroundTaskStatus` of `@mastra/core/background-tasks`. */
export type BackgroundTaskStatus = backgroundTasks.BackgroundTaskStatus;
/** `TaskFilter` of `@mastra/core/background-tasks`. */
export type TaskFilter = backgroundTasks.TaskFilter;
/** `TaskListResult` of `@mastra/core/background-tasks`. */
export type TaskListResult = backgroundTasks.TaskListResult;
/** `UpdateBackgroundTask` of `@mastra/core/background-tasks`. */
export type UpdateBackgroundTask = backgroundTasks.UpdateBackgroundTask;
/** `GetTraceQueryValuesResponse` of `@mastra/core/storage`. */
export type GetTraceQueryValuesResponse = storage.GetTraceQueryValuesResponse;
/** `QueryThreadsResult` of `@mastra/core/storage`. */
export type QueryThreadsResult = storage.QueryThreadsResult;
/** `TraceQueryObservedFieldsResult` of `@mastra/core/storage`. */
export type TraceQueryObservedFieldsResult = storage.TraceQueryObservedFieldsResult;
/** `TraceQueryResponse` of `@mastra/core/storage`. */
export type TraceQueryResponse = storage.TraceQueryResponse;
/** `TrustedThreadQueryPlan` of `@mastra/core/storage`. */
export type TrustedThreadQueryPlan = storage.TrustedThreadQueryPlan;
/** `TrustedTraceQueryObservedFieldsPlan` of `@mastra/core/storage`. */
export type TrustedTraceQueryObservedFieldsPlan = storage.TrustedTraceQueryObservedFieldsPlan;
/** `TrustedTraceQueryPlan` of `@mastra/core/storage`. */
export type TrustedTraceQueryPlan = storage.TrustedTraceQueryPlan;
/** `TrustedTraceQueryValuesPlan` of `@mastra/core/storage`. */
export type TrustedTraceQueryValuesPlan = storage.TrustedTraceQueryValuesPlan;
/** `SessionRecord` of `@mastra/core/storage` (harness). */
export type SessionRecord = storage.SessionRecord;
/** `SessionRecordUpdate` of `@mastra/core/storage` (harness). */
export type SessionRecordUpdate = storage.SessionRecordUpdate;
/** `HarnessPendingItemRecord` of `@mastra/core/storage` (harness). */
export type HarnessPendingItemRecord = storage.HarnessPendingItemRecord;
/** `NotificationRecord` of `@mastra/core/storage` (notifications). */
export type NotificationRecord = storage.NotificationRecord;
/** `CreateNotificationInput` of `@mastra/core/storage` (notifications). */
export type CreateNotificationInput = storage.CreateNotificationInput;
/** `ListNotificationsInput` of `@mastra/core/storage` (notifications). */
export type ListNotificationsInput = storage.ListNotificationsInput;
/** `ListDueNotificationsInput` of `@mastra/core/storage` (notifications). */
export type ListDueNotificationsInput = storage.ListDueNotificationsInput;
/** `UpdateNotificationInput` of `@mastra/core/storage` (notifications). */
export type UpdateNotificationInput = storage.UpdateNotificationInput;
/** `UpdateNotificationsStatusInput` of `@mastra/core/storage` (notifications). */
export type UpdateNotificationsStatusInput = storage.UpdateNotificationsStatusInput;
/** `StorageFavoriteKey` of `@mastra/core/storage`. */
export type StorageFavoriteKey = storage.StorageFavoriteKey;
/** `StorageIsFavoritedBatchInput` of `@mastra/core/storage`. */
export type StorageIsFavoritedBatchInput = storage.StorageIsFavoritedBatchInput;
/** `StorageListFavoritesInput` of `@mastra/core/storage`. */
export type StorageListFavoritesInput = storage.StorageListFavoritesInput;
/** `StorageDeleteFavoritesForEntityInput` of `@mastra/core/storage`. */
export type StorageDeleteFavoritesForEntityInput = storage.StorageDeleteFavoritesForEntityInput;
/** `FavoriteToggleResult` of `@mastra/core/storage`. */
export type FavoriteToggleResult = storage.FavoriteToggleResult;
/** `StorageToolProviderConnection` of `@mastra/core/storage`. */
export type StorageToolProviderConnection = storage.StorageToolProviderConnection;
/** `StorageToolProviderConnectionKey` of `@mastra/core/storage`. */
export type StorageToolProviderConnectionKey = storage.StorageToolProviderConnectionKey;
/** `StorageUpsertToolProviderConnectionInput` of `@mastra/core/storage`. */
export type StorageUpsertToolProviderConnectionInput = storage.StorageUpsertToolProviderConnectionInput;
/** `StorageListToolProviderConnectionsInput` of `@mastra/core/storage`. */
export type StorageListToolProviderConnectionsInput = storage.StorageListToolProviderConnectionsInput;
/** `StorageDeleteToolProviderConnectionInput` of `@mastra/core/storage`. */
export type StorageDeleteToolProviderConnectionInput = storage.StorageDeleteToolProviderConnectionInput;
/** `StorageBlobEntry` of `@mastra/core/storage`. */
export type StorageBlobEntry = storage.StorageBlobEntry;
/** `WorkflowDefinition` of `@mastra/core/storage`. */
export type WorkflowDefinition = storage.WorkflowDefinition;
/** `CreateWorkflowDefinitionInput` of `@mastra/core/storage`. */
export type CreateWorkflowDefinitionInput = storage.CreateWorkflowDefinitionInput;
/** `UpdateWorkflowDefinitionInput` of `@mastra/core/storage`. */
export type UpdateWorkflowDefinitionInput = storage.UpdateWorkflowDefinitionInput;
/** `ListWorkflowDefinitionsInput` of `@mastra/core/storage`. */
export type ListWorkflowDefinitionsInput = storage.ListWorkflowDefinitionsInput;
/** `ListWorkflowDefinitionsOutput` of `@mastra/core/storage`. */
export type ListWorkflowDefinitionsOutput = storage.ListWorkflowDefinitionsOutput;
/** `DatasetRecord` of `@mastra/core/storage`. */
export type DatasetRecord = storage.DatasetRecord;
/** `DatasetItem` of `@mastra/core/storage`. */
export type DatasetItem = storage.DatasetItem;
/** `DatasetItemRow` of `@mastra/core/storage`. */
export type DatasetItemRow = storage.DatasetItemRow;
/** `DatasetVersion` of `@mastra/core/storage`. */
export type DatasetVersion = storage.DatasetVersion;
/** `CreateDatasetInput` of `@mastra/core/storage`. */
export type CreateDatasetInput = storage.CreateDatasetInput;
/** `UpdateDatasetInput` of `@mastra/core/storage`. */
export type UpdateDatasetInput = storage.UpdateDatasetInput;
/** `AddDatasetItemInput` of `@mastra/core/storage`. */
export type AddDatasetItemInput = storage.AddDatasetItemInput;
/** `UpdateDatasetItemInput` of `@mastra/core/storage`. */
export type UpdateDatasetItemInput = storage.UpdateDatasetItemInput;
/** `DeleteDatasetItemInput` of `@mastra/core/storage`. */
export type DeleteDatasetItemInput = storage.DeleteDatasetItemInput;
/** `PurgeDatasetItemInput` of `@mastra/core/storage`. */
export type PurgeDatasetItemInput = storage.PurgeDatasetItemInput;
/** `ListDatasetsInput` of `@mastra/core/storage`. */
export type ListDatasetsInput = storage.ListDatasetsInput;
/** `ListDatasetsOutput` of `@mastra/core/storage`. */
export type ListDatasetsOutput = storage.ListDatasetsOutput;
/** `ListDatasetItemsInput` of `@mastra/core/storage`. */
export type ListDatasetItemsInput = storage.ListDatasetItemsInput;
/** `ListDatasetItemsOutput` of `@mastra/core/storage`. */
export type ListDatasetItemsOutput = storage.ListDatasetItemsOutput;
/** `ListDatasetVersionsInput` of `@mastra/core/storage`. */
export type ListDatasetVersionsInput = storage.ListDatasetVersionsInput;
/** `ListDatasetVersionsOutput` of `@mastra/core/storage`. */
export type ListDatasetVersionsOutput = storage.ListDatasetVersionsOutput;
/** `BatchInsertItemsInput` of `@mastra/core/storage`. */
export type BatchInsertItemsInput = storage.BatchInsertItemsInput;
/** `BatchDeleteItemsInput` of `@mastra/core/storage`. */
export type BatchDeleteItemsInput = storage.BatchDeleteItemsInput;
/** `DatasetTenancyFilters` of `@mastra/core/storage`. */
export type DatasetTenancyFilters = storage.DatasetTenancyFilters;
/** `Experiment` of `@mastra/core/storage`. */
export type Experiment = storage.Experiment;
/** `ExperimentResult` of `@mastra/core/storage`. */
export type ExperimentResult = storage.ExperimentResult;
/** `ExperimentReviewCounts` of `@mastra/core/storage`. */
export type ExperimentReviewCounts = storage.ExperimentReviewCounts;
/** `ExperimentTenancyFilters` of `@mastra/core/storage`. */
export type ExperimentTenancyFilters = storage.ExperimentTenancyFilters;
/** `CreateExperimentInput` of `@mastra/core/storage`. */
export type CreateExperimentInput = storage.CreateExperimentInput;
/** `UpdateExperimentInput` of `@mastra/core/storage`. */
export type UpdateExperimentInput = storage.UpdateExperimentInput;
/** `AddExperimentResultInput` of `@mastra/core/storage`. */
export type AddExperimentResultInput = storage.AddExperimentResultInput;
/** `UpdateExperimentResultInput` of `@mastra/core/storage`. */
export type UpdateExperimentResultInput = storage.UpdateExperimentResultInput;
/** `UpsertExperimentResultInput` of `@mastra/core/storage`. */
export type UpsertExperimentResultInput = storage.UpsertExperimentResultInput;
/** `ListExperimentsInput` of `@mastra/core/storage`. */
export type ListExperimentsInput = storage.ListExperimentsInput;
/** `ListExperimentsOutput` of `@mastra/core/storage`. */
export type ListExperimentsOutput = storage.ListExperimentsOutput;
/** `ListExperimentResultsInput` of `@mastra/core/storage`. */
export type ListExperimentResultsInput = storage.ListExperimentResultsInput;
/** `ListExperimentResultsOutput` of `@mastra/core/storage`. */
export type ListExperimentResultsOutput = storage.ListExperimentResultsOutput;
/** `KnowledgeNode` of `@mastra/core/storage` (knowledge). */
export type KnowledgeNode = storage.KnowledgeNode;
/** `KnowledgeRecord` of `@mastra/core/storage` (knowledge). */
export type KnowledgeRecord = storage.KnowledgeRecord;
/** `KnowledgeActivityEvent` of `@mastra/core/storage` (knowledge). */
export type KnowledgeActivityEvent = storage.KnowledgeActivityEvent;
/** `KnowledgeCurationCursor` of `@mastra/core/storage` (knowledge). */
export type KnowledgeCurationCursor = storage.KnowledgeCurationCursor;
/** `KnowledgeSemanticOutboxEntry` of `@mastra/core/storage` (knowledge). */
export type KnowledgeSemanticOutboxEntry = storage.KnowledgeSemanticOutboxEntry;
/** `KnowledgeScope` of `@mastra/core/storage` (knowledge). */
export type KnowledgeScope = storage.KnowledgeScope;
/** `KnowledgeScopeLevel` of `@mastra/core/storage` (knowledge). */
export type KnowledgeScopeLevel = storage.KnowledgeScopeLevel;
/** `CreateKnowledgeNodeInput` of `@mastra/core/storage` (knowledge). */
export type CreateKnowledgeNodeInput = storage.CreateKnowledgeNodeInput;
/** `UpdateKnowledgeNodeInput` of `@mastra/core/storage` (knowledge). */
export type UpdateKnowledgeNodeInput = storage.UpdateKnowledgeNodeInput;
/** `AppendKnowledgeInput` of `@mastra/core/storage` (knowledge). */
export type AppendKnowledgeInput = storage.AppendKnowledgeInput;
/** `ListKnowledgeNodesInput` of `@mastra/core/storage` (knowledge). */
export type ListKnowledgeNodesInput = storage.ListKnowledgeNodesInput;
/** `QueryKnowledgeInput` of `@mastra/core/storage` (knowledge). */
export type QueryKnowledgeInput = storage.QueryKnowledgeInput;
/** `QueryKnowledgeOutput` of `@mastra/core/storage` (knowledge). */
export type QueryKnowledgeOutput = storage.QueryKnowledgeOutput;
/** `QueryKnowledgeBySourceInput` of `@mastra/core/storage` (knowledge). */
export type QueryKnowledgeBySourceInput = storage.QueryKnowledgeBySourceInput;
/** `SearchKnowledgeInput` of `@mastra/core/storage` (knowledge). */
export type SearchKnowledgeInput = storage.SearchKnowledgeInput;
/** `SearchKnowledgeResult` of `@mastra/core/storage` (knowledge). */
export type SearchKnowledgeResult = storage.SearchKnowledgeResult;
/** `ClaimKnowledgeSemanticOutboxInput` of `@mastra/core/storage` (knowledge). */
export type ClaimKnowledgeSemanticOutboxInput = storage.ClaimKnowledgeSemanticOutboxInput;
/** `KnowledgeNodeReference` of `@mastra/core/storage` (knowledge). */
export type KnowledgeNodeReference = storage.KnowledgeNodeReference;
