/**
 * Typed function builders of our component. Mutations, actions and almost
 * every query are Convex's *internal* builders: only ConvexStorage (with an
 * admin or deploy key) calls them. A few reads are built with
 * {@link appQuery} so that the app mounting the component can compose with
 * them. Nothing here depends on a generated `_generated/` folder, so the
 * component works from npm and as a copied local component alike.
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
  queryGeneric,
} from "convex/server";
import type schema from "../schema.js";

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
/**
 * Builds a query that the app mounting our component may call
 * (`ctx.runQuery(components.mastra.<module>.<fn>, args)`) behind its own
 * auth, e.g. to show a thread in its UI. Like every function of a component,
 * it is never reachable from the internet: only the parent app and admin or
 * deploy keys can call it. Only reads are built with it.
 */
export const appQuery: QueryBuilder<DataModel, "public"> = queryGeneric;
