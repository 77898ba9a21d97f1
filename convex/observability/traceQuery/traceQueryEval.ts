/**
 * Evaluation of core's trusted trace-query predicates (`TrustedTraceQueryPredicate`
 * of `@mastra/core/storage`) against one trace and its spans.
 *
 * The semantics are those of `@mastra/pg`'s `PostgresStoreVNext`, the store core
 * names as reference for these plans:
 * - `eq` / `ne` are `IS NOT DISTINCT FROM` / `IS DISTINCT FROM` (a missing field is
 *   `ne` to every value, `eq` to none);
 * - `lt`/`lte`/`gt`/`gte` and `in` require a present value; `notIn` matches a missing one;
 * - `exists` / `notExists` test presence; `includes` matches a collection holding the
 *   value, `notIncludes` a non-empty collection without it; `empty` / `notEmpty` test size;
 * - timestamps compare as instants (plan literals are ISO strings, stored values epoch ms);
 * - a relation `some` holds when one related record matches, `none` when none does.
 *
 * Plans travel as JSON text (they are recursive and already validated by core's planner),
 * so this module only reads them. It imports nothing; both sides may use it.
 */

/** Counter numbering root-span writes of listed traces (trace-query delta polling). */
export const ROOT_SEQ_COUNTER = "observability:rootSeq";

/** A field value as the evaluator sees it: string, number (timestamps: epoch ms), string list, or missing. */
export type FieldValue = string | number | string[] | null | undefined;

/** A scalar predicate of a plan (over a trace, a span, a score or a feedback record). */
export type ScalarPredicate =
  | { type: "comparison"; field: string; operator: "eq" | "ne" | "lt" | "lte" | "gt" | "gte"; value: string | number }
  | { type: "membership"; field: string; operator: "in" | "notIn"; values: (string | number)[] }
  | { type: "presence"; field: string; operator: "exists" | "notExists" }
  | { type: "collection"; field: string; operator: "includes" | "notIncludes"; value: string }
  | { type: "collection"; field: string; operator: "empty" | "notEmpty" }
  | { type: "boolean"; operator: "and" | "or"; args: ScalarPredicate[] }
  | { type: "not"; arg: ScalarPredicate };

/** A trace predicate of a plan: scalar over the trace, or a relation over its spans, scores or feedback. */
export type TracePredicate =
  | ScalarPredicate
  | { type: "boolean"; operator: "and" | "or"; args: TracePredicate[] }
  | { type: "not"; arg: TracePredicate }
  | {
    type: "relation";
    collection: "spans" | "scores" | "feedback";
    quantifier: "some" | "none";
    predicate: ScalarPredicate;
  };

/** A thread predicate of a thread plan: relations over the thread's eligible traces. */
export type ThreadPredicate =
  | { type: "boolean"; operator: "and" | "or"; args: ThreadPredicate[] }
  | { type: "not"; arg: ThreadPredicate }
  | { type: "relation"; collection: "traces"; quantifier: "some" | "none"; predicate: TracePredicate };

/** Fields whose plan literals are ISO timestamps (compared as epoch ms). */
const TIME_FIELDS = new Set(["startedAt", "endedAt", "timestamp"]);

/** Reads a field of the record under evaluation. */
export type FieldReader = (field: string) => FieldValue;

function literal(field: string, value: string | number): string | number {
  return typeof value === "string" && TIME_FIELDS.has(field) ? Date.parse(value) : value;
}

function compare(left: string | number, right: string | number): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function present(value: FieldValue): value is string | number | string[] {
  return value !== null && value !== undefined;
}

function scalarEquals(actual: FieldValue, expected: string | number): boolean {
  return present(actual) && !Array.isArray(actual) && typeof actual === typeof expected && actual === expected;
}

/** Evaluates a scalar predicate against one record. */
export function evalScalar(predicate: ScalarPredicate, read: FieldReader): boolean {
  switch (predicate.type) {
    case "boolean":
      return predicate.operator === "and"
        ? predicate.args.every((arg) => evalScalar(arg, read))
        : predicate.args.some((arg) => evalScalar(arg, read));
    case "not":
      return !evalScalar(predicate.arg, read);
    case "presence": {
      const value = read(predicate.field);
      const exists = Array.isArray(value) ? true : present(value);
      return predicate.operator === "exists" ? exists : !exists;
    }
    case "collection": {
      const raw = read(predicate.field);
      const list = Array.isArray(raw) ? raw : [];
      if (predicate.operator === "empty") return list.length === 0;
      if (predicate.operator === "notEmpty") return list.length > 0;
      const has = list.includes((predicate as { value: string }).value);
      return predicate.operator === "includes" ? has : list.length > 0 && !has;
    }
    case "membership": {
      const value = read(predicate.field);
      const hit = predicate.values.some((candidate) => scalarEquals(value, literal(predicate.field, candidate)));
      if (predicate.operator === "in") return hit;
      return !present(value) || !hit;
    }
    case "comparison": {
      const value = read(predicate.field);
      const expected = literal(predicate.field, predicate.value);
      if (predicate.operator === "eq") return scalarEquals(value, expected);
      if (predicate.operator === "ne") return !scalarEquals(value, expected);
      if (!present(value) || Array.isArray(value) || typeof value !== typeof expected) return false;
      const order = compare(value, expected);
      switch (predicate.operator) {
        case "lt":
          return order < 0;
        case "lte":
          return order <= 0;
        case "gt":
          return order > 0;
        default:
          return order >= 0;
      }
    }
  }
}

