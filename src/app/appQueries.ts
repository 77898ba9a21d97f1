/**
 * The app's own Convex query functions over our component, for a live UI of
 * Mastra data (`@mastra/convex/app`). One line in the app's `convex/` folder
 * defines them, with the app's authorization rule:
 *
 * ```ts
 * // convex/mastraUi.ts of the app
 * import { components } from "./_generated/api";
 * import { mastraAppQueries } from "@mastra/convex/app";
 *
 * export const { threads, thread, messages, activity, workingMemory } = mastraAppQueries(components.mastra, {
 *   authorize: async (ctx, { resourceId }) => (await ctx.auth.getUserIdentity())?.subject === resourceId,
 * });
 * ```
 *
 * Every query calls `authorize(ctx, { resourceId, threadId })` before it
 * reads anything: for a thread, `resourceId` is the thread's owner as
 * stored (never taken from the caller), so a user cannot read another
 * user's thread by naming it. `authorize` refuses by returning `false` or
 * throwing; a refusal reaches the client as a `ConvexError` with
 * `{ code: "UNAUTHORIZED" }`. The queries are public functions of the app
 * (reachable by its clients); the component's functions they call are not.
 * Each is a bounded index read (see the component's `appReads.ts` files),
 * live through Convex's subscriptions, and paginated with Convex's
 * `paginationOpts` where it lists (`threads`, `messages`), so
 * `usePaginatedQuery` and the hooks of `@mastra/convex/react` work on them.
 */
import {
  type DefaultFunctionArgs,
  type GenericDataModel,
  type GenericQueryCtx,
  type PaginationOptions,
  paginationOptsValidator,
  paginationResultValidator,
  queryGeneric,
  type RegisteredQuery,
} from "convex/server";
import { ConvexError, v } from "convex/values";
import { appMessageValidator, appThreadValidator, appWorkingMemoryValidator } from "../../convex/memory/appReads.ts";
import type {
  AppActivity,
  AppMessagePage,
  AppThread,
  AppThreadPage,
  AppWorkingMemory,
  MastraUiComponent,
} from "./types.ts";
import { appTaskValidator } from "../../convex/backgroundTasks/appReads.ts";
import { appSuspendedRunValidator } from "../../convex/workflows/appReads.ts";

/** The context of the app's queries (any data model: they read only the component). */
export type AppQueryCtx = GenericQueryCtx<GenericDataModel>;

/** What a read is about: always a resource (the owner), and the thread for thread reads. */
export type AuthorizeRequest = { resourceId: string; threadId?: string };

/**
 * The app's rule: may the caller of `ctx` read `request`? Return `false` or
 * throw to refuse (a thrown error reaches the client as it is).
 */
export type Authorize = (
  ctx: AppQueryCtx,
  request: AuthorizeRequest,
) => Promise<boolean | void> | boolean | void;

/** Options of {@link mastraAppQueries}. */
export type MastraAppQueriesOptions = {
  /** The app's authorization rule, called before every read. */
  authorize: Authorize;
  /** Most background tasks `activity` returns (default 20, at most 50). */
  activeTasks?: number;
  /** Most runs waiting for input `activity` returns (default 10, at most 20). */
  waitingRuns?: number;
};

/** The error data of a refused read. */
export type UnauthorizedData = { code: "UNAUTHORIZED"; message: string };

/** What `activity` returns: the agent's unfinished background tasks and the runs waiting for the user's input. */
const appActivityValidator = v.object({
  tasks: v.array(appTaskValidator),
  waiting: v.array(appSuspendedRunValidator),
});

/** The app's query functions, to export from a module of its `convex/` folder. */
export type MastraAppQueries = {
  /** A resource's threads, most recently updated first (paginated). */
  threads: RegisteredQuery<"public", { resourceId: string; paginationOpts: PaginationOptions }, Promise<AppThreadPage>>;
  /** One thread, or `null`. */
  thread: RegisteredQuery<"public", { threadId: string }, Promise<AppThread | null>>;
  /** A thread's messages, newest page first (paginated; see `appReads.messagesPage`). */
  messages: RegisteredQuery<"public", { threadId: string; paginationOpts: PaginationOptions }, Promise<AppMessagePage>>;
  /** The agent's activity on a thread. */
  activity: RegisteredQuery<"public", { threadId: string }, Promise<AppActivity>>;
  /** The working memory of a resource and, with `threadId`, of that thread. */
  workingMemory: RegisteredQuery<"public", { resourceId: string; threadId?: string }, Promise<AppWorkingMemory>>;
};

