/**
 * The one place that talks to Convex.
 *
 * - Calls the functions of our component (`memory/threads:get` inside the
 *   component mounted as `mastra`) with the real `ConvexHttpClient` and admin
 *   auth (deploy key or self-hosted admin key): from outside the deployment,
 *   component functions are reachable only that way.
 * - Retries transient failures (connection errors, 5xx, 429, timeouts) with
 *   exponential backoff, only for calls that are safe to repeat.
 * - Turns every failure into a `MastraError` naming the operation and ids.
 */
import { ConvexHttpClient } from "convex/browser";
import { type CallContext, storageError } from "./kit/errors.ts";

/**
 * Per-call options the transport passes to the client. `idempotent: false`
 * asks the client not to let anything below it re-send the request (see
 * {@link createHttpClient}); clients that never re-send may ignore it.
 */
export type ClientCallOptions = { idempotent?: boolean };

/**
 * Anything that runs the functions of our Convex component the way the HTTP
 * API's `/api/function` does. Paths are relative to the component
 * (`memory/threads:get`); the client knows which mounted component it calls.
 */
export interface ConvexClientLike {
  /** Runs a query of the component. */
  query(path: FunctionPath, args: Record<string, unknown>): Promise<unknown>;
  /** Runs a mutation of the component. */
  mutation(path: FunctionPath, args: Record<string, unknown>, options?: ClientCallOptions): Promise<unknown>;
  /** Runs an action of the component. */
  action(path: FunctionPath, args: Record<string, unknown>, options?: ClientCallOptions): Promise<unknown>;
  /**
   * Paths of the components mounted on the deployment (`""` is the app),
   * when the client can tell; `init()` uses it to explain a wrong name.
   */
  listComponents?(): Promise<string[]>;
}

/** Name under which `app.use(mastra)` mounts our component unless given `{ name }`. */
export const DEFAULT_COMPONENT = "mastra";

/** How transient failures are retried. */
export type RetryPolicy = {
  /** Total attempts, including the first (default 4). */
  attempts: number;
  /** Delay before the first retry, doubled each time, with jitter (default 100 ms). */
  baseDelayMs: number;
};

/** Default retry policy. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 100 };

/** A failure worth retrying: the request may not have reached Convex, or Convex was briefly unavailable. */
export class TransientError extends Error {
  /** Creates the error; `options.cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TransientError";
  }
}

const TRANSIENT_MESSAGE =
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|socket hang up|fetch failed|network error|connection (reset|closed|refused)|timed? ?out/i;

/** True when `error` is a transient transport failure. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if ((error as { data?: unknown })?.data !== undefined) return false; // a deliberate ConvexError
  const message = error instanceof Error
    ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}`
    : "";
  return TRANSIENT_MESSAGE.test(message);
}

/**
 * A `fetch` for `ConvexHttpClient` that bounds each request by `timeoutMs`
 * and marks failures that are safe to retry as {@link TransientError}.
 */
export function classifyingFetch(timeoutMs: number, baseFetch: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await baseFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new TransientError(`request to Convex failed: ${error instanceof Error ? error.message : error}`, {
        cause: error,
      });
    }
    // Read the whole body here: a connection cut after the headers fails while
    // reading it, and that is as transient as a failure before the headers
    // (ConvexHttpClient would otherwise surface it as an unclassified error).
    let body: string;
    try {
      body = await response.text();
    } catch (error) {
      throw new TransientError(
        `reading Convex's answer failed (HTTP ${response.status}): ${error instanceof Error ? error.message : error}`,
        { cause: error },
      );
    }
    // 560 is Convex's "function failed" status, answered with a JSON body.
    if ((response.status >= 500 && response.status !== 560) || response.status === 429) {
      throw new TransientError(`Convex answered HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ""}`);
    }
    return rebuilt(response, body);
  };
}

