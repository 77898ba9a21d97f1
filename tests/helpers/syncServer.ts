/**
 * Convex's WebSocket sync protocol over the in-process backend, for tests:
 * what lets the real `ConvexClient` (`convex/browser`), `ConvexReactClient`
 * (`convex/react`) and our `createReactiveClient` subscribe to queries, get
 * a new result after every commit, run mutations and actions, authenticate
 * and reconnect, against `convex-test`. A test tool, not a product: it is
 * reached through the test HTTP server (`httpServer.ts`), which hands it
 * every `GET /api/<version>/sync` upgrade request.
 *
 * What it speaks (convex 1.49's `browser/sync/protocol`):
 *
 * - client → server: `Connect`, `ModifyQuerySet` (`Add` / `Remove` with
 *   `baseVersion` / `newVersion`), `Authenticate` (`Admin` with the admin
 *   key; `User` with a JWT made by {@link SyncServer.userToken}; `None`),
 *   `Mutation`, `Action`, `Event` (ignored).
 * - server → client: `Transition` (`startVersion` / `endVersion` as
 *   `{ querySet, identity, ts }`, `ts` a u64 in little-endian base64;
 *   modifications `QueryUpdated` / `QueryFailed` / `QueryRemoved`),
 *   `MutationResponse` (with the commit `ts` on success), `ActionResponse`,
 *   `AuthError`, `FatalError` (protocol violations), `Ping`.
 *
 * Reactivity: after every commit (a mutation or action through the socket
 * or through the HTTP API, or {@link SyncServer.commit} for writes made
 * straight on the backend), the timestamp advances and every session re-runs
 * its queries, sending the results that changed — where real Convex re-runs
 * only the queries whose read set a commit touched; the client cannot tell
 * the difference. A session handles its messages one at a time, in order.
 *
 * Paginated queries (an argument `paginationOpts`) keep their page's range
 * across re-runs, as Convex does with the end cursor it records in the query
 * journal: the first result's `continueCursor` becomes the page's
 * `endCursor`, so the pages of `usePaginatedQuery` never overlap nor leave
 * gaps while rows come and go.
 *
 * Visibility follows Convex: a query or mutation of a component
 * (`componentPath` set) needs admin auth; without it only public app
 * functions exist. `ctx.auth` of app functions is the identity of the
 * session's `User` token.
 */
import type { UserIdentity } from "convex/server";
import { convexToJson, type JSONValue, type Value } from "convex/values";

/** The kind of a Convex function. */
export type FunctionKind = "query" | "mutation" | "action";

/** Outcome of one function call, in the shape the protocol sends. */
export type CallOutcome =
  | { success: true; value: Value }
  | { success: false; errorMessage: string; errorData?: Value };

/** Who a session's calls run as. */
export type SessionAuth = { kind: "none" } | { kind: "admin" } | { kind: "user"; identity: UserIdentity };

/** Runs one function call for a session (provided by the HTTP server, which resolves paths and visibility). */
export type Invoke = (call: {
  kind: FunctionKind;
  path: string;
  componentPath: string | undefined;
  args: Record<string, Value>;
  auth: SessionAuth;
}) => Promise<CallOutcome>;

/** Counters of what the sync server did. */
export type SyncStats = {
  /** WebSocket sessions opened so far. */
  sessions: number;
  /** Sessions open now. */
  open: number;
  /** Query executions (initial runs and re-runs after commits). */
  queryRuns: number;
  /** `Transition` messages sent. */
  transitions: number;
  /** Mutations run through sockets. */
  mutations: number;
  /** Actions run through sockets. */
  actions: number;
  /** Commits broadcast (from sockets, HTTP calls and {@link SyncServer.commit}). */
  commits: number;
};

