/**
 * The real client path: `ConvexStorage({ convexUrl, adminKey })` builds a
 * `ConvexHttpClient` with admin auth and talks to the test-only Convex HTTP
 * server, which runs our real `convex/` modules.
 */
import assert from "node:assert/strict";
import { queryGeneric } from "convex/server";
import { MastraError } from "@mastra/core/error";
import { ConvexStorage } from "../src/storage.ts";
import { startConvexHttpServer } from "./helpers/httpServer.ts";

const KEY_VARS = ["CONVEX_ADMIN_KEY", "CONVEX_DEPLOY_KEY", "CONVEX_SELF_HOSTED_ADMIN_KEY"];

Deno.test("http client: threads and resources round-trip through ConvexHttpClient with the admin key", async () => {
  await using server = await startConvexHttpServer();
  const storage = new ConvexStorage({
    convexUrl: server.url,
    adminKey: server.adminKey,
    retry: { attempts: 2, baseDelayMs: 1 },
  });
  await storage.init();
  const memory = (await storage.getStore("memory"))!;

  const thread = {
    id: "thread-1",
    resourceId: "resource-1",
    title: "over HTTP",
    metadata: { $schema: "https://json-schema.org", _private: [1, null, { "ключ": new Date(7) }], big: 2 ** 53 - 1 },
    createdAt: new Date(1_700_000_000_000),
    updatedAt: new Date(1_700_000_000_500),
  };
  await memory.saveThread({ thread });
  assert.deepEqual(await memory.getThreadById({ threadId: "thread-1" }), thread);
  assert.equal(await memory.getThreadById({ threadId: "missing" }), null);

  const updated = await memory.updateThread({ id: "thread-1", title: "renamed", metadata: { extra: true } });
  assert.equal(updated.title, "renamed");
  assert.deepEqual(updated.metadata, { ...thread.metadata, extra: true });

  const list = await memory.listThreads({ filter: { resourceId: "resource-1" }, perPage: 10 });
  assert.equal(list.total, 1);
  assert.deepEqual(list.threads.map((t) => t.id), ["thread-1"]);

  const resource = {
    id: "resource-1",
    workingMemory: "# Notes\n- likes tea",
    metadata: { plan: "pro" },
    createdAt: new Date(1_700_000_000_000),
    updatedAt: new Date(1_700_000_000_000),
  };
  await memory.saveResource({ resource });
  assert.deepEqual(await memory.getResourceById({ resourceId: "resource-1" }), resource);
  const merged = await memory.updateResource({ resourceId: "resource-1", workingMemory: "# Notes\n- likes coffee" });
  assert.equal(merged.workingMemory, "# Notes\n- likes coffee");
  assert.deepEqual(merged.metadata, { plan: "pro" });

  await memory.deleteThread({ threadId: "thread-1" });
  assert.equal(await memory.getThreadById({ threadId: "thread-1" }), null);

  // Everything went over HTTP, authenticated.
  assert.ok(server.stats.executed >= 10, JSON.stringify(server.stats));
  assert.equal(server.stats.refused, 0);
});

Deno.test("http client: a deliberate function error (ConvexError data) arrives as a MastraError naming the operation", async () => {
  await using server = await startConvexHttpServer();
  const storage = new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey });
  const memory = (await storage.getStore("memory"))!;
  const error = await memory.updateThread({ id: "no-such-thread", title: "x" }).then(
    () => assert.fail("expected an error"),
    (e) => e,
  );
  assert.ok(error instanceof MastraError, String(error));
  assert.match(error.message, /updateThread/);
  assert.match(error.message, /no-such-thread/);
  assert.match(error.id, /NOT_FOUND/);
  assert.equal(server.stats.apiRequests, 1, "a deliberate error is not retried");
});

Deno.test("http client: a wrong admin key fails with a MastraError", async () => {
  await using server = await startConvexHttpServer();
  const storage = new ConvexStorage({
    convexUrl: server.url,
    adminKey: "not-the-key",
    retry: { attempts: 3, baseDelayMs: 1 },
  });
  await assert.rejects(storage.init(), (error) => {
    assert.ok(error instanceof MastraError, String(error));
    assert.match(error.message, /BadAdminKey|admin key was invalid/);
    return true;
  });
  const memory = (await storage.getStore("memory"))!;
  await assert.rejects(memory.getThreadById({ threadId: "t" }), (error) => {
    assert.ok(error instanceof MastraError, String(error));
    assert.match(error.message, /getThreadById/);
    assert.match(error.message, /admin key was invalid/);
    return true;
  });
  assert.equal(server.stats.refused, 2, "refusals are not retried");
  assert.equal(server.stats.executed, 0);
});

/**
 * Construction reads the environment. To change it without disturbing other
 * test files (which may run in parallel in this process), this runs in a
 * child Deno process with its own environment.
 */
