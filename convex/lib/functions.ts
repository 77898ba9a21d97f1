/**
 * Typed function builders for our modules. They are Convex's *internal*
 * builders, so nothing we ship is callable without an admin or deploy key,
 * and they do not depend on a generated `_generated/` folder, so users can
 * copy or re-export our modules unchanged.
 */
import {
  type ActionBuilder,
  type DataModelFromSchemaDefinition,
  type GenericActionCtx,
  type GenericMutationCtx,
  type GenericQueryCtx,
  internalActionGeneric,
  internalMutationGeneric,
  internalQueryGeneric,
  type MutationBuilder,
  type QueryBuilder,
} from "convex/server";
import type schema from "../schema.ts";

/** The data model of the Mastra tables. */
export type DataModel = DataModelFromSchemaDefinition<typeof schema>;
/** Context of our queries. */
export type QueryCtx = GenericQueryCtx<DataModel>;
/** Context of our mutations. */
export type MutationCtx = GenericMutationCtx<DataModel>;
/** Context of our actions. */
export type ActionCtx = GenericActionCtx<DataModel>;

/** Builds an internal query over the Mastra tables. */
export const internalQuery: QueryBuilder<DataModel, "internal"> = internalQueryGeneric;
/** Builds an internal mutation over the Mastra tables. */
export const internalMutation: MutationBuilder<DataModel, "internal"> = internalMutationGeneric;
/** Builds an internal action over the Mastra tables. */
export const internalAction: ActionBuilder<DataModel, "internal"> = internalActionGeneric;
