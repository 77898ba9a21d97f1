/**
 * Mastra's HTTP server handlers (`@mastra/server`) for the editor's routes
 * answer over ConvexStorage exactly as over InMemoryStore: stored agents
 * (and their versions: create, list, activate, restore, delete), prompt
 * blocks, scorers, MCP clients, workspaces and skills, called the way the
 * server adapters call them (`route.handler({ mastra, requestContext, ...params })`).
 * Both Mastras have a MastraEditor and read one frozen clock; dates and
 * generated ids are compared by value and by order of first appearance.
 */
import assert from "node:assert/strict";
import { Mastra } from "@mastra/core/mastra";
import { RequestContext } from "@mastra/core/request-context";
import { InMemoryStore } from "@mastra/core/storage";
import { MastraEditor } from "@mastra/editor";
import * as agentRoutes from "@mastra/server/handlers/stored-agents";
import * as versionRoutes from "@mastra/server/handlers/agent-versions";
import * as promptRoutes from "@mastra/server/handlers/stored-prompt-blocks";
import * as scorerRoutes from "@mastra/server/handlers/stored-scorers";
import * as mcpRoutes from "@mastra/server/handlers/stored-mcp-clients";
import * as workspaceRoutes from "@mastra/server/handlers/stored-workspaces";
import * as skillRoutes from "@mastra/server/handlers/stored-skills";
import * as agentFavoriteRoutes from "@mastra/server/handlers/stored-agent-favorites";
import * as skillFavoriteRoutes from "@mastra/server/handlers/stored-skill-favorites";
import { createTestStorage } from "./helpers/backend.ts";
import { AnswerNormalizer, FrozenClock } from "./helpers/editorFixtures.ts";

// deno-lint-ignore no-explicit-any
type Route = { handler: (args: any) => Promise<unknown> };
type Call = { route: Route; args: Record<string, unknown>; label: string };

const MODEL = { provider: "openai", name: "gpt-4o" };

