/**
 * Mastra Studio's Evaluation pages over our store, in headless Chromium:
 * the Overview, Datasets (a dataset created and items added through the
 * UI), Experiments and Review Queue pages render with the data the store
 * holds and log no failed request and no console error. Screenshots are
 * saved under `.screenshots/` (gitignored) for a person to look at.
 *
 *   deno task test:studio
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import {
  launchChromium,
  type PageProblems,
  screenshot,
  skipReason,
  waitForText,
  watchPage,
} from "../helpers/chromium.ts";
import { startStudio, type StudioServer } from "../helpers/studio_server.ts";

/** Seeds a dataset with items, and an experiment on it with results waiting for review. */
async function seed(studio: StudioServer): Promise<void> {
  const datasets = (await studio.storage.getStore("datasets"))!;
  const experiments = (await studio.storage.getStore("experiments"))!;
  const dataset = await datasets.createDataset({ id: "support", name: "Support tickets", description: "Seeded" });
  const items = await datasets.batchInsertItems({
    datasetId: dataset.id,
    items: [
      { input: { question: "Where is my order?" }, groundTruth: "Tracking link" },
      { input: { question: "How do I reset my password?" }, groundTruth: "Reset link" },
      { input: { question: "Can I get a refund?" }, groundTruth: "Refund policy" },
    ],
  });
  const experiment = await experiments.createExperiment({
    id: "exp-support-1",
    name: "Support agent v2",
    datasetId: dataset.id,
    datasetVersion: 1,
    targetType: "agent",
    targetId: "support-agent",
    totalItems: items.length,
  });
  const started = new Date(Date.now() - 60_000);
  for (const [index, item] of items.entries()) {
    await experiments.upsertExperimentResult({
      experimentId: experiment.id,
      itemId: item.id,
      itemDatasetVersion: 1,
      input: item.input,
      output: { answer: `Answer ${index + 1}` },
      groundTruth: item.groundTruth,
      error: null,
      startedAt: new Date(started.getTime() + index * 1000),
      completedAt: new Date(started.getTime() + index * 1000 + 500),
      retryCount: 0,
      status: index === 0 ? "complete" : "needs-review",
    });
  }
  await experiments.updateExperiment({
    id: experiment.id,
    status: "completed",
    succeededCount: items.length,
    startedAt: started,
    completedAt: new Date(),
  });
}

/** Clicks the first button or link whose text is exactly `text` (waiting for it to appear). */
async function clickText(page: Page, text: string): Promise<void> {
  const find = (wanted: string) => {
    // deno-lint-ignore no-explicit-any
    const doc = (globalThis as any).document;
    // deno-lint-ignore no-explicit-any
    return [...doc.querySelectorAll("button, a")].find((el: any) => el.textContent?.trim() === wanted);
  };
  await page.waitForFunction(
    (wanted: string, source: string) => Boolean(new Function(`return (${source})`)()(wanted)),
    {
      timeout: 20_000,
    },
    text,
    find.toString(),
  );
  await page.evaluate(
    (wanted: string, source: string) => new Function(`return (${source})`)()(wanted).click(),
    text,
    find.toString(),
  );
}

/**
 * Types JSON into the `index`-th code editor of the page (CodeMirror), replacing its content. The editor is
 * focused from the page (a click could land while the item panel still slides in).
 */
async function typeInEditor(page: Page, index: number, json: string): Promise<void> {
  await page.waitForFunction(
    // deno-lint-ignore no-explicit-any
    (i: number) => (globalThis as any).document.querySelectorAll(".cm-content").length > i,
    { timeout: 20_000 },
    index,
  );
  // deno-lint-ignore no-explicit-any
  await page.evaluate((i: number) => (globalThis as any).document.querySelectorAll(".cm-content")[i].focus(), index);
  await page.keyboard.down("Control");
  await page.keyboard.press("KeyA");
  await page.keyboard.up("Control");
  await page.keyboard.press("Backspace");
  await page.keyboard.sendCharacter(json);
}

