/**
 * `deno task demo`: stores a thread, a resource with working memory and a
 * short conversation, reads them back, and runs a small workflow that
 * suspends and resumes from storage, printing what was stored.
 *
 * Runs on the in-process Convex backend by default; on a real deployment
 * when `CONVEX_URL` and a key (`CONVEX_ADMIN_KEY`, `CONVEX_DEPLOY_KEY` or
 * `CONVEX_SELF_HOSTED_ADMIN_KEY`) are set. Half a configuration (a URL
 * without a key, a key without a URL) or a deployment that cannot be used
 * ends with one line that says what is missing or wrong, and exit code 1.
 *
 * `deno task demo` runs it with `tasks/demo.json`, an import map of only
 * what the demo imports, so a first run fetches nothing else.
 */
import { Mastra } from "@mastra/core";
import { createStep, createWorkflow } from "@mastra/core/workflows";
import { z } from "zod";
import { ConvexStorage } from "../mod.ts";
import { createTestStorage } from "../tests/helpers/backend.ts";
import { demoTarget } from "./lib/demo_target.ts";

const target = demoTarget((name) => Deno.env.get(name) || undefined);
if ("error" in target) {
  console.error(`error: ${target.error}`);
  Deno.exit(1);
}
const live = target.live;
const storage = target.live ? new ConvexStorage() : createTestStorage().storage;
console.log(
  target.live
    ? `Using the Convex deployment at ${target.url}`
    : "Using the in-process Convex backend (set CONVEX_URL and a key, e.g. CONVEX_DEPLOY_KEY, to use a real deployment)",
);

try {
  await storage.init();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: the deployment ${target.live ? `at ${target.url} ` : ""}cannot be used: ${message}`);
  Deno.exit(1);
}
const memory = (await storage.getStore("memory"))!;
const stamp = Date.now();
const threadId = `demo-thread-${stamp}`;
const resourceId = `demo-user-${stamp}`;

const thread = await memory.saveThread({
  thread: {
    id: threadId,
    resourceId,
    title: "Planning a trip to Lisbon",
    metadata: { topic: "travel", $schema: "keys starting with $ are fine", tags: ["lisbon", "spring"] },
    createdAt: new Date(),
    updatedAt: new Date(),
  },
});
console.log("\nSaved thread:", thread);

await memory.updateResource({
  resourceId,
  workingMemory: "# User\n- Name: Ada\n- Prefers: window seats, vegetarian food",
  metadata: { plan: "pro" },
});
console.log("\nRead back thread:", await memory.getThreadById({ threadId }));
console.log("\nRead back resource:", await memory.getResourceById({ resourceId }));

const { threads, total } = await memory.listThreads({ filter: { resourceId } });
console.log(`\nThreads of ${resourceId}: ${total}`, threads.map((t) => t.title));

// A short conversation, stored as Mastra messages.
await storage.saveMessage({
  message: { id: `${threadId}-1`, threadId, resourceId, type: "user", content: "Find me a flight to Lisbon in May." },
});
await storage.saveMessage({
  message: {
    id: `${threadId}-2`,
    threadId,
    resourceId,
    type: "assistant",
    content: "TP 1351 leaves at 09:05 for 142 EUR. Shall I book it?",
    createdAt: Date.now() + 1,
  },
});
const conversation = await storage.getMessages({ threadId });
console.log("\nConversation read back:");
for (const message of conversation) console.log(`  ${message.type}: ${message.content}`);

// A workflow that suspends for approval and is resumed from storage.
const approve = createStep({
  id: "approve",
  inputSchema: z.object({ city: z.string() }),
  outputSchema: z.object({ booked: z.string() }),
  resumeSchema: z.object({ ok: z.boolean() }),
  execute: async ({ inputData, resumeData, suspend }) =>
    resumeData?.ok ? { booked: `flight to ${inputData.city}` } : await suspend({ ask: `Book ${inputData.city}?` }),
});
const booking = createWorkflow({ id: "booking", inputSchema: approve.inputSchema, outputSchema: approve.outputSchema })
  .then(approve).commit();
const mastra = new Mastra({ storage, workflows: { booking }, logger: false });
const run = await mastra.getWorkflow("booking").createRun({ runId: `demo-run-${stamp}`, resourceId });
console.log("\nWorkflow started:", (await run.start({ inputData: { city: "Lisbon" } })).status);
const workflows = (await storage.getStore("workflows"))!;
const persisted = await workflows.getWorkflowRunById({ runId: run.runId, workflowName: "booking" });
console.log("Persisted run:", {
  runId: persisted?.runId,
  status: (persisted?.snapshot as { status?: string })?.status,
  suspendedPaths: (persisted?.snapshot as { suspendedPaths?: unknown })?.suspendedPaths,
});
console.log("Resumed:", (await run.resume({ step: "approve", resumeData: { ok: true } })).status);
const { runs, total: successful } = await workflows.listWorkflowRuns({ workflowName: "booking", status: "success" });
console.log(`Successful booking runs: ${successful}`, runs.map((r) => (r.snapshot as { result?: unknown }).result));

if (live) {
  await memory.deleteThread({ threadId });
  await workflows.deleteWorkflowRunById({ runId: run.runId, workflowName: "booking" });
  console.log(`\nCleaned up ${threadId} and ${run.runId}.`);
}
