/**
 * The vector domain's Convex functions are all internal and validate their
 * arguments with an object validator (what the security test checks for
 * every module, repeated here for ours).
 */
import assert from "node:assert/strict";

const MODULES = ["indexes", "vectors", "search"];

Deno.test("vector functions: every exported function is internal and has an object args validator", async () => {
  let functions = 0;
  for (const name of MODULES) {
    const module = await import(`../convex/vector/${name}.ts`);
    for (const [exportName, value] of Object.entries(module)) {
      // deno-lint-ignore no-explicit-any
      const fn = value as any;
      if (typeof fn !== "function" || !(fn.isQuery || fn.isMutation || fn.isAction)) continue;
      functions++;
      const path = `vector/${name}:${exportName}`;
      assert.equal(fn.isInternal, true, `${path} must be internal`);
      assert.equal(fn.isPublic, undefined, `${path} must not be public`);
      const args = JSON.parse(fn.exportArgs());
      assert.equal(args.type, "object", `${path} needs an object args validator`);
    }
  }
  assert.equal(functions, 13);
});
