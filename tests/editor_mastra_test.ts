/**
 * `@mastra/editor`'s MastraEditor end to end on a Mastra whose storage is
 * ConvexStorage (in-process backend): a stored agent built from a prompt
 * block with a stored scorer, published, edited to a draft, its draft
 * activated, then an older version activated again; every agent request
 * resolves the right version, which a scripted local model (reached
 * through a custom model-router gateway) shows by the system prompt it
 * receives.
 */
import assert from "node:assert/strict";
import { Mastra } from "@mastra/core/mastra";
import { MastraModelGateway } from "@mastra/core/llm";
import { MastraEditor } from "@mastra/editor";
import { createTestStorage } from "./helpers/backend.ts";
import { type PromptMessage, scriptedLanguageModel } from "./helpers/scriptedModel.ts";

/** A scripted model that records the system prompt of each agent request. */
function scriptedModel() {
  const systems: string[] = [];
  const model = scriptedLanguageModel((prompt: PromptMessage[]) => {
    const system = prompt.filter((m) => m.role === "system").map((m) => String(m.content)).join("\n");
    // The stored scorer's judge asks for JSON; the agent gets text.
    if (!/VERSION-/.test(system)) return JSON.stringify({ score: 1, reason: "fine" });
    systems.push(system);
    return `ok ${systems.length}`;
  });
  return { model, systems };
}

/** A model-router gateway serving `scripted/*` from the scripted model (no network). */
class ScriptedGateway extends MastraModelGateway {
  readonly id = "scripted";
  readonly name = "Scripted";
  constructor(private readonly model: unknown) {
    super();
  }
  fetchProviders() {
    return Promise.resolve({
      scripted: { name: "Scripted", models: ["echo"], apiKeyEnvVar: "SCRIPTED_API_KEY", gateway: "scripted" },
    } as never);
  }
  buildUrl(): undefined {
    return undefined;
  }
  getApiKey(): Promise<string> {
    return Promise.resolve("scripted");
  }
  resolveLanguageModel() {
    return this.model as never;
  }
}

Deno.test("MastraEditor on ConvexStorage: prompt block + stored scorer agent, publish, draft, activate, resolve", async () => {
  const { storage } = createTestStorage();
  const scripted = scriptedModel();
  const editor = new MastraEditor();
  const mastra = new Mastra({
    storage,
    editor,
    gateways: { scripted: new ScriptedGateway(scripted.model) },
    logger: false,
  });
  await storage.init();

  await editor.prompt.create({ id: "tone", name: "Tone", content: "Always answer like a pirate." });
  const tone = (await (await storage.getStore("promptBlocks"))!.getLatestVersion("tone"))!;
  await editor.prompt.update({ id: "tone", activeVersionId: tone.id, status: "published" } as never);
  await editor.scorer.create({
    id: "quality",
    name: "Quality",
    type: "llm-judge",
    instructions: "Rate the answer.",
    model: { provider: "scripted", name: "echo" },
    scoreRange: { min: 0, max: 1 },
  } as never);
  await editor.agent.create({
    id: "helper",
    name: "Helper",
    instructions: [{ type: "prompt_block_ref", id: "tone" }, { type: "text", content: "You are helper VERSION-ONE." }],
    model: { provider: "scripted", name: "echo" },
    scorers: { quality: {} },
  } as never);

  const agents = (await storage.getStore("agents"))!;
  const v1 = (await agents.getLatestVersion("helper"))!;
  assert.equal(v1.versionNumber, 1);
  await editor.agent.update({ id: "helper", activeVersionId: v1.id, status: "published" } as never);

  const ask = async (options?: { status?: "draft" | "published" } | { versionId: string }) => {
    editor.agent.clearCache();
    const agent = await editor.agent.getById("helper", options as never);
    assert.ok(agent, "the stored agent resolves");
    await agent.generate("Hello?");
    return scripted.systems.at(-1)!;
  };

  let system = await ask({ status: "published" });
  assert.match(system, /VERSION-ONE/);
  assert.match(system, /pirate/, "the prompt block is part of the instructions");

  // Edit: a new draft version; the published one still serves.
  await editor.agent.update({
    id: "helper",
    instructions: [{ type: "prompt_block_ref", id: "tone" }, { type: "text", content: "You are helper VERSION-TWO." }],
  } as never);
  const v2 = (await agents.getLatestVersion("helper"))!;
  assert.equal(v2.versionNumber, 2);
  assert.match(await ask({ status: "published" }), /VERSION-ONE/, "published still resolves v1");
  assert.match(await ask({ status: "draft" }), /VERSION-TWO/, "draft resolves the latest");

  // Activate the draft, then the older version again.
  await editor.agent.update({ id: "helper", activeVersionId: v2.id } as never);
  assert.match(await ask({ status: "published" }), /VERSION-TWO/);
  await editor.agent.update({ id: "helper", activeVersionId: v1.id } as never);
  system = await ask({ status: "published" });
  assert.match(system, /VERSION-ONE/, "activating an older version serves it");
  assert.match(await ask({ versionId: v2.id }), /VERSION-TWO/, "a version by id");

  // Everything the editor stored is in Convex.
  const stored = await agents.getByIdResolved("helper");
  assert.equal(stored?.resolvedVersionId, v1.id);
  assert.deepEqual(Object.keys(stored?.scorers ?? {}), ["quality"]);
  assert.equal((await (await storage.getStore("scorerDefinitions"))!.getById("quality"))?.id, "quality");
  assert.equal(
    (await (await storage.getStore("promptBlocks"))!.getByIdResolved("tone"))?.content,
    "Always answer like a pirate.",
  );
  void mastra;
});
