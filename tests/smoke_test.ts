import assert from "node:assert/strict";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

Deno.test("smoke: thread round trip", async () => {
  const { storage } = createTestStorage();
  await storage.init();
  const memory = (await storage.getStore("memory"))!;
  const thread = {
    id: "t1",
    resourceId: "r1",
    title: "hi",
    metadata: { $schema: "x", _id: 1, "ключ": [null, new Date(5)] },
    createdAt: new Date(1),
    updatedAt: new Date(2),
  };
  await memory.saveThread({ thread });
  const { result, usage } = await measure(() => memory.getThreadById({ threadId: "t1" }));
  assert.deepEqual(result, thread);
  console.log(usage);
  const list = await memory.listThreads({ filter: { resourceId: "r1" } });
  assert.equal(list.total, 1);
  await memory.deleteThread({ threadId: "t1" });
  assert.equal(await memory.getThreadById({ threadId: "t1" }), null);
});
