/**
 * Observational memory operations of the memory domain (see
 * `convex/memory/observationalMemory.ts`). Every method is one mutation (or
 * one query, plus chunk reads for large values): the client never reads a
 * record to write it back.
 */
import type {
  CreateObservationalMemoryInput,
  CreateReflectionGenerationInput,
  ObservationalMemoryHistoryOptions,
  ObservationalMemoryRecord,
  SwapBufferedReflectionToActiveInput,
  SwapBufferedToActiveInput,
  SwapBufferedToActiveResult,
  UpdateActiveObservationsInput,
  UpdateBufferedObservationsInput,
  UpdateBufferedReflectionInput,
  UpdateObservationalMemoryConfigInput,
} from "../coreTypes.ts";
import {
  type ObservationalMemoryRow,
  OM_LARGE_FIELDS,
  omKey,
  type OmLargeField,
  type ReturnedRecord,
} from "../../convex/memory/observationalMemoryRows.ts";
import { decodeValue, encodeValue } from "../kit/codec.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { repeatUntilDone } from "../kit/multiStep.ts";
import { resolveFresh, sweepBlobs } from "../kit/largeValues.ts";
import { requireId, requireKey, requireRecord } from "../kit/validate.ts";

const FIELDS = [...OM_LARGE_FIELDS];

function requireNumber(value: unknown, name: string): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new InvalidInputError(`${name} must be a number, got ${String(value)}`);
  }
  return value;
}

function requireBoolean(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") throw new InvalidInputError(`${name} must be a boolean, got ${String(value)}`);
  return value;
}

function requireCount(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function requireText(value: unknown, name: string): string {
  if (typeof value !== "string") throw new InvalidInputError(`${name} must be a string, got ${typeof value}`);
  return value;
}

/**
 * A config as a JSON store keeps it: functions and symbols dropped (Mastra
 * puts the observer's model object, methods and all, into the config),
 * class instances reduced to their own enumerable fields; dates, bytes and
 * the rest kept for the codec.
 */
export function storableConfig(value: unknown, seen: Set<object> = new Set()): unknown {
  if (typeof value === "function" || typeof value === "symbol") return undefined;
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date || value instanceof Uint8Array || value instanceof ArrayBuffer) return value;
  if (seen.has(value)) throw new InvalidInputError("config must not contain cycles");
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item) =>
        typeof item === "function" || typeof item === "symbol" ? null : storableConfig(item, seen)
      );
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === "function" || typeof item === "symbol") continue;
      out[key] = storableConfig(item, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** The list key of `(threadId, resourceId)`, after checking both. */
function keyOf(threadId: unknown, resourceId: unknown): string {
  if (threadId !== null && threadId !== undefined) requireKey(threadId, "threadId");
  requireKey(resourceId, "resourceId");
  return omKey(threadId as string | null, resourceId as string);
}

/** Turns a stored row (large values already resolved) into Mastra's record. */
function rowToRecord(row: ObservationalMemoryRow, values?: ReturnedRecord["values"]): ObservationalMemoryRecord {
  const record = decodeValue(values?.rest ?? row.rest) as Record<string, unknown>;
  for (const field of FIELDS) {
    const stored = values?.[field] ?? row[field];
    if (stored !== undefined) record[field] = decodeValue(stored);
  }
  return record as unknown as ObservationalMemoryRecord;
}

/** Resolves the large values of a row read a moment ago (re-reading it if one moved meanwhile). */
async function resolveRow(
  ctx: DomainContext,
  row: ObservationalMemoryRow,
  operation: string,
): Promise<ObservationalMemoryRecord | null> {
  const resolved = await resolveFresh(
    ctx,
    row,
    FIELDS as (keyof ObservationalMemoryRow & OmLargeField)[],
    operation,
    () =>
      ctx.transport.query<ObservationalMemoryRow | null>("memory/observationalMemory:getById", { id: row.id }, {
        operation,
        details: { id: row.id },
      }),
  );
  return resolved ? rowToRecord(resolved) : null;
}

/** A record a mutation returned: by value when small, else resolved from its row. */
async function fromReturned(
  ctx: DomainContext,
  returned: ReturnedRecord,
  operation: string,
): Promise<ObservationalMemoryRecord> {
  if (returned.values) return rowToRecord(returned.row, returned.values);
  const record = await resolveRow(ctx, returned.row, operation);
  if (!record) throw new Error(`Observational memory record ${returned.row.id} vanished while being read`);
  return record;
}

/** Runs one record mutation and sweeps the large values it released. */
async function mutate<T extends object>(
  ctx: DomainContext,
  path: `${string}:${string}`,
  args: Record<string, unknown>,
  operation: string,
  details: Record<string, string | number | boolean | null>,
  idempotent: boolean,
): Promise<T> {
  const result = await ctx.transport.mutation<T>(path, { ...args, now: ctx.now() }, {
    operation,
    details,
    idempotent,
  });
  if ((result as { released?: boolean }).released) await sweepBlobs(ctx, operation);
  return result;
}

/** The current record of a thread (or, with `threadId: null`, of a resource), or `null`. */
export function getObservationalMemory(
  ctx: DomainContext,
  threadId: string | null,
  resourceId: string,
): Promise<ObservationalMemoryRecord | null> {
  const operation = "getObservationalMemory";
  const details = { threadId: typeof threadId === "string" ? threadId : null, resourceId: String(resourceId) };
  return withErrorContext({ operation, details }, async () => {
    const key = keyOf(threadId, resourceId);
    const row = await ctx.transport.query<ObservationalMemoryRow | null>("memory/observationalMemory:get", { key }, {
      operation,
      details,
    });
    return row ? await resolveRow(ctx, row, operation) : null;
  });
}

/** Previous generations, newest first, filtered by dates, offset and limited, in bounded calls. */
export function getObservationalMemoryHistory(
  ctx: DomainContext,
  threadId: string | null,
  resourceId: string,
  limit?: number,
  options?: ObservationalMemoryHistoryOptions,
): Promise<ObservationalMemoryRecord[]> {
  const operation = "getObservationalMemoryHistory";
  const details = { threadId: typeof threadId === "string" ? threadId : null, resourceId: String(resourceId) };
  return withErrorContext({ operation, details }, async () => {
    const key = keyOf(threadId, resourceId);
    const take = limit == null ? undefined : requireCount(limit, "limit");
    const skip = options?.offset == null ? 0 : requireCount(options.offset, "options.offset");
    const from = options?.from == null ? undefined : toTime(options.from, "options.from");
    const to = options?.to == null ? undefined : toTime(options.to, "options.to");
    const rows: ObservationalMemoryRow[] = [];
    let state: { skip: number; take?: number; after?: { rank: number; id: string } } | null = { skip, take };
    while (state) {
      const page: {
        rows: ObservationalMemoryRow[];
        next: { skip: number; take?: number; after: { rank: number; id: string } } | null;
      } = await ctx.transport.query("memory/observationalMemory:history", {
        key,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        skip: state.skip,
        ...(state.take !== undefined ? { take: state.take } : {}),
        ...(state.after !== undefined ? { after: state.after } : {}),
      }, { operation, details });
      rows.push(...page.rows);
      state = page.next;
    }
    const records: ObservationalMemoryRecord[] = [];
    for (const row of rows) {
      const record = await resolveRow(ctx, row, operation);
      if (record) records.push(record);
    }
    return records;
  });
}

function toTime(value: unknown, name: string): number {
  const time = value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(time)) throw new InvalidInputError(`${name} must be a valid Date`);
  return time;
}