/** The calls of the script; `latest` reads the id of an agent's newest version from the previous answers. */
function script(): (Call | ((answers: unknown[]) => Call))[] {
  const versionIdOf = (answers: unknown[], index: number) =>
    ((answers[index] as { versions?: { id: string }[] })?.versions?.[0]?.id) ?? "none";
  return [
    { label: "list agents (empty)", route: agentRoutes.LIST_STORED_AGENTS_ROUTE, args: {} },
    {
      label: "create agent",
      route: agentRoutes.CREATE_STORED_AGENT_ROUTE,
      args: { id: "helper", name: "Helper", instructions: "v1", model: MODEL, metadata: { team: "a" } },
    },
    {
      label: "create agent again (409)",
      route: agentRoutes.CREATE_STORED_AGENT_ROUTE,
      args: { id: "helper", name: "Helper", instructions: "v1", model: MODEL },
    },
    {
      label: "create second agent",
      route: agentRoutes.CREATE_STORED_AGENT_ROUTE,
      args: { name: "Second Bot", instructions: "x", model: MODEL },
    },
    { label: "get agent", route: agentRoutes.GET_STORED_AGENT_ROUTE, args: { storedAgentId: "helper" } },
    {
      label: "get draft",
      route: agentRoutes.GET_STORED_AGENT_ROUTE,
      args: { storedAgentId: "helper", status: "draft" },
    },
    {
      label: "update agent (new version)",
      route: agentRoutes.UPDATE_STORED_AGENT_ROUTE,
      args: { storedAgentId: "helper", instructions: "v2", metadata: { tier: 1 } },
    },
    { label: "list versions", route: versionRoutes.LIST_AGENT_VERSIONS_ROUTE, args: { agentId: "helper" } },
    (answers) => ({
      label: "activate newest",
      route: versionRoutes.ACTIVATE_AGENT_VERSION_ROUTE,
      args: { agentId: "helper", versionId: versionIdOf(answers, 7) },
    }),
    { label: "get published", route: agentRoutes.GET_STORED_AGENT_ROUTE, args: { storedAgentId: "helper" } },
    {
      label: "create version",
      route: versionRoutes.CREATE_AGENT_VERSION_ROUTE,
      args: { agentId: "helper", changeMessage: "checkpoint" },
    },
    {
      label: "list versions ascending",
      route: versionRoutes.LIST_AGENT_VERSIONS_ROUTE,
      args: { agentId: "helper", orderBy: { field: "versionNumber", direction: "ASC" }, perPage: 2 },
    },
    (answers) => ({
      label: "get oldest version",
      route: versionRoutes.GET_AGENT_VERSION_ROUTE,
      args: { agentId: "helper", versionId: versionIdOf(answers, 11) },
    }),
    (answers) => ({
      label: "restore oldest version",
      route: versionRoutes.RESTORE_AGENT_VERSION_ROUTE,
      args: { agentId: "helper", versionId: versionIdOf(answers, 11) },
    }),
    { label: "list agents", route: agentRoutes.LIST_STORED_AGENTS_ROUTE, args: { perPage: 10 } },
    {
      label: "list agents by metadata",
      route: agentRoutes.LIST_STORED_AGENTS_ROUTE,
      args: { metadata: { team: "a" } },
    },
    {
      label: "list versions after restore",
      route: versionRoutes.LIST_AGENT_VERSIONS_ROUTE,
      args: { agentId: "helper" },
    },
    (answers) => ({
      label: "delete a version",
      route: versionRoutes.DELETE_AGENT_VERSION_ROUTE,
      args: { agentId: "helper", versionId: versionIdOf(answers, 16) },
    }),
    {
      label: "delete second agent",
      route: agentRoutes.DELETE_STORED_AGENT_ROUTE,
      args: { storedAgentId: "second-bot" },
    },
    { label: "get deleted (404)", route: agentRoutes.GET_STORED_AGENT_ROUTE, args: { storedAgentId: "second-bot" } },

    {
      label: "create prompt block",
      route: promptRoutes.CREATE_STORED_PROMPT_BLOCK_ROUTE,
      args: { id: "tone", name: "Tone", content: "Be kind." },
    },
    {
      label: "update prompt block",
      route: promptRoutes.UPDATE_STORED_PROMPT_BLOCK_ROUTE,
      args: { storedPromptBlockId: "tone", content: "Be very kind.", metadata: { x: 1 } },
    },
    {
      label: "get prompt block",
      route: promptRoutes.GET_STORED_PROMPT_BLOCK_ROUTE,
      args: { storedPromptBlockId: "tone" },
    },
    { label: "list prompt blocks", route: promptRoutes.LIST_STORED_PROMPT_BLOCKS_ROUTE, args: {} },
    {
      label: "delete prompt block",
      route: promptRoutes.DELETE_STORED_PROMPT_BLOCK_ROUTE,
      args: { storedPromptBlockId: "tone" },
    },

    {
      label: "create scorer",
      route: scorerRoutes.CREATE_STORED_SCORER_ROUTE,
      args: {
        id: "quality",
        name: "Quality",
        type: "llm-judge",
        instructions: "Rate",
        model: MODEL,
        scoreRange: { min: 0, max: 1 },
      },
    },
    {
      label: "update scorer",
      route: scorerRoutes.UPDATE_STORED_SCORER_ROUTE,
      args: { storedScorerId: "quality", instructions: "Rate strictly" },
    },
    { label: "get scorer", route: scorerRoutes.GET_STORED_SCORER_ROUTE, args: { storedScorerId: "quality" } },
    { label: "list scorers", route: scorerRoutes.LIST_STORED_SCORERS_ROUTE, args: {} },

    {
      label: "create MCP client",
      route: mcpRoutes.CREATE_STORED_MCP_CLIENT_ROUTE,
      args: { id: "tools", name: "Tools", servers: { fs: { type: "stdio", command: "echo", args: ["hi"] } } },
    },
    {
      label: "update MCP client",
      route: mcpRoutes.UPDATE_STORED_MCP_CLIENT_ROUTE,
      args: { storedMCPClientId: "tools", description: "file tools" },
    },
    { label: "get MCP client", route: mcpRoutes.GET_STORED_MCP_CLIENT_ROUTE, args: { storedMCPClientId: "tools" } },
    { label: "list MCP clients", route: mcpRoutes.LIST_STORED_MCP_CLIENTS_ROUTE, args: {} },
    {
      label: "delete MCP client",
      route: mcpRoutes.DELETE_STORED_MCP_CLIENT_ROUTE,
      args: { storedMCPClientId: "tools" },
    },

    {
      label: "create workspace",
      route: workspaceRoutes.CREATE_STORED_WORKSPACE_ROUTE,
      args: { id: "ws", name: "Workspace", description: "one" },
    },
    {
      label: "update workspace",
      route: workspaceRoutes.UPDATE_STORED_WORKSPACE_ROUTE,
      args: { storedWorkspaceId: "ws", description: "two", metadata: { a: 1 } },
    },
    { label: "get workspace", route: workspaceRoutes.GET_STORED_WORKSPACE_ROUTE, args: { storedWorkspaceId: "ws" } },
    { label: "list workspaces", route: workspaceRoutes.LIST_STORED_WORKSPACES_ROUTE, args: {} },

    {
      label: "create skill",
      route: skillRoutes.CREATE_STORED_SKILL_ROUTE,
      args: { id: "greet", name: "greet", description: "Greets", instructions: "Say hello." },
    },
    {
      label: "update skill",
      route: skillRoutes.UPDATE_STORED_SKILL_ROUTE,
      args: { storedSkillId: "greet", instructions: "Say hello warmly." },
    },
    { label: "get skill", route: skillRoutes.GET_STORED_SKILL_ROUTE, args: { storedSkillId: "greet" } },
    { label: "list skills", route: skillRoutes.LIST_STORED_SKILLS_ROUTE, args: {} },
    { label: "delete skill", route: skillRoutes.DELETE_STORED_SKILL_ROUTE, args: { storedSkillId: "greet" } },
    { label: "delete agent", route: agentRoutes.DELETE_STORED_AGENT_ROUTE, args: { storedAgentId: "helper" } },
    { label: "list agents at the end", route: agentRoutes.LIST_STORED_AGENTS_ROUTE, args: {} },
  ];
}

