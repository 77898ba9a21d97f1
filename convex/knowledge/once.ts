/**
 * Knowledge writes that a repeat would not answer the same way (a version
 * bump, a claim, an append without id) run once per client operation id
 * (`kit/operations.ts`): a repeated call answers with what the first one
 * answered.
 */
import { storageError } from "../kit/errors.js";
import type { MutationCtx } from "../kit/functions.js";
import { recordAnswer, recordedAnswer } from "../kit/operations.js";

/** Runs `write` unless `opId` already ran, recording its answer; answers the recorded one on a repeat. */
export async function once<T>(ctx: MutationCtx, opId: string, write: () => Promise<T>): Promise<T> {
  const recorded = await recordedAnswer(ctx, opId);
  if (recorded) {
    if (recorded.answer === null) {
      throw storageError("INVALID", `operation ${opId} was applied; its answer was too large to keep for a repeat`);
    }
    return JSON.parse(recorded.answer) as T;
  }
  const answer = await write();
  await recordAnswer(ctx, opId, answer);
  return answer;
}
