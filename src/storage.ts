/**
 * `ConvexStorage`: Mastra storage backed by our Convex functions.
 */
import type { MastraDBMessage, RetentionConfig, StorageThreadType, WorkflowRun } from "./coreTypes.ts";
import { ErrorDomain, type MastraError } from "@mastra/core/error";
import { MastraCompositeStore } from "@mastra/core/storage";
import { type EraseOptions, eraseResource, type EraseStatus, eraseStatus } from "./lifecycle/erase.ts";
import { type RetentionStatus, retentionStatus, setRetentionPolicy } from "./lifecycle/retention.ts";
import { FUNCTIONS_VERSION, PACKAGE_NAME } from "../convex/kit/version.ts";
import type { DomainContext } from "./kit/context.ts";
import { rebuildRankTrees } from "./kit/ranks.ts";
import { createDomains } from "./domains.ts";
import type { MemoryStorage, WorkflowsStorage } from "@mastra/core/storage";
import { InvalidInputError, storageError } from "./kit/errors.ts";
import { type EvalPage, type EvalRecord, getEvals, saveEval } from "./simpleApi/evals.ts";
import {
  getMessageRecords,
  getMessageRecordsPage,
  type MessagePage,
  type MessageRecord,
  saveMessageRecord,
  type StoredMessageRecord,
} from "./simpleApi/messages.ts";
import { saveThreadRecord, type ThreadRecord } from "./simpleApi/threads.ts";
import { getTrace, getTraces, saveTrace, type TracePage, type TraceRecord } from "./simpleApi/traces.ts";
import {
  getWorkflowRunRecords,
  saveWorkflowRunRecord,
  type WorkflowRunPage,
  type WorkflowRunRecord,
} from "./simpleApi/workflowRuns.ts";
import {
  createReactiveClient,
  type ReactiveClientLike,
  type Unsubscribe,
  type WatchOptions,
} from "./watches/reactiveClient.ts";
import { type WatchContext, watchMessages, watchThread, watchThreads, watchWorkflowRun } from "./watches/watches.ts";
import { ConvexTransport, isTransient } from "./transport.ts";
import {
  ADMIN_KEY_ENV_VARS,
  configError,
  type ConnectionOptions,
  type Connector,
  resolveConnection,
} from "./kit/connection.ts";

/** Options of {@link ConvexStorage}: the connection options, and these. */
export type ConvexStorageOptions = ConnectionOptions & {
  /** Storage id (default `"convex-storage"`). */
  id?: string;
  /**
   * Reactive client for the `watch…` calls (anything with `onUpdate` like
   * Convex's `ConvexClient`). Default: a `ConvexClient` (WebSocket) on
   * `convexUrl` with the admin key, opened on the first watch; or `client`
   * itself when it has `onUpdate`.
   */
  reactiveClient?: ReactiveClientLike;
  /** Clock in epoch milliseconds (default `Date.now`); injectable for tests. */
  now?: () => number;
  /**
   * Age-based retention (core's `RetentionConfig`): `prune()` applies it,
   * and `init()` stores it in the deployment, whose own cron then prunes by
   * it every hour on the server's clock (see `retentionStatus()`). Without
   * it nothing is pruned and a policy stored earlier stays as it is
   * (`setRetentionPolicy(null)` removes it).
   */
  retention?: RetentionConfig;
};

const STORAGE: Connector = { name: "ConvexStorage", errorPrefix: "CONVEX_STORAGE", domain: ErrorDomain.STORAGE };

/** A `MastraError` of `init()`, whose text says so once. */
function initError(id: string, text: string): MastraError {
  return configError(STORAGE, id, `ConvexStorage.init failed: ${text}`);
}

/** The fix for a missing component, as a user-facing sentence. */
const MOUNT_FIX = `Mount the component in your app's convex/convex.config.ts ` +
  `(\`import mastra from "${PACKAGE_NAME}/convex.config"; app.use(mastra);\`) and run \`npx convex deploy\` ` +
  "(or `npx convex dev`).";

/** True when `error` says the function (or its component) does not exist on the deployment. */
function isNotFound(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /could not find|not found|not registered|does not exist|no such|unknown component/i.test(message);
}

