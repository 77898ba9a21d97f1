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
export {
  type CallOptions,
  type ClientCallOptions,
  type ConvexApi,
  type ConvexClientLike,
  ConvexTransport,
  createHttpClient,
  type FunctionPath,
  type HttpClientOptions,
  type RetryPolicy,
  TransientError,
} from "./src/transport.ts";
export { ConvexMemoryStorage } from "./src/domains/memory/memoryStorage.ts";
export { ConvexObservabilityStorage } from "./src/domains/observability/observabilityStorage.ts";
export { ConvexWorkflowsStorage } from "./src/domains/workflows/workflowsStorage.ts";
export { ConvexScoresStorage } from "./src/domains/scores/scoresStorage.ts";
export { CodecError, decodeValue, encodeValue } from "./src/codec.ts";
export type { ThreadRecord } from "./src/records/threads.ts";
export type { MessagePage, MessageRecord, MessageRole, StoredMessageRecord } from "./src/records/messages.ts";
export type { TracePage, TraceRecord } from "./src/records/traces.ts";
export type { EvalPage, EvalRecord } from "./src/records/evals.ts";
export type { WorkflowRunPage, WorkflowRunRecord } from "./src/records/workflowRuns.ts";
export {
  createReactiveClient,
  type ReactiveClientLike,
  type Unsubscribe,
  type WatchOptions,
} from "./src/subscriptions.ts";
