/**
 * Security of the Convex function layer: nothing we ship is callable without
 * an admin or deploy key, and every function validates its arguments.
 *
 * The static check loads every module under `convex/` (discovered, not
 * listed by hand) and inspects its exports; the HTTP check calls every
 * discovered function through the test-only Convex HTTP server without a
 * key. Both are shown to fail on a synthetic public function.
 */
import assert from "node:assert/strict";
import { ConvexHttpClient } from "convex/browser";
import {
  anyApi,
  httpActionGeneric,
  internalMutationGeneric,
  internalQueryGeneric,
  mutationGeneric,
  queryGeneric,
} from "convex/server";
import { v } from "convex/values";
import { convexTest } from "convex-test";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import schema from "../convex/schema.ts";
import { CONVEX_DIR, convexModules, listConvexFiles } from "./helpers/backend.ts";
import { type Endpoint, startConvexHttpServer } from "./helpers/httpServer.ts";

/** One exported Convex function found in a module. */
type FoundFunction = { path: string; kind: Endpoint | "http" | "router" };

/** What the checker found in one module. */
type ModuleReport = { functions: FoundFunction[]; problems: string[] };

// deno-lint-ignore no-explicit-any
type Exported = any;

function kindOf(value: Exported): FoundFunction["kind"] | undefined {
  if (value === null || (typeof value !== "function" && typeof value !== "object")) return undefined;
  if (value.isQuery) return "query";
  if (value.isMutation) return "mutation";
  if (value.isAction) return "action";
  if (value.isHttp) return "http";
  if (value.isRouter) return "router";
  return undefined;
}

/**
 * Inspects the exports of one Convex module: every registered function must
 * be internal and declare an object `args` validator. HTTP actions and
 * routers are public by nature and always reported.
 */
function checkModule(modulePath: string, exports: Record<string, Exported>): ModuleReport {
  const report: ModuleReport = { functions: [], problems: [] };
  for (const [name, value] of Object.entries(exports)) {
    const kind = kindOf(value);
    if (kind === undefined) continue;
    const path = `${modulePath}:${name}`;
    report.functions.push({ path, kind });
    if (kind === "http" || kind === "router") {
      report.problems.push(`${path} is a public HTTP ${kind === "http" ? "action" : "router"}`);
      continue;
    }
    if (value.isPublic === true || value.isInternal !== true) {
      report.problems.push(`${path} is a public ${kind}; use the internal builders of convex/lib/functions.ts`);
    }
    let args: { type?: string } | undefined;
    try {
      args = JSON.parse(value.exportArgs());
    } catch (error) {
      report.problems.push(`${path}: cannot read its args validator (${error})`);
      continue;
    }
    if (args?.type !== "object") {
      report.problems.push(`${path} has no object \`args\` validator (found ${JSON.stringify(args)})`);
    }
  }
  return report;
}

/** `threads.ts` -> `threads`; `kit/codec.ts` -> `lib/codec`. */
const modulePathOf = (file: string) => file.replace(/\\/g, "/").replace(/\.ts$/, "");

/** Loads every module under convex/ and checks it. */
async function checkAllModules(): Promise<{ files: string[]; functions: FoundFunction[]; problems: string[] }> {
  const files = listConvexFiles();
  const functions: FoundFunction[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const exports = await import(pathToFileURL(join(CONVEX_DIR, file)).href);
    const report = checkModule(modulePathOf(file), exports);
    functions.push(...report.functions);
    problems.push(...report.problems);
  }
  return { files, functions, problems };
}

Deno.test("security: no module under convex/ exports a public function, and every function validates its args", async () => {
  const { files, functions, problems } = await checkAllModules();
  console.log(
    `checked ${files.length} files, ${functions.length} functions: ${functions.map((f) => f.path).join(", ")}`,
  );
  assert.deepEqual(problems, []);
  // Discovery works: the modules every deployment needs are among those found.
  for (const path of ["system/info:info", "memory/threads:get", "memory/threads:save", "memory/resources:get"]) {
    assert.ok(functions.some((f) => f.path === path), `expected to find ${path}`);
  }
});

