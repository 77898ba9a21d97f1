/**
 * The Convex modules as a user's Convex project sees them: they type-check
 * with the tsconfig the Convex CLI writes (`tsc -p convex`) and bundle the
 * way `npx convex deploy` bundles them, without Node built-ins or
 * `@mastra/core`. A scratch app mounting our folder as a local component
 * (`convex/mastra/`, `app.use(mastra)`) type-checks and bundles the same way
 * (the npm route is checked by `npm_package_test.ts`). Deliberately bad
 * modules show the checks bite.
 */
import assert from "node:assert/strict";
import {
  bundleConvex,
  checkScratchApp,
  cliEntryPoints,
  cliTsconfig,
  isNodeBuiltin,
  typecheckConvex,
  writeScratchApp,
} from "../../tasks/lib/convex_check.ts";
import { listModuleFiles } from "../../tasks/lib/convex_project.ts";
import { REPO_ROOT } from "../../tasks/lib/paths.ts";
import { join } from "../../tasks/lib/std_path.ts";

const CONVEX = join(REPO_ROOT, "convex");

/** A tsconfig's settings: JSON with comments (outside strings) and trailing commas. */
function parseJsonc(text: string): unknown {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      out += text.slice(i, end + 1);
      i = end;
    } else if (c === "/" && text[i + 1] === "*") i = text.indexOf("*/", i + 2) + 1;
    else if (c === "/" && text[i + 1] === "/") i = text.indexOf("\n", i) - 1;
    else out += c;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

Deno.test("convex/tsconfig.json has the settings of the one the Convex CLI writes", async () => {
  assert.deepEqual(parseJsonc(Deno.readTextFileSync(join(CONVEX, "tsconfig.json"))), parseJsonc(await cliTsconfig()));
});

Deno.test("convex/ type-checks with the Convex CLI's tsconfig (tsc -p convex)", async () => {
  const result = await typecheckConvex(CONVEX);
  assert.ok(result.ok, `tsc -p convex failed:\n${result.output}`);
});

Deno.test("every convex/ module bundles like `npx convex deploy`, without Node built-ins or @mastra/core", async () => {
  const result = await bundleConvex(CONVEX);
  assert.ok(result.ok, `esbuild failed:\n${result.output}`);
  assert.deepEqual(result.entryPoints, listModuleFiles(CONVEX));
  assert.ok(result.entryPoints.includes("schema.ts"));
  assert.deepEqual(result.forbidden, []);
  assert.ok(result.inputs.some((input) => input.includes("convex")), "the convex package is bundled in");
});

Deno.test("the bundle check rejects Node built-ins and @mastra/core", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bad-convex-" });
  try {
    await Deno.writeTextFile(join(dir, "ok.ts"), `export const answer = 42;\n`);
    await Deno.writeTextFile(
      join(dir, "core.ts"),
      `import { MastraError } from "@mastra/core/error";\nexport const make = () => new MastraError({ id: "X", domain: "STORAGE", category: "USER" } as never);\n`,
    );
    const core = await bundleConvex(dir, [join(REPO_ROOT, "node_modules")]);
    assert.ok(core.ok, core.output);
    assert.ok(
      core.forbidden.some((reason) => reason.includes("@mastra/core is bundled")),
      `expected @mastra/core to be flagged:\n${core.forbidden.join("\n")}`,
    );

    await Deno.remove(join(dir, "core.ts"));
    await Deno.writeTextFile(
      join(dir, "fs.ts"),
      `import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n`,
    );
    const fs = await bundleConvex(dir);
    assert.equal(fs.ok, false);
    assert.ok(fs.forbidden.some((reason) => reason.includes("node:fs")), fs.output);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a scratch app with our folder as a local component (convex/mastra/) type-checks and bundles like the CLI",
  sanitizeResources: false,
  fn: async () => {
    const app = await Deno.makeTempDir({ prefix: "mastra-local-app-" });
    try {
      await Deno.symlink(join(REPO_ROOT, "node_modules"), join(app, "node_modules"));
      const convexDir = await writeScratchApp(app, "local");
      const check = await checkScratchApp(app);
      assert.ok(check.typecheck.ok, `tsc -p convex failed:\n${check.typecheck.output}`);
      assert.equal(check.componentDir, join(convexDir, "mastra"), "app.use(mastra) resolves to convex/mastra/");
      assert.ok(check.app.ok, check.app.output);
      assert.deepEqual(check.app.entryPoints, ["chat.ts"], "the component's folder is not pushed as app modules");
      assert.ok(check.component?.ok, check.component?.output);
      assert.deepEqual(check.component?.entryPoints, cliEntryPoints(CONVEX));
      assert.ok(check.component!.entryPoints.includes("memory/threads.ts"));
      assert.deepEqual([...check.app.forbidden, ...check.component!.forbidden], []);

      // The check bites: a wrong field of a component query's result fails the type-check.
      const chat = join(convexDir, "chat.ts");
      await Deno.writeTextFile(chat, (await Deno.readTextFile(chat)).replace("thread.resourceId", "thread.resourceID"));
      const bad = await typecheckConvex(convexDir);
      assert.equal(bad.ok, false);
      assert.match(bad.output, /resourceID/);
    } finally {
      await Deno.remove(app, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("cliEntryPoints skips what the Convex CLI skips", async () => {
  const dir = await Deno.makeTempDir({ prefix: "entry-points-" });
  try {
    for (
      const file of [
        "a.ts",
        "schema.ts",
        "convex.config.ts",
        "x.d.ts",
        "_generated/api.js",
        "sub/b.ts",
        "nested/convex.config.ts",
        "nested/c.ts",
        ".hidden.ts",
      ]
    ) {
      await Deno.mkdir(join(dir, file, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, file), "export {};\n");
    }
    assert.deepEqual(cliEntryPoints(dir), ["a.ts", "sub/b.ts"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("isNodeBuiltin", () => {
  assert.ok(isNodeBuiltin("node:fs"));
  assert.ok(isNodeBuiltin("fs/promises"));
  assert.ok(!isNodeBuiltin("convex/server"));
  assert.ok(!isNodeBuiltin("./lib/codec.ts"));
});
