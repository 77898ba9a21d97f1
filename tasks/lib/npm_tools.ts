/**
 * Pinned npm tools (TypeScript's `tsc`, esbuild) installed once into the
 * per-user cache and run with Node, exactly as a user's project would.
 * @module
 */
import $ from "dax";
import { cacheDir } from "./paths.ts";
import { join } from "./std_path.ts";

/** TypeScript 5.x: `rewriteRelativeImportExtensions` needs >= 5.7. */
export const TYPESCRIPT_VERSION = "5.9.3";
/** esbuild, the version the Convex CLI (convex 1.51) bundles with. */
export const ESBUILD_VERSION = "0.27.0";

const BINARIES: Record<string, string> = {
  typescript: "node_modules/typescript/bin/tsc",
  esbuild: "node_modules/esbuild/bin/esbuild",
};

/** The Node.js major version our npm build, its checks and the Convex CLI need. */
export const NODE_MAJOR = 22;

/** A command the task or test needs is not on PATH; the message says what to install. */
export class MissingToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MissingToolError";
  }
}

/** The message for a missing `node`/`npm`/`npx`: what needs it and how to get it. */
export function missingToolMessage(tool: string, purpose: string): string {
  return `${tool} is not on PATH; it is needed ${purpose}. Install Node.js ${NODE_MAJOR} or newer ` +
    `(https://nodejs.org; it brings npm and npx), then run this again.`;
}

/** Throws a {@link MissingToolError} unless every tool is on PATH. */
export async function requireTools(tools: string[], purpose: string): Promise<void> {
  for (const tool of tools) {
    if (!(await $.which(tool))) throw new MissingToolError(missingToolMessage(tool, purpose));
  }
}

/** Installs `name@version` into the cache when missing; returns the path of its binary. */
export async function npmTool(name: "typescript" | "esbuild", version: string): Promise<string> {
  await requireTools(["node"], `to run the pinned ${name} ${version}`);
  const prefix = join(cacheDir(), "tools", `${name}-${version}`);
  const bin = join(prefix, BINARIES[name]);
  if (existsSync(bin)) return bin;
  await requireTools(["npm"], `to install the pinned ${name} ${version} (once, into ${join(cacheDir(), "tools")})`);
  // Install into a fresh folder and move it in place, so concurrent callers never see half an install.
  await Deno.mkdir(join(cacheDir(), "tools"), { recursive: true });
  const staging = await Deno.makeTempDir({ dir: join(cacheDir(), "tools"), prefix: `.${name}-` });
  try {
    await Deno.writeTextFile(join(staging, "package.json"), JSON.stringify({ private: true }) + "\n");
    await $`npm install --no-audit --no-fund --loglevel=error ${`${name}@${version}`}`.cwd(staging).quiet("stdout");
    try {
      await Deno.rename(staging, prefix);
    } catch (error) {
      if (!existsSync(bin)) throw error; // someone else finished first otherwise
    }
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
  Deno.statSync(bin);
  return bin;
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Path of the pinned `tsc`. */
export function tscPath(): Promise<string> {
  return npmTool("typescript", TYPESCRIPT_VERSION);
}

/** Path of the pinned `esbuild`. */
export function esbuildPath(): Promise<string> {
  return npmTool("esbuild", ESBUILD_VERSION);
}
