/**
 * Live test of the WebSocket path: `watchMessages` and `watchThread` over
 * Convex's real `ConvexClient` against a real deployment (`deno task
 * test:live`, which sets `MASTRA_CONVEX_LIVE=1`, `CONVEX_URL` and a key).
 * Under plain `deno task test` it is reported as ignored with the reason.
 */
import assert from "node:assert/strict";
import { ConvexStorage } from "../../mod.ts";

const url = Deno.env.get("CONVEX_URL");
const live = Deno.env.get("MASTRA_CONVEX_LIVE") === "1" && !!url;
const reason = !url ? "CONVEX_URL is not set" : "run it with `deno task test:live` (it sets MASTRA_CONVEX_LIVE=1)";

if (!live) console.log(`live subscription test skipped: ${reason}`);

/** Resolves when `check` holds, polling every 50 ms, or rejects after `ms`. */
async function eventually(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the watch to call back");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test({
  name: `live: watches over Convex's WebSocket client (${live ? url : `skipped: ${reason}`})`,
  ignore: !live,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const storage = new ConvexStorage();
    await storage.init();
    const run = crypto.randomUUID();
    const threadId = `live-watch-${run}`;
    const seen: number[] = [];
    const titles: (string | undefined)[] = [];
    const errors: Error[] = [];
    const stopMessages = storage.watchMessages(threadId, (messages) => seen.push(messages.length), {
      last: 10,
      onError: (e) => errors.push(e),
    });
    const stopThread = storage.watchThread(threadId, (thread) => titles.push(thread?.title));
    try {
      await eventually(() => seen.length >= 1 && titles.length >= 1);
      await storage.saveThread({
        thread: { id: threadId, resourceId: `live-${run}`, title: "watched", createdAt: Date.now() },
      });
      await eventually(() => titles.at(-1) === "watched");
      for (let i = 0; i < 3; i++) {
        await storage.saveMessage({
          message: {
            id: `${threadId}-m${i}`,
            threadId,
            type: "user",
            content: `hello ${i}`,
            createdAt: Date.now() + i,
          },
        });
      }
      await eventually(() => seen.at(-1) === 3);
      stopMessages();
      const count = seen.length;
      await storage.saveMessage({
        message: {
          id: `${threadId}-m9`,
          threadId,
          type: "user",
          content: "after unsubscribe",
          createdAt: Date.now() + 9,
        },
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.equal(seen.length, count, "no call after unsubscribe");
      assert.deepStrictEqual(errors, []);
    } finally {
      stopMessages();
      stopThread();
      const memory = (await storage.getStore("memory"))!;
      await memory.deleteThread({ threadId });
      await storage.close();
    }
  },
});
