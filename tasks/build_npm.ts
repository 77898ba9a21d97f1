/**
 * `deno task build:npm`: the npm package in `npm/`. TypeScript's `tsc`
 * (pinned 5.x from npm, run by Node) compiles `mod.ts`, `src/` and `convex/`
 * to ESM JavaScript and `.d.ts` (`module: NodeNext`,
 * `rewriteRelativeImportExtensions`), then a
 * `package.json` is generated from `deno.json` and README and LICENSE are
 * copied. `--out <dir>` builds elsewhere (tests). The package is built in a
 * scratch folder and moved in place only when complete, so a failed build
 * leaves the previous one untouched.
 *
 * Entry points: `.` (the client), `./convex.config` (the Convex component:
 * the Convex CLI bundles every module in the folder of the resolved
 * `convex.config.js`, here `convex/`), `./_generated/component.js` (the
 * `ComponentApi` type the CLI's codegen imports for `components.mastra`)
 * `./test` (`register(t)` for `convex-test`), `./app` (the app's live-UI
 * query functions, `mastraAppQueries`) and `./react` (the hooks; `react` is
 * an optional peer dependency).
 * @module
 */
import $ from "dax";
import { listModuleFiles } from "./lib/convex_project.ts";
import { fail, info, ok, runTask, step } from "./lib/log.ts";
import { MissingToolError, NODE_MAJOR, requireTools, tscPath, TYPESCRIPT_VERSION } from "./lib/npm_tools.ts";
import { REPO_ROOT } from "./lib/paths.ts";
import { dirname, join, relative, resolve } from "./lib/std_path.ts";

/** Peer dependencies: the user's own Mastra and Convex, and React for `./react` (optional). */
export const PEER_DEPENDENCIES: Record<string, string> = {
  "@mastra/core": ">=1.71.0 <2",
  convex: "^1.51.0",
  react: "^18.0.0 || ^19.0.0",
};

/** Peer dependencies only some entry points need (`react`: only `@mastra/convex/react`). */
export const OPTIONAL_PEERS: Record<string, { optional: true }> = { react: { optional: true } };

/** Node versions the package supports. */
export const NODE_ENGINES = `>=${NODE_MAJOR}`;

/** The compiler options of the npm build. */
export const COMPILER_OPTIONS = {
  target: "ES2022",
  lib: ["ES2023", "DOM"],
  module: "NodeNext",
  moduleResolution: "NodeNext",
  rewriteRelativeImportExtensions: true,
  allowImportingTsExtensions: true,
  // Off: the Convex modules export validators, tables and registered functions
  // whose types Convex infers (`v.object(...)`, `internalQueryGeneric(...)`);
  // writing them out would duplicate Convex's generics. The public entry's
  // graph is checked for explicit types by `deno publish --dry-run` instead.
  isolatedDeclarations: false,
  declaration: true,
  strict: true,
  skipLibCheck: true,
  esModuleInterop: true,
  forceConsistentCasingInFileNames: true,
  types: [] as string[],
  noEmitOnError: true,
};

/** Source files of the package: `mod.ts`, every module under `src/` and `convex/`, and the `ComponentApi` type. */
export function sourceFiles(root: string = REPO_ROOT): string[] {
  const files = ["mod.ts", "convex/_generated/component.ts"];
  for (const dir of ["src", "convex"]) {
    for (const file of listModuleFiles(join(root, dir))) {
      if (file.endsWith(".ts")) files.push(join(dir, file));
    }
  }
  return files;
}

/** Package name from an import specifier (`@mastra/core/storage` -> `@mastra/core`), or undefined if relative/builtin. */
export function packageName(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:")) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function readDenoJson(root: string): { version: string; imports: Record<string, string>; name: string } {
  return JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
}

function importMapRange(imports: Record<string, string>, name: string): string | undefined {
  const target = imports[name];
  const match = target ? /^npm:\/?(@?[^@]+)@([^/]+)\/?$/.exec(target) : null;
  return match?.[2];
}

const STATIC_IMPORT = /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;
const RELATIVE_TS = /(["'])(\.{1,2}\/[^"']*?)\.ts\1/g;

/** Walks the emitted files: collects bare imports of the JavaScript, rewrites `.ts` specifiers of the `.d.ts`. */
async function postProcess(outDir: string): Promise<Set<string>> {
  const names = new Set<string>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory && entry.name !== "node_modules") await walk(path);
      else if (entry.isFile && entry.name.endsWith(".d.ts")) {
        // tsc keeps `./x.ts` in declarations; `.js` works for every consumer's resolver.
        const text = await Deno.readTextFile(path);
        const rewritten = text.replace(RELATIVE_TS, (_match, quote, base) => `${quote}${base}.js${quote}`);
        if (rewritten !== text) await Deno.writeTextFile(path, rewritten);
      } else if (entry.isFile && entry.name.endsWith(".js")) {
        const text = await Deno.readTextFile(path);
        for (const match of [...text.matchAll(STATIC_IMPORT), ...text.matchAll(DYNAMIC_IMPORT)]) {
          const name = packageName(match[1] ?? match[2]);
          if (name) names.add(name);
        }
      }
    }
  };
  await walk(outDir);
  return names;
}

const CONFIG = { types: "./convex/convex.config.d.ts", default: "./convex/convex.config.js" };
const TEST = { types: "./src/testing/register.d.ts", default: "./src/testing/register.js" };

