/**
 * Large-value helpers for tests: the sweep ages uploads by the server's
 * clock only, so tests that want "an hour later" move the blobs' server
 * timestamps back instead of passing a clock.
 */
import type { ConvexStorage } from "../../src/storage.ts";
import type { Backend } from "./backend.ts";

/** An hour and then some, in milliseconds. */
export const LATER_MS = 2 * 60 * 60 * 1000;

/** Moves every blob's server timestamp `ms` into the past, as if that much time had passed. */
export async function ageBlobs(backend: Backend, ms: number = LATER_MS): Promise<void> {
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    for await (const blob of ctx.db.query("blobs")) await ctx.db.patch(blob._id, { updatedAt: blob.updatedAt - ms });
  });
}

/** Runs `system/blobs:sweep` until done. */
export async function sweepAll(storage: ConvexStorage): Promise<void> {
  for (;;) {
    const { done } = await storage.transport.mutation<{ done: boolean }>("system/blobs:sweep", {}, {
      operation: "test",
      idempotent: true,
    });
    if (done) return;
  }
}

/** Sweeps as if two hours had passed: abandoned uploads go too. */
export async function sweepLater(storage: ConvexStorage, backend: Backend): Promise<void> {
  await ageBlobs(backend);
  await sweepAll(storage);
}
