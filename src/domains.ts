/**
 * The storage domains `ConvexStorage` offers, one line each: adding a domain
 * is its folder under `src/` (and `convex/`) plus one line here (and one in
 * `convex/schema.ts`).
 */
import type { StorageDomains } from "@mastra/core/storage";
import { ConvexBackgroundTasksStorage } from "./backgroundTasks/backgroundTasksStorage.ts";
import type { DomainContext } from "./kit/context.ts";
import { ConvexChannelsStorage } from "./channels/channelsStorage.ts";
import { ConvexHarnessStorage } from "./harness/harnessStorage.ts";
import { ConvexDatasetsStorage } from "./datasets/datasetsStorage.ts";
import { ConvexExperimentsStorage } from "./experiments/experimentsStorage.ts";
import { ConvexKnowledgeStorage } from "./knowledge/knowledgeStorage.ts";
import { ConvexMemoryStorage } from "./memory/memoryStorage.ts";
import { ConvexNotificationsStorage } from "./notifications/notificationsStorage.ts";
import { ConvexObservabilityStorage } from "./observability/observabilityStorage.ts";
import { ConvexSchedulesStorage } from "./schedules/schedulesStorage.ts";
import { ConvexScoresStorage } from "./scores/scoresStorage.ts";
import { ConvexThreadStateStorage } from "./threadState/threadStateStorage.ts";
import { ConvexWorkflowsStorage } from "./workflows/workflowsStorage.ts";
import { ConvexAgentsStorage } from "./agents/agentsStorage.ts";
import { ConvexPromptBlocksStorage } from "./promptBlocks/promptBlocksStorage.ts";
import { ConvexScorerDefinitionsStorage } from "./scorerDefinitions/scorerDefinitionsStorage.ts";
import { ConvexMCPClientsStorage } from "./mcpClients/mcpClientsStorage.ts";
import { ConvexMCPServersStorage } from "./mcpServers/mcpServersStorage.ts";
import { ConvexWorkspacesStorage } from "./workspaces/workspacesStorage.ts";
import { ConvexSkillsStorage } from "./skills/skillsStorage.ts";
import { ConvexFavoritesStorage } from "./favorites/favoritesStorage.ts";
import { ConvexToolProviderConnectionsStorage } from "./toolProviderConnections/toolProviderConnectionsStorage.ts";
import { ConvexBlobStore } from "./blobs/blobStore.ts";
import { ConvexWorkflowDefinitionsStorage } from "./workflowDefinitions/workflowDefinitionsStorage.ts";

/** Builds every domain over one shared context (transport and clock). */
export function createDomains(ctx: DomainContext): Partial<StorageDomains> {
  return {
    memory: new ConvexMemoryStorage(ctx),
    workflows: new ConvexWorkflowsStorage(ctx),
    scores: new ConvexScoresStorage(ctx),
    observability: new ConvexObservabilityStorage(ctx),
    channels: new ConvexChannelsStorage(ctx),
    backgroundTasks: new ConvexBackgroundTasksStorage(ctx),
    schedules: new ConvexSchedulesStorage(ctx),
    threadState: new ConvexThreadStateStorage(ctx),
    harness: new ConvexHarnessStorage(ctx),
    notifications: new ConvexNotificationsStorage(ctx),
    agents: new ConvexAgentsStorage(ctx),
    promptBlocks: new ConvexPromptBlocksStorage(ctx),
    scorerDefinitions: new ConvexScorerDefinitionsStorage(ctx),
    mcpClients: new ConvexMCPClientsStorage(ctx),
    mcpServers: new ConvexMCPServersStorage(ctx),
    workspaces: new ConvexWorkspacesStorage(ctx),
    skills: new ConvexSkillsStorage(ctx),
    favorites: new ConvexFavoritesStorage(ctx),
    toolProviderConnections: new ConvexToolProviderConnectionsStorage(ctx),
    blobs: new ConvexBlobStore(ctx),
    workflowDefinitions: new ConvexWorkflowDefinitionsStorage(ctx),
    datasets: new ConvexDatasetsStorage(ctx),
    experiments: new ConvexExperimentsStorage(ctx),
    knowledge: new ConvexKnowledgeStorage(ctx),
  };
}