const EMPTY_PAGE = { page: [], isDone: true, continueCursor: "" };

/**
 * Defines the app's Mastra query functions over the mounted component
 * (`components.mastra`), each guarded by `authorize`.
 */
export function mastraAppQueries(component: MastraUiComponent, options: MastraAppQueriesOptions): MastraAppQueries {
  const { authorize } = options;
  const activeTasks = options.activeTasks ?? 20;
  const waitingRuns = options.waitingRuns ?? 10;
  const reads = component.memory.appReads;

  async function check(ctx: AppQueryCtx, request: AuthorizeRequest): Promise<void> {
    if ((await authorize(ctx, request)) === false) {
      const what = request.threadId !== undefined ? `thread ${JSON.stringify(request.threadId)}` : "these threads";
      throw new ConvexError<UnauthorizedData>({ code: "UNAUTHORIZED", message: `Not allowed to read ${what}` });
    }
  }

  /** The thread, after `authorize` accepted its stored owner; `null` when it does not exist. */
  async function ownedThread(ctx: AppQueryCtx, threadId: string): Promise<AppThread | null> {
    const thread = await ctx.runQuery(reads.thread, { threadId });
    if (thread) await check(ctx, { resourceId: thread.resourceId, threadId });
    return thread;
  }

  const query = <Args extends DefaultFunctionArgs, Result>(
    // deno-lint-ignore no-explicit-any
    definition: { args: any; returns: any; handler: (ctx: AppQueryCtx, args: Args) => Promise<Result> },
  ) => queryGeneric(definition) as unknown as RegisteredQuery<"public", Args, Promise<Result>>;

  return {
    threads: query({
      args: { resourceId: v.string(), paginationOpts: paginationOptsValidator },
      returns: paginationResultValidator(appThreadValidator),
      handler: async (ctx, args: { resourceId: string; paginationOpts: PaginationOptions }) => {
        await check(ctx, { resourceId: args.resourceId });
        return await ctx.runQuery(reads.threadsPage, args);
      },
    }),
    thread: query({
      args: { threadId: v.string() },
      returns: v.union(appThreadValidator, v.null()),
      handler: (ctx, { threadId }: { threadId: string }) => ownedThread(ctx, threadId),
    }),
    messages: query({
      args: { threadId: v.string(), paginationOpts: paginationOptsValidator },
      returns: paginationResultValidator(appMessageValidator),
      handler: async (ctx, args: { threadId: string; paginationOpts: PaginationOptions }): Promise<AppMessagePage> => {
        if (!(await ownedThread(ctx, args.threadId))) return EMPTY_PAGE;
        return await ctx.runQuery(reads.messagesPage, args);
      },
    }),
    activity: query({
      args: { threadId: v.string() },
      returns: appActivityValidator,
      handler: async (ctx, { threadId }: { threadId: string }): Promise<AppActivity> => {
        const thread = await ownedThread(ctx, threadId);
        if (!thread) return { tasks: [], waiting: [] };
        const [tasks, ofThread, ofResource] = await Promise.all([
          ctx.runQuery(component.backgroundTasks.appReads.activeOnThread, { threadId, limit: activeTasks }),
          ctx.runQuery(component.workflows.appReads.suspendedRuns, { threadId, limit: waitingRuns }),
          ctx.runQuery(component.workflows.appReads.suspendedRuns, {
            resourceId: thread.resourceId,
            limit: waitingRuns,
          }),
        ]);
        const seen = new Set<string>();
        const waiting = [...ofThread, ...ofResource]
          .filter((run) =>
            !seen.has(`${run.workflowName}\u0000${run.runId}`) && !!seen.add(`${run.workflowName}\u0000${run.runId}`)
          )
          .sort((a, b) => b.createdAt - a.createdAt)
          .slice(0, waitingRuns);
        return { tasks, waiting };
      },
    }),
    workingMemory: query({
      args: { resourceId: v.string(), threadId: v.optional(v.string()) },
      returns: appWorkingMemoryValidator,
      handler: async (ctx, args: { resourceId: string; threadId?: string }) => {
        await check(ctx, args);
        return await ctx.runQuery(reads.workingMemory, args);
      },
    }),
  };
}
