/**
 * Checks the Convex modules the way a user's Convex project sees them:
 * `tsc -p convex` with the tsconfig the Convex CLI writes, and an esbuild
 * bundle made like the Convex CLI's (platform browser, ESM, splitting,
 * `convex` condition) that must contain neither Node built-ins nor
 * `@mastra/core`. {@link writeScratchApp} and {@link checkScratchApp} do it
 * for a whole app that mounts our component (`app.use(mastra)`), from npm or
 * as a local component.
 * @module
 */
import $ from "dax";
import { listModuleFiles } from "./convex_project.ts";
import { esbuildPath, tscPath } from "./npm_tools.ts";
import { REPO_ROOT } from "./paths.ts";
import { dirname, join, relative } from "./std_path.ts";

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
  /** Every input file of the bundle (esbuild metafile keys, relative to the folder). */
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
export async function bundleConvex(
  dir: string,
  nodePaths: string[] = [],
  entryPoints: string[] = listModuleFiles(dir).filter((file) => /\.(ts|js|mjs)$/.test(file)),
): Promise<BundleResult> {
  const esbuild = await esbuildPath();
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
    const result = await $`${esbuild} ${args}`.cwd(dir).env({ NODE_PATH: nodePaths.join(":") || undefined }).noThrow()
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

/** The `convex/tsconfig.json` the Convex CLI writes (its own template, from the installed `convex` package). */
export async function cliTsconfig(): Promise<string> {
  const template = join(REPO_ROOT, "node_modules", "convex", "dist", "esm", "cli", "codegen_templates", "tsconfig.js");
  const { tsconfigCodegen } = await import(new URL(`file://${template}`).href);
  return tsconfigCodegen();
}

/**
 * The modules the Convex CLI pushes from a functions folder, relative to it:
 * like its `entryPoints`, skipping `_generated/`, `schema.*`, files with more
 * than one dot (`convex.config.ts`, `.d.ts`), dotfiles, and folders that
 * hold a `convex.config.ts` (nested components, pushed on their own).
 */
export function cliEntryPoints(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string, top: boolean) => {
    if (!top) {
      try {
        Deno.statSync(join(current, "convex.config.ts"));
        return;
      } catch {
        // not a component folder
      }
    }
    for (const entry of Deno.readDirSync(current)) {
      const path = join(current, entry.name);
      const rel = relative(dir, path);
      if (entry.isDirectory) {
        if (!(top && entry.name === "_generated") && entry.name !== "node_modules") walk(path, false);
        continue;
      }
      if (!/\.(js|cjs|mjs|jsx|ts|tsx)$/.test(entry.name)) continue;
      if (entry.name.startsWith(".") || entry.name.startsWith("#") || rel.includes(" ")) continue;
      if (entry.name === "schema.ts" || entry.name === "schema.js") continue;
      if ((entry.name.match(/\./g) ?? []).length > 1) continue;
      files.push(rel);
    }
  };
  walk(dir, true);
  return files.sort();
}

/** How a scratch app gets our component. */
export type ComponentSource =
  /** `import mastra from "@mastra/convex/convex.config"` (the npm package installed in node_modules). */
  | "npm"
  /** `import mastra from "./mastra/convex.config"` (this repository's `convex/` copied to `convex/mastra/`). */
  | "local";

/** The app's `convex/convex.config.ts`, as the README shows it. */
export function appConfigSource(source: ComponentSource): string {
  const from = source === "npm" ? "@mastra/convex/convex.config" : "./mastra/convex.config";
  return `import { defineApp } from "convex/server";
import mastra from "${from}";

const app = defineApp();
app.use(mastra);
export default app;
`;
}

/** An app function that reads Mastra data through the component, behind the app's own (here: no) auth. */
export const APP_MODULE: string = `import { query } from "./_generated/server";
import { components } from "./_generated/api";
import { v } from "convex/values";

export const latestMessages = query({
  args: { threadId: v.string() },
  handler: async (ctx, { threadId }) => {
    const user = await ctx.auth.getUserIdentity();
    if (!user) throw new Error("Not signed in");
    const thread = await ctx.runQuery(components.mastra.memory.appReads.thread, { threadId });
    if (!thread || thread.resourceId !== user.subject) throw new Error("Not your thread");
    const messages = await ctx.runQuery(components.mastra.memory.appReads.recentMessages, { threadId, limit: 50 });
    return messages.map((m) => ({
      id: m.id,
      role: m.role,
      content: m.content === null ? null : JSON.parse(m.content),
    }));
  },
});
`;

/**
 * The app's live-UI queries of the README's "Live UI" (`mastraAppQueries` from
 * `@mastra/convex/app`): the browser test's `tests/browser/app/convex/mastraUi.ts`
 * without its caption line. Mounted in the npm scratch app (a local component
 * copy has no `@mastra/convex/app`).
 */
export const APP_UI_MODULE: string = Deno.readTextFileSync(
  join(REPO_ROOT, "tests", "browser", "app", "convex", "mastraUi.ts"),
).replace(/^\/\/ convex\/\S+ in your app\n/, "");

const NO_SCHEMA_DATA_MODEL = `import type { AnyDataModel } from "convex/server";
import type { GenericId } from "convex/values";
export type TableNames = string;
export type Doc = any;
export type Id<TableName extends TableNames = TableNames> = GenericId<TableName>;
export type DataModel = AnyDataModel;
`;