/** Creates the first record of a thread or resource. */
export function initializeObservationalMemory(
  ctx: DomainContext,
  input: CreateObservationalMemoryInput,
): Promise<ObservationalMemoryRecord> {
  const operation = "initializeObservationalMemory";
  const details = {
    threadId: typeof input?.threadId === "string" ? input.threadId : null,
    resourceId: String(input?.resourceId),
  };
  return withErrorContext({ operation, details }, async () => {
    requireRecord(input, "input");
    keyOf(input.threadId, input.resourceId);
    requireText(input.scope, "scope");
    const args: Record<string, unknown> = {
      id: crypto.randomUUID(),
      threadId: input.threadId ?? null,
      resourceId: input.resourceId,
      scope: input.scope,
      config: encodeValue(storableConfig(input.config)),
    };
    if (input.observedTimezone !== undefined) args.observedTimezone = requireText(input.observedTimezone, "timezone");
    const returned = await mutate<ReturnedRecord>(
      ctx,
      "memory/observationalMemory:initialize",
      args,
      operation,
      details,
      true,
    );
    return await fromReturned(ctx, returned, operation);
  });
}

/** Replaces the active observations (synchronous observation). */
export function updateActiveObservations(ctx: DomainContext, input: UpdateActiveObservationsInput): Promise<void> {
  const operation = "updateActiveObservations";
  const details = { id: String(input?.id) };
  return withErrorContext({ operation, details }, async () => {
    requireId(input?.id, "id");
    const args: Record<string, unknown> = {
      id: input.id,
      observations: encodeValue(requireText(input.observations, "observations")),
      tokenCount: requireNumber(input.tokenCount, "tokenCount"),
      lastObservedAt: encodeValue(input.lastObservedAt),
    };
    if (input.observedMessageIds) args.observedMessageIds = encodeValue(input.observedMessageIds);
    await mutate(ctx, "memory/observationalMemory:updateActive", args, operation, details, false);
  });
}

