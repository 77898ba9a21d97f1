/**
 * Rows and tables of the versioned-entity mechanism (`kit/versioned.ts`):
 * core's `VersionedStorageDomain` shape, a thin record plus immutable
 * version rows, shared by the seven versioned editor domains (agents,
 * prompt blocks, scorer definitions, MCP clients, MCP servers, workspaces,
 * skills). Every row carries its `domain`, which leads every index, so the
 * domains never see each other's rows.
 *
 * User values (record metadata, a version's configuration) are codec text
 * (`kit/codec.ts`); a version's configuration may be a large-value
 * reference (`kit/blobs.ts`). Times are epoch milliseconds.
 */
import { defineTable } from "convex/server";
import { type Infer, v } from "convex/values";

/** A versioned entity's record (without Convex's system fields). */
export const entityRowValidator = v.object({
  domain: v.string(),
  id: v.string(),
  status: v.string(),
  activeVersionId: v.optional(v.string()),
  authorId: v.optional(v.string()),
  visibility: v.optional(v.string()),
  organizationId: v.optional(v.string()),
  projectId: v.optional(v.string()),
  /** Record metadata, codec text. */
  metadata: v.optional(v.string()),
  favoriteCount: v.optional(v.number()),
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A versioned entity's record. */
export type EntityRow = Infer<typeof entityRowValidator>;

/** A version row (without Convex's system fields). */
export const versionRowValidator = v.object({
  domain: v.string(),
  id: v.string(),
  entityId: v.string(),
  versionNumber: v.number(),
  /**
   * Everything else the version holds (its configuration, `changedFields`,
   * `changeMessage`), codec text or a large-value reference.
   */
  body: v.string(),
  createdAt: v.number(),
});
/** A version row. */
export type VersionRow = Infer<typeof versionRowValidator>;

/** Record fields a create may set (besides `id`). */
export const entityInputValidator = v.object({
  id: v.string(),
  authorId: v.optional(v.string()),
  visibility: v.optional(v.string()),
  organizationId: v.optional(v.string()),
  projectId: v.optional(v.string()),
  metadata: v.optional(v.string()),
});
/** Record fields a create sets. */
export type EntityInput = Infer<typeof entityInputValidator>;

/** A version as the client sends it (the server stamps `createdAt`). */
export const versionInputValidator = v.object({
  id: v.string(),
  entityId: v.string(),
  versionNumber: v.number(),
  body: v.string(),
});
/** A version as the client sends it. */
export type VersionInput = Infer<typeof versionInputValidator>;

/** Record fields an update may set (metadata is merged, see `update`). */
export const entitySetValidator = v.object({
  authorId: v.optional(v.string()),
  visibility: v.optional(v.string()),
  activeVersionId: v.optional(v.string()),
  status: v.optional(v.string()),
});
/** Record fields an update sets. */
export type EntitySet = Infer<typeof entitySetValidator>;

/** Validator of an ordering field of entity lists. */
export const entityOrderFieldValidator = v.union(v.literal("createdAt"), v.literal("updatedAt"));
/** Validator of an ordering field of version lists. */
export const versionOrderFieldValidator = v.union(v.literal("versionNumber"), v.literal("createdAt"));

/** Filters of an entity list (each domain's client passes the ones its contract has). */
export const entityFilterValidator = v.object({
  status: v.optional(v.string()),
  authorId: v.optional(v.string()),
  visibility: v.optional(v.string()),
  organizationId: v.optional(v.string()),
  projectId: v.optional(v.string()),
  /** Codec text of a record: every key must deep-equal the entity's metadata value. */
  metadata: v.optional(v.string()),
  /** Only these entities. */
  entityIds: v.optional(v.array(v.string())),
  /** Favorites of this user come first (`pinFavoritedFor`). */
  pinUser: v.optional(v.string()),
  /** Only favorites of `pinUser` (none without one). */
  favoritedOnly: v.optional(v.boolean()),
  /** The domain's metadata filter matches nothing (skills keep metadata in versions). */
  metadataMatchesNothing: v.optional(v.boolean()),
});
/** Filters of an entity list. */
export type EntityFilter = Infer<typeof entityFilterValidator>;

/** Validator of which version a resolution uses. */
export const resolutionValidator = v.union(
  v.object({ status: v.union(v.literal("published"), v.literal("draft")) }),
  v.object({ versionId: v.string() }),
);
/** Which version a resolution uses. */
export type Resolution = Infer<typeof resolutionValidator>;

/** An entity with the version it resolves to (`null`: it has none). */
export type ResolvedRow = { entity: EntityRow; version: VersionRow | null };

/**
 * The two tables of every versioned domain. Entity lists read
 * `(domain[, status | authorId], createdAt | updatedAt, id)`; version lists
 * `(domain, entityId, versionNumber | createdAt, id)`.
 */
export const versionedTables = {
  versioned_entities: defineTable(entityRowValidator)
    .index("by_domain_id", ["domain", "id"])
    .index("by_domain_createdAt", ["domain", "createdAt", "id"])
    .index("by_domain_updatedAt", ["domain", "updatedAt", "id"])
    .index("by_domain_status_createdAt", ["domain", "status", "createdAt", "id"])
    .index("by_domain_status_updatedAt", ["domain", "status", "updatedAt", "id"])
    .index("by_domain_author_createdAt", ["domain", "authorId", "createdAt", "id"])
    .index("by_domain_author_updatedAt", ["domain", "authorId", "updatedAt", "id"]),
  versioned_versions: defineTable(versionRowValidator)
    .index("by_domain_id", ["domain", "id"])
    .index("by_entity_versionNumber", ["domain", "entityId", "versionNumber", "id"])
    .index("by_entity_createdAt", ["domain", "entityId", "createdAt", "id"]),
};
