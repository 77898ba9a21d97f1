/**
 * Operations of the thread-state domain: one value per `(threadId, type)`,
 * stored through the codec (exact for every value `structuredClone`
 * keeps) and out of line when large. A get or a set of an inline value is
 * one call reading one document.
 */
import { isBlobRef } from "../../convex/kit/blobs.ts";
import type { DomainContext } from "../kit/context.ts";
import { decodeValue, encodeValue } from "../kit/codec.ts";
import { withErrorContext } from "../kit/errors.ts";
import { loadLarge, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import { requireId, requireKey } from "../kit/validate.ts";

/** A slot's address. */
export type ThreadStateSlot = { threadId: string; type: string };

function slotDetails(args: unknown): { threadId: string | null; type: string | null } {
  const { threadId, type } = (args ?? {}) as { threadId?: unknown; type?: unknown };
  return {
    threadId: typeof threadId === "string" ? threadId : null,
    type: typeof type === "string" ? type : null,
  };
}

function checkSlot(args: unknown): ThreadStateSlot {
  const { threadId, type } = (args ?? {}) as { threadId?: unknown; type?: unknown };
  return { threadId: requireId(threadId, "threadId"), type: requireKey(type, "type") };
}

/** The value of a slot, or `undefined` when unset. */
export function getState<T>(ctx: DomainContext, args: ThreadStateSlot): Promise<T | undefined> {
  const details = slotDetails(args);
  return withErrorContext({ operation: "getState", details }, async () => {
    const slot = checkSlot(args);
    for (let attempt = 1;; attempt++) {
      const stored = await ctx.transport.query<string | null>("threadState/state:get", slot, {
        operation: "getState",
        details,
      });
      if (stored === null) return undefined;
      if (!isBlobRef(stored)) return decodeValue(stored) as T;
      try {
        return decodeValue(await loadLarge(ctx, stored, "getState")) as T;
      } catch (error) {
        // A concurrent set replaced the value and its chunks were swept: read the slot again.
        if (attempt >= 3) throw error;
      }
    }
  });
}

/** Replaces the value of a slot with `value`. */
export function setState<T>(ctx: DomainContext, args: ThreadStateSlot & { value: T }): Promise<void> {
  const details = slotDetails(args);
  return withErrorContext({ operation: "setState", details }, async () => {
    const slot = checkSlot(args);
    const value = await storeLarge(ctx, encodeValue(args.value), "setState");
    const { released } = await ctx.transport.mutation<{ released: boolean }>("threadState/state:set", {
      ...slot,
      value,
    }, { operation: "setState", details, idempotent: true });
    if (released) await sweepBlobs(ctx, "setState");
  });
}

/** Clears a slot (nothing happens when it is unset). */
export function deleteState(ctx: DomainContext, args: ThreadStateSlot): Promise<void> {
  const details = slotDetails(args);
  return withErrorContext({ operation: "deleteState", details }, async () => {
    const slot = checkSlot(args);
    const { released } = await ctx.transport.mutation<{ released: boolean }>("threadState/state:remove", slot, {
      operation: "deleteState",
      details,
      idempotent: true,
    });
    if (released) await sweepBlobs(ctx, "deleteState");
  });
}