Deno.test("security: the checker reports public functions, missing validators and HTTP actions (it can fail)", () => {
  const handler = () => Promise.resolve(null);
  const synthetic = {
    leakyQuery: queryGeneric({ args: {}, handler }),
    leakyMutation: mutationGeneric({ args: { id: v.string() }, handler }),
    noValidator: internalQueryGeneric({ handler }),
    bareHandler: internalMutationGeneric(handler),
    route: httpActionGeneric(() => Promise.resolve(new Response("hi"))),
    fine: internalQueryGeneric({ args: { id: v.string() }, handler }),
    notAFunction: { isQuery: false },
    helper: (x: number) => x + 1,
  };
  const { functions, problems } = checkModule("synthetic", synthetic);
  assert.deepEqual(functions.map((f) => f.path).sort(), [
    "synthetic:bareHandler",
    "synthetic:fine",
    "synthetic:leakyMutation",
    "synthetic:leakyQuery",
    "synthetic:noValidator",
    "synthetic:route",
  ]);
  const flagged = (path: string) => problems.filter((p) => p.startsWith(`${path} `));
  assert.equal(flagged("synthetic:leakyQuery").length, 1, problems.join("\n"));
  assert.match(flagged("synthetic:leakyQuery")[0], /public query/);
  assert.match(flagged("synthetic:leakyMutation")[0], /public mutation/);
  assert.match(flagged("synthetic:noValidator")[0], /no object `args` validator/);
  assert.match(flagged("synthetic:bareHandler")[0], /no object `args` validator/);
  assert.match(flagged("synthetic:route")[0], /public HTTP action/);
  assert.deepEqual(flagged("synthetic:fine"), []);
  assert.equal(problems.length, 5);
});

Deno.test("security: over HTTP, every function is refused without the admin key and works with it", async () => {
  const { functions } = await checkAllModules();
  await using server = await startConvexHttpServer();

  // Every discovered function, called without credentials, does not exist for the caller.
  for (const { path, kind } of functions) {
    const response = await fetch(`${server.url}/api/${kind}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path, args: [{}], format: "convex_encoded_json" }),
    });
    const body = await response.json();
    assert.equal(response.status, 560, `${path}: ${JSON.stringify(body)}`);
    assert.equal(body.status, "error");
    assert.match(body.errorMessage, new RegExp(`Could not find public function for '${path}'`));
  }
  assert.equal(server.stats.executed, 0, "nothing ran without the key");
  assert.equal(server.stats.refused, functions.length);

  // The real client: without the key refused, with a wrong key refused, with the key served.
  const client = new ConvexHttpClient(server.url, { logger: false });
  await assert.rejects(client.query(anyApi.system.info, {}), /Could not find public function for 'system:info'/);
  await assert.rejects(client.mutation(anyApi.threads.save, {}), /Could not find public function for 'threads:save'/);
  (client as unknown as { setAdminAuth(key: string): void }).setAdminAuth(`${server.adminKey}x`);
  await assert.rejects(client.query(anyApi.system.info, {}), /BadAdminKey/);
  (client as unknown as { setAdminAuth(key: string): void }).setAdminAuth(server.adminKey);
  const info = await client.query(anyApi.system.info, {}) as { name: string };
  assert.equal(info.name, "@mastra/convex");
  assert.equal(await client.query(anyApi.threads.get, { id: "nope" }), null);
});

Deno.test("security: the HTTP server lets a public function through without a key (the refusal is not blanket)", async () => {
  const modules = {
    ...convexModules(),
    "/convex/leaky.ts": () =>
      Promise.resolve({ ping: queryGeneric({ args: {}, handler: () => Promise.resolve("pong") }) }),
  };
  const backend = convexTest({ schema, modules, transactionLimits: true });
  await using server = await startConvexHttpServer({ backend, modules });
  const client = new ConvexHttpClient(server.url, { logger: false });
  assert.equal(await client.query(anyApi.leaky.ping, {}), "pong");
  await assert.rejects(client.query(anyApi.threads.get, { id: "x" }), /Could not find public function/);
  // And the static checker flags that module.
  const leaky = await modules["/convex/leaky.ts"]() as Record<string, Exported>;
  assert.equal(checkModule("leaky", leaky).problems.length, 1);
});
