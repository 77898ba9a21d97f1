/** @module */
import type { StorageThreadType as Core } from "@mastra/core/memory";
/** Core's thread. */
export type StorageThreadType = Core;
/** A function. */
export function f(t: StorageThreadType): StorageThreadType {
  return t;
}
