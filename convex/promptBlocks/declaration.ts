/** The promptBlocks domain as a versioned domain (`kit/versioned.ts`): what sets it apart from the others. */
import type { VersionedDeclaration } from "../kit/versioned.js";

/** Declaration of the promptBlocks domain. */
export const promptBlocksDeclaration: VersionedDeclaration = {
  domain: "promptBlocks",
  label: "Prompt block",
  versionOf: "prompt block",
};
