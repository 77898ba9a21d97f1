/**
 * JSR readiness: `deno publish --dry-run --allow-dirty` passes (no slow
 * types, nothing outside the package imported), and `deno doc --lint mod.ts`
 * is reported: strict once `DOC_LINT_STRICT` is on, otherwise its findings
 * are printed so they stay visible without failing CI.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../../tasks/lib/paths.ts";

/** Turn on once `deno doc --lint mod.ts` is clean, to keep it clean. */
const DOC_LINT_STRICT = false;

async function deno(args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

Deno.test("jsr: `deno publish --dry-run --allow-dirty` passes without slow types", async () => {
  const result = await deno(["publish", "--dry-run", "--allow-dirty"]);
  assert.equal(result.code, 0, result.output);
  assert.doesNotMatch(result.output, /error\[/, result.output); // slow types are reported as error[...]
  assert.match(result.output, /Dry run complete/);
  for (const file of ["mod.ts", "convex/schema.ts", "README.md", "LICENSE"]) {
    assert.ok(result.output.includes(file), `${file} is published:\n${result.output}`);
  }
  assert.doesNotMatch(result.output, /\/tests\/|\/tasks\//, "tests and tasks are not published");
});

Deno.test("jsr: `deno doc --lint mod.ts`", async () => {
  const result = await deno(["doc", "--lint", "mod.ts"]);
  if (DOC_LINT_STRICT) {
    assert.equal(result.code, 0, result.output);
  } else if (result.code !== 0) {
    const problems = result.output.split("\n").filter((line) => /^error\[/.test(line));
    console.log(`deno doc --lint mod.ts: ${problems.length} problem(s) (not failing yet):\n${problems.join("\n")}`);
  }
});
