/**
 * How a client of the component finds its deployment: the connection
 * options `ConvexStorage`, `ConvexVector` and `ConvexServerCache` share, and
 * the one place that turns them (or the environment) into a client.
 */
import { ErrorCategory, type ErrorDomain, MastraError } from "@mastra/core/error";
import {
  type ConvexClientLike,
  createHttpClient,
  DEFAULT_COMPONENT,
  DEFAULT_RETRY,
  type RetryPolicy,
} from "../transport.ts";

/** The connection options every entry point takes. */
export type ConnectionOptions = {
  /** Deployment URL. Default: env `CONVEX_URL`. */
  convexUrl?: string;
  /**
   * Deploy key (Convex cloud) or admin key (self-hosted); our functions are
   * internal and need it. Default: env `CONVEX_ADMIN_KEY`, then
   * `CONVEX_DEPLOY_KEY`, then `CONVEX_SELF_HOSTED_ADMIN_KEY`.
   */
  adminKey?: string;
  /**
   * Name of our component in your app: `"mastra"` for `app.use(mastra)`, or
   * the `name` you gave in `app.use(mastra, { name })`. Default `"mastra"`.
   */
  component?: string;
  /**
   * A ready client bound to the component (anything with
   * `query`/`mutation`/`action` taking component-relative paths), for tests
   * and custom transports. When given, `convexUrl`, `adminKey` and
   * `component` are not used.
   */
  client?: ConvexClientLike;
  /** Retries of transient failures (default: 4 attempts from 100 ms). */
  retry?: RetryPolicy;
  /** Per-request timeout of the HTTP client in milliseconds (default 60,000). */
  timeoutMs?: number;
};

/** Environment variables read, in this order, when no `adminKey` is given. */
export const ADMIN_KEY_ENV_VARS: readonly string[] = [
  "CONVEX_ADMIN_KEY",
  "CONVEX_DEPLOY_KEY",
  "CONVEX_SELF_HOSTED_ADMIN_KEY",
];

/** An environment variable on Deno or Node; empty or unreadable (no permission) reads as unset. */
export function readEnv(name: string): string | undefined {
  try {
    // deno-lint-ignore no-explicit-any
    const g = globalThis as any;
    const value = g.Deno?.env?.get?.(name) ?? g.process?.env?.[name];
    return value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

/** Who connects, for errors: the class name and the prefix and domain of its error ids. */
export type Connector = { name: string; errorPrefix: string; domain: ErrorDomain };

/** A `MastraError` of category USER about the configuration of `who`. */
export function configError(who: Connector, id: string, text: string): MastraError {
  return new MastraError({
    id: `${who.errorPrefix}_${id}` as Uppercase<string>,
    domain: who.domain,
    category: ErrorCategory.USER,
    text,
  });
}

/** What {@link resolveConnection} found. `url` and `adminKey` are set when it built the client itself. */
export type ResolvedConnection = {
  client: ConvexClientLike;
  component: string;
  retry: RetryPolicy;
  url?: string;
  adminKey?: string;
};

/**
 * The client `options` ask for: the given one, or an HTTP client on the URL
 * and key from the options or the environment. Fails with a `MastraError`
 * that names what to set when the URL or the key is missing.
 */
export function resolveConnection(options: ConnectionOptions, who: Connector): ResolvedConnection {
  const component = options.component ?? DEFAULT_COMPONENT;
  const retry = options.retry ?? DEFAULT_RETRY;
  if (options.client) return { client: options.client, component, retry };
  const url = options.convexUrl ?? readEnv("CONVEX_URL");
  if (!url) {
    throw configError(
      who,
      "MISSING_URL",
      `${who.name} needs a deployment URL: pass \`convexUrl\` or set the CONVEX_URL environment variable.`,
    );
  }
  const adminKey = options.adminKey ?? ADMIN_KEY_ENV_VARS.map(readEnv).find((value) => value !== undefined);
  if (!adminKey) {
    throw configError(
      who,
      "MISSING_ADMIN_KEY",
      `${who.name} needs an admin or deploy key because its Convex functions are internal: pass \`adminKey\` ` +
        `or set ${ADMIN_KEY_ENV_VARS.join(", ")} (deploy key for Convex cloud, admin key for self-hosted).`,
    );
  }
  const client = createHttpClient(url, adminKey, { component, timeoutMs: options.timeoutMs });
  return { client, component, retry, url, adminKey };
}
