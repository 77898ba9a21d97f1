/**
 * Mastra's workflow-definitions domain on Convex (`convex/workflowDefinitions/`):
 * `upsert` creates (schemas and graph required) or partially updates a
 * definition in one mutation; `schedule: null` clears the schedule.
 */
import { WorkflowDefinitionsStorage } from "@mastra/core/storage";
import type {
  CreateWorkflowDefinitionInput,
  ListWorkflowDefinitionsInput,
  ListWorkflowDefinitionsOutput,
  UpdateWorkflowDefinitionInput,
  WorkflowDefinition,
} from "../coreTypes.ts";
import { decodeValue, encodeValue } from "../../convex/kit/codec.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { DefinitionRow } from "../../convex/workflowDefinitions/validators.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { loadLarge, sweepBlobs } from "../kit/largeValues.ts";
import { requireId, requireKey } from "../kit/validate.ts";
import { runWalk } from "../kit/walk.ts";

/** Workflow definitions stored in Convex. */
export class ConvexWorkflowDefinitionsStorage extends WorkflowDefinitionsStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Nothing to do: the component's tables exist once it is deployed. */
  override async init(): Promise<void> {}

  async #definition(row: DefinitionRow, operation: string): Promise<WorkflowDefinition> {
    const body = decodeValue(await loadLarge(this.#ctx, row.body, operation)) as Record<string, unknown>;
    return {
      id: row.id,
      ...body,
      status: row.status,
      ...(row.authorId !== undefined ? { authorId: row.authorId } : {}),
      createdAt: new Date(row.createdAt),
      updatedAt: new Date(row.updatedAt),
    } as WorkflowDefinition;
  }

  /** Creates a definition (schemas and graph required) or changes the given fields of an existing one. */
  upsert(input: CreateWorkflowDefinitionInput | UpdateWorkflowDefinitionInput): Promise<WorkflowDefinition> {
    const details = { id: typeof input?.id === "string" ? input.id : null };
    return withErrorContext({ operation: "upsert", details }, async () => {
      if (input === null || typeof input !== "object") throw new InvalidInputError("upsert needs a definition");
      const id = requireId(input.id, "id");
      const status = (input as UpdateWorkflowDefinitionInput).status;
      if (status !== undefined && status !== "active" && status !== "archived") {
        throw new InvalidInputError(`status must be "active" or "archived", got ${JSON.stringify(status)}`);
      }
      if (input.authorId !== undefined) requireKey(input.authorId, "authorId");
      // Safe to repeat: a repeat writes the same fields again.
      const { row, released } = await this.#ctx.transport.mutation<{ row: DefinitionRow; released: boolean }>(
        "workflowDefinitions/definitions:upsert",
        { id, input: encodeValue(input) },
        { operation: "upsert", details, idempotent: true },
      );
      if (released) await sweepBlobs(this.#ctx, "upsert");
      return await this.#definition(row, "upsert");
    });
  }

  /** One definition, or `null`. */
  get(id: string): Promise<WorkflowDefinition | null> {
    const details = { id: typeof id === "string" ? id : null };
    return withErrorContext({ operation: "get", details }, async () => {
      const row = await this.#ctx.transport.query<DefinitionRow | null>("workflowDefinitions/definitions:get", {
        id: requireId(id, "id"),
      }, { operation: "get", details });
      return row ? await this.#definition(row, "get") : null;
    });
  }

  /** Every definition of a status and/or author, in the order they were first stored, in bounded calls. */
  list(args?: ListWorkflowDefinitionsInput): Promise<ListWorkflowDefinitionsOutput> {
    return withErrorContext({ operation: "list" }, async () => {
      const filter: Record<string, string> = {};
      if (args?.status) filter.status = requireKey(args.status, "status");
      if (args?.authorId !== undefined) filter.authorId = requireKey(args.authorId, "authorId");
      const { rows } = await runWalk((state: WalkState | undefined) =>
        this.#ctx.transport.query<ListResult<DefinitionRow>>("workflowDefinitions/definitions:list", {
          ...filter,
          ...(state ? { state } : {}),
        }, { operation: "list" })
      );
      const definitions: WorkflowDefinition[] = [];
      for (const row of rows) definitions.push(await this.#definition(row, "list"));
      return { definitions, total: definitions.length };
    });
  }

  /** Deletes a definition (nothing when it does not exist). */
  delete(id: string): Promise<void> {
    const details = { id: typeof id === "string" ? id : null };
    return withErrorContext({ operation: "delete", details }, async () => {
      const { released } = await this.#ctx.transport.mutation<{ released: boolean }>(
        "workflowDefinitions/definitions:remove",
        { id: requireId(id, "id") },
        { operation: "delete", details, idempotent: true },
      );
      if (released) await sweepBlobs(this.#ctx, "delete");
    });
  }

  /** Deletes every definition, in bounded calls. */
  override dangerouslyClearAll(): Promise<void> {
    return withErrorContext({ operation: "dangerouslyClearAll" }, async () => {
      let released = false;
      for (;;) {
        const step = await this.#ctx.transport.mutation<{ done: boolean; released: boolean }>(
          "workflowDefinitions/definitions:clear",
          {},
          { operation: "dangerouslyClearAll", idempotent: true },
        );
        released ||= step.released;
        if (step.done) break;
      }
      if (released) await sweepBlobs(this.#ctx, "dangerouslyClearAll");
    });
  }
}
