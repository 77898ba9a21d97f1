/**
 * Where `deno task demo` runs, from the environment: the in-process backend,
 * a real deployment, or a message that says what is missing.
 * @module
 */
/** The variables that can hold the deployment's key, in the order `ConvexStorage` reads them. */
export const KEY_VARS = ["CONVEX_ADMIN_KEY", "CONVEX_DEPLOY_KEY", "CONVEX_SELF_HOSTED_ADMIN_KEY"];

/** Where the demo runs, from the environment; or what is missing. */
export function demoTarget(
  env: (name: string) => string | undefined,
): { live: true; url: string } | { live: false } | { error: string } {
  const url = env("CONVEX_URL");
  const key = KEY_VARS.find((name) => env(name));
  if (url && key) return { live: true, url };
  if (url) {
    return {
      error: `CONVEX_URL is set (${url}) but no key is: set ${KEY_VARS.join(", or ")} ` +
        "(a deploy key for Convex cloud, the admin key for self-hosted), or unset CONVEX_URL to use the in-process backend.",
    };
  }
  if (key) {
    return { error: `${key} is set but CONVEX_URL is not: set CONVEX_URL to your deployment's URL, or unset ${key}.` };
  }
  return { live: false };
}
