/** The agents domain as a versioned domain (`kit/versioned.ts`): what sets it apart from the others. */
import { favoritedIds } from "../favorites/lookup.js";
import type { VersionedDeclaration } from "../kit/versioned.js";

/** Declaration of the agents domain. */
export const agentsDeclaration: VersionedDeclaration = {
  domain: "agents",
  label: "Agent",
  versionOf: "agent",
  favoritesOf: favoritedIds("agent"),
};
