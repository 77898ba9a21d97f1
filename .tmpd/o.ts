/** @module */
import type { StorageThreadType as Core } from "@mastra/core/memory";
/** Core's thread. */
export type StorageThreadType = Core;
export { f } from "./f.ts";
