/**
 * A test-only HTTP server that speaks Convex's HTTP API over the in-process
 * `convex-test` backend, so the real `ConvexHttpClient`, the admin header and
 * our retry logic are exercised end to end (DESIGN §6).
 *
 * - The backend is an app that mounts our component as `mastra` (as
 *   `app.use(mastra)` does), optionally with app functions of its own.
 * - `POST /api/query`, `/api/mutation`, `/api/action` with
 *   `{ path, args: [encodedArgs], format: "convex_encoded_json" }` run the
 *   **app's** functions (never a component's), answered with
 *   `{ status: "success", value, logLines }` (HTTP 200) or, when the
 *   function fails, `{ status: "error", errorMessage, errorData?, logLines }`
 *   (HTTP 560), as the real backend does. Without a key only public app
 *   functions exist ("Could not find public function for ...").
 * - `POST /api/function` with `{ componentPath, path, args, format }` (what
 *   `ConvexHttpClient.function` and `npx convex run --component` send) runs a
 *   function of a mounted component, public or internal, and requires
 *   `Authorization: Convex <adminKey>`: component functions are never
 *   reachable from the internet. Without `componentPath` it runs an app
 *   function, or Convex's system query `_system/frontend/components:list`.
 * - `Authorization: Bearer <token>` with a token of `sync.userToken()` runs
 *   app functions as that user (`ctx.auth`), as `ConvexHttpClient.setAuth`.
 * - A wrong admin key is refused with HTTP 403 `BadAdminKey`.
 * - Fault injection: dropped connections before handling, answers lost after
 *   the call committed (connection dropped, or the body cut short), 5xx
 *   answers and slow answers, chosen per request by a seeded policy or forced
 *   for the next requests, with counters of what was injected.
 *
 * - `GET /api/<version>/sync` with `Upgrade: websocket` speaks Convex's
 *   WebSocket sync protocol (`syncServer.ts`), so the real `ConvexClient`
 *   and `ConvexReactClient` subscribe, mutate and reconnect against the same
 *   backend; a mutation or action through the HTTP API is a commit that the
 *   sockets' subscriptions see.
 *
 * It is written on plain TCP (`Deno.listen`) rather than `Deno.serve`,
 * because only a raw socket can drop a connection without answering. It
 * listens on 127.0.0.1 only.
 */
import { makeFunctionReference } from "convex/server";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import { type Backend, COMPONENT, componentHandle, createBackend, emptyAppModules } from "./backend.ts";
import { componentModules } from "../../src/testing/modules.ts";
import { type CallOutcome, createSyncServer, type Invoke, type SessionAuth, type SyncServer } from "./syncServer.ts";

export type { Backend };

/** Kinds of injected faults. */
export type FaultKind =
  /** Close the connection without answering, before the function runs. */
  | "drop"
  /** Run the function (a mutation commits), then close the connection without answering. */
  | "dropAfterCommit"
  /** Run the function, then send the headers and half the body, and close the connection. */
  | "truncateAfterCommit"
  /** Answer HTTP 500, 502 or 503 without running the function. */
  | "error5xx"
  /** Wait `delayMs`, then handle the request normally. */
  | "delay";

/** Every fault kind. */
export const FAULT_KINDS: readonly FaultKind[] = [
  "drop",
  "dropAfterCommit",
  "truncateAfterCommit",
  "error5xx",
  "delay",
];

/** When to inject faults. */
export type FaultPolicy = {
  /** Probability that one API request gets a fault (0..1). */
  rate: number;
  /** Seed of the deterministic random sequence that picks requests and kinds. */
  seed: number;
  /** Kinds to choose from, uniformly (default: all of {@link FAULT_KINDS}). */
  kinds?: readonly FaultKind[];
  /** Wait of a `delay` fault in milliseconds (default 20). */
  delayMs?: number;
  /** Only requests for which this returns true may get a fault (default: all API requests). */
  applies?: (request: { endpoint: Endpoint; path: string }) => boolean;
};

/** The three function endpoints. */
export type Endpoint = "query" | "mutation" | "action";

