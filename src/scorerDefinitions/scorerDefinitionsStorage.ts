/**
 * Mastra's scorerDefinitions domain on Convex: the versioned-entity mechanism
 * (`kit/versioned.ts`) over this declaration.
 */
import { ScorerDefinitionsStorage } from "@mastra/core/storage";
import { scorerDefinitionsDeclaration } from "../../convex/scorerDefinitions/declaration.ts";
import { versionedDomain, type VersionedDomainClass } from "../kit/versioned.ts";

/** Stored scorerDefinitions and their versions in Convex. */
export const ConvexScorerDefinitionsStorage: VersionedDomainClass<ScorerDefinitionsStorage> = versionedDomain(
  ScorerDefinitionsStorage,
  {
    server: scorerDefinitionsDeclaration,
    createKey: "scorerDefinition",
    fkField: "scorerDefinitionId",
    recordFields: ["authorId", "organizationId", "projectId", "metadata"],
    updateFields: ["authorId"],
    mergesMetadata: true,
    defaultsVisibility: false,
    listFilters: ["status", "authorId", "organizationId", "projectId", "metadata"],
    statusFilter: "truthy",
  },
);
