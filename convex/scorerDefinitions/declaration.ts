/** The scorerDefinitions domain as a versioned domain (`kit/versioned.ts`): what sets it apart from the others. */
import type { VersionedDeclaration } from "../kit/versioned.js";

/** Declaration of the scorerDefinitions domain. */
export const scorerDefinitionsDeclaration: VersionedDeclaration = {
  domain: "scorerDefinitions",
  label: "Scorer definition",
  versionOf: "scorer definition",
};
