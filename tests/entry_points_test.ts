/**
 * The entry points stay apart: the server entry (`mod.ts`) pulls in nothing
 * of React nor of the live-UI entries, and `@mastra/convex/react` /
 * `@mastra/convex/app` bundle for the browser without `@mastra/core` or any
 * Node module (only `react`, `convex` and our own files).
 */
import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../", import.meta.url);

Deno.test("mod.ts pulls in neither react nor the live-UI entries", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", fileURLToPath(new URL("mod.ts", ROOT))],
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: { specifier: string }[];
  };
  const specifiers = info.modules.map((module) => module.specifier);
  assert.ok(specifiers.some((s) => s.endsWith("/src/storage.ts")), "the graph was read");
  assert.deepEqual(specifiers.filter((s) => /\/src\/(react|app)\/|npm:\/?react/.test(s)), []);
});

Deno.test("@mastra/convex/react and /app bundle for the browser with react and convex only", async () => {
  try {
    const result = await esbuild.build({
      entryPoints: ["src/react/mod.ts", "src/app/mod.ts"].map((path) => fileURLToPath(new URL(path, ROOT))),
      bundle: true,
      write: false,
      outdir: "/virtual",
      format: "esm",
      platform: "browser",
      external: ["react", "react/*", "convex", "convex/*"],
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.some((path) => path.endsWith("src/react/hooks.ts")));
    assert.deepEqual(inputs.filter((path) => path.includes("node_modules") || path.startsWith("node:")), []);
    const imports = Object.values(result.metafile.outputs).flatMap((out) => out.imports.map((i) => i.path));
    assert.deepEqual([...new Set(imports.filter((path) => !path.startsWith("/virtual")))].sort(), [
      "convex/react",
      "convex/server",
      "convex/values",
      "react",
    ]);
  } finally {
    await esbuild.stop();
  }
});
