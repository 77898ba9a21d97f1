/**
 * Scores of any size: a stored score larger than one Convex document is
 * kept in chunks, read back byte-identical by every read, and never
 * visible half-written.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { SaveScorePayload } from "@mastra/core/evals";
import { InMemoryStore } from "@mastra/core/storage";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { sweepLater } from "./helpers/blobs.ts";
import { measure } from "./helpers/metrics.ts";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";

/** `size` characters of ASCII, 2-, 3- and 4-byte UTF-8 text. */
function mixedText(size: number): string {
  const unit = "abcé€𝄞 ключ $schema _id\n";
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function score(id: string, payload: string, createdAt: number): SaveScorePayload {
  return {
    id,
    scorerId: "scorer",
    entityId: "agent",
    entityType: "AGENT",
    runId: "run",
    traceId: "trace",
    spanId: "span",
    source: "LIVE",
    score: 0.5,
    input: { messages: [{ role: "user", content: payload, $schema: "x" }] },
    output: { text: payload.slice(0, 1000) },
    scorer: { id: "scorer", name: "Scorer" },
    entity: { id: "agent" },
    createdAt: new Date(createdAt),
    updatedAt: new Date(createdAt),
  } as unknown as SaveScorePayload;
}

async function countBlobs(backend: ReturnType<typeof createBackend>, state?: string): Promise<number> {
  const blobs = await backend.run((ctx) => ctx.db.query("blobs").collect());
  return blobs.filter((blob) => state === undefined || blob.state === state).length;
}

Deno.test("a 20 MB score round-trips byte-identical through save, get and every list", async () => {
  const started = performance.now();
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend), now: () => 1_700_000_000_000 });
  const scores = (await storage.getStore("scores"))!;
  const reference = (await new InMemoryStore().getStore("scores"))!;
  const payload = mixedText(15 * 1024 * 1024);
  const big = score("big", payload, 10);
  const small = score("small", "hello", 20);
  for (const store of [scores, reference]) {
    await store.saveScore(big);
    await store.saveScore(small);
  }
  const bytes = new TextEncoder().encode(JSON.stringify(big)).length;
  assert.ok(bytes >= 20_000_000, `${bytes} bytes`);
  const got = await scores.getScoreById({ id: "big" });
  assert.ok((got!.input as { messages: { content: string }[] }).messages[0].content === payload, "byte-identical");
  const strip = (s: unknown) => ({ ...(s as Record<string, unknown>), createdAt: 0, updatedAt: 0 });
  assert.deepEqual(strip(got), strip(await reference.getScoreById({ id: "big" })));
  const pagination = { page: 0, perPage: 10 };
  const lists = [
    (s: typeof scores) => s.listScoresByRunId({ runId: "run", pagination }),
    (s: typeof scores) => s.listScoresByScorerId({ scorerId: "scorer", pagination }),
    (s: typeof scores) => s.listScoresByEntityId({ entityId: "agent", entityType: "AGENT", pagination }),
    (s: typeof scores) => s.listScoresBySpan({ traceId: "trace", spanId: "span", pagination }),
  ];
  for (const list of lists) {
    const ours = await list(scores);
    const theirs = await list(reference);
    assert.deepEqual(ours.scores.map(strip), theirs.scores.map(strip));
    assert.deepEqual(ours.pagination, theirs.pagination);
  }
  // A page without the large score reads none of its chunks.
  const { result, usage } = await measure(() =>
    scores.listScoresByRunId({ runId: "run", pagination: { page: 1, perPage: 1 } })
  );
  assert.deepEqual(result.scores.map((s) => s.id), ["small"]);
  assert.ok(usage.bytesRead < 100_000, `read ${usage.bytesRead} bytes`);

  // Replacing the large score by a small one releases and sweeps its chunks.
  await scores.saveScore(score("big", "now small", 10));
  assert.equal(await countBlobs(backend), 0);
  console.log(`20 MB score (${bytes} UTF-8 bytes): ${Math.round(performance.now() - started)} ms`);
});

Deno.test("a large score whose save failed after the upload is never visible and is swept", async () => {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let failing = true;
  const client: ConvexClientLike = {
    ...inner,
    mutation: (ref, args, options) =>
      failing && ref === "scores/scores:save"
        ? Promise.reject(new Error("deployment went away"))
        : inner.mutation(ref, args, options),
  };
  const storage = new ConvexStorage({ client });
  const scores = (await storage.getStore("scores"))!;
  const big = score("big", mixedText(2 * 1024 * 1024), 10);
  await assert.rejects(() => scores.saveScore(big), MastraError);
  assert.equal(await scores.getScoreById({ id: "big" }), null);
  assert.equal(
    (await scores.listScoresByRunId({ runId: "run", pagination: { page: 0, perPage: 10 } })).scores.length,
    0,
  );
  assert.equal(await countBlobs(backend, "pending"), 1);
  failing = false;
  await scores.saveScore(big);
  assert.equal((await scores.getScoreById({ id: "big" }))!.id, "big");
  await sweepLater(storage, backend);
  assert.equal(await countBlobs(backend), 1);
  assert.equal(await countBlobs(backend, "committed"), 1);
});
