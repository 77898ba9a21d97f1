/**
 * The npm package as a Node user gets it: `deno task build:npm`'s output is
 * packed with `npm pack`, the tarball is installed into a scratch Node
 * project (with @mastra/core, convex and convex-test from the npm registry),
 * and a Node script there registers our component on `convex-test` with
 * `register(t)` from `@mastra/convex/test` and saves and reads a thread
 * through `ConvexStorage`. A TypeScript consumer type-checks against the
 * shipped `.d.ts`, so does every TypeScript block of the README (NodeNext),
 * and a Convex app in the same project that mounts the
 * component from node_modules (`app.use(mastra)` from
 * `@mastra/convex/convex.config`) type-checks with the Convex CLI's tsconfig
 * and bundles like the CLI. The scratch project lives in the user cache so
 * later runs only reinstall the tarball.
 */
import assert from "node:assert/strict";
import $ from "dax";
import { buildNpm, NODE_ENGINES, PACKAGE_EXPORTS, PEER_DEPENDENCIES } from "../../tasks/build_npm.ts";
import { checkScratchApp, cliEntryPoints, writeScratchApp } from "../../tasks/lib/convex_check.ts";
import { requireTools, tscPath } from "../../tasks/lib/npm_tools.ts";
import { cacheDir, REPO_ROOT } from "../../tasks/lib/paths.ts";
import { join } from "../../tasks/lib/std_path.ts";
import { readmeModules } from "../helpers/readme.ts";

/** The version Deno installed for a package, so Node runs the same one. */
function installedVersion(name: string): string {
  return JSON.parse(Deno.readTextFileSync(join(REPO_ROOT, "node_modules", name, "package.json"))).version;
}

const NODE_CHECK = `
import assert from "node:assert/strict";
import { convexTest } from "convex-test";
import { ConvexStorage } from "@mastra/convex";
import { componentModules, register } from "@mastra/convex/test";

// An app with no functions of its own that mounts our component, as app.use(mastra) does.
const t = convexTest({ modules: { "/convex/_generated/server.js": async () => ({}) } });
register(t);
const call = (kind) => (path, args) => t[kind]("function://mastra;" + path, args);
const client = { query: call("query"), mutation: call("mutation"), action: call("action") };
const storage = new ConvexStorage({ client });
await storage.init();
const memory = await storage.getStore("memory");
const thread = {
  id: "node-thread",
  resourceId: "node-resource",
  title: "from Node",
  metadata: { runtime: "node", nested: { n: 1 } },
  createdAt: new Date(1000),
  updatedAt: new Date(2000),
};
await memory.saveThread({ thread });
const read = await memory.getThreadById({ threadId: "node-thread" });
assert.deepEqual(read, thread);
assert.ok(read.createdAt instanceof Date);
console.log("node: saved and read thread " + read.id + " through " + Object.keys(componentModules).length + " modules");
`;

const TS_CONSUMER = `
import { ConvexStorage, type ConvexStorageOptions } from "@mastra/convex";
import { register } from "@mastra/convex/test";
import type { ComponentApi } from "@mastra/convex/_generated/component.js";
import mastra from "@mastra/convex/convex.config";

const options: ConvexStorageOptions = { convexUrl: "http://127.0.0.1:3210", adminKey: "key", component: "mastra" };
export const storage: ConvexStorage = new ConvexStorage(options);
export const mount: typeof register = register;
export type AppReads = ComponentApi<"mastra">["memory"]["appReads"];
export const definition: typeof mastra = mastra;
`;

