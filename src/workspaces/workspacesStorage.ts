/**
 * Mastra's workspaces domain on Convex: the versioned-entity mechanism
 * (`kit/versioned.ts`) over this declaration.
 */
import { WorkspacesStorage } from "@mastra/core/storage";
import { workspacesDeclaration } from "../../convex/workspaces/declaration.ts";
import { versionedDomain, type VersionedDomainClass } from "../kit/versioned.ts";

/** Stored workspaces and their versions in Convex. */
export const ConvexWorkspacesStorage: VersionedDomainClass<WorkspacesStorage> = versionedDomain(WorkspacesStorage, {
  server: workspacesDeclaration,
  createKey: "workspace",
  fkField: "workspaceId",
  recordFields: ["authorId", "metadata"],
  updateFields: ["authorId"],
  mergesMetadata: true,
  defaultsVisibility: false,
  listFilters: ["authorId", "metadata"],
  statusFilter: "none",
});
