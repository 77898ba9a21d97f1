/**
 * Mastra's notifications domain on Convex: agents' notification signals,
 * coalesced per thread inside one mutation, listed per thread, and found
 * by the dispatcher through an index on due time (what is due, never a
 * scan over threads).
 */
import type {
  CreateNotificationInput,
  ListDueNotificationsInput,
  ListNotificationsInput,
  NotificationRecord,
  UpdateNotificationInput,
  UpdateNotificationsStatusInput,
} from "../coreTypes.ts";
import { NotificationsStorage } from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../kit/context.ts";
import {
  createNotification,
  getNotification,
  listDueNotifications,
  listNotifications,
  updateNotification,
  updateNotificationsStatus,
} from "./notifications.ts";

import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";
/** Notifications stored in Convex. */
export class ConvexNotificationsStorage extends NotificationsStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Tables `prune()` deletes from by age: notifications, by `updatedAt` (whatever their status). */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("notifications", {
    notifications: "updatedAt",
  });

  /** Deletes notifications last changed before each policy's `maxAge` (the deployment's clock), in batches. */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "notifications", policies, options);
  }

  /** Deletes every notification. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["notifications"], []);
  }

  /** Creates a notification, or coalesces it onto a matching pending one. */
  override createNotification(input: CreateNotificationInput): Promise<NotificationRecord> {
    return createNotification(this.#ctx, input);
  }

  /** A thread's notifications matching the filters, most recently updated first. */
  override listNotifications(input: ListNotificationsInput): Promise<NotificationRecord[]> {
    return listNotifications(this.#ctx, input);
  }

  /** Pending notifications due at `input.now`, soonest first. */
  override listDueNotifications(input: ListDueNotificationsInput): Promise<NotificationRecord[]> {
    return listDueNotifications(this.#ctx, input);
  }

  /** One notification, or `null`. */
  override getNotification(input: { threadId: string; id: string }): Promise<NotificationRecord | null> {
    return getNotification(this.#ctx, input);
  }

  /** Updates one notification; fails when it does not exist. */
  override updateNotification(input: UpdateNotificationInput): Promise<NotificationRecord> {
    return updateNotification(this.#ctx, input);
  }

  /** Sets one status on many notifications of a thread (one mutation per 1,000 ids). */
  override updateNotificationsStatus(input: UpdateNotificationsStatusInput): Promise<NotificationRecord[]> {
    return updateNotificationsStatus(this.#ctx, input);
  }
}
