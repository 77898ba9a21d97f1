/**
 * Identity of our Convex function layer. `ConvexStorage.init()` reads it
 * through `system:info` and refuses to run against another major version.
 */

/** Package that ships these Convex functions. */
export const PACKAGE_NAME = "@mastra/convex";

/**
 * Version of the function layer's protocol (arguments, results, tables).
 * Bump the major version on any incompatible change.
 */
export const FUNCTIONS_VERSION = "1.0.0";
