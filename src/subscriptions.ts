/**
 * Real-time watches over Convex's reactive client (WebSocket).
 *
 * Specific to Convex: a UI or a second agent sees a thread, its messages or
 * a workflow run change the moment they are written, without polling. Each
 * watch calls back at once with the current value and again after every
 * change that affects it, reports errors to `onError`, and returns an
 * unsubscribe function. Convex's client resubscribes by itself after a
 * reconnect, so watches survive dropped connections.
 */
import { ConvexClient } from "convex/browser";
import type { FunctionReference } from "convex/server";
import { storageError } from "./errors.ts";
import type { ConvexTransport } from "./transport.ts";

/** Stops a watch. Calling it again does nothing. */
export type Unsubscribe = () => void;

/** Anything that runs reactive queries the way `ConvexClient.onUpdate` does. */
export interface ReactiveClientLike {
  /** Calls `callback` with the query's result now and after every change; returns an unsubscribe function. */
  onUpdate(
    ref: FunctionReference<"query", "public" | "internal">,
    args: Record<string, unknown>,
    callback: (value: unknown) => void,
    onError?: (error: Error) => void,
  ): () => void;
  /** Closes the connection. */
  close?(): Promise<void>;
}

/** Options every watch accepts. */
export type WatchOptions = {
  /** Called with a `MastraError` when the watched query fails; the watch stays registered. */
  onError?: (error: Error) => void;
};

/** Convex's reactive WebSocket client, authenticated with an admin or deploy key. */
export function createReactiveClient(url: string, adminKey: string): ReactiveClientLike {
  const client = new ConvexClient(url, { logger: false });
  // setAdminAuth exists at runtime but is missing from convex's published types.
  (client as unknown as { setAdminAuth(key: string): void }).setAdminAuth(adminKey);
  return client as unknown as ReactiveClientLike;
}

/**
 * Watches one query and maps each result (possibly asynchronously, e.g. to
 * assemble large values) before calling back. Results are delivered in
 * order; a result that arrives while an older one is still being mapped
 * supersedes it.
 */
export function watchQuery<Raw, Value>(
  client: ReactiveClientLike,
  transport: ConvexTransport,
  path: `${string}:${string}`,
  args: Record<string, unknown>,
  map: (raw: Raw) => Promise<Value> | Value,
  onChange: (value: Value) => void,
  options: WatchOptions & { operation: string; details?: Record<string, string | number | boolean | null> },
): Unsubscribe {
  let active = true;
  let latest = 0;
  const context = { operation: options.operation, details: options.details };
  const report = (error: unknown) => {
    if (!active) return;
    const wrapped = storageError(context, error);
    if (options.onError) options.onError(wrapped);
    else console.error(wrapped);
  };
  const stop = client.onUpdate(
    transport.reference<"query">(path),
    args,
    (raw) => {
      const sequence = ++latest;
      Promise.resolve()
        .then(() => map(raw as Raw))
        .then((value) => {
          if (active && sequence === latest) onChange(value);
        }, report);
    },
    report,
  );
  return () => {
    if (!active) return;
    active = false;
    stop();
  };
}
