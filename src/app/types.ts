/**
 * The shapes of the app reads, written out (the component's validators in
 * `convex/<domain>/appReads.ts` are the source of truth; a test holds these
 * equal to their `Infer<...>`), and the part of the component's API the
 * app's functions use. Written out so that the app and React entry points
 * do not drag the component's whole schema into their public types.
 */
import type { FunctionReference, PaginationOptions, PaginationResult } from "convex/server";

/** A thread as the app sees it (dates as epoch milliseconds). */
export type AppThread = { id: string; resourceId: string; title: string | null; createdAt: number; updatedAt: number };

/** A message as the app sees it. */
export type AppMessage = {
  id: string;
  threadId: string;
  /** The resource (user) the message was saved for, when any. */
  resourceId?: string;
  role: string;
  /** Mastra's message type (`"text"` when absent). */
  type?: string;
  createdAt: number;
  /** The message content as the codec's JSON text, or `null` when it is stored in pieces. */
  content: string | null;
};

/** A page of a resource's threads. */
export type AppThreadPage = PaginationResult<AppThread>;
/** A page of a thread's messages. */
export type AppMessagePage = PaginationResult<AppMessage>;

/** Mastra's working memory of a resource and of one of its threads. */
export type AppWorkingMemory = { resource: string | null; thread: string | null };

/** A background task status. */
export type AppTaskStatus = "pending" | "running" | "suspended" | "completed" | "failed" | "cancelled" | "timed_out";

/** A background task as the app sees it. */
export type AppTask = {
  id: string;
  status: AppTaskStatus;
  toolName: string;
  toolCallId: string;
  agentId: string;
  runId: string;
  createdAt: number;
  startedAt?: number;
  suspendedAt?: number;
  /** The tool's arguments, encoded by the codec; `null` when stored in pieces. */
  args: string | null;
  /** The last `suspend()` payload, encoded by the codec; `null` when none or stored in pieces. */
  suspendPayload: string | null;
};

/** A workflow run waiting for input, as the app sees it. */
export type AppSuspendedRun = {
  runId: string;
  workflowName: string;
  resourceId?: string;
  threadId?: string;
  createdAt: number;
  updatedAt: number;
  /** The suspended steps and their encoded payloads; `null` when the snapshot was too large to read. */
  steps: { stepId: string; payload: string }[] | null;
};

/** What the app's `activity` query returns. */
export type AppActivity = { tasks: AppTask[]; waiting: AppSuspendedRun[] };

type ComponentQuery<Args extends Record<string, unknown>, Result> = FunctionReference<
  "query",
  "internal",
  Args,
  Result,
  string | undefined
>;

/**
 * The component functions the app's Mastra queries call: satisfied by
 * `components.mastra` (`ComponentApi<"mastra">`) of the app's generated API.
 */
export type MastraUiComponent = {
  memory: {
    appReads: {
      thread: ComponentQuery<{ threadId: string }, AppThread | null>;
      threadsPage: ComponentQuery<{ resourceId: string; paginationOpts: PaginationOptions }, AppThreadPage>;
      messagesPage: ComponentQuery<{ threadId: string; paginationOpts: PaginationOptions }, AppMessagePage>;
      workingMemory: ComponentQuery<{ resourceId: string; threadId?: string }, AppWorkingMemory>;
    };
  };
  backgroundTasks: { appReads: { activeOnThread: ComponentQuery<{ threadId: string; limit: number }, AppTask[]> } };
  workflows: {
    appReads: {
      suspendedRuns: ComponentQuery<{ threadId?: string; resourceId?: string; limit: number }, AppSuspendedRun[]>;
    };
  };
};
