/**
 * The README's code: every TypeScript block type-checks with `deno check`
 * as a user would paste it (`tsc` under NodeNext checks the same modules
 * against the npm package in `npm_package_test.ts`); the Convex setup blocks
 * are exactly the app config the scratch-app tests mount; and the example
 * blocks ("Basic operations" through "Real-time subscriptions") run exactly
 * as written, in order, against a `storage` on the in-process backend, with
 * what they print checked.
 */
import assert from "node:assert/strict";
import $ from "dax";
import { ConvexStorage } from "../mod.ts";
import { APP_MODULE, appConfigSource } from "../tasks/lib/convex_check.ts";
import { REPO_ROOT } from "../tasks/lib/paths.ts";
import { join } from "../tasks/lib/std_path.ts";
import { createBackend } from "./helpers/backend.ts";
import { reactiveInProcessClient } from "./helpers/reactive.ts";
import { readmeAppConfigs, readmeAppFunctions, readmeBlocks, readmeModules, RUN_SECTIONS } from "./helpers/readme.ts";

Deno.test({
  name: "every TypeScript block of the README type-checks (deno check) in a Deno project set up as Install says",
  sanitizeResources: false,
  fn: async () => {
    const modules = readmeModules();
    assert.ok(Object.keys(modules).length >= 7, Object.keys(modules).join(", "));
    // The README's deno.json, linking this clone; plus the other packages the blocks import, as a user adds them.
    const block = readmeBlocks().find((b) => b.lang === "json" && b.heading === "Deno, from a clone");
    assert.ok(block, "the README shows the deno.json of the Deno install");
    const config = JSON.parse(block.code);
    assert.deepEqual(config.links, ["../mastra-convex"]);
    config.links = [REPO_ROOT];
    const deno = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
    for (const name of ["@mastra/memory", "convex-test"]) config.imports[name] = deno.imports[name];
    const dir = await Deno.makeTempDir({ prefix: "readme-deno-project-" });
    try {
      await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify(config, null, 2));
      for (const [file, code] of Object.entries(modules)) await Deno.writeTextFile(join(dir, file), code);
      const result = await $`${Deno.execPath()} check --quiet ${Object.keys(modules)}`.cwd(dir).env({ NO_COLOR: "1" })
        .noThrow().quiet().captureCombined();
      assert.equal(result.code, 0, result.combined.replaceAll(dir + "/", "README block "));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the README's Convex setup blocks are the app config the scratch-app tests mount", () => {
  assert.deepEqual(readmeAppConfigs(), [appConfigSource("npm"), appConfigSource("local")]);
  // The app function of "Using Mastra data from your own Convex functions" is the scratch app's convex/chat.ts.
  assert.deepEqual(readmeAppFunctions(), [APP_MODULE]);
});

Deno.test("the README's install commands name the tarball npm pack makes and the Node version we declare", async () => {
  const deno = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
  const tarball = `mastra-convex-${deno.version}.tgz`;
  const install = readmeBlocks().find((block) => block.lang === "sh" && block.code.includes("npm pack"));
  assert.ok(install, "the README has the packed-build install block");
  assert.ok(install.code.includes(`npm install /path/to/${tarball} @mastra/core convex`), install.code);
  assert.ok(install.code.includes("deno task build:npm"));
  const readme = await Deno.readTextFile(join(REPO_ROOT, "README.md"));
  assert.match(readme, /"engines": \{ "node": ">=22" \}/);
  assert.doesNotMatch(readme, /Node 20/);
  for (const line of readme.split("\n").filter((l) => /^(npm install @mastra\/convex|deno add jsr:)/.test(l))) {
    assert.match(line, /when published/, `a registry command not marked "when published": ${line}`);
  }
});

const README = new URL("../README.md", import.meta.url);

/** The ```ts blocks of the README's example sections, in order. */
function exampleBlocks(markdown: string): string[] {
  return readmeBlocks(markdown).filter((block) => block.lang === "ts" && RUN_SECTIONS.includes(block.heading)).map((
    block,
  ) => block.code);
}

Deno.test("the README's examples run as written", async () => {
  const blocks = exampleBlocks(await Deno.readTextFile(README));
  assert.ok(blocks.length >= 4, `found ${blocks.length} example blocks`);
  const client = reactiveInProcessClient(createBackend());
  const storage = new ConvexStorage({ client });
  const printed: string[] = [];
  const console = {
    log: (...args: unknown[]) => printed.push(args.map((a) => typeof a === "string" ? a : JSON.stringify(a)).join(" ")),
    error: (...args: unknown[]) => printed.push(`ERROR ${args.join(" ")}`),
  };
  // The blocks are TypeScript without type annotations (checked above); run them as one async function body.
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const run = new AsyncFunction("storage", "console", blocks.join("\n"));
  await run(storage, console);
  await client.settled();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await client.settled();

  assert.ok(printed.includes("Trip to Lisbon"), printed.join("\n"));
  assert.ok(
    printed.includes(
      JSON.stringify(["user: Find me a flight to Lisbon in May.", "assistant: Here are three options for May."]),
    ),
  );
  assert.ok(printed.includes(JSON.stringify({ "agent.generate": 420 })));
  assert.ok(printed.includes("2 false 2"), "getMessagesPaginated printed total, hasMore, count");
  assert.ok(printed.includes(`1 1 ${JSON.stringify(["suspended"])}`), "traces, evals and runs filtered");
  assert.ok(printed.includes("thread-1 has 3 recent messages"), "watchMessages saw the new message");
  assert.ok(printed.includes("run status: suspended"));
  assert.ok(!printed.some((line) => line.startsWith("ERROR")), printed.join("\n"));
});
