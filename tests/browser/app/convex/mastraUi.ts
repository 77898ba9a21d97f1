// convex/mastraUi.ts in your app
import { components } from "./_generated/api";
import { mastraAppQueries } from "@mastra/convex/app";

export const { threads, thread, messages, activity, workingMemory } = mastraAppQueries(components.mastra, {
  // Each user reads only their own threads (Mastra's resourceId is the user id here).
  authorize: async (ctx, { resourceId }) => (await ctx.auth.getUserIdentity())?.subject === resourceId,
});