async function answer(mastra: Mastra, call: Call, requestContext: RequestContext): Promise<unknown> {
  try {
    return { ok: await call.route.handler({ mastra, requestContext, ...structuredClone(call.args) }) };
  } catch (error) {
    const status = (error as { status?: number }).status;
    return { status: status ?? "error", message: (error as Error).message };
  }
}

/** Runs `calls` on a Mastra over InMemoryStore and one over ConvexStorage and compares every answer. */
async function compareRoutes(
  calls: (Call | ((answers: unknown[]) => Call))[],
  editor: () => MastraEditor,
  requestContext: () => RequestContext,
): Promise<number> {
  const clock = new FrozenClock();
  clock.install();
  try {
    const reference = new Mastra({ storage: new InMemoryStore(), editor: editor(), logger: false });
    const { storage } = createTestStorage();
    const ours = new Mastra({ storage, editor: editor(), logger: false });
    await storage.init();
    const theirs = new AnswerNormalizer();
    const mine = new AnswerNormalizer();
    const expectedAnswers: unknown[] = [];
    const actualAnswers: unknown[] = [];
    let errors = 0;
    for (const entry of calls) {
      clock.tick();
      const expectedCall = typeof entry === "function"
        ? entry(expectedAnswers.map((a) => (a as { ok?: unknown }).ok))
        : entry;
      const actualCall = typeof entry === "function"
        ? entry(actualAnswers.map((a) => (a as { ok?: unknown }).ok))
        : entry;
      const expected = await answer(reference, expectedCall, requestContext());
      const actual = await answer(ours, actualCall, requestContext());
      expectedAnswers.push(expected);
      actualAnswers.push(actual);
      if (!("ok" in (expected as object))) errors++;
      if (Deno.env.get("SHOW")) console.log(expectedCall.label, JSON.stringify(expected).slice(0, 160));
      assert.deepStrictEqual(mine.normalize(actual), theirs.normalize(expected), expectedCall.label);
    }
    return errors;
  } finally {
    clock.restore();
  }
}