/** What a trace predicate is evaluated against: the trace's fields and (lazily) its related records. */
export type TraceSubject = {
  read: FieldReader;
  related(collection: "spans" | "scores" | "feedback"): FieldReader[];
};

/** Evaluates a trace predicate against one trace. */
export function evalTrace(predicate: TracePredicate, subject: TraceSubject): boolean {
  switch (predicate.type) {
    case "relation": {
      const some = subject.related(predicate.collection).some((read) => evalScalar(predicate.predicate, read));
      return predicate.quantifier === "some" ? some : !some;
    }
    case "boolean":
      return predicate.operator === "and"
        ? predicate.args.every((arg) => evalTrace(arg, subject))
        : predicate.args.some((arg) => evalTrace(arg, subject));
    case "not":
      return !evalTrace(predicate.arg, subject);
    default:
      return evalScalar(predicate, subject.read);
  }
}

/** The collections a trace predicate relates to (so only those are loaded). */
export function relatedCollections(predicate: TracePredicate | undefined, out = new Set<string>()): Set<string> {
  if (!predicate) return out;
  if (predicate.type === "relation") out.add(predicate.collection);
  else if (predicate.type === "boolean") { for (const arg of predicate.args) relatedCollections(arg, out); }
  else if (predicate.type === "not") relatedCollections(predicate.arg, out);
  return out;
}

/** The trace predicates inside a thread predicate's relations, in a fixed order (index = position). */
export function threadRelations(predicate: ThreadPredicate | undefined, out: TracePredicate[] = []): TracePredicate[] {
  if (!predicate) return out;
  if (predicate.type === "relation") out.push(predicate.predicate);
  else if (predicate.type === "boolean") { for (const arg of predicate.args) threadRelations(arg, out); }
  else threadRelations(predicate.arg, out);
  return out;
}

/**
 * Evaluates a thread predicate given, for each relation (in {@link threadRelations} order),
 * whether some eligible trace of the thread matched it.
 */
export function evalThread(predicate: ThreadPredicate, anyMatched: boolean[]): boolean {
  let index = 0;
  const run = (node: ThreadPredicate): boolean => {
    if (node.type === "relation") {
      const some = anyMatched[index++] ?? false;
      return node.quantifier === "some" ? some : !some;
    }
    if (node.type === "not") return !run(node.arg);
    // evaluate every argument so relation positions stay aligned
    const results = node.args.map(run);
    return node.operator === "and" ? results.every(Boolean) : results.some(Boolean);
  };
  return run(predicate);
}

/**
 * Equality conditions every match must meet: `eq` comparisons with a string value on
 * `fields`, found in the top-level conjunction of a predicate (used to pick an index).
 */
export function conjunctEqualities(
  predicate: TracePredicate | undefined,
  fields: readonly string[],
): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (node: TracePredicate) => {
    if (node.type === "boolean" && node.operator === "and") node.args.forEach(visit);
    else if (
      node.type === "comparison" && node.operator === "eq" && typeof node.value === "string" &&
      fields.includes(node.field) && !out.has(node.field)
    ) out.set(node.field, node.value);
  };
  if (predicate) visit(predicate);
  return out;
}

/** Trace fields whose values the trace dictionary keeps (core's trace fields with value suggestions, besides metadata). */
export const DICTIONARY_VALUE_FIELDS: readonly string[] = ["entityName", "entityType", "environment", "status", "tags"];

/**
 * Whether a root metadata key has a `metadata.<key>` path the trace dictionary keeps:
 * non-empty, without `.`, at most 128 UTF-8 bytes as a path (core's `TRACE_QUERY_MAX_PATH_BYTES`).
 */
export function metadataKeyOk(key: string): boolean {
  return key !== "" && !key.includes(".") && new TextEncoder().encode(`metadata.${key}`).length <= 128;
}

