/**
 * The README's "Live UI" in headless Chromium: the page (`app/src/Chat.tsx`
 * under a `ConvexReactClient`, bundled with esbuild) talks to the test
 * server's WebSocket sync endpoint over the in-process backend, through the
 * app's functions of `app/convex/mastraUi.ts` (`mastraAppQueries`). Checked
 * without reloading the page: messages saved through `ConvexStorage` and by
 * an agent run with a scripted model appear; "Older messages" pages back; a
 * workflow suspended for approval shows its prompt and disappears when
 * resumed; another user sees an authorization error and no messages.
 * Screenshots go to `.screenshots/live-ui-*.png` (gitignored).
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { Agent } from "@mastra/core/agent";
import { Mastra } from "@mastra/core";
import { Memory } from "@mastra/memory";
import { ConvexStorage } from "../../src/storage.ts";
import { startConvexHttpServer } from "../helpers/httpServer.ts";
import { liveUiModules, paymentWorkflow, scriptedModel } from "../helpers/liveUi.ts";
import { launchChromium, screenshot, skipReason } from "../helpers/chromium.ts";
import { bundlePage, servePage } from "./page_server.ts";

if (skipReason) console.log(`tests/browser/live_ui_test.ts: ${skipReason}`);

const texts = (page: Page, selector: string) =>
  page.$$eval(selector, (nodes) => nodes.map((node) => (node.textContent ?? "").trim()));

// Page-side conditions are strings: this file is type-checked with Deno's libs, without the DOM's.
const messageCount = (page: Page, n: number) =>
  page.waitForFunction(`document.querySelectorAll(".message").length === ${n}`);
const shows = (page: Page, text: string) =>
  page.waitForFunction(`document.body.innerText.includes(${JSON.stringify(text)})`);
const gone = (page: Page, selector: string) =>
  page.waitForFunction(`document.querySelector(${JSON.stringify(selector)}) === null`);

/** A screenshot `.screenshots/live-ui-<name>.png`. */
const shoot = (page: Page, name: string) => screenshot(page, `live-ui-${name}`);

Deno.test({
  name: "Live UI in Chromium: live messages, paging back, approval prompt, authorization error",
  ignore: skipReason !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const modules = liveUiModules();
    await using server = await startConvexHttpServer({ modules });
    const storage = new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey });
    const T0 = Date.UTC(2026, 4, 1);
    await storage.saveThread({ thread: { id: "trip", resourceId: "ada", title: "Trip to Lisbon", createdAt: T0 } });
    for (let i = 1; i <= 14; i++) {
      await storage.saveMessage({
        message: {
          id: `m${i}`,
          threadId: "trip",
          resourceId: "ada",
          type: i % 2 ? "user" : "assistant",
          content: `message ${i}`,
          createdAt: T0 + i * 1000,
        },
      });
    }
    await using pageServer = servePage(await bundlePage());
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 760, height: 900 });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      const open = async (page: Page, user: string) => {
        const token = await server.sync.userToken({ sub: user });
        const query = new URLSearchParams({ url: server.url, token, thread: "trip" });
        await page.goto(`${pageServer.url}?${query}`);
      };
      const messages = () => texts(page, ".message");

      // The newest page (10 of 14), oldest first.
      await open(page, "ada");
      await messageCount(page, 10);
      assert.deepEqual((await messages()).map((m) => m.replace(/^(user|assistant)\s*/, "")), [
        ...Array.from({ length: 10 }, (_, i) => `message ${i + 5}`),
      ]);
      await shoot(page, "1-first-page");

      // Paging back loads the older ones, above.
      await page.click("button");
      await messageCount(page, 14);
      assert.equal((await messages())[0], "user message 1");
      assert.equal(await page.$("button"), null, "no older messages left");
      await shoot(page, "2-paged-back");

      // Saved by the server side through ConvexStorage: appears without a reload.
      await storage.saveMessage({
        message: {
          id: "m15",
          threadId: "trip",
          resourceId: "ada",
          type: "user",
          content: "Book the hotel by the river, please.",
          createdAt: T0 + 15_000,
        },
      });
      await shows(page, "Book the hotel by the river");

      // An agent run with a scripted model: its user and assistant messages appear.
      const agent = new Agent({
        id: "travel",
        name: "travel",
        instructions: "You plan trips.",
        model: scriptedModel("Done: Hotel Rio, 3 nights, 420 EUR. Shall I pay?") as never,
        memory: new Memory({ storage: storage as never, options: { lastMessages: 5 } }) as never,
      });
      await agent.generate("Find a quiet hotel.", { memory: { thread: "trip", resource: "ada" } });
      await shows(page, "Hotel Rio, 3 nights");
      const afterAgent = await messages();
      assert.ok(afterAgent.some((m) => m === "user Find a quiet hotel."), afterAgent.join("\n"));
      assert.equal(afterAgent.at(-1), "assistant Done: Hotel Rio, 3 nights, 420 EUR. Shall I pay?");
      await shoot(page, "3-live-messages");

      // A background task running for the thread: "working" shows until it completes.
      const tasks = (await storage.getStore("backgroundTasks"))!;
      await tasks.createTask({
        id: "task-1",
        status: "running",
        toolName: "searchHotels",
        toolCallId: "call-1",
        agentId: "travel",
        threadId: "trip",
        resourceId: "ada",
        runId: "agent-run-1",
        args: { city: "Lisbon" },
        retryCount: 0,
        maxRetries: 0,
        timeoutMs: 60_000,
        createdAt: new Date(),
      });
      await page.waitForSelector(".working");
      await shoot(page, "3b-agent-working");
      await tasks.updateTask("task-1", { status: "completed", completedAt: new Date() });
      await gone(page, ".working");

      // A workflow suspended for approval: its prompt shows, and goes when resumed.
      const mastra = new Mastra({ storage, workflows: { payment: paymentWorkflow("Lisbon Hotels") }, logger: false });
      const run = await mastra.getWorkflow("payment").createRun({ resourceId: "ada" });
      assert.equal((await run.start({ inputData: { amount: 420 } })).status, "suspended");
      await page.waitForSelector(".approval");
      assert.deepEqual(await texts(page, ".approval"), ["Waiting for your approval: Pay 420 EUR to Lisbon Hotels?"]);
      await shoot(page, "4-approval-prompt");
      assert.equal((await run.resume({ step: "approve", resumeData: { approver: "ada" } })).status, "success");
      await gone(page, ".approval");
      await shoot(page, "5-approved");

      // Another user: an authorization error, and none of ada's messages.
      const intruder = await browser.newPage();
      await intruder.setViewport({ width: 760, height: 400 });
      await open(intruder, "bob");
      await intruder.waitForSelector(".error");
      assert.match((await texts(intruder, ".error"))[0], /^Not allowed to read thread "trip"$/);
      assert.deepEqual(await texts(intruder, ".message"), []);
      assert.ok(!String(await intruder.evaluate("document.body.innerText")).includes("message 1"));
      await shoot(intruder, "6-not-the-owner");

      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await storage.close();
    }
  },
});
