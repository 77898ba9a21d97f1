/**
 * Tables of Mastra's channels domain: installations (looked up by id, by
 * platform and agent, by webhook id, and listed by platform) and one config
 * per platform. Every lookup has its index; `seq` (insertion order) ends
 * each so the first match is the one core's in-memory store returns.
 */
import { defineTable } from "convex/server";
import { configRowValidator, installationRowValidator } from "./validators.js";

/** Channels-domain tables, to be spread into a schema. */
export const channelTables = {
  channel_installations: defineTable(installationRowValidator)
    .index("by_mastra_id", ["id"])
    .index("by_platform_seq", ["platform", "seq"])
    .index("by_agent_rank_seq", ["platform", "agentId", "rank", "seq"])
    .index("by_webhook_seq", ["webhookId", "seq"]),
  channel_configs: defineTable(configRowValidator).index("by_platform", ["platform"]),
};
