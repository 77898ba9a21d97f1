/**
 * Operations of the notifications domain: create (coalescing on the
 * server), get, update, bulk status change, a thread's list and the
 * dispatcher's due list (both read in bounded steps).
 */
import type {
  CreateNotificationInput,
  ListDueNotificationsInput,
  ListNotificationsInput,
  NotificationRecord,
  UpdateNotificationInput,
  UpdateNotificationsStatusInput,
} from "../coreTypes.ts";
import { type ListStep, STATUS_BATCH } from "../../convex/notifications/notifications.ts";
import type { NotificationRow, Resume } from "../../convex/notifications/validators.ts";
import type { DomainContext } from "../kit/context.ts";
import { toMillis } from "../kit/codec.ts";
import { withErrorContext } from "../kit/errors.ts";
import { optionalString, requireId, requireIdList, requireKey, requireRecord } from "../kit/validate.ts";
import { createToArgs, listFilter, optionalLimit, requireStatus, rowToRecord, updateToSet } from "./rows.ts";

function idDetail(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function threadDetails(input: unknown): { threadId: string | null; notificationId?: string | null } {
  const { threadId, id } = (input ?? {}) as { threadId?: unknown; id?: unknown };
  return id === undefined
    ? { threadId: idDetail(threadId) }
    : { threadId: idDetail(threadId), notificationId: idDetail(id) };
}

/** Runs list steps from the start until `limit` rows are taken or the list ends. */
async function collect(
  limit: number | undefined,
  step: (remaining: number, after: Resume | undefined) => Promise<ListStep>,
): Promise<NotificationRecord[]> {
  const rows: NotificationRow[] = [];
  let after: Resume | undefined;
  const wanted = limit ?? Number.MAX_SAFE_INTEGER;
  while (rows.length < wanted) {
    const result = await step(wanted - rows.length, after);
    rows.push(...result.rows);
    if (result.next === null) break;
    after = result.next;
  }
  return rows.map(rowToRecord);
}

/** Creates a notification, or coalesces it onto a matching pending one (one mutation either way). */
export function createNotification(ctx: DomainContext, input: CreateNotificationInput): Promise<NotificationRecord> {
  const details = threadDetails(input);
  return withErrorContext({ operation: "createNotification", details }, async () => {
    const row = await ctx.transport.mutation<NotificationRow>("notifications/notifications:create", {
      input: createToArgs(input),
      now: ctx.now(),
      // A repeat would coalesce twice; the server records the answer under this id.
      opId: crypto.randomUUID(),
    }, { operation: "createNotification", details, idempotent: true });
    return rowToRecord(row);
  });
}

/** One notification of a thread, or `null`. */
export function getNotification(
  ctx: DomainContext,
  input: { threadId: string; id: string },
): Promise<NotificationRecord | null> {
  const details = threadDetails(input);
  return withErrorContext({ operation: "getNotification", details }, async () => {
    const checked = requireRecord(input, "input");
    const row = await ctx.transport.query<NotificationRow | null>("notifications/notifications:get", {
      threadId: requireId(checked.threadId, "input.threadId"),
      id: requireId(checked.id, "input.id"),
    }, { operation: "getNotification", details });
    return row ? rowToRecord(row) : null;
  });
}

/** Updates one notification (a status change stamps its timestamp); fails when it does not exist. */
export function updateNotification(ctx: DomainContext, input: UpdateNotificationInput): Promise<NotificationRecord> {
  const details = threadDetails(input);
  return withErrorContext({ operation: "updateNotification", details }, async () => {
    const checked = requireRecord(input, "input");
    const row = await ctx.transport.mutation<NotificationRow>("notifications/notifications:update", {
      threadId: requireId(checked.threadId, "input.threadId"),
      id: requireId(checked.id, "input.id"),
      set: updateToSet(input),
      now: ctx.now(),
    }, { operation: "updateNotification", details, idempotent: true });
    return rowToRecord(row);
  });
}

/** Sets one status on many notifications of a thread: one mutation per {@link STATUS_BATCH} distinct ids. */
export function updateNotificationsStatus(
  ctx: DomainContext,
  input: UpdateNotificationsStatusInput,
): Promise<NotificationRecord[]> {
  const details = threadDetails(input);
  return withErrorContext({ operation: "updateNotificationsStatus", details }, async () => {
    const checked = requireRecord(input, "input");
    const threadId = requireId(checked.threadId, "input.threadId");
    const status = requireStatus(checked.status, "input.status");
    const ids = [...new Set(requireIdList(checked.ids, "input.ids"))];
    const now = ctx.now();
    const updated: NotificationRow[] = [];
    for (let offset = 0; offset < ids.length; offset += STATUS_BATCH) {
      updated.push(
        ...await ctx.transport.mutation<NotificationRow[]>("notifications/notifications:updateStatus", {
          threadId,
          ids: ids.slice(offset, offset + STATUS_BATCH),
          status,
          now,
        }, { operation: "updateNotificationsStatus", details, idempotent: true }),
      );
    }
    return updated.map(rowToRecord);
  });
}

/** A thread's notifications matching the filters, most recently updated first, at most `limit`. */
export function listNotifications(ctx: DomainContext, input: ListNotificationsInput): Promise<NotificationRecord[]> {
  const details = threadDetails(input);
  return withErrorContext({ operation: "listNotifications", details }, async () => {
    const checked = requireRecord(input, "input");
    const threadId = requireId(checked.threadId, "input.threadId");
    const limit = optionalLimit(checked.limit, "input.limit");
    const filter = listFilter(checked);
    if (filter === null) return [];
    return await collect(
      limit,
      (remaining, after) =>
        ctx.transport.query<ListStep>("notifications/notifications:list", {
          threadId,
          filter,
          limit: remaining,
          ...(after ? { after } : {}),
        }, { operation: "listNotifications", details }),
    );
  });
}

/** Pending notifications due at `now`, soonest first: reads only what is due. */
export function listDueNotifications(
  ctx: DomainContext,
  input: ListDueNotificationsInput,
): Promise<NotificationRecord[]> {
  return withErrorContext({ operation: "listDueNotifications" }, async () => {
    const checked = requireRecord(input, "input");
    const now = toMillis(checked.now, "input.now");
    const limit = optionalLimit(checked.limit, "input.limit");
    const agentId = optionalString(checked.agentId, "input.agentId");
    const resourceId = optionalString(checked.resourceId, "input.resourceId");
    return await collect(limit, (remaining, after) =>
      ctx.transport.query<ListStep>("notifications/notifications:due", {
        now,
        limit: remaining,
        ...(agentId ? { agentId: requireKey(agentId, "input.agentId") } : {}),
        ...(resourceId ? { resourceId: requireKey(resourceId, "input.resourceId") } : {}),
        ...(after ? { after } : {}),
      }, { operation: "listDueNotifications" }));
  });
}
