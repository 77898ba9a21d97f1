/**
 * The npm package as a Node user gets it: `deno task build:npm`'s output is
 * packed with `npm pack`, the tarball is installed into a scratch Node
 * project (with @mastra/core, convex and convex-test from the npm registry),
 * and a Node script there saves and reads a thread through `ConvexStorage`
 * against the in-process backend, loading our Convex modules through the
 * package's `./convex/*` exports. A TypeScript consumer type-checks against
 * the shipped `.d.ts`. The scratch project lives in the user cache so later
 * runs only reinstall the tarball.
 */
import assert from "node:assert/strict";
import $ from "dax";
import { buildNpm, NODE_ENGINES, PEER_DEPENDENCIES } from "../tasks/build_npm.ts";
import { tscPath } from "../tasks/lib/npm_tools.ts";
import { cacheDir, REPO_ROOT } from "../tasks/lib/paths.ts";
import { join } from "../tasks/lib/std_path.ts";

/** The version Deno installed for a package, so Node runs the same one. */
function installedVersion(name: string): string {
  return JSON.parse(Deno.readTextFileSync(join(REPO_ROOT, "node_modules", name, "package.json"))).version;
}

const NODE_CHECK = `
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { convexTest } from "convex-test";
import { ConvexStorage } from "@mastra/convex";
import schema, { mastraTables } from "@mastra/convex/convex/schema";

assert.ok(mastraTables && typeof mastraTables === "object", "mastraTables is exported");

// Our Convex modules, loaded through the package's "./convex/*" exports.
const root = join(dirname(fileURLToPath(import.meta.resolve("@mastra/convex/package.json"))), "convex");
const modules = { "/convex/_generated/server.js": async () => ({}) };
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith(".js")) {
      const name = relative(root, path).slice(0, -3);
      modules["/convex/" + name + ".js"] = () => import("@mastra/convex/convex/" + name);
    }
  }
};
walk(root);

const backend = convexTest({ schema, modules });
const client = {
  query: (ref, args) => backend.query(ref, args),
  mutation: (ref, args) => backend.mutation(ref, args),
  action: (ref, args) => backend.action(ref, args),
};
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
console.log("node: saved and read thread " + read.id + " through " + Object.keys(modules).length + " modules");
`;

const TS_CONSUMER = `
import { ConvexStorage, type ConvexStorageOptions } from "@mastra/convex";
import { mastraTables } from "@mastra/convex/convex/schema";
import { defineSchema } from "convex/server";

const options: ConvexStorageOptions = { convexUrl: "http://127.0.0.1:3210", adminKey: "key" };
export const storage: ConvexStorage = new ConvexStorage(options);
export default defineSchema({ ...mastraTables });
`;

Deno.test({
  name: "npm package: packed tarball installs into a Node project and stores a thread via ConvexStorage",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
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
        assert.deepEqual(pkg.engines, { node: NODE_ENGINES });
        assert.equal(pkg.type, "module");
        for (const file of ["mod.js", "mod.d.ts", "convex/schema.js", "convex/schema.d.ts", "README.md", "LICENSE"]) {
          await Deno.stat(join(pkgDir, file));
        }
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
        ];
        await $`npm install --no-audit --no-fund --loglevel=error --no-package-lock ${deps}`.cwd(consumer)
          .quiet("stdout");
        const installed = JSON.parse(
          await Deno.readTextFile(join(consumer, "node_modules", "@mastra", "convex", "package.json")),
        );
        assert.equal(installed.version, pkg.version);
      });

      await t.step("node saves and reads a thread through ConvexStorage on the in-process backend", async () => {
        await Deno.writeTextFile(join(consumer, "check.mjs"), NODE_CHECK);
        const result = await $`node check.mjs`.cwd(consumer).noThrow().captureCombined();
        assert.equal(result.code, 0, result.combined);
        assert.match(result.combined, /node: saved and read thread node-thread/);
      });

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
    } finally {
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
