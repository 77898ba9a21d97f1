/**
 * `deno task demo`: stores a thread and a resource with working memory and
 * reads them back, printing what was stored.
 *
 * Runs on the in-process Convex backend by default; on a real deployment
 * when `CONVEX_URL` and a key (`CONVEX_ADMIN_KEY`, `CONVEX_DEPLOY_KEY` or
 * `CONVEX_SELF_HOSTED_ADMIN_KEY`) are set.
 */
import { ConvexStorage } from "../mod.ts";
import { createTestStorage } from "../tests/helpers/backend.ts";

const KEY_VARS = ["CONVEX_ADMIN_KEY", "CONVEX_DEPLOY_KEY", "CONVEX_SELF_HOSTED_ADMIN_KEY"];
const live = Boolean(Deno.env.get("CONVEX_URL")) && KEY_VARS.some((name) => Deno.env.get(name));

const storage = live ? new ConvexStorage() : createTestStorage().storage;
console.log(
  live
    ? `Using the Convex deployment at ${Deno.env.get("CONVEX_URL")}`
    : "Using the in-process Convex backend (set CONVEX_URL and CONVEX_DEPLOY_KEY to use a real deployment)",
);

await storage.init();
const memory = (await storage.getStore("memory"))!;
const stamp = Date.now();
const threadId = `demo-thread-${stamp}`;
const resourceId = `demo-user-${stamp}`;

const thread = await memory.saveThread({
  thread: {
    id: threadId,
    resourceId,
    title: "Planning a trip to Lisbon",
    metadata: { topic: "travel", $schema: "keys starting with $ are fine", tags: ["lisbon", "spring"] },
    createdAt: new Date(),
    updatedAt: new Date(),
  },
});
console.log("\nSaved thread:", thread);

await memory.updateResource({
  resourceId,
  workingMemory: "# User\n- Name: Ada\n- Prefers: window seats, vegetarian food",
  metadata: { plan: "pro" },
});
console.log("\nRead back thread:", await memory.getThreadById({ threadId }));
console.log("\nRead back resource:", await memory.getResourceById({ resourceId }));

const { threads, total } = await memory.listThreads({ filter: { resourceId } });
console.log(`\nThreads of ${resourceId}: ${total}`, threads.map((t) => t.title));

if (live) {
  await memory.deleteThread({ threadId });
  console.log(`\nCleaned up ${threadId}.`);
}
