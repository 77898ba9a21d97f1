/**
 * The in-process Convex backend for tests: `convex-test` running our real
 * `convex/` modules with Convex's transaction limits enforced, and a client
 * that lets `ConvexStorage` drive it unchanged.
 */
import { convexTest } from "convex-test";
import { join, relative } from "node:path";
import { fileURLToPath as fromFileUrl, pathToFileURL as toFileUrl } from "node:url";
import schema from "../../convex/schema.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { ConvexStorage, type ConvexStorageOptions } from "../../src/storage.ts";

/** The folder holding our Convex modules. */
export const CONVEX_DIR: string = fromFileUrl(new URL("../../convex/", import.meta.url));

/** Every `.ts` file under `convex/`, relative to it (`threads.ts`, `lib/codec.ts`, ...). */
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

/** The module map convex-test needs: every module under `convex/`, plus a `_generated` marker. */
export function convexModules(): Record<string, () => Promise<unknown>> {
  const modules: Record<string, () => Promise<unknown>> = {
    // convex-test finds the modules' root from a path containing "_generated".
    "/convex/_generated/server.ts": () => Promise.resolve({}),
  };
  for (const file of listConvexFiles()) {
    modules[`/convex/${file}`] = () => import(toFileUrl(join(CONVEX_DIR, file)).href);
  }
  return modules;
}

/** A fresh in-process backend with Convex's transaction limits on. */
export function createBackend(): ReturnType<typeof convexTest<typeof schema.tables>> {
  return convexTest({ schema, modules: convexModules(), transactionLimits: true });
}

/** The in-process backend. */
export type Backend = ReturnType<typeof createBackend>;

/** A client with `ConvexHttpClient`'s shape that runs calls on `backend`. */
export function inProcessClient(backend: Backend): ConvexClientLike {
  return {
    // deno-lint-ignore no-explicit-any
    query: (ref, args) => backend.query(ref as any, args),
    // deno-lint-ignore no-explicit-any
    mutation: (ref, args) => backend.mutation(ref as any, args),
    // deno-lint-ignore no-explicit-any
    action: (ref, args) => backend.action(ref as any, args),
  };
}

/** A `ConvexStorage` on a fresh in-process backend. */
export function createTestStorage(options: ConvexStorageOptions = {}): { storage: ConvexStorage; backend: Backend } {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend), ...options });
  return { storage, backend };
}
