/**
 * Mastra's own version helpers (`@mastra/server`'s `createVersionWithRetry`
 * and `enforceRetentionLimit`) over our store:
 * - two servers (two ConvexStorage instances on one deployment) creating
 *   versions of one agent at the same time both succeed after the
 *   helper's retry, with distinct numbers, and no version is lost;
 * - the 50-versions-per-entity pruning keeps the newest 50 and the active one.
 */
import assert from "node:assert/strict";
import type { AgentsStorage } from "@mastra/core/storage";
import { createVersionWithRetry, enforceRetentionLimit } from "@mastra/server/handlers/version-helpers";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";

const MODEL = { provider: "openai", name: "gpt-4o" };

Deno.test("two servers creating versions of one agent at once: both succeed after the retry, distinct numbers", async () => {
  const backend = createBackend();
  let conflicts = 0;
  const server = (): AgentsStorage => {
    const inner = inProcessClient(backend);
    const client: ConvexClientLike = {
      ...inner,
      mutation: async (path, args, options) => {
        try {
          return await inner.mutation(path, args, options);
        } catch (error) {
          if (String((error as { data?: { code?: string } }).data?.code) === "ALREADY_EXISTS") conflicts++;
          throw error;
        }
      },
    };
    // deno-lint-ignore no-explicit-any
    return (new ConvexStorage({ client }) as any).stores.agents;
  };
  const a = server();
  const b = server();
  await a.create({ agent: { id: "shared", name: "v1", instructions: "one", model: MODEL } });
  const rounds = 6;
  for (let round = 0; round < rounds; round++) {
    const results = await Promise.all(
      [a, b].map((store, i) =>
        createVersionWithRetry(
          store as never,
          "shared",
          "agentId",
          {
            name: `r${round}-s${i}`,
            instructions: `round ${round} from server ${i}`,
            model: MODEL,
          },
          ["instructions"],
          { changeMessage: `server ${i}` },
        )
      ),
    );
    assert.notEqual(results[0].versionNumber, results[1].versionNumber, `round ${round}`);
  }
  assert.ok(conflicts > 0, "the two servers did collide (the retry was exercised)");
  const { versions, total } = await a.listVersions({ agentId: "shared", perPage: false });
  assert.equal(total, 1 + 2 * rounds, "no version lost");
  assert.deepEqual(
    versions.map((version) => version.versionNumber),
    Array.from({ length: total }, (_, i) => total - i),
    "numbers 1..n, newest first",
  );
  const names = new Set(versions.map((version) => version.name));
  for (let round = 0; round < rounds; round++) {
    for (const i of [0, 1]) assert.ok(names.has(`r${round}-s${i}`), `version r${round}-s${i} kept`);
  }
});

Deno.test("the server's 50-versions-per-entity pruning keeps the newest 50 and the active version", async () => {
  const backend = createBackend();
  // deno-lint-ignore no-explicit-any
  const agents: AgentsStorage = (new ConvexStorage({ client: inProcessClient(backend) }) as any).stores.agents;
  await agents.create({ agent: { id: "p", name: "v1", instructions: "one", model: MODEL } });
  const active = (await agents.getLatestVersion("p"))!;
  await agents.update({ id: "p", activeVersionId: active.id, status: "published" });
  for (let n = 2; n <= 60; n++) {
    await createVersionWithRetry(
      agents as never,
      "p",
      "agentId",
      { name: `v${n}`, instructions: `${n}`, model: MODEL },
      [
        "instructions",
      ],
    );
    await enforceRetentionLimit(agents as never, "p", "agentId", active.id);
  }
  const { versions, total } = await agents.listVersions({ agentId: "p", perPage: false });
  assert.equal(total, 50);
  assert.equal(await agents.countVersions("p"), 50);
  const numbers = versions.map((version) => version.versionNumber).sort((x, y) => x - y);
  assert.deepEqual(numbers, [1, ...Array.from({ length: 49 }, (_, i) => 12 + i)], "active v1 kept, newest 49 kept");
  const resolved = await agents.getByIdResolved("p");
  assert.equal(resolved?.resolvedVersionId, active.id);
  // The next number is still max + 1 (gaps stay).
  const next = await createVersionWithRetry(agents as never, "p", "agentId", { name: "v61", model: MODEL }, ["name"]);
  assert.equal(next.versionNumber, 61);
});

Deno.test("a retried write (same operation id, first answer lost) answers as the first call and writes nothing more", async () => {
  const backend = createBackend();
  const client = inProcessClient(backend);
  const call = (fn: string, args: Record<string, unknown>) =>
    client.mutation(`versioned/functions:${fn}`, { domain: "agents", ...args }, { idempotent: true });
  // A body near the inline limit whose answer, once escaped, is too large to record: the retry re-reads the row.
  const body = JSON.stringify({ instructions: '"'.repeat(120_000), changedFields: [], changeMessage: "m" });
  for (const [label, versionBody] of [["small", JSON.stringify({ name: "x" })], ["unrecordable", body]] as const) {
    const version = { id: `v-${label}`, entityId: "a", versionNumber: label === "small" ? 1 : 2, body: versionBody };
    const first = await call("createVersion", { version, opId: `op-${label}` });
    const again = await call("createVersion", { version, opId: `op-${label}` });
    assert.deepEqual(again, first, label);
  }
  const count = await client.query("versioned/functions:countVersions", { domain: "agents", entityId: "a" });
  assert.equal(count, 2);
  // Without an operation id the same write is refused: it would be a second version.
  await assert.rejects(() =>
    call("createVersion", { version: { id: "v-small", entityId: "a", versionNumber: 1, body: "{}" } })
  );
});