Deno.test({
  name: "npm package: packed tarball installs into a Node project and stores a thread via ConvexStorage",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    await requireTools(["node", "npm"], "to pack, install and run the npm package");
    const work = await Deno.makeTempDir({ prefix: "mastra-convex-npm-test-" });
    try {
      const pkgDir = join(work, "package");
      let pkg: Record<string, unknown> = {};
      await t.step("build", async () => {
        await buildNpm({ outDir: pkgDir, quiet: true });
        pkg = JSON.parse(await Deno.readTextFile(join(pkgDir, "package.json")));
        const deno = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
        assert.equal(pkg.name, "@mastra/convex");
        assert.equal(pkg.version, deno.version);
        assert.deepEqual(pkg.peerDependencies, PEER_DEPENDENCIES);
        assert.deepEqual(pkg.engines, { node: ">=22" });
        assert.equal(NODE_ENGINES, ">=22");
        assert.equal(pkg.type, "module");
        assert.deepEqual(pkg.exports, PACKAGE_EXPORTS);
        assert.deepEqual(Object.keys(pkg.exports as object), [
          ".",
          "./convex.config",
          "./convex.config.js",
          "./_generated/component.js",
          "./test",
          "./app",
          "./react",
          "./package.json",
        ]);
        assert.deepEqual(pkg.peerDependenciesMeta, { react: { optional: true } });
        const files = [
          "mod.js",
          "mod.d.ts",
          "convex/convex.config.js",
          "convex/convex.config.d.ts",
          "convex/schema.js",
          "convex/_generated/component.d.ts",
          "src/testing/register.js",
          "src/testing/register.d.ts",
          "README.md",
          "LICENSE",
        ];
        for (const file of files) await Deno.stat(join(pkgDir, file));
        // Every module of the component sits beside its convex.config.js, compiled.
        const sources = cliEntryPoints(join(REPO_ROOT, "convex")).map((file) => file.replace(/\.ts$/, ".js"));
        assert.deepEqual(cliEntryPoints(join(pkgDir, "convex")), sources);
      });

      let tarball = "";
      await t.step("npm pack", async () => {
        const out = await $`npm pack --silent --pack-destination ${work}`.cwd(pkgDir).text();
        tarball = join(work, out.trim().split("\n").at(-1)!);
        await Deno.stat(tarball);
      });

      const consumer = join(cacheDir(), "npm-consumer");
      await t.step("npm install the tarball into a scratch Node project", async () => {
        await Deno.mkdir(consumer, { recursive: true });
        await Deno.writeTextFile(
          join(consumer, "package.json"),
          JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
        );
        await Deno.remove(join(consumer, "package-lock.json")).catch(() => {});
        const deps = [
          tarball,
          `@mastra/core@${installedVersion("@mastra/core")}`,
          `convex@${installedVersion("convex")}`,
          `convex-test@${installedVersion("convex-test")}`,
          `@mastra/memory@${installedVersion("@mastra/memory")}`,
          "@types/node@22",
        ];
        await $`npm install --no-audit --no-fund --loglevel=error --no-package-lock ${deps}`.cwd(consumer)
          .quiet("stdout");
        const installed = JSON.parse(
          await Deno.readTextFile(join(consumer, "node_modules", "@mastra", "convex", "package.json")),
        );
        assert.equal(installed.version, pkg.version);
      });

      await t.step(
        "node: register(t) from @mastra/convex/test, then ConvexStorage saves and reads a thread",
        async () => {
          await Deno.writeTextFile(join(consumer, "check.mjs"), NODE_CHECK);
          const result = await $`node check.mjs`.cwd(consumer).noThrow().captureCombined();
          assert.equal(result.code, 0, result.combined);
          assert.match(result.combined, /node: saved and read thread node-thread/);
        },
      );

      await t.step("a TypeScript consumer type-checks against the shipped .d.ts (NodeNext)", async () => {
        await Deno.writeTextFile(join(consumer, "consumer.ts"), TS_CONSUMER);
        await Deno.writeTextFile(
          join(consumer, "tsconfig.json"),
          JSON.stringify({
            compilerOptions: {
              module: "NodeNext",
              moduleResolution: "NodeNext",
              target: "ES2022",
              lib: ["ES2023", "DOM"],
              strict: true,
              noEmit: true,
              skipLibCheck: true,
              types: [],
            },
            files: ["consumer.ts"],
          }),
        );
        const tsc = await tscPath();
        const result = await $`node ${tsc} -p ${consumer} --pretty false`.cwd(consumer).noThrow().captureCombined();
        assert.equal(result.code, 0, result.combined);
      });

      await t.step(
        "every TypeScript block of the README type-checks with tsc (NodeNext) against the package",
        async () => {
          const dir = join(consumer, "readme");
          await Deno.remove(dir, { recursive: true }).catch(() => {});
          await Deno.mkdir(dir, { recursive: true });
          const modules = readmeModules();
          for (const [file, code] of Object.entries(modules)) await Deno.writeTextFile(join(dir, file), code);
          await Deno.writeTextFile(
            join(dir, "tsconfig.json"),
            JSON.stringify({
              compilerOptions: {
                module: "NodeNext",
                moduleResolution: "NodeNext",
                target: "ES2022",
                lib: ["ES2023", "DOM"],
                strict: true,
                noEmit: true,
                skipLibCheck: true,
                types: ["node"],
              },
              files: Object.keys(modules),
            }),
          );
          const tsc = await tscPath();
          const result = await $`node ${tsc} -p ${dir} --pretty false`.cwd(dir).noThrow().captureCombined();
          assert.equal(result.code, 0, result.combined);
        },
      );

      await t.step(
        "a Convex app with app.use(mastra) from node_modules type-checks (CLI tsconfig) and bundles",
        async () => {
          await Deno.remove(join(consumer, "convex"), { recursive: true }).catch(() => {});
          await writeScratchApp(consumer, "npm");
          const check = await checkScratchApp(consumer);
          assert.ok(check.typecheck.ok, `tsc -p convex failed:\n${check.typecheck.output}`);
          assert.equal(
            await Deno.realPath(check.componentDir!),
            await Deno.realPath(join(consumer, "node_modules", "@mastra", "convex", "convex")),
            "@mastra/convex/convex.config resolves into the installed package",
          );
          assert.ok(check.app.ok, check.app.output);
          assert.deepEqual(check.app.entryPoints, ["chat.ts", "mastraUi.ts"]);
          assert.ok(check.component?.ok, check.component?.output);
          assert.ok(check.component!.entryPoints.includes("memory/threads.js"));
          assert.deepEqual([...check.app.forbidden, ...check.component!.forbidden], []);
        },
      );
    } finally {
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
