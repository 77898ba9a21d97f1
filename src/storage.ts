/**
 * `ConvexStorage`: Mastra storage backed by our Convex functions.
 */
import { ErrorCategory, ErrorDomain, MastraError } from "@mastra/core/error";
import { MastraCompositeStore } from "@mastra/core/storage";
import { FUNCTIONS_VERSION, PACKAGE_NAME } from "../convex/lib/version.ts";
import type { DomainContext } from "./domains/context.ts";
import { ConvexMemoryStorage } from "./domains/memory/memoryStorage.ts";
import { ConvexObservabilityStorage } from "./domains/observability/observabilityStorage.ts";
import { ConvexWorkflowsStorage } from "./domains/workflows/workflowsStorage.ts";
import { ConvexScoresStorage } from "./domains/scores/scoresStorage.ts";
import {
  type ConvexApi,
  type ConvexClientLike,
  ConvexTransport,
  createHttpClient,
  DEFAULT_RETRY,
  isTransient,
  type RetryPolicy,
} from "./transport.ts";

/** Options of {@link ConvexStorage}. */
export type ConvexStorageOptions = {
  /** Deployment URL. Default: env `CONVEX_URL`. */
  convexUrl?: string;
  /**
   * Deploy key (Convex cloud) or admin key (self-hosted); our functions are
   * internal and need it. Default: env `CONVEX_ADMIN_KEY`, then
   * `CONVEX_DEPLOY_KEY`, then `CONVEX_SELF_HOSTED_ADMIN_KEY`.
   */
  adminKey?: string;
  /**
   * Where our Convex modules live. Default: references by path
   * (`threads:get`), i.e. modules at the root of your `convex/` folder.
   * Modules mounted in `convex/mastra/`: pass `internal.mastra`.
   */
  api?: ConvexApi;
  /**
   * A ready client (anything with `query`/`mutation`/`action` like
   * `ConvexHttpClient`), for tests and custom transports. When given,
   * `convexUrl` and `adminKey` are not used.
   */
  client?: ConvexClientLike;
  /** Storage id (default `"convex-storage"`). */
  id?: string;
  /** Retries of transient failures (default: 4 attempts from 100 ms). */
  retry?: RetryPolicy;
  /** Per-request timeout of the HTTP client in milliseconds (default 60,000). */
  timeoutMs?: number;
  /** Clock in epoch milliseconds (default `Date.now`); injectable for tests. */
  now?: () => number;
};

const KEY_ENV_VARS = ["CONVEX_ADMIN_KEY", "CONVEX_DEPLOY_KEY", "CONVEX_SELF_HOSTED_ADMIN_KEY"] as const;

function readEnv(name: string): string | undefined {
  try {
    // deno-lint-ignore no-explicit-any
    const g = globalThis as any;
    const value = g.Deno?.env?.get?.(name) ?? g.process?.env?.[name];
    return value === "" ? undefined : value;
  } catch {
    return undefined; // no env permission: behave as unset
  }
}

function configError(id: string, text: string): MastraError {
  return new MastraError({
    id: `CONVEX_STORAGE_${id}` as Uppercase<string>,
    domain: ErrorDomain.STORAGE,
    category: ErrorCategory.USER,
    text,
  });
}

/** Reason why `init()` refused a deployment, as a user-facing message. */
function deploymentMessage(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return `the Mastra functions were not found on this Convex deployment (${message}). ` +
    `Deploy the convex/ modules of ${PACKAGE_NAME}: spread \`mastraTables\` into your convex/schema.ts, ` +
    `copy or re-export our convex/ modules into your convex/ folder, and run \`npx convex deploy\` ` +
    `(or \`npx convex dev\`). If you mounted them in a subfolder, pass \`api: internal.<folder>\`.`;
}

/** Tells apart a missing deployment, a rejected key and an unreachable server. */
function initFailure(error: unknown): MastraError {
  const message = error instanceof Error
    ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`
    : "";
  if (/BadAdminKey|BadDeployKey|Unauthenticated|invalid (admin|deploy) key|HTTP 40[13]/i.test(message)) {
    return configError(
      "BAD_ADMIN_KEY",
      `ConvexStorage.init failed: the deployment rejected the admin/deploy key (${message.trim()}). ` +
        `Check \`adminKey\` or ${KEY_ENV_VARS.join(", ")}: use a deploy key of this deployment (Convex cloud) ` +
        "or the admin key printed by generate_admin_key.sh (self-hosted).",
    );
  }
  if (isTransient(error) || /TransientError/.test(message)) {
    return configError(
      "UNREACHABLE",
      `ConvexStorage.init failed: the Convex deployment could not be reached (${message.trim()}). ` +
        "Check `convexUrl` / CONVEX_URL and that the deployment is running.",
    );
  }
  return configError("NOT_DEPLOYED", `ConvexStorage.init failed: ${deploymentMessage(error)}`);
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

  constructor(options: ConvexStorageOptions = {}) {
    super({ id: options.id ?? "convex-storage", name: "ConvexStorage" });
    let client = options.client;
    if (!client) {
      const url = options.convexUrl ?? readEnv("CONVEX_URL");
      if (!url) {
        throw configError(
          "MISSING_URL",
          "ConvexStorage needs a deployment URL: pass `convexUrl` or set the CONVEX_URL environment variable.",
        );
      }
      const adminKey = options.adminKey ?? KEY_ENV_VARS.map(readEnv).find((value) => value !== undefined);
      if (!adminKey) {
        throw configError(
          "MISSING_ADMIN_KEY",
          "ConvexStorage needs an admin or deploy key because its Convex functions are internal: pass `adminKey` " +
            `or set ${KEY_ENV_VARS.join(", ")} (deploy key for Convex cloud, admin key for self-hosted).`,
        );
      }
      client = createHttpClient(url, adminKey, { timeoutMs: options.timeoutMs });
    }
    this.transport = new ConvexTransport(client, options.api, options.retry ?? DEFAULT_RETRY);
    this.#ctx = { transport: this.transport, now: options.now ?? Date.now };
    this.stores = {
      memory: new ConvexMemoryStorage(this.#ctx),
      workflows: new ConvexWorkflowsStorage(this.#ctx),
      scores: new ConvexScoresStorage(this.#ctx),
      observability: new ConvexObservabilityStorage(this.#ctx),
    };
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
  }

  async #checkDeployment(): Promise<void> {
    let info: { name?: string; version?: string };
    try {
      info = await this.transport.query("system:info", {}, { operation: "init" });
    } catch (error) {
      throw initFailure(error);
    }
    const expectedMajor = FUNCTIONS_VERSION.split(".")[0];
    const actualMajor = typeof info?.version === "string" ? info.version.split(".")[0] : undefined;
    if (info?.name !== PACKAGE_NAME || actualMajor !== expectedMajor) {
      throw configError(
        "INCOMPATIBLE_FUNCTIONS",
        `ConvexStorage.init failed: the deployment runs ${info?.name ?? "unknown"} functions version ` +
          `${
            info?.version ?? "unknown"
          }, but this client needs ${PACKAGE_NAME} functions version ${FUNCTIONS_VERSION} ` +
          `(major ${expectedMajor}). Deploy the convex/ modules of this package version with \`npx convex deploy\`.`,
      );
    }
  }
}
