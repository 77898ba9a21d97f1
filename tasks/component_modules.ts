/**
 * Writes the files derived from our component's module list:
 * `src/testing/modules.ts`, the static module map that `convex-test` needs
 * (`register(t)` in `src/testing/register.ts`; static imports work everywhere
 * our package runs, where a directory listing would not), and
 * `convex/_generated/component.ts`, the `ComponentApi` type of the functions
 * the parent app may call. `tests/component_modules_test.ts` fails when
 * either is out of date.
 *
 *   deno task gen:modules
 */
import {
  COMPONENT_API_FILE,
  componentApiSource,
  componentModulesSource,
  MODULES_FILE,
} from "./lib/component_modules.ts";
import { dirname } from "./lib/std_path.ts";

if (import.meta.main) {
  await Deno.writeTextFile(MODULES_FILE, componentModulesSource());
  console.log(`wrote ${MODULES_FILE}`);
  await Deno.mkdir(dirname(COMPONENT_API_FILE), { recursive: true });
  await Deno.writeTextFile(COMPONENT_API_FILE, componentApiSource());
  console.log(`wrote ${COMPONENT_API_FILE}`);
}
