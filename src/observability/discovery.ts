/**
 * Filter discovery of the observability domain (Mastra Studio's filter
 * menus): sorted distinct values read from the dictionary our writing
 * mutations keep (`convex/observability/discovery.ts`), never by scanning
 * events. Values stay listed after the events carrying them are deleted.
 */
import type {
  GetEntityNamesArgs,
  GetEntityNamesResponse,
  GetEntityTypesResponse,
  GetEnvironmentsResponse,
  GetMetricLabelKeysArgs,
  GetMetricLabelKeysResponse,
  GetMetricLabelValuesArgs,
  GetMetricLabelValuesResponse,
  GetMetricNamesArgs,
  GetMetricNamesResponse,
  GetServiceNamesResponse,
  GetTagsArgs,
  GetTagsResponse,
} from "../coreTypes.ts";
import { EntityType } from "@mastra/core/observability";
import { ANY_SCOPE, entityTypeScope, labelScope } from "../../convex/observability/signals/signals.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";

/** Reads sorted values of one dictionary kind and scope, optionally by prefix and up to `limit`. */
async function readValues(
  ctx: DomainContext,
  operation: string,
  kind: string,
  scope: string,
  prefix?: string,
  limit?: number,
): Promise<string[]> {
  const values: string[] = [];
  let after: string | undefined;
  for (;;) {
    const want = limit === undefined ? undefined : limit - values.length;
    const page = await ctx.transport.query<{ values: string[]; done: boolean }>("observability/discovery:listValues", {
      kind,
      scope,
      ...(prefix !== undefined ? { prefix } : {}),
      ...(after !== undefined ? { after } : {}),
      ...(want !== undefined ? { limit: want } : {}),
    }, { operation });
    values.push(...page.values);
    if (page.done || page.values.length === 0 || (limit !== undefined && values.length >= limit)) break;
    after = page.values[page.values.length - 1];
  }
  // Convex orders strings by UTF-8 bytes; core sorts by UTF-16 code units.
  return values.sort();
}

function optionalLimit(limit: unknown): number | undefined {
  if (limit === undefined || limit === null) return undefined;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidInputError(`limit must be a positive integer, got ${String(limit)}`);
  }
  return n;
}

function optionalPrefix(prefix: unknown): string | undefined {
  if (prefix === undefined || prefix === null || prefix === "") return undefined;
  if (typeof prefix !== "string") throw new InvalidInputError(`prefix must be a string`);
  return prefix;
}

const ENTITY_TYPES = new Set<string>(Object.values(EntityType));

/** Entity types seen on spans, logs and metrics (core's `EntityType` values only). */
export function getEntityTypes(ctx: DomainContext): Promise<GetEntityTypesResponse> {
  return withErrorContext({ operation: "getEntityTypes" }, async () => {
    const values = await readValues(ctx, "getEntityTypes", "entityType", "");
    return { entityTypes: values.filter((t) => ENTITY_TYPES.has(t)) as GetEntityTypesResponse["entityTypes"] };
  });
}

/** Entity names, optionally of one entity type. */
export function getEntityNames(ctx: DomainContext, args: GetEntityNamesArgs): Promise<GetEntityNamesResponse> {
  return withErrorContext({ operation: "getEntityNames" }, async () => {
    const type = args?.entityType;
    const scope = type ? entityTypeScope(type) : ANY_SCOPE;
    return { names: await readValues(ctx, "getEntityNames", "entityName", scope) };
  });
}

/** Service names. */
export function getServiceNames(ctx: DomainContext): Promise<GetServiceNamesResponse> {
  return withErrorContext({ operation: "getServiceNames" }, async () => ({
    serviceNames: await readValues(ctx, "getServiceNames", "serviceName", ""),
  }));
}

/** Environments. */
export function getEnvironments(ctx: DomainContext): Promise<GetEnvironmentsResponse> {
  return withErrorContext({ operation: "getEnvironments" }, async () => ({
    environments: await readValues(ctx, "getEnvironments", "environment", ""),
  }));
}

/** Tags, optionally of one entity type. */
export function getTags(ctx: DomainContext, args: GetTagsArgs): Promise<GetTagsResponse> {
  return withErrorContext({ operation: "getTags" }, async () => {
    const type = args?.entityType;
    return { tags: await readValues(ctx, "getTags", "tag", type ? entityTypeScope(type) : ANY_SCOPE) };
  });
}

/** Metric names, optionally by prefix and up to `limit`. */
export function getMetricNames(ctx: DomainContext, args: GetMetricNamesArgs): Promise<GetMetricNamesResponse> {
  return withErrorContext({ operation: "getMetricNames" }, async () => ({
    names: await readValues(
      ctx,
      "getMetricNames",
      "metricName",
      "",
      optionalPrefix(args?.prefix),
      optionalLimit(args?.limit),
    ),
  }));
}

/** Label keys of one metric. */
export function getMetricLabelKeys(
  ctx: DomainContext,
  args: GetMetricLabelKeysArgs,
): Promise<GetMetricLabelKeysResponse> {
  return withErrorContext({ operation: "getMetricLabelKeys" }, async () => {
    if (typeof args?.metricName !== "string") throw new InvalidInputError("metricName must be a string");
    return { keys: await readValues(ctx, "getMetricLabelKeys", "labelKey", args.metricName) };
  });
}

/** Values of one label of one metric, optionally by prefix and up to `limit`. */
export function getMetricLabelValues(
  ctx: DomainContext,
  args: GetMetricLabelValuesArgs,
): Promise<GetMetricLabelValuesResponse> {
  return withErrorContext({ operation: "getMetricLabelValues" }, async () => {
    if (typeof args?.metricName !== "string") throw new InvalidInputError("metricName must be a string");
    if (typeof args?.labelKey !== "string") throw new InvalidInputError("labelKey must be a string");
    return {
      values: await readValues(
        ctx,
        "getMetricLabelValues",
        "labelValue",
        labelScope(args.metricName, args.labelKey),
        optionalPrefix(args.prefix),
        optionalLimit(args.limit),
      ),
    };
  });
}
