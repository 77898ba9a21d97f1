/**
 * Runs the README's example code blocks ("Basic operations" through
 * "Real-time subscriptions") exactly as written, in order, against a
 * `storage` on the in-process backend, and checks what they print.
 */
import assert from "node:assert/strict";
import { ConvexStorage } from "../mod.ts";
import { createBackend } from "./helpers/backend.ts";
import { reactiveInProcessClient } from "./helpers/reactive.ts";

const README = new URL("../README.md", import.meta.url);
const FIRST = "## Basic operations";
const LAST = "## How it works";

/** The ```ts blocks of the README between two headings. */
function exampleBlocks(markdown: string): string[] {
  const start = markdown.indexOf(FIRST);
  const end = markdown.indexOf(LAST);
  assert.ok(start >= 0 && end > start, "README sections are in place");
  return [...markdown.slice(start, end).matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
}

Deno.test("the README's examples run as written", async () => {
  const blocks = exampleBlocks(await Deno.readTextFile(README));
  assert.ok(blocks.length >= 4, `found ${blocks.length} example blocks`);
  const client = reactiveInProcessClient(createBackend());
  const storage = new ConvexStorage({ client });
  const printed: string[] = [];
  const console = {
    log: (...args: unknown[]) => printed.push(args.map((a) => typeof a === "string" ? a : JSON.stringify(a)).join(" ")),
    error: (...args: unknown[]) => printed.push(`ERROR ${args.join(" ")}`),
  };
  // The blocks are plain JavaScript apart from their fence; run them as one async function body.
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const run = new AsyncFunction("storage", "console", blocks.join("\n"));
  await run(storage, console);
  await client.settled();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await client.settled();

  assert.ok(printed.includes("Trip to Lisbon"), printed.join("\n"));
  assert.ok(
    printed.includes(
      JSON.stringify(["user: Find me a flight to Lisbon in May.", "assistant: Here are three options for May."]),
    ),
  );
  assert.ok(printed.includes(JSON.stringify({ "agent.generate": 420 })));
  assert.ok(printed.includes("2 false 2"), "getMessagesPaginated printed total, hasMore, count");
  assert.ok(printed.includes(`1 1 ${JSON.stringify(["suspended"])}`), "traces, evals and runs filtered");
  assert.ok(printed.includes("thread-1 has 3 recent messages"), "watchMessages saw the new message");
  assert.ok(printed.includes("run status: suspended"));
  assert.ok(!printed.some((line) => line.startsWith("ERROR")), printed.join("\n"));
});
