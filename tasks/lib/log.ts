/**
 * Progress output shared by the tasks: one line per step, on stderr, so a
 * user (and the orchestration tests) can follow what happens.
 * @module
 */
import $ from "dax";

/** A step begins: `==> title detail`. */
export function step(title: string, detail = ""): void {
  $.logStep(`==> ${title}`, detail);
}

/** Extra information under the current step. */
export function info(...lines: string[]): void {
  for (const line of lines) $.logLight(`    ${line}`);
}

/** Something succeeded. */
export function ok(title: string, detail = ""): void {
  $.logStep(`ok  ${title}`, detail);
}

/** A warning that does not stop the task. */
export function warn(title: string, detail = ""): void {
  $.logWarn(`warning: ${title}`, detail);
}

/** Thrown by {@link fail}; the task's main catches it and exits with `code`. */
export class TaskFailure extends Error {
  /** Exit code of the task. */
  readonly code: number;
  constructor(message: string, code = 1) {
    super(message);
    this.name = "TaskFailure";
    this.code = code;
  }
}

/** Prints `title` and the explanation lines as an error and stops the task. */
export function fail(title: string, ...explanation: string[]): never {
  $.logError(`error: ${title}`);
  for (const line of explanation) $.logLight(`    ${line}`);
  throw new TaskFailure(title);
}

/** Runs a task's main: prints unexpected errors and sets the exit code. */
export async function runTask(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof TaskFailure) Deno.exit(error.code);
    $.logError("error:", error instanceof Error ? (error.stack ?? error.message) : String(error));
    Deno.exit(1);
  }
}
