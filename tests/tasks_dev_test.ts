/**
 * Orchestration of `deno task dev` and `deno task dev:down` without Docker:
 * fake `docker`, `npm` and `npx` first on PATH log their calls, a fake
 * `/version` endpoint plays the backend, and the task runs as a subprocess.
 * Checks the order of calls, the files written and the messages printed,
 * including the failure paths.
 */
import assert from "node:assert/strict";
import { closedPort, fakeBackend, runTask, sandbox } from "./tasks_fakes.ts";

const KEY = "convex-self-hosted|01f00dcafe";

function indexOfCall(calls: string[], prefix: string): number {
  const index = calls.findIndex((call) => call.startsWith(prefix));
  assert.ok(index >= 0, `expected a call starting with ${JSON.stringify(prefix)} in:\n${calls.join("\n")}`);
  return index;
}

Deno.test("dev: starts Convex, waits for health, writes .env.local, deploys, runs the demo, prints the dashboard", async () => {
  const box = await sandbox();
  const backend = fakeBackend();
  try {
    await Deno.writeTextFile(`${box.root}/.env.local`, "# mine\nMY_SETTING=keep\nCONVEX_URL=http://old\n");
    const run = await runTask(box, "dev", { PORT: String(backend.port), DASHBOARD_PORT: "16791" });
    assert.equal(run.code, 0, run.output);
    const calls = box.calls();
    const order = [
      indexOfCall(calls, "docker compose version"),
      indexOfCall(calls, "docker info"),
      indexOfCall(calls, "docker compose up -d"),
      indexOfCall(calls, "docker compose exec -T backend ./generate_admin_key.sh"),
      indexOfCall(calls, "npm install"),
      indexOfCall(calls, "npx convex deploy"),
      indexOfCall(calls, "demo "),
    ];
    assert.deepEqual(order, [...order].sort((a, b) => a - b), calls.join("\n"));
    const url = `http://127.0.0.1:${backend.port}`;
    const deploy = calls[indexOfCall(calls, "npx convex deploy")];
    assert.ok(deploy.includes(`(in ${box.root}/.convex-dev)`), deploy);
    assert.ok(deploy.includes(`url=${url} key=${KEY} deploy_key=`), deploy);
    assert.ok(deploy.endsWith("deploy_key="), "no cloud deploy key leaks into a self-hosted deploy");
    assert.equal(calls[indexOfCall(calls, "demo ")], `demo url=${url} admin_key=${KEY} deploy_key=`);

    const env = box.read(".env.local")!;
    assert.match(env, /^# mine$/m);
    assert.match(env, /^MY_SETTING=keep$/m);
    assert.match(env, new RegExp(`^CONVEX_URL=${url}$`, "m"));
    assert.match(env, new RegExp(`^CONVEX_SELF_HOSTED_URL=${url}$`, "m"));
    assert.ok(env.includes(`CONVEX_SELF_HOSTED_ADMIN_KEY=${KEY}`), env);
    assert.equal(env.match(/CONVEX_URL=/g)?.length, 1, env);

    const pkg = JSON.parse(box.read(".convex-dev/package.json")!);
    assert.ok(pkg.dependencies.convex, "the CLI project depends on convex");
    assert.equal(JSON.parse(box.read(".convex-dev/convex.json")!).functions, "convex/");
    assert.match(box.read(".convex-dev/convex/convex.config.ts")!, /app\.use\(mastra\)/);
    assert.ok(box.read(".convex-dev/convex/mastra/schema.ts"));
    assert.ok(box.read(".convex-dev/convex/mastra/convex.config.ts"));
    assert.ok(box.read(".convex-dev/convex/mastra/_generated/component.ts"));
    assert.equal(box.read(".convex-dev/convex/schema.ts"), undefined, "the app has no tables of ours");
    assert.ok(box.read(".convex-dev/convex/tsconfig.json"));

    for (
      const message of [
        "==> Checking Docker",
        "==> Waiting for the backend",
        "ok  backend is healthy",
        "ok  wrote .env.local",
        "ok  functions deployed",
        "demo ran",
        "Dashboard:      http://127.0.0.1:16791",
        "deno task dev:down",
      ]
    ) assert.ok(run.output.includes(message), `missing ${JSON.stringify(message)} in:\n${run.output}`);

    // A second run reuses the installed CLI project: no second npm install.
    const again = await runTask(box, "dev", { PORT: String(backend.port) }, ["--no-demo"]);
    assert.equal(again.code, 0, again.output);
    assert.equal(box.calls().filter((call) => call.startsWith("npm install")).length, 1);
    assert.equal(box.calls().filter((call) => call.startsWith("demo ")).length, 1, "--no-demo skips the demo");
  } finally {
    await backend.stop();
    await box.cleanup();
  }
});

Deno.test("dev: without Docker and without Node it says what to install and explains the Convex cloud alternative", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "dev", {}, [], box.emptyBin);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /Docker is not installed/);
    assert.match(run.output, /npx is not on PATH; it is needed to run `npx convex dev --local`\. Install Node\.js 22/);
    assert.match(run.output, /CONVEX_URL=https:\/\/<deployment>\.convex\.cloud and CONVEX_DEPLOY_KEY=/);
    assert.equal(box.read(".env.local"), undefined);
    assert.deepEqual(box.calls(), []);
  } finally {
    await box.cleanup();
  }
});

