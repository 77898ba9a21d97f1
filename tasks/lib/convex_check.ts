/**
 * Checks the Convex modules the way a user's Convex project sees them:
 * `tsc -p convex` with the shipped tsconfig, and an esbuild bundle made like
 * the Convex CLI's (platform browser, ESM, splitting, `convex` condition)
 * that must contain neither Node built-ins nor `@mastra/core`.
 * @module
 */
import $ from "dax";
import { listModuleFiles } from "./convex_project.ts";
import { esbuildPath, tscPath } from "./npm_tools.ts";
import { join } from "./std_path.ts";

/** Result of {@link typecheckConvex}. */
export type TypecheckResult = { ok: boolean; output: string };

/** Runs the pinned `tsc -p <dir>` (the folder's own tsconfig.json) with Node. */
export async function typecheckConvex(dir: string): Promise<TypecheckResult> {
  const tsc = await tscPath();
  const result = await $`node ${tsc} -p ${dir} --pretty false`.noThrow().quiet().captureCombined();
  return { ok: result.code === 0, output: result.combined.trim() };
}

/** Result of {@link bundleConvex}. */
export type BundleResult = {
  /** esbuild succeeded. */
  ok: boolean;
  /** esbuild's messages. */
  output: string;
  /** Entry points bundled, relative to the folder. */
  entryPoints: string[];
  /** Every input file of the bundle (esbuild metafile keys). */
  inputs: string[];
  /** Inputs or imports that must not be in a Convex bundle, with the reason. */
  forbidden: string[];
};

const NODE_BUILTINS = new Set([
  "assert",
  "async_hooks",
  "buffer",
  "child_process",
  "cluster",
  "crypto",
  "dgram",
  "dns",
  "events",
  "fs",
  "http",
  "http2",
  "https",
  "module",
  "net",
  "os",
  "path",
  "perf_hooks",
  "process",
  "readline",
  "stream",
  "string_decoder",
  "timers",
  "tls",
  "tty",
  "url",
  "util",
  "v8",
  "vm",
  "worker_threads",
  "zlib",
]);

/** Whether an import path names a Node built-in (`node:fs`, `fs/promises`, ...). */
export function isNodeBuiltin(path: string): boolean {
  if (path.startsWith("node:")) return true;
  return NODE_BUILTINS.has(path.split("/")[0]);
}

/**
 * Bundles every module under `dir` (not `_generated/`) like `npx convex deploy`
 * and reports forbidden content. `nodePaths` lets a folder outside a project
 * resolve packages (tests).
 */
export async function bundleConvex(dir: string, nodePaths: string[] = []): Promise<BundleResult> {
  const esbuild = await esbuildPath();
  const entryPoints = listModuleFiles(dir).filter((file) => /\.(ts|js|mjs)$/.test(file));
  const out = await Deno.makeTempDir({ prefix: "convex-bundle-" });
  try {
    const metafile = join(out, "meta.json");
    const args = [
      "--bundle",
      "--platform=browser",
      "--format=esm",
      "--splitting",
      "--target=esnext",
      "--jsx=automatic",
      "--conditions=convex,module",
      `--outdir=${join(out, "dist")}`,
      `--outbase=${dir}`,
      `--metafile=${metafile}`,
      "--log-level=warning",
      ...entryPoints.map((file) => join(dir, file)),
    ];
    const result = await $`${esbuild} ${args}`.env({ NODE_PATH: nodePaths.join(":") || undefined }).noThrow()
      .quiet().captureCombined();
    const forbidden: string[] = [];
    let inputs: string[] = [];
    if (result.code === 0) {
      const meta = JSON.parse(await Deno.readTextFile(metafile)) as {
        inputs: Record<string, { imports?: { path: string; external?: boolean }[] }>;
      };
      inputs = Object.keys(meta.inputs);
      for (const [input, { imports = [] }] of Object.entries(meta.inputs)) {
        if (/(^|[/\\])@mastra[/+]core\b/.test(input)) forbidden.push(`${input}: @mastra/core is bundled`);
        for (const entry of imports) {
          if (isNodeBuiltin(entry.path)) forbidden.push(`${input}: imports Node built-in ${entry.path}`);
        }
      }
    } else {
      for (const line of result.combined.split("\n")) {
        const match = /Could not resolve "([^"]+)"/.exec(line);
        if (match && isNodeBuiltin(match[1])) forbidden.push(`imports Node built-in ${match[1]}`);
      }
    }
    return { ok: result.code === 0, output: result.combined.trim(), entryPoints, inputs, forbidden };
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
}
