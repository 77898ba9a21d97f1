/**
 * Core's own experiment runner end to end on our store: a dataset of 50
 * items run against an agent with a scripted local model and a code
 * scorer, twice (the second run after editing items), through
 * `mastra.datasets` exactly as an app or Studio does. The experiments, their
 * results, the scores saved for them (linked by run id) and the review
 * summary equal those of the same runs over InMemoryStore, up to ids and
 * times.
 */
import assert from "node:assert/strict";
import { Agent } from "@mastra/core/agent";
import { Mastra } from "@mastra/core/mastra";
import { createScorer } from "@mastra/core/evals";
import { InMemoryStore, type MastraCompositeStore } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { dropUndefined } from "./helpers/normalize.ts";

type PromptMessage = { role: string; content: string | { type: string; text?: string }[] };

/** A scripted LanguageModelV2: answers "ANSWER: <the user's text in capitals>". */
function scriptedModel() {
  const respond = (prompt: PromptMessage[]): string => {
    const user = prompt.filter((m) => m.role === "user").map((m) =>
      typeof m.content === "string" ? m.content : m.content.map((part) => part.text ?? "").join("")
    ).join(" ");
    return `ANSWER: ${user.toUpperCase()}`;
  };
  const usage = { inputTokens: 5, outputTokens: 5, totalTokens: 10 };
  return {
    specificationVersion: "v2",
    provider: "scripted",
    modelId: "scripted-model",
    supportedUrls: {},
    doGenerate(options: { prompt: PromptMessage[] }) {
      return Promise.resolve({
        content: [{ type: "text", text: respond(options.prompt) }],
        finishReason: "stop",
        usage,
        warnings: [],
      });
    },
    doStream(options: { prompt: PromptMessage[] }) {
      const text = respond(options.prompt);
      return Promise.resolve({
        stream: new ReadableStream({
          start(controller) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            controller.enqueue({ type: "text-start", id: "t" });
            controller.enqueue({ type: "text-delta", id: "t", delta: text });
            controller.enqueue({ type: "text-end", id: "t" });
            controller.enqueue({ type: "finish", finishReason: "stop", usage });
            controller.close();
          },
        }),
      });
    },
  };
}

/** A code scorer: 1 when the answer contains the ground truth (in capitals), else 0. */
const containsTruth = createScorer({
  id: "contains-truth",
  name: "Contains truth",
  description: "Whether the answer contains the expected words",
}).generateScore(({ run }) => {
  // deno-lint-ignore no-explicit-any
  const output = JSON.stringify((run as any).output ?? "");
  // deno-lint-ignore no-explicit-any
  const truth = String((run as any).groundTruth ?? "").toUpperCase();
  return truth && output.includes(truth) ? 1 : 0;
});

/** Runs the scenario on `storage`; answers everything a user would look at, ids and times removed. */
async function scenario(storage: MastraCompositeStore) {
  const agent = new Agent({
    id: "echo",
    name: "echo",
    instructions: "Repeat the question in capitals.",
    model: scriptedModel() as never,
  });
  const mastra = new Mastra({ storage, agents: { echo: agent }, scorers: { containsTruth }, logger: false });
  const dataset = await mastra.datasets.create({ name: "Questions", description: "fifty questions" });
  const items = Array.from({ length: 50 }, (_, i) => ({
    input: `question ${i} about ${i % 3 === 0 ? "tea" : "coffee"}`,
    groundTruth: i % 2 === 0 ? `question ${i}` : "never said",
  }));
  await dataset.addItems({ items });
  const run = () =>
    dataset.startExperiment({
      targetType: "agent",
      targetId: "echo",
      scorers: [containsTruth],
      maxConcurrency: 1,
      name: "echo run",
    });
  const first = await run();
  // Edit ten items (their ground truth now always matches), then run again.
  const listed = await dataset.listItems({ page: 0, perPage: 100 });
  const all = "items" in listed ? listed.items : listed;
  // (chosen by content: items of one batch tie on createdAt and are ordered by their random ids)
  const index = (item: { input: unknown }) => Number(/question (\d+)/.exec(String(item.input))![1]);
  for (const item of all.filter((item) => index(item) < 10).sort((a, b) => index(a) - index(b))) {
    await dataset.updateItem({ itemId: item.id, groundTruth: String(item.input) });
  }
  const second = await run();
  const store = storage;
  const experiments = (await store.getStore("experiments"))!;
  const scores = (await store.getStore("scores"))!;
  const datasets = (await store.getStore("datasets"))!;
  const strip = (value: unknown): unknown => {
    if (value instanceof Date) return "<date>";
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== "object") return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (/(^id$|Id$|At$|^traceId$|^spanId$|duration|Ms$)/.test(key)) continue;
      out[key] = strip(item);
    }
    return out;
  };
  const runs = [];
  for (const summary of [first, second]) {
    const experiment = await experiments.getExperimentById({ id: summary.experimentId });
    const results = await experiments.listExperimentResults({
      experimentId: summary.experimentId,
      pagination: { page: 0, perPage: false },
    });
    const runScores = await scores.listScoresByRunId({
      runId: summary.experimentId,
      pagination: { page: 0, perPage: false },
    });
    runs.push({
      summary: strip({ ...summary, results: undefined }),
      experiment: strip(experiment),
      results: (strip(results.results) as { input: string }[]).sort((a, b) => a.input < b.input ? -1 : 1),
      total: results.pagination.total,
      scores: (strip(runScores.scores) as { input: string }[])
        .map((score) => ({ input: (score as unknown as { input: string }).input, score }))
        .sort((a, b) => a.input < b.input ? -1 : 1),
    });
  }
  const versions = await datasets.listDatasetVersions({ datasetId: dataset.id, pagination: { page: 0, perPage: 5 } });
  const summary = (await experiments.getReviewSummary()).map((row) => ({ ...row, experimentId: "<id>" }));
  return dropUndefined({ runs, versions: strip(versions), summary });
}

Deno.test("core's experiment runner over 50 items, twice: same experiments, results, scores and review summary as InMemoryStore", async () => {
  const expected = await scenario(new InMemoryStore());
  const { storage } = createTestStorage();
  const actual = await scenario(storage);
  assert.equal(actual.runs[0].total, 50);
  assert.equal(actual.runs[1].total, 50);
  assert.equal(actual.runs[0].scores.length, 50, "one score per item, saved with the experiment as run id");
  assert.deepStrictEqual(actual, expected);
});
