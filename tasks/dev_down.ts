/**
 * `deno task dev:down`: stops the local Convex started by `deno task dev`
 * (`docker compose down`). The data stays in the `data` volume unless
 * `--volumes` is given, which deletes it.
 * @module
 */
import $ from "dax";
import { checkDocker } from "./lib/docker.ts";
import { fail, ok, runTask, step } from "./lib/log.ts";
import { projectRoot } from "./lib/paths.ts";

if (import.meta.main) {
  await runTask(async () => {
    const root = projectRoot();
    const removeVolumes = Deno.args.includes("--volumes") || Deno.args.includes("-v");
    const docker = await checkDocker();
    if (!docker.ok) {
      fail(`Docker is not usable (${docker.detail}), so there is no local Convex to stop.`);
    }
    step("Stopping Convex", removeVolumes ? "docker compose down --volumes (deletes the data)" : "docker compose down");
    const args = removeVolumes ? ["down", "--volumes"] : ["down"];
    const result = await $`docker compose ${args}`.cwd(root).noThrow();
    if (result.code !== 0) fail(`\`docker compose ${args.join(" ")}\` failed (exit code ${result.code})`);
    ok("local Convex stopped", removeVolumes ? "data deleted" : "data kept in the Docker volume");
  });
}
