/** @module */
export type { StorageThreadType } from "@mastra/core/memory";
import type { StorageThreadType } from "@mastra/core/memory";
/** A function. */
export function f(t: StorageThreadType): StorageThreadType {
  return t;
}
