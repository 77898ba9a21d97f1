/**
 * `deno task dev`: from a clone to a running local Convex with our functions
 * deployed, in one command.
 *
 * 1. checks Docker (without it: explains the Convex cloud alternative);
 * 2. `docker compose up -d` (backend + dashboard of docker-compose.yml);
 * 3. waits for the backend's `/version` (`CONVEX_HEALTH_TIMEOUT_SECS`, default 120);
 * 4. `docker compose exec backend ./generate_admin_key.sh`;
 * 5. writes `.env.local` (`CONVEX_SELF_HOSTED_URL`, `CONVEX_SELF_HOSTED_ADMIN_KEY`, `CONVEX_URL`);
 * 6. deploys `convex/` with the Convex CLI (`npx convex deploy`, from `.convex-dev/`);
 * 7. runs `deno task demo` against the deployment (skip with `--no-demo`);
 * 8. prints the dashboard URL and how to log in.
 *
 * Without Docker (or with `--local`) the Convex CLI runs the deployment
 * itself: `npx convex dev --local` (anonymous, no login; it downloads the
 * Convex backend binary on first run) from `.convex-dev/`, which deploys the
 * component and keeps watching. The task waits for "Convex functions ready",
 * reads the deployment's URL and admin key from
 * `.convex-dev/.convex/local/default/config.json`, writes `.env.local`, runs
 * the demo and prints the dashboard command; it then stays in the foreground
 * with the CLI until Ctrl-C (`--exit-when-ready` stops it instead).
 * `--docker` insists on Docker.
 *
 * With `CONVEX_DEPLOY_KEY` and `CONVEX_URL` set (environment, `.env` or
 * `.env.local`) it deploys to that Convex cloud deployment instead and needs
 * no Docker. Settings: `PORT`, `SITE_PROXY_PORT`, `DASHBOARD_PORT`,
 * `CONVEX_CLI` (default `npx convex`), `DEMO_COMMAND` (default `deno task demo`),
 * `CONVEX_LOCAL_TIMEOUT_SECS` (default 600: the first run downloads the backend).
 * @module
 */
import $ from "dax";
import { cloudEnv, prepareWorkspace, selfHostedEnv } from "./lib/convex_project.ts";
import { checkDocker, type DockerStatus, parseAdminKey, waitForHealthy } from "./lib/docker.ts";
import { loadSettings, splitCommand, updateDotenv } from "./lib/env.ts";
import { fail, info, ok, runTask, step, warn } from "./lib/log.ts";
import { missingToolMessage } from "./lib/npm_tools.ts";
import { projectRoot } from "./lib/paths.ts";
import { join } from "./lib/std_path.ts";

/** What to say when Docker is not usable: the cloud alternative. */
export const CLOUD_ALTERNATIVE: string[] = [
  "Alternative without Docker: use a Convex cloud deployment.",
  "  1. Create a project at https://dashboard.convex.dev (free tier is enough).",
  "  2. In its Settings, create a deploy key.",
  "  3. Set CONVEX_URL=https://<deployment>.convex.cloud and CONVEX_DEPLOY_KEY=<deploy key>",
  "     (in your shell or in .env.local), then run `deno task dev` again:",
  "     it deploys our convex/ functions there and runs the demo.",
];

async function deploy(root: string, settings: Record<string, string>, env: Record<string, string | undefined>) {
  const { dir, cli } = await prepareWorkspace(root, settings);
  step("Deploying convex/ with the Convex CLI", `${cli.join(" ")} deploy`);
  const result = await $`${cli} deploy`.cwd(dir).env(env).noThrow();
  if (result.code !== 0) {
    fail(
      `the Convex CLI could not deploy our functions (exit code ${result.code})`,
      "Its output above says why (type errors, bundling errors, an unreachable deployment, a wrong key).",
      `The CLI project is ${join(root, ".convex-dev")}; run \`${cli.join(" ")} deploy\` there to retry.`,
    );
  }
  ok("functions deployed");
}

async function runDemo(root: string, settings: Record<string, string>, env: Record<string, string>) {
  if (Deno.args.includes("--no-demo") || settings.DEV_SKIP_DEMO === "1") {
    info("demo skipped (--no-demo)");
    return;
  }
  const command = settings.DEMO_COMMAND ? splitCommand(settings.DEMO_COMMAND) : [Deno.execPath(), "task", "demo"];
  step("Running the demo against the deployment", settings.DEMO_COMMAND ?? "deno task demo");
  const result = await $`${command}`.cwd(root).env(env).noThrow();
  if (result.code !== 0) {
    fail(
      `the demo failed (exit code ${result.code})`,
      "The deployment is up and our functions are deployed; see the demo's output above.",
    );
  }
  ok("demo finished");
}

