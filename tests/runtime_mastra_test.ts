/**
 * Mastra end to end over ConvexStorage, with a scripted local model (no
 * LLM): an agent with core's task tools (`TaskSignalProvider`) writes its
 * task list during a run; a second `Mastra` instance on the same
 * deployment (another server, or the same one after a restart) sees the
 * list, and its agent's `task_check` reads it. Before the thread-state
 * domain, `MastraCompositeStore` silently kept that list in memory.
 */
import assert from "node:assert/strict";
import { Agent } from "@mastra/core/agent";
import { Mastra } from "@mastra/core";
import { dispatchDueNotifications } from "@mastra/core/storage";
import { TaskSignalProvider } from "@mastra/core/signals";
import { Memory } from "@mastra/memory";
import { ConvexStorage } from "../src/storage.ts";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { scriptedLanguageModel } from "./helpers/scriptedModel.ts";

type Step = { toolCall?: { name: string; input: unknown }; text?: string };

/** A local language model (AI SDK v2 spec) answering each call with the next scripted step. */
function scriptedModel(steps: Step[], prompts: unknown[][]) {
  return scriptedLanguageModel((prompt, call) => {
    prompts.push(prompt);
    const step = steps[Math.min(call - 1, steps.length - 1)];
    return step.toolCall ? { toolCall: step.toolCall } : step.text ?? "";
  }, { inputTokens: 3, outputTokens: 3, totalTokens: 6 });
}

/** A Mastra server over the shared backend: its own ConvexStorage, Memory and task-tracking agent. */
function server(backend: Backend, steps: Step[], prompts: unknown[][]) {
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  type MemoryStorageOption = NonNullable<ConstructorParameters<typeof Memory>[0]>["storage"];
  const agent = new Agent({
    id: "planner",
    name: "planner",
    instructions: "Plan with the task tools.",
    model: scriptedModel(steps, prompts) as never,
    memory: new Memory({ storage: storage as unknown as MemoryStorageOption, options: { lastMessages: 10 } }) as never,
    signals: [new TaskSignalProvider()],
  });
  const mastra = new Mastra({ storage, agents: { planner: agent }, logger: false });
  return { storage, mastra, agent: mastra.getAgent("planner") };
}

const tasks = [
  { content: "Read the issue", status: "completed", activeForm: "Reading the issue" },
  { content: "Write the tests", status: "in_progress", activeForm: "Writing the tests" },
  { content: "Ship it", status: "pending", activeForm: "Shipping it" },
];

Deno.test({
  name: "an agent's task list written with the task tools survives into a second Mastra instance",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const backend = createBackend();
    const memory = { thread: "conv-1", resource: "user-1" };
    const firstPrompts: unknown[][] = [];
    const first = server(backend, [
      { toolCall: { name: "task_write", input: { tasks } } },
      { text: "Planned." },
    ], firstPrompts);
    const run = await first.agent.generate("Plan the work.", { memory });
    assert.equal(run.text, "Planned.");

    // Another server (or this one after a restart): a fresh Mastra on the same deployment.
    const secondPrompts: unknown[][] = [];
    const second = server(
      backend,
      [{ toolCall: { name: "task_check", input: {} } }, { text: "Checked." }],
      secondPrompts,
    );
    const stored = await (await second.storage.getStore("threadState"))!.getState<{ content: string }[]>({
      threadId: "conv-1",
      type: "task",
    });
    assert.deepEqual(stored?.map((task) => task.content), tasks.map((task) => task.content));
    const check = await second.agent.generate("Where are we?", { memory });
    assert.equal(check.text, "Checked.");
    const toolResult = JSON.stringify(check.toolResults);
    assert.match(toolResult, /Write the tests/, `task_check read the list from Convex: ${toolResult}`);
    assert.match(toolResult, /Ship it/);
  },
});

Deno.test({
  name: "a deferred notification signal from an agent is delivered by core's dispatcher over ConvexStorage",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const backend = createBackend();
    const storage = new ConvexStorage({ client: inProcessClient(backend) });
    type MemoryStorageOption = NonNullable<ConstructorParameters<typeof Memory>[0]>["storage"];
    const prompts: unknown[][] = [];
    // The model's first call, whenever it comes (no time limit that a slow machine could miss).
    const woke = Promise.withResolvers<void>();
    prompts.push = (...items: unknown[][]) => {
      const length = Array.prototype.push.apply(prompts, items);
      woke.resolve();
      return length;
    };
    const later = new Date(Date.now() + 60_000);
    const agent = new Agent({
      id: "notified",
      name: "notified",
      instructions: "React to notifications.",
      model: scriptedModel([{ text: "Noted the failed build." }], prompts) as never,
      memory: new Memory({ storage: storage as unknown as MemoryStorageOption }) as never,
      notifications: { deliveryPolicy: { default: { action: "defer", deliverAt: later } } },
    });
    const mastra = new Mastra({ storage, agents: { notified: agent }, logger: false });
    const sent = await mastra.getAgent("notified").sendNotificationSignal(
      { source: "ci", kind: "build", summary: "Build 42 failed", coalesceKey: "main" },
      { resourceId: "user-1", threadId: "conv-1" },
    );
    await sent.persisted;
    const notifications = (await storage.getStore("notifications"))!;
    const pending = await notifications.getNotification({ threadId: "conv-1", id: sent.record.id });
    assert.equal(pending?.status, "pending");
    assert.deepEqual(pending?.deliverAt, later);

    // Not due yet: nothing is delivered.
    const early = await dispatchDueNotifications({
      mastra,
      storage: notifications,
      now: new Date(later.getTime() - 1),
    });
    assert.equal(early.delivered.length, 0);
    const result = await dispatchDueNotifications({ mastra, storage: notifications, now: later });
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.delivered.map((record) => record.id), [sent.record.id]);
    const delivered = await notifications.getNotification({ threadId: "conv-1", id: sent.record.id });
    assert.equal(delivered?.status, "delivered");
    assert.ok(delivered?.deliveredAt instanceof Date);
    assert.equal((await notifications.listDueNotifications({ now: later })).length, 0);
    // The delivered signal woke the agent on its thread: the model saw the notification.
    await woke.promise;
    assert.match(JSON.stringify(prompts), /Build 42 failed/);
  },
});
