/** The workspaces domain as a versioned domain (`kit/versioned.ts`): what sets it apart from the others. */
import type { VersionedDeclaration } from "../kit/versioned.js";

/** Declaration of the workspaces domain. */
export const workspacesDeclaration: VersionedDeclaration = {
  domain: "workspaces",
  label: "Workspace",
  versionOf: "workspace",
  updateVersioning: {
    fields: [
      "name",
      "description",
      "filesystem",
      "sandbox",
      "mounts",
      "search",
      "skills",
      "tools",
      "autoSync",
      "operationTimeout",
    ],
    // As core: a field is unchanged when its JSON text is.
    equal: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  },
};