/** Appends a buffered observation chunk (once per `cycleId`). */
export function updateBufferedObservations(ctx: DomainContext, input: UpdateBufferedObservationsInput): Promise<void> {
  const operation = "updateBufferedObservations";
  const details = { id: String(input?.id) };
  return withErrorContext({ operation, details }, async () => {
    requireId(input?.id, "id");
    const chunk = requireRecord(input.chunk, "chunk");
    requireText(chunk.observations, "chunk.observations");
    if (!Array.isArray(chunk.messageIds)) throw new InvalidInputError("chunk.messageIds must be an array");
    const args: Record<string, unknown> = {
      id: input.id,
      chunkId: `ombuf-${crypto.randomUUID()}`,
      chunk: encodeValue({
        cycleId: chunk.cycleId,
        observations: chunk.observations,
        tokenCount: chunk.tokenCount,
        messageIds: chunk.messageIds,
        messageTokens: chunk.messageTokens,
        lastObservedAt: chunk.lastObservedAt,
        suggestedContinuation: chunk.suggestedContinuation,
        currentTask: chunk.currentTask,
        threadTitle: chunk.threadTitle,
        extractedValues: chunk.extractedValues,
        extractionFailures: chunk.extractionFailures,
      }),
    };
    if (input.lastBufferedAtTime) args.lastBufferedAtTime = encodeValue(input.lastBufferedAtTime);
    await mutate(ctx, "memory/observationalMemory:updateBuffered", args, operation, details, true);
  });
}

/** Activates buffered chunks, all in one server-side transaction. */
export function swapBufferedToActive(
  ctx: DomainContext,
  input: SwapBufferedToActiveInput,
): Promise<SwapBufferedToActiveResult> {
  const operation = "swapBufferedToActive";
  const details = { id: String(input?.id) };
  return withErrorContext({ operation, details }, async () => {
    requireId(input?.id, "id");
    const { id, ...rest } = input;
    requireNumber(rest.activationRatio, "activationRatio");
    requireNumber(rest.messageTokensThreshold, "messageTokensThreshold");
    requireNumber(rest.currentPendingTokens, "currentPendingTokens");
    const { result } = await mutate<{ result: string; released: boolean }>(
      ctx,
      "memory/observationalMemory:swapBuffered",
      { id, input: encodeValue(rest) },
      operation,
      details,
      false,
    );
    return decodeValue(result) as SwapBufferedToActiveResult;
  });
}

/** Creates a new generation from a reflection. */
export function createReflectionGeneration(
  ctx: DomainContext,
  input: CreateReflectionGenerationInput,
): Promise<ObservationalMemoryRecord> {
  const operation = "createReflectionGeneration";
  const current = input?.currentRecord;
  const details = { id: String(current?.id) };
  return withErrorContext({ operation, details }, async () => {
    requireRecord(current, "currentRecord");
    keyOf(current.threadId, current.resourceId);
    const returned = await mutate<ReturnedRecord>(
      ctx,
      "memory/observationalMemory:createReflection",
      {
        newId: crypto.randomUUID(),
        current: encodeValue({
          ...(typeof current.id === "string" ? { id: current.id } : {}),
          scope: current.scope,
          threadId: current.threadId,
          resourceId: current.resourceId,
          lastObservedAt: current.lastObservedAt,
          generationCount: requireNumber(current.generationCount, "currentRecord.generationCount"),
          config: storableConfig(current.config),
          totalTokensObserved: current.totalTokensObserved,
          observedTimezone: current.observedTimezone,
          ...(current.metadata !== undefined ? { metadata: current.metadata } : {}),
        }),
        reflection: encodeValue(requireText(input.reflection, "reflection")),
        tokenCount: requireNumber(input.tokenCount, "tokenCount"),
      },
      operation,
      details,
      true,
    );
    return await fromReturned(ctx, returned, operation);
  });
}

/** Appends to the buffered reflection. */
export function updateBufferedReflection(ctx: DomainContext, input: UpdateBufferedReflectionInput): Promise<void> {
  const operation = "updateBufferedReflection";
  const details = { id: String(input?.id) };
  return withErrorContext({ operation, details }, async () => {
    requireId(input?.id, "id");
    await mutate(
      ctx,
      "memory/observationalMemory:updateBufferedReflection",
      {
        id: input.id,
        reflection: encodeValue(requireText(input.reflection, "reflection")),
        tokenCount: requireNumber(input.tokenCount, "tokenCount"),
        inputTokenCount: requireNumber(input.inputTokenCount, "inputTokenCount"),
        reflectedObservationLineCount: requireNumber(
          input.reflectedObservationLineCount,
          "reflectedObservationLineCount",
        ),
      },
      operation,
      details,
      false,
    );
  });
}

