/**
 * Mastra's skills domain on Convex: the versioned-entity mechanism
 * (`kit/versioned.ts`) over this declaration.
 */
import { SkillsStorage } from "@mastra/core/storage";
import { skillsDeclaration } from "../../convex/skills/declaration.ts";
import { versionedDomain, type VersionedDomainClass } from "../kit/versioned.ts";

/** Stored skills and their versions in Convex. */
export const ConvexSkillsStorage: VersionedDomainClass<SkillsStorage> = versionedDomain(SkillsStorage, {
  server: skillsDeclaration,
  createKey: "skill",
  fkField: "skillId",
  recordFields: ["authorId", "visibility"],
  updateFields: ["authorId", "visibility"],
  mergesMetadata: false,
  defaultsVisibility: true,
  listFilters: ["status", "authorId", "visibility", "metadata", "entityIds", "favorites"],
  statusFilter: "defined",
  // As core: skills keep metadata in their versions, so a metadata filter matches no record.
  metadataMatchesNothing: true,
});
