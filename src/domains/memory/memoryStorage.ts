/**
 * Mastra's memory domain on Convex: threads, messages and resources.
 * Each operation lives in its own module; this class wires them to
 * Mastra's `MemoryStorage` contract.
 */
import type { MastraDBMessage, StorageThreadType } from "@mastra/core/memory";
import {
  MemoryStorage,
  type StorageListMessagesInput,
  type StorageListMessagesOutput,
  type StorageListThreadsInput,
  type StorageListThreadsOutput,
  type StorageResourceType,
} from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../context.ts";
import { notImplementedYet } from "./messages.ts";
import { getResourceById, saveResource, updateResource } from "./resources.ts";
import { deleteThread, getThreadById, listThreads, saveThread, updateThread } from "./threads.ts";

/** Threads, messages and resources stored in Convex. */
export class ConvexMemoryStorage extends MemoryStorage {
  /** `updateThread` leaves omitted fields untouched. */
  override readonly supportsPartialThreadUpdate = true;
  readonly #ctx: DomainContext;

  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Deletes every thread, message and resource. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["mastra_messages", "mastra_threads", "mastra_resources"], ["threads", "messages:"]);
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

  /** Not implemented yet (messages issue). */
  override listMessages(_args: StorageListMessagesInput): Promise<StorageListMessagesOutput> {
    return notImplementedYet(this.#ctx, "listMessages");
  }

  /** Not implemented yet (messages issue). */
  override listMessagesById(_args: { messageIds: string[] }): Promise<{ messages: MastraDBMessage[] }> {
    return notImplementedYet(this.#ctx, "listMessagesById");
  }

  /** Not implemented yet (messages issue). */
  override saveMessages(_args: { messages: MastraDBMessage[] }): Promise<{ messages: MastraDBMessage[] }> {
    return notImplementedYet(this.#ctx, "saveMessages");
  }

  /** Not implemented yet (messages issue). */
  override updateMessages(
    _args: { messages: (Partial<MastraDBMessage> & { id: string })[] },
  ): Promise<MastraDBMessage[]> {
    return notImplementedYet(this.#ctx, "updateMessages");
  }
}
