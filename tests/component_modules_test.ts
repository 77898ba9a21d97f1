/**
 * The files generated from our component's module list are up to date
 * (`deno task gen:modules` rewrites them), and `ComponentApi` types the
 * functions the parent app may call as references into the component.
 */
import assert from "node:assert/strict";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import {
  appFacingModules,
  COMPONENT_API_FILE,
  componentApiSource,
  componentModulesSource,
  MODULES_FILE,
} from "../tasks/lib/component_modules.ts";
import type { ComponentApi } from "../convex/_generated/component.ts";

Deno.test("src/testing/modules.ts is up to date (deno task gen:modules)", () => {
  assert.equal(Deno.readTextFileSync(MODULES_FILE), componentModulesSource(), "run `deno task gen:modules`");
});

Deno.test("convex/_generated/component.ts is up to date (deno task gen:modules)", () => {
  assert.equal(Deno.readTextFileSync(COMPONENT_API_FILE), componentApiSource(), "run `deno task gen:modules`");
  assert.deepEqual(appFacingModules(), ["backgroundTasks/appReads.ts", "memory/appReads.ts", "workflows/appReads.ts"]);
});

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const assertType = <T extends true>(_: T): void => {};

Deno.test("ComponentApi: the app-facing queries, as references into the mounted component", () => {
  type Api = ComponentApi<"mastra">;
  type Thread = Api["memory"]["appReads"]["thread"];
  assertType<
    Thread extends FunctionReference<"query", "internal", { threadId: string }, unknown, "mastra"> ? true : false
  >(true);
  assertType<Equals<FunctionArgs<Thread>, { threadId: string }>>(true);
  assertType<FunctionReturnType<Thread> extends { id: string; title: string | null } | null ? true : false>(true);
  type Recent = Api["memory"]["appReads"]["recentMessages"];
  assertType<Equals<FunctionArgs<Recent>, { threadId: string; limit: number }>>(true);
  // Internal functions (writes, and every other read) are not part of it.
  assertType<"threads" extends keyof Api["memory"] ? false : true>(true);
  assertType<"runs" extends keyof Api["workflows"] ? false : true>(true);
  assertType<"tasks" extends keyof Api["backgroundTasks"] ? false : true>(true);
  assertType<"schedules" extends keyof Api ? false : true>(true);
  // The live UI's reads (paginated with Convex's paginationOpts).
  type Messages = Api["memory"]["appReads"]["messagesPage"];
  assertType<Equals<FunctionArgs<Messages>["threadId"], string>>(true);
  assertType<FunctionReturnType<Messages> extends { page: { id: string }[]; isDone: boolean } ? true : false>(true);
  type Waiting = Api["workflows"]["appReads"]["suspendedRuns"];
  assertType<FunctionReturnType<Waiting> extends { runId: string; steps: unknown }[] ? true : false>(true);
});
