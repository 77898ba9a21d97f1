/**
 * Fakes for the orchestration tests of `tasks/`: a scratch project folder,
 * fake `docker`, `node`, `npm` and `npx` (the Convex CLI) scripts first on PATH that
 * log every call, a fake demo, a fake backend `/version` endpoint, and a
 * runner that starts a task as a subprocess and captures what it printed.
 */
import { listModuleFiles } from "../tasks/lib/convex_project.ts";
import { REPO_ROOT } from "../tasks/lib/paths.ts";
import { dirname, join } from "../tasks/lib/std_path.ts";

const FAKE_DOCKER = `#!/bin/sh
echo "docker $*" >> "$FAKE_LOG"
case "$*" in
  "compose version") exit "\${FAKE_COMPOSE_EXIT:-0}" ;;
  "info") [ "\${FAKE_INFO_EXIT:-0}" = 0 ] || echo "Cannot connect to the Docker daemon" >&2; exit "\${FAKE_INFO_EXIT:-0}" ;;
  "compose up -d") exit "\${FAKE_UP_EXIT:-0}" ;;
  "compose exec -T backend ./generate_admin_key.sh")
    echo "Admin key:"
    echo "convex-self-hosted|01f00dcafe"
    exit 0 ;;
  compose\\ down*) exit 0 ;;
esac
echo "fake docker: unexpected call: $*" >&2
exit 99
`;

const FAKE_NPM = `#!/bin/sh
echo "npm $* (in $PWD)" >> "$FAKE_LOG"
if [ "$1" = "install" ]; then
  mkdir -p node_modules/convex node_modules/typescript
  echo '{}' > node_modules/convex/package.json
  echo '{}' > node_modules/typescript/package.json
  mkdir -p node_modules/convex/bin
  cat > node_modules/convex/bin/main.js <<'JS'
const env = (name) => Deno.env.get(name) ?? "";
Deno.writeTextFileSync(
  env("FAKE_LOG"),
  \`deno-run convex \${Deno.args.join(" ")} (in \${Deno.cwd()}) url=\${env("CONVEX_SELF_HOSTED_URL")} key=\${env("CONVEX_SELF_HOSTED_ADMIN_KEY")} deploy_key=\${env("CONVEX_DEPLOY_KEY")}\\n\`,
  { append: true },
);
JS
fi
exit 0
`;

const FAKE_NPX = `#!/bin/sh
echo "npx $* (in $PWD) url=\${CONVEX_SELF_HOSTED_URL:-} key=\${CONVEX_SELF_HOSTED_ADMIN_KEY:-} deploy_key=\${CONVEX_DEPLOY_KEY:-}" >> "$FAKE_LOG"
[ -f package.json ] && [ -f convex.json ] && [ -f convex/convex.config.ts ] && [ -f convex/mastra/convex.config.ts ] && [ -f convex/mastra/schema.ts ] && [ -f convex/tsconfig.json ] || { echo "fake convex: not a Convex app mounting convex/mastra" >&2; exit 98; }
if [ "$2" = "codegen" ]; then
  mkdir -p convex/_generated convex/mastra/_generated
  echo "export declare const api: unknown;" > convex/_generated/api.d.ts
  echo "export const api = {};" > convex/_generated/api.js
  echo "export declare const api: unknown;" > convex/mastra/_generated/api.d.ts
  echo "export const api = {};" > convex/mastra/_generated/api.js
  echo "// the CLI's own" > convex/mastra/_generated/component.ts
fi
if [ "$2" = "dev" ]; then
  echo "agent_mode=\${CONVEX_AGENT_MODE:-}" >> "$FAKE_LOG"
  if [ -n "\${FAKE_LOCAL_EXIT:-}" ]; then echo "✖ Failed to download the Convex backend" >&2; exit "$FAKE_LOCAL_EXIT"; fi
  mkdir -p .convex/local/default
  echo '{"deploymentName":"anonymous-mastra","adminKey":"anonymous-mastra|0ff1ce","ports":{"cloud":'"\${FAKE_LOCAL_PORT:-3210}"',"site":3211}}' > .convex/local/default/config.json
  echo "- Preparing Convex functions..." >&2
  printf '\\033[32m✔\\033[0m 12:00:00 Convex functions ready! (1.2s)\\n' >&2
  exec sleep 30
fi
if [ "$2" = "deploy" ] && [ "\${FAKE_DEPLOY_EXIT:-0}" != 0 ]; then
  echo "✖ TypeScript typecheck via \\\`tsc\\\` failed." >&2
  exit "$FAKE_DEPLOY_EXIT"
fi
exit "\${FAKE_CLI_EXIT:-0}"
`;

