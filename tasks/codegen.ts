/**
 * `deno task codegen`: runs `npx convex codegen` for our `convex/` modules
 * against the configured deployment and copies the result to
 * `convex/_generated/` (gitignored; our modules do not need it, but typed
 * `api`/`internal` references do). The deployment comes from
 * `CONVEX_SELF_HOSTED_URL` + `CONVEX_SELF_HOSTED_ADMIN_KEY` (written to
 * `.env.local` by `deno task dev`) or `CONVEX_DEPLOY_KEY` (Convex cloud).
 * @module
 */
import $ from "dax";
import { cloudEnv, prepareWorkspace, selfHostedEnv } from "./lib/convex_project.ts";
import { loadSettings } from "./lib/env.ts";
import { fail, ok, runTask, step } from "./lib/log.ts";
import { projectRoot } from "./lib/paths.ts";
import { join } from "./lib/std_path.ts";

/** What to set when no deployment is configured. */
export const NO_DEPLOYMENT: string[] = [
  "`npx convex codegen` needs a Convex deployment. Either:",
  "  - run `deno task dev` (local Convex in Docker; it writes CONVEX_SELF_HOSTED_URL and",
  "    CONVEX_SELF_HOSTED_ADMIN_KEY to .env.local), or",
  "  - set CONVEX_SELF_HOSTED_URL and CONVEX_SELF_HOSTED_ADMIN_KEY for another self-hosted backend, or",
  "  - set CONVEX_DEPLOY_KEY for a Convex cloud deployment.",
];

function copyDir(from: string, to: string): number {
  Deno.mkdirSync(to, { recursive: true });
  let count = 0;
  for (const entry of Deno.readDirSync(from)) {
    if (entry.isDirectory) count += copyDir(join(from, entry.name), join(to, entry.name));
    else if (entry.isFile) {
      Deno.copyFileSync(join(from, entry.name), join(to, entry.name));
      count++;
    }
  }
  return count;
}

if (import.meta.main) {
  await runTask(async () => {
    const root = projectRoot();
    const settings = loadSettings(root);
    let env: Record<string, string | undefined>;
    if (settings.CONVEX_SELF_HOSTED_URL && settings.CONVEX_SELF_HOSTED_ADMIN_KEY) {
      step("Deployment", `self-hosted ${settings.CONVEX_SELF_HOSTED_URL}`);
      env = selfHostedEnv(settings.CONVEX_SELF_HOSTED_URL, settings.CONVEX_SELF_HOSTED_ADMIN_KEY);
    } else if (settings.CONVEX_DEPLOY_KEY) {
      step("Deployment", `Convex cloud (CONVEX_DEPLOY_KEY)${settings.CONVEX_URL ? " " + settings.CONVEX_URL : ""}`);
      env = cloudEnv(settings.CONVEX_DEPLOY_KEY);
    } else {
      fail("no Convex deployment is configured", ...NO_DEPLOYMENT);
    }
    const { dir, cli } = await prepareWorkspace(root, settings);
    step("Generating code", `${cli.join(" ")} codegen`);
    const result = await $`${cli} codegen`.cwd(dir).env(env).noThrow();
    if (result.code !== 0) {
      fail(`\`${cli.join(" ")} codegen\` failed (exit code ${result.code})`, "See the Convex CLI's output above.");
    }
    const generated = join(dir, "convex", "_generated");
    let count = 0;
    try {
      const target = join(root, "convex", "_generated");
      await Deno.remove(target, { recursive: true }).catch(() => {});
      count = copyDir(generated, target);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) fail("the Convex CLI wrote no convex/_generated/");
      throw error;
    }
    ok("generated", `convex/_generated/ (${count} files; gitignored)`);
  });
}