/** Turns the stored buffered reflection into a new generation, in one transaction. */
export function swapBufferedReflectionToActive(
  ctx: DomainContext,
  input: SwapBufferedReflectionToActiveInput,
): Promise<ObservationalMemoryRecord> {
  const operation = "swapBufferedReflectionToActive";
  const details = { id: String(input?.currentRecord?.id) };
  return withErrorContext({ operation, details }, async () => {
    requireId(input?.currentRecord?.id, "currentRecord.id");
    const returned = await mutate<ReturnedRecord & { released: boolean }>(
      ctx,
      "memory/observationalMemory:swapReflection",
      {
        id: input.currentRecord.id,
        newId: crypto.randomUUID(),
        tokenCount: requireNumber(input.tokenCount, "tokenCount"),
      },
      operation,
      details,
      true,
    );
    return await fromReturned(ctx, returned, operation);
  });
}

type Flag = "isReflecting" | "isObserving" | "isBufferingObservation" | "isBufferingReflection";

/** Sets one progress flag of a record. */
export function setFlag(
  ctx: DomainContext,
  operation: string,
  id: string,
  flag: Flag,
  value: boolean,
  lastBufferedAtTokens?: number,
): Promise<void> {
  const details = { id: String(id) };
  return withErrorContext({ operation, details }, async () => {
    requireId(id, "id");
    const args: Record<string, unknown> = { id, flag, value: requireBoolean(value, flag) };
    if (lastBufferedAtTokens !== undefined) {
      args.lastBufferedAtTokens = requireNumber(lastBufferedAtTokens, "lastBufferedAtTokens");
    }
    await mutate(ctx, "memory/observationalMemory:setFlag", args, operation, details, true);
  });
}

/** Inserts a whole record (used by thread cloning). */
export function insertObservationalMemoryRecord(ctx: DomainContext, record: ObservationalMemoryRecord): Promise<void> {
  const operation = "insertObservationalMemoryRecord";
  const details = { id: String(record?.id) };
  return withErrorContext({ operation, details }, async () => {
    requireRecord(record, "record");
    requireId(record.id, "record.id");
    keyOf(record.threadId, record.resourceId);
    requireNumber(record.generationCount, "record.generationCount");
    const storable = { ...record, config: storableConfig(record.config) };
    await mutate(ctx, "memory/observationalMemory:insert", { record: encodeValue(storable) }, operation, details, true);
  });
}

/** Deletes every record of a thread (or resource), in bounded calls. */
export function clearObservationalMemory(
  ctx: DomainContext,
  threadId: string | null,
  resourceId: string,
): Promise<void> {
  const operation = "clearObservationalMemory";
  const details = { threadId: typeof threadId === "string" ? threadId : null, resourceId: String(resourceId) };
  return withErrorContext({ operation, details }, async () => {
    const key = keyOf(threadId, resourceId);
    let released = false;
    await repeatUntilDone({ operation, details }, () => ({
      state: "some generations of this observational memory may be deleted and the rest not",
      remedy: "calling clearObservationalMemory again finishes",
    }), async () => {
      const step = await ctx.transport.mutation<{ done: boolean; released: boolean }>(
        "memory/observationalMemory:clear",
        { key, now: ctx.now() },
        { operation, details, idempotent: true },
      );
      released ||= step.released;
      return step.done;
    });
    if (released) await sweepBlobs(ctx, operation);
  });
}

/** Sets the pending message token count. */
export function setPendingMessageTokens(ctx: DomainContext, id: string, tokenCount: number): Promise<void> {
  const operation = "setPendingMessageTokens";
  const details = { id: String(id) };
  return withErrorContext({ operation, details }, async () => {
    requireId(id, "id");
    await mutate(
      ctx,
      "memory/observationalMemory:setPendingTokens",
      {
        id,
        tokenCount: requireNumber(tokenCount, "tokenCount"),
      },
      operation,
      details,
      true,
    );
  });
}

/** Deep-merges a config patch into a record's config. */
export function updateObservationalMemoryConfig(
  ctx: DomainContext,
  input: UpdateObservationalMemoryConfigInput,
): Promise<void> {
  const operation = "updateObservationalMemoryConfig";
  const details = { id: String(input?.id) };
  return withErrorContext({ operation, details }, async () => {
    requireId(input?.id, "id");
    await mutate(
      ctx,
      "memory/observationalMemory:updateConfig",
      {
        id: input.id,
        config: encodeValue(storableConfig(requireRecord(input.config, "config"))),
      },
      operation,
      details,
      true,
    );
  });
}