/** The sync endpoint of a test server. */
export interface SyncServer {
  /** Accepts one upgrade request (`GET /api/<version>/sync`). */
  handle(request: Request): Response;
  /** Records a commit made outside the sockets: every session re-runs its queries. */
  commit(): Promise<void>;
  /** Resolves once every session has handled every message and commit so far. */
  idle(): Promise<void>;
  /** Closes every socket abruptly (code 1011), as a dropped connection: clients reconnect by themselves. */
  dropConnections(): void;
  /**
   * A signed JWT (HS256, one hour) for `setAuth`, carrying `claims`
   * (`sub` required; `iss` defaults to `https://test.invalid`). The server
   * accepts only tokens it signed: anything else gets an `AuthError`.
   */
  userToken(claims: { sub: string; iss?: string; [claim: string]: JSONValue | undefined }): Promise<string>;
  /** The identity of a token of {@link SyncServer.userToken}; throws for any other token. */
  verifyToken(token: string): Promise<UserIdentity>;
  /** Live counters. */
  readonly stats: SyncStats;
  /** Closes every socket and stops pinging. */
  close(): Promise<void>;
}

type Query = {
  udfPath: string;
  componentPath: string | undefined;
  args: Record<string, Value>;
  last?: string;
  /** The end of a paginated query's page, pinned by its first result (what Convex keeps in the query journal). */
  endCursor?: string;
};

/** `query`'s arguments, with the page end pinned for a paginated query that has a first result. */
function argsOf(query: Query): Record<string, Value> {
  const options = query.args.paginationOpts;
  if (query.endCursor === undefined || !options || typeof options !== "object" || Array.isArray(options)) {
    return query.args;
  }
  if ((options as Record<string, Value>).endCursor != null) return query.args;
  return { ...query.args, paginationOpts: { ...options as Record<string, Value>, endCursor: query.endCursor } };
}

/** The continue cursor of a page result, if `value` is one. */
function continueCursorOf(value: Value): string | undefined {
  const cursor = value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, Value>).continueCursor
    : undefined;
  return typeof cursor === "string" ? cursor : undefined;
}
type Version = { querySet: number; identity: number; ts: number };

const encoder = new TextEncoder();
const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");

/** A timestamp as the protocol sends it: a u64, little-endian, in base64. */
export function encodeTs(ts: number): string {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(ts), true);
  return btoa(String.fromCharCode(...bytes));
}

function decodeJwtPart(part: string): Record<string, unknown> {
  const padded = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))));
}

