/**
 * Mastra's favorites domain on Convex: `(userId, entityType, entityId)`
 * rows and the parent record's `favoriteCount`, changed together in one
 * idempotent mutation (`convex/favorites/favorites.ts`).
 */
import { FavoritesStorage } from "@mastra/core/storage";
import type {
  FavoriteToggleResult,
  StorageDeleteFavoritesForEntityInput,
  StorageFavoriteKey,
  StorageIsFavoritedBatchInput,
  StorageListFavoritesInput,
} from "../coreTypes.ts";
import { MAX_CANDIDATES } from "../../convex/kit/versioned.ts";
import type { FavoriteEntityType } from "../../convex/favorites/validators.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { requireIdList, requireKey } from "../kit/validate.ts";

function entityTypeOf(value: unknown): FavoriteEntityType {
  if (value !== "agent" && value !== "skill") {
    throw new InvalidInputError(`entityType must be "agent" or "skill", got ${JSON.stringify(value)}`);
  }
  return value;
}

function keyOf(input: StorageFavoriteKey): { userId: string; entityType: FavoriteEntityType; entityId: string } {
  return {
    userId: requireKey(input?.userId, "userId"),
    entityType: entityTypeOf(input?.entityType),
    entityId: requireKey(input?.entityId, "entityId"),
  };
}

function detailsOf(input: Partial<StorageFavoriteKey> | undefined): Record<string, string | null> {
  const text = (value: unknown) => typeof value === "string" ? value : null;
  return { userId: text(input?.userId), entityType: text(input?.entityType), entityId: text(input?.entityId) };
}

/** Users' favorite agents and skills stored in Convex. */
export class ConvexFavoritesStorage extends FavoritesStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Nothing to do: the component's tables exist once it is deployed. */
  async init(): Promise<void> {}

  /** Favorites a record (idempotent); fails when the record does not exist. */
  favorite(input: StorageFavoriteKey): Promise<FavoriteToggleResult> {
    return this.#toggle("favorite", input);
  }

  /** Unfavorites a record (idempotent, count never below 0); fails when the record does not exist. */
  unfavorite(input: StorageFavoriteKey): Promise<FavoriteToggleResult> {
    return this.#toggle("unfavorite", input);
  }

  #toggle(operation: "favorite" | "unfavorite", input: StorageFavoriteKey): Promise<FavoriteToggleResult> {
    const details = detailsOf(input);
    return withErrorContext({ operation, details }, () =>
      // Safe to repeat: a repeat finds the state the first call left and answers it.
      this.#ctx.transport.mutation<FavoriteToggleResult>(`favorites/favorites:${operation}`, keyOf(input), {
        operation,
        details,
        idempotent: true,
      }));
  }

  /** Whether the user favorited the record. */
  isFavorited(input: StorageFavoriteKey): Promise<boolean> {
    const details = detailsOf(input);
    return withErrorContext(
      { operation: "isFavorited", details },
      () =>
        this.#ctx.transport.query<boolean>("favorites/favorites:isFavorited", keyOf(input), {
          operation: "isFavorited",
          details,
        }),
    );
  }

  /** The ids among `entityIds` the user favorited (one call per 1000 ids). */
  isFavoritedBatch(input: StorageIsFavoritedBatchInput): Promise<Set<string>> {
    const details = detailsOf(input as never);
    return withErrorContext({ operation: "isFavoritedBatch", details }, async () => {
      const userId = requireKey(input?.userId, "userId");
      const entityType = entityTypeOf(input?.entityType);
      const ids = [...new Set(requireIdList(input?.entityIds, "entityIds"))];
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += MAX_CANDIDATES) {
        const page = await this.#ctx.transport.query<string[]>("favorites/favorites:favoritedAmong", {
          userId,
          entityType,
          entityIds: ids.slice(i, i + MAX_CANDIDATES),
        }, { operation: "isFavoritedBatch", details });
        for (const id of page) found.add(id);
      }
      return found;
    });
  }

  /** Every id of `entityType` the user favorited, oldest favorite first, in bounded calls. */
  listFavoritedIds(input: StorageListFavoritesInput): Promise<string[]> {
    const details = detailsOf(input as never);
    return withErrorContext({ operation: "listFavoritedIds", details }, async () => {
      const userId = requireKey(input?.userId, "userId");
      const entityType = entityTypeOf(input?.entityType);
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { ids: string[]; cursor: string | null } = await this.#ctx.transport.query(
          "favorites/favorites:listIds",
          { userId, entityType, cursor },
          { operation: "listFavoritedIds", details },
        );
        ids.push(...page.ids);
        cursor = page.cursor;
      } while (cursor !== null);
      return ids;
    });
  }

  /** Removes every favorite of a record (its count becomes 0), in bounded calls; returns how many. */
  deleteFavoritesForEntity(input: StorageDeleteFavoritesForEntityInput): Promise<number> {
    const details = detailsOf(input as never);
    return withErrorContext({ operation: "deleteFavoritesForEntity", details }, async () => {
      const args = { entityType: entityTypeOf(input?.entityType), entityId: requireKey(input?.entityId, "entityId") };
      let removed = 0;
      for (;;) {
        const step = await this.#ctx.transport.mutation<{ removed: number; done: boolean }>(
          "favorites/favorites:removeForEntity",
          args,
          { operation: "deleteFavoritesForEntity", details, idempotent: true },
        );
        removed += step.removed;
        if (step.done) return removed;
      }
    });
  }

  /** Deletes every favorite and resets the favorited records' counts, in bounded calls. */
  dangerouslyClearAll(): Promise<void> {
    return withErrorContext({ operation: "dangerouslyClearAll" }, async () => {
      for (;;) {
        const { done } = await this.#ctx.transport.mutation<{ done: boolean }>("favorites/favorites:clear", {}, {
          operation: "dangerouslyClearAll",
          idempotent: true,
        });
        if (done) return;
      }
    });
  }
}
