/** The mcpClients domain as a versioned domain (`kit/versioned.ts`): what sets it apart from the others. */
import type { VersionedDeclaration } from "../kit/versioned.js";

/** Declaration of the mcpClients domain. */
export const mcpClientsDeclaration: VersionedDeclaration = {
  domain: "mcpClients",
  label: "MCP client",
  versionOf: "MCP client",
};
