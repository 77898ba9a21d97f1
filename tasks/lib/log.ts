/**
 * Progress output shared by the tasks: one line per step, on stderr, so a
 * user (and the orchestration tests) can follow what happens. Colours only
 * on a terminal (and without `NO_COLOR`): piped output is plain text.
 * @module
 */
/** Whether stderr shows colours: a terminal, and `NO_COLOR` unset. Piped output stays plain text. */
export function useColor(): boolean {
  return Deno.stderr.isTerminal() && !Deno.env.get("NO_COLOR");
}

const paint = (code: string, text: string): string => (useColor() ? `\x1b[${code}m${text}\x1b[0m` : text);

function line(text: string): void {
  console.error(text);
}

/** A step begins: `==> title detail`. */
export function step(title: string, detail = ""): void {
  line(`${paint("1;32", `==> ${title}`)}${detail ? " " + detail : ""}`);
}

/** Extra information under the current step. */
export function info(...lines: string[]): void {
  for (const text of lines) line(paint("90", `    ${text}`));
}

/** Something succeeded. */
export function ok(title: string, detail = ""): void {
  line(`${paint("1;32", `ok  ${title}`)}${detail ? " " + detail : ""}`);
}

/** A warning that does not stop the task. */
export function warn(title: string, detail = ""): void {
  line(`${paint("1;33", `warning: ${title}`)}${detail ? " " + detail : ""}`);
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
  line(paint("1;31", `error: ${title}`));
  for (const text of explanation) line(paint("90", `    ${text}`));
  throw new TaskFailure(title);
}

/** Runs a task's main: prints unexpected errors and sets the exit code. */
export async function runTask(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof TaskFailure) Deno.exit(error.code);
    if (error instanceof Error && error.name === "MissingToolError") {
      line(paint("1;31", `error: ${error.message}`));
      Deno.exit(1);
    }
    line(paint("1;31", `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
    Deno.exit(1);
  }
}
