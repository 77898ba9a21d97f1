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
import { ConvexKnowledgeStorage } from "./knowledge/knowledgeStorage.ts";
import { ConvexMemoryStorage } from "./memory/memoryStorage.ts";
import { ConvexNotificationsStorage } from "./notifications/notificationsStorage.ts";
import { ConvexObservabilityStorage } from "./observability/observabilityStorage.ts";
import { ConvexSchedulesStorage } from "./schedules/schedulesStorage.ts";
import { ConvexScoresStorage } from "./scores/scoresStorage.ts";
import { ConvexThreadStateStorage } from "./threadState/threadStateStorage.ts";
import { ConvexWorkflowsStorage } from "./workflows/workflowsStorage.ts";

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
    knowledge: new ConvexKnowledgeStorage(ctx),
  };
}
