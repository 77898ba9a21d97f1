/**
 * Mastra's HTTP API for datasets and experiments (the routes Studio's
 * Evaluation pages call), served by the deployer's own Hono app
 * (`createHonoServer`) over ConvexStorage on the in-process backend and,
 * for reference, over InMemoryStore: every request answers the same status
 * (200 for all of them) and the same body, apart from ids (renamed by
 * first appearance) and times. Both sessions run on the same fake clock
 * and id counter (`helpers/evalDeterminism.ts`).
 */
import assert from "node:assert/strict";
import { Mastra } from "@mastra/core/mastra";
import { InMemoryStore, type MastraCompositeStore } from "@mastra/core/storage";
import { createHonoServer } from "@mastra/deployer/server";
import { createTestStorage } from "./helpers/backend.ts";
import { clock, IdLabels, install, restore } from "./helpers/evalDeterminism.ts";

type App = { request: (path: string, init?: RequestInit) => Response | Promise<Response> };
type Call = { method: string; path: string; body?: unknown; status: number; json: unknown };

/** Replaces times and dates by a marker (they differ between runs). */
function withoutTimes(value: unknown): unknown {
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(value)) return "<time>";
  if (Array.isArray(value)) return value.map(withoutTimes);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = /At$|^timestamp$/.test(key) && item !== null ? "<time>" : withoutTimes(item);
  }
  return out;
}

/** Drives the routes Studio calls on one store; answers every call made, ids renamed. */
async function session(storage: MastraCompositeStore): Promise<Call[]> {
  const mastra = new Mastra({ storage, logger: false });
  const app = await createHonoServer(mastra, { tools: {} }) as unknown as App;
  const labels = new IdLabels();
  const calls: Call[] = [];
  const start = Date.UTC(2026, 5, 1);
  const call = async (method: string, path: string, body?: unknown) => {
    // Each request a second after the last, with ids from the same counter in both sessions
    // (rows of one batch tie on their creation time and are ordered by id).
    clock.now = start + calls.length * 1000;
    clock.nextId = (calls.length + 1) * 1_000_000;
    const response = await app.request(`/api${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    calls.push({
      method,
      path: labels.label(path.replace(/[0-9a-f-]{36}/g, (id) => labels.label(id))),
      body,
      status: response.status,
      json: labels.label(withoutTimes(json)),
    });
    return json;
  };
  await call("GET", "/experiments/review-summary");
  await call("GET", "/datasets?page=0&perPage=10");
  const dataset = await call("POST", "/datasets", { name: "Support tickets", description: "From the API" });
  const d = `/datasets/${dataset.id}`;
  await call("GET", d);
  await call("PATCH", d, { description: "Edited" });
  const first = await call("POST", `${d}/items`, {
    input: { question: "Where is my order?" },
    groundTruth: "Tracking",
  });
  await call("POST", `${d}/items/batch`, {
    items: [
      { input: { question: "Reset password?" }, groundTruth: "Reset link" },
      { input: { question: "Refund?" }, groundTruth: "Policy" },
      { input: { question: "Opening hours?" } },
    ],
  });
  await call("GET", `${d}/items?page=0&perPage=10`);
  await call("GET", `${d}/items?page=0&perPage=10&search=refund`);
  await call("GET", `${d}/items/${first.id}`);
  await call("PATCH", `${d}/items/${first.id}`, { input: { question: "Where is my parcel?" } });
  await call("GET", `${d}/items/${first.id}/history`);
  await call("GET", `${d}/items/${first.id}/versions/1`);
  await call("GET", `${d}/items?page=0&perPage=10&version=1`);
  await call("GET", `${d}/versions?page=0&perPage=10`);
  const experiment = await call("POST", `${d}/experiments`, { start: false, name: "External run", id: "ext-1" });
  const items = (await call("GET", `${d}/items?page=0&perPage=10`)).items as { id: string; input: unknown }[];
  const sorted = [...items].sort((a, b) => JSON.stringify(a.input) < JSON.stringify(b.input) ? -1 : 1);
  for (const [index, item] of sorted.entries()) {
    await call("POST", `${d}/experiments/${experiment.experimentId}/results`, {
      itemId: item.id,
      output: { answer: `answer ${index}` },
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
      completedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index, 500)).toISOString(),
    });
  }
  await call("POST", `${d}/experiments/${experiment.experimentId}/finalize`);
  await call("GET", "/experiments?page=0&perPage=10");
  await call("GET", `${d}/experiments?page=0&perPage=10`);
  await call("GET", `${d}/experiments/${experiment.experimentId}`);
  const results = await call("GET", `${d}/experiments/${experiment.experimentId}/results?page=0&perPage=10`);
  const ordered = [...results.results].sort((a: { input: unknown }, b: { input: unknown }) =>
    JSON.stringify(a.input) < JSON.stringify(b.input) ? -1 : 1
  );
  await call("PATCH", `${d}/experiments/${experiment.experimentId}/results/${ordered[0].id}`, {
    status: "needs-review",
    comment: "check this",
  });
  await call("PATCH", `${d}/experiments/${experiment.experimentId}/results/${ordered[1].id}`, { status: "reviewed" });
  await call("GET", "/experiments/review-summary");
  await call("GET", `${d}/experiments/${experiment.experimentId}/results?page=0&perPage=2`);
  await call("DELETE", `${d}/items/${sorted[3].id}`);
  await call("DELETE", `${d}/items/batch`, { itemIds: [sorted[2].id] });
  await call("GET", `${d}/items?page=0&perPage=10`);
  await call("DELETE", `${d}/experiments/${experiment.experimentId}`);
  await call("GET", "/experiments/review-summary");
  await call("DELETE", d);
  await call("GET", "/datasets?page=0&perPage=10");
  return calls;
}

Deno.test("the datasets and experiments routes Studio calls answer 200 with the same bodies as over InMemoryStore", async () => {
  install();
  let expected: Call[];
  let actual: Call[];
  try {
    expected = await session(new InMemoryStore());
    const { storage } = createTestStorage();
    actual = await session(storage);
  } finally {
    restore();
  }
  assert.equal(actual.length, expected.length);
  for (const [index, call] of actual.entries()) {
    const label = `${call.method} ${call.path}`;
    assert.equal(call.status, 200, `${label}: ${JSON.stringify(call.json)}`);
    assert.deepStrictEqual(call, expected[index], label);
  }
});
