/**
 * Mastra's promptBlocks domain on Convex: the versioned-entity mechanism
 * (`kit/versioned.ts`) over this declaration.
 */
import { PromptBlocksStorage } from "@mastra/core/storage";
import { promptBlocksDeclaration } from "../../convex/promptBlocks/declaration.ts";
import { versionedDomain, type VersionedDomainClass } from "../kit/versioned.ts";

/** Stored promptBlocks and their versions in Convex. */
export const ConvexPromptBlocksStorage: VersionedDomainClass<PromptBlocksStorage> = versionedDomain(
  PromptBlocksStorage,
  {
    server: promptBlocksDeclaration,
    createKey: "promptBlock",
    fkField: "blockId",
    recordFields: ["authorId", "metadata"],
    updateFields: ["authorId"],
    mergesMetadata: true,
    defaultsVisibility: false,
    listFilters: ["status", "authorId", "metadata"],
    statusFilter: "truthy",
  },
);
