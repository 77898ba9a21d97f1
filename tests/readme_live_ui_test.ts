/**
 * The README's "Live UI" code is exactly what the browser test runs: its
 * `ts` block is `tests/browser/app/convex/mastraUi.ts` (the app's queries,
 * also loaded by `react_hooks`-style tests through that file) and its `tsx`
 * block is `tests/browser/app/src/Chat.tsx` (the page's component).
 */
import assert from "node:assert/strict";
import { readmeBlocks } from "./helpers/readme.ts";

const read = (path: string) => Deno.readTextFileSync(new URL(path, import.meta.url));

Deno.test("README Live UI blocks are the browser test's files", () => {
  const blocks = readmeBlocks().filter((block) => block.heading === "Live UI (React)");
  assert.deepEqual(blocks.map((block) => block.lang), ["ts", "tsx"]);
  assert.equal(blocks[0].code, read("./browser/app/convex/mastraUi.ts"));
  assert.equal(blocks[1].code, read("./browser/app/src/Chat.tsx"));
});
