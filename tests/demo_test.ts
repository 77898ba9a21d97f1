/**
 * `deno task demo`: runs with an import map of only what it imports (so a
 * first run fetches nothing else), and half a configuration or an
 * unreachable deployment ends with one clear line and exit code 1, no stack.
 */
import assert from "node:assert/strict";
import { demoTarget } from "../tasks/lib/demo_target.ts";
import { REPO_ROOT } from "../tasks/lib/paths.ts";
import { join } from "../tasks/lib/std_path.ts";
import { closedPort } from "./tasks_fakes.ts";

async function demo(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const base: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["HOME", "DENO_DIR", "PATH", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value) base[name] = value;
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--config",
      join(REPO_ROOT, "tasks", "demo.json"),
      join(REPO_ROOT, "tasks", "demo.ts"),
    ],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: { ...base, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, output: text.decode(out.stdout) + text.decode(out.stderr) };
}

Deno.test("demo: deno task demo uses tasks/demo.json, whose imports are exactly the demo's packages", async () => {
  const deno = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
  assert.equal(deno.tasks.demo, "deno run -A --config tasks/demo.json tasks/demo.ts");
  const config = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "tasks", "demo.json")));
  const names = new Set(Object.keys(config.imports).map((name) => name.replace(/\/$/, "")));
  assert.deepEqual([...names].sort(), ["@mastra/core", "convex", "convex-test", "zod"]);
  for (const [name, target] of Object.entries(config.imports)) {
    assert.equal(target, deno.imports[name], `${name} resolves as in deno.json`);
  }
  const lock = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "tasks", "demo.lock")));
  const packages = Object.keys(lock.npm ?? {});
  for (const absent of ["@mastra/convex@", "dax-sh@", "fast-check@", "@mastra/memory@", "convex-helpers@"]) {
    assert.ok(!packages.some((key) => key.startsWith(absent)), `${absent} is not fetched by the demo`);
  }
});

Deno.test("demoTarget: what is missing", () => {
  assert.deepEqual(demoTarget(() => undefined), { live: false });
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.deepEqual(demoTarget(env({ CONVEX_URL: "https://x", CONVEX_DEPLOY_KEY: "k" })), {
    live: true,
    url: "https://x",
  });
  const noKey = demoTarget(env({ CONVEX_URL: "https://x" }));
  assert.ok(
    "error" in noKey && /CONVEX_ADMIN_KEY, or CONVEX_DEPLOY_KEY, or CONVEX_SELF_HOSTED_ADMIN_KEY/.test(noKey.error),
  );
  const noUrl = demoTarget(env({ CONVEX_ADMIN_KEY: "k" }));
  assert.ok("error" in noUrl && /CONVEX_ADMIN_KEY is set but CONVEX_URL is not/.test(noUrl.error));
});

Deno.test("demo: CONVEX_URL without a key says which variables to set, exit 1, no stack", async () => {
  const run = await demo({ CONVEX_URL: "http://127.0.0.1:3210" });
  assert.equal(run.code, 1, run.output);
  assert.match(
    run.output,
    /^error: CONVEX_URL is set \(http:\/\/127\.0\.0\.1:3210\) but no key is: set CONVEX_ADMIN_KEY/m,
  );
  assert.doesNotMatch(run.output, /^\s+at /m);
});

Deno.test("demo: an unreachable deployment is one line, exit 1, no stack", async () => {
  const url = `http://127.0.0.1:${closedPort()}`;
  const run = await demo({ CONVEX_URL: url, CONVEX_ADMIN_KEY: "convex-self-hosted|00" });
  assert.equal(run.code, 1, run.output);
  assert.ok(run.output.includes(`error: the deployment at ${url} cannot be used:`), run.output);
  assert.match(run.output, /could not be reached/);
  assert.doesNotMatch(run.output, /^\s+at /m);
});
