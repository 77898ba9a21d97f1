/**
 * The README's code blocks as tests see them: every ```ts block becomes a
 * TypeScript module a user could paste (fragments that use `storage` get a
 * `storage` declared as in "Configuration"), so `deno check` and `tsc`
 * (NodeNext) can type-check them; the Convex setup blocks are the app's
 * `convex/convex.config.ts`, checked on a scratch app.
 */
import { REPO_ROOT } from "../../tasks/lib/paths.ts";
import { join } from "../../tasks/lib/std_path.ts";

/** A fenced block of the README. */
export type ReadmeBlock = { lang: string; code: string; heading: string; index: number };

/** Every fenced block of the README, with the nearest `##`/`###` heading above it. */
export function readmeBlocks(markdown: string = Deno.readTextFileSync(join(REPO_ROOT, "README.md"))): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  let heading = "";
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const title = /^#{2,3} (.*)$/.exec(line);
    if (title) heading = title[1];
    const fence = /^(\s*)```(\w*)\s*$/.exec(line);
    if (!fence) continue;
    const indent = fence[1].length;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i].slice(indent));
    blocks.push({ lang: fence[2], code: body.join("\n") + "\n", heading, index: blocks.length });
  }
  return blocks;
}

/** Whether a block is a Convex app file (`convex/convex.config.ts`), checked by the scratch-app tests instead. */
export function isConvexAppBlock(block: ReadmeBlock): boolean {
  return /\bdefineApp\b/.test(block.code);
}

/** Whether a block is a function of the user's Convex app (imports `./_generated/`), checked on the scratch app. */
export function isConvexFunctionBlock(block: ReadmeBlock): boolean {
  return /from "\.\/_generated\//.test(block.code);
}

/** The README's app-function blocks, without their `// convex/<file>.ts in your app` caption line. */
export function readmeAppFunctions(blocks: ReadmeBlock[] = readmeBlocks()): string[] {
  return blocks.filter(isConvexFunctionBlock).map((block) => block.code.replace(/^\/\/ convex\/\S+ in your app\n/, ""));
}

/** Headings of the sections whose blocks run one after the other against one `storage` (readme_examples_test). */
export const RUN_SECTIONS: string[] = [
  "Basic operations",
  "Advanced operations",
  "Pagination and filtering",
  "Real-time subscriptions",
];

const STORAGE_PRELUDE = `import { ConvexStorage } from "@mastra/convex";
declare const storage: ConvexStorage;
`;

/**
 * The README's TypeScript as modules: one file per block, except the
 * sections of {@link RUN_SECTIONS}, which are one file (as they run). Keys
 * are file names (`readme_03_install.ts`); imports of `@mastra/convex` are
 * left as written.
 */
export function readmeModules(blocks: ReadmeBlock[] = readmeBlocks()): Record<string, string> {
  const files: Record<string, string> = {};
  const ts = blocks.filter((block) => block.lang === "ts" && !isConvexAppBlock(block) && !isConvexFunctionBlock(block));
  const slug = (text: string) => text.toLowerCase().replaceAll(/[^a-z0-9]+/g, "_").replaceAll(/^_|_$/g, "");
  const module = (code: string) => {
    const declaresStorage = /\b(const|let)\s+storage\b/.test(code);
    const prelude = !declaresStorage && /\bstorage\b/.test(code) ? STORAGE_PRELUDE : "";
    return `${prelude}${code}export {};\n`;
  };
  const run = ts.filter((block) => RUN_SECTIONS.includes(block.heading));
  for (const block of ts) {
    if (RUN_SECTIONS.includes(block.heading)) continue;
    files[`readme_${String(block.index).padStart(2, "0")}_${slug(block.heading)}.ts`] = module(block.code);
  }
  if (run.length > 0) files["readme_examples.ts"] = module(run.map((block) => block.code).join("\n"));
  return files;
}

/** The README's `convex/convex.config.ts` blocks, without their `// convex/convex.config.ts` caption line. */
export function readmeAppConfigs(blocks: ReadmeBlock[] = readmeBlocks()): string[] {
  return blocks.filter(isConvexAppBlock).map((block) => block.code.replace(/^\/\/ convex\/convex\.config\.ts\n/, ""));
}