/** Whether the trace dictionary (`traceDictionary.ts`) answers the values of a trace-scope `path`. */
export function dictionaryServesPath(path: string): boolean {
  if (DICTIONARY_VALUE_FIELDS.includes(path)) return true;
  return path.startsWith("metadata.") && metadataKeyOk(path.slice(9));
}

// ---------------------------------------------------------------------------
// Plan checks: a plan element this module does not understand is refused,
// never evaluated as something else (a newer core must not get wrong answers).

/** Thrown for a plan element the evaluator does not understand; the message names it and where. */
export class TracePlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TracePlanError";
  }
}

/** Deepest nesting of a plan's predicates. */
export const MAX_PREDICATE_DEPTH = 64;

const SCALAR_OPERATORS: Record<string, readonly string[]> = {
  comparison: ["eq", "ne", "lt", "lte", "gt", "gte"],
  membership: ["in", "notIn"],
  presence: ["exists", "notExists"],
  collection: ["includes", "notIncludes", "empty", "notEmpty"],
  boolean: ["and", "or"],
};
const RELATION_COLLECTIONS: Record<"trace" | "thread", readonly string[]> = {
  trace: ["spans", "scores", "feedback"],
  thread: ["traces"],
};

function planValue(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 60)}...` : text;
  } catch {
    return String(value);
  }
}

function isLiteral(value: unknown): value is string | number {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

/**
 * Checks a plan predicate: a scalar predicate, a trace predicate (scalars
 * and relations to spans, scores, feedback) or a thread predicate (relations
 * to traces). Throws {@link TracePlanError} naming the first element it does
 * not understand (type, operator, collection, quantifier, field or value)
 * and its path, or a nesting deeper than {@link MAX_PREDICATE_DEPTH}.
 */
export function checkPredicate(
  predicate: unknown,
  level: "scalar" | "trace" | "thread",
  path = "where",
  depth = 0,
): void {
  if (depth > MAX_PREDICATE_DEPTH) {
    throw new TracePlanError(`${path} nests deeper than ${MAX_PREDICATE_DEPTH} levels (the predicate nesting limit)`);
  }
  if (typeof predicate !== "object" || predicate === null || Array.isArray(predicate)) {
    throw new TracePlanError(`${path} must be a predicate object, got ${planValue(predicate)}`);
  }
  const node = predicate as Record<string, unknown>;
  const type = node.type;
  if (type === "not") return checkPredicate(node.arg, level, `${path}.arg`, depth + 1);
  if (type === "boolean") {
    if (!SCALAR_OPERATORS.boolean.includes(node.operator as string)) {
      throw new TracePlanError(`${path}: unknown boolean operator ${planValue(node.operator)}`);
    }
    if (!Array.isArray(node.args)) throw new TracePlanError(`${path}.args must be an array`);
    node.args.forEach((arg, i) => checkPredicate(arg, level, `${path}.args[${i}]`, depth + 1));
    return;
  }
  if (type === "relation") {
    if (level === "scalar") throw new TracePlanError(`${path}: a relation is not allowed inside a relation`);
    if (!RELATION_COLLECTIONS[level].includes(node.collection as string)) {
      throw new TracePlanError(`${path}: unknown ${level} relation collection ${planValue(node.collection)}`);
    }
    if (node.quantifier !== "some" && node.quantifier !== "none") {
      throw new TracePlanError(`${path}: unknown quantifier ${planValue(node.quantifier)}`);
    }
    return checkPredicate(node.predicate, level === "thread" ? "trace" : "scalar", `${path}.predicate`, depth + 1);
  }
  if (level === "thread") {
    throw new TracePlanError(`${path}: unknown thread predicate type ${planValue(type)}`);
  }
  const operators = typeof type === "string" && type !== "boolean" ? SCALAR_OPERATORS[type] : undefined;
  if (operators === undefined) throw new TracePlanError(`${path}: unknown predicate type ${planValue(type)}`);
  if (!operators.includes(node.operator as string)) {
    throw new TracePlanError(`${path}: unknown ${type} operator ${planValue(node.operator)}`);
  }
  if (typeof node.field !== "string" || node.field === "") {
    throw new TracePlanError(`${path}.field must be a non-empty string, got ${planValue(node.field)}`);
  }
  if (type === "comparison" && !isLiteral(node.value)) {
    throw new TracePlanError(`${path}.value must be a string or a finite number, got ${planValue(node.value)}`);
  }
  if (type === "membership" && !(Array.isArray(node.values) && node.values.every(isLiteral))) {
    throw new TracePlanError(`${path}.values must be an array of strings or numbers, got ${planValue(node.values)}`);
  }
  if (
    type === "collection" && (node.operator === "includes" || node.operator === "notIncludes") &&
    typeof node.value !== "string"
  ) {
    throw new TracePlanError(`${path}.value must be a string, got ${planValue(node.value)}`);
  }
}
