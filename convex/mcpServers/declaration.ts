/** The mcpServers domain as a versioned domain (`kit/versioned.ts`): what sets it apart from the others. */
import type { VersionedDeclaration } from "../kit/versioned.js";

/** Declaration of the mcpServers domain. */
export const mcpServersDeclaration: VersionedDeclaration = {
  domain: "mcpServers",
  label: "MCP server",
  versionOf: "MCP server",
};
