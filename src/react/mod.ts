/**
 * `@mastra/convex/react`: React hooks for a live UI of Mastra data stored in
 * Convex — a thread's messages (paginated, with loading state), a user's
 * threads, the agent's activity (tasks running, runs waiting for approval)
 * and working memory — over the app's query functions made by
 * `mastraAppQueries` (`@mastra/convex/app`), through `convex/react`'s
 * `ConvexReactClient`. Needs `react` (an optional peer dependency of the
 * package); nothing here is imported by the server entry point.
 *
 * ```tsx
 * const { messages, loadMore, canLoadMore } = useMastraMessages(api.mastraUi.messages, threadId);
 * const { isWorking, waiting } = useAgentActivity(api.mastraUi.activity, threadId);
 * ```
 *
 * @module
 */
export {
  type ActivityQuery,
  type AgentActivity,
  type LiveMessages,
  type LiveTask,
  type LiveThreads,
  type MessagesQuery,
  type PageOptions,
  type PageStatus,
  type ThreadsQuery,
  useAgentActivity,
  useMastraMessages,
  useMastraThreads,
  useWorkingMemory,
  type WaitingRun,
  type WorkingMemoryQuery,
} from "./hooks.ts";
export { decodePayload, type LiveMessage, type LiveThread, toMastraMessage } from "../app/shapes.ts";