Deno.test("the editor's server routes answer over ConvexStorage as over InMemoryStore", async () => {
  const errors = await compareRoutes(script(), () => new MastraEditor(), () => new RequestContext());
  // The script exercises both outcomes (the 409 and the 404 at least), not only errors.
  assert.ok(errors >= 2 && errors < 6, `${errors} calls failed on the reference`);
});

Deno.test("the favorites routes (Agent Builder favorites on) answer over ConvexStorage as over InMemoryStore", async () => {
  const create = (id: string): Call => ({
    label: `create ${id}`,
    route: agentRoutes.CREATE_STORED_AGENT_ROUTE,
    args: { id, name: id, instructions: "x", model: MODEL },
  });
  const list = (label: string, args: Record<string, unknown>): Call => ({
    label,
    route: agentRoutes.LIST_STORED_AGENTS_ROUTE,
    args,
  });
  const calls: Call[] = [
    create("a1"),
    create("a2"),
    create("a3"),
    { label: "favorite a2", route: agentFavoriteRoutes.FAVORITE_STORED_AGENT_ROUTE, args: { storedAgentId: "a2" } },
    {
      label: "favorite a2 again",
      route: agentFavoriteRoutes.FAVORITE_STORED_AGENT_ROUTE,
      args: { storedAgentId: "a2" },
    },
    {
      label: "favorite missing",
      route: agentFavoriteRoutes.FAVORITE_STORED_AGENT_ROUTE,
      args: { storedAgentId: "zz" },
    },
    list("pinned", { pinFavoritedFor: "u1" }),
    list("favorited only", { favoritedOnly: true }),
    list("pinned, page 1 of 2", { pinFavoritedFor: "u1", perPage: 2, page: 1 }),
    { label: "get a2", route: agentRoutes.GET_STORED_AGENT_ROUTE, args: { storedAgentId: "a2" } },
    { label: "unfavorite a2", route: agentFavoriteRoutes.UNFAVORITE_STORED_AGENT_ROUTE, args: { storedAgentId: "a2" } },
    {
      label: "unfavorite a2 again",
      route: agentFavoriteRoutes.UNFAVORITE_STORED_AGENT_ROUTE,
      args: { storedAgentId: "a2" },
    },
    list("pinned after unfavorite", { pinFavoritedFor: "u1" }),
    {
      label: "create skill",
      route: skillRoutes.CREATE_STORED_SKILL_ROUTE,
      args: { id: "greet", name: "greet", description: "Greets", instructions: "Say hello." },
    },
    {
      label: "favorite skill",
      route: skillFavoriteRoutes.FAVORITE_STORED_SKILL_ROUTE,
      args: { storedSkillId: "greet" },
    },
    { label: "list skills", route: skillRoutes.LIST_STORED_SKILLS_ROUTE, args: { pinFavoritedFor: "u1" } },
    { label: "delete a2", route: agentRoutes.DELETE_STORED_AGENT_ROUTE, args: { storedAgentId: "a2" } },
    list("after delete", { pinFavoritedFor: "u1" }),
  ];
  const errors = await compareRoutes(
    calls,
    () => new MastraEditor({ builder: { enabled: true, features: { agent: { favorites: true } } } } as never),
    () => {
      const context = new RequestContext();
      context.set("mastra__user", { id: "u1" });
      return context;
    },
  );
  assert.equal(errors, 1, "only the favorite of a missing agent fails");
});
