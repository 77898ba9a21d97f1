/**
 * Differential property test of the whole memory domain's message side:
 * random sequences of message operations mixed with thread operations are
 * applied to `ConvexStorage` (in-process Convex) and to core's
 * `InMemoryStore`, and every answer must agree.
 *
 * Normalised, because the contract leaves it open or we differ on purpose:
 * - An upserted message keeps its original `createdAt` (ours, deliberately;
 *   the in-memory store overwrites it). The model's input is patched to the
 *   kept `createdAt` before it is applied, so both stores hold the same rows.
 * - Message content is compared after a JSON round trip of the model (the
 *   in-memory store keeps content as JSON text; we keep exact values). The
 *   generated content is JSON-safe, so this only matters for key presence.
 * - Copied messages get new ids on both sides (random in core,
 *   deterministic in ours): ids are translated to canonical names through
 *   each side's `messageIdMap`.
 * - Ties on `createdAt` are ordered by id here and by insertion order in core.
 *   Generated messages have distinct timestamps, so ties only come from
 *   copies, which live in other threads: lists over several threads sort
 *   tie groups by canonical id before comparing, and when a tie group
 *   straddles the page boundary only the timestamps are compared.
 * - "Now": a fake clock drives both stores (core reads `Date`, ours gets it
 *   through `createTestStorage({ now })`), so `updatedAt` values are compared
 *   exactly.
 * - Errors: both must fail or both succeed (messages differ: ours are `MastraError`s).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { MastraDBMessage } from "@mastra/core/memory";
import { InMemoryStore, type MemoryStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";

const RealDate = Date;
let clock = 10_000_000;

class FakeDate extends RealDate {
  constructor(...args: unknown[]) {
    super(...((args.length === 0 ? [clock] : args) as [number]));
  }
  static override now(): number {
    return clock;
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof RealDate;
  }
}

const BASE_THREADS = ["t1", "t2", "t3"];
const RESOURCES = ["r1", "r2"];
const MESSAGE_IDS = Array.from({ length: 10 }, (_, i) => `m${i}`);
const ROLES = ["user", "assistant", "system"];

/** createdAt of message `index` at slot `slot`: distinct across ids (index is the residue). */
const at = (slot: number, id: string) => slot * 100 + MESSAGE_IDS.indexOf(id);

const scalar = fc.oneof(fc.constantFrom("x", "y"), fc.constantFrom(1, 2), fc.boolean(), fc.constant(null));
const metadataArb = fc.dictionary(fc.constantFrom("a", "b", "c"), scalar, { maxKeys: 2 });
const partArb = fc.oneof(
  fc.record({ type: fc.constant("text"), text: fc.string({ maxLength: 8 }) }),
  fc.record({
    type: fc.constant("tool-invocation"),
    toolInvocation: fc.record({
      state: fc.constant("result"),
      toolCallId: fc.constantFrom("call1", "call2"),
      toolName: fc.constant("search"),
      args: fc.record({ $schema: fc.constant("s"), _q: fc.string({ maxLength: 4 }) }),
      result: fc.record({ ok: fc.boolean(), "ключ": fc.array(fc.integer(), { maxLength: 2 }) }),
    }),
  }),
  fc.record({
    type: fc.constant("file"),
    mimeType: fc.constant("image/png"),
    data: fc.base64String({ maxLength: 16 }),
  }),
);
const contentArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      { format: fc.constant(2), parts: fc.array(partArb, { maxLength: 2 }), metadata: metadataArb },
      { requiredKeys: ["format", "parts"] },
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

const messageArb = fc.record({
  id: fc.constantFrom(...MESSAGE_IDS),
  threadId: fc.constantFrom(...BASE_THREADS),
  resourceId: fc.option(fc.constantFrom(...RESOURCES), { nil: undefined, freq: 8 }),
  role: fc.constantFrom(...ROLES),
  type: fc.option(fc.constantFrom("text", "tool-call"), { nil: undefined }),
  slot: fc.integer({ min: 0, max: 40 }),
  content: contentArb,
});

