/**
 * `@mastra/convex/app`: the app's own query functions over the `mastra`
 * component, for a live UI of Mastra data (see {@link mastraAppQueries}),
 * and the conversions of their results to Mastra's shapes. Imports only
 * `convex` and the component's validators: safe in the app's Convex
 * functions and in the browser alike.
 *
 * @module
 */
export {
  type AppQueryCtx,
  type Authorize,
  type AuthorizeRequest,
  type MastraAppQueries,
  mastraAppQueries,
  type MastraAppQueriesOptions,
  type UnauthorizedData,
} from "./appQueries.ts";
export { decodePayload, type LiveMessage, type LiveThread, toLiveThread, toMastraMessage } from "./shapes.ts";
export type {
  AppActivity,
  AppMessage,
  AppMessagePage,
  AppSuspendedRun,
  AppTask,
  AppTaskStatus,
  AppThread,
  AppThreadPage,
  AppWorkingMemory,
  MastraUiComponent,
} from "./types.ts";