/** Tells apart a rejected key and an unreachable server; anything else is `undefined`. */
function connectionFailure(error: unknown): MastraError | undefined {
  const message = error instanceof Error
    ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`.trim()
    : String(error);
  if (/BadAdminKey|BadDeployKey|Unauthenticated|invalid (admin|deploy) key|HTTP 40[13]/i.test(message)) {
    return initError(
      "BAD_ADMIN_KEY",
      `the deployment rejected the admin/deploy key (${message}). Check \`adminKey\` or ` +
        `${ADMIN_KEY_ENV_VARS.join(", ")}: use a deploy key of this deployment (Convex cloud) ` +
        "or the admin key printed by generate_admin_key.sh (self-hosted).",
    );
  }
  if (isTransient(error) || /TransientError/.test(message)) {
    return initError(
      "UNREACHABLE",
      `the Convex deployment could not be reached (${message}). ` +
        "Check `convexUrl` / CONVEX_URL and that the deployment is running.",
    );
  }
  return undefined;
}

/**
 * Mastra storage on Convex. Pass it to `new Mastra({ storage })` or
 * `new Memory({ storage })`.
 *
 * ```ts
 * const storage = new ConvexStorage({ convexUrl: process.env.CONVEX_URL, adminKey: process.env.CONVEX_DEPLOY_KEY });
 * ```
 */
export class ConvexStorage extends MastraCompositeStore {
  /** The transport all domains use; exposed for advanced use and tests. */
  readonly transport: ConvexTransport;
  readonly #ctx: DomainContext;
  #deploymentChecked: Promise<void> | undefined;
  #reactive: ReactiveClientLike | undefined;
  readonly #openReactive: (() => ReactiveClientLike) | undefined;
  readonly #component: string;
  readonly #retention: RetentionConfig | undefined;

