/**
 * The README's example of composing with our component from the app's own
 * Convex code: an app query, behind the app's own auth, reads a thread's
 * latest messages through `ctx.runQuery(components.mastra.memory.appReads.…)`.
 * In a real app, `components` comes from `./_generated/api`; here from
 * `componentsGeneric()`, which is what that generated file exports.
 */
import assert from "node:assert/strict";
import { componentsGeneric, queryGeneric } from "convex/server";
import { v } from "convex/values";
import { ConvexStorage } from "../src/storage.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";

const components = componentsGeneric();

// --- the app's convex/chat.ts, as in the README -----------------------------
const latestMessages = queryGeneric({
  args: { threadId: v.string() },
  handler: async (ctx, { threadId }) => {
    const user = await ctx.auth.getUserIdentity();
    if (!user) throw new Error("Not signed in");
    const thread = await ctx.runQuery(components.mastra.memory.appReads.thread, { threadId });
    if (!thread || thread.resourceId !== user.subject) throw new Error("Not your thread");
    const messages = await ctx.runQuery(components.mastra.memory.appReads.recentMessages, { threadId, limit: 50 });
    return messages.map((m: { id: string; role: string; content: string | null }) => ({
      id: m.id,
      role: m.role,
      content: m.content === null ? null : JSON.parse(m.content),
    }));
  },
});
// ----------------------------------------------------------------------------

Deno.test("an app query behind the app's auth reads Mastra data through the component", async () => {
  const backend = createBackend({
    "/app/_generated/server.ts": () => Promise.resolve({}),
    "/app/chat.ts": () => Promise.resolve({ latestMessages }),
  });
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const memory = (await storage.getStore("memory"))!;
  const at = (ms: number) => new Date(1_767_225_600_000 + ms);
  await memory.saveThread({
    thread: { id: "t1", resourceId: "user-1", title: "Trip", createdAt: at(0), updatedAt: at(0) },
  });
  await memory.saveMessages({
    messages: [
      {
        id: "m1",
        threadId: "t1",
        resourceId: "user-1",
        role: "user",
        createdAt: at(1),
        content: { format: 2, parts: [{ type: "text", text: "hi" }] },
      },
      {
        id: "m2",
        threadId: "t1",
        resourceId: "user-1",
        role: "assistant",
        createdAt: at(2),
        content: { format: 2, parts: [{ type: "text", text: "hello" }] },
      },
    ],
  });

  const raw = backend.raw;
  const asOwner = raw.withIdentity({ subject: "user-1" });
  // deno-lint-ignore no-explicit-any
  const ref = "chat:latestMessages" as any;
  const messages = await asOwner.query(ref, { threadId: "t1" });
  assert.deepEqual(messages.map((m: { id: string; role: string }) => [m.id, m.role]), [["m1", "user"], [
    "m2",
    "assistant",
  ]]);
  assert.deepEqual(messages[1].content.parts, [{ type: "text", text: "hello" }]);
  await assert.rejects(raw.query(ref, { threadId: "t1" }), /Not signed in/);
  await assert.rejects(raw.withIdentity({ subject: "user-2" }).query(ref, { threadId: "t1" }), /Not your thread/);
});