Deno.test("dev: a stopped Docker daemon is reported before anything starts", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "dev", { FAKE_INFO_EXIT: "1" }, ["--docker"]);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /the Docker daemon is not running/);
    assert.match(run.output, /CONVEX_DEPLOY_KEY/);
    assert.ok(!box.calls().some((call) => call.startsWith("docker compose up")), box.calls().join("\n"));
  } finally {
    await box.cleanup();
  }
});

Deno.test("dev --docker: a docker command without the Compose plugin says to install the plugin", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "dev", { FAKE_COMPOSE_EXIT: "1" }, ["--docker"]);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /the Docker Compose plugin is missing/);
    assert.match(
      run.output,
      /Install the Docker Compose plugin \(`docker compose`\): https:\/\/docs\.docker\.com\/compose\/install\//,
    );
    assert.doesNotMatch(run.output, /Start Docker/);
    assert.ok(!box.calls().some((call) => call.startsWith("docker compose up")), box.calls().join("\n"));
  } finally {
    await box.cleanup();
  }
});

Deno.test("dev without Docker: `npx convex dev --local` deploys, .env.local is written, the demo runs", async () => {
  const box = await sandbox();
  const backend = fakeBackend();
  try {
    await Deno.writeTextFile(`${box.root}/.env.local`, "CONVEX_SELF_HOSTED_URL=http://stale\n");
    const run = await runTask(
      box,
      "dev",
      { FAKE_LOCAL_PORT: String(backend.port) },
      ["--exit-when-ready"],
      `${box.noDockerBin}:/usr/bin:/bin`,
    );
    assert.equal(run.code, 0, run.output);
    const calls = box.calls();
    const order = [
      indexOfCall(calls, "npm install"),
      indexOfCall(calls, "npx convex dev --local --tail-logs disable"),
      indexOfCall(calls, "demo "),
    ];
    assert.deepEqual(order, [...order].sort((a, b) => a - b), calls.join("\n"));
    const dev = calls[indexOfCall(calls, "npx convex dev --local")];
    assert.ok(dev.includes(`(in ${box.root}/.convex-dev)`), dev);
    assert.ok(dev.endsWith("url= key= deploy_key="), "no self-hosted or cloud settings reach the CLI: " + dev);
    assert.ok(calls.includes("agent_mode=anonymous"), calls.join("\n"));
    const url = `http://127.0.0.1:${backend.port}`;
    const key = "anonymous-mastra|0ff1ce";
    assert.equal(calls[indexOfCall(calls, "demo ")], `demo url=${url} admin_key=${key} deploy_key=`);
    const env = box.read(".env.local")!;
    assert.match(env, new RegExp(`^CONVEX_SELF_HOSTED_URL=${url}$`, "m"));
    assert.ok(env.includes(`CONVEX_SELF_HOSTED_ADMIN_KEY=${key}`), env);
    assert.match(env, new RegExp(`^CONVEX_URL=${url}$`, "m"));
    for (
      const message of [
        "warning: Docker is not installed",
        "==> Using the Convex CLI's local deployment",
        "convex: ✔ 12:00:00 Convex functions ready! (1.2s)",
        "ok  functions deployed",
        "ok  backend is healthy",
        "ok  wrote .env.local",
        "demo ran",
        "Dashboard:      run `npx convex dashboard`",
        "ok  stopped the local deployment",
      ]
    ) assert.ok(run.output.includes(message), `missing ${JSON.stringify(message)} in:\n${run.output}`);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(run.output, /\x1b\[/, "no terminal codes in piped output");
  } finally {
    await backend.stop();
    await box.cleanup();
  }
});

Deno.test("dev without Docker: a failing `npx convex dev --local` stops before the demo and says where to retry", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "dev", { FAKE_LOCAL_EXIT: "1" }, [], `${box.noDockerBin}:/usr/bin:/bin`);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /convex: ✖ Failed to download the Convex backend/);
    assert.match(run.output, /exited \(code 1\) before the functions were ready/);
    assert.match(run.output, /\.convex-dev; run `npx convex dev --local` there to retry/);
    assert.ok(!box.calls().some((call) => call.startsWith("demo ")));
    assert.equal(box.read(".env.local"), undefined);
  } finally {
    await box.cleanup();
  }
});