/**
 * The app's `convex/_generated/` as `npx convex dev` writes it for an app
 * mounting `mastra` (dynamic api over the app's modules, `components.mastra`
 * typed by the component's `ComponentApi`, the CLI's own server template).
 */
async function appGenerated(convexDir: string, source: ComponentSource): Promise<Record<string, string>> {
  const modules = cliEntryPoints(convexDir).map((file) => file.replace(/\.(js|cjs|mjs|jsx|ts|tsx)$/, ""));
  const ident = (module: string) => module.replaceAll(/[^A-Za-z0-9_]/g, "_");
  const componentTypes = source === "npm" ? "@mastra/convex" : "../mastra";
  const apiDts = [
    ...modules.map((module) => `import type * as ${ident(module)} from "../${module}.js";`),
    `import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";`,
    `declare const fullApi: ApiFromModules<{`,
    ...modules.map((module) => `  "${module}": typeof ${ident(module)},`),
    `}>;`,
    `export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;`,
    `export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;`,
    `export declare const components: {`,
    `  "mastra": import("${componentTypes}/_generated/component.js").ComponentApi<"mastra">,`,
    `};`,
    ``,
  ].join("\n");
  const apiJs = `import { anyApi, componentsGeneric } from "convex/server";
export const api = anyApi;
export const internal = anyApi;
export const components = componentsGeneric();
`;
  const template = join(REPO_ROOT, "node_modules", "convex", "dist", "esm", "cli", "codegen_templates", "server.js");
  const { serverCodegen } = await import(new URL(`file://${template}`).href);
  const server: { DTS: string; JS: string } = serverCodegen({ useTypeScript: false, envVars: undefined });
  return {
    "api.d.ts": apiDts,
    "api.js": apiJs,
    "server.d.ts": server.DTS,
    "server.js": server.JS,
    "dataModel.d.ts": NO_SCHEMA_DATA_MODEL,
  };
}

/** Files of this repository's `convex/` that a local component copy takes (modules, `ComponentApi`). */
export function componentCopyFiles(source: string = join(REPO_ROOT, "convex")): string[] {
  return [...listModuleFiles(source), join("_generated", "component.ts")];
}

/**
 * Writes a Convex app into `appDir/convex/` that mounts our component from
 * `source`, with an app query calling into it, the CLI's tsconfig and the
 * `_generated/` the CLI would write. For `"local"`, copies this repository's
 * `convex/` to `convex/mastra/` (the README's local-component route); for
 * `"npm"`, `appDir` must have `@mastra/convex` in its node_modules.
 */
export async function writeScratchApp(appDir: string, source: ComponentSource): Promise<string> {
  const convexDir = join(appDir, "convex");
  await Deno.mkdir(join(convexDir, "_generated"), { recursive: true });
  await Deno.writeTextFile(join(convexDir, "tsconfig.json"), await cliTsconfig());
  await Deno.writeTextFile(join(convexDir, "convex.config.ts"), appConfigSource(source));
  await Deno.writeTextFile(join(convexDir, "chat.ts"), APP_MODULE);
  if (source === "npm") await Deno.writeTextFile(join(convexDir, "mastraUi.ts"), APP_UI_MODULE);
  if (source === "local") {
    const from = join(REPO_ROOT, "convex");
    for (const file of componentCopyFiles(from)) {
      const target = join(convexDir, "mastra", file);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.copyFile(join(from, file), target);
    }
  }
  for (const [file, text] of Object.entries(await appGenerated(convexDir, source))) {
    await Deno.writeTextFile(join(convexDir, "_generated", file), text);
  }
  return convexDir;
}

/** Result of {@link checkScratchApp}. */
export type AppCheck = {
  /** `tsc -p convex` with the CLI's tsconfig. */
  typecheck: TypecheckResult;
  /** The component's folder, as esbuild resolves the app's `convex.config.ts` import of it. */
  componentDir: string | undefined;
  /** The app's own modules, bundled. */
  app: BundleResult;
  /** The component's modules (every module in the folder of its `convex.config`), bundled. */
  component: BundleResult | undefined;
};

/**
 * Checks an app written by {@link writeScratchApp} as `npx convex deploy`
 * would: type-checks `convex/` with its tsconfig; resolves the component's
 * `convex.config` through the app's config (esbuild, `convex` condition) to
 * find the component's folder; bundles the app's modules and, separately,
 * every module of the component's folder.
 */
export async function checkScratchApp(appDir: string): Promise<AppCheck> {
  const convexDir = join(appDir, "convex");
  const typecheck = await typecheckConvex(convexDir);
  const discovery = await bundleConvex(convexDir, [], ["convex.config.ts"]);
  const config = discovery.inputs.find((input) => input !== "convex.config.ts" && /convex\.config\.[jt]s$/.test(input));
  const componentDir = config ? dirname(join(convexDir, config)) : undefined;
  const app = await bundleConvex(convexDir, [], cliEntryPoints(convexDir));
  const component = componentDir ? await bundleConvex(componentDir, [], cliEntryPoints(componentDir)) : undefined;
  return { typecheck, componentDir, app, component };
}
