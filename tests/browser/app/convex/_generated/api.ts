/**
 * Stand-in for the `convex/_generated/api` that Convex's codegen writes in
 * an app mounting our component: `api` (the app's functions) and
 * `components.mastra` typed with our `ComponentApi`.
 */
import { type AnyApi, anyApi, componentsGeneric } from "convex/server";
import type { ComponentApi } from "../../../../../convex/_generated/component.ts";

/** The app's functions (`api.mastraUi.messages`, ...). */
// deno-lint-ignore no-explicit-any
export const api: any = anyApi as AnyApi;
/** The mounted components. */
export const components: { mastra: ComponentApi<"mastra"> } = componentsGeneric() as unknown as {
  mastra: ComponentApi<"mastra">;
};
