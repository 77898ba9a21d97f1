/**
 * Multi-step writes (a clone, a move, a delete or a batch write split over
 * several calls) that stop part-way say so: their error names what the
 * committed steps left behind and how to finish or undo it.
 */
import { type CallContext, isLostAnswer, isReclaimed, type PartialWrite, partialWriteError } from "./errors.ts";

/**
 * Runs the steps of a multi-step write. `describe()` is asked, when a step
 * fails, what the steps that may have committed left behind (`undefined`:
 * nothing yet); the failure then becomes a {@link partialWriteError}.
 */
export async function multiStepWrite<T>(
  context: CallContext,
  describe: (error: unknown) => PartialWrite | undefined,
  steps: () => Promise<T>,
): Promise<T> {
  try {
    return await steps();
  } catch (error) {
    const partial = describe(error);
    if (partial === undefined || isReclaimed(error)) throw error;
    throw partialWriteError(context, error, partial);
  }
}

/** How a batch write describes itself in its error. */
export type BatchWrite = {
  /** What one item is, plural (`"messages"`, `"spans"`). */
  items: string;
  /** How to finish after a partial write (`"saving the same messages again is safe"`). */
  remedy: string;
};

/**
 * Writes `batches` one call each, in order. When a call after the first
 * fails, the error says how many batches (and items) were written, that the
 * failed one may have been too when its answer was lost, and `what.remedy`.
 */
export async function writeBatches<B>(
  context: CallContext,
  batches: readonly B[],
  size: (batch: B) => number,
  what: BatchWrite,
  write: (batch: B, index: number) => Promise<void>,
): Promise<void> {
  let written = 0;
  let items = 0;
  let lost = false;
  const describe = (): PartialWrite | undefined =>
    written === 0 ? undefined : {
      state: `${written} of ${batches.length} calls (${items} ${what.items}) were written` +
        (lost ? `, and call ${written + 1} may have been too (its answer was lost)` : "") +
        "; the rest was not",
      remedy: what.remedy,
    };
  await multiStepWrite(context, describe, async () => {
    for (const [index, batch] of batches.entries()) {
      try {
        await write(batch, index);
      } catch (error) {
        lost = isLostAnswer(error);
        throw error;
      }
      written++;
      items += size(batch);
    }
  });
}

/**
 * Runs `step` until it reports done (a bounded, resumable delete or update
 * of something large). When a step fails after an earlier one committed, or
 * its own answer was lost, the error says `partial()`.
 */
export async function repeatUntilDone(
  context: CallContext,
  partial: () => PartialWrite,
  step: () => Promise<boolean>,
): Promise<void> {
  let sent = false;
  await multiStepWrite(context, () => sent ? partial() : undefined, async () => {
    for (;;) {
      let done: boolean;
      try {
        done = await step();
      } catch (error) {
        sent ||= isLostAnswer(error);
        throw error;
      }
      sent = true;
      if (done) return;
    }
  });
}