/** A copy of `response` with an already read `body`. */
function rebuilt(response: Response, body: string | ArrayBuffer): Response {
  const nullBody = [101, 103, 204, 205, 304].includes(response.status);
  return new Response(nullBody ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Options of {@link createHttpClient}. */
export type HttpClientOptions = {
  /** Name of the mounted component (default `"mastra"`). */
  component?: string;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Underlying fetch (default: global fetch). */
  fetch?: typeof fetch;
};

/**
 * A `fetch` that sends each request on a connection of its own, or `baseFetch`
 * itself where that is not needed.
 *
 * Deno's `fetch` silently re-sends a request once when a reused keep-alive
 * connection closes before the answer arrives, even a POST, even when the
 * server had already run it. That is harmless for calls that are safe to
 * repeat but would run a non-idempotent mutation twice; a connection that
 * was never used before is not re-sent. (Node's fetch does not re-send POSTs.)
 */
export function freshConnectionFetch(baseFetch: typeof fetch = fetch): typeof fetch {
  const deno = (globalThis as {
    Deno?: { createHttpClient?(options: { poolMaxIdlePerHost: number }): { close(): void } };
  }).Deno;
  if (typeof deno?.createHttpClient !== "function") return baseFetch;
  const createHttpClient = deno.createHttpClient.bind(deno);
  return async (input, init) => {
    const client = createHttpClient({ poolMaxIdlePerHost: 0 });
    try {
      const response = await baseFetch(input, { ...init, client } as unknown as RequestInit);
      // Read the answer before the client (and its connection) is closed.
      return rebuilt(response, await response.arrayBuffer());
    } finally {
      client.close();
    }
  };
}

/** `ConvexHttpClient` methods that exist at runtime but are missing from convex's published types. */
type AdminHttpClient = {
  setAdminAuth(key: string): void;
  function(path: string, componentPath: string | undefined, args: Record<string, unknown>): Promise<unknown>;
};

/** Convex's system query that lists the mounted components (what `npx convex run --component` consults). */
export const LIST_COMPONENTS = "_system/frontend/components:list";

/**
 * The real Convex HTTP client, authenticated with an admin or deploy key,
 * calling the functions of one mounted component through the HTTP API's
 * `/api/function` (the route `npx convex run --component` uses). Calls
 * marked `idempotent: false` go through {@link freshConnectionFetch} so that
 * nothing below us repeats them; all others share pooled connections.
 */
export function createHttpClient(url: string, adminKey: string, options: HttpClientOptions = {}): ConvexClientLike {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const component = options.component ?? DEFAULT_COMPONENT;
  const make = (baseFetch: typeof fetch | undefined): AdminHttpClient => {
    const client = new ConvexHttpClient(url, { logger: false, fetch: classifyingFetch(timeoutMs, baseFetch) });
    const admin = client as unknown as AdminHttpClient;
    admin.setAdminAuth(adminKey);
    return admin;
  };
  const pooled = make(options.fetch);
  let once: AdminHttpClient | undefined;
  const pick = (callOptions?: ClientCallOptions) =>
    callOptions?.idempotent === false ? (once ??= make(freshConnectionFetch(options.fetch))) : pooled;
  return {
    query: (path, args) => pooled.function(path, component, args),
    mutation: (path, args, callOptions) => pick(callOptions).function(path, component, args),
    action: (path, args, callOptions) => pick(callOptions).function(path, component, args),
    listComponents: async () => {
      const rows = await pooled.function(LIST_COMPONENTS, undefined, {}) as { path?: unknown }[];
      return rows.map((row) => String(row.path ?? ""));
    },
  };
}

/** A path to one of our functions: `module:function`. */
export type FunctionPath = `${string}:${string}`;

/** Options of one call. */
export type CallOptions = CallContext & {
  /** Safe to repeat after an unknown outcome (default: true for queries, false for mutations). */
  idempotent?: boolean;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls the functions of our Convex component with retries and error wrapping. */
export class ConvexTransport {
  readonly #client: ConvexClientLike;
  readonly #retry: RetryPolicy;

  /** Calls through `client` (bound to one mounted component), retrying per `retry`. */
  constructor(client: ConvexClientLike, retry: RetryPolicy = DEFAULT_RETRY) {
    this.#client = client;
    this.#retry = retry;
  }

  /** The client calls go through. */
  get client(): ConvexClientLike {
    return this.#client;
  }

  /** Runs a query (always retried on transient failures). */
  query<T>(path: FunctionPath, args: Record<string, unknown>, options: CallOptions): Promise<T> {
    return this.#call(options, true, false, args, () => this.#client.query(path, args)) as Promise<T>;
  }

  /** Runs a mutation (retried only when `idempotent`). */
  mutation<T>(path: FunctionPath, args: Record<string, unknown>, options: CallOptions): Promise<T> {
    return this.#write("mutation", path, args, options) as Promise<T>;
  }

  /** Runs an action (retried only when `idempotent`). */
  action<T>(path: FunctionPath, args: Record<string, unknown>, options: CallOptions): Promise<T> {
    return this.#write("action", path, args, options) as Promise<T>;
  }

  #write(kind: "mutation" | "action", path: FunctionPath, args: Record<string, unknown>, options: CallOptions) {
    const idempotent = options.idempotent ?? false;
    return this.#call(options, idempotent, true, args, () => this.#client[kind](path, args, { idempotent }));
  }

  async #call(
    context: CallContext,
    retryable: boolean,
    write: boolean,
    args: Record<string, unknown>,
    run: () => Promise<unknown>,
  ): Promise<unknown> {
    for (let attempt = 1;; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (retryable && attempt < this.#retry.attempts && isTransient(error)) {
          const delay = this.#retry.baseDelayMs * 2 ** (attempt - 1);
          await sleep(delay / 2 + Math.random() * delay / 2);
          continue;
        }
        if (write && isTransient(error)) throw outcomeUnknown(context, args, error, retryable ? attempt : undefined);
        throw storageError(context, error);
      }
    }
  }
}

/**
 * The error of a write whose last answer was lost: it may have been applied
 * (by this attempt or an earlier one whose answer was lost too). Names the
 * operation, its ids and the write's operation id when it has one, and says
 * whether it was retried; `details.outcome` is `"unknown"`.
 */
function outcomeUnknown(
  context: CallContext,
  args: Record<string, unknown>,
  error: unknown,
  attempts: number | undefined,
) {
  const opId = typeof args.opId === "string" ? args.opId : undefined;
  const how = attempts === undefined
    ? "it was not retried, since repeating it is not safe"
    : `it was sent ${attempts} time${attempts === 1 ? "" : "s"}${opId ? ` with operation id ${opId}` : ""} ` +
      "and every answer was lost; repeating the same call is safe";
  return storageError(
    { operation: context.operation, details: { ...context.details, ...(opId ? { opId } : {}), outcome: "unknown" } },
    new TransientError(
      `${error instanceof Error ? error.message : String(error)}; the outcome is unknown: ` +
        `the change may have been applied before the answer was lost (${how})`,
      { cause: error },
    ),
  );
}