/** The package's entry points (see the module doc). */
export const PACKAGE_EXPORTS: Record<string, unknown> = {
  ".": { types: "./mod.d.ts", import: "./mod.js", default: "./mod.js" },
  "./convex.config": CONFIG,
  "./convex.config.js": CONFIG,
  "./_generated/component.js": { types: "./convex/_generated/component.d.ts" },
  "./test": TEST,
  "./app": { types: "./src/app/mod.d.ts", import: "./src/app/mod.js", default: "./src/app/mod.js" },
  "./react": { types: "./src/react/mod.d.ts", import: "./src/react/mod.js", default: "./src/react/mod.js" },
  "./package.json": "./package.json",
};

/** The generated npm `package.json`. */
export function packageJson(
  root: string,
  used: Set<string>,
): Record<string, unknown> {
  const deno = readDenoJson(root);
  const dependencies: Record<string, string> = {};
  for (const name of [...used].sort()) {
    if (name in PEER_DEPENDENCIES) continue;
    const range = importMapRange(deno.imports ?? {}, name);
    if (!range) throw new Error(`the build imports ${name}, which deno.json's import map does not map to npm`);
    dependencies[name] = range;
  }
  return {
    name: deno.name,
    version: deno.version,
    description: "Mastra storage on Convex: threads, messages, workflows, scores and traces in your Convex deployment.",
    license: "MIT",
    keywords: ["mastra", "convex", "storage", "ai", "agents"],
    type: "module",
    main: "./mod.js",
    types: "./mod.d.ts",
    exports: PACKAGE_EXPORTS,
    files: ["mod.js", "mod.d.ts", "src/", "convex/", "README.md", "LICENSE"],
    sideEffects: false,
    engines: { node: NODE_ENGINES },
    dependencies,
    peerDependencies: PEER_DEPENDENCIES,
    peerDependenciesMeta: OPTIONAL_PEERS,
  };
}

/** Options of {@link buildNpm}. */
export type BuildOptions = { root?: string; outDir?: string; quiet?: boolean };

/** Builds the npm package; returns the output folder. Throws with tsc's output on errors. */
export async function buildNpm(options: BuildOptions = {}): Promise<string> {
  const root = options.root ?? REPO_ROOT;
  const outDir = resolve(options.outDir ?? join(root, "npm"));
  const say = options.quiet ? () => {} : step;
  say("Building the npm package", relative(root, outDir) || outDir);
  await requireTools(["node"], "to run TypeScript's tsc for the npm build");

  // NodeNext takes the module format from the nearest package.json, so compile
  // a staged copy that sits under a `"type": "module"` package.json; the
  // repository's node_modules (filled by `deno install`) provides the types.
  // The output goes to a scratch folder beside outDir and replaces it at the end.
  await Deno.mkdir(dirname(outDir), { recursive: true });
  const stage = await Deno.makeTempDir({ prefix: "mastra-convex-npm-" });
  const built = await Deno.makeTempDir({ dir: dirname(outDir), prefix: ".npm-build-" });
  try {
    const files = sourceFiles(root);
    for (const file of files) {
      await Deno.mkdir(dirname(join(stage, file)), { recursive: true });
      await Deno.copyFile(join(root, file), join(stage, file));
    }
    await Deno.writeTextFile(join(stage, "package.json"), JSON.stringify({ type: "module", private: true }));
    await Deno.symlink(join(root, "node_modules"), join(stage, "node_modules"));
    await Deno.writeTextFile(
      join(stage, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { ...COMPILER_OPTIONS, rootDir: ".", outDir: built }, files }, null, 2),
    );
    const tsc = await tscPath();
    if (!options.quiet) info(`tsc ${TYPESCRIPT_VERSION}: ${files.length} files, module NodeNext`);
    const result = await $`node ${tsc} -p ${stage} --pretty false`.cwd(stage).noThrow().quiet().captureCombined();
    if (result.code !== 0) {
      throw new Error(`tsc failed:\n${result.combined.replaceAll(stage + "/", "")}`);
    }
    const used = await postProcess(built);
    const pkg = packageJson(root, used);
    await Deno.writeTextFile(join(built, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
    for (const file of ["README.md", "LICENSE"]) await Deno.copyFile(join(root, file), join(built, file));
    await Deno.remove(outDir, { recursive: true }).catch(() => {});
    await Deno.rename(built, outDir);
    if (!options.quiet) {
      info(`package.json: ${pkg.name}@${pkg.version}; dependencies ${JSON.stringify(pkg.dependencies)}`);
      info(`peerDependencies ${JSON.stringify(pkg.peerDependencies)}; engines node ${NODE_ENGINES}`);
      info(`entry points: ${Object.keys(PACKAGE_EXPORTS).join(", ")}`);
      ok("npm package ready", `${relative(root, outDir) || outDir}/ (try: cd npm && npm pack)`);
    }
  } finally {
    await Deno.remove(stage, { recursive: true }).catch(() => {});
    await Deno.remove(built, { recursive: true }).catch(() => {});
  }
  return outDir;
}

if (import.meta.main) {
  await runTask(async () => {
    const index = Deno.args.indexOf("--out");
    const outDir = index >= 0 ? Deno.args[index + 1] : undefined;
    try {
      await buildNpm({ outDir });
    } catch (error) {
      if (error instanceof MissingToolError) fail(error.message);
      fail("the npm build failed", ...(error instanceof Error ? error.message : String(error)).split("\n"));
    }
  });
}
