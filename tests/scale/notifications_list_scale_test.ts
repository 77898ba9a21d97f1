/**
 * Scale of the notifications domain: a thread's list of 4,500 records is
 * read in several bounded calls (2,000 documents each at most), and ties
 * on `updatedAt` keep creation order across call boundaries, unfiltered
 * and filtered. The due list at 10,000 pending is measured by
 * `deno task bench:domains`.
 */
import assert from "node:assert/strict";
import { ConvexStorage } from "../../src/storage.ts";
import { createBackend, inProcessClient } from "../helpers/backend.ts";
import { countingClient } from "../helpers/counting.ts";

Deno.test("notifications: a thread's list of 4,500 reads in bounded calls, ties in creation order across call boundaries", async () => {
  const backend = createBackend();
  const counted = countingClient(inProcessClient(backend));
  const store = (await new ConvexStorage({ client: counted.client }).getStore("notifications"))!;
  const T = 1_700_000_000_000;
  const N = 4500;
  // Groups of 7 records share an `updatedAt`; group g is g minutes old (newest group first in the list).
  const rowOf = (i: number) => ({
    id: `n${i}`,
    threadId: "t",
    source: i % 3 === 0 ? "ci" : "mail",
    kind: "k",
    summary: `s${i}`,
    priority: "medium" as const,
    status: "pending" as const,
    coalescedCount: 1,
    createdAt: T,
    updatedAt: T - Math.floor(i / 7) * 60_000,
    deliveryAttempts: 0,
  });
  for (let start = 0; start < N; start += 1500) {
    await backend.run(async (ctx) => {
      for (let i = start; i < Math.min(N, start + 1500); i++) await ctx.db.insert("notifications", rowOf(i));
    });
  }
  const expected = Array.from({ length: N }, (_, i) => `n${i}`); // newest group first, each group in creation order
  counted.calls.length = 0;
  const all = await store.listNotifications({ threadId: "t" });
  assert.deepEqual(all.map((r) => r.id), expected);
  assert.ok(counted.calls.length >= 3, `${counted.calls.length} calls`);
  const ci = await store.listNotifications({ threadId: "t", source: "ci", limit: 1400 });
  assert.deepEqual(ci.map((r) => r.id), expected.filter((_, i) => i % 3 === 0).slice(0, 1400));
});