Deno.test("dev: a backend that never becomes healthy fails after the timeout, with what to look at", async () => {
  const box = await sandbox();
  try {
    const port = closedPort();
    const started = Date.now();
    const run = await runTask(box, "dev", { PORT: String(port), CONVEX_HEALTH_TIMEOUT_SECS: "1" });
    assert.equal(run.code, 1, run.output);
    assert.ok(Date.now() - started < 30_000);
    assert.match(run.output, new RegExp(`did not become healthy within 1s \\(http://127.0.0.1:${port}/version\\)`));
    assert.match(run.output, /docker compose logs backend/);
    const calls = box.calls();
    indexOfCall(calls, "docker compose up -d");
    assert.ok(!calls.some((call) => call.includes("generate_admin_key")), calls.join("\n"));
    assert.equal(box.read(".env.local"), undefined);
  } finally {
    await box.cleanup();
  }
});

Deno.test("dev: `docker compose up` failing stops the task", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "dev", { FAKE_UP_EXIT: "1" });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /`docker compose up -d` failed/);
  } finally {
    await box.cleanup();
  }
});

Deno.test("dev: a failing deploy stops before the demo and says where to retry", async () => {
  const box = await sandbox();
  const backend = fakeBackend();
  try {
    const run = await runTask(box, "dev", { PORT: String(backend.port), FAKE_DEPLOY_EXIT: "3" });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /the Convex CLI could not deploy our functions \(exit code 3\)/);
    assert.match(run.output, /TypeScript typecheck/, "the CLI's own output is shown");
    assert.ok(run.output.includes(".convex-dev"), run.output);
    const calls = box.calls();
    indexOfCall(calls, "npx convex deploy");
    assert.ok(!calls.some((call) => call.startsWith("demo ")), calls.join("\n"));
    assert.ok(box.read(".env.local")?.includes("CONVEX_SELF_HOSTED_ADMIN_KEY="), "the key is kept for a retry");
  } finally {
    await backend.stop();
    await box.cleanup();
  }
});

Deno.test("dev: with a Node older than the Convex CLI accepts, the installed CLI runs under Deno", async () => {
  const box = await sandbox();
  const backend = fakeBackend();
  try {
    const run = await runTask(box, "dev", { PORT: String(backend.port), FAKE_NODE_VERSION: "v20.20.2" }, ["--no-demo"]);
    assert.equal(run.code, 0, run.output);
    assert.match(
      run.output,
      /Node v20 is older than the Convex CLI needs \(>= 22\); running the installed CLI with Deno/,
    );
    const calls = box.calls();
    const deploy = calls[indexOfCall(calls, "deno-run convex deploy")];
    assert.ok(deploy.includes(`url=http://127.0.0.1:${backend.port} key=${KEY}`), deploy);
    assert.ok(!calls.some((call) => call.startsWith("npx")), calls.join("\n"));
  } finally {
    await backend.stop();
    await box.cleanup();
  }
});

Deno.test("dev: with CONVEX_DEPLOY_KEY and CONVEX_URL it deploys to Convex cloud without Docker", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(
      box,
      "dev",
      {
        CONVEX_URL: "https://happy-animal-123.convex.cloud",
        CONVEX_DEPLOY_KEY: "prod:happy-animal-123|secret",
        CONVEX_CLI: "npx convex",
      },
      [],
      `${box.bin}:/usr/bin:/bin`,
    );
    assert.equal(run.code, 0, run.output);
    const calls = box.calls();
    assert.ok(!calls.some((call) => call.startsWith("docker")), calls.join("\n"));
    assert.ok(!calls.some((call) => call.startsWith("npm install")), "a configured CONVEX_CLI is used as is");
    const deploy = calls[indexOfCall(calls, "npx convex deploy")];
    assert.ok(deploy.endsWith("url= key= deploy_key=prod:happy-animal-123|secret"), deploy);
    assert.equal(
      calls[indexOfCall(calls, "demo ")],
      "demo url=https://happy-animal-123.convex.cloud admin_key= deploy_key=prod:happy-animal-123|secret",
    );
    assert.match(run.output, /dashboard\.convex\.dev/);
    assert.equal(box.read(".env.local"), undefined);
  } finally {
    await box.cleanup();
  }
});

Deno.test("dev:down: `docker compose down`, and `--volumes` deletes the data", async () => {
  const box = await sandbox();
  try {
    const run = await runTask(box, "dev_down");
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /local Convex stopped/);
    const withVolumes = await runTask(box, "dev_down", {}, ["--volumes"]);
    assert.equal(withVolumes.code, 0, withVolumes.output);
    const downs = box.calls().filter((call) => call.startsWith("docker compose down"));
    assert.deepEqual(downs, ["docker compose down", "docker compose down --volumes"]);
    const noDocker = await runTask(box, "dev_down", {}, [], box.emptyBin);
    assert.equal(noDocker.code, 1);
    assert.match(noDocker.output, /Docker is not usable/);
  } finally {
    await box.cleanup();
  }
});
