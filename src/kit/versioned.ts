/**
 * Client side of the versioned-entity mechanism (`convex/kit/versioned.ts`),
 * written once: {@link versionedDomain} turns one of core's
 * `VersionedStorageDomain` base classes (`AgentsStorage`, ...) and a small
 * {@link VersionedDomainDeclaration} into a complete domain over Convex.
 * Imports no domain.
 *
 * A version's body (its configuration, `changedFields`, `changeMessage`)
 * is one codec text (`kit/codec.ts`), stored out of line when large
 * (`kit/largeValues.ts`), so version rows of any size round-trip exactly.
 * `getByIdResolved` and `listResolved` fetch records with their versions in
 * one call; `getVersions` fetches a set of versions in one call (per 500).
 */
import type { VersionedStorageDomain } from "@mastra/core/storage";
import { calculatePagination, normalizePerPage } from "@mastra/core/storage";
import { decodeValue, encodeValue } from "../../convex/kit/codec.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import { MAX_VERSION_IDS, type VersionedDeclaration } from "../../convex/kit/versioned.ts";
import type {
  EntityFilter,
  EntityInput,
  EntityRow,
  EntitySet,
  Resolution,
  ResolvedRow,
  VersionRow,
} from "../../convex/kit/versionedRows.ts";
import type { DomainContext } from "./context.ts";
import { InvalidInputError, withErrorContext } from "./errors.ts";
import { loadLarge, storeLarge, sweepBlobs } from "./largeValues.ts";
import { runWalk } from "./walk.ts";
import { requireId, requireIdList, requireKey } from "./validate.ts";
import type { CallOptions, FunctionPath } from "../transport.ts";

/** Record fields a create input may carry besides its configuration. */
export type RecordField = "authorId" | "visibility" | "metadata" | "organizationId" | "projectId";
/** List filters a domain's contract has. */
export type ListFilter =
  | "status"
  | "authorId"
  | "visibility"
  | "organizationId"
  | "projectId"
  | "metadata"
  | "entityIds"
  | "favorites";

/** What distinguishes one versioned domain's client from another. */
export type VersionedDomainDeclaration = {
  /** The Convex side's declaration (domain key, names). */
  server: VersionedDeclaration;
  /** Key of the create input (`{ agent: {...} }`). */
  createKey: string;
  /** Foreign-key field of version rows (`agentId`). */
  fkField: string;
  /** Create-input fields that go on the record (the rest is the version's configuration). */
  recordFields: readonly RecordField[];
  /** Record fields an update sets besides `activeVersionId` and `status`. */
  updateFields: readonly ("authorId" | "visibility")[];
  /** An update's `metadata` merges into the record's (else it is a config field). */
  mergesMetadata: boolean;
  /** A record created with an author and no visibility is `private`. */
  defaultsVisibility: boolean;
  /** List filters of the domain's contract. */
  listFilters: readonly ListFilter[];
  /** How the status filter applies: when truthy, when defined, or never. */
  statusFilter: "truthy" | "defined" | "none";
  /** Status listed when none is given (core's MCP servers list published ones by default). */
  defaultStatus?: string;
  /** A metadata filter matches nothing (skills keep metadata in versions). */
  metadataMatchesNothing?: boolean;
};

// deno-lint-ignore no-explicit-any
type AnyVersioned = VersionedStorageDomain<any, any, any, any, any, any, any, any, any, any, any, any>;
/** A versioned domain base class with its list key and version metadata fields filled in (as core's are). */
type ConcreteBase = new () => AnyVersioned & { listKey: string; versionMetadataFields: string[] };
/** A concrete versioned domain class over Convex. */
export type VersionedDomainClass<T> = new (ctx: DomainContext) => T;

/** Highest page offset core accepts. */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER / 2;