/** Starts the sync endpoint over `invoke`; `adminKey` is the key `Admin` auth must present. */
export function createSyncServer(invoke: Invoke, adminKey: string): SyncServer {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const keyPromise = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
  const sessions = new Set<Session>();
  let ts = 1;
  const stats: SyncStats = { sessions: 0, open: 0, queryRuns: 0, transitions: 0, mutations: 0, actions: 0, commits: 0 };

  async function sign(payload: Record<string, unknown>): Promise<string> {
    const head = base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" }))).replace(/=+$/, "");
    const body = base64url(encoder.encode(JSON.stringify(payload))).replace(/=+$/, "");
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await keyPromise, encoder.encode(`${head}.${body}`)));
    return `${head}.${body}.${base64url(mac).replace(/=+$/, "")}`;
  }

  async function verify(token: string): Promise<UserIdentity> {
    const parts = token.split(".");
    if (parts.length !== 3) throw new Error("Could not parse as a JWT");
    const expected = await sign(decodeJwtPart(parts[1]));
    if (expected.split(".")[2] !== parts[2]) throw new Error("Could not verify the token's signature");
    const claims = decodeJwtPart(parts[1]);
    if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) throw new Error("Token expired");
    if (typeof claims.sub !== "string") throw new Error("Token has no subject");
    const issuer = typeof claims.iss === "string" ? claims.iss : "https://test.invalid";
    const { sub: _sub, iss: _iss, iat: _iat, exp: _exp, ...rest } = claims;
    return { ...rest, subject: claims.sub, issuer, tokenIdentifier: `${issuer}|${claims.sub}` } as UserIdentity;
  }

  class Session {
    readonly socket: WebSocket;
    auth: SessionAuth = { kind: "none" };
    version: Version = { querySet: 0, identity: 0, ts: 0 };
    readonly queries = new Map<number, Query>();
    #queue: Promise<void> = Promise.resolve();
    #refreshQueued = false;

    constructor(socket: WebSocket) {
      this.socket = socket;
    }

    /** Runs `work` after everything queued before it. */
    enqueue(work: () => Promise<void>): Promise<void> {
      this.#queue = this.#queue.then(work).catch((error) => this.fatal(String(error)));
      return this.#queue;
    }

    /** Queues a re-run of every query (several commits in a row coalesce into one re-run). */
    refresh(): Promise<void> {
      if (this.#refreshQueued) return this.#queue;
      this.#refreshQueued = true;
      return this.enqueue(async () => {
        this.#refreshQueued = false;
        await this.transition([...this.queries.keys()], []);
      });
    }

    idle(): Promise<void> {
      return this.#queue;
    }

    send(message: Record<string, unknown>): void {
      if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
    }

    fatal(error: string): void {
      this.send({ type: "FatalError", error });
      try {
        this.socket.close(1011, "FatalError");
      } catch {
        // already closed
      }
    }

    /**
     * Runs `ids` (new or possibly changed queries), reports `removed`, and
     * sends one Transition from `start` (what the client last saw) to the
     * current version at the current timestamp.
     */
    async transition(ids: number[], removed: number[], start: Version = this.version): Promise<void> {
      const modifications: Record<string, unknown>[] = removed.map((queryId) => ({ type: "QueryRemoved", queryId }));
      for (const queryId of ids) {
        const query = this.queries.get(queryId);
        if (!query) continue;
        stats.queryRuns++;
        const outcome = await invoke({
          kind: "query",
          path: query.udfPath,
          componentPath: query.componentPath,
          args: argsOf(query),
          auth: this.auth,
        });
        if (outcome.success && query.endCursor === undefined && query.args.paginationOpts !== undefined) {
          query.endCursor = continueCursorOf(outcome.value);
        }
        const modification = outcome.success
          ? { type: "QueryUpdated", queryId, value: convexToJson(outcome.value), logLines: [], journal: null }
          : {
            type: "QueryFailed",
            queryId,
            errorMessage: outcome.errorMessage,
            ...(outcome.errorData !== undefined ? { errorData: convexToJson(outcome.errorData) } : {}),
            logLines: [],
            journal: null,
          };
        const key = JSON.stringify(modification);
        if (key === query.last) continue;
        query.last = key;
        modifications.push(modification);
      }
      const end = { ...this.version, ts };
      this.version = end;
      stats.transitions++;
      this.send({
        type: "Transition",
        startVersion: { ...start, ts: encodeTs(start.ts) },
        endVersion: { ...end, ts: encodeTs(end.ts) },
        modifications,
      });
    }

    async receive(raw: string): Promise<void> {
      const message = JSON.parse(raw) as Record<string, unknown> & { type: string };
      switch (message.type) {
        case "Connect":
        case "Event":
          return;
        case "ModifyQuerySet": {
          const { baseVersion, newVersion, modifications } = message as unknown as {
            baseVersion: number;
            newVersion: number;
            modifications: {
              type: "Add" | "Remove";
              queryId: number;
              udfPath?: string;
              args?: JSONValue[];
              componentPath?: string;
            }[];
          };
          if (baseVersion !== this.version.querySet) {
            return this.fatal(`Base version ${baseVersion} passed up doesn't match ${this.version.querySet}`);
          }
          const added: number[] = [];
          const removed: number[] = [];
          for (const modification of modifications) {
            if (modification.type === "Add") {
              this.queries.set(modification.queryId, {
                udfPath: modification.udfPath!,
                componentPath: modification.componentPath || undefined,
                args: ((modification.args ?? [])[0] ?? {}) as Record<string, Value>,
              });
              added.push(modification.queryId);
            } else {
              this.queries.delete(modification.queryId);
              removed.push(modification.queryId);
            }
          }
          const start = this.version;
          this.version = { ...start, querySet: newVersion };
          return await this.transition(added, removed, start);
        }
        case "Authenticate": {
          const { baseVersion, tokenType, value } = message as unknown as {
            baseVersion: number;
            tokenType: "Admin" | "User" | "None";
            value?: string;
          };
          if (baseVersion !== this.version.identity) {
            return this.fatal(`Identity base version ${baseVersion} doesn't match ${this.version.identity}`);
          }
          let auth: SessionAuth;
          try {
            if (tokenType === "Admin") {
              if (value !== adminKey && !value?.startsWith(`${adminKey}:`)) throw new Error("BadAdminKey");
              auth = { kind: "admin" };
            } else if (tokenType === "User") {
              auth = { kind: "user", identity: await verify(value ?? "") };
            } else {
              auth = { kind: "none" };
            }
          } catch (error) {
            this.send({
              type: "AuthError",
              error: `Authentication failed: ${(error as Error).message}`,
              baseVersion,
              authUpdateAttempted: true,
            });
            return;
          }
          this.auth = auth;
          const start = this.version;
          this.version = { ...start, identity: baseVersion + 1 };
          for (const query of this.queries.values()) query.last = undefined;
          return await this.transition([...this.queries.keys()], [], start);
        }
        case "Mutation":
        case "Action": {
          const { requestId, udfPath, componentPath, args } = message as unknown as {
            requestId: number;
            udfPath: string;
            componentPath?: string;
            args: JSONValue[];
          };
          const kind = message.type === "Mutation" ? "mutation" : "action";
          if (kind === "mutation") stats.mutations++;
          else stats.actions++;
          const outcome = await invoke({
            kind,
            path: udfPath,
            componentPath: componentPath || undefined,
            args: (args[0] ?? {}) as Record<string, Value>,
            auth: this.auth,
          });
          if (outcome.success) ts++;
          const response = outcome.success ? { success: true, result: convexToJson(outcome.value), logLines: [] } : {
            success: false,
            result: outcome.errorMessage,
            ...(outcome.errorData !== undefined ? { errorData: convexToJson(outcome.errorData) } : {}),
            logLines: [],
          };
          this.send({
            type: kind === "mutation" ? "MutationResponse" : "ActionResponse",
            requestId,
            ...response,
            ...(kind === "mutation" && outcome.success ? { ts: encodeTs(ts) } : {}),
          });
          // Every session (this one included) catches up with the commit; the
          // client resolves the mutation once a Transition reaches its `ts`.
          if (outcome.success) broadcast(this);
          return;
        }
        default:
          return this.fatal(`Unknown client message type ${message.type}`);
      }
    }
  }

  function broadcast(except?: Session): void {
    stats.commits++;
    for (const session of sessions) {
      if (session === except) void session.enqueue(() => session.transition([...session.queries.keys()], []));
      else void session.refresh();
    }
  }

  const pinger = setInterval(() => {
    for (const session of sessions) session.send({ type: "Ping" });
  }, 15_000);

  return {
    handle(request) {
      const { socket, response } = Deno.upgradeWebSocket(request);
      const session = new Session(socket);
      socket.onopen = () => {
        sessions.add(session);
        stats.sessions++;
        stats.open++;
      };
      socket.onmessage = (event) => void session.enqueue(() => session.receive(String(event.data)));
      socket.onclose = () => {
        if (sessions.delete(session)) stats.open--;
      };
      socket.onerror = () => {};
      return response;
    },
    commit() {
      ts++;
      broadcast();
      return this.idle();
    },
    async idle() {
      for (let round = 0; round < 3; round++) {
        await Promise.all([...sessions].map((session) => session.idle()));
      }
    },
    dropConnections() {
      for (const session of sessions) {
        sessions.delete(session);
        stats.open--;
        try {
          session.socket.close(1011, "InternalServerError: connection dropped by the test server");
        } catch {
          // already closed
        }
      }
    },
    userToken(claims) {
      const now = Math.floor(Date.now() / 1000);
      return sign({ iss: "https://test.invalid", iat: now, exp: now + 3600, ...claims });
    },
    verifyToken: verify,
    get stats() {
      return stats;
    },
    close() {
      clearInterval(pinger);
      for (const session of sessions) {
        try {
          session.socket.close(1000, "server closing");
        } catch {
          // already closed
        }
      }
      sessions.clear();
      return Promise.resolve();
    },
  };
}
