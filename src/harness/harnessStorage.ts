/**
 * Mastra's harness domain on Convex: agent sessions with their pending
 * items (tool approvals, questions, ...). Each change of a session is one
 * atomic mutation, overriding core's default read-modify-write over two
 * calls, so changes from several servers never overwrite each other.
 */
import type { HarnessPendingItemRecord, SessionRecord, SessionRecordUpdate } from "../coreTypes.ts";
import { HarnessStorage } from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../kit/context.ts";
import {
  appendPendingItem,
  listSessions,
  loadSession,
  removePendingItem,
  saveSession,
  updatePendingItem,
  updateSession,
} from "./sessions.ts";
import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";

/** Harness sessions stored in Convex, one document each. */
export class ConvexHarnessStorage extends HarnessStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /**
   * Tables `prune()` deletes from by age: sessions, by `lastActivityAt`
   * (every change stamps it). Sessions saved before this release carry no
   * copy of it and are never pruned until saved or changed again.
   */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("harness", {
    sessions: "lastActivityAt",
  });

  /** Deletes sessions idle for longer than each policy's `maxAge` (the deployment's clock), in batches. */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "harness", policies, options);
  }

  /** Deletes every session. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["harness_sessions"], []);
  }

  /** A session, or `null`. */
  override loadSession(sessionId: string): Promise<SessionRecord | null> {
    return loadSession(this.#ctx, sessionId);
  }

  /** Stores a session, replacing the one with its id. */
  override saveSession(record: SessionRecord): Promise<void> {
    return saveSession(this.#ctx, record);
  }

  /** Every session, in the order first saved. */
  override listSessions(): Promise<SessionRecord[]> {
    return listSessions(this.#ctx);
  }

  /** Updates a session in one atomic mutation. */
  override updateSession(sessionId: string, updates: SessionRecordUpdate): Promise<SessionRecord> {
    return updateSession(this.#ctx, sessionId, updates);
  }

  /** Appends a pending item in one atomic mutation (refused when its id is taken). */
  override appendPendingItem(sessionId: string, item: HarnessPendingItemRecord): Promise<SessionRecord> {
    return appendPendingItem(this.#ctx, sessionId, item);
  }

  /** Updates a pending item in one atomic mutation. */
  override updatePendingItem(
    sessionId: string,
    pendingItemId: string,
    updates: Partial<Omit<HarnessPendingItemRecord, "id" | "sessionId" | "createdAt">>,
  ): Promise<SessionRecord> {
    return updatePendingItem(this.#ctx, sessionId, pendingItemId, updates);
  }

  /** Removes a pending item in one atomic mutation. */
  override removePendingItem(sessionId: string, pendingItemId: string): Promise<SessionRecord> {
    return removePendingItem(this.#ctx, sessionId, pendingItemId);
  }
}
