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

/**
 * Runs `deno <args>` in the repository and stops it if it has not ended after `limitMs` (a hang, not a slow run):
 * SIGTERM first, which `deno task` passes on to the script it runs, then SIGKILL.
 */
async function runToEnd(args: string[], limitMs = 300_000): Promise<{ code: number; output: string; ended: boolean }> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let ended = true;
  let force: ReturnType<typeof setTimeout> | undefined;
  const guard = setTimeout(() => {
    ended = false;
    child.kill("SIGTERM");
    force = setTimeout(() => child.kill("SIGKILL"), 10_000);
  }, limitMs);
  const out = await child.output();
  clearTimeout(guard);
  clearTimeout(force);
  const text = new TextDecoder();
  return { code: out.code, output: text.decode(out.stdout) + text.decode(out.stderr), ended };
}

Deno.test("demo: `deno task demo`, as the README says, ends by itself with code 0 and prints what it stored", async () => {
  const readme = await Deno.readTextFile(join(REPO_ROOT, "README.md"));
  assert.match(readme, /```sh\ndeno task demo\n/, "the README's quick start runs `deno task demo`");
  const run = await runToEnd(["task", "demo"]);
  assert.ok(run.ended, `deno task demo did not end by itself (killed after 5 minutes):\n${run.output}`);
  assert.equal(run.code, 0, run.output);
  for (
    const printed of [
      /Saved thread: \{/,
      /title: "Planning a trip to Lisbon"/,
      /Read back resource: \{[\s\S]*Prefers: window seats/,
      /user: Find me a flight to Lisbon in May\./,
      /assistant: TP 1351 leaves at 09:05/,
      /Workflow started: suspended/,
      /Resumed: success/,
      /Successful booking runs: 1 \[ \{ booked: "flight to Lisbon" \} \]/,
    ]
  ) assert.match(run.output, printed);
});

Deno.test("in-process backend: a script that leaves scheduled cleanups pending (op expiry, blob reclaim, cache TTL) still ends", async () => {
  // What a user's script does: writes that schedule the deployment's own cleanups a day, an hour and a minute
  // ahead, then simply returns, with the storage closed in one run and left open in the other.
  const backend = new URL("./helpers/backend.ts", import.meta.url).href;
  const cache = new URL("../src/cache/serverCache.ts", import.meta.url).href;
  for (const close of [true, false]) {
    const script = await Deno.makeTempFile({ suffix: ".ts" });
    await Deno.writeTextFile(
      script,
      `import { createTestStorage, inProcessClient } from "${backend}";
import { ConvexServerCache } from "${cache}";
const { storage, backend } = createTestStorage();
await storage.init();
const memory = (await storage.getStore("memory"))!;
const thread = { id: "t", resourceId: "r", title: "x", metadata: {}, createdAt: new Date(), updatedAt: new Date() };
await memory.saveThread({ thread });
const big = "x".repeat(2 * 1024 * 1024);
await memory.saveMessages({ messages: [{ id: "m", threadId: "t", resourceId: "r", role: "user", type: "text",
  createdAt: new Date(), content: { format: 2, parts: [{ type: "text", text: big }] } }] });
const c = new ConvexServerCache({ client: inProcessClient(backend), ttlMs: 60_000 });
await c.set("k", { v: 1 });
const read = await memory.listMessages({ threadId: "t" });
console.log("stored", read.messages.length, (read.messages[0].content.parts[0] as { text: string }).text.length);
${close ? "await storage.close();" : ""}
`,
    );
    try {
      const run = await runToEnd(["run", "-A", "--config", join(REPO_ROOT, "deno.json"), script]);
      assert.ok(run.ended, `the script (close: ${close}) did not end by itself:\n${run.output}`);
      assert.equal(run.code, 0, run.output);
      assert.match(run.output, /stored 1 2097152/);
    } finally {
      await Deno.remove(script);
    }
  }
});
