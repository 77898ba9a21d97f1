/**
 * Mastra's tool-provider-connections domain on Convex: a label per
 * `(authorId, providerId, connectionId)`, upserted in one mutation that
 * keeps the row's `createdAt` and scope (`convex/toolProviderConnections/`).
 */
import { ToolProviderConnectionsStorage } from "@mastra/core/storage";
import type {
  StorageDeleteToolProviderConnectionInput,
  StorageListToolProviderConnectionsInput,
  StorageToolProviderConnection,
  StorageToolProviderConnectionKey,
  StorageUpsertToolProviderConnectionInput,
} from "../coreTypes.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { ConnectionInput, ConnectionRow } from "../../convex/toolProviderConnections/validators.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { requireKey } from "../kit/validate.ts";
import { runWalk } from "../kit/walk.ts";

const SCOPES = ["shared", "per-author", "caller-supplied"];

function scopeOf(value: unknown): ConnectionInput["scope"] {
  if (value === undefined) return undefined;
  if (!SCOPES.includes(value as string)) {
    throw new InvalidInputError(`scope must be one of ${SCOPES.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as ConnectionInput["scope"];
}

function keyOf(key: StorageToolProviderConnectionKey) {
  return {
    authorId: requireKey(key?.authorId, "authorId"),
    providerId: requireKey(key?.providerId, "providerId"),
    connectionId: requireKey(key?.connectionId, "connectionId"),
  };
}

function detailsOf(key: Partial<StorageToolProviderConnectionKey> | undefined): Record<string, string | null> {
  const text = (value: unknown) => typeof value === "string" ? value : null;
  return { authorId: text(key?.authorId), providerId: text(key?.providerId), connectionId: text(key?.connectionId) };
}

function rowToConnection(row: ConnectionRow): StorageToolProviderConnection {
  const { id: _id, createdAt, updatedAt, ...rest } = row;
  return { ...rest, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) } as StorageToolProviderConnection;
}

/** Tool provider connection labels stored in Convex. */
export class ConvexToolProviderConnectionsStorage extends ToolProviderConnectionsStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Nothing to do: the component's tables exist once it is deployed. */
  async init(): Promise<void> {}

  /** One connection, or `null`. */
  getConnectionById(key: StorageToolProviderConnectionKey): Promise<StorageToolProviderConnection | null> {
    const details = detailsOf(key);
    return withErrorContext({ operation: "getConnectionById", details }, async () => {
      const row = await this.#ctx.transport.query<ConnectionRow | null>(
        "toolProviderConnections/connections:get",
        keyOf(key),
        { operation: "getConnectionById", details },
      );
      return row ? rowToConnection(row) : null;
    });
  }

  /** Inserts or replaces a connection, keeping its `createdAt` and (unless given) its scope. */
  upsertConnection(input: StorageUpsertToolProviderConnectionInput): Promise<StorageToolProviderConnection> {
    const details = detailsOf(input);
    return withErrorContext({ operation: "upsertConnection", details }, async () => {
      const label = input.label;
      if (label !== undefined && label !== null && typeof label !== "string") {
        throw new InvalidInputError(`label must be a string or null, got ${typeof label}`);
      }
      const connection: ConnectionInput = {
        ...keyOf(input),
        toolkit: requireKey(input.toolkit, "toolkit"),
        ...(label !== undefined ? { label } : {}),
        ...(input.scope !== undefined ? { scope: scopeOf(input.scope) } : {}),
      };
      // Safe to repeat: a repeat writes the same row (with a later updatedAt).
      const row = await this.#ctx.transport.mutation<ConnectionRow>("toolProviderConnections/connections:upsert", {
        connection,
      }, { operation: "upsertConnection", details, idempotent: true });
      return rowToConnection(row);
    });
  }

  /** The connections matching the filters, in the order they were first created, in bounded calls. */
  listConnectionsByAuthor(input: StorageListToolProviderConnectionsInput): Promise<StorageToolProviderConnection[]> {
    return withErrorContext({ operation: "listConnectionsByAuthor" }, async () => {
      const args: Record<string, unknown> = {};
      if (input?.authorId !== undefined) args.authorId = requireKey(input.authorId, "authorId");
      if (input?.providerId) args.providerId = requireKey(input.providerId, "providerId");
      if (input?.toolkit) args.toolkit = requireKey(input.toolkit, "toolkit");
      if (input?.scope) args.scope = scopeOf(input.scope);
      const { rows } = await runWalk((state: WalkState | undefined) =>
        this.#ctx.transport.query<ListResult<ConnectionRow>>("toolProviderConnections/connections:list", {
          ...args,
          ...(state ? { state } : {}),
        }, { operation: "listConnectionsByAuthor" })
      );
      return rows.map(rowToConnection);
    });
  }

  /** Deletes a connection (nothing when it does not exist). */
  deleteConnection(input: StorageDeleteToolProviderConnectionInput): Promise<void> {
    const details = detailsOf(input);
    return withErrorContext({ operation: "deleteConnection", details }, async () => {
      await this.#ctx.transport.mutation("toolProviderConnections/connections:remove", keyOf(input), {
        operation: "deleteConnection",
        details,
        idempotent: true,
      });
    });
  }

  /** Deletes every connection, in bounded calls. */
  dangerouslyClearAll(): Promise<void> {
    return withErrorContext({ operation: "dangerouslyClearAll" }, async () => {
      for (;;) {
        const { done } = await this.#ctx.transport.mutation<{ done: boolean }>(
          "toolProviderConnections/connections:clear",
          {},
          { operation: "dangerouslyClearAll", idempotent: true },
        );
        if (done) return;
      }
    });
  }
}