const dateRangeArb = fc.record({
  start: fc.option(fc.integer({ min: 0, max: 4100 }), { nil: undefined }),
  end: fc.option(fc.integer({ min: 0, max: 4100 }), { nil: undefined }),
  startExclusive: fc.option(fc.boolean(), { nil: undefined }),
  endExclusive: fc.option(fc.boolean(), { nil: undefined }),
});
const includeArb = fc.array(
  fc.record({
    id: fc.constantFrom(...MESSAGE_IDS, "missing"),
    withPreviousMessages: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    withNextMessages: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  }),
  { maxLength: 2 },
);
/** `undefined` two times out of three. */
function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

const listOptionsArb = fc.record({
  include: rarely(includeArb),
  filter: rarely(
    fc.record({
      dateRange: rarely(dateRangeArb),
      metadata: rarely(fc.dictionary(fc.constantFrom("a", "b"), scalar, { maxKeys: 1 })),
    }),
  ),
  orderBy: fc.option(fc.record({ direction: fc.constantFrom("ASC", "DESC") }), { nil: undefined }),
  page: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  perPage: fc.option(fc.constantFrom(0, 1, 2, 3, 5, false), { nil: undefined }),
});

type MessageInput = typeof messageArb extends fc.Arbitrary<infer T> ? T : never;
type ListOptions = typeof listOptionsArb extends fc.Arbitrary<infer T> ? T : never;

