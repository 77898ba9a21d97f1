/**
 * Mastra Studio's agent editor over our store, in headless Chromium: an
 * agent is created in the editor (name, model, instructions), saved, edited
 * and saved again, and its version history shows both versions; the store
 * holds exactly what the editor saved. Screenshots are saved under
 * `.screenshots/` (gitignored) for a person to look at.
 *
 *   deno task test:studio
 */
import assert from "node:assert/strict";
import { MastraEditor } from "@mastra/editor";
import type { Page } from "puppeteer-core";
import {
  launchChromium,
  type PageProblems,
  screenshot,
  skipReason,
  waitForText,
  watchPage,
} from "../helpers/chromium.ts";
import { startStudio } from "../helpers/studio_server.ts";

/** Clicks the first element matching `selector` whose text is exactly `text` (waiting for it). */
async function clickText(page: Page, selector: string, text: string): Promise<void> {
  const find = (sel: string, wanted: string) => {
    // deno-lint-ignore no-explicit-any
    const doc = (globalThis as any).document;
    // deno-lint-ignore no-explicit-any
    return [...doc.querySelectorAll(sel)].find((el: any) => el.textContent?.trim() === wanted);
  };
  await page.waitForFunction(
    (sel: string, wanted: string, source: string) => Boolean(new Function(`return (${source})`)()(sel, wanted)),
    { timeout: 20_000 },
    selector,
    text,
    find.toString(),
  );
  await page.evaluate(
    (sel: string, wanted: string, source: string) => new Function(`return (${source})`)()(sel, wanted).click(),
    selector,
    text,
    find.toString(),
  );
}

/**
 * Failed requests and console errors that are ours: the machine is offline, so
 * Studio's provider logos from models.dev do not load; and an agent without
 * memory has no thread for Studio's chat page (404 over any store).
 */
function ourProblems(problems: PageProblems): string[] {
  const offline = (text: string) => text.includes("models.dev") || text.includes("ERR_NAME_NOT_RESOLVED");
  const noMemory = (text: string) => /GET 404 .*\/api\/memory\/threads\//.test(text);
  // The browser also logs each of those 404s as a console error, without the URL.
  let memory404s = problems.failedRequests.filter(noMemory).length;
  const logged404 = (text: string) => /status of 404/.test(text) && memory404s-- > 0;
  return [
    ...problems.failedRequests.filter((p) => !offline(p) && !noMemory(p)),
    ...problems.consoleErrors.filter((p) => !offline(p) && !logged404(p)),
  ];
}

Deno.test({
  name: "Studio's agent editor creates, saves and versions an agent in our store (headless Chromium)",
  ignore: skipReason !== null,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const studio = await startStudio({ config: { editor: new MastraEditor() } });
    const browser = await launchChromium();
    const page = await browser.newPage();
    const problems = watchPage(page);
    try {
      // Create: identity, model and instructions, then "Create agent".
      await page.goto(`${studio.url}/cms/agents/create`, { waitUntil: "networkidle2" });
      await page.waitForSelector("#input-name");
      await page.type("#input-name", "Browser Agent");
      await page.type("#input-description", "Made in Studio");
      await clickText(page, "button", "Select provider...");
      await clickText(page, "[role=option]", "OpenAI");
      await clickText(page, "button", "Select model...");
      await clickText(page, "[role=option]", "gpt-4.1");
      await screenshot(page, "editor-create-identity");
      await clickText(page, "button", "Instructions");
      await page.waitForSelector(".cm-content");
      await page.click(".cm-content");
      await page.keyboard.type("You are the browser agent, version one.");
      await screenshot(page, "editor-create-instructions");
      await clickText(page, "button", "Create agent");
      await page.waitForFunction(() => location.pathname.startsWith("/agents/browser-agent"), { timeout: 20_000 });

      const agents = (await studio.storage.getStore("agents"))!;
      const created = await agents.getByIdResolved("browser-agent");
      assert.equal(created?.name, "Browser Agent");
      assert.equal(created?.description, "Made in Studio");
      assert.deepEqual(created?.model, { provider: "openai", name: "gpt-4.1" });
      assert.match(JSON.stringify(created?.instructions), /version one/);

      // Edit: a new description, saved as a second version.
      await page.goto(`${studio.url}/cms/agents/browser-agent/edit`, { waitUntil: "networkidle2" });
      await waitForText(page, "Version history");
      await page.waitForSelector("#input-description");
      await page.click("#input-description", { clickCount: 3 });
      await page.keyboard.press("Backspace");
      await page.type("#input-description", "Edited in Studio");
      await clickText(page, "button", "Save");
      await page.waitForFunction(
        // deno-lint-ignore no-explicit-any
        () => /v2/.test((globalThis as any).document.body.innerText.split("Version history")[1] ?? ""),
        { timeout: 20_000 },
      );
      await screenshot(page, "editor-version-history");

      // Both versions are in the history, and in our store.
      const history = await page.evaluate(() =>
        // deno-lint-ignore no-explicit-any
        (globalThis as any).document.body.innerText.split("Version history")[1] ?? ""
      );
      assert.match(history, /v2/);
      assert.match(history, /v1/);
      const { versions, total } = await agents.listVersions({ agentId: "browser-agent" });
      assert.equal(total, 2);
      assert.deepEqual(versions.map((version) => version.versionNumber), [2, 1]);
      assert.equal(versions[0].description, "Edited in Studio");
      assert.equal(versions[1].description, "Made in Studio");
      const draft = await agents.getByIdResolved("browser-agent", { status: "draft" });
      assert.equal(draft?.description, "Edited in Studio");
      assert.deepEqual(ourProblems(problems), []);
    } finally {
      await browser.close();
      await studio.close();
    }
  },
});