async function devCloud(root: string, settings: Record<string, string>) {
  const url = settings.CONVEX_URL;
  if (!url) {
    fail(
      "CONVEX_DEPLOY_KEY is set but CONVEX_URL is not",
      "Set CONVEX_URL to your deployment's URL (https://<deployment>.convex.cloud) as well.",
    );
  }
  step("Using the Convex cloud deployment", `${url} (CONVEX_DEPLOY_KEY is set; Docker is not used)`);
  await deploy(root, settings, cloudEnv(settings.CONVEX_DEPLOY_KEY));
  await runDemo(root, settings, { CONVEX_URL: url, CONVEX_DEPLOY_KEY: settings.CONVEX_DEPLOY_KEY });
  step("Done", `deployment ${url}`);
  info(
    "Dashboard: https://dashboard.convex.dev",
    "Run the test suites against it: deno task test:live",
  );
}

/** What is wrong with Docker, and how to fix it. */
function dockerProblem(docker: Exclude<DockerStatus, { ok: true }>): { what: string; fix: string[] } {
  if (docker.reason === "missing") {
    return {
      what: "Docker is not installed (no `docker` command found)",
      fix: ["Install Docker Desktop or Docker Engine with the Compose plugin: https://docs.docker.com/get-docker/"],
    };
  }
  if (docker.reason === "no-compose") {
    return {
      what: "the Docker Compose plugin is missing (`docker compose version` failed)",
      fix: [
        `(${docker.detail})`,
        "Install the Docker Compose plugin (`docker compose`): https://docs.docker.com/compose/install/",
      ],
    };
  }
  return {
    what: "the Docker daemon is not running (`docker info` failed)",
    fix: [`(${docker.detail})`, "Start Docker and run `deno task dev` again."],
  };
}

/** The local deployment the Convex CLI runs (`npx convex dev --local`), as its state file describes it. */
export type CliLocalDeployment = { url: string; siteUrl: string; adminKey: string; name?: string };

/** Reads `.convex/local/default/config.json` of the CLI project, or undefined if absent or incomplete. */
export function readCliLocalDeployment(dir: string): CliLocalDeployment | undefined {
  try {
    const config = JSON.parse(Deno.readTextFileSync(join(dir, ".convex", "local", "default", "config.json")));
    const cloud = config?.ports?.cloud;
    if (typeof config?.adminKey !== "string" || typeof cloud !== "number") return undefined;
    return {
      url: `http://127.0.0.1:${cloud}`,
      siteUrl: `http://127.0.0.1:${config.ports.site ?? cloud + 1}`,
      adminKey: config.adminKey,
      name: config.deploymentName,
    };
  } catch {
    return undefined;
  }
}

/** Forwards the CLI's output line by line; resolves `ready` on "Convex functions ready". */
function followCli(stream: ReadableStream<Uint8Array>, onReady: () => void): Promise<void> {
  return (async () => {
    let buffer = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const lines = buffer.split(/\r?\n/);
      buffer = lines.pop() ?? "";
      for (const text of lines) {
        // deno-lint-ignore no-control-regex
        const plain = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").trimEnd();
        if (plain === "") continue;
        info(`convex: ${plain}`);
        if (/Convex functions ready/.test(plain)) onReady();
      }
    }
  })();
}

/**
 * Environment of `npx convex dev --local`: anonymous agent mode (no login
 * prompt), without the variables that would point the CLI elsewhere.
 */
export function cliLocalEnv(env: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = { ...env, CONVEX_AGENT_MODE: "anonymous" };
  for (const name of ["CONVEX_SELF_HOSTED_URL", "CONVEX_SELF_HOSTED_ADMIN_KEY", "CONVEX_DEPLOY_KEY"]) {
    delete result[name];
  }
  return result;
}

