/**
 * Mastra's memory domain on Convex: threads, messages and resources.
 * Each operation lives in its own module; this class wires them to
 * Mastra's `MemoryStorage` contract.
 */
import type { MastraDBMessage, StorageThreadType } from "@mastra/core/memory";
import {
  MemoryStorage,
  type StorageCloneThreadInput,
  type StorageCopyThreadOutput,
  type StorageListMessagesByResourceIdInput,
  type StorageListMessagesInput,
  type StorageListMessagesOutput,
  type StorageListThreadsInput,
  type StorageListThreadsOutput,
  type StorageResourceType,
} from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../kit/context.ts";
import { rebuildMessageRanks } from "./ranks.ts";
import { copyThread } from "./clone.ts";
import {
  deleteMessages,
  type ListHelpers,
  listMessages,
  listMessagesById,
  listMessagesByResourceId,
  type MessageUpdate,
  saveMessages,
  updateMessages,
} from "./messages.ts";
import { getResourceById, saveResource, updateResource } from "./resources.ts";
import { deleteThread, getThreadById, listThreads, saveThread, updateThread } from "./threads.ts";

/** Threads, messages and resources stored in Convex. */
export class ConvexMemoryStorage extends MemoryStorage {
  /** `updateThread` leaves omitted fields untouched. */
  override readonly supportsPartialThreadUpdate = true;
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Deletes every thread, message and resource. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(
      this.#ctx,
      ["messages", "threads", "resources"],
      ["threads", "messages:"],
    );
  }

  /** Reads one thread, optionally only if it belongs to `resourceId`. */
  override getThreadById(args: { threadId: string; resourceId?: string }): Promise<StorageThreadType | null> {
    return getThreadById(this.#ctx, args);
  }

  /** Inserts or replaces a thread. */
  override saveThread(args: { thread: StorageThreadType }): Promise<StorageThreadType> {
    return saveThread(this.#ctx, args);
  }

  /** Sets the title and/or merges metadata keys. */
  override updateThread(
    args: { id: string; title?: string; metadata?: Record<string, unknown> },
  ): Promise<StorageThreadType> {
    return updateThread(this.#ctx, args);
  }

  /** Deletes a thread and all its messages. */
  override deleteThread(args: { threadId: string }): Promise<void> {
    return deleteThread(this.#ctx, args);
  }

  /** Lists threads with filters, ordering and pagination. */
  override listThreads(args: StorageListThreadsInput): Promise<StorageListThreadsOutput> {
    return listThreads({
      ...this.#ctx,
      validatePaginationInput: (page, perPage) => this.validatePaginationInput(page, perPage),
      validateMetadataKeys: (metadata) => this.validateMetadataKeys(metadata),
      parseOrderBy: (orderBy) => this.parseOrderBy(orderBy),
    }, args);
  }

  /** Reads one resource. */
  override getResourceById(args: { resourceId: string }): Promise<StorageResourceType | null> {
    return getResourceById(this.#ctx, args);
  }

  /** Inserts or replaces a resource. */
  override saveResource(args: { resource: StorageResourceType }): Promise<StorageResourceType> {
    return saveResource(this.#ctx, args);
  }

  /** Sets working memory and/or merges metadata. */
  override updateResource(
    args: { resourceId: string; workingMemory?: string; metadata?: Record<string, unknown> },
  ): Promise<StorageResourceType> {
    return updateResource(this.#ctx, args);
  }

  /** Lists messages of one or more threads with filters, includes, ordering and pagination. */
  override listMessages(args: StorageListMessagesInput): Promise<StorageListMessagesOutput> {
    return listMessages(this.#listHelpers(), args);
  }

  /** Lists a resource's messages across its threads. */
  override listMessagesByResourceId(args: StorageListMessagesByResourceIdInput): Promise<StorageListMessagesOutput> {
    return listMessagesByResourceId(this.#listHelpers(), args);
  }

  /** Reads messages by id. */
  override listMessagesById(args: { messageIds: string[] }): Promise<{ messages: MastraDBMessage[] }> {
    return listMessagesById(this.#ctx, args);
  }

  /** Upserts messages by id (an existing message keeps its `createdAt`). */
  override saveMessages(args: { messages: MastraDBMessage[] }): Promise<{ messages: MastraDBMessage[] }> {
    return saveMessages(this.#ctx, args);
  }

  /** Applies partial message updates, including moves to another thread. */
  override updateMessages(args: { messages: MessageUpdate[] }): Promise<MastraDBMessage[]> {
    return updateMessages(this.#ctx, args);
  }

  /** Deletes messages by id. */
  override deleteMessages(messageIds: string[]): Promise<void> {
    return deleteMessages(this.#ctx, messageIds);
  }

  /** Copies a thread and a selection of its messages inside Convex (core's `cloneThread` uses it). */
  override copyThread(args: StorageCloneThreadInput): Promise<StorageCopyThreadOutput> {
    return copyThread(this.#ctx, args);
  }

  #listHelpers(): DomainContext & ListHelpers {
    return {
      ...this.#ctx,
      parseOrderBy: (orderBy, defaultDirection) => this.parseOrderBy(orderBy, defaultDirection),
    };
  }

  /**
   * Rebuilds a thread's rank buckets (which let deep pages seek instead of
   * walk) for threads written before they existed. Specific to Convex; run
   * it while the thread is idle. Returns the number of calls made.
   */
  rebuildMessageRanks(args: { threadId: string }): Promise<number> {
    return rebuildMessageRanks(this.#ctx, args);
  }
}
