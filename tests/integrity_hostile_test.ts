/**
 * Hostile input, property-tested: random JSON-like values with odd keys
 * (`__proto__`, `$schema`, `_id`, `~x`, our own tag `~t`, reference-shaped
 * keys) and odd strings (`~`-prefixed, reference-shaped, including the
 * exact reference of another row's large value) in the user-controlled
 * fields of threads, resources, messages, workflow snapshots and scores,
 * and of the domains added since (server cache, background tasks, channels,
 * observational memory, schedules, logs, metrics, scores and feedback).
 * Every write round-trips exactly (or fails with a clear USER error) and
 * never changes another row.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCategory, MastraError } from "@mastra/core/error";
import type { MastraDBMessage, StorageThreadType } from "@mastra/core/memory";
import type { SaveScorePayload } from "@mastra/core/evals";
import { createTestStorage, inProcessClient } from "./helpers/backend.ts";
import { ConvexServerCache } from "../src/cache/serverCache.ts";
import { defineData } from "../convex/kit/codec.ts";

const at = new Date(1_700_000_000_000);

/** An object built with own-property definition, so `__proto__` is a plain key. */
function record(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) defineData(out, key, value);
  return out;
}

/** Generators of odd strings, values and objects, some quoting `victimRef` (another row's large value). */
function hostile(victimRef: string) {
  const oddKey = fc.oneof(
    fc.constantFrom("__proto__", "$schema", "_id", "~x", "~t", "~~t", "v", "", "constructor", victimRef, "~blob:k"),
    fc.string({ maxLength: 6 }),
  );
  const oddString = fc.oneof(
    fc.constantFrom(victimRef, "~blob:hello", "~", "~t", "~~blob:x", "\u0000", "€𝄞", '{"~t":"Date","v":1}'),
    fc.string({ maxLength: 8 }),
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", maxDepth: 3 },
      oddString,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 3 }),
      fc.array(fc.tuple(oddKey, tie("value")), { maxLength: 4 }).map(record),
    ),
  }));
  const object = fc.array(fc.tuple(oddKey, value), { maxLength: 5 }).map(record);
  return { oddString, value, object };
}

Deno.test("integrity: hostile values round-trip exactly in every user field and never touch another row", async () => {
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  const workflows = (await storage.getStore("workflows"))!;
  const scores = (await storage.getStore("scores"))!;

  // A victim with a large value, whose exact reference the generators use.
  const victimMetadata = { secret: "v".padEnd(300_000, "v") };
  const victim: StorageThreadType = {
    id: "victim",
    resourceId: "victim-r",
    title: "victim",
    metadata: victimMetadata,
    createdAt: at,
    updatedAt: at,
  };
  await memory.saveThread({ thread: victim });
  const victimRef: string = (await backend.run((ctx) => ctx.db.query("threads").first()))!.metadata!;
  assert.match(victimRef, /^~blob:/);

  const { oddString, value, object } = hostile(victimRef);

  let run = 0;
  const refused: string[] = [];
  await fc.assert(
    fc.asyncProperty(
      oddString,
      object,
      object,
      object,
      oddString,
      value,
      async (title, metadata, patch, extra, text, any) => {
        run++;
        const id = `t${run}`;
        try {
          // Threads: title, metadata, merge.
          const thread: StorageThreadType = {
            id,
            resourceId: `r${run}`,
            title,
            metadata,
            createdAt: at,
            updatedAt: at,
          };
          await memory.saveThread({ thread });
          assert.deepStrictEqual(await memory.getThreadById({ threadId: id }), thread);
          const updated = await memory.updateThread({ id, title: text, metadata: patch });
          const merged = record([...Object.entries(metadata), ...Object.entries(patch)]);
          assert.deepStrictEqual(updated.metadata, merged);
          assert.deepStrictEqual((await memory.getThreadById({ threadId: id }))!.metadata, merged);

          // Resources: working memory and metadata.
          await memory.saveResource({
            resource: { id: `r${run}`, workingMemory: text, metadata: extra, createdAt: at, updatedAt: at },
          });
          const resource = await memory.getResourceById({ resourceId: `r${run}` });
          assert.equal(resource!.workingMemory, text);
          assert.deepStrictEqual(resource!.metadata, extra);

          // Messages: text and content metadata.
          const message: MastraDBMessage = {
            id: `m${run}`,
            threadId: id,
            resourceId: `r${run}`,
            role: "user",
            createdAt: at,
            content: {
              format: 2,
              parts: [{ type: "text", text }],
              metadata: record([["any", any], ...Object.entries(extra)]),
            },
          };
          await memory.saveMessages({ messages: [message] });
          const { messages } = await memory.listMessagesById({ messageIds: [message.id] });
          assert.deepStrictEqual(messages[0].content, message.content);

          // Workflow snapshots: any value in the context.
          const snapshot = {
            runId: `run${run}`,
            status: "running",
            value: any,
            context: record([["step", { status: "success", output: metadata }], ...Object.entries(extra)]),
            serializedStepGraph: [],
            activePaths: [],
            activeStepsPath: {},
            suspendedPaths: {},
            resumeLabels: {},
            waitingPaths: {},
            timestamp: 1,
          };
          await workflows.persistWorkflowSnapshot({
            workflowName: "wf",
            runId: `run${run}`,
            snapshot: snapshot as never,
          });
          assert.deepStrictEqual(
            await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: `run${run}` }),
            snapshot,
          );

          // Scores: free-form fields.
          const score = {
            id: `s${run}`,
            scorerId: "scorer",
            entityId: "agent",
            entityType: "AGENT",
            runId: `run${run}`,
            source: "LIVE",
            score: 0.5,
            input: metadata,
            output: any,
            metadata: extra,
            scorer: { id: "scorer" },
            entity: { id: "agent" },
            createdAt: at,
            updatedAt: at,
          } as unknown as SaveScorePayload;
          await scores.saveScore(score);
          const stored = await scores.getScoreById({ id: `s${run}` });
          assert.deepStrictEqual(stored!.input, metadata);
          assert.deepStrictEqual(stored!.output, any);
          assert.deepStrictEqual(stored!.metadata, extra);

          await memory.deleteThread({ threadId: id });
          await workflows.deleteWorkflowRunById({ workflowName: "wf", runId: `run${run}` });
        } catch (error) {
          // The only acceptable failure is a clear USER error.
          if (!(error instanceof MastraError) || error.category !== ErrorCategory.USER) throw error;
          assert.match(error.message, /^ConvexStorage\.\w+ failed/);
          refused.push(error.message);
        }
        // Never another row: the victim is intact, its blob still committed and owned by it.
        assert.deepStrictEqual((await memory.getThreadById({ threadId: "victim" }))!.metadata, victimMetadata);
        const blob = await backend.run((ctx) =>
          ctx.db.query("blobs").withIndex("by_blobId", (q) => q.eq("blobId", victimRef.slice("~blob:".length))).unique()
        );
        assert.equal(blob?.state, "committed");
        assert.equal(blob?.owner, "threads:victim");
      },
    ),
    { numRuns: 40 },
  );
  assert.deepStrictEqual(await memory.getThreadById({ threadId: "victim" }), victim);
  // Every generated value is storable, so none should even have been refused.
  assert.deepEqual(refused, []);
});

