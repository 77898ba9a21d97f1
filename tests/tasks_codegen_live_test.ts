/**
 * Orchestration of `deno task codegen` and `deno task test:live` with fake
 * tools on PATH (see tasks_fakes.ts): what they need, what they call and
 * what they say when the deployment is not configured.
 */
import assert from "node:assert/strict";
import { runTask, sandbox } from "./tasks_fakes.ts";

Deno.test("codegen: without a deployment it explains what to set", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "codegen");
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /no Convex deployment is configured/);
    for (
      const name of ["deno task dev", "CONVEX_SELF_HOSTED_URL", "CONVEX_SELF_HOSTED_ADMIN_KEY", "CONVEX_DEPLOY_KEY"]
    ) {
      assert.ok(run.output.includes(name), `${name} in:\n${run.output}`);
    }
    assert.deepEqual(box.calls(), []);
  } finally {
    await box.cleanup();
  }
});

Deno.test("codegen: runs `npx convex codegen` against the deployment in .env.local and fills convex/_generated", async () => {
  const box = await sandbox();
  try {
    await Deno.writeTextFile(
      `${box.root}/.env.local`,
      "CONVEX_SELF_HOSTED_URL=http://127.0.0.1:3210\nCONVEX_SELF_HOSTED_ADMIN_KEY=convex-self-hosted|abc\n",
    );
    const run = await runTask(box, "codegen");
    assert.equal(run.code, 0, run.output);
    const calls = box.calls();
    assert.ok(calls[0].startsWith("npm install"), calls.join("\n"));
    assert.ok(
      calls[1].startsWith("npx convex codegen") &&
        calls[1].endsWith("url=http://127.0.0.1:3210 key=convex-self-hosted|abc deploy_key="),
      calls.join("\n"),
    );
    assert.equal(box.read("convex/_generated/api.js"), "export const api = {};\n");
    assert.match(run.output, /generated convex\/_generated\/ \(2 files/);
    assert.equal(
      box.read("convex/_generated/component.ts"),
      Deno.readTextFileSync(new URL("../convex/_generated/component.ts", import.meta.url)),
      "the tracked ComponentApi is kept",
    );
  } finally {
    await box.cleanup();
  }
});

Deno.test("codegen: a failing CLI is reported", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "codegen", { CONVEX_DEPLOY_KEY: "prod:x|y", FAKE_CLI_EXIT: "2" });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /`npx convex codegen` failed \(exit code 2\)/);
  } finally {
    await box.cleanup();
  }
});

Deno.test("test:live: skipped with a message when CONVEX_URL is unset", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "test_live");
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /live tests skipped: CONVEX_URL is not set/);
    assert.match(run.output, /deno task dev/);
  } finally {
    await box.cleanup();
  }
});

Deno.test("test:live: CONVEX_URL without a key fails and names the variables", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "test_live", { CONVEX_URL: "http://127.0.0.1:9" });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /CONVEX_ADMIN_KEY, CONVEX_DEPLOY_KEY, CONVEX_SELF_HOSTED_ADMIN_KEY/);
  } finally {
    await box.cleanup();
  }
});
