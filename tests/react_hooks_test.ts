/**
 * `@mastra/convex/react`'s hooks with Convex's real `ConvexReactClient`
 * (WebSocket to the test server's sync endpoint, a signed-in user) rendered
 * by React (react-test-renderer, no DOM needed): messages saved through
 * `ConvexStorage` appear without a re-render being asked for, `loadMore`
 * pages back to older messages, the agent activity shows a suspended
 * workflow's prompt and drops it once resumed, working memory follows
 * updates, and another user gets an `UNAUTHORIZED` error and no data.
 */
import assert from "node:assert/strict";
import { Component, createElement, type ReactNode } from "react";
import { act, create } from "react-test-renderer";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import { ConvexError } from "convex/values";
import { Mastra } from "@mastra/core";
import { ConvexStorage } from "../src/storage.ts";
import { startConvexHttpServer } from "./helpers/httpServer.ts";
import { liveUiModules, paymentWorkflow } from "./helpers/liveUi.ts";
import { api } from "./browser/app/convex/_generated/api.ts";
import {
  type AgentActivity,
  type LiveMessages,
  useAgentActivity,
  useMastraMessages,
  useMastraThreads,
  useWorkingMemory,
} from "../src/react/mod.ts";

// deno-lint-ignore no-explicit-any
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = false;

/** Everything the probe component saw on its latest render. */
type Seen = {
  messages?: LiveMessages;
  threads?: string[];
  activity?: AgentActivity;
  memory?: { resource: string | null; thread: string | null };
  error?: unknown;
};

function Probe({ seen, threadId }: { seen: Seen; threadId: string }): ReactNode {
  seen.messages = useMastraMessages(api.mastraUi.messages, threadId, { initialNumItems: 3 });
  seen.threads = useMastraThreads(api.mastraUi.threads, "ada").threads.map((t) => t.id);
  seen.activity = useAgentActivity(api.mastraUi.activity, threadId);
  seen.memory = useWorkingMemory(api.mastraUi.workingMemory, { resourceId: "ada", threadId });
  return null;
}

class Boundary extends Component<{ seen: Seen; children?: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override componentDidCatch(error: unknown): void {
    this.props.seen.error = error;
  }
  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}

async function until(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("hooks over ConvexReactClient: live messages, paging back, activity, working memory, authorization", async () => {
  const modules = liveUiModules();
  await using server = await startConvexHttpServer({ modules });
  const storage = new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey });
  await storage.saveThread({ thread: { id: "t1", resourceId: "ada", title: "Trip", createdAt: 1_000 } });
  for (let i = 0; i < 5; i++) {
    await storage.saveMessage({
      message: {
        id: `m${i}`,
        threadId: "t1",
        resourceId: "ada",
        type: "user",
        content: `hello ${i}`,
        createdAt: 2_000 + i,
      },
    });
  }

  const client = new ConvexReactClient(server.url, { logger: false });
  client.setAuth(() => server.sync.userToken({ sub: "ada" }));
  const seen: Seen = {};
  const tree = create(
    createElement(
      ConvexProvider,
      { client },
      createElement(Boundary, { seen }, createElement(Probe, { seen, threadId: "t1" })),
    ),
  );
  const ids = () => seen.messages?.messages.map((m) => m.id).join(",");

  // The newest page first, handed out oldest first, in Mastra's shape.
  await until(() => seen.messages?.status === "CanLoadMore", "the first page");
  assert.equal(ids(), "m2,m3,m4");
  const last = seen.messages!.messages[2];
  assert.equal(last.createdAt.getTime(), 2_004);
  assert.deepEqual(last.content.parts, [{ type: "text", text: "hello 4" }]);
  // Paging back.
  await act(() => seen.messages!.loadMore(3));
  await until(() => seen.messages?.status === "Exhausted", "older messages");
  assert.equal(ids(), "m0,m1,m2,m3,m4");
  // A message saved by the server side appears without anything asked of the UI.
  await storage.saveMessage({
    message: { id: "m5", threadId: "t1", resourceId: "ada", type: "user", content: "new", createdAt: 3_000 },
  });
  await until(() => ids() === "m0,m1,m2,m3,m4,m5", "the new message");
  assert.deepEqual(seen.threads, ["t1"]);

  // Activity: a suspended workflow's prompt, gone once resumed.
  assert.equal(seen.activity?.isWaitingForInput, false);
  const mastra = new Mastra({ storage, workflows: { payment: paymentWorkflow() }, logger: false });
  const run = await mastra.getWorkflow("payment").createRun({ resourceId: "ada" });
  await run.start({ inputData: { amount: 42 } });
  await until(() => seen.activity?.isWaitingForInput === true, "the suspended run");
  assert.deepEqual(seen.activity!.waiting[0].steps, [{ stepId: "approve", payload: { prompt: "Pay 42 EUR?" } }]);
  await run.resume({ step: "approve", resumeData: { approver: "ada" } });
  await until(() => seen.activity?.isWaitingForInput === false, "the resumed run to leave");

  // Working memory follows updates.
  const memory = (await storage.getStore("memory"))!;
  await memory.updateResource({ resourceId: "ada", workingMemory: "# Ada" });
  await until(() => seen.memory?.resource === "# Ada", "working memory");
  assert.equal(seen.error, undefined);

  // Another user: an UNAUTHORIZED error, no data.
  const other = new ConvexReactClient(server.url, { logger: false });
  other.setAuth(() => server.sync.userToken({ sub: "bob" }));
  const bob: Seen = {};
  const bobTree = create(
    createElement(
      ConvexProvider,
      { client: other },
      createElement(Boundary, { seen: bob }, createElement(Probe, { seen: bob, threadId: "t1" })),
    ),
  );
  await until(() => bob.error !== undefined, "bob's error");
  assert.ok(bob.error instanceof ConvexError, String(bob.error));
  assert.equal((bob.error.data as { code: string }).code, "UNAUTHORIZED");
  assert.deepEqual(bob.messages?.messages ?? [], []);

  await act(() => {
    tree.unmount();
    bobTree.unmount();
  });
  await client.close();
  await other.close();
  await storage.close();
});