function assertClean(problems: PageProblems, where: string): void {
  assert.deepEqual(problems.failedRequests, [], `${where}: failed requests`);
  assert.deepEqual(problems.consoleErrors, [], `${where}: console errors`);
}

Deno.test({
  name: "Studio's Evaluation pages render our datasets and experiments (headless Chromium)",
  ignore: skipReason !== null,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const studio = await startStudio();
    const browser = await launchChromium();
    const page = await browser.newPage();
    try {
      await seed(studio);
      const problems = watchPage(page);

      // Evaluation overview: the counts come from our datasets and experiments domains.
      await page.goto(`${studio.url}/evaluation`, { waitUntil: "networkidle2" });
      await waitForText(page, "Total Datasets");
      await waitForText(page, "Experiments by Dataset");
      // The review summary (counters of our experiments domain): two results need review.
      await waitForText(page, "items pending review");
      await page.waitForFunction(() =>
        // deno-lint-ignore no-explicit-any
        !(globalThis as any).document.body.innerText.includes("Failed to load")
      );
      await screenshot(page, "evaluation-overview");
      assertClean(problems, "overview");

      // Datasets: the seeded one is listed; one more is created and filled through the UI.
      await page.goto(`${studio.url}/datasets`, { waitUntil: "networkidle2" });
      await waitForText(page, "Support tickets");
      await screenshot(page, "datasets-list");
      await clickText(page, "New dataset");
      await page.waitForSelector("input[placeholder='Enter dataset name']");
      await page.type("input[placeholder='Enter dataset name']", "Weather questions");
      await page.type("input[placeholder='Enter dataset description (optional)']", "Created in the browser");
      await clickText(page, "Create Dataset");
      await page.waitForFunction(() => /\/datasets\/[^/]+$/.test(location.pathname), { timeout: 20_000 });
      for (const city of ["Paris", "Lisbon"]) {
        await clickText(page, "New item");
        await page.waitForSelector(".cm-content");
        await typeInEditor(page, 0, JSON.stringify({ city, question: `Weather in ${city}?` }));
        await typeInEditor(page, 1, JSON.stringify(`Sunny in ${city}`));
        await clickText(page, "Add Item");
        await waitForText(page, `Weather in ${city}?`);
      }
      await screenshot(page, "dataset-items");
      // The id from the URL of the page that shows the items (read once they show: on a slow machine the URL right
      // after "Create Dataset" can still be an intermediate route).
      const datasetId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
      const datasets = (await studio.storage.getStore("datasets"))!;
      const created = await datasets.getDatasetById({ id: datasetId });
      assert.equal(created?.name, "Weather questions");
      const listed = await datasets.listItems({ datasetId, pagination: { page: 0, perPage: 10 } });
      assert.deepEqual(listed.items.map((item) => (item.input as { city: string }).city).sort(), ["Lisbon", "Paris"]);
      assert.equal(created?.version, 2, "each item added through the UI bumped the dataset's version once");
      assertClean(problems, "datasets");

      // Experiments: the seeded experiment is listed.
      await page.goto(`${studio.url}/experiments`, { waitUntil: "networkidle2" });
      await waitForText(page, "Support agent v2");
      await screenshot(page, "experiments");
      assertClean(problems, "experiments");

      // Review queue: the two results waiting for review (the complete one is not listed).
      await page.goto(`${studio.url}/experiments/review-queue`, { waitUntil: "networkidle2" });
      await waitForText(page, "How do I reset my password?");
      await waitForText(page, "Can I get a refund?");
      const queue: string = await page.evaluate(() =>
        // deno-lint-ignore no-explicit-any
        (globalThis as any).document.body.innerText
      );
      assert.ok(!queue.includes("Where is my order?"), "a complete result is not in the review queue");
      await screenshot(page, "review-queue");
      assertClean(problems, "review queue");
    } catch (error) {
      await screenshot(page, "failure").catch(() => {});
      throw error;
    } finally {
      await browser.close();
      await studio.close();
    }
  },
});

if (skipReason !== null) console.log(skipReason);
