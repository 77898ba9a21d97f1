/**
 * Mastra's agents domain on Convex: the versioned-entity mechanism
 * (`kit/versioned.ts`) over this declaration.
 */
import { AgentsStorage } from "@mastra/core/storage";
import { agentsDeclaration } from "../../convex/agents/declaration.ts";
import { versionedDomain, type VersionedDomainClass } from "../kit/versioned.ts";

/** Stored agents and their versions in Convex. */
export const ConvexAgentsStorage: VersionedDomainClass<AgentsStorage> = versionedDomain(AgentsStorage, {
  server: agentsDeclaration,
  createKey: "agent",
  fkField: "agentId",
  recordFields: ["authorId", "visibility", "metadata"],
  updateFields: ["authorId", "visibility"],
  mergesMetadata: true,
  defaultsVisibility: true,
  listFilters: ["status", "authorId", "visibility", "metadata", "entityIds", "favorites"],
  statusFilter: "truthy",
});
