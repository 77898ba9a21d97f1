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
 * With `CONVEX_DEPLOY_KEY` and `CONVEX_URL` set (environment, `.env` or
 * `.env.local`) it deploys to that Convex cloud deployment instead and needs
 * no Docker. Settings: `PORT`, `SITE_PROXY_PORT`, `DASHBOARD_PORT`,
 * `CONVEX_CLI` (default `npx convex`), `DEMO_COMMAND` (default `deno task demo`).
 * @module
 */
import $ from "dax";
import { cloudEnv, prepareWorkspace, selfHostedEnv } from "./lib/convex_project.ts";
import { checkDocker, parseAdminKey, waitForHealthy } from "./lib/docker.ts";
import { loadSettings, splitCommand, updateDotenv } from "./lib/env.ts";
import { fail, info, ok, runTask, step } from "./lib/log.ts";
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

async function devLocal(root: string, settings: Record<string, string>) {
  step("Checking Docker");
  const docker = await checkDocker();
  if (!docker.ok) {
    const what = docker.reason === "missing"
      ? "Docker is not installed (no `docker` command found)"
      : docker.reason === "no-compose"
      ? "Docker Compose is not available (`docker compose version` failed)"
      : "the Docker daemon is not running (`docker info` failed)";
    fail(
      `${what}: the local Convex backend runs in Docker.`,
      ...(docker.reason === "missing"
        ? ["Install Docker Desktop or Docker Engine with the Compose plugin: https://docs.docker.com/get-docker/"]
        : [`(${docker.detail})`, "Start Docker and run `deno task dev` again."]),
      "",
      ...CLOUD_ALTERNATIVE,
    );
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
