/**
 * Integrity class 2: `__proto__` keys survive outside Deno.
 *
 * Deno disables the `Object.prototype.__proto__` setter, so `out["__proto__"] = x`
 * behaves there like an ordinary key; under standard V8 semantics (Node, and
 * Convex's own runtime) it sets the prototype instead and the key is lost.
 * These tests bundle the codec and the server-side merges with esbuild and
 * run them under Node, where the setter is live.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The script run under Node: prints one JSON line of results. */
const SCRIPT = `
import { decodeValue, encodeValue, mergeEncodedRecords } from "${ROOT}convex/kit/codec.ts";
import { mergeContent } from "${ROOT}convex/memory/messageStore.ts";
import { mergeWorkflowStepResult } from "${ROOT}convex/workflows/snapshot.ts";

const setterIsLive = (() => { const o = {}; o["__proto__"] = { x: 1 }; return Object.keys(o).length === 0; })();
const hostile = JSON.parse('{"__proto__":{"a":1},"b":2}');
const encoded = encodeValue(hostile);
const decoded = decodeValue(encoded);
const nested = decodeValue(encodeValue({ deep: [JSON.parse('{"__proto__":{"polluted":true}}')] }));
const threadMerge = decodeValue(mergeEncodedRecords(
  encodeValue(JSON.parse('{"__proto__":{"old":1},"k":1}')),
  encodeValue(JSON.parse('{"__proto__":{"new":2}}')),
));
const content = mergeContent(
  { format: 2, parts: [], metadata: JSON.parse('{"__proto__":{"m":1}}') },
  JSON.parse('{"metadata":{"x":1},"__proto__":{"c":3}}'),
);
const snapshot = { runId: "r", context: {}, requestContext: {} };
const context = mergeWorkflowStepResult({ snapshot, stepId: "__proto__", result: { status: "success", output: 1 }, requestContext: {} });
const view = (value) => ({ keys: Object.keys(value), json: JSON.stringify(value), proto: Object.getPrototypeOf(value) === Object.prototype });
console.log(JSON.stringify({
  setterIsLive,
  encoded,
  decoded: view(decoded),
  decodedInner: decoded["__proto__"],
  nested: JSON.stringify(nested),
  threadMerge: view(threadMerge),
  content: JSON.stringify(content),
  context: view(context),
  polluted: ({}).polluted ?? null,
}));
`;

async function nodeCommand(): Promise<string[] | null> {
  for (const candidate of [["node"], ["npx", "-y", "node@22"]]) {
    try {
      const { success, stdout } = await new Deno.Command(candidate[0], {
        args: [...candidate.slice(1), "--version"],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (success && /^v\d+/.test(new TextDecoder().decode(stdout).trim())) return candidate;
    } catch {
      // not installed: try the next one
    }
  }
  return null;
}

async function runUnderNode(): Promise<Record<string, unknown> | null> {
  const node = await nodeCommand();
  if (node === null) {
    console.warn("SKIPPED: neither `node` nor `npx -y node@22` is available, the codec was not run under Node");
    return null;
  }
  const dir = await Deno.makeTempDir({ prefix: "integrity_node_" });
  try {
    await Deno.writeTextFile(`${dir}/entry.ts`, SCRIPT);
    const bundle = await new Deno.Command(`${ROOT}node_modules/.bin/esbuild`, {
      args: [
        `${dir}/entry.ts`,
        "--bundle",
        "--format=esm",
        "--platform=node",
        `--outfile=${dir}/out.mjs`,
        "--log-level=error",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(bundle.success, new TextDecoder().decode(bundle.stderr));
    const run = await new Deno.Command(node[0], {
      args: [...node.slice(1), `${dir}/out.mjs`],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    assert.ok(run.success, new TextDecoder().decode(run.stderr));
    return JSON.parse(new TextDecoder().decode(run.stdout).trim().split("\n").at(-1)!);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("integrity (node): __proto__ keys round-trip through the codec and every server-side merge", async () => {
  const out = await runUnderNode();
  if (out === null) return;
  assert.equal(out.setterIsLive, true, "Node must have the __proto__ setter, else this test proves nothing");
  assert.equal(out.encoded, '{"__proto__":{"a":1},"b":2}');
  assert.deepEqual(out.decoded, { keys: ["__proto__", "b"], json: '{"__proto__":{"a":1},"b":2}', proto: true });
  assert.deepEqual(out.decodedInner, { a: 1 });
  assert.equal(out.nested, '{"deep":[{"__proto__":{"polluted":true}}]}');
  assert.deepEqual(out.threadMerge, { keys: ["__proto__", "k"], json: '{"__proto__":{"new":2},"k":1}', proto: true });
  assert.equal(out.content, '{"format":2,"parts":[],"metadata":{"__proto__":{"m":1},"x":1},"__proto__":{"c":3}}');
  assert.deepEqual(out.context, {
    keys: ["__proto__"],
    json: '{"__proto__":{"status":"success","output":1}}',
    proto: true,
  });
  assert.equal(out.polluted, null);
});
