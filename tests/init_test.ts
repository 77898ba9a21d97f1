/**
 * `ConvexStorage.init()` checks once that our functions are deployed and of a
 * compatible version, and says what to deploy when they are not.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { anyApi, getFunctionName } from "convex/server";
import { convexTest } from "convex-test";
import schema from "../convex/schema.ts";
import { FUNCTIONS_VERSION, PACKAGE_NAME } from "../convex/kit/version.ts";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { convexModules, createBackend, createTestStorage, inProcessClient } from "./helpers/backend.ts";
import { startConvexHttpServer } from "./helpers/httpServer.ts";

const FAST_RETRY = { attempts: 3, baseDelayMs: 1 };

/** A backend built from our module map without `system.ts`: tables exist, our functions partly do not. */
function backendWithoutSystemModule() {
  const modules = Object.fromEntries(Object.entries(convexModules()).filter(([key]) => !key.endsWith("/system.ts")));
  return { modules, backend: convexTest({ schema, modules, transactionLimits: true }) };
}

/** A client that answers `system:info` with `info` (or throws it) and delegates the rest to a fresh backend. */
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

function assertDeployMessage(error: unknown): true {
  assert.ok(error instanceof MastraError, String(error));
  assert.equal(error.id, "CONVEX_STORAGE_NOT_DEPLOYED");
  assert.match(error.message, /Deploy the convex\/ modules of @mastra\/convex/);
  assert.match(error.message, /npx convex deploy/);
  assert.match(error.message, /mastraTables/);
  return true;
}

Deno.test("init: a compatible backend succeeds", async () => {
  const { storage } = createTestStorage();
  await storage.init();
  assert.ok(await storage.getStore("memory"));
});

Deno.test("init: a backend without our functions fails with a message telling the user to deploy", async () => {
  const { backend } = backendWithoutSystemModule();
  const storage = new ConvexStorage({ client: inProcessClient(backend), retry: FAST_RETRY });
  await assert.rejects(storage.init(), assertDeployMessage);
});

Deno.test("init: over HTTP, a deployment without our functions fails with the deploy message", async () => {
  const { backend, modules } = backendWithoutSystemModule();
  await using server = await startConvexHttpServer({ backend, modules });
  const storage = new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey, retry: FAST_RETRY });
  await assert.rejects(storage.init(), (error) => {
    assertDeployMessage(error);
    // The backend's own words are kept, so the user sees which function was missing.
    assert.match((error as Error).message, /Could not find function for 'system:info'/);
    return true;
  });
  assert.equal(server.stats.apiRequests, 1, "a missing function is not retried");
});

Deno.test("init: an api object pointing where our modules are not fails with the deploy message", async () => {
  const { storage } = createTestStorage({ api: anyApi.mastra, retry: FAST_RETRY });
  await assert.rejects(storage.init(), (error) => {
    assertDeployMessage(error);
    assert.match((error as Error).message, /api: internal\.<folder>/);
    return true;
  });
});

Deno.test("init: an api object without system.info fails with the deploy message", async () => {
  const { storage } = createTestStorage({ api: { threads: anyApi.threads } });
  await assert.rejects(storage.init(), assertDeployMessage);
});

Deno.test("init: an incompatible version or another package fails with a clear message", async () => {
  const nextMajor = `${Number(FUNCTIONS_VERSION.split(".")[0]) + 1}.0.0`;
  const cases: { info: unknown; mentions: RegExp[] }[] = [
    { info: { name: PACKAGE_NAME, version: nextMajor }, mentions: [new RegExp(`version ${nextMajor}`)] },
    { info: { name: PACKAGE_NAME, version: "0.9.0" }, mentions: [/version 0\.9\.0/] },
    { info: { name: "@someone/else", version: FUNCTIONS_VERSION }, mentions: [/runs @someone\/else functions/] },
    { info: { name: PACKAGE_NAME }, mentions: [/version unknown/] },
    { info: null, mentions: [/runs unknown functions/] },
  ];
  for (const { info, mentions } of cases) {
    const { client } = fakeInfoClient(() => info);
    const storage = new ConvexStorage({ client });
    await assert.rejects(storage.init(), (error) => {
      assert.ok(error instanceof MastraError, String(error));
      assert.equal(error.id, "CONVEX_STORAGE_INCOMPATIBLE_FUNCTIONS", JSON.stringify(info));
      assert.match(
        error.message,
        new RegExp(`needs @mastra/convex functions version ${FUNCTIONS_VERSION.replace(/\./g, "\\.")}`),
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
    if (fail) throw new Error("Could not find function for 'system:info'");
    return { name: PACKAGE_NAME, version: FUNCTIONS_VERSION };
  });
  const storage = new ConvexStorage({ client, retry: FAST_RETRY });
  await assert.rejects(storage.init(), assertDeployMessage);
  assert.equal(infoCalls(), 1, "a non-transient failure is not retried");
  await assert.rejects(storage.init(), assertDeployMessage);
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