  /** Creates the storage; fails with a `MastraError` naming what to set when the URL or key is missing. */
  constructor(options: ConvexStorageOptions = {}) {
    super({ id: options.id ?? "convex-storage", name: "ConvexStorage", retention: options.retention });
    this.#retention = options.retention;
    const connection = resolveConnection(options, STORAGE);
    this.#reactive = options.reactiveClient ??
      (typeof (connection.client as Partial<ReactiveClientLike>).onUpdate === "function"
        ? connection.client as unknown as ReactiveClientLike
        : undefined);
    const { url, adminKey } = connection;
    if (url !== undefined && adminKey !== undefined) {
      this.#openReactive = () => createReactiveClient(url, adminKey, connection.component);
    }
    this.#component = connection.component;
    this.transport = new ConvexTransport(connection.client, connection.retry);
    this.#ctx = { transport: this.transport, now: options.now ?? Date.now };
    this.stores = createDomains(this.#ctx);
  }

  /**
   * Builds the rank trees that let deep pages seek (instead of walk) for rows
   * written before the trees existed or copied in directly, in bounded calls.
   * Safe to repeat and to run on live data. Returns the number of calls made.
   */
  rebuildRankTrees(): Promise<number> {
    return rebuildRankTrees(this.#ctx);
  }

  /**
   * Checks once that our functions are deployed and compatible, then
   * initialises the domains. Fails with a `MastraError` that says what to
   * deploy instead of failing later on the first read.
   */
  override async init(): Promise<void> {
    this.#deploymentChecked ??= this.#checkDeployment().catch((error) => {
      this.#deploymentChecked = undefined;
      throw error;
    });
    await this.#deploymentChecked;
    await super.init();
    if (this.#retention) await setRetentionPolicy(this.#ctx, this.#retention);
  }

  // -------------------------------------------------------------------------
  // Data lifecycle: retention run by the deployment, erasure of a resource
  // -------------------------------------------------------------------------

  /**
   * Stores a retention policy that the deployment runs by itself (hourly,
   * bounded batches, its own clock), replacing the standing one; `null`
   * removes it (nothing runs then). `retention` in the options does this at
   * `init()`.
   */
  setRetentionPolicy(config: RetentionConfig | null): Promise<void> {
    return setRetentionPolicy(this.#ctx, config);
  }

  /** The standing retention policy and what the deployment's newest retention run deleted, per table. */
  retentionStatus(): Promise<RetentionStatus> {
    return retentionStatus(this.#ctx);
  }

  /**
   * Deletes everything of one resource (threads, messages, observational
   * and working memory, thread state, workflow runs, traces with their
   * spans) as a job the deployment runs by itself, and returns its receipt
   * (rows deleted per table) once done. A caller that stops waiting does
   * not stop the job; `eraseStatus(jobId)` reads it.
   */
  eraseResource(resourceId: string, options?: EraseOptions): Promise<EraseStatus> {
    return eraseResource(this.#ctx, resourceId, options);
  }

  /** Progress of an erasure started by `eraseResource`, or `null` for an unknown job. */
  eraseStatus(jobId: string): Promise<EraseStatus | null> {
    return eraseStatus(this.#ctx, jobId);
  }

  async #checkDeployment(): Promise<void> {
    let info: { name?: string; version?: string };
    try {
      info = await this.transport.query("system/info:info", {}, { operation: "init" });
    } catch (wrapped) {
      const error = (wrapped as { cause?: unknown }).cause ?? wrapped; // the transport's MastraError keeps the cause
      throw connectionFailure(error) ?? await this.#notMounted(error);
    }
    const expectedMajor = FUNCTIONS_VERSION.split(".")[0];
    const actualMajor = typeof info?.version === "string" ? info.version.split(".")[0] : undefined;
    if (info?.name !== PACKAGE_NAME || actualMajor !== expectedMajor) {
      throw initError(
        "INCOMPATIBLE_VERSION",
        `the component ${this.#componentLabel()} runs ${info?.name ?? "unknown"} version ` +
          `${info?.version ?? "unknown"}, but this client needs ${PACKAGE_NAME} component version ` +
          `${FUNCTIONS_VERSION} (major ${expectedMajor}). Install the same version of ${PACKAGE_NAME} on both sides ` +
          "and run `npx convex deploy` so the deployment runs the component this client speaks to.",
      );
    }
  }

  #componentLabel(): string {
    return `"${this.#component}"`;
  }

  /** Explains why our component did not answer: not mounted at all, or mounted under another name. */
  async #notMounted(error: unknown): Promise<MastraError> {
    const cause = error instanceof Error ? error.message : String(error);
    if (!isNotFound(error)) {
      return initError(
        "NOT_DEPLOYED",
        `the component ${this.#componentLabel()} did not answer (${cause}). ${MOUNT_FIX}`,
      );
    }
    let mounted: string[] | undefined;
    try {
      mounted = await this.transport.client.listComponents?.();
    } catch {
      mounted = undefined; // the deployment cannot list its components: give the general advice
    }
    const others = (mounted ?? []).filter((path) => path !== "" && path !== this.#component);
    if (mounted !== undefined && others.length > 0) {
      return initError(
        "COMPONENT_NAME",
        `no component is mounted as ${this.#componentLabel()} on this deployment; mounted components: ` +
          `${others.map((path) => `"${path}"`).join(", ")}. If ${PACKAGE_NAME} is one of them ` +
          `(\`app.use(mastra, { name: "${others[0]}" })\`), pass \`component: "${others[0]}"\` to ConvexStorage; ` +
          `otherwise: ${MOUNT_FIX}`,
      );
    }
    return initError(
      "NOT_MOUNTED",
      `the ${PACKAGE_NAME} component ${this.#componentLabel()} is not mounted on this deployment (${cause}). ${MOUNT_FIX}`,
    );
  }

  // -------------------------------------------------------------------------
  // The README's calls (mapped onto the domains: one source of truth)
  // -------------------------------------------------------------------------

  #memory(): MemoryStorage {
    return this.stores!.memory!;
  }

  #workflows(): WorkflowsStorage {
    return this.stores!.workflows!;
  }

  /** Saves a thread (README or Mastra shape; timestamps as `Date` or epoch ms); returns it as given. */
  saveThread({ thread }: { thread: ThreadRecord }): Promise<ThreadRecord> {
    return saveThreadRecord(this.#memory(), thread, this.#ctx.now());
  }

  /** Reads a thread, or `null`. */
  getThreadById({ threadId }: { threadId: string }): Promise<StorageThreadType | null> {
    return this.#memory().getThreadById({ threadId });
  }

  /** Saves one message (README shape `{ id, threadId, type, content, createdAt }` or Mastra's); returns it as given. */
  saveMessage({ message }: { message: MessageRecord | MastraDBMessage }): Promise<MessageRecord | MastraDBMessage> {
    return saveMessageRecord(this.#memory(), message, this.#ctx.now());
  }

  /** All messages of a thread, oldest first. */
  getMessages({ threadId }: { threadId: string }): Promise<StoredMessageRecord[]> {
    return getMessageRecords(this.#memory(), threadId);
  }

  /** One page of a thread's messages, oldest first; `page` counts from 0. */
  getMessagesPaginated(args: { threadId: string; page?: number; perPage?: number }): Promise<MessagePage> {
    return getMessageRecordsPage(this.#memory(), args);
  }

  /** Saves a trace record (README shape); returns it as given. */
  saveTrace({ trace }: { trace: TraceRecord }): Promise<TraceRecord> {
    return saveTrace(this.#ctx, { trace });
  }

  /** Reads one trace record, or `null`. */
  getTrace({ traceId }: { traceId: string }): Promise<TraceRecord | null> {
    return getTrace(this.#ctx, { traceId });
  }

  /** Lists trace records newest first, optionally of one thread and/or run; `page` counts from 0. */
  getTraces(args: { threadId?: string; runId?: string; page?: number; perPage?: number } = {}): Promise<TracePage> {
    return getTraces(this.#ctx, args);
  }

  /** Saves an eval record (README shape); returns it as given. */
  saveEval({ evalData }: { evalData: EvalRecord }): Promise<EvalRecord> {
    return saveEval(this.#ctx, { evalData });
  }

  /** Lists eval records newest first, optionally of one agent and/or type; `page` counts from 0. */
  getEvals(
    args: { agentName?: string; type?: "live" | "test"; page?: number; perPage?: number } = {},
  ): Promise<EvalPage> {
    return getEvals(this.#ctx, args);
  }

  /** Saves a workflow run (README shape); returns it as given. */
  saveWorkflowRun({ workflowRun }: { workflowRun: WorkflowRunRecord }): Promise<WorkflowRunRecord> {
    return saveWorkflowRunRecord(this.#workflows(), workflowRun, this.#ctx.now());
  }

  /** Lists workflow runs newest first with the README's filters; `page` counts from 0. */
  getWorkflowRuns(
    args: {
      workflowName?: string;
      resourceId?: string;
      fromDate?: number | Date;
      toDate?: number | Date;
      page?: number;
      perPage?: number;
    } = {},
  ): Promise<WorkflowRunPage> {
    return getWorkflowRunRecords(this.#workflows(), args);
  }

  // -------------------------------------------------------------------------
  // Real-time watches (specific to Convex)
  // -------------------------------------------------------------------------

  #watchContext(operation: string): WatchContext {
    if (!this.#reactive) {
      if (!this.#openReactive) {
        throw new InvalidInputError(
          `${operation} needs a reactive client: pass \`reactiveClient\` (or a \`client\` with \`onUpdate\`)`,
        );
      }
      this.#reactive = this.#openReactive();
    }
    return { ...this.#ctx, reactive: this.#reactive, memory: this.#memory(), workflows: this.#workflows() };
  }

  #watch(operation: string, details: Record<string, string>, start: (ctx: WatchContext) => Unsubscribe): Unsubscribe {
    try {
      return start(this.#watchContext(operation));
    } catch (error) {
      throw storageError({ operation, details }, error);
    }
  }

  /** Calls back with the thread now and after every change; returns an unsubscribe function. */
  watchThread(
    threadId: string,
    onChange: (thread: StorageThreadType | null) => void,
    options: WatchOptions = {},
  ): Unsubscribe {
    return this.#watch("watchThread", { threadId }, (ctx) => watchThread(ctx, threadId, onChange, options));
  }

  /** Calls back with a resource's newest threads now and after every change. */
  watchThreads(
    resourceId: string,
    onChange: (threads: StorageThreadType[]) => void,
    options: WatchOptions & { perPage?: number; orderBy?: "createdAt" | "updatedAt" } = {},
  ): Unsubscribe {
    return this.#watch("watchThreads", { resourceId }, (ctx) => watchThreads(ctx, resourceId, onChange, options));
  }

  /** Calls back with a thread's latest messages (or one page) now and after every change. */
  watchMessages(
    threadId: string,
    onChange: (messages: MastraDBMessage[]) => void,
    options: WatchOptions & { last?: number; page?: number; perPage?: number } = {},
  ): Unsubscribe {
    return this.#watch("watchMessages", { threadId }, (ctx) => watchMessages(ctx, threadId, onChange, options));
  }

  /** Calls back with a workflow run now and after every change (e.g. each step result). */
  watchWorkflowRun(
    args: { runId: string; workflowName?: string },
    onChange: (run: WorkflowRun | null) => void,
    options: WatchOptions = {},
  ): Unsubscribe {
    return this.#watch(
      "watchWorkflowRun",
      { runId: args.runId },
      (ctx) => watchWorkflowRun(ctx, args, onChange, options),
    );
  }

  /** Closes the reactive connection (if one was opened) and the domains. */
  override async close(): Promise<void> {
    const reactive = this.#reactive;
    this.#reactive = undefined;
    if (this.#openReactive && reactive?.close) await reactive.close();
    await super.close();
  }
}