/** What the server did, for assertions and reports. */
export type ServerStats = {
  /** HTTP requests received (any path). */
  requests: number;
  /** Requests to `/api/query|mutation|action|function`. */
  apiRequests: number;
  /** Requests to `/api/function` (component and system calls). */
  functionRequests: number;
  /** API requests per endpoint. */
  byEndpoint: Record<Endpoint, number>;
  /** Function executions that finished (successfully or with a function error). */
  executed: number;
  /** Executions that ended in a function error (HTTP 560 from the function itself). */
  functionErrors: number;
  /** Requests refused for missing or wrong credentials. */
  refused: number;
  /** Faults injected, by kind. */
  injected: Record<FaultKind, number>;
};

/** Options of {@link startConvexHttpServer}. */
export type HttpServerOptions = {
  /** Backend to run calls on (default: a fresh {@link createBackend}). */
  backend?: Backend;
  /**
   * The app's module map the backend was built from (default: an app with
   * no functions of its own), used to resolve `/api/query|mutation|action`
   * paths and check their visibility.
   */
  modules?: Record<string, () => Promise<unknown>>;
  /** Module maps of the mounted components, by name (default: ours as `mastra`). */
  components?: Record<string, Record<string, () => Promise<unknown>>>;
  /** The admin key the server accepts (default: a random self-hosted style key). */
  adminKey?: string;
  /** Fault injection (default: none). */
  faults?: FaultPolicy;
};

/** A running test server. */
export interface ConvexHttpServer extends AsyncDisposable {
  /** Deployment URL to give `ConvexHttpClient` / `ConvexStorage` (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The admin key it accepts. */
  readonly adminKey: string;
  /** The backend calls run on (inspect state with `backend.run`). */
  readonly backend: Backend;
  /** Live counters. */
  readonly stats: ServerStats;
  /**
   * The WebSocket sync endpoint (`ws://…/api/<version>/sync`) that Convex's
   * reactive clients connect to: wait for it with `sync.idle()`, record
   * writes made straight on `backend` with `sync.commit()`, mint user tokens
   * with `sync.userToken()` (see `syncServer.ts`).
   */
  readonly sync: SyncServer;
  /** HTTP API requests being handled right now. */
  readonly handling: number;
  /**
   * Resolves once nothing has happened for `quietMs` (default 40): no HTTP
   * request in flight, every sync session idle, no new request or commit
   * meanwhile. For tests whose clients react to pushes with more calls (e.g.
   * a watch that reads through the domain after each new result).
   */
  quiet(quietMs?: number): Promise<void>;
  /** Cuts every sync socket's TCP connection without a close frame; clients reconnect by themselves. */
  dropSyncConnections(): void;
  /** Replaces the fault policy (`undefined`: no random faults). Restarts its random sequence. */
  setFaults(policy: FaultPolicy | undefined): void;
  /** Forces the next API requests to get these faults, in order, before the policy applies. */
  injectNext(...kinds: FaultKind[]): void;
  /** Sets every counter back to zero. */
  resetStats(): void;
  /** Stops listening, closes open connections and waits for running calls to finish. */
  close(): Promise<void>;
}

