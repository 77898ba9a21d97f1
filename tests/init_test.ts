/**
 * `ConvexStorage.init()` checks once that our functions are deployed and of a
 * compatible version, and says what to deploy when they are not.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { convexTest } from "convex-test";
import { FUNCTIONS_VERSION, PACKAGE_NAME } from "../convex/kit/version.ts";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { componentModules } from "../src/testing/modules.ts";
import { register } from "../src/testing/register.ts";
import { type Backend, createBackend, createTestStorage, emptyAppModules, inProcessClient } from "./helpers/backend.ts";
import { startConvexHttpServer } from "./helpers/httpServer.ts";

const FAST_RETRY = { attempts: 3, baseDelayMs: 1 };

/** A client that answers `system/info:info` with `info` (or throws it) and delegates the rest to a fresh backend. */
function fakeInfoClient(info: () => unknown): { client: ConvexClientLike; infoCalls: () => number } {
  const inner = inProcessClient(createBackend());
  let calls = 0;
  return {
    client: {
      query: (ref, args) => {
        if (ref === "system/info:info") {
          calls++;
          return Promise.resolve().then(info);
        }
        return inner.query(ref, args);
      },
      mutation: inner.mutation,
      action: inner.action,
    },
    infoCalls: () => calls,
  };
}

function assertNotMounted(error: unknown): true {
  assert.ok(error instanceof MastraError, String(error));
  assert.equal(error.id, "CONVEX_STORAGE_NOT_MOUNTED", error.message);
  assert.match(error.message, /^ConvexStorage\.init failed: /);
  assert.match(error.message, /app\.use\(mastra\)/);
  assert.match(error.message, /import mastra from "@mastra\/convex\/convex\.config"/);
  assert.match(error.message, /npx convex deploy/);
  assert.equal(error.message.match(/ConvexStorage\.init failed/g)?.length, 1, "said once");
  return true;
}

Deno.test("init: a compatible backend succeeds", async () => {
  const { storage } = createTestStorage();
  await storage.init();
  assert.ok(await storage.getStore("memory"));
});

Deno.test("init: an app without our component fails with a message telling the user to mount it", async () => {
  const app = convexTest({ modules: emptyAppModules(), transactionLimits: true });
  const storage = new ConvexStorage({
    client: { ...inProcessClient({ raw: app } as unknown as Backend), listComponents: () => Promise.resolve([""]) },
    retry: FAST_RETRY,
  });
  await assert.rejects(storage.init(), assertNotMounted);
});

Deno.test("init: over HTTP, a deployment without our component fails with the mount message", async () => {
  await using server = await startConvexHttpServer({ components: {} });
  const storage = new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey, retry: FAST_RETRY });
  await assert.rejects(storage.init(), (error) => {
    assertNotMounted(error);
    // The backend's own words are kept, so the user sees what was missing.
    assert.match((error as Error).message, /Component 'mastra' not found/);
    return true;
  });
  assert.equal(server.stats.functionRequests, 2, "one info call (not retried) and one list of the mounted components");
});

Deno.test("init: over HTTP, the component mounted under another name is named, with the option to pass", async () => {
  await using server = await startConvexHttpServer({ components: { agents: componentModules } });
  const wrong = new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey, retry: FAST_RETRY });
  await assert.rejects(wrong.init(), (error) => {
    assert.ok(error instanceof MastraError, String(error));
    assert.equal(error.id, "CONVEX_STORAGE_COMPONENT_NAME");
    assert.match(error.message, /no component is mounted as "mastra"/);
    assert.match(error.message, /mounted components: "agents"/);
    assert.match(error.message, /pass `component: "agents"` to ConvexStorage/);
    return true;
  });
  const right = new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey, component: "agents" });
  await right.init();
  const memory = (await right.getStore("memory"))!;
  await memory.saveThread({
    thread: { id: "t1", resourceId: "r1", title: "hi", createdAt: new Date(1), updatedAt: new Date(1) },
  });
  assert.equal((await memory.getThreadById({ threadId: "t1" }))?.title, "hi");
});

Deno.test("init: in-process, a component registered under another name is found through the same check", async () => {
  const app = convexTest({ modules: emptyAppModules(), transactionLimits: true });
  register(app as never, "agents");
  const raw = { raw: app } as unknown as Backend;
  const wrong = new ConvexStorage({
    component: "mastra",
    client: { ...inProcessClient(raw, "mastra"), listComponents: () => Promise.resolve(["", "agents"]) },
    retry: FAST_RETRY,
  });
  await assert.rejects(wrong.init(), (error: Error) => /pass `component: "agents"`/.test(error.message));
  await new ConvexStorage({ client: inProcessClient(raw, "agents") }).init();
});

Deno.test("init: an incompatible version or another package fails with a clear message", async () => {
  const nextMajor = `${Number(FUNCTIONS_VERSION.split(".")[0]) + 1}.0.0`;
  const cases: { info: unknown; mentions: RegExp[] }[] = [
    { info: { name: PACKAGE_NAME, version: nextMajor }, mentions: [new RegExp(`version ${nextMajor}`)] },
    { info: { name: PACKAGE_NAME, version: "0.9.0" }, mentions: [/version 0\.9\.0/] },
    { info: { name: "@someone/else", version: FUNCTIONS_VERSION }, mentions: [/runs @someone\/else version/] },
    { info: { name: PACKAGE_NAME }, mentions: [/version unknown/] },
    { info: null, mentions: [/runs unknown version/] },
  ];
  for (const { info, mentions } of cases) {
    const { client } = fakeInfoClient(() => info);
    const storage = new ConvexStorage({ client });
    await assert.rejects(storage.init(), (error) => {
      assert.ok(error instanceof MastraError, String(error));
      assert.equal(error.id, "CONVEX_STORAGE_INCOMPATIBLE_VERSION", JSON.stringify(info));
      assert.match(
        error.message,
        new RegExp(`needs @mastra/convex component version ${FUNCTIONS_VERSION.replace(/\./g, "\\.")}`),
      );
      assert.match(error.message, /npx convex deploy/);
      for (const mention of mentions) assert.match(error.message, mention);
      return true;
    });
  }
  // A newer minor or patch of the same major is accepted.
  const [major] = FUNCTIONS_VERSION.split(".");
  const { client } = fakeInfoClient(() => ({ name: PACKAGE_NAME, version: `${major}.99.3` }));
  await new ConvexStorage({ client }).init();
});

Deno.test("init: the check runs once, and again after a failure", async () => {
  let fail = true;
  const { client, infoCalls } = fakeInfoClient(() => {
    if (fail) throw new Error("Component 'mastra' not found on this deployment");
    return { name: PACKAGE_NAME, version: FUNCTIONS_VERSION };
  });
  const storage = new ConvexStorage({ client, retry: FAST_RETRY });
  await assert.rejects(storage.init(), assertNotMounted);
  assert.equal(infoCalls(), 1, "a non-transient failure is not retried");
  await assert.rejects(storage.init(), assertNotMounted);
  assert.equal(infoCalls(), 2, "a failed check is not cached");
  fail = false;
  await storage.init();
  assert.equal(infoCalls(), 3);
  await storage.init();
  await Promise.all([storage.init(), storage.init()]);
  assert.equal(infoCalls(), 3, "a successful check is cached");
});

Deno.test("init: concurrent first calls share one check", async () => {
  const { client, infoCalls } = fakeInfoClient(() => ({ name: PACKAGE_NAME, version: FUNCTIONS_VERSION }));
  const storage = new ConvexStorage({ client });
  await Promise.all([storage.init(), storage.init(), storage.init()]);
  assert.equal(infoCalls(), 1);
});
