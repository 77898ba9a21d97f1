/**
 * The Convex functions of the seven versioned editor domains, registered
 * once over their declarations (`kit/versioned.ts`): every function takes the
 * `domain` it acts on. Adding a versioned domain is one line here. Internal only.
 */
import { versionedFunctions } from "../kit/versioned.js";
import { agentsDeclaration } from "../agents/declaration.js";
import { promptBlocksDeclaration } from "../promptBlocks/declaration.js";
import { scorerDefinitionsDeclaration } from "../scorerDefinitions/declaration.js";
import { mcpClientsDeclaration } from "../mcpClients/declaration.js";
import { mcpServersDeclaration } from "../mcpServers/declaration.js";
import { workspacesDeclaration } from "../workspaces/declaration.js";
import { skillsDeclaration } from "../skills/declaration.js";

const functions = versionedFunctions([
  agentsDeclaration,
  promptBlocksDeclaration,
  scorerDefinitionsDeclaration,
  mcpClientsDeclaration,
  mcpServersDeclaration,
  workspacesDeclaration,
  skillsDeclaration,
]);

/** See `versionedFunctions` in `kit/versioned.ts`. */
export const {
  get,
  resolve,
  create,
  update,
  remove,
  removeVersionsOf,
  clear,
  createVersion,
  getVersion,
  getVersions,
  getVersionByNumber,
  getLatestVersion,
  deleteVersion,
  countVersions,
  listVersions,
  list,
} = functions;
