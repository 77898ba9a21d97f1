/**
 * The Convex component `mastra`: every table and function of Mastra's
 * storage on Convex. Mount it in your app's `convex/convex.config.ts`:
 *
 * ```ts
 * import { defineApp } from "convex/server";
 * import mastra from "@mastra/convex/convex.config";
 * const app = defineApp();
 * app.use(mastra); // or app.use(mastra, { name: "agents" }) with ConvexStorage({ component: "agents" })
 * export default app;
 * ```
 */
import { type ComponentDefinition, defineComponent } from "convex/server";

/** The component definition (no environment variables, so `app.use(mastra)` takes no options). */
const component: ComponentDefinition = defineComponent("mastra");
export default component;