/** `npx convex dev --local`: the CLI runs the backend itself; same end state as the Docker path. */
async function devCliLocal(root: string, settings: Record<string, string>) {
  step(
    "Using the Convex CLI's local deployment",
    "npx convex dev --local (no Docker; the CLI downloads the Convex backend binary on its first run)",
  );
  if (!settings.CONVEX_CLI && !(await $.which("npx"))) {
    fail(missingToolMessage("npx", "to run `npx convex dev --local`"), "", ...CLOUD_ALTERNATIVE);
  }
  const { dir, cli } = await prepareWorkspace(root, settings);
  const timeoutSecs = Number(settings.CONVEX_LOCAL_TIMEOUT_SECS || "600");
  step("Starting the local deployment and deploying convex/", `${cli.join(" ")} dev --local (up to ${timeoutSecs}s)`);
  const child = new Deno.Command(cli[0], {
    args: [...cli.slice(1), "dev", "--local", "--tail-logs", "disable"],
    cwd: dir,
    clearEnv: true,
    env: cliLocalEnv(Deno.env.toObject()),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const output = Promise.all([followCli(child.stdout, markReady), followCli(child.stderr, markReady)]);
  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  };
  const onSignal = () => stop();
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      ready.then(() => "ready" as const),
      child.status.then((status) => status),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutSecs * 1000))),
    ]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      stop();
      fail(
        `\`${cli.join(" ")} dev --local\` was not ready within ${timeoutSecs}s`,
        "See its output above; a first run downloads the backend binary: raise CONVEX_LOCAL_TIMEOUT_SECS.",
      );
    }
    if (outcome !== "ready") {
      await output;
      fail(
        `\`${cli.join(" ")} dev --local\` exited (code ${outcome.code}) before the functions were ready`,
        "Its output above says why (a download that failed, type errors, a port in use).",
        `The CLI project is ${dir}; run \`${cli.join(" ")} dev --local\` there to retry.`,
      );
    }
    ok("functions deployed", "by npx convex dev --local");

    const deployment = readCliLocalDeployment(dir);
    if (!deployment) {
      stop();
      fail(
        "the Convex CLI's local deployment has no readable state",
        `expected a URL port and an admin key in ${join(dir, ".convex", "local", "default", "config.json")}`,
      );
    }
    step("Checking the backend", `${deployment.url}/version`);
    if (!(await waitForHealthy(`${deployment.url}/version`, 30_000, 500))) {
      stop();
      fail(`the local backend does not answer at ${deployment.url}/version`, "See the CLI's output above.");
    }
    ok("backend is healthy", deployment.url);

    updateDotenv(join(root, ".env.local"), {
      CONVEX_SELF_HOSTED_URL: deployment.url,
      CONVEX_SELF_HOSTED_ADMIN_KEY: deployment.adminKey,
      CONVEX_URL: deployment.url,
    }, "Written by `deno task dev`: the Convex CLI's local deployment (npx convex dev --local).");
    ok("wrote .env.local", "CONVEX_SELF_HOSTED_URL, CONVEX_SELF_HOSTED_ADMIN_KEY, CONVEX_URL");

    await runDemo(root, settings, {
      CONVEX_URL: deployment.url,
      CONVEX_SELF_HOSTED_ADMIN_KEY: deployment.adminKey,
      CONVEX_ADMIN_KEY: deployment.adminKey,
    });

    step(
      "Local Convex is running",
      `under ${cli.join(" ")} dev --local${deployment.name ? ` (${deployment.name})` : ""}`,
    );
    info(
      `Dashboard:      run \`${cli.join(" ")} dashboard\` in ${dir}`,
      `Deployment URL: ${deployment.url} (HTTP actions: ${deployment.siteUrl})`,
      "                admin key: CONVEX_SELF_HOSTED_ADMIN_KEY in .env.local",
      "Test suites against it: deno task test:live (in another terminal)",
    );
    if (Deno.args.includes("--exit-when-ready")) {
      stop();
      await child.status;
      await output;
      ok("stopped the local deployment", "(--exit-when-ready)");
      return;
    }
    info("The CLI keeps the backend up and redeploys on changes in .convex-dev/convex/; Ctrl-C stops it.");
    const status = await child.status;
    await output;
    if (status.code !== 0 && status.signal !== "SIGINT" && status.signal !== "SIGTERM") {
      fail(`\`${cli.join(" ")} dev --local\` exited with code ${status.code}`, "See its output above.");
    }
    ok("stopped the local deployment");
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

