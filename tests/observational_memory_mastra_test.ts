/**
 * End to end: `@mastra/memory`'s observational memory over ConvexStorage.
 * An `Agent` with `new Memory({ storage, options: { observationalMemory } })`
 * talks to a scripted language model (a local object implementing the AI
 * SDK's LanguageModelV2; no network) that plays the agent, the Observer and
 * the Reflector. With small thresholds a 20-turn conversation goes through
 * buffering, activation (swaps), buffered reflection and its swap into new
 * generations; then the agent's context is checked, and a second
 * ConvexStorage on the same backend continues the same memory.
 */
import assert from "node:assert/strict";
import { Agent } from "@mastra/core/agent";
import { Memory } from "@mastra/memory";
import type { MemoryStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import { createTestStorage, inProcessClient } from "./helpers/backend.ts";

import { type PromptMessage, scriptedLanguageModel } from "./helpers/scriptedModel.ts";

/** A scripted LanguageModelV2: answers as Observer, Reflector or agent depending on the system prompt. */
function scriptedModel() {
  const agentPrompts: PromptMessage[][] = [];
  const roles: string[] = [];
  let observations = 0;
  const respond = (prompt: PromptMessage[]): string => {
    const system = prompt.filter((m) => m.role === "system").map((m) => m.content).join("\n");
    if (system.startsWith("You are the memory consciousness")) {
      if (/observation reflections/.test(system.slice(0, 200))) {
        roles.push("reflector");
        return "<observations>\n- 🔴 REFLECTED: the user likes tea and lives in Paris\n</observations>";
      }
      roles.push("observer");
      observations++;
      return `<observations>\n- 🔴 OBSERVED-${observations}: the user talked about tea and Paris ${
        "detail ".repeat(40)
      }\n</observations>\n<current-task>chatting about tea</current-task>`;
    }
    roles.push("agent");
    agentPrompts.push(prompt);
    return `Noted (${agentPrompts.length}).`;
  };
  const model = scriptedLanguageModel(respond);
  return { model, agentPrompts, roles };
}

const OM_METHODS = [
  "initializeObservationalMemory",
  "updateBufferedObservations",
  "swapBufferedToActive",
  "updateActiveObservations",
  "updateBufferedReflection",
  "swapBufferedReflectionToActive",
  "createReflectionGeneration",
  "setPendingMessageTokens",
  "setBufferingObservationFlag",
  "setBufferingReflectionFlag",
  "setObservingFlag",
  "setReflectingFlag",
] as const;

/** Counts the observational memory calls Mastra makes on a memory domain. */
function countCalls(memory: MemoryStorage): Record<string, number> {
  const counts: Record<string, number> = {};
  const target = memory as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of OM_METHODS) {
    const original = target[name].bind(memory);
    target[name] = (...args: unknown[]) => {
      counts[name] = (counts[name] ?? 0) + 1;
      return original(...args);
    };
  }
  return counts;
}

function promptText(prompt: PromptMessage[]): string {
  return prompt.map((m) =>
    typeof m.content === "string" ? m.content : m.content.map((part) => part.text ?? "").join(" ")
  ).join("\n");
}

const omOptions = (model: unknown) => ({
  observationalMemory: {
    model,
    observation: { messageTokens: 300, bufferTokens: 0.25 },
    reflection: { observationTokens: 400 },
  },
});

type MemoryStorageOption = NonNullable<ConstructorParameters<typeof Memory>[0]>["storage"];

Deno.test({
  name: "observational memory over ConvexStorage: observe, buffer, swap, reflect; a second storage continues",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { storage, backend } = createTestStorage();
    await storage.init();
    const domain = (await storage.getStore("memory"))!;
    assert.equal(domain.supportsObservationalMemory, true);
    const counts = countCalls(domain);
    const scripted = scriptedModel();
    const memory = new Memory({
      storage: storage as unknown as MemoryStorageOption,
      options: omOptions(scripted.model) as never,
    });
    const agent = new Agent({
      id: "om-agent",
      name: "om-agent",
      instructions: "You are helpful.",
      model: scripted.model as never,
      memory: memory as never,
    });
    const options = { memory: { thread: "conversation-1", resource: "user-1" } };
    const turn = (i: number) => `Message ${i}: ${"I like tea and I live in Paris. ".repeat(10)}`;
    for (let i = 0; i < 20; i++) await agent.generate(turn(i), options);
    // Let background buffering settle.
    await new Promise((resolve) => setTimeout(resolve, 200));

    for (const name of ["initializeObservationalMemory", "updateBufferedObservations", "swapBufferedToActive"]) {
      assert.ok((counts[name] ?? 0) > 0, `${name} was called: ${JSON.stringify(counts)}`);
    }
    assert.ok(
      (counts.swapBufferedReflectionToActive ?? 0) + (counts.createReflectionGeneration ?? 0) > 0,
      `a reflection made a new generation: ${JSON.stringify(counts)}`,
    );
    assert.ok(scripted.roles.includes("observer") && scripted.roles.includes("reflector"));

    const record = (await domain.getObservationalMemory("conversation-1", "user-1"))!;
    assert.ok(record.generationCount >= 1, `generation ${record.generationCount}`);
    assert.equal(record.scope, "thread");
    assert.equal(record.resourceId, "user-1");
    const history = await domain.getObservationalMemoryHistory("conversation-1", "user-1");
    assert.equal(history.length, record.generationCount + 1);
    assert.deepEqual(history.map((r) => r.generationCount), history.map((_, i) => record.generationCount - i));
    assert.equal(history[0].id, record.id);
    assert.equal(history.at(-1)!.originType, "initial");

    // The agent's context: the observations replace the early messages.
    const lastPrompt = promptText(scripted.agentPrompts.at(-1)!);
    assert.match(lastPrompt, /REFLECTED|OBSERVED-/);
    assert.ok(!lastPrompt.includes("Message 0:"), "the first message was observed away");
    assert.ok(lastPrompt.includes("Message 19:"), "the newest message is in context");
    const firstLine = record.activeObservations.split("\n").find((line) => line.includes("🔴"))!;
    assert.ok(lastPrompt.includes(firstLine.trim()), "the current observations are in the agent's context");

    // A second ConvexStorage on the same backend continues the same memory.
    const storage2 = new ConvexStorage({ client: inProcessClient(backend) });
    await storage2.init();
    const domain2 = (await storage2.getStore("memory"))!;
    assert.deepEqual(await domain2.getObservationalMemory("conversation-1", "user-1"), record);
    const scripted2 = scriptedModel();
    const agent2 = new Agent({
      id: "om-agent-2",
      name: "om-agent-2",
      instructions: "You are helpful.",
      model: scripted2.model as never,
      memory: new Memory({
        storage: storage2 as unknown as MemoryStorageOption,
        options: omOptions(scripted2.model) as never,
      }) as never,
    });
    await agent2.generate("What do I like to drink?", options);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const continued = promptText(scripted2.agentPrompts[0]);
    assert.ok(continued.includes(firstLine.trim()), "the second process sees the same observations");
    assert.ok(continued.includes("What do I like to drink?"));
    const after = (await domain2.getObservationalMemory("conversation-1", "user-1"))!;
    assert.ok(after.generationCount >= record.generationCount);
    assert.equal(
      (await domain2.getObservationalMemoryHistory("conversation-1", "user-1")).length,
      after.generationCount + 1,
    );
    console.log(JSON.stringify({ counts, generation: after.generationCount, roles: scripted.roles.length }));
  },
});
