/**
 * ConvexServerCache under Mastra's own users of `MastraServerCache`:
 *
 * - `CachingPubSub` (resumable streams): events published on one server are
 *   replayed, from any offset, to a late subscriber on another server that
 *   shares nothing with the first but the deployment;
 * - a durable agent (`createDurableAgent`) streaming a scripted local model:
 *   its stream is cached in Convex, and a second durable agent instance (as
 *   on another server, with its own in-process pubsub) replays the whole
 *   run with `observe(runId)` after it finished.
 */
import assert from "node:assert/strict";
import { Agent } from "@mastra/core/agent";
import { createDurableAgent } from "@mastra/core/agent/durable";
import { CachingPubSub, type Event, EventEmitterPubSub } from "@mastra/core/events";
import { ConvexServerCache } from "../src/cache/serverCache.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { installRootTimers } from "./helpers/scheduler.ts";
import { scriptedLanguageModel } from "./helpers/scriptedModel.ts";

Deno.test("CachingPubSub on ConvexServerCache: a late subscriber on another server replays from any offset", async () => {
  const restore = installRootTimers();
  const backend = createBackend();
  const serverA = new CachingPubSub(
    new EventEmitterPubSub(),
    new ConvexServerCache({ client: inProcessClient(backend) }),
  );
  const serverB = new CachingPubSub(
    new EventEmitterPubSub(),
    new ConvexServerCache({ client: inProcessClient(backend) }),
  );
  const topic = "agent.stream.run-1";
  for (let i = 0; i < 5; i++) {
    await serverA.publish(topic, { type: "chunk", runId: "run-1", data: { text: `part ${i}`, at: new Date(i) } });
  }
  const seen: Event[] = [];
  await serverB.subscribeFromOffset(topic, 2, (event) => {
    seen.push(event);
  });
  assert.deepEqual(seen.map((event) => event.index), [2, 3, 4]);
  assert.deepEqual(seen.map((event) => event.data), [2, 3, 4].map((i) => ({ text: `part ${i}`, at: new Date(i) })));
  assert.ok(seen.every((event) => event.createdAt instanceof Date && typeof event.id === "string"));
  // Live events on B's own pubsub still arrive after the replay, deduplicated by index.
  await serverB.publish(topic, { type: "chunk", runId: "run-1", data: { text: "live" } });
  assert.deepEqual(seen.map((event) => event.index), [2, 3, 4, 5]);
  assert.equal((await serverA.getHistory(topic)).length, 6);
  await serverA.clearTopic(topic);
  assert.deepEqual(await serverB.getHistory(topic), []);
  await backend.finishAllScheduledFunctions(() => {});
  assert.equal((await backend.run((ctx) => ctx.db.query("cache_items").collect())).length, 0);
  restore();
});

/** A local language model (AI SDK v2 spec) that streams a fixed reply, word by word. */
function scriptedModel(words: string[]) {
  const usage = { inputTokens: 3, outputTokens: words.length, totalTokens: 3 + words.length };
  return scriptedLanguageModel(() => ({ text: words }), usage);
}

Deno.test({
  name: "durable agent on ConvexServerCache: a second instance replays a finished run's stream from Convex",
  sanitizeOps: false, // the durable agent arms its own clean-up timers
  sanitizeResources: false,
  fn: async () => {
    const restore = installRootTimers();
    try {
      const backend = createBackend();
      const words = ["Hello", " from", " a", " scripted", " model."];
      const make = (client = inProcessClient(backend)) =>
        createDurableAgent({
          agent: new Agent({
            id: "scripted",
            name: "scripted",
            instructions: "Say hello.",
            model: scriptedModel(words) as never,
          }),
          cache: new ConvexServerCache({ client }),
          cleanupTimeoutMs: 0,
        });
      const first = make();
      const run = await first.stream("Hi!");
      assert.equal(await run.output.text, words.join(""));
      const cached = await backend.run(async (ctx) => (await ctx.db.query("cache_items").collect()).length);
      assert.ok(cached >= words.length, `the run's events are cached in Convex (${cached} items)`);

      const reads: string[] = [];
      const base = inProcessClient(backend);
      const second = make({ ...base, query: (path, args) => (reads.push(path), base.query(path, args)) }); // another server
      const replay = await second.observe(run.runId);
      const deltas: string[] = [];
      for await (const chunk of replay.fullStream as AsyncIterable<{ type: string; payload?: { text?: string } }>) {
        if (chunk.type === "text-delta") deltas.push(chunk.payload?.text ?? "");
      }
      assert.equal(deltas.join(""), words.join(""));
      assert.ok(reads.includes("cache/entries:range"), "the second instance read the run's history from Convex");
      console.log(`durable agent: ${cached} stream events cached in Convex, replayed by a second instance`);
      await backend.finishAllScheduledFunctions(() => {});
    } finally {
      restore();
    }
  },
});