const FAKE_NODE = `#!/bin/sh
[ "$1" = "--version" ] && echo "\${FAKE_NODE_VERSION:-v22.11.0}"
exit 0
`;

const FAKE_DEMO = `#!/bin/sh
echo "demo url=\${CONVEX_URL:-} admin_key=\${CONVEX_ADMIN_KEY:-} deploy_key=\${CONVEX_DEPLOY_KEY:-}" >> "$FAKE_LOG"
echo "demo ran"
exit "\${FAKE_DEMO_EXIT:-0}"
`;

/** A scratch project with fakes. */
export type Sandbox = {
  root: string;
  bin: string;
  emptyBin: string;
  /** The fakes without `docker`. */
  noDockerBin: string;
  log: string;
  demo: string;
  calls(): string[];
  read(path: string): string | undefined;
  cleanup(): Promise<void>;
};

async function script(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, 0o755);
}

/** A scratch project (copy of docker-compose.yml and convex/) and the fake tools. */
export async function sandbox(): Promise<Sandbox> {
  const root = await Deno.makeTempDir({ prefix: "mastra-convex-tasks-" });
  const bin = join(root, ".fake-bin");
  const emptyBin = join(root, ".empty-bin");
  await Deno.mkdir(bin);
  await Deno.mkdir(emptyBin);
  await Deno.copyFile(join(REPO_ROOT, "docker-compose.yml"), join(root, "docker-compose.yml"));
  const convex = join(REPO_ROOT, "convex");
  for (const file of [...listModuleFiles(convex), "tsconfig.json", "_generated/component.ts"]) {
    await Deno.mkdir(dirname(join(root, "convex", file)), { recursive: true });
    await Deno.copyFile(join(convex, file), join(root, "convex", file));
  }
  await script(join(bin, "docker"), FAKE_DOCKER);
  await script(join(bin, "npm"), FAKE_NPM);
  await script(join(bin, "npx"), FAKE_NPX);
  await script(join(bin, "node"), FAKE_NODE);
  const noDockerBin = join(root, ".no-docker-bin");
  await Deno.mkdir(noDockerBin);
  for (const tool of ["npm", "npx", "node"]) await Deno.symlink(join(bin, tool), join(noDockerBin, tool));
  const demo = join(root, ".fake-demo");
  await script(demo, FAKE_DEMO);
  const log = join(root, ".fake-log");
  await Deno.writeTextFile(log, "");
  return {
    root,
    bin,
    emptyBin,
    noDockerBin,
    log,
    demo,
    calls: () => Deno.readTextFileSync(log).split("\n").filter((line) => line !== ""),
    read: (path) => {
      try {
        return Deno.readTextFileSync(join(root, path));
      } catch {
        return undefined;
      }
    },
    cleanup: () => Deno.remove(root, { recursive: true }),
  };
}

/** What a task run printed and returned. */
export type TaskRun = { code: number; output: string };

/**
 * Runs `tasks/<task>.ts` as a subprocess on the sandbox with a clean
 * environment: PATH is the fake bin (or `path`), plus `env`.
 */
export async function runTask(
  box: Sandbox,
  task: string,
  env: Record<string, string> = {},
  args: string[] = [],
  path: string = `${box.bin}:/usr/bin:/bin`,
): Promise<TaskRun> {
  const base: Record<string, string> = {
    PATH: path,
    MASTRA_CONVEX_ROOT: box.root,
    FAKE_LOG: box.log,
    DEMO_COMMAND: box.demo,
    NO_COLOR: "1",
  };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value) base[name] = value;
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      "--config",
      join(REPO_ROOT, "deno.json"),
      join(REPO_ROOT, "tasks", `${task}.ts`),
      ...args,
    ],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: { ...base, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  // deno-lint-ignore no-control-regex
  const strip = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
  return { code: output.code, output: strip(decoder.decode(output.stdout) + decoder.decode(output.stderr)) };
}

/** A fake backend answering `/version`; returns its port and a stop function. */
export function fakeBackend(): { port: number; stop: () => Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    return new URL(request.url).pathname === "/version" ? new Response("unknown") : new Response("no", { status: 404 });
  });
  return { port: server.addr.port, stop: () => server.shutdown() };
}

/** A local port nothing listens on. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
