/**
 * The Convex modules as a user's Convex project sees them: they type-check
 * with the shipped `convex/tsconfig.json` (`tsc -p convex`) and bundle the
 * way `npx convex deploy` bundles them, without Node built-ins or
 * `@mastra/core`. A deliberately bad module shows the check bites.
 */
import assert from "node:assert/strict";
import { bundleConvex, isNodeBuiltin, typecheckConvex } from "../tasks/lib/convex_check.ts";
import { listModuleFiles } from "../tasks/lib/convex_project.ts";
import { REPO_ROOT } from "../tasks/lib/paths.ts";
import { join } from "../tasks/lib/std_path.ts";

const CONVEX = join(REPO_ROOT, "convex");

Deno.test("convex/ type-checks with the shipped convex/tsconfig.json (tsc -p convex)", async () => {
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

Deno.test("isNodeBuiltin", () => {
  assert.ok(isNodeBuiltin("node:fs"));
  assert.ok(isNodeBuiltin("fs/promises"));
  assert.ok(!isNodeBuiltin("convex/server"));
  assert.ok(!isNodeBuiltin("./lib/codec.ts"));
});
