/**
 * Mastra storage on Convex.
 *
 * ```ts
 * import { ConvexStorage } from "jsr:@mastra/convex";
 * import { Mastra } from "@mastra/core";
 *
 * const storage = new ConvexStorage(); // CONVEX_URL + CONVEX_DEPLOY_KEY from the environment
 * const mastra = new Mastra({ storage });
 * ```
 *
 * @module
 */
export { ConvexStorage, type ConvexStorageOptions } from "./src/storage.ts";
export { type ConnectionOptions } from "./src/kit/connection.ts";
export type { EraseCount, EraseOptions, EraseStatus } from "./src/lifecycle/erase.ts";
export type { RetentionStatus, RetentionTableStatus } from "./src/lifecycle/retention.ts";
export {
  type CallOptions,
  type ClientCallOptions,
  type ConvexClientLike,
  ConvexTransport,
  createHttpClient,
  DEFAULT_COMPONENT,
  type FunctionPath,
  type HttpClientOptions,
  type RetryPolicy,
  TransientError,
} from "./src/transport.ts";
export { ConvexMemoryStorage } from "./src/memory/memoryStorage.ts";
export { ConvexChannelsStorage } from "./src/channels/channelsStorage.ts";
export { ConvexServerCache, type ConvexServerCacheOptions, DEFAULT_CACHE_TTL_MS } from "./src/cache/serverCache.ts";
export { ConvexObservabilityStorage } from "./src/observability/observabilityStorage.ts";
export { ConvexWorkflowsStorage } from "./src/workflows/workflowsStorage.ts";
export { ConvexScoresStorage } from "./src/scores/scoresStorage.ts";
export { ConvexBackgroundTasksStorage } from "./src/backgroundTasks/backgroundTasksStorage.ts";
export { ConvexSchedulesStorage } from "./src/schedules/schedulesStorage.ts";
export { ConvexThreadStateStorage } from "./src/threadState/threadStateStorage.ts";
export { ConvexHarnessStorage } from "./src/harness/harnessStorage.ts";
export { ConvexNotificationsStorage } from "./src/notifications/notificationsStorage.ts";
export { ConvexAgentsStorage } from "./src/agents/agentsStorage.ts";
export { ConvexPromptBlocksStorage } from "./src/promptBlocks/promptBlocksStorage.ts";
export { ConvexScorerDefinitionsStorage } from "./src/scorerDefinitions/scorerDefinitionsStorage.ts";
export { ConvexMCPClientsStorage } from "./src/mcpClients/mcpClientsStorage.ts";
export { ConvexMCPServersStorage } from "./src/mcpServers/mcpServersStorage.ts";
export { ConvexWorkspacesStorage } from "./src/workspaces/workspacesStorage.ts";
export { ConvexSkillsStorage } from "./src/skills/skillsStorage.ts";
export { ConvexFavoritesStorage } from "./src/favorites/favoritesStorage.ts";
export { ConvexToolProviderConnectionsStorage } from "./src/toolProviderConnections/toolProviderConnectionsStorage.ts";
export { ConvexBlobStore } from "./src/blobs/blobStore.ts";
export { ConvexWorkflowDefinitionsStorage } from "./src/workflowDefinitions/workflowDefinitionsStorage.ts";
export type { VersionedDomainClass } from "./src/kit/versioned.ts";
export { ConvexKnowledgeStorage } from "./src/knowledge/knowledgeStorage.ts";
export {
  type ConvexQueryStats,
  type ConvexQueryVectorParams,
  ConvexVector,
  type ConvexVectorOptions,
  type SearchStats,
} from "./src/vector/convexVector.ts";
export { CodecError, decodeValue, encodeValue } from "./src/kit/codec.ts";
export type { ThreadRecord } from "./src/simpleApi/threads.ts";
export type { MessagePage, MessageRecord, MessageRole, StoredMessageRecord } from "./src/simpleApi/messages.ts";
export type { TracePage, TraceRecord } from "./src/simpleApi/traces.ts";
export type { EvalPage, EvalRecord } from "./src/simpleApi/evals.ts";
export type { WorkflowRunPage, WorkflowRunRecord } from "./src/simpleApi/workflowRuns.ts";
export {
  createReactiveClient,
  type ReactiveClientLike,
  type Unsubscribe,
  type WatchOptions,
} from "./src/watches/reactiveClient.ts";
export type { MessageUpdate } from "./src/memory/messages.ts";
export type { CallContext, ErrorDetails } from "./src/kit/errors.ts";
// Core's types and base classes used in the signatures above (aliases, see src/coreTypes.ts).
export * from "./src/coreTypes.ts";
