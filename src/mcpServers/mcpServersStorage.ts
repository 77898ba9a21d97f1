/**
 * Mastra's mcpServers domain on Convex: the versioned-entity mechanism
 * (`kit/versioned.ts`) over this declaration.
 */
import { MCPServersStorage } from "@mastra/core/storage";
import { mcpServersDeclaration } from "../../convex/mcpServers/declaration.ts";
import { versionedDomain, type VersionedDomainClass } from "../kit/versioned.ts";

/** Stored mcpServers and their versions in Convex. */
export const ConvexMCPServersStorage: VersionedDomainClass<MCPServersStorage> = versionedDomain(MCPServersStorage, {
  server: mcpServersDeclaration,
  createKey: "mcpServer",
  fkField: "mcpServerId",
  recordFields: ["authorId", "metadata"],
  updateFields: ["authorId"],
  mergesMetadata: true,
  defaultsVisibility: false,
  listFilters: ["status", "authorId", "metadata"],
  statusFilter: "truthy",
  // As core: an MCP server list without a status lists the published ones.
  defaultStatus: "published",
});