async function constructInChild(env: Record<string, string>): Promise<{ ok: boolean; id?: string; message: string }> {
  const script = `
    import { ConvexStorage } from ${JSON.stringify(new URL("../src/storage.ts", import.meta.url).href)};
    let out;
    try {
      const storage = new ConvexStorage();
      await storage.init();
      const memory = await storage.getStore("memory");
      await memory.saveThread({ thread: { id: "env-t", resourceId: "env-r", createdAt: new Date(1), updatedAt: new Date(1) } });
      out = { ok: true, message: String((await memory.getThreadById({ threadId: "env-t" }))?.id) };
    } catch (error) {
      out = { ok: false, id: error?.id, message: String(error?.message ?? error), name: error?.constructor?.name };
    }
    console.log(JSON.stringify(out));
  `;
  const config = new URL("../deno.json", import.meta.url).pathname;
  const { stdout, stderr, code } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", config, "--ext=ts", script],
    env: { CONVEX_URL: "", ...Object.fromEntries(KEY_VARS.map((name) => [name, ""])), ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(text);
}

Deno.test("http client: without a key, construction fails with a MastraError naming the env vars", async () => {
  // In this process too, with the env vars cleared around the call and restored after.
  const saved = Object.fromEntries(KEY_VARS.map((name) => [name, Deno.env.get(name)]));
  try {
    for (const name of KEY_VARS) if (saved[name] !== undefined) Deno.env.delete(name);
    assert.throws(() => new ConvexStorage({ convexUrl: "http://127.0.0.1:9" }), (error) => {
      assert.ok(error instanceof MastraError);
      assert.equal(error.id, "CONVEX_STORAGE_MISSING_ADMIN_KEY");
      for (const name of KEY_VARS) assert.match(error.message, new RegExp(name));
      assert.match(error.message, /adminKey/);
      return true;
    });
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) Deno.env.set(name, value);
  }

  // A child process with an empty environment: no URL, then no key.
  const noUrl = await constructInChild({});
  assert.equal(noUrl.ok, false);
  assert.equal(noUrl.id, "CONVEX_STORAGE_MISSING_URL");
  assert.match(noUrl.message, /CONVEX_URL/);
  const noKey = await constructInChild({ CONVEX_URL: "http://127.0.0.1:9" });
  assert.equal(noKey.ok, false);
  assert.equal(noKey.id, "CONVEX_STORAGE_MISSING_ADMIN_KEY");
  for (const name of KEY_VARS) assert.match(noKey.message, new RegExp(name));
});

Deno.test("http client: the URL and key are read from the environment (each key variable)", async () => {
  await using server = await startConvexHttpServer();
  for (const name of KEY_VARS) {
    const result = await constructInChild({ CONVEX_URL: server.url, [name]: server.adminKey });
    assert.deepEqual(result, { ok: true, message: "env-t" }, `${name}: ${JSON.stringify(result)}`);
  }
  assert.equal(server.stats.refused, 0);
});

Deno.test("test server: health, routing and malformed requests answer like Convex", async () => {
  const modules = {
    "/app/_generated/server.ts": () => Promise.resolve({}),
    "/app/app.ts": () => Promise.resolve({ ping: queryGeneric({ args: {}, handler: () => Promise.resolve("pong") }) }),
  };
  await using server = await startConvexHttpServer({ modules });
  const version = await fetch(`${server.url}/version`);
  assert.equal(version.status, 200);
  assert.equal(await version.text(), "unknown");
  const headers = { "Content-Type": "application/json", Authorization: `Convex ${server.adminKey}` };
  const post = async (path: string, body: string) => {
    const response = await fetch(`${server.url}${path}`, { method: "POST", headers, body });
    return { status: response.status, body: await response.json() };
  };
  assert.equal((await post("/api/nothing", "{}")).status, 404);
  assert.equal((await post("/api/query", "{not json")).body.code, "BadJsonBody");
  const missing = await post(
    "/api/query",
    JSON.stringify({ path: "nowhere:fn", args: [{}], format: "convex_encoded_json" }),
  );
  assert.equal(missing.status, 560);
  assert.match(missing.body.errorMessage, /Could not find function for 'nowhere:fn'/);
  const wrongKind = await post("/api/mutation", JSON.stringify({ path: "app:ping", args: [{}] }));
  assert.match(wrongKind.body.errorMessage, /as Mutation, but it is defined as Query/);
  const app = await post("/api/query", JSON.stringify({ path: "app:ping", args: [{}] }));
  assert.deepEqual([app.status, app.body.value], [200, "pong"]);
  const inComponent = (path: string, args: unknown) =>
    post("/api/function", JSON.stringify({ componentPath: "mastra", path, args, format: "convex_encoded_json" }));
  const badArgs = await inComponent("memory/threads:get", { id: 5 });
  assert.equal(badArgs.status, 560);
  assert.equal(badArgs.body.status, "error");
  const ok = await inComponent("system/info:info", {});
  assert.deepEqual([ok.status, ok.body.status, ok.body.value.name], [200, "success", "@mastra/convex"]);
  const unknownComponent = await post(
    "/api/function",
    JSON.stringify({ componentPath: "nope", path: "a:b", args: {} }),
  );
  assert.match(unknownComponent.body.errorMessage, /Component 'nope' not found/);
  const listed = await post("/api/function", JSON.stringify({ path: "_system/frontend/components:list", args: {} }));
  assert.deepEqual(listed.body.value.map((c: { path: string }) => c.path), ["", "mastra"]);
});
