/** Functions of the promptBlocks domain: the versioned-entity mechanism (`kit/versioned.ts`) over its declaration. Internal only. */
import { versionedFunctions } from "../kit/versioned.js";
import { promptBlocksDeclaration } from "./declaration.js";

const functions = versionedFunctions(promptBlocksDeclaration);

/** See `versionedFunctions`. */
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
