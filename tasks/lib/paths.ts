/**
 * Where the tasks work: the repository root (or `MASTRA_CONVEX_ROOT`, which
 * the orchestration tests point at a scratch copy) and the files in it.
 * @module
 */
import { dirname, fromFileUrl, join } from "./std_path.ts";

/** The repository that holds these tasks (never overridden). */
export const REPO_ROOT: string = dirname(dirname(dirname(fromFileUrl(import.meta.url))));

/** The project the tasks act on: env `MASTRA_CONVEX_ROOT`, else the repository. */
export function projectRoot(): string {
  return Deno.env.get("MASTRA_CONVEX_ROOT") || REPO_ROOT;
}

/** Scratch Convex CLI project (package.json, convex.json, a copy of convex/), gitignored. */
export function workspaceDir(root: string = projectRoot()): string {
  return join(root, ".convex-dev");
}

/** Per-user cache for pinned npm tools and the npm consumer project. */
export function cacheDir(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") || join(Deno.env.get("HOME") || "/tmp", ".cache");
  return join(base, "mastra-convex");
}
