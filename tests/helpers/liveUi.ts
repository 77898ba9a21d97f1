/**
 * Shared pieces of the live-UI tests: the app whose functions are the
 * README's `convex/mastraUi.ts` (the browser test's file), a Mastra workflow
 * that suspends for an approval, and a scripted language model.
 */
import { createStep, createWorkflow } from "@mastra/core/workflows";
import { z } from "zod";
import * as mastraUi from "../browser/app/convex/mastraUi.ts";
import { type Backend, createBackend } from "./backend.ts";
import { scriptedLanguageModel } from "./scriptedModel.ts";

/** The app's module map: its `mastraUi` functions (`mastraAppQueries`, as in the README). */
export function liveUiModules(): Record<string, () => Promise<unknown>> {
  return {
    "/app/_generated/server.ts": () => Promise.resolve({}),
    "/app/mastraUi.ts": () => Promise.resolve(mastraUi),
  };
}

/** A backend whose app has the live-UI functions (`mastraUi:messages`, ...). */
export function createLiveUiBackend(): Backend {
  return createBackend(liveUiModules());
}

/** The workflow `payment`: one step that suspends with `{ prompt }` until resumed with `{ approver }`. */
export function paymentWorkflow(payee?: string) {
  const approve = createStep({
    id: "approve",
    inputSchema: z.object({ amount: z.number() }),
    outputSchema: z.object({ approvedBy: z.string() }),
    resumeSchema: z.object({ approver: z.string() }),
    suspendSchema: z.object({ prompt: z.string() }),
    execute: async ({ inputData, resumeData, suspend }) => {
      if (!resumeData?.approver) {
        return await suspend({ prompt: `Pay ${inputData.amount} EUR${payee ? ` to ${payee}` : ""}?` });
      }
      return { approvedBy: resumeData.approver };
    },
  });
  return createWorkflow({
    id: "payment",
    inputSchema: z.object({ amount: z.number() }),
    outputSchema: z.object({ approvedBy: z.string() }),
  }).then(approve).commit();
}

/** A scripted LanguageModelV2 that answers every prompt with `reply` (generate and stream). */
export function scriptedModel(reply: string): Record<string, unknown> {
  return scriptedLanguageModel(() => reply, { inputTokens: 5, outputTokens: 5, totalTokens: 10 });
}
