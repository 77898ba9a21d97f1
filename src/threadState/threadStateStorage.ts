/**
 * Mastra's thread-state domain on Convex: the durable per-thread state
 * (task lists, goals, ...) that the agent's task tools and goal scorer read
 * and write during a run. Without it, `MastraCompositeStore` would wire an
 * in-memory store, and that state would vanish on restart and differ
 * between servers. Deleting a thread (memory domain) deletes its state.
 */
import { ThreadStateStorage } from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../kit/context.ts";
import { deleteState, getState, setState } from "./state.ts";
import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";

/** Per-thread state stored in Convex, one document per `(threadId, type)`. */
export class ConvexThreadStateStorage extends ThreadStateStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /**
   * Tables `prune()` deletes from by age: slots, by the deployment's time of
   * their last `setState` (slots set before this release carry none and
   * are never pruned until set again). A thread's slots also go with it.
   */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("threadState", {
    threadState: "updatedAt",
  });

  /** Deletes slots not set for longer than each policy's `maxAge` (the deployment's clock), in batches. */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "threadState", policies, options);
  }

  /** Nothing to create: the component's schema holds the table. */
  override init(): Promise<void> {
    return Promise.resolve();
  }

  /** The value of `(threadId, type)`, or `undefined` when unset. One call, one document. */
  override getState<T = unknown>(args: { threadId: string; type: string }): Promise<T | undefined> {
    return getState<T>(this.#ctx, args);
  }

  /** Replaces the value of `(threadId, type)`. One call, one document (plus chunk uploads when large). */
  override setState<T = unknown>(args: { threadId: string; type: string; value: T }): Promise<void> {
    return setState(this.#ctx, args);
  }

  /** Clears `(threadId, type)`. */
  override deleteState(args: { threadId: string; type: string }): Promise<void> {
    return deleteState(this.#ctx, args);
  }

  /** Deletes every thread's state. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["thread_state"], []);
  }
}
