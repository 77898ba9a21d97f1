/**
 * `deno task test:live`: the live test suites (`tests/live/`) against the
 * real deployment in `CONVEX_URL`, with the key from `CONVEX_ADMIN_KEY`,
 * `CONVEX_DEPLOY_KEY` or `CONVEX_SELF_HOSTED_ADMIN_KEY` (environment or the
 * `.env.local` that `deno task dev` writes). Without `CONVEX_URL` it says so
 * and skips; nothing is ever faked. Extra arguments go to `deno test`.
 * @module
 */
import $ from "dax";
import { loadSettings } from "./lib/env.ts";
import { fail, info, ok, runTask, step, warn } from "./lib/log.ts";
import { projectRoot, REPO_ROOT } from "./lib/paths.ts";
import { join } from "./lib/std_path.ts";

/** Key variables, in the order `ConvexStorage` reads them. */
export const KEY_VARS = ["CONVEX_ADMIN_KEY", "CONVEX_DEPLOY_KEY", "CONVEX_SELF_HOSTED_ADMIN_KEY"] as const;

if (import.meta.main) {
  await runTask(async () => {
    const settings = loadSettings(projectRoot());
    const url = settings.CONVEX_URL;
    if (!url) {
      warn(
        "live tests skipped: CONVEX_URL is not set.",
        "Run `deno task dev` (local Convex in Docker, writes .env.local) or set CONVEX_URL and CONVEX_DEPLOY_KEY " +
          "for a Convex cloud deployment with our convex/ functions deployed.",
      );
      return;
    }
    const keyVar = KEY_VARS.find((name) => settings[name]);
    if (!keyVar) {
      fail(
        `CONVEX_URL is set (${url}) but no key is`,
        `Our functions are internal: set one of ${KEY_VARS.join(", ")} (deploy key for Convex cloud, admin key for ` +
          "self-hosted; `deno task dev` writes CONVEX_SELF_HOSTED_ADMIN_KEY to .env.local).",
      );
    }
    step("Running the live suites", `against ${url} (key from ${keyVar})`);
    info("they write rows with unique ids under a fresh resource and delete them afterwards");
    const env: Record<string, string> = { CONVEX_URL: url, MASTRA_CONVEX_LIVE: "1" };
    for (const name of KEY_VARS) if (settings[name]) env[name] = settings[name];
    const result = await $`${Deno.execPath()} test -A ${join(REPO_ROOT, "tests", "live")} ${Deno.args}`
      .cwd(REPO_ROOT).env(env).noThrow();
    if (result.code !== 0) fail(`live tests failed (exit code ${result.code})`);
    ok("live tests passed", url);
  });
}