Deno.test("integrity: hostile values round-trip exactly in the later domains and never touch another row", async () => {
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  const tasks = (await storage.getStore("backgroundTasks"))!;
  const channels = (await storage.getStore("channels"))!;
  const schedules = (await storage.getStore("schedules"))!;
  const observability = (await storage.getStore("observability"))!;
  const cache = new ConvexServerCache({ client: inProcessClient(backend) });
  const victimValue = { secret: "v".padEnd(300_000, "v") };
  await cache.set("victim", victimValue);
  const victimRef: string = (await backend.run((ctx) => ctx.db.query("cache_entries").first()))!.value as string;
  assert.match(victimRef, /^~blob:/);
  const { oddString, value, object } = hostile(victimRef);
  const refused: string[] = [];
  let run = 0;
  await fc.assert(
    fc.asyncProperty(oddString, object, object, value, async (text, first, second, any) => {
      run++;
      try {
        await cache.set(`k${run}`, any);
        assert.deepStrictEqual(await cache.get(`k${run}`), any);
        await cache.listPush(`l${run}`, first);
        await cache.listPush(`l${run}`, text);
        assert.deepStrictEqual(await cache.listFromTo(`l${run}`, 0), [first, text]);

        const task = {
          id: `task${run}`,
          status: "pending",
          toolName: text,
          toolCallId: `call${run}`,
          args: first,
          agentId: "agent",
          runId: "run",
          result: any,
          suspendPayload: second,
          createdAt: at,
          retryCount: 0,
          maxRetries: 1,
          timeoutMs: 1,
        } as never;
        await tasks.createTask(task);
        assert.deepStrictEqual(await tasks.getTask(`task${run}`), task);

        const installation = {
          id: `inst${run}`,
          platform: "slack",
          agentId: "agent",
          status: "active",
          data: first,
          error: text,
          createdAt: at,
          updatedAt: at,
        } as never;
        await channels.saveInstallation(installation);
        assert.deepStrictEqual(await channels.getInstallation(`inst${run}`), installation);

        const om = await memory.initializeObservationalMemory({
          threadId: null,
          resourceId: `om${run}`,
          scope: "resource",
          config: first,
        });
        await memory.updateActiveObservations({ id: om.id, observations: text, tokenCount: 1, lastObservedAt: at });
        const record = (await memory.getObservationalMemory(null, `om${run}`))!;
        assert.deepStrictEqual(record.config, first);
        assert.equal(record.activeObservations, text);

        const metadata = JSON.parse(JSON.stringify(second));
        await schedules.createSchedule({
          id: `schedule${run}`,
          target: { type: "workflow", workflowId: "wf" },
          cron: "* * * * *",
          status: "active",
          nextFireAt: 1,
          createdAt: 1,
          updatedAt: 1,
          metadata: second,
        } as never);
        assert.deepStrictEqual((await schedules.getSchedule(`schedule${run}`))!.metadata, metadata);

        await observability.batchCreateLogs({
          logs: [{ logId: `log${run}`, timestamp: at, level: "info", message: text, data: first, traceId: `tr${run}` }],
        } as never);
        const { logs } = await observability.listLogs({ filters: { traceId: `tr${run}` } } as never);
        assert.deepStrictEqual(logs[0].data, first);
        assert.equal(logs[0].message, text);
      } catch (error) {
        if (!(error instanceof MastraError) || error.category !== ErrorCategory.USER) throw error;
        assert.match(error.message, /^ConvexStorage\.\w+ failed/);
        refused.push(error.message);
      }
      assert.deepStrictEqual(await cache.get("victim"), victimValue);
      const blob = await backend.run((ctx) =>
        ctx.db.query("blobs").withIndex("by_blobId", (q) => q.eq("blobId", victimRef.slice("~blob:".length))).unique()
      );
      assert.equal(blob?.state, "committed");
    }),
    { numRuns: 25 },
  );
  assert.deepEqual(refused, []);
});