type Op =
  | {
    kind: "saveThread";
    id: string;
    resourceId: string;
    title?: string;
    metadata?: Record<string, unknown>;
    t: number;
  }
  | { kind: "updateThread"; id: string; title?: string; metadata?: Record<string, unknown> }
  | { kind: "deleteThread"; threadIndex: number }
  | { kind: "saveMessages"; messages: MessageInput[] }
  | {
    kind: "updateMessages";
    updates: {
      id: string;
      threadId?: string;
      role?: string;
      resourceId?: string;
      slot?: number;
      content?: { metadata?: Record<string, unknown>; content?: string };
    }[];
  }
  | { kind: "deleteMessages"; ids: string[] }
  | {
    kind: "listMessages";
    threads: number[];
    asArray: boolean;
    resourceId?: string;
    options: ListOptions;
  }
  | { kind: "listByResource"; resourceId: string; options: ListOptions }
  | { kind: "listById"; ids: string[] }
  | {
    kind: "clone";
    threadIndex: number;
    resourceId?: string;
    title?: string;
    metadata?: Record<string, unknown>;
    messageLimit?: number;
    startSlot?: number;
    endSlot?: number;
    messageIds?: string[];
  };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("saveThread" as const),
      id: fc.constantFrom(...BASE_THREADS),
      resourceId: fc.constantFrom(...RESOURCES),
      title: fc.option(fc.constantFrom("A", "B"), { nil: undefined }),
      metadata: fc.option(metadataArb, { nil: undefined }),
      t: fc.integer({ min: 0, max: 1000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("updateThread" as const),
      id: fc.constantFrom(...BASE_THREADS),
      title: fc.option(fc.constantFrom("C", "D"), { nil: undefined }),
      metadata: fc.option(metadataArb, { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteThread" as const), threadIndex: fc.nat(20) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("saveMessages" as const),
      messages: fc.array(messageArb, { minLength: 1, maxLength: 8 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("updateMessages" as const),
      updates: fc.array(
        fc.record({
          id: fc.constantFrom(...MESSAGE_IDS),
          threadId: fc.option(fc.constantFrom(...BASE_THREADS), { nil: undefined }),
          role: fc.option(fc.constantFrom(...ROLES), { nil: undefined }),
          resourceId: fc.option(fc.constantFrom(...RESOURCES), { nil: undefined }),
          slot: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
          content: fc.option(
            fc.record({ metadata: metadataArb, content: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }),
            { nil: undefined },
          ),
        }, { requiredKeys: ["id"] }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deleteMessages" as const),
      ids: fc.array(fc.constantFrom(...MESSAGE_IDS, "missing"), { maxLength: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("listMessages" as const),
      threads: fc.array(fc.nat(5), { minLength: 1, maxLength: 3 }),
      asArray: fc.boolean(),
      resourceId: rarely(fc.constantFrom(...RESOURCES)),
      options: listOptionsArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("listByResource" as const),
      resourceId: fc.constantFrom(...RESOURCES),
      options: listOptionsArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("listById" as const),
      ids: fc.array(fc.constantFrom(...MESSAGE_IDS, "missing"), { maxLength: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("clone" as const),
      threadIndex: fc.nat(20),
      resourceId: fc.option(fc.constantFrom(...RESOURCES), { nil: undefined }),
      title: fc.option(fc.constantFrom("K"), { nil: undefined }),
      metadata: fc.option(metadataArb, { nil: undefined }),
      messageLimit: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
      startSlot: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
      endSlot: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
      messageIds: fc.option(fc.array(fc.constantFrom(...MESSAGE_IDS), { maxLength: 4 }), { nil: undefined }),
    }, { requiredKeys: ["kind", "threadIndex"] }),
  },
);

/** Most sequences start with some threads in place, so message operations find them. */
const setupArb: fc.Arbitrary<Op[]> = fc.subarray(BASE_THREADS).chain((ids) =>
  fc.tuple(...ids.map((id) =>
    fc.record({
      kind: fc.constant("saveThread" as const),
      id: fc.constant(id),
      resourceId: fc.constantFrom(...RESOURCES),
      title: fc.option(fc.constantFrom("A", "B"), { nil: undefined }),
      t: fc.integer({ min: 0, max: 1000 }),
    }) as fc.Arbitrary<Op>
  ))
);

/** One side of the comparison: a store and its id translation (copies -> canonical names). */
type Side = { memory: MemoryStorage; ids: Map<string, string> };

/** Comparable form: dates as numbers, absent and `undefined` keys alike, ids canonical. */
function norm(value: unknown, ids: Map<string, string>, key = ""): unknown {
  if (value instanceof RealDate) return `D:${value.getTime()}`;
  if (Array.isArray(value)) return value.map((item) => norm(item, ids));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[k];
      if (item !== undefined) out[k] = norm(item, ids, k);
    }
    return out;
  }
  if ((key === "id" || key === "lastMessageId") && typeof value === "string") return ids.get(value) ?? value;
  return value;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

async function run(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function sameOutcome(ours: Outcome, theirs: Outcome, what: string): void {
  if (ours.ok !== theirs.ok) {
    assert.fail(
      `${what}: ours ${ours.ok ? "succeeded" : `failed (${(ours as { error: string }).error})`}, core ${
        theirs.ok ? "succeeded" : `failed (${(theirs as { error: string }).error})`
      }`,
    );
  }
}

type ListOut = { messages: MastraDBMessage[]; total: number; page: number; perPage: number | false; hasMore: boolean };

function messageTime(message: { createdAt: unknown }): number {
  return new RealDate(message.createdAt as Date).getTime();
}

/** Compares two list answers, tolerating the open order of ties across threads. */
function compareLists(
  ours: ListOut,
  theirs: ListOut,
  sides: [Side, Side],
  full: MastraDBMessage[] | undefined,
  what: string,
): void {
  assert.deepEqual(
    { total: ours.total, page: ours.page, perPage: ours.perPage, hasMore: ours.hasMore },
    { total: theirs.total, page: theirs.page, perPage: theirs.perPage, hasMore: theirs.hasMore },
    what,
  );
  const a = ours.messages.map((m) => norm(m, sides[0].ids) as { id: string; createdAt: string });
  const b = theirs.messages.map((m) => norm(m, sides[1].ids) as { id: string; createdAt: string });
  const times = (list: { createdAt: unknown }[]) => list.map(messageTime);
  assert.deepEqual(times(ours.messages), times(theirs.messages), `${what}: timestamps`);
  if (full !== undefined) {
    // Ties across threads: does a tie group cross the page boundary of the model?
    const counts = new Map<number, number>();
    for (const m of full) counts.set(messageTime(m), (counts.get(messageTime(m)) ?? 0) + 1);
    const inPage = new Map<number, number>();
    for (const m of theirs.messages) inPage.set(messageTime(m), (inPage.get(messageTime(m)) ?? 0) + 1);
    const straddles = [...inPage].some(([time, count]) => (counts.get(time) ?? count) > count);
    if (straddles) return;
  }
  const byKey = (x: { id: string; createdAt: string }, y: { id: string; createdAt: string }) =>
    x.createdAt === y.createdAt ? (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) : 0;
  const sortTies = (list: { id: string; createdAt: string }[]) => {
    const out = [...list];
    // stable insertion sort that only reorders runs of equal timestamps
    for (let i = 1; i < out.length; i++) {
      for (let j = i; j > 0 && byKey(out[j - 1], out[j]) > 0; j--) [out[j - 1], out[j]] = [out[j], out[j - 1]];
    }
    return out;
  };
  assert.deepEqual(sortTies(a), sortTies(b), `${what}: messages`);
}

/** JSON round trip of the model's content (it stores JSON text). */
function jsonContent<T extends { content?: unknown }>(message: T): T {
  return message.content === undefined ? message : { ...message, content: JSON.parse(JSON.stringify(message.content)) };
}

async function applyOp(op: Op, sides: [Side, Side], threads: string[]): Promise<void> {
  const [ours, theirs] = sides;
  const both = async (what: string, fn: (side: Side) => Promise<unknown>) => {
    const a = await run(() => fn(ours));
    const b = await run(() => fn(theirs));
    sameOutcome(a, b, what);
    return [a, b] as const;
  };
  const pick = (index: number) => threads[index % threads.length];
  switch (op.kind) {
    case "saveThread": {
      const [a, b] = await both("saveThread", (side) =>
        side.memory.saveThread({
          thread: {
            id: op.id,
            resourceId: op.resourceId,
            ...(op.title !== undefined ? { title: op.title } : {}),
            ...(op.metadata !== undefined ? { metadata: structuredClone(op.metadata) } : {}),
            createdAt: new RealDate(op.t),
            updatedAt: new RealDate(op.t + 1),
          },
        }));
      if (a.ok && b.ok) assert.deepEqual(norm(a.value, ours.ids), norm(b.value, theirs.ids));
      if (!threads.includes(op.id)) threads.push(op.id);
      return;
    }
    case "updateThread": {
      const [a, b] = await both("updateThread", (side) =>
        side.memory.updateThread({
          id: op.id,
          ...(op.title !== undefined ? { title: op.title } : {}),
          ...(op.metadata !== undefined ? { metadata: structuredClone(op.metadata) } : {}),
        }));
      if (a.ok && b.ok) assert.deepEqual(norm(a.value, ours.ids), norm(b.value, theirs.ids), "updateThread");
      return;
    }
    case "deleteThread": {
      const threadId = pick(op.threadIndex);
      await both("deleteThread", (side) => side.memory.deleteThread({ threadId }));
      return;
    }
    case "saveMessages": {
      // The model's rows (listMessagesById would hide system messages, as MessageList does).
      const rows = (theirs.memory as unknown as { db: { messages: Map<string, { createdAt: Date }> } }).db.messages;
      const stored = new Map([...rows].map(([id, row]) => [id, messageTime(row)]));
      const build = (forModel: boolean) => {
        const seen = new Map(stored);
        return op.messages.map((m) => {
          let createdAt = at(m.slot, m.id);
          // Normalisation: an existing message keeps its first createdAt (ours by design).
          if (forModel && seen.has(m.id)) createdAt = seen.get(m.id)!;
          if (!seen.has(m.id)) seen.set(m.id, createdAt);
          const message = {
            id: m.id,
            threadId: m.threadId,
            role: m.role,
            createdAt: new RealDate(createdAt),
            content: structuredClone(m.content),
            ...(m.resourceId !== undefined ? { resourceId: m.resourceId } : {}),
            ...(m.type !== undefined ? { type: m.type } : {}),
          };
          return message as unknown as MastraDBMessage;
        });
      };
      const a = await run(() => ours.memory.saveMessages({ messages: build(false) }));
      const b = await run(() => theirs.memory.saveMessages({ messages: build(true) }));
      sameOutcome(a, b, "saveMessages");
      if (a.ok && b.ok) {
        const av = (a.value as { messages: MastraDBMessage[] }).messages.map(jsonContent);
        const bv = (b.value as { messages: MastraDBMessage[] }).messages.map(jsonContent);
        assert.deepEqual(norm(av, ours.ids), norm(bv, theirs.ids), "saveMessages result");
      }
      return;
    }
    case "updateMessages": {
      const updates = () =>
        op.updates.map((u) => ({
          id: u.id,
          ...(u.threadId !== undefined ? { threadId: u.threadId } : {}),
          ...(u.role !== undefined ? { role: u.role } : {}),
          ...(u.resourceId !== undefined ? { resourceId: u.resourceId } : {}),
          ...(u.slot !== undefined ? { createdAt: new RealDate(at(u.slot, u.id)) } : {}),
          ...(u.content !== undefined ? { content: structuredClone(u.content) } : {}),
        })) as unknown as Parameters<MemoryStorage["updateMessages"]>[0]["messages"];
      const [a, b] = await both("updateMessages", (side) => side.memory.updateMessages({ messages: updates() }));
      if (a.ok && b.ok) {
        assert.deepEqual(
          norm((a.value as MastraDBMessage[]).map(jsonContent), ours.ids),
          norm(b.value as MastraDBMessage[], theirs.ids),
          "updateMessages result",
        );
      }
      return;
    }
    case "deleteMessages": {
      await both("deleteMessages", (side) => side.memory.deleteMessages([...op.ids]));
      return;
    }
    case "listMessages": {
      const ids = [...new Set(op.threads.map(pick))];
      const threadId = op.asArray ? ids : ids[0];
      const args = {
        threadId,
        ...(op.resourceId !== undefined ? { resourceId: op.resourceId } : {}),
        ...listArgs(op.options),
      };
      const [a, b] = await both("listMessages", (side) => side.memory.listMessages(structuredClone(args)));
      if (!a.ok || !b.ok) return;
      let full: MastraDBMessage[] | undefined;
      if (Array.isArray(threadId) && threadId.length > 1) {
        const { include: _include, page: _page, perPage: _perPage, ...rest } = args as Record<string, unknown>;
        full = (await theirs.memory.listMessages({ ...rest, perPage: false } as never)).messages;
      }
      compareLists(
        a.value as ListOut,
        jsonList(b.value as ListOut),
        sides,
        full,
        `listMessages ${JSON.stringify(args)}`,
      );
      return;
    }
    case "listByResource": {
      const args = { resourceId: op.resourceId, ...listArgs(op.options) };
      const [a, b] = await both(
        "listMessagesByResourceId",
        (side) => side.memory.listMessagesByResourceId(structuredClone(args)),
      );
      if (!a.ok || !b.ok) return;
      const { include: _include, page: _page, perPage: _perPage, ...rest } = args as Record<string, unknown>;
      const full = (await theirs.memory.listMessagesByResourceId({ ...rest, perPage: false } as never)).messages;
      compareLists(
        a.value as ListOut,
        jsonList(b.value as ListOut),
        sides,
        full,
        `listMessagesByResourceId ${JSON.stringify(args)}`,
      );
      return;
    }
    case "listById": {
      const [a, b] = await both(
        "listMessagesById",
        (side) => side.memory.listMessagesById({ messageIds: [...op.ids] }),
      );
      if (a.ok && b.ok) {
        assert.deepEqual(
          norm((a.value as { messages: MastraDBMessage[] }).messages, ours.ids),
          norm((b.value as { messages: MastraDBMessage[] }).messages.map(jsonContent), theirs.ids),
          "listMessagesById",
        );
      }
      return;
    }
    case "clone": {
      const sourceThreadId = pick(op.threadIndex);
      const newThreadId = `c${threads.length}`;
      const messageFilter = op.startSlot !== undefined || op.endSlot !== undefined || op.messageIds !== undefined
        ? {
          ...(op.startSlot !== undefined ? { startDate: new RealDate(op.startSlot * 100) } : {}),
          ...(op.endSlot !== undefined ? { endDate: new RealDate(op.endSlot * 100) } : {}),
          ...(op.messageIds !== undefined ? { messageIds: op.messageIds } : {}),
        }
        : undefined;
      const args = {
        sourceThreadId,
        newThreadId,
        ...(op.resourceId !== undefined ? { resourceId: op.resourceId } : {}),
        ...(op.title !== undefined ? { title: op.title } : {}),
        ...(op.metadata !== undefined ? { metadata: op.metadata } : {}),
        ...(op.messageLimit !== undefined || messageFilter
          ? {
            options: {
              ...(op.messageLimit !== undefined ? { messageLimit: op.messageLimit } : {}),
              ...(messageFilter ? { messageFilter } : {}),
            },
          }
          : {}),
      };
      const [a, b] = await both("cloneThread", (side) => side.memory.cloneThread(structuredClone(args)));
      if (!a.ok || !b.ok) return;
      threads.push(newThreadId);
      for (const [side, outcome] of [[ours, a], [theirs, b]] as const) {
        const map = (outcome.value as { messageIdMap: Record<string, string> }).messageIdMap;
        for (const [source, copy] of Object.entries(map)) {
          side.ids.set(copy, `${newThreadId}/${side.ids.get(source) ?? source}`);
        }
      }
      const av = a.value as {
        thread: unknown;
        clonedMessages: MastraDBMessage[];
        messageIdMap: Record<string, string>;
      };
      const bv = b.value as typeof av;
      assert.deepEqual(norm(av.thread, ours.ids), norm(bv.thread, theirs.ids), "clone thread");
      assert.deepEqual(
        norm(av.clonedMessages, ours.ids),
        norm(bv.clonedMessages.map(jsonContent), theirs.ids),
        "cloned messages",
      );
      const canon = (side: Side, map: Record<string, string>) =>
        Object.entries(map).map(([s, c]) => `${side.ids.get(s) ?? s}->${side.ids.get(c)}`).sort();
      assert.deepEqual(canon(ours, av.messageIdMap), canon(theirs, bv.messageIdMap), "messageIdMap");
      return;
    }
  }
}

function jsonList(list: ListOut): ListOut {
  return { ...list, messages: list.messages.map(jsonContent) };
}

function listArgs(options: ListOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (options.include !== undefined) out.include = options.include;
  if (options.orderBy !== undefined) out.orderBy = { field: "createdAt", ...options.orderBy };
  if (options.page !== undefined) out.page = options.page;
  if (options.perPage !== undefined) out.perPage = options.perPage;
  if (options.filter !== undefined) {
    const filter: Record<string, unknown> = {};
    const range = options.filter.dateRange;
    if (range !== undefined) {
      filter.dateRange = {
        ...(range.start !== undefined ? { start: new RealDate(range.start) } : {}),
        ...(range.end !== undefined ? { end: new RealDate(range.end) } : {}),
        ...(range.startExclusive !== undefined ? { startExclusive: range.startExclusive } : {}),
        ...(range.endExclusive !== undefined ? { endExclusive: range.endExclusive } : {}),
      };
    }
    if (options.filter.metadata !== undefined) filter.metadata = options.filter.metadata;
    out.filter = filter;
  }
  return out;
}

/** Final state check: every thread and every list of messages agree. */
async function compareState(sides: [Side, Side], threads: string[]): Promise<void> {
  const [ours, theirs] = sides;
  for (const threadId of threads) {
    const a = await ours.memory.getThreadById({ threadId });
    const b = await theirs.memory.getThreadById({ threadId });
    assert.deepEqual(norm(a, ours.ids), norm(b, theirs.ids), `thread ${threadId}`);
    const la = await ours.memory.listMessages({ threadId, perPage: false });
    const lb = await theirs.memory.listMessages({ threadId, perPage: false });
    compareLists(la as ListOut, jsonList(lb as ListOut), sides, undefined, `messages of ${threadId}`);
  }
  for (const resourceId of RESOURCES) {
    const la = await ours.memory.listMessagesByResourceId({ resourceId, perPage: false });
    const lb = await theirs.memory.listMessagesByResourceId({ resourceId, perPage: false });
    compareLists(la as ListOut, jsonList(lb as ListOut), sides, lb.messages, `messages of ${resourceId}`);
  }
}

Deno.test("messages: ConvexStorage agrees with core's InMemoryStore on random operation sequences", async () => {
  globalThis.Date = FakeDate as DateConstructor;
  try {
    await fc.assert(
      fc.asyncProperty(setupArb, fc.array(opArb, { minLength: 1, maxLength: 24 }), async (setup, body) => {
        const ops = [...setup, ...body];
        clock = 10_000_000;
        const { storage } = createTestStorage({ now: () => clock });
        const model = new InMemoryStore();
        const sides: [Side, Side] = [
          { memory: (await storage.getStore("memory"))!, ids: new Map() },
          { memory: (await model.getStore("memory"))!, ids: new Map() },
        ];
        const threads = [...BASE_THREADS];
        for (const op of ops) {
          clock += 1000;
          await applyOp(op, sides, threads);
        }
        clock += 1000;
        await compareState(sides, threads);
      }),
      { numRuns: 500 },
    );
  } finally {
    globalThis.Date = RealDate;
  }
});
