/**
 * Writes `src/testing/modules.ts`: the static module map of our component
 * that `convex-test` needs (`register(t)` in `src/testing/register.ts`).
 * Static imports work everywhere our package runs (Deno, Node, JSR), where a
 * directory listing would not. `tests/component_modules_test.ts` fails when
 * the file is out of date.
 *
 *   deno task gen:modules
 */
import { componentModulesSource, MODULES_FILE } from "./lib/component_modules.ts";

if (import.meta.main) {
  await Deno.writeTextFile(MODULES_FILE, componentModulesSource());
  console.log(`wrote ${MODULES_FILE}`);
}
