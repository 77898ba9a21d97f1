/**
 * Test helper for apps that mount our component: registers it on a
 * `convex-test` instance, as `@convex-dev/agent`'s `register(t)` does.
 *
 * ```ts
 * import { convexTest } from "convex-test";
 * import { register } from "@mastra/convex/test";
 * const t = convexTest(schema, modules);
 * register(t); // the component "mastra", as app.use(mastra) mounts it
 * ```
 *
 * @module
 */
import type { GenericSchema, SchemaDefinition } from "convex/server";
import schema from "../../convex/schema.ts";
/** The name `app.use(mastra)` gives our component. */
const DEFAULT_COMPONENT = "mastra";
import { componentModules } from "./modules.ts";

/** The part of a `convex-test` instance that registering a component needs. */
export type ComponentRegistry = {
  // deno-lint-ignore no-explicit-any
  registerComponent(name: string, schema: SchemaDefinition<GenericSchema, boolean>, modules: any): unknown;
};

/**
 * Registers our component on `t` under `name` (default `"mastra"`, the name
 * `app.use(mastra)` gives it; pass yours if you used `app.use(mastra, { name })`).
 */
export function register(t: ComponentRegistry, name: string = DEFAULT_COMPONENT): void {
  t.registerComponent(name, schema as unknown as SchemaDefinition<GenericSchema, boolean>, componentModules);
}

/** The component's module map, for custom `convex-test` registrations (`t.registerComponent(name, schema, modules)`). */
export { componentModules } from "./modules.ts";
