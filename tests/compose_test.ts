/**
 * `docker-compose.yml` carries the official self-hosted variables with their
 * defaults (and none the backend does not read), and `.env.example`
 * documents every variable the compose file reads.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../tasks/lib/paths.ts";
import { join } from "../tasks/lib/std_path.ts";

const compose = Deno.readTextFileSync(join(REPO_ROOT, "docker-compose.yml"));
const example = Deno.readTextFileSync(join(REPO_ROOT, ".env.example"));

/** `NAME=${NAME:-default}` lines of a service's environment: name -> default. */
function environment(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const match of compose.matchAll(/^\s+- ([A-Z0-9_]+)=\$\{\1:-(.*?)\}(?:\s+#.*)?$/gm)) {
    vars.set(match[1], match[2]);
  }
  return vars;
}

Deno.test("docker-compose.yml: the official self-hosted variables and defaults", () => {
  const vars = environment();
  const expected: Record<string, string> = {
    POSTGRES_URL: "",
    MYSQL_URL: "",
    V8_ACTION_USER_TIMEOUT_SECS: "",
    NODE_ACTION_USER_TIMEOUT_SECS: "",
    DOCUMENT_RETENTION_DELAY: "172800",
    DISABLE_METRICS_ENDPOINT: "true",
    APPLICATION_MAX_CONCURRENT_MUTATIONS: "16",
    APPLICATION_MAX_CONCURRENT_NODE_ACTIONS: "16",
    APPLICATION_MAX_CONCURRENT_QUERIES: "16",
    APPLICATION_MAX_CONCURRENT_V8_ACTIONS: "16",
    NEXT_PUBLIC_LOAD_MONACO_INTERNALLY: "",
    AWS_REGION: "",
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    S3_ENDPOINT_URL: "",
    S3_STORAGE_FILES_BUCKET: "",
    S3_STORAGE_MODULES_BUCKET: "",
    S3_STORAGE_EXPORTS_BUCKET: "",
    S3_STORAGE_SNAPSHOT_IMPORTS_BUCKET: "",
    S3_STORAGE_SEARCH_BUCKET: "",
    RUST_LOG: "info",
  };
  for (const [name, value] of Object.entries(expected)) {
    assert.equal(vars.get(name), value, `${name} (default ${JSON.stringify(value)})`);
  }
  assert.ok(!vars.has("ACTIONS_USER_TIMEOUT_SECS"), "the backend does not read ACTIONS_USER_TIMEOUT_SECS");
});

Deno.test(".env.example documents every variable docker-compose.yml reads", () => {
  const read = new Set([...compose.matchAll(/\$\{([A-Z0-9_]+)(?::-[^}]*)?\}/g)].map((match) => match[1]));
  assert.ok(read.size > 40, `found ${read.size}`);
  const documented = new Set([...example.matchAll(/^#?\s?([A-Z0-9_]+)=/gm)].map((match) => match[1]));
  const missing = [...read].filter((name) => !documented.has(name));
  assert.deepEqual(missing, []);
});
