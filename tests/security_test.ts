/**
 * Security of our Convex component: in every documented setup (the npm
 * component, a copied local component) no function that reads or writes
 * Mastra data can be called from the internet without an admin or deploy
 * key, and every function validates its arguments.
 *
 * - The static check loads every module under `convex/` (discovered, not
 *   listed by hand): every function must be internal, except the reads in
 *   {@link APP_QUERIES} that the parent app may compose with, and declare
 *   an object `args` validator.
 * - The deployment check models what the Convex CLI deploys for each setup
 *   (its rule: a folder holding `convex.config.ts` is a component, skipped
 *   from the app's modules) and calls every function over HTTP without a key.
 * - Both are shown to fail on setups and modules that would expose a function.
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
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { CONVEX_DIR, listConvexFiles } from "./helpers/backend.ts";
import { type Endpoint, startConvexHttpServer } from "./helpers/httpServer.ts";

/**
 * The reads our component exposes to the app that mounts it
 * (`ctx.runQuery(components.mastra.<module>.<fn>)`), for the app's own UI
 * behind its own auth. Everything else is internal.
 */
const APP_QUERIES = [
  "backgroundTasks/appReads:activeOnThread",
  "memory/appReads:messagesPage",
  "memory/appReads:recentMessages",
  "memory/appReads:thread",
  "memory/appReads:threadsOfResource",
  "memory/appReads:threadsPage",
  "memory/appReads:workingMemory",
  "workflows/appReads:suspendedRuns",
];

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
function checkModule(
  modulePath: string,
  exports: Record<string, Exported>,
  appQueries: readonly string[] = APP_QUERIES,
): ModuleReport {
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
    const isPublic = value.isPublic === true || value.isInternal !== true;
    if (isPublic && !(kind === "query" && appQueries.includes(path))) {
      report.problems.push(`${path} is a public ${kind}; use the internal builders of convex/kit/functions.ts`);
    }
    if (!isPublic && appQueries.includes(path)) {
      report.problems.push(`${path} is listed as an app query but is internal`);
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

Deno.test("security: only the listed app reads are public to the parent app, and every function validates its args", async () => {
  const { files, functions, problems } = await checkAllModules();
  console.log(`checked ${files.length} files, ${functions.length} functions`);
  assert.deepEqual(problems, []);
  // Discovery works: the modules every deployment needs are among those found.
  for (const path of ["system/info:info", "memory/threads:get", "memory/threads:save", "memory/resources:get"]) {
    assert.ok(functions.some((f) => f.path === path), `expected to find ${path}`);
  }
  for (const path of APP_QUERIES) assert.ok(functions.some((f) => f.path === path && f.kind === "query"), path);
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
    appRead: queryGeneric({ args: { id: v.string() }, handler }),
    appWrite: mutationGeneric({ args: { id: v.string() }, handler }),
    notAFunction: { isQuery: false },
    helper: (x: number) => x + 1,
  };
  const allowed = ["synthetic:appRead", "synthetic:appWrite", "synthetic:fine"];
  const { functions, problems } = checkModule("synthetic", synthetic, allowed);
  assert.deepEqual(functions.map((f) => f.path).sort(), [
    "synthetic:appRead",
    "synthetic:appWrite",
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
  assert.match(flagged("synthetic:appWrite")[0], /public mutation/, "only reads may be app functions");
  assert.match(flagged("synthetic:fine")[0], /listed as an app query but is internal/);
  assert.deepEqual(flagged("synthetic:appRead"), []);
  assert.equal(problems.length, 7);
});

// ---------------------------------------------------------------------------
// What the Convex CLI deploys, per documented setup
// ---------------------------------------------------------------------------

/**
 * The app modules the Convex CLI would deploy from an app's `convex/`
 * folder: every `.ts`/`.js` file except `_generated/`, `schema.ts`, dot and
 * multi-dot files, and every folder holding a `convex.config.ts` (a
 * component, bundled separately). This mirrors `entryPoints` in the CLI's
 * bundler (convex 1.51, `bundler/index.js`); the next test checks the CLI
 * still has that rule.
 */
function appEntryPoints(dir: string, root: string = dir): string[] {
  const out: string[] = [];
  for (const entry of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    const rel = relative(root, path).replace(/\\/g, "/");
    if (entry.isDirectory) {
      if (rel === "_generated" || rel === "node_modules") continue;
      let isComponent = false;
      try {
        isComponent = Deno.statSync(join(path, "convex.config.ts")).isFile;
      } catch {
        isComponent = false;
      }
      if (!isComponent) out.push(...appEntryPoints(path, root));
    } else if (/\.(ts|js|tsx|jsx|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      const base = entry.name;
      if (base.startsWith(".") || base === "schema.ts" || base === "schema.js") continue;
      if (dir === root && base === "convex.config.ts") continue;
      if ((base.match(/\./g) ?? []).length > 1) continue;
      out.push(rel);
    }
  }
  return out;
}

Deno.test("security: the CLI still treats a folder with convex.config.ts as a component, not as app modules", async () => {
  const cli = await Deno.readTextFile(
    new URL(import.meta.resolve("convex/server")).pathname.replace(/dist\/esm\/server\/index\.js$/, "") +
      "dist/esm/bundler/index.js",
  );
  assert.match(
    cli,
    /const looksLikeNestedComponent = \(dirPath\) => \{\s*const config = path\.join\(dirPath, "convex\.config\.ts"\);/,
  );
});

/** Copies our component folder into a scratch app's `convex/` as `mastra/`, optionally without its convex.config.ts. */
async function scratchApp(withConfig: boolean): Promise<string> {
  const app = await Deno.makeTempDir({ prefix: "mastra-security-" });
  const target = join(app, "convex", "mastra");
  for (const file of listConvexFiles()) {
    if (!withConfig && file === "convex.config.ts") continue;
    await Deno.mkdir(join(target, file, ".."), { recursive: true });
    await Deno.copyFile(join(CONVEX_DIR, file), join(target, file));
  }
  await Deno.writeTextFile(join(app, "convex", "myFunctions.ts"), "export const hello = 1;\n");
  return app;
}

Deno.test("security: a local component (the folder copied with its convex.config.ts) adds no app module", async () => {
  const app = await scratchApp(true);
  try {
    assert.deepEqual(appEntryPoints(join(app, "convex")), ["myFunctions.ts"]);
  } finally {
    await Deno.remove(app, { recursive: true });
  }
});

Deno.test("security: the check fails for a copy without convex.config.ts, whose app reads would be public", async () => {
  const app = await scratchApp(false);
  try {
    const modules = appEntryPoints(join(app, "convex")).filter((file) => file.startsWith("mastra/"));
    assert.ok(modules.length > 10, "our modules become app modules");
    // Deployed that way, the app reads would be internet-reachable without a key: the static check sees it.
    const exposed: string[] = [];
    for (const file of modules) {
      const exports = await import(pathToFileURL(join(CONVEX_DIR, file.slice("mastra/".length))).href);
      const found = checkModule(modulePathOf(file), exports, []).functions;
      for (const fn of found) {
        if (exports[fn.path.split(":")[1]].isPublic === true) exposed.push(fn.path);
      }
    }
    assert.deepEqual(exposed.sort(), APP_QUERIES.map((path) => `mastra/${path}`).sort());
  } finally {
    await Deno.remove(app, { recursive: true });
  }
});

Deno.test("security: over HTTP, no function of the component is reachable without the key, and all work with it", async () => {
  const { functions } = await checkAllModules();
  await using server = await startConvexHttpServer();

  for (const { path, kind } of functions) {
    // As an app function (the internet's routes): it does not exist.
    const asApp = await fetch(`${server.url}/api/${kind}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path, args: [{}], format: "convex_encoded_json" }),
    });
    const body = await asApp.json();
    assert.equal(asApp.status, 560, `${path}: ${JSON.stringify(body)}`);
    assert.match(body.errorMessage, new RegExp(`Could not find public function for '${path}'`));
    // Addressed inside the component without a key: refused.
    const inComponent = await fetch(`${server.url}/api/function`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ componentPath: "mastra", path, args: {}, format: "convex_encoded_json" }),
    });
    assert.equal(inComponent.status, 401, `${path}: ${await inComponent.text()}`);
  }
  assert.equal(server.stats.executed, 0, "nothing ran without the key");
  assert.equal(server.stats.refused, functions.length, "every component call without a key was refused");

  // The real client: without the key refused, with a wrong key refused, with the key served.
  type AdminClient = { setAdminAuth(key: string): void; function(p: string, c?: string, a?: object): Promise<unknown> };
  const client = new ConvexHttpClient(server.url, { logger: false }) as unknown as AdminClient;
  await assert.rejects(client.function("system/info:info", "mastra", {}), /requires an admin or deploy key/);
  await assert.rejects(client.function("memory/threads:save", "mastra", {}), /requires an admin or deploy key/);
  client.setAdminAuth(`${server.adminKey}x`);
  await assert.rejects(client.function("system/info:info", "mastra", {}), /BadAdminKey/);
  client.setAdminAuth(server.adminKey);
  const info = await client.function("system/info:info", "mastra", {}) as { name: string };
  assert.equal(info.name, "@mastra/convex");
  assert.equal(await client.function("memory/threads:get", "mastra", { id: "nope" }), null);
});

Deno.test("security: the HTTP server lets a public app function through without a key (the refusal is not blanket)", async () => {
  const modules = {
    "/app/_generated/server.ts": () => Promise.resolve({}),
    "/app/leaky.ts": () =>
      Promise.resolve({ ping: queryGeneric({ args: {}, handler: () => Promise.resolve("pong") }) }),
  };
  await using server = await startConvexHttpServer({ modules });
  const client = new ConvexHttpClient(server.url, { logger: false });
  assert.equal(await client.query(anyApi.leaky.ping, {}), "pong");
  await assert.rejects(client.query(anyApi["memory/threads"].get, { id: "x" }), /Could not find public function/);
  // And the static checker flags that module.
  const leaky = await modules["/app/leaky.ts"]() as Record<string, Exported>;
  assert.equal(checkModule("leaky", leaky).problems.length, 1);
});