/** Metadata fields of every version row (the rest is the body). */
function splitVersion(version: Record<string, unknown>, fk: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(version)) {
    if (key === "id" || key === fk || key === "versionNumber" || key === "createdAt") continue;
    Object.defineProperty(body, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return body;
}

/** The checked offset and limit of a list, as core computes them. */
function pageOf(page: unknown, perPageInput: unknown, defaultPerPage: number) {
  const perPage = normalizePerPage(perPageInput as number | false | undefined, defaultPerPage);
  const { offset, perPage: perPageForResponse } = calculatePagination(
    page as number,
    perPageInput as number | false | undefined,
    perPage,
  );
  if ((page as number) * perPage > MAX_OFFSET) throw new InvalidInputError("page value too large");
  return { offset, limit: perPage, perPageForResponse };
}

/**
 * A complete versioned domain: `Base` (one of core's versioned domain
 * classes) implemented over the versioned functions (`convex/versioned/functions.ts`).
 */
export function versionedDomain<T extends AnyVersioned>(
  Base: abstract new () => T,
  decl: VersionedDomainDeclaration,
): VersionedDomainClass<T> {
  const fk = decl.fkField;
  const domain = decl.server.domain;
  const path = (fn: string): FunctionPath => `versioned/functions:${fn}`;
  const BaseClass = Base as unknown as ConcreteBase;

  class ConvexVersionedDomain extends BaseClass {
    readonly #ctx: DomainContext;

    constructor(ctx: DomainContext) {
      super();
      this.#ctx = ctx;
    }

    /** A query of the versioned functions, for this domain. */
    #query<R>(fn: string, args: Record<string, unknown>, options: CallOptions): Promise<R> {
      return this.#ctx.transport.query<R>(path(fn), { domain, ...args }, options);
    }

    /** A mutation of the versioned functions, for this domain. */
    #mutation<R>(fn: string, args: Record<string, unknown>, options: CallOptions): Promise<R> {
      return this.#ctx.transport.mutation<R>(path(fn), { domain, ...args }, options);
    }

    /** Nothing to do: the component's tables exist once it is deployed. */
    override async init(): Promise<void> {}

    /** Deletes every record and version of this domain, in bounded calls. */
    async dangerouslyClearAll(): Promise<void> {
      await withErrorContext({ operation: "dangerouslyClearAll" }, async () => {
        let released = false;
        for (;;) {
          const step = await this.#mutation<{ done: boolean; released: boolean }>("clear", {}, {
            operation: "dangerouslyClearAll",
            idempotent: true,
          });
          released ||= step.released;
          if (step.done) break;
        }
        if (released) await sweepBlobs(this.#ctx, "dangerouslyClearAll");
      });
    }

    #entity(row: EntityRow): Record<string, unknown> {
      const { domain: _domain, metadata, createdAt, updatedAt, ...rest } = row;
      return {
        ...rest,
        ...(metadata !== undefined ? { metadata: decodeValue(metadata) } : {}),
        createdAt: new Date(createdAt),
        updatedAt: new Date(updatedAt),
      };
    }

    async #version(row: VersionRow, operation: string): Promise<Record<string, unknown>> {
      const body = decodeValue(await loadLarge(this.#ctx, row.body, operation)) as Record<string, unknown>;
      return {
        id: row.id,
        [fk]: row.entityId,
        versionNumber: row.versionNumber,
        ...body,
        createdAt: new Date(row.createdAt),
      };
    }

    async #body(body: Record<string, unknown>, operation: string): Promise<string> {
      return await storeLarge(this.#ctx, encodeValue(body), operation);
    }

    async #resolved(resolved: ResolvedRow, operation: string): Promise<Record<string, unknown>> {
      const entity = this.#entity(resolved.entity);
      if (resolved.version === null) return entity;
      // deno-lint-ignore no-explicit-any
      return this.mergeVersion(entity as any, await this.#version(resolved.version, operation) as any);
    }

    /** One record, or `null`. */
    async getById(id: string): Promise<unknown> {
      const details = { id: typeof id === "string" ? id : null };
      return await withErrorContext({ operation: "getById", details }, async () => {
        const row = await this.#query<EntityRow | null>("get", { id: requireId(id, "id") }, {
          operation: "getById",
          details,
        });
        return row ? this.#entity(row) : null;
      });
    }

    /** Creates a record (status `draft`) and its version 1 in one mutation; fails if the id exists. */
    async create(input: Record<string, unknown>): Promise<unknown> {
      const given = (input as Record<string, Record<string, unknown>>)?.[decl.createKey];
      const details = { id: typeof given?.id === "string" ? given.id : null };
      return await withErrorContext({ operation: "create", details }, async () => {
        if (given === null || typeof given !== "object") {
          throw new InvalidInputError(`create needs { ${decl.createKey}: { id, ... } }`);
        }
        const id = requireId(given.id, `${decl.createKey}.id`);
        const entity: EntityInput = { id };
        const snapshot: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(given)) {
          if (key === "id") continue;
          if ((decl.recordFields as readonly string[]).includes(key)) {
            if (value === undefined) continue;
            if (key === "metadata") entity.metadata = encodeValue(value);
            else entity[key as Exclude<RecordField, "metadata">] = requireKey(value, `${decl.createKey}.${key}`);
          } else {
            Object.defineProperty(snapshot, key, { value, enumerable: true, writable: true, configurable: true });
          }
        }
        if (decl.defaultsVisibility && entity.visibility === undefined && given.authorId) entity.visibility = "private";
        const body = await this.#body({
          ...snapshot,
          changedFields: Object.keys(snapshot),
          changeMessage: "Initial version",
        }, "create");
        const row = await this.#mutation<EntityRow>("create", {
          entity,
          version: { id: crypto.randomUUID(), entityId: id, versionNumber: 1, body },
          opId: crypto.randomUUID(),
        }, { operation: "create", details, idempotent: true });
        return this.#entity(row);
      });
    }

    /**
     * Sets record fields and merges metadata; versioning domains also write a
     * version from the config fields given. Fails if the record does not exist.
     */
    async update(input: Record<string, unknown>): Promise<unknown> {
      const details = { id: typeof input?.id === "string" ? input.id : null };
      return await withErrorContext({ operation: "update", details }, async () => {
        const { id, ...updates } = input ?? {};
        const set: EntitySet = {};
        const recordKeys = new Set<string>([...decl.updateFields, "activeVersionId", "status"]);
        if (decl.mergesMetadata) recordKeys.add("metadata");
        for (const key of recordKeys) {
          const value = updates[key];
          if (value === undefined || key === "metadata") continue;
          set[key as keyof EntitySet] = requireKey(value, key);
        }
        const args: Record<string, unknown> = { id: requireId(id, "id"), set, opId: crypto.randomUUID() };
        if (decl.mergesMetadata && updates.metadata !== undefined) args.metadata = encodeValue(updates.metadata);
        if (decl.server.updateVersioning) {
          const config: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(updates)) {
            if (recordKeys.has(key) || value === undefined) continue;
            Object.defineProperty(config, key, { value, enumerable: true, writable: true, configurable: true });
          }
          if (Object.keys(config).length > 0) {
            args.config = encodeValue(config);
            args.versionId = crypto.randomUUID();
          }
        }
        const row = await this.#mutation<EntityRow>("update", args, {
          operation: "update",
          details,
          idempotent: true,
        });
        return this.#entity(row);
      });
    }

    /** Deletes a record and its versions (not its favorites), in bounded calls. */
    async delete(id: string): Promise<void> {
      await this.#drain("delete", "remove", { id: requireId(id, "id") }, { id });
    }

    /** Deletes every version of an entity (the record stays), in bounded calls. */
    async deleteVersionsByParentId(entityId: string): Promise<void> {
      await this.#drain("deleteVersionsByParentId", "removeVersionsOf", { entityId: requireId(entityId, "entityId") }, {
        entityId,
      });
    }

    async #drain(operation: string, fn: string, args: Record<string, unknown>, details: Record<string, string>) {
      await withErrorContext({ operation, details }, async () => {
        let released = false;
        for (;;) {
          const step = await this.#mutation<{ done: boolean; released: boolean }>(fn, args, {
            operation,
            details,
            idempotent: true,
          });
          released ||= step.released;
          if (step.done) break;
        }
        if (released) await sweepBlobs(this.#ctx, operation);
      });
    }

    #filter(args: Record<string, unknown>): EntityFilter {
      const has = (name: ListFilter) => decl.listFilters.includes(name);
      const filter: EntityFilter = {};
      const status = (args.status ?? decl.defaultStatus) as string | undefined;
      if (decl.statusFilter === "truthy" ? Boolean(status) : decl.statusFilter === "defined" && status !== undefined) {
        filter.status = requireKey(status, "status");
      }
      for (const name of ["authorId", "visibility", "organizationId", "projectId"] as const) {
        if (has(name) && args[name] !== undefined) filter[name] = requireKey(args[name], name);
      }
      const metadata = args.metadata;
      if (has("metadata") && metadata && typeof metadata === "object" && Object.keys(metadata).length > 0) {
        filter.metadata = encodeValue(metadata);
        if (decl.metadataMatchesNothing) filter.metadataMatchesNothing = true;
      }
      if (has("entityIds") && args.entityIds !== undefined) {
        filter.entityIds = requireIdList(args.entityIds, "entityIds");
      }
      if (has("favorites")) {
        if (args.pinFavoritedFor) filter.pinUser = requireId(args.pinFavoritedFor, "pinFavoritedFor");
        if (args.favoritedOnly) filter.favoritedOnly = true;
      }
      return filter;
    }

    async #list(args: Record<string, unknown> | undefined, resolve: Resolution | undefined, operation: string) {
      const { page = 0, perPage: perPageInput, orderBy } = args ?? {};
      const { field, direction } = this.parseOrderBy(orderBy as never);
      const { offset, limit, perPageForResponse } = pageOf(page, perPageInput, 100);
      const filter = this.#filter(args ?? {});
      let pinned: number | undefined;
      const { rows, total } = await runWalk((state: WalkState | undefined) =>
        this.#query<ListResult<ResolvedRow> & { pinned: number }>("list", {
          filter,
          field,
          direction: direction === "ASC" ? "asc" : "desc",
          offset,
          limit,
          ...(resolve ? { resolve } : {}),
          ...(state ? { state, pinned } : {}),
        }, { operation }).then((result) => {
          pinned = result.pinned;
          return result;
        })
      );
      const count = total ?? rows.length;
      return {
        rows,
        page: { total: count, page, perPage: perPageForResponse, hasMore: offset + limit < count },
      };
    }

    /** A page of records in core's order, with its exact total. */
    async list(args?: Record<string, unknown>): Promise<unknown> {
      return await withErrorContext({ operation: "list" }, async () => {
        const { rows, page } = await this.#list(args, undefined, "list");
        return { [this.listKey]: rows.map((row) => this.#entity(row.entity)), ...page };
      });
    }

    /** A page of records merged with their published (or draft) versions, in one call. */
    override async listResolved(args?: Record<string, unknown>): Promise<unknown> {
      return await withErrorContext({ operation: "listResolved" }, async () => {
        const status = args?.status === "draft" ? "draft" : "published";
        const { rows, page } = await this.#list(args, { status }, "listResolved");
        const resolved = await Promise.all(rows.map((row) => this.#resolved(row, "listResolved")));
        return { [this.listKey]: resolved, ...page };
      });
    }

    /** A record merged with its published version (active, else latest), its draft, or a given version. */
    override async getByIdResolved(
      id: string,
      options?: { status?: "draft" | "published" | "archived"; versionId?: string },
    ): Promise<unknown> {
      const details = { id: typeof id === "string" ? id : null };
      return await withErrorContext({ operation: "getByIdResolved", details }, async () => {
        const how: Resolution = options?.versionId
          ? { versionId: requireId(options.versionId, "versionId") }
          : { status: options?.status === "draft" ? "draft" : "published" };
        const resolved = await this.#query<ResolvedRow | null>("resolve", {
          id: requireId(id, "id"),
          how,
        }, { operation: "getByIdResolved", details });
        return resolved ? await this.#resolved(resolved, "getByIdResolved") : null;
      });
    }

    /** Inserts a version; fails with "already exists" on a taken id or `(entity, versionNumber)`. */
    async createVersion(input: Record<string, unknown>): Promise<unknown> {
      const details = { versionId: typeof input?.id === "string" ? input.id : null };
      return await withErrorContext({ operation: "createVersion", details }, async () => {
        const versionNumber = input?.versionNumber;
        if (typeof versionNumber !== "number" || !Number.isFinite(versionNumber)) {
          throw new InvalidInputError(`versionNumber must be a finite number, got ${String(versionNumber)}`);
        }
        const body = await this.#body(splitVersion(input, fk), "createVersion");
        const row = await this.#mutation<VersionRow>("createVersion", {
          version: { id: requireId(input.id, "id"), entityId: requireId(input[fk], fk), versionNumber, body },
          opId: crypto.randomUUID(),
        }, { operation: "createVersion", details, idempotent: true });
        return await this.#version(row, "createVersion");
      });
    }

    async #oneVersion(operation: string, fn: string, args: Record<string, unknown>): Promise<unknown> {
      const details = Object.fromEntries(
        Object.entries(args).map(([key, value]) => [key, typeof value === "object" ? null : value as string]),
      );
      return await withErrorContext({ operation, details }, async () => {
        const row = await this.#query<VersionRow | null>(fn, args, { operation, details });
        return row ? await this.#version(row, operation) : null;
      });
    }

    /** One version by id, or `null`. */
    getVersion(id: string): Promise<unknown> {
      return this.#oneVersion("getVersion", "getVersion", { id: requireId(id, "id") });
    }

    /** An entity's version by number, or `null`. */
    getVersionByNumber(entityId: string, versionNumber: number): Promise<unknown> {
      return this.#oneVersion("getVersionByNumber", "getVersionByNumber", {
        entityId: requireId(entityId, "entityId"),
        versionNumber,
      });
    }

    /** An entity's highest-numbered version, or `null`. */
    getLatestVersion(entityId: string): Promise<unknown> {
      return this.#oneVersion("getLatestVersion", "getLatestVersion", { entityId: requireId(entityId, "entityId") });
    }

    /** The versions of the given ids that exist, one call per 500 ids. */
    override async getVersions(ids: string[]): Promise<never[]> {
      return await withErrorContext({ operation: "getVersions" }, async () => {
        const unique = [...new Set(requireIdList(ids, "ids"))];
        const out: Record<string, unknown>[] = [];
        for (let i = 0; i < unique.length; i += MAX_VERSION_IDS) {
          const rows = await this.#query<VersionRow[]>("getVersions", {
            ids: unique.slice(i, i + MAX_VERSION_IDS),
          }, { operation: "getVersions" });
          for (const row of rows) out.push(await this.#version(row, "getVersions"));
        }
        return out as never[];
      });
    }

    /** A page of an entity's versions (newest first by default), with its exact total. */
    async listVersions(input: Record<string, unknown>): Promise<unknown> {
      return await withErrorContext({ operation: "listVersions" }, async () => {
        const { page = 0, perPage: perPageInput, orderBy } = input ?? {};
        const { field, direction } = this.parseVersionOrderBy(orderBy as never);
        const { offset, limit, perPageForResponse } = pageOf(page, perPageInput, 20);
        const entityId = requireId(input?.[fk], fk);
        const { rows, total } = await runWalk((state: WalkState | undefined) =>
          this.#query<ListResult<VersionRow>>("listVersions", {
            entityId,
            field,
            direction: direction === "ASC" ? "asc" : "desc",
            offset,
            limit,
            ...(state ? { state } : {}),
          }, { operation: "listVersions", details: { [fk]: entityId } })
        );
        const count = total ?? rows.length;
        const versions = [];
        for (const row of rows) versions.push(await this.#version(row, "listVersions"));
        return { versions, total: count, page, perPage: perPageForResponse, hasMore: offset + limit < count };
      });
    }

    /** Deletes one version (nothing when it does not exist). */
    async deleteVersion(id: string): Promise<void> {
      const details = { versionId: typeof id === "string" ? id : null };
      await withErrorContext({ operation: "deleteVersion", details }, async () => {
        const { released } = await this.#mutation<{ released: boolean }>("deleteVersion", {
          id: requireId(id, "id"),
        }, { operation: "deleteVersion", details, idempotent: true });
        if (released) await sweepBlobs(this.#ctx, "deleteVersion");
      });
    }

    /** Number of versions of an entity (one counter read). */
    async countVersions(entityId: string): Promise<number> {
      const details = { entityId: typeof entityId === "string" ? entityId : null };
      return await withErrorContext(
        { operation: "countVersions", details },
        async () =>
          await this.#query<number>("countVersions", {
            entityId: requireId(entityId, "entityId"),
          }, { operation: "countVersions", details }),
      );
    }
  }
  return ConvexVersionedDomain as unknown as VersionedDomainClass<T>;
}
