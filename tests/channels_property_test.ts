/**
 * The channels domain: differential property test against core's
 * InMemoryStore (random installations and configs, every lookup compared),
 * index-bounded lookups at scale, bounded pages for long lists, bad input,
 * secrets kept out of error messages, and dangerouslyClearAll.
 *
 * One deliberate difference is modelled: saving an installation that exists
 * keeps its original `createdAt` (as the SQL stores do; core's in-memory
 * store replaces it), so the reference is given the stored `createdAt`.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type ChannelInstallation, type ChannelsStorage, InMemoryStore } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import { outcome } from "./helpers/normalize.ts";

const IDS = ["i1", "i2", "i3", "i4", "i5", "i6"];
const PLATFORMS = ["slack", "discord"];
const AGENTS = ["a1", "a2"];
const WEBHOOKS = ["w1", "w2", "w3"];
const STATUSES = ["active", "pending", "error"] as const;

const data = fc.oneof(
  fc.constant({ botToken: "xoxb-secret", team: { id: "T1", name: "Team" } }),
  fc.dictionary(fc.constantFrom("token", "$schema", "_id", "nested", "~t"), fc.jsonValue({ maxDepth: 2 })),
  fc.record({ at: fc.date({ noInvalidDate: true }), n: fc.integer() }),
);
const installation = fc.record({
  id: fc.constantFrom(...IDS),
  platform: fc.constantFrom(...PLATFORMS),
  agentId: fc.constantFrom(...AGENTS),
  status: fc.constantFrom(...STATUSES),
  webhookId: fc.option(fc.constantFrom(...WEBHOOKS), { nil: undefined }),
  data,
  configHash: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  error: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
  createdAt: fc.date({ noInvalidDate: true }),
  updatedAt: fc.date({ noInvalidDate: true }),
}, { requiredKeys: ["id", "platform", "agentId", "status", "data", "createdAt", "updatedAt"] });

type Op =
  | { op: "saveInstallation"; installation: ChannelInstallation }
  | { op: "getInstallation"; id: string }
  | { op: "getInstallationByAgent"; platform: string; agentId: string }
  | { op: "getInstallationByWebhookId"; webhookId: string }
  | { op: "listInstallations"; platform: string }
  | { op: "deleteInstallation"; id: string }
  | { op: "saveConfig"; platform: string; data: Record<string, unknown>; updatedAt: Date }
  | { op: "getConfig"; platform: string }
  | { op: "deleteConfig"; platform: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: installation.map((i) => ({ op: "saveInstallation" as const, installation: i as ChannelInstallation })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...IDS).map((id) => ({ op: "getInstallation" as const, id })) },
  {
    weight: 3,
    arbitrary: fc.record({ platform: fc.constantFrom(...PLATFORMS), agentId: fc.constantFrom(...AGENTS) }).map((a) => ({
      op: "getInstallationByAgent" as const,
      ...a,
    })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...WEBHOOKS).map((webhookId) => ({
      op: "getInstallationByWebhookId" as const,
      webhookId,
    })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...PLATFORMS).map((platform) => ({ op: "listInstallations" as const, platform })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...IDS).map((id) => ({ op: "deleteInstallation" as const, id })) },
  {
    weight: 2,
    arbitrary: fc.record({
      platform: fc.constantFrom(...PLATFORMS),
      data,
      updatedAt: fc.date({ noInvalidDate: true }),
    }).map((c) => ({ op: "saveConfig" as const, ...c })),
  },
  { weight: 1, arbitrary: fc.constantFrom(...PLATFORMS).map((platform) => ({ op: "getConfig" as const, platform })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...PLATFORMS).map((platform) => ({ op: "deleteConfig" as const, platform })),
  },
);

function apply(store: ChannelsStorage, o: Op): Promise<unknown> {
  switch (o.op) {
    case "saveInstallation":
      return store.saveInstallation(o.installation);
    case "getInstallation":
      return store.getInstallation(o.id);
    case "getInstallationByAgent":
      return store.getInstallationByAgent(o.platform, o.agentId);
    case "getInstallationByWebhookId":
      return store.getInstallationByWebhookId(o.webhookId);
    case "listInstallations":
      return store.listInstallations(o.platform);
    case "deleteInstallation":
      return store.deleteInstallation(o.id);
    case "saveConfig":
      return store.saveConfig({ platform: o.platform, data: o.data, updatedAt: o.updatedAt });
    case "getConfig":
      return store.getConfig(o.platform);
    case "deleteConfig":
      return store.deleteConfig(o.platform);
  }
}

Deno.test("channels: random operation sequences give the same answers as InMemoryStore", async () => {
  const { storage } = createTestStorage();
  await storage.init();
  const ours = (await storage.getStore("channels"))!;
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      await ours.dangerouslyClearAll();
      const reference = new InMemoryStore();
      const theirs = (await reference.getStore("channels"))!;
      for (const [index, o] of ops.entries()) {
        const forReference = structuredClone(o);
        if (forReference.op === "saveInstallation") {
          const stored = await theirs.getInstallation(forReference.installation.id).catch(() => null);
          if (stored) forReference.installation.createdAt = stored.createdAt;
        }
        const expected = await outcome(() => apply(theirs, forReference));
        const actual = await outcome(() => apply(ours, structuredClone(o)));
        assert.deepStrictEqual(actual, expected, `operation ${index} ${JSON.stringify(o)}`);
      }
    }),
    { numRuns: 40 },
  );
});

function inst(id: string, over: Partial<ChannelInstallation> = {}): ChannelInstallation {
  return {
    id,
    platform: "slack",
    agentId: "agent",
    status: "active",
    data: { botToken: "xoxb-top-secret" },
    createdAt: new Date(1000),
    updatedAt: new Date(2000),
    ...over,
  };
}

Deno.test("channels: lookups read about one document at 300 installations; long lists come in bounded pages", async () => {
  const { storage } = createTestStorage();
  const store = (await storage.getStore("channels"))!;
  const big = "x".repeat(100_000); // 300 x 100 KB = 30 MB: several pages by bytes
  for (let i = 0; i < 300; i++) {
    await store.saveInstallation(inst(`i${i}`, {
      agentId: `agent${i % 50}`,
      status: STATUSES[i % 3],
      webhookId: `wh${i}`,
      platform: i % 2 ? "slack" : "discord",
      data: { blob: big },
    }));
  }
  const byId = await measure(() => store.getInstallation("i123"));
  const byWebhook = await measure(() => store.getInstallationByWebhookId("wh277"));
  const byAgent = await measure(() => store.getInstallationByAgent("slack", "agent7"));
  assert.equal(byId.result?.id, "i123");
  assert.equal(byWebhook.result?.id, "i277");
  assert.equal(byAgent.result?.agentId, "agent7");
  assert.equal(byAgent.result?.status, "active");
  for (const m of [byId, byWebhook, byAgent]) assert.ok(m.usage.documentsRead <= 2, JSON.stringify(m.usage));
  let calls = 0;
  const transport = storage.transport;
  const original = transport.query.bind(transport);
  transport.query = ((path: string, args: Record<string, unknown>, options: never) => {
    calls++;
    return original(path as never, args, options);
  }) as typeof transport.query;
  const listed = await store.listInstallations("slack");
  transport.query = original;
  assert.equal(listed.length, 150);
  assert.deepEqual(listed.slice(0, 3).map((i) => i.id), ["i1", "i3", "i5"]);
  assert.ok(calls >= 4, `15 MB of installations should take several bounded calls, took ${calls}`);
  console.log(
    `channels @300: getInstallation ${byId.usage.documentsRead} docs, byWebhookId ${byWebhook.usage.documentsRead}, ` +
      `byAgent ${byAgent.usage.documentsRead}; listInstallations(150 x 100 KB) in ${calls} calls`,
  );
});

Deno.test("channels: bad input fails clearly, writes nothing and never echoes secrets", async () => {
  const { storage, backend } = createTestStorage();
  const store = (await storage.getStore("channels"))!;
  const secret = "xoxb-top-secret";
  const bad: [string, () => Promise<unknown>, RegExp][] = [
    ["no id", () => store.saveInstallation({ ...inst("x"), id: "" }), /installation\.id must be a non-empty string/],
    [
      "bad status",
      () => store.saveInstallation(inst("x", { status: "weird" as never })),
      /installation\.status must be one of/,
    ],
    ["secret as status", () => store.saveInstallation(inst("x", { status: secret as never })), /installation\.status/],
    [
      "data not an object",
      () => store.saveInstallation(inst("x", { data: secret as never })),
      /installation\.data must be an object, got a string/,
    ],
    [
      "webhook not a string",
      () => store.saveInstallation(inst("x", { webhookId: 5 as never })),
      /installation\.webhookId must be a string/,
    ],
    [
      "function in data",
      () => store.saveInstallation(inst("x", { data: { token: secret, f: () => 1 } })),
      /functions cannot be stored at data\.f/,
    ],
    [
      "too large",
      () => store.saveInstallation(inst("x", { data: { token: secret, pad: "y".repeat(1_100_000) } })),
      /one Convex document holds at most/,
    ],
    [
      "config data",
      () => store.saveConfig({ platform: "slack", data: secret as never, updatedAt: new Date() }),
      /config\.data must be an object/,
    ],
    [
      "config too large",
      () =>
        store.saveConfig({
          platform: "slack",
          data: { token: secret, pad: "y".repeat(1_100_000) },
          updatedAt: new Date(),
        }),
      /one Convex document/,
    ],
    ["lookup id", () => store.getInstallation(7 as never), /id must be a string, got a number/],
    ["lookup webhook", () => store.getInstallationByWebhookId(null as never), /webhookId must be a string, got null/],
  ];
  for (const [name, call, pattern] of bad) {
    const error = await call().then(() => assert.fail(`${name}: should fail`), (e: Error) => e);
    assert.match(error.message, pattern, name);
    assert.match(error.message, /ConvexStorage\.\w+ failed/, name);
    assert.ok(!error.message.includes(secret), `${name}: message must not include the secret: ${error.message}`);
    assert.ok(!JSON.stringify((error as { details?: unknown }).details ?? {}).includes(secret), `${name}: details`);
  }
  const rows = await backend.run(async (ctx) => [
    ...(await ctx.db.query("channel_installations").collect()),
    ...(await ctx.db.query("channel_configs").collect()),
  ]);
  assert.equal(rows.length, 0);
});

Deno.test("channels: secrets are stored as given; dangerouslyClearAll empties both tables", async () => {
  const { storage, backend } = createTestStorage();
  const store = (await storage.getStore("channels"))!;
  const saved = inst("s1", {
    webhookId: "wh",
    configHash: "h",
    data: { botToken: "xoxb-1", refresh: { at: new Date(5) } },
  });
  await store.saveInstallation(saved);
  await store.saveConfig({ platform: "slack", data: { appConfigToken: "xoxe-2" }, updatedAt: new Date(7) });
  assert.deepEqual(await store.getInstallation("s1"), saved);
  assert.deepEqual(await store.getConfig("slack"), {
    platform: "slack",
    data: { appConfigToken: "xoxe-2" },
    updatedAt: new Date(7),
  });
  const raw = await backend.run((ctx) => ctx.db.query("channel_installations").first());
  assert.ok(raw?.record.includes("xoxb-1"), "stored as given");
  await store.dangerouslyClearAll();
  assert.equal(await store.getInstallation("s1"), null);
  assert.equal(await store.getConfig("slack"), null);
  const left = await backend.run(async (ctx) => [
    ...(await ctx.db.query("channel_installations").collect()),
    ...(await ctx.db.query("channel_configs").collect()),
  ]);
  assert.equal(left.length, 0);
});

Deno.test("channels: updating an installation keeps its original createdAt", async () => {
  const { storage } = createTestStorage();
  const store = (await storage.getStore("channels"))!;
  await store.saveInstallation(inst("i", { createdAt: new Date(1000), updatedAt: new Date(1000) }));
  await store.saveInstallation(
    inst("i", { status: "error", error: "boom", createdAt: new Date(9000), updatedAt: new Date(9000) }),
  );
  const saved = (await store.getInstallation("i"))!;
  assert.equal(saved.status, "error");
  assert.deepEqual(saved.createdAt, new Date(1000));
  assert.deepEqual(saved.updatedAt, new Date(9000));
  // A new installation takes the createdAt it is given.
  await store.deleteInstallation("i");
  await store.saveInstallation(inst("i", { createdAt: new Date(5000) }));
  assert.deepEqual((await store.getInstallation("i"))!.createdAt, new Date(5000));
});
