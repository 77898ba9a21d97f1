/**
 * Live suite: `ConvexStorage` against a real deployment (`deno task
 * test:live`, which sets `MASTRA_CONVEX_LIVE=1`, `CONVEX_URL` and a key).
 * Under plain `deno task test` it is reported as ignored with the reason;
 * it never fakes a deployment. Every row it writes has fresh ids; its
 * threads are deleted at the end (Mastra has no call to delete a resource).
 */
import assert from "node:assert/strict";
import { ConvexStorage } from "../../mod.ts";

const url = Deno.env.get("CONVEX_URL");
const live = Deno.env.get("MASTRA_CONVEX_LIVE") === "1" && !!url;
const reason = !url ? "CONVEX_URL is not set" : "run it with `deno task test:live` (it sets MASTRA_CONVEX_LIVE=1)";

if (!live) console.log(`live suite skipped: ${reason}`);

Deno.test({
  name: `live: ConvexStorage against ${live ? url : `a real deployment (skipped: ${reason})`}`,
  ignore: !live,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const storage = new ConvexStorage();
    await storage.init();
    const memory = (await storage.getStore("memory"))!;
    const run = crypto.randomUUID();
    const resourceId = `live-resource-${run}`;
    const threadIds = [0, 1, 2].map((i) => `live-thread-${run}-${i}`);
    try {
      await t.step("threads: save, read back identical (dates as Date), list by resource", async () => {
        for (const [i, id] of threadIds.entries()) {
          await memory.saveThread({
            thread: {
              id,
              resourceId,
              title: `live ${i}`,
              metadata: { $schema: "x", _private: i, nested: { list: [1, null, "z"] } },
              createdAt: new Date(1_700_000_000_000 + i),
              updatedAt: new Date(1_700_000_000_500 + i),
            },
          });
        }
        const read = await memory.getThreadById({ threadId: threadIds[1] });
        assert.ok(read);
        assert.equal(read.title, "live 1");
        assert.ok(read.createdAt instanceof Date);
        assert.deepEqual(read.metadata, { $schema: "x", _private: 1, nested: { list: [1, null, "z"] } });
        const page = await memory.listThreads({ filter: { resourceId }, perPage: 2, page: 0 });
        assert.equal(page.total, 3);
        assert.equal(page.threads.length, 2);
      });

      await t.step("threads: update and delete", async () => {
        const updated = await memory.updateThread({ id: threadIds[0], title: "renamed", metadata: { k: 1 } });
        assert.equal(updated.title, "renamed");
        await memory.deleteThread({ threadId: threadIds[2] });
        assert.equal(await memory.getThreadById({ threadId: threadIds[2] }), null);
      });

      await t.step("resources: save and read back", async () => {
        await memory.saveResource({
          resource: {
            id: resourceId,
            workingMemory: "# notes",
            metadata: { a: 1 },
            createdAt: new Date(1_700_000_000_000),
            updatedAt: new Date(1_700_000_000_000),
          },
        });
        const resource = await memory.getResourceById({ resourceId });
        assert.equal(resource?.workingMemory, "# notes");
      });
    } finally {
      for (const threadId of threadIds) await memory.deleteThread({ threadId }).catch(() => {});
    }
  },
});
