/** @module */
/** Core's thread (see `@mastra/core/memory`). */
export type { StorageThreadType } from "@mastra/core/memory";
export { f } from "./f.ts";
