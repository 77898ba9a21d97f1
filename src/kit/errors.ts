/**
 * Turning failures into `MastraError`s that name the operation, the ids
 * involved and the cause.
 */
import { ErrorCategory, ErrorDomain, MastraError } from "@mastra/core/error";
import { CodecError } from "../../convex/kit/codec.ts";
import type { StorageErrorCode } from "../../convex/kit/errors.ts";

/** Scalar details attached to an error (ids, sizes, counts). */
export type ErrorDetails = Record<string, string | number | boolean | null>;

/** What a call is doing, for error messages: `saveThread` on `{ threadId }`. */
export type CallContext = { operation: string; details?: ErrorDetails };

/** `saveThread` -> `SAVE_THREAD`. */
function screamingCase(operation: string): string {
  return operation.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
}

/** Longest detail value quoted whole in a message; longer ones (a 10 KB id) are cut. */
const MAX_DETAIL_CHARS = 100;

function describeDetail(value: string | number | boolean | null): string {
  if (typeof value === "string" && value.length > MAX_DETAIL_CHARS) {
    return `${JSON.stringify(value.slice(0, MAX_DETAIL_CHARS))}... (${value.length} characters)`;
  }
  return JSON.stringify(value);
}

function describe(details: ErrorDetails | undefined): string {
  const entries = Object.entries(details ?? {}).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return "";
  return ` (${entries.map(([key, value]) => `${key}=${describeDetail(value)}`).join(", ")})`;
}

/** The storage error code a Convex function raised on purpose, if any. */
export function storageErrorCode(error: unknown): StorageErrorCode | undefined {
  const data = (error as { data?: unknown })?.data;
  if (data && typeof data === "object" && typeof (data as { code?: unknown }).code === "string") {
    return (data as { code: StorageErrorCode }).code;
  }
  return undefined;
}

/**
 * Longest cause quoted whole in a message; a longer one (quoting a 1 MiB
 * name, say) keeps its head and its tail, where the problem usually is.
 */
const MAX_CAUSE_CHARS = 1000;

function clip(text: string): string {
  if (text.length <= MAX_CAUSE_CHARS) return text;
  const half = MAX_CAUSE_CHARS / 2;
  return `${text.slice(0, half)} ...(${text.length - MAX_CAUSE_CHARS} characters cut)... ${text.slice(-half)}`;
}

/** An argument schema's refusal (zod, which core's argument schemas use): a mistake in the caller's input. */
function schemaIssues(error: unknown): string | undefined {
  if ((error as { name?: unknown })?.name !== "ZodError") return undefined;
  const issues = (error as { issues?: { path?: unknown[]; message?: string }[] }).issues;
  if (!Array.isArray(issues)) return undefined;
  return `invalid arguments: ${
    issues.map((issue) => `${(issue.path ?? []).map(String).join(".") || "(root)"}: ${issue.message}`).join("; ")
  }`;
}

function causeMessage(error: unknown): string {
  const issues = schemaIssues(error);
  if (issues !== undefined) return clip(issues);
  const data = (error as { data?: unknown })?.data;
  if (data && typeof data === "object" && typeof (data as { message?: unknown }).message === "string") {
    return clip((data as { message: string }).message);
  }
  if (error instanceof Error) return clip(error.message);
  return clip(String(error));
}

/** How Convex (and convex-test) report an argument that does not match a function's validator. */
const VALIDATOR_ERROR = /ArgumentValidationError|Validator error|does not match validator/;

/**
 * Wraps any failure of a storage call in a `MastraError`. Errors that are
 * already `MastraError`s pass through unchanged.
 */
export function storageError(context: CallContext, cause: unknown): MastraError {
  if (cause instanceof MastraError) return cause;
  const code = storageErrorCode(cause);
  // RECLAIMED: our upload was reclaimed before the write that uses it, a
  // retryable condition on our side, never the caller's fault.
  // A wrong argument type that slipped past our own checks and was refused
  // by Convex's argument validator is still the caller's mistake.
  const rejectedArgument = code === undefined && cause instanceof Error && VALIDATOR_ERROR.test(cause.message);
  const isUserError = (code !== undefined && code !== "RECLAIMED") || cause instanceof CodecError ||
    cause instanceof InvalidInputError || rejectedArgument || schemaIssues(cause) !== undefined;
  const reason = code ?? (isUserError ? "INVALID" : "FAILED");
  return new MastraError(
    {
      id: `CONVEX_STORAGE_${screamingCase(context.operation)}_${reason}` as Uppercase<string>,
      domain: ErrorDomain.STORAGE,
      category: isUserError
        ? ErrorCategory.USER
        : code === "RECLAIMED"
        ? ErrorCategory.SYSTEM
        : ErrorCategory.THIRD_PARTY,
      text: `ConvexStorage.${context.operation} failed${describe(context.details)}: ${causeMessage(cause)}`,
      details: { operation: context.operation, ...context.details },
    },
    cause,
  );
}

/** Thrown by our own argument checks before anything is sent. */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidInputError";
  }
}

/** True when `error` (or one of its causes) says an upload was reclaimed before its write (retryable). */
export function isReclaimed(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (storageErrorCode(current) === "RECLAIMED") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Attempts of one operation whose uploads keep being reclaimed before it gives up. */
export const RECLAIMED_ATTEMPTS = 3;

/**
 * Runs `fn`, turning any failure into a `MastraError` for `context`. When an
 * upload of `fn` was reclaimed before the write that uses it (nothing was
 * written then), `fn` runs again, uploading afresh.
 */
export async function withErrorContext<T>(context: CallContext, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt < RECLAIMED_ATTEMPTS && isReclaimed(error)) continue;
      throw storageError(context, error);
    }
  }
}

/**
 * What a multi-step write leaves behind when it stops part-way, for its
 * error: `state` says what may exist now, `remedy` how to finish or undo it.
 */
export type PartialWrite = { state: string; remedy: string };

/**
 * The error of a multi-step write that stopped after some of its steps may
 * have committed: the same error (id, category, cause) with a sentence
 * saying what may exist and how to finish it, and `details.partial = true`.
 */
export function partialWriteError(context: CallContext, cause: unknown, partial: PartialWrite): MastraError {
  return annotatedError(context, cause, `It stopped part-way: ${partial.state}; ${partial.remedy}`, { partial: true });
}

/**
 * The storage error of `cause` for `context` (same id, category and cause)
 * with `note` appended to its message and `details` added.
 */
export function annotatedError(context: CallContext, cause: unknown, note: string, details: ErrorDetails): MastraError {
  const error = storageError(context, cause);
  return new MastraError(
    {
      id: error.id as Uppercase<string>,
      domain: error.domain as ErrorDomain,
      category: error.category as ErrorCategory,
      text: `${error.message}. ${note}`,
      details: { ...error.details, ...details },
    },
    error.cause ?? cause,
  );
}

/** True when `error` (or one of its causes) is a lost answer or a dropped connection: the write may have been applied. */
export function isLostAnswer(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if ((current as { name?: unknown }).name === "TransientError") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
