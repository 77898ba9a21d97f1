/** Unit tests of the task helpers: dotenv files, admin-key parsing, health polling, package names. */
import assert from "node:assert/strict";
import { packageName } from "../tasks/build_npm.ts";
import { convexCli, importMapRange } from "../tasks/lib/convex_project.ts";
import { parseAdminKey, waitForHealthy } from "../tasks/lib/docker.ts";
import { parseDotenv, splitCommand, updateDotenv } from "../tasks/lib/env.ts";
import { closedPort, fakeBackend } from "./tasks_fakes.ts";

Deno.test("parseDotenv: comments, export, quotes, inline comments", () => {
  assert.deepEqual(
    parseDotenv(
      "# c\nA=1\nexport B = two \nC=\"x y\"\nD='z # not comment'\nE=v # comment\nbad line\nF=a|b\n",
    ),
    { A: "1", B: "two", C: "x y", D: "z # not comment", E: "v", F: "a|b" },
  );
});

Deno.test("updateDotenv: replaces in place, appends new keys, keeps other lines", () => {
  const path = Deno.makeTempFileSync();
  try {
    Deno.writeTextFileSync(path, "# mine\nX=1\nCONVEX_URL=old\n");
    updateDotenv(path, { CONVEX_URL: "http://127.0.0.1:3210", KEY: "a|b c" });
    assert.equal(
      Deno.readTextFileSync(path),
      '# mine\nX=1\nCONVEX_URL=http://127.0.0.1:3210\nKEY="a|b c"\n',
    );
    assert.deepEqual(parseDotenv(Deno.readTextFileSync(path)).KEY, "a|b c");
    Deno.removeSync(path);
    updateDotenv(path, { A: "1" }, "header");
    assert.equal(Deno.readTextFileSync(path), "# header\nA=1\n");
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("parseAdminKey: the key line of generate_admin_key.sh", () => {
  assert.equal(parseAdminKey("Admin key:\nconvex-self-hosted|01ab23\n"), "convex-self-hosted|01ab23");
  assert.equal(parseAdminKey("convex-self-hosted|01ab23"), "convex-self-hosted|01ab23");
  assert.equal(parseAdminKey("error: no instance secret\n"), undefined);
});

Deno.test("waitForHealthy: true as soon as /version answers, false after the timeout", async () => {
  const backend = fakeBackend();
  try {
    assert.equal(await waitForHealthy(`http://127.0.0.1:${backend.port}/version`, 2000, 50), true);
  } finally {
    await backend.stop();
  }
  const started = Date.now();
  assert.equal(await waitForHealthy(`http://127.0.0.1:${closedPort()}/version`, 300, 50), false);
  assert.ok(Date.now() - started < 5000);
});

Deno.test("CLI command and import-map ranges", () => {
  assert.deepEqual(convexCli({}), ["npx", "convex"]);
  assert.deepEqual(convexCli({ CONVEX_CLI: " node  ./cli.js " }), ["node", "./cli.js"]);
  assert.deepEqual(splitCommand("deno task demo"), ["deno", "task", "demo"]);
  assert.match(importMapRange("convex"), /^[\^~]?\d/);
});

Deno.test("packageName", () => {
  assert.equal(packageName("@mastra/core/storage"), "@mastra/core");
  assert.equal(packageName("convex/server"), "convex");
  assert.equal(packageName("./x.js"), undefined);
  assert.equal(packageName("node:fs"), undefined);
});