async function devLocal(root: string, settings: Record<string, string>) {
  if (Deno.args.includes("--local")) return await devCliLocal(root, settings);
  step("Checking Docker");
  const docker = await checkDocker();
  if (!docker.ok) {
    const { what, fix } = dockerProblem(docker);
    if (Deno.args.includes("--docker")) {
      fail(`${what}: the local Convex backend runs in Docker (--docker).`, ...fix, "", ...CLOUD_ALTERNATIVE);
    }
    warn(what, "");
    info(
      ...fix,
      "Without Docker, the Convex CLI runs the backend itself (`deno task dev --docker` insists on Docker).",
    );
    return await devCliLocal(root, settings);
  }
  ok("Docker is available");

  const port = settings.PORT || "3210";
  const sitePort = settings.SITE_PROXY_PORT || "3211";
  const dashboardPort = settings.DASHBOARD_PORT || "6791";
  const url = `http://127.0.0.1:${port}`;

  step(
    "Starting Convex",
    `docker compose up -d (backend on ${port}, HTTP actions on ${sitePort}, dashboard on ${dashboardPort})`,
  );
  const up = await $`docker compose up -d`.cwd(root).noThrow();
  if (up.code !== 0) {
    fail(
      `\`docker compose up -d\` failed (exit code ${up.code})`,
      "See Docker's output above (a port in use? set PORT, SITE_PROXY_PORT or DASHBOARD_PORT in .env).",
    );
  }

  const timeoutSecs = Number(settings.CONVEX_HEALTH_TIMEOUT_SECS || "120");
  step("Waiting for the backend", `${url}/version (up to ${timeoutSecs}s)`);
  const healthy = await waitForHealthy(
    `${url}/version`,
    timeoutSecs * 1000,
    Math.min(1000, timeoutSecs * 250),
    (elapsed) => info(`still waiting (${Math.round(elapsed / 1000)}s)...`),
  );
  if (!healthy) {
    fail(
      `the backend did not become healthy within ${timeoutSecs}s (${url}/version)`,
      "Look at its logs: docker compose logs backend",
      "A first start pulls the images and can take longer: raise CONVEX_HEALTH_TIMEOUT_SECS and try again.",
    );
  }
  ok("backend is healthy", url);

  step("Generating an admin key", "docker compose exec backend ./generate_admin_key.sh");
  const keyRun = await $`docker compose exec -T backend ./generate_admin_key.sh`.cwd(root).noThrow().stdout("piped");
  const adminKey = keyRun.code === 0 ? parseAdminKey(keyRun.stdout) : undefined;
  if (!adminKey) {
    fail(
      "could not generate an admin key",
      keyRun.code === 0
        ? `unexpected output of generate_admin_key.sh: ${JSON.stringify(keyRun.stdout.trim())}`
        : `generate_admin_key.sh exited with ${keyRun.code}`,
    );
  }
  ok("admin key generated");

  const envFile = join(root, ".env.local");
  updateDotenv(envFile, {
    CONVEX_SELF_HOSTED_URL: url,
    CONVEX_SELF_HOSTED_ADMIN_KEY: adminKey,
    CONVEX_URL: url,
  }, "Written by `deno task dev`: the local self-hosted Convex deployment.");
  ok("wrote .env.local", "CONVEX_SELF_HOSTED_URL, CONVEX_SELF_HOSTED_ADMIN_KEY, CONVEX_URL");

  await deploy(root, settings, selfHostedEnv(url, adminKey));
  await runDemo(root, settings, {
    CONVEX_URL: url,
    CONVEX_SELF_HOSTED_ADMIN_KEY: adminKey,
    CONVEX_ADMIN_KEY: adminKey,
  });

  const dashboard = `http://127.0.0.1:${dashboardPort}`;
  step("Local Convex is running");
  info(
    `Dashboard:      ${dashboard}`,
    `  log in with   deployment URL ${url}`,
    "                and the admin key CONVEX_SELF_HOSTED_ADMIN_KEY from .env.local",
    `Deployment URL: ${url} (HTTP actions: http://127.0.0.1:${sitePort})`,
    "Test suites against it: deno task test:live",
    "Regenerate convex/_generated: deno task codegen",
    "Stop it: deno task dev:down (data stays in the Docker volume; --volumes deletes it)",
  );
}

if (import.meta.main) {
  await runTask(async () => {
    const root = projectRoot();
    const settings = loadSettings(root);
    if (settings.CONVEX_DEPLOY_KEY) await devCloud(root, settings);
    else await devLocal(root, settings);
  });
}
