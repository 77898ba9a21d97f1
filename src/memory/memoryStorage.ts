/**
 * Mastra's memory domain on Convex: threads, messages and resources.
 * Each operation lives in its own module; this class wires them to
 * Mastra's `MemoryStorage` contract.
 */
import type {
  CreateObservationalMemoryInput,
  CreateReflectionGenerationInput,
  MastraDBMessage,
  ObservationalMemoryHistoryOptions,
  ObservationalMemoryRecord,
  StorageCloneThreadInput,
  StorageCopyThreadOutput,
  StorageListMessagesByResourceIdInput,
  StorageListMessagesInput,
  StorageListMessagesOutput,
  StorageListThreadsInput,
  StorageListThreadsOutput,
  StorageResourceType,
  StorageThreadType,
  SwapBufferedReflectionToActiveInput,
  SwapBufferedToActiveInput,
  SwapBufferedToActiveResult,
  UpdateActiveObservationsInput,
  UpdateBufferedObservationsInput,
  UpdateBufferedReflectionInput,
  UpdateObservationalMemoryConfigInput,
} from "../coreTypes.ts";
import { MemoryStorage } from "@mastra/core/storage";
import * as om from "./observationalMemory.ts";
import { updateThreadResourceId } from "./threadMove.ts";
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
import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";
import { deleteThread, getThreadById, listThreads, saveThread, updateThread } from "./threads.ts";

/** Threads, messages, resources and observational memory stored in Convex. */
export class ConvexMemoryStorage extends MemoryStorage {
  /** `updateThread` leaves omitted fields untouched. */
  override readonly supportsPartialThreadUpdate = true;
  /** Every observational memory method is implemented (one mutation each). */
  override readonly supportsObservationalMemory = true;
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Tables `prune()` deletes from by age, with their anchor columns (epoch ms, indexed). */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("memory", {
    messages: "createdAt",
    threads: "updatedAt",
    resources: "updatedAt",
  });

  /**
   * Deletes rows older than each policy's `maxAge` (the deployment's clock),
   * in bounded batches; see the README's "Retention and erasure".
   */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "memory", policies, options);
  }

  /** Deletes every thread, message, resource and observational memory record. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(
      this.#ctx,
      ["messages", "threads", "resources", "observational_memory", "thread_moves", "clone_progress"],
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

  /**
   * Moves a thread, its messages and its thread-scoped observational memory
   * to another resource, in resumable bounded steps (a retry completes an
   * interrupted move); counters stay exact throughout.
   */
  override updateThreadResourceId(args: { threadId: string; resourceId: string }): Promise<StorageThreadType> {
    return updateThreadResourceId(this.#ctx, args);
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

  /** The current observational memory record of a thread (or of a resource when `threadId` is null). */
  override getObservationalMemory(
    threadId: string | null,
    resourceId: string,
  ): Promise<ObservationalMemoryRecord | null> {
    return om.getObservationalMemory(this.#ctx, threadId, resourceId);
  }

  /** Observational memory generations, newest first. */
  override getObservationalMemoryHistory(
    threadId: string | null,
    resourceId: string,
    limit?: number,
    options?: ObservationalMemoryHistoryOptions,
  ): Promise<ObservationalMemoryRecord[]> {
    return om.getObservationalMemoryHistory(this.#ctx, threadId, resourceId, limit, options);
  }

  /** Creates the first observational memory record of a thread or resource. */
  override initializeObservationalMemory(input: CreateObservationalMemoryInput): Promise<ObservationalMemoryRecord> {
    return om.initializeObservationalMemory(this.#ctx, input);
  }

  /** Replaces the active observations. */
  override updateActiveObservations(input: UpdateActiveObservationsInput): Promise<void> {
    return om.updateActiveObservations(this.#ctx, input);
  }

  /** Appends a buffered observation chunk. */
  override updateBufferedObservations(input: UpdateBufferedObservationsInput): Promise<void> {
    return om.updateBufferedObservations(this.#ctx, input);
  }

  /** Activates buffered observation chunks (one transaction). */
  override swapBufferedToActive(input: SwapBufferedToActiveInput): Promise<SwapBufferedToActiveResult> {
    return om.swapBufferedToActive(this.#ctx, input);
  }

  /** Creates a new generation from a reflection. */
  override createReflectionGeneration(input: CreateReflectionGenerationInput): Promise<ObservationalMemoryRecord> {
    return om.createReflectionGeneration(this.#ctx, input);
  }

  /** Appends to the buffered reflection. */
  override updateBufferedReflection(input: UpdateBufferedReflectionInput): Promise<void> {
    return om.updateBufferedReflection(this.#ctx, input);
  }

  /** Turns the buffered reflection into a new generation (one transaction). */
  override swapBufferedReflectionToActive(
    input: SwapBufferedReflectionToActiveInput,
  ): Promise<ObservationalMemoryRecord> {
    return om.swapBufferedReflectionToActive(this.#ctx, input);
  }

  /** Sets `isReflecting`. */
  override setReflectingFlag(id: string, isReflecting: boolean): Promise<void> {
    return om.setFlag(this.#ctx, "setReflectingFlag", id, "isReflecting", isReflecting);
  }

  /** Sets `isObserving`. */
  override setObservingFlag(id: string, isObserving: boolean): Promise<void> {
    return om.setFlag(this.#ctx, "setObservingFlag", id, "isObserving", isObserving);
  }

  /** Sets `isBufferingObservation` (and `lastBufferedAtTokens` when given). */
  override setBufferingObservationFlag(id: string, isBuffering: boolean, lastBufferedAtTokens?: number): Promise<void> {
    return om.setFlag(
      this.#ctx,
      "setBufferingObservationFlag",
      id,
      "isBufferingObservation",
      isBuffering,
      lastBufferedAtTokens,
    );
  }

  /** Sets `isBufferingReflection`. */
  override setBufferingReflectionFlag(id: string, isBuffering: boolean): Promise<void> {
    return om.setFlag(this.#ctx, "setBufferingReflectionFlag", id, "isBufferingReflection", isBuffering);
  }

  /** Inserts a whole observational memory record (thread cloning). */
  override insertObservationalMemoryRecord(record: ObservationalMemoryRecord): Promise<void> {
    return om.insertObservationalMemoryRecord(this.#ctx, record);
  }

  /** Deletes all observational memory of a thread or resource. */
  override clearObservationalMemory(threadId: string | null, resourceId: string): Promise<void> {
    return om.clearObservationalMemory(this.#ctx, threadId, resourceId);
  }

  /** Sets the pending message token count. */
  override setPendingMessageTokens(id: string, tokenCount: number): Promise<void> {
    return om.setPendingMessageTokens(this.#ctx, id, tokenCount);
  }

  /** Deep-merges a config patch into a record's config. */
  override updateObservationalMemoryConfig(input: UpdateObservationalMemoryConfigInput): Promise<void> {
    return om.updateObservationalMemoryConfig(this.#ctx, input);
  }
}
