/**
 * React hooks over the app's Mastra query functions (made by
 * `mastraAppQueries` of `@mastra/convex/app`), through `convex/react`'s
 * `useQuery` / `usePaginatedQuery`: live, so a message saved by an agent
 * shows up without a reload. Results come in Mastra's shapes (messages as
 * `MastraDBMessage`, dates as `Date`s, payloads decoded).
 *
 * Errors (e.g. a refusal of the app's `authorize`, a `ConvexError` with
 * `{ code: "UNAUTHORIZED" }`) are thrown while rendering, as `useQuery`
 * does: catch them with an error boundary.
 */
import { usePaginatedQuery, useQuery } from "convex/react";
import type { FunctionReference, PaginationOptions, PaginationResult } from "convex/server";
import { useMemo } from "react";
import type { AppActivity, AppMessage, AppSuspendedRun, AppTask, AppThread, AppWorkingMemory } from "../app/types.ts";
import { decodePayload, type LiveMessage, type LiveThread, toLiveThread, toMastraMessage } from "../app/shapes.ts";

/** The app's `messages` query (see `mastraAppQueries`). */
export type MessagesQuery = FunctionReference<
  "query",
  "public",
  { threadId: string; paginationOpts: PaginationOptions },
  PaginationResult<AppMessage>
>;
/** The app's `threads` query. */
export type ThreadsQuery = FunctionReference<
  "query",
  "public",
  { resourceId: string; paginationOpts: PaginationOptions },
  PaginationResult<AppThread>
>;
/** The app's `activity` query. */
export type ActivityQuery = FunctionReference<"query", "public", { threadId: string }, AppActivity>;
/** The app's `workingMemory` query. */
export type WorkingMemoryQuery = FunctionReference<
  "query",
  "public",
  { resourceId: string; threadId?: string },
  AppWorkingMemory
>;

/** Where a paginated list is (Convex's `usePaginatedQuery` statuses). */
export type PageStatus = "LoadingFirstPage" | "CanLoadMore" | "LoadingMore" | "Exhausted";

/** Options of the paginated hooks. */
export type PageOptions = {
  /** Items of the first page (default 30; at most 200). */
  initialNumItems?: number;
};

/** A thread's messages, live. */
export type LiveMessages = {
  /** The loaded messages, oldest first, in Mastra's `MastraDBMessage` shape. */
  messages: LiveMessage[];
  /** Loading state. */
  status: PageStatus;
  /** True while the first page or an older page is loading. */
  isLoading: boolean;
  /** True when older messages remain to load. */
  canLoadMore: boolean;
  /** Loads `numItems` older messages (nothing while loading or exhausted). */
  loadMore: (numItems: number) => void;
};

/**
 * The messages of a thread, newest page first under the hood, handed out
 * oldest first; `loadMore` pages back in time. `"skip"` subscribes to nothing.
 */
export function useMastraMessages(
  query: MessagesQuery,
  threadId: string | "skip",
  options: PageOptions = {},
): LiveMessages {
  const { results, status, isLoading, loadMore } = usePaginatedQuery(
    query,
    threadId === "skip" ? "skip" : { threadId },
    { initialNumItems: options.initialNumItems ?? 30 },
  );
  const messages = useMemo(() => results.map(toMastraMessage).reverse(), [results]);
  return { messages, status, isLoading, canLoadMore: status === "CanLoadMore", loadMore };
}

/** A resource's threads, live. */
export type LiveThreads = {
  /** The loaded threads, most recently updated first. */
  threads: LiveThread[];
  /** Loading state. */
  status: PageStatus;
  /** True while a page is loading. */
  isLoading: boolean;
  /** True when more threads remain to load. */
  canLoadMore: boolean;
  /** Loads `numItems` more threads. */
  loadMore: (numItems: number) => void;
};

/** The threads of a resource (a user), most recently updated first. `"skip"` subscribes to nothing. */
export function useMastraThreads(
  query: ThreadsQuery,
  resourceId: string | "skip",
  options: PageOptions = {},
): LiveThreads {
  const { results, status, isLoading, loadMore } = usePaginatedQuery(
    query,
    resourceId === "skip" ? "skip" : { resourceId },
    { initialNumItems: options.initialNumItems ?? 30 },
  );
  const threads = useMemo(() => results.map(toLiveThread), [results]);
  return { threads, status, isLoading, canLoadMore: status === "CanLoadMore", loadMore };
}

/** A background task of the agent, its arguments and suspend payload decoded. */
export type LiveTask = Omit<AppTask, "args" | "suspendPayload"> & { args: unknown; suspendPayload: unknown };

/** A workflow run waiting for the user's input, its suspend payloads decoded. */
export type WaitingRun = Omit<AppSuspendedRun, "steps"> & {
  /** The steps waiting, with what each asked for; `null` when the run's snapshot was too large to read here. */
  steps: { stepId: string; payload: unknown }[] | null;
};

/** What the agent is doing on a thread, live. */
export type AgentActivity = {
  /** True until the first result arrives. */
  isLoading: boolean;
  /** Unfinished background tasks, newest first. */
  tasks: LiveTask[];
  /** Runs suspended and waiting for input (e.g. an approval), newest first. */
  waiting: WaitingRun[];
  /** True while a task is pending or running. */
  isWorking: boolean;
  /** True while a run waits for input. */
  isWaitingForInput: boolean;
};

/** The agent's activity on a thread: unfinished background tasks and runs waiting for input. */
export function useAgentActivity(query: ActivityQuery, threadId: string | "skip"): AgentActivity {
  const activity = useQuery(query, threadId === "skip" ? "skip" : { threadId });
  return useMemo(() => {
    const tasks: LiveTask[] = (activity?.tasks ?? []).map((task) => ({
      ...task,
      args: decodePayload(task.args),
      suspendPayload: decodePayload(task.suspendPayload),
    }));
    const waiting: WaitingRun[] = (activity?.waiting ?? []).map((run) => ({
      ...run,
      steps: run.steps?.map((step) => ({ stepId: step.stepId, payload: decodePayload(step.payload) })) ?? null,
    }));
    return {
      isLoading: activity === undefined && threadId !== "skip",
      tasks,
      waiting,
      isWorking: tasks.some((task) => task.status === "pending" || task.status === "running"),
      isWaitingForInput: waiting.length > 0,
    };
  }, [activity, threadId]);
}

/** Mastra's working memory of a resource and of one of its threads (`undefined` while loading). */
export function useWorkingMemory(
  query: WorkingMemoryQuery,
  args: { resourceId: string; threadId?: string } | "skip",
): AppWorkingMemory | undefined {
  return useQuery(query, args);
}
