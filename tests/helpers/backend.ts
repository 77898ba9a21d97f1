/**
 * The in-process Convex backend for tests: `convex-test` running our real
 * `convex/` modules with Convex's transaction limits enforced, and a client
 * that lets `ConvexStorage` drive it unchanged.
 */
import { convexTest, type TestConvex } from "convex-test";
import { join, relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import type schema from "../../convex/schema.ts";
import type { ConvexClientLike, FunctionPath } from "../../src/transport.ts";
import { ConvexStorage, type ConvexStorageOptions } from "../../src/storage.ts";
import { register } from "../../src/testing/register.ts";
import { componentModules } from "../../src/testing/modules.ts";
import { runDetached } from "./detachedTimers.ts";

/** The folder holding our Convex component. */
export const CONVEX_DIR: string = fromFileUrl(new URL("../../convex/", import.meta.url));

/** Name under which the tests mount our component, as `app.use(mastra)` does. */
export const COMPONENT = "mastra";

/** Every `.ts` file under `convex/`, relative to it (`memory/threads.ts`, `kit/codec.ts`, ...). */
export function listConvexFiles(dir: string = CONVEX_DIR): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && entry.name !== "_generated" && entry.name !== "node_modules") {
      files.push(...listConvexFiles(path));
    } else if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      files.push(relative(CONVEX_DIR, path));
    }
  }
  return files.sort();
}

/** Module map of an app with no functions of its own (convex-test needs the `_generated` marker). */
export function emptyAppModules(): Record<string, () => Promise<unknown>> {
  return { "/app/_generated/server.ts": () => Promise.resolve({}) };
}

/** The raw convex-test instance under a {@link Backend}. */
// deno-lint-ignore no-explicit-any
export type RawTest = TestConvex<any> & { runInComponent: (path: string, fn: (ctx: any) => unknown) => Promise<any> };

/**
 * The in-process backend: an app that mounts our component, with Convex's
 * transaction limits on. `run` runs inside the component (its tables);
 * `raw` is the convex-test instance itself.
 */
export type Backend = TestConvex<typeof schema> & { raw: RawTest };

/**
 * `t` whose calls run detached: the timers convex-test starts for scheduled
 * functions never keep the process alive, as a real deployment's scheduler
 * never holds its client's process (see `detachedTimers.ts`).
 */
function withDetachedTimers<T extends object>(t: T): T {
  return new Proxy(t, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result = runDetached(() => Reflect.apply(value, target, args));
        // `withIdentity(...)` returns another accessor of the same backend.
        return result && typeof result === "object" && typeof (result as { query?: unknown }).query === "function"
          ? withDetachedTimers(result as object)
          : result;
      };
    },
  });
}

/**
 * A fresh in-process app mounting our component, with Convex's transaction
 * limits on. Its scheduled functions never keep the process alive.
 */
export function createBackend(
  appModules: Record<string, () => Promise<unknown>> = emptyAppModules(),
  // deno-lint-ignore no-explicit-any
  appSchema?: any,
  componentNames: readonly string[] = [COMPONENT],
): Backend {
  const test = convexTest({ schema: appSchema, modules: appModules, transactionLimits: true }) as unknown as RawTest;
  for (const name of componentNames) register(test as never, name);
  const t = withDetachedTimers(test);
  return {
    ...t,
    raw: t,
    // deno-lint-ignore no-explicit-any
    run: (fn: (ctx: any) => unknown) => t.runInComponent(COMPONENT, fn),
  } as unknown as Backend;
}

/** A function handle of our component: how convex-test addresses a component function. */
export function componentHandle(path: FunctionPath, component: string = COMPONENT): string {
  return `function://${component};${path}`;
}

/** A client like the HTTP client, bound to our component, that runs calls on `backend`. */
export function inProcessClient(backend: Backend, component: string = COMPONENT): ConvexClientLike {
  // deno-lint-ignore no-explicit-any
  const raw = backend.raw as any;
  return {
    query: (path, args) => raw.query(componentHandle(path, component), args),
    mutation: (path, args) => raw.mutation(componentHandle(path, component), args),
    action: (path, args) => raw.action(componentHandle(path, component), args),
    listComponents: () => Promise.resolve([COMPONENT]),
  };
}

/** A `ConvexStorage` on a fresh in-process backend. */
export function createTestStorage(options: ConvexStorageOptions = {}): { storage: ConvexStorage; backend: Backend } {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend), ...options });
  return { storage, backend };
}

/**
 * Module map for HTTP servers that need one (the bench's official subject
 * passes its own): the app marker plus our component's modules.
 */
export function convexModules(): Record<string, () => Promise<unknown>> {
  return { ...emptyAppModules(), ...(componentModules as Record<string, () => Promise<unknown>>) };
}

/**
 * Folds every pending rank-tree change (`convex/kit/rankPending.ts`) into
 * the nodes, so that what a test then measures is the stored trees alone.
 */
export async function settleRankTrees(backend: Backend): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const raw = backend.raw as any;
  for (;;) {
    const step: { done: boolean } = await raw.mutation(componentHandle("system/rankFold:foldAll"), {});
    if (step.done) break;
  }
}
