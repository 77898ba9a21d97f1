/**
 * Bad input to the editor domains fails with a MastraError of category USER
 * that names the operation and the ids, and writes nothing.
 */
import assert from "node:assert/strict";
import { ErrorCategory, MastraError } from "@mastra/core/error";
import { createTestStorage } from "./helpers/backend.ts";

const MODEL = { provider: "openai", name: "gpt-4o" };

async function rejectsAsUser(fn: () => Promise<unknown>, operation: string, mention?: RegExp): Promise<void> {
  await assert.rejects(fn, (error: unknown) => {
    assert.ok(error instanceof MastraError, `not a MastraError: ${error}`);
    assert.equal(error.category, ErrorCategory.USER, error.message);
    assert.match(error.message, new RegExp(`ConvexStorage\\.${operation} failed`), error.message);
    if (mention) assert.match(error.message, mention);
    return true;
  });
}

Deno.test("bad input to the editor domains is a USER MastraError and writes nothing", async () => {
  const { storage } = createTestStorage();
  // deno-lint-ignore no-explicit-any
  const store = async (name: string): Promise<any> => await storage.getStore(name as never);
  const agents = await store("agents");

  await rejectsAsUser(() => agents.create({} as never), "create", /agent/);
  await rejectsAsUser(
    () => agents.create({ agent: { id: "a", name: "A", model: MODEL, metadata: { fn: () => 1 } } }),
    "create",
    /id="a"/,
  );
  assert.equal(await agents.getById("a"), null, "a refused create wrote nothing");
  await rejectsAsUser(() => agents.create({ agent: { id: "x".repeat(2000), name: "A", model: MODEL } }), "create");

  await agents.create({ agent: { id: "a", name: "A", instructions: "i", model: MODEL } });
  await rejectsAsUser(
    () => agents.createVersion({ id: "v2", agentId: "a", versionNumber: "2" as never, name: "B", model: MODEL }),
    "createVersion",
    /v2/,
  );
  await rejectsAsUser(
    () => agents.createVersion({ id: "v2", agentId: "a", versionNumber: 1, name: "B", model: MODEL }),
    "createVersion",
    /already exists/,
  );
  assert.equal(await agents.countVersions("a"), 1, "refused versions wrote nothing");
  await rejectsAsUser(() => agents.update({ id: "missing", status: "published" }), "update", /missing/);
  await rejectsAsUser(
    () => agents.create({ agent: { id: "a", name: "again", model: MODEL } }),
    "create",
    /already exists/,
  );
  assert.equal((await agents.getByIdResolved("a"))?.name, "A");

  const favorites = await store("favorites");
  await rejectsAsUser(
    () => favorites.favorite({ userId: "u", entityType: "agent", entityId: "ghost" }),
    "favorite",
    /ghost/,
  );
  await rejectsAsUser(() => favorites.favorite({ userId: "u", entityType: "robot", entityId: "a" }), "favorite");
  assert.equal((await agents.getById("a"))?.favoriteCount, 0);

  const blobs = await store("blobs");
  await rejectsAsUser(
    () => blobs.put({ hash: "h", content: "c", size: 1, createdAt: "yesterday" as never }),
    "putMany",
    /createdAt/,
  );
  assert.equal(await blobs.has("h"), false);

  const definitions = await store("workflowDefinitions");
  await rejectsAsUser(() => definitions.upsert({ id: "w", description: "no schemas" }), "upsert", /required/);
  assert.equal(await definitions.get("w"), null);

  const connections = await store("toolProviderConnections");
  await rejectsAsUser(
    () =>
      connections.upsertConnection({
        authorId: "u",
        providerId: "p",
        toolkit: "t",
        connectionId: "c",
        label: null,
        scope: "everyone" as never,
      }),
    "upsertConnection",
    /scope/,
  );
  assert.deepEqual(await connections.listConnectionsByAuthor({}), []);
});
