/**
 * Mastra's mcpClients domain on Convex: the versioned-entity mechanism
 * (`kit/versioned.ts`) over this declaration.
 */
import { MCPClientsStorage } from "@mastra/core/storage";
import { mcpClientsDeclaration } from "../../convex/mcpClients/declaration.ts";
import { versionedDomain, type VersionedDomainClass } from "../kit/versioned.ts";

/** Stored mcpClients and their versions in Convex. */
export const ConvexMCPClientsStorage: VersionedDomainClass<MCPClientsStorage> = versionedDomain(MCPClientsStorage, {
  server: mcpClientsDeclaration,
  createKey: "mcpClient",
  fkField: "mcpClientId",
  recordFields: ["authorId", "metadata"],
  updateFields: ["authorId"],
  mergesMetadata: true,
  defaultsVisibility: false,
  listFilters: ["status", "authorId", "metadata"],
  statusFilter: "truthy",
});