/** A small, fast, seeded PRNG (mulberry32) returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function emptyStats(): ServerStats {
  return {
    requests: 0,
    apiRequests: 0,
    functionRequests: 0,
    byEndpoint: { query: 0, mutation: 0, action: 0 },
    executed: 0,
    functionErrors: 0,
    refused: 0,
    injected: { drop: 0, dropAfterCommit: 0, truncateAfterCommit: 0, error5xx: 0, delay: 0 },
  };
}

type Request = { method: string; target: string; headers: Map<string, string>; body: Uint8Array };
type Answer = { status: number; contentType: string; body: string };

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  411: "Length Required",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  560: "Function Failed",
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HEAD_END = encoder.encode("\r\n\r\n");
const MAX_HEAD = 64 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Reads HTTP/1.1 requests off one connection; `null` when the peer closed it. */
class RequestReader {
  #buffer: Uint8Array = new Uint8Array(0);
  readonly #conn: Deno.Conn;
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(64 * 1024);
    const n = await this.#conn.read(chunk);
    if (n === null) return false;
    this.#buffer = concat(this.#buffer, chunk.subarray(0, n));
    return true;
  }

  /** Bytes read past the last request (none for HTTP/1.1 clients that wait for an answer). */
  rest(): Uint8Array {
    return this.#buffer;
  }

  async next(): Promise<Request | null> {
    let end: number;
    while ((end = indexOf(this.#buffer, HEAD_END)) < 0) {
      if (this.#buffer.length > MAX_HEAD) throw new Error("request head too large");
      if (!(await this.#fill())) return null;
    }
    const [requestLine, ...lines] = decoder.decode(this.#buffer.subarray(0, end)).split("\r\n");
    const [method, target] = requestLine.split(" ");
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    this.#buffer = this.#buffer.subarray(end + HEAD_END.length);
    if (headers.get("transfer-encoding")?.toLowerCase().includes("chunked")) {
      throw new Error("chunked request bodies are not supported by the test server");
    }
    const length = Number(headers.get("content-length") ?? "0");
    while (this.#buffer.length < length) {
      if (!(await this.#fill())) return null;
    }
    const body = this.#buffer.slice(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return { method, target, headers, body };
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

function serialize(answer: Answer): { head: Uint8Array; body: Uint8Array } {
  const body = encoder.encode(answer.body);
  const head = encoder.encode(
    `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? "Unknown"}\r\n` +
      `Content-Type: ${answer.contentType}\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`,
  );
  return { head, body };
}

const json = (status: number, value: unknown): Answer => ({
  status,
  contentType: "application/json",
  body: JSON.stringify(value),
});

/** The answer of a failed function call, shaped like the real backend's. */
function functionError(errorMessage: string, errorData?: Value): Answer {
  return json(560, {
    status: "error",
    errorMessage,
    ...(errorData !== undefined ? { errorData: convexToJson(errorData) } : {}),
    logLines: [],
  });
}

const notFound = (path: string, admin: boolean) =>
  functionError(
    `Could not find ${admin ? "" : "public "}function for '${path}'. ` +
      "Did you forget to run `npx convex dev` or `npx convex deploy`?",
  );

type RegisteredFunction = {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  isInternal?: boolean;
};

const KIND_NAMES: Record<Endpoint, string> = { query: "Query", mutation: "Mutation", action: "Action" };

function kindOf(fn: RegisteredFunction): Endpoint | undefined {
  if (fn.isQuery) return "query";
  if (fn.isMutation) return "mutation";
  if (fn.isAction) return "action";
  return undefined;
}

/**
 * Starts a Convex-speaking HTTP server on 127.0.0.1 over a convex-test
 * backend. Close it with `close()` (or `await using`).
 *
 * ```ts
 * await using server = await startConvexHttpServer();
 * const storage = new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey });
 * ```
 */
export function startConvexHttpServer(options: HttpServerOptions = {}): Promise<ConvexHttpServer> {
  const modules = options.modules ?? emptyAppModules();
  const components = options.components ?? { [COMPONENT]: componentModules };
  const backend = options.backend ?? createBackend(modules, undefined, Object.keys(components));
  const adminKey = options.adminKey ??
    `convex-self-hosted|${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("")}`;
  const rootOf = (map: Record<string, unknown>) => {
    const marker = Object.keys(map).find((key) => key.includes("_generated"));
    return marker ? marker.slice(0, marker.indexOf("_generated")) : "/convex/";
  };

  let stats = emptyStats();
  let policy: FaultPolicy | undefined;
  let random = () => 1;
  const forced: FaultKind[] = [];
  const setFaults = (next: FaultPolicy | undefined) => {
    policy = next;
    random = next ? seededRandom(next.seed) : () => 1;
  };
  setFaults(options.faults);

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const conns = new Set<Deno.Conn>();
  const running = new Set<Promise<unknown>>();
  let closing = false;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    running.add(promise);
    promise.finally(() => running.delete(promise)).catch(() => {});
    return promise;
  };

  async function resolveFunction(
    map: Record<string, () => Promise<unknown>>,
    path: string,
  ): Promise<RegisteredFunction | undefined> {
    const colon = path.lastIndexOf(":");
    const modulePath = (colon < 0 ? path : path.slice(0, colon)).replace(/\.(js|ts)$/, "");
    const exportName = colon < 0 ? "default" : path.slice(colon + 1);
    const root = rootOf(map);
    const load = map[`${root}${modulePath}.ts`] ?? map[`${root}${modulePath}.js`];
    if (!load) return undefined;
    const module = (await load()) as Record<string, unknown>;
    const fn = module[exportName] as RegisteredFunction | undefined;
    return fn && kindOf(fn) ? fn : undefined;
  }

  function chooseFault(endpoint: Endpoint, path: string): FaultKind | undefined {
    if (forced.length > 0) return forced.shift();
    if (!policy || (policy.applies && !policy.applies({ endpoint, path }))) return undefined;
    const kinds = policy.kinds ?? FAULT_KINDS;
    if (random() >= policy.rate || kinds.length === 0) return undefined;
    return kinds[Math.floor(random() * kinds.length)];
  }

  /** Checks the credentials of a request: `true` for a valid admin key, an answer for a wrong one. */
  function credentials(request: Request): boolean | Answer {
    const authorization = request.headers.get("authorization");
    if (!authorization?.startsWith("Convex ")) return false;
    const key = authorization.slice("Convex ".length);
    if (key !== adminKey && !key.startsWith(`${adminKey}:`)) {
      stats.refused++;
      return json(403, { code: "BadAdminKey", message: "The provided admin key was invalid for this instance" });
    }
    return true;
  }

  /**
   * Runs one API call of `route` (`query`/`mutation`/`action` for app
   * functions, `function` for component and system calls); the answer, or
   * "drop" / "truncate" when the connection must be cut.
   */
  async function handleApi(
    route: Endpoint | "function",
    request: Request,
  ): Promise<Answer | "drop" | "truncate"> {
    let payload: { path?: unknown; args?: unknown; format?: unknown; componentPath?: unknown };
    try {
      payload = JSON.parse(decoder.decode(request.body));
    } catch (error) {
      return json(400, { code: "BadJsonBody", message: `Failed to parse JSON body: ${error}` });
    }
    if (typeof payload?.path !== "string") {
      return json(400, { code: "BadJsonBody", message: "missing field `path`" });
    }
    if (payload.format !== undefined && payload.format !== "convex_encoded_json" && payload.format !== "json") {
      return json(400, { code: "BadConvexFormat", message: `Unsupported format ${String(payload.format)}` });
    }
    const path = payload.path;
    const componentPath = route === "function" && typeof payload.componentPath === "string" &&
        payload.componentPath !== ""
      ? payload.componentPath
      : undefined;

    const checked = credentials(request);
    if (typeof checked !== "boolean") return checked;
    const admin = checked;
    let auth: SessionAuth = admin ? { kind: "admin" } : { kind: "none" };
    const bearer = request.headers.get("authorization");
    if (!admin && bearer?.startsWith("Bearer ")) {
      try {
        auth = { kind: "user", identity: await sync.verifyToken(bearer.slice("Bearer ".length)) };
      } catch (error) {
        stats.refused++;
        return json(401, { code: "InvalidAuthHeader", message: (error as Error).message });
      }
    }

    if (route === "function" && componentPath === undefined && path === "_system/frontend/components:list") {
      if (!admin) {
        stats.refused++;
        return notFound(path, false);
      }
      const value = [{ id: "root", path: "" }, ...Object.keys(components).map((name) => ({ id: name, path: name }))];
      return json(200, { status: "success", value, logLines: [] });
    }

    let fn: RegisteredFunction | undefined;
    if (componentPath !== undefined) {
      if (!admin) {
        // A component's functions are reachable only by its parent app and admin/deploy keys.
        stats.refused++;
        return json(401, {
          code: "Unauthenticated",
          message: `Calling a function of component '${componentPath}' requires an admin or deploy key`,
        });
      }
      const map = components[componentPath];
      if (!map) return functionError(`Component '${componentPath}' not found on this deployment`);
      fn = await resolveFunction(map, path);
    } else {
      fn = await resolveFunction(modules, path);
      if (fn && !admin && fn.isPublic !== true) {
        stats.refused++;
        return notFound(path, false);
      }
    }
    if (!fn) return notFound(path, admin);
    const kind = kindOf(fn)!;
    const endpoint = route === "function" ? kind : route;
    stats.byEndpoint[endpoint]++;

    const fault = chooseFault(endpoint, path);
    if (fault) stats.injected[fault]++;
    if (fault === "drop") return "drop";
    if (fault === "error5xx") {
      const status = [500, 502, 503][stats.injected.error5xx % 3];
      return { status, contentType: "text/plain", body: `injected fault: HTTP ${status}` };
    }
    if (fault === "delay") await sleep(policy?.delayMs ?? 20);

    const answer = await execute(endpoint, kind, path, componentPath, payload.args, auth);
    if (fault === "dropAfterCommit") return "drop";
    if (fault === "truncateAfterCommit") return "truncate";
    return answer;
  }

  /** Runs one call on the backend, as `auth` (a user's identity reaches `ctx.auth` of app functions). */
  async function call(
    kind: Endpoint,
    path: string,
    componentPath: string | undefined,
    args: Record<string, Value>,
    auth: SessionAuth = { kind: "admin" },
  ): Promise<CallOutcome> {
    try {
      // deno-lint-ignore no-explicit-any
      const ref: any = componentPath !== undefined
        ? componentHandle(path as `${string}:${string}`, componentPath)
        : makeFunctionReference(path);
      // deno-lint-ignore no-explicit-any
      const raw: any = auth.kind === "user" ? backend.raw.withIdentity(auth.identity) : backend.raw;
      const value = kind === "query"
        ? await raw.query(ref, args)
        : kind === "mutation"
        ? await raw.mutation(ref, args)
        : await raw.action(ref, args);
      stats.executed++;
      return { success: true, value: (value ?? null) as Value };
    } catch (error) {
      stats.executed++;
      stats.functionErrors++;
      const data = (error as { data?: Value })?.data;
      const message = error instanceof Error ? error.message : String(error);
      if (data !== undefined) return { success: false, errorMessage: message, errorData: data };
      const name = error instanceof Error ? error.name : "Error";
      return { success: false, errorMessage: `Uncaught ${name}: ${message}` };
    }
  }

  async function execute(
    endpoint: Endpoint,
    kind: Endpoint,
    path: string,
    componentPath: string | undefined,
    rawArgs: unknown,
    auth: SessionAuth,
  ): Promise<Answer> {
    if (kind !== endpoint) {
      return functionError(
        `Trying to execute ${path} as ${KIND_NAMES[endpoint]}, but it is defined as ${KIND_NAMES[kind]}.`,
      );
    }
    const encoded = Array.isArray(rawArgs) ? rawArgs[0] : rawArgs;
    let args: Record<string, Value>;
    try {
      args = jsonToConvex((encoded ?? {}) as never) as Record<string, Value>;
    } catch (error) {
      return functionError(`Uncaught Error: ${(error as Error).message}`);
    }
    const outcome = await call(kind, path, componentPath, args, auth);
    if (outcome.success && kind !== "query") void sync.commit();
    return outcome.success
      ? json(200, { status: "success", value: convexToJson(outcome.value), logLines: [] })
      : functionError(outcome.errorMessage, outcome.errorData);
  }

  /** A call arriving over a sync socket: visibility as for the HTTP API, then {@link call}. */
  const invoke: Invoke = async ({ kind, path, componentPath, args, auth }) => {
    const admin = auth.kind === "admin";
    let fn: RegisteredFunction | undefined;
    if (componentPath !== undefined) {
      if (!admin) {
        return {
          success: false,
          errorMessage: `Calling a function of component '${componentPath}' requires an admin or deploy key`,
        };
      }
      const map = components[componentPath];
      if (!map) return { success: false, errorMessage: `Component '${componentPath}' not found on this deployment` };
      fn = await resolveFunction(map, path);
    } else {
      fn = await resolveFunction(modules, path);
      if (fn && !admin && fn.isPublic !== true) fn = undefined;
    }
    if (!fn) {
      return {
        success: false,
        errorMessage: `Could not find ${admin ? "" : "public "}function for '${path}'. ` +
          "Did you forget to run `npx convex dev` or `npx convex deploy`?",
      };
    }
    const defined = kindOf(fn)!;
    if (defined !== kind) {
      return {
        success: false,
        errorMessage: `Trying to execute ${path} as ${KIND_NAMES[kind]}, but it is defined as ${KIND_NAMES[defined]}.`,
      };
    }
    return await call(kind, path, componentPath, args, auth);
  };
  const sync = createSyncServer(invoke, adminKey);
  // The sync endpoint runs on Deno.serve (for `Deno.upgradeWebSocket`) on a
  // second, internal port; upgrade requests to the public port are piped to it.
  const syncListener = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => sync.handle(request),
  );
  const syncPort = syncListener.addr.port;
  const upgraded = new Set<Deno.Conn>();
  let handling = 0;

  /** Pipes an upgrade request and the rest of its connection to the sync endpoint. */
  async function pipeToSync(conn: Deno.Conn, request: Request, rest: Uint8Array): Promise<void> {
    const inner = await Deno.connect({ hostname: "127.0.0.1", port: syncPort });
    let head = `${request.method} ${request.target} HTTP/1.1\r\n`;
    for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
    await writeAll(inner, concat(encoder.encode(head + "\r\n"), concat(request.body, rest)));
    upgraded.add(conn);
    const pump = async (from: Deno.Conn, to: Deno.Conn) => {
      const chunk = new Uint8Array(64 * 1024);
      try {
        for (;;) {
          const n = await from.read(chunk);
          if (n === null) break;
          await writeAll(to, chunk.subarray(0, n));
        }
      } catch {
        // one side went away
      }
      for (const side of [from, to]) {
        try {
          side.close();
        } catch {
          // already closed
        }
      }
    };
    await Promise.all([pump(conn, inner), pump(inner, conn)]);
    upgraded.delete(conn);
  }

  async function route(request: Request): Promise<Answer | "drop" | "truncate"> {
    stats.requests++;
    const url = new URL(request.target, "http://127.0.0.1");
    if (url.pathname === "/version") {
      return request.method === "GET"
        ? { status: 200, contentType: "text/plain", body: "unknown" }
        : json(405, { code: "MethodNotAllowed", message: "GET only" });
    }
    const match = /^\/api\/(query|mutation|action|function)$/.exec(url.pathname);
    if (!match) return json(404, { code: "NotFound", message: `No route for ${url.pathname}` });
    if (request.method !== "POST") return json(405, { code: "MethodNotAllowed", message: "POST only" });
    const route = match[1] as Endpoint | "function";
    stats.apiRequests++;
    if (route === "function") stats.functionRequests++;
    return await handleApi(route, request);
  }

  async function serveConnection(conn: Deno.Conn): Promise<void> {
    const reader = new RequestReader(conn);
    try {
      while (!closing) {
        const request = await reader.next();
        if (!request) break;
        if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
          stats.requests++;
          conns.delete(conn);
          return await pipeToSync(conn, request, reader.rest());
        }
        handling++;
        let answer: Answer | "drop" | "truncate";
        try {
          answer = await track(route(request));
        } finally {
          handling--;
        }
        if (answer === "drop") break;
        if (answer === "truncate") {
          const { head, body } = serialize(json(200, { status: "success", value: null, logLines: [] }));
          await writeAll(conn, concat(head, body.subarray(0, Math.floor(body.length / 2))));
          break;
        }
        const { head, body } = serialize(answer);
        await writeAll(conn, concat(head, body));
      }
    } catch {
      // The peer went away (e.g. it timed out); nothing to answer.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      if (closing) {
        conn.close();
        continue;
      }
      conns.add(conn);
      track(serveConnection(conn));
    }
  })();

  const { port } = listener.addr as Deno.NetAddr;
  const server: ConvexHttpServer = {
    url: `http://127.0.0.1:${port}`,
    adminKey,
    backend,
    get stats() {
      return stats;
    },
    sync,
    get handling() {
      return handling;
    },
    async quiet(quietMs = 40) {
      let last = "";
      for (;;) {
        await sync.idle();
        const now = `${stats.requests}/${handling}/${sync.stats.transitions}/${sync.stats.commits}`;
        if (now === last && handling === 0) return;
        last = now;
        await sleep(quietMs);
      }
    },
    dropSyncConnections() {
      for (const conn of upgraded) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    },
    setFaults,
    injectNext: (...kinds) => void forced.push(...kinds),
    resetStats: () => void (stats = emptyStats()),
    async close() {
      if (closing) return;
      closing = true;
      listener.close();
      await accepting;
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      await sync.close();
      for (const conn of upgraded) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
      while (running.size > 0) await Promise.allSettled([...running]);
      await syncListener.shutdown();
    },
    [Symbol.asyncDispose]() {
      return server.close();
    },
  };
  return Promise.resolve(server);
}
