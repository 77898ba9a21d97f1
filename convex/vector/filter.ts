/**
 * Mastra's vector filter language, evaluated exactly on stored metadata, and
 * the analysis that finds the part of a filter Convex's vector search can
 * apply itself (equality on a push-down key). Shared by the server (which
 * applies filters) and the client (which checks them before sending).
 *
 * Filters travel as JSON text: dates as ISO strings, regular expressions as
 * `{ $regex, $options }` (the client converts them).
 *
 * Semantics (MongoDB's, which core's filter translators and LibSQLVector follow):
 * - `{ field: value }` is `{ field: { $eq: value } }`; dotted fields walk nested objects, and so does an object
 *   without operators (`{ a: { b: 1 } }` is `{ "a.b": 1 }`, as core's translators flatten it); `$eq` with an object
 *   value compares whole objects.
 * - `$eq` is deep equality, or containment when the field is an array and the value is not;
 *   `{ $eq: null }` also matches a missing field. `$ne`/`$nin` are the negations (so they match missing fields).
 * - `$gt $gte $lt $lte` compare numbers with numbers and strings with strings (ISO dates order as text);
 *   an array field matches when one element does; other types never match.
 * - `$in`/`$nin` take arrays; `$all` matches arrays holding every value; `$size` an array of that length;
 *   `$elemMatch` an array with one element matching the condition (operators, or fields of an object element).
 * - `$exists: true` matches present fields (including `null`); `$regex` (+ `$options` among `imsux`, or
 *   MongoDB's leading inline flags such as `(?i)`) matches strings.
 * - `$not` negates an operator condition (or, at the top level, a whole filter); `$and $or $nor` combine filters;
 *   empty, `$and: []` and `$nor: []` match everything and `$or: []` matches nothing (as Mastra's other stores do).
 * - A filter nests at most {@link MAX_FILTER_DEPTH} levels; the depth is checked before anything recurses.
 */

/** A parsed filter (plain JSON). */
export type Filter = { [key: string]: unknown };

/** Thrown for a malformed filter; the message says what and where. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FilterError";
  }
}

const LOGICAL = new Set(["$and", "$or", "$nor", "$not"]);
const FIELD_OPERATORS = new Set([
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$all",
  "$elemMatch",
  "$exists",
  "$regex",
  "$options",
  "$size",
  "$not",
]);
/** Deepest nesting of a filter (objects and arrays, counted from the filter itself). */
export const MAX_FILTER_DEPTH = 32;
const MAX_DEPTH = MAX_FILTER_DEPTH;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True for a non-empty object whose keys are all operators (`{ $gt: 1, $lt: 5 }`). */
function isOperatorObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith("$"));
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function isJsonValue(value: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (isScalar(value)) return typeof value !== "number" || Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (isPlainObject(value)) return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  return false;
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

/** Parses and validates filter JSON text; throws {@link FilterError}. */
export function parseFilter(text: string): Filter {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FilterError(`filter is not valid JSON: ${(error as Error).message}`);
  }
  validateFilter(value);
  return value as Filter;
}

/**
 * Throws {@link FilterError} when `value` nests objects or arrays deeper than
 * {@link MAX_FILTER_DEPTH} levels (or holds a cycle). Walks with an explicit
 * stack, so it is safe to call on any input before code that recurses.
 */
export function checkFilterDepth(value: unknown, path = "filter"): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (depth > MAX_FILTER_DEPTH) {
      throw new FilterError(`${path} nests deeper than ${MAX_FILTER_DEPTH} levels (the filter nesting limit)`);
    }
    if (current instanceof Date || current instanceof RegExp) continue;
    for (const item of Array.isArray(current) ? current : Object.values(current)) stack.push([item, depth + 1]);
  }
}

/** Checks that `filter` is a well-formed filter; throws {@link FilterError} naming the problem. */
export function validateFilter(filter: unknown, path = "filter", depth = 0): asserts filter is Filter {
  if (depth === 0) checkFilterDepth(filter, path);
  if (depth > MAX_DEPTH) throw new FilterError(`${path} nests deeper than ${MAX_DEPTH} levels`);
  if (!isPlainObject(filter)) throw new FilterError(`${path} must be an object, got ${describe(filter)}`);
  for (const [key, value] of Object.entries(filter)) {
    const at = `${path}.${key}`;
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (!Array.isArray(value)) {
        throw new FilterError(`${at} must be an array of filters, got ${describe(value)}`);
      }
      value.forEach((item, i) => validateFilter(item, `${at}[${i}]`, depth + 1));
    } else if (key === "$not") {
      if (!isPlainObject(value) || Object.keys(value).length === 0) {
        throw new FilterError(`${at} must be a non-empty filter object, got ${describe(value)}`);
      }
      validateFilter(value, at, depth + 1);
    } else if (key.startsWith("$")) {
      throw new FilterError(
        FIELD_OPERATORS.has(key)
          ? `${at}: ${key} must be applied to a field (e.g. { field: { ${key}: ... } }), not used at the top level`
          : `${at}: unsupported operator ${key}`,
      );
    } else {
      if (key === "" || key.split(".").some((part) => part === "")) {
        throw new FilterError(`${at}: field paths must be non-empty dot-separated names`);
      }
      validateCondition(value, at, depth + 1);
    }
  }
}

function validateCondition(condition: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new FilterError(`${path} nests deeper than ${MAX_DEPTH} levels`);
  if (isPlainObject(condition) && Object.keys(condition).some((key) => key.startsWith("$"))) {
    const keys = Object.keys(condition);
    if (!keys.every((key) => key.startsWith("$"))) {
      throw new FilterError(`${path} mixes operators and field names (${keys.join(", ")})`);
    }
    for (const [op, arg] of Object.entries(condition)) validateOperator(op, arg, condition, `${path}.${op}`, depth);
    return;
  }
  if (isNestedCondition(condition)) {
    for (const [key, value] of Object.entries(condition)) {
      if (key === "" || key.split(".").some((part) => part === "")) {
        throw new FilterError(`${path}.${key}: field paths must be non-empty dot-separated names`);
      }
      validateCondition(value, `${path}.${key}`, depth + 1);
    }
    return;
  }
  if (!isJsonValue(condition, depth)) throw new FilterError(`${path}: unsupported value ${describe(condition)}`);
}

/** A non-empty object without operators as a field condition: conditions on its sub-paths (`{ a: { b: 1 } }` is `{ "a.b": 1 }`). */
function isNestedCondition(condition: unknown): condition is Record<string, unknown> {
  return isPlainObject(condition) && Object.keys(condition).length > 0 &&
    !Object.keys(condition).some((key) => key.startsWith("$"));
}

function validateOperator(
  op: string,
  arg: unknown,
  siblings: Record<string, unknown>,
  path: string,
  depth: number,
): void {
  switch (op) {
    case "$eq":
    case "$ne":
      if (!isJsonValue(arg, depth)) throw new FilterError(`${path}: unsupported value ${describe(arg)}`);
      return;
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      if (!(typeof arg === "string" || (typeof arg === "number" && Number.isFinite(arg)))) {
        throw new FilterError(`${path} takes a number, string or date, got ${describe(arg)}`);
      }
      return;
    case "$in":
    case "$nin":
    case "$all":
      if (!Array.isArray(arg) || !arg.every((item) => isJsonValue(item, depth))) {
        throw new FilterError(`${path} takes an array of values, got ${describe(arg)}`);
      }
      return;
    case "$exists":
      if (typeof arg !== "boolean") throw new FilterError(`${path} takes true or false, got ${describe(arg)}`);
      return;
    case "$size":
      if (typeof arg !== "number" || !Number.isInteger(arg) || arg < 0) {
        throw new FilterError(`${path} takes a non-negative integer, got ${describe(arg)}`);
      }
      return;
    case "$regex": {
      if (typeof arg !== "string") throw new FilterError(`${path} takes a pattern string, got ${describe(arg)}`);
      compileRegex(arg, siblings.$options, path);
      return;
    }
    case "$options":
      if (siblings.$regex === undefined) throw new FilterError(`${path} is only valid next to $regex`);
      return;
    case "$not":
      if (!isOperatorObject(arg)) {
        throw new FilterError(`${path} takes an operator condition (e.g. { $not: { $gt: 5 } }), got ${describe(arg)}`);
      }
      validateCondition(arg, path, depth + 1);
      return;
    case "$elemMatch":
      if (!isPlainObject(arg) || Object.keys(arg).length === 0) {
        throw new FilterError(`${path} takes a non-empty condition object, got ${describe(arg)}`);
      }
      if (isElementOperatorCondition(arg)) validateCondition(arg, path, depth + 1);
      else validateFilter(arg, path, depth + 1);
      return;
    default:
      throw new FilterError(`${path}: unsupported operator ${op}`);
  }
}

/** Flags `$options` takes (MongoDB's, minus none): `x` is applied by rewriting the pattern. */
const REGEX_OPTIONS = /^[imsux]*$/;

/** MongoDB's leading inline flag groups: `(?i)`, `(?ms)`, `(?x)`, `(?-i)`. */
const INLINE_FLAGS = /^\(\?([imsx]*)(?:-([imsx]*))?\)/;

/**
 * Compiles a `$regex` pattern with its `$options` as MongoDB reads them:
 * flags among `imsux`, and leading inline flag groups (`(?i)`, `(?im)`,
 * `(?-i)`), which JavaScript lacks and which are turned into flags here.
 * `x` (extended) drops unescaped whitespace and `#` comments outside
 * character classes. Throws {@link FilterError} naming the problem.
 */
export function compileRegex(pattern: string, options: unknown, path = "$regex"): RegExp {
  if (options !== undefined && (typeof options !== "string" || !REGEX_OPTIONS.test(options))) {
    throw new FilterError(`${path}: $options takes flags among "imsux", got ${describe(options)}`);
  }
  const flags = new Set((options as string | undefined ?? "").split("").filter(Boolean));
  let source = pattern;
  for (let match = INLINE_FLAGS.exec(source); match && match[0] !== "(?)"; match = INLINE_FLAGS.exec(source)) {
    for (const flag of match[1]) flags.add(flag);
    for (const flag of match[2] ?? "") flags.delete(flag);
    source = source.slice(match[0].length);
  }
  if (flags.delete("x")) source = extendedPattern(source);
  try {
    return new RegExp(source, [...flags].join(""));
  } catch (error) {
    throw new FilterError(`${path}: invalid pattern: ${(error as Error).message}`);
  }
}

/** A PCRE extended-mode pattern without its insignificant whitespace and `#` comments. */
function extendedPattern(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "\\") {
      out += pattern.slice(i, i + 2);
      i++;
    } else if (inClass) {
      if (char === "]") inClass = false;
      out += char;
    } else if (char === "[") {
      inClass = true;
      out += char;
    } else if (char === "#") {
      while (i < pattern.length && pattern[i] !== "\n") i++;
    } else if (!/\s/.test(char)) {
      out += char;
    }
  }
  return out;
}

/** `$elemMatch` conditions on scalar elements use field operators only; otherwise they filter element objects. */
function isElementOperatorCondition(condition: Record<string, unknown>): boolean {
  return isOperatorObject(condition) && Object.keys(condition).every((key) => !LOGICAL.has(key) || key === "$not");
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 80)}...` : text;
  } catch {
    return String(value);
  }
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/** The value at a dotted `path` of `doc` (`undefined` when missing). */
export function getPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const part of path.split(".")) {
    if (!isPlainObject(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/** Deep equality of JSON values (object key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length &&
      keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** True when `metadata` satisfies `filter` (an empty filter matches everything). */
export function matchesFilter(metadata: unknown, filter: Filter): boolean {
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and") {
      if (!(value as Filter[]).every((item) => matchesFilter(metadata, item))) return false;
    } else if (key === "$or") {
      if (!(value as Filter[]).some((item) => matchesFilter(metadata, item))) return false;
    } else if (key === "$nor") {
      if ((value as Filter[]).some((item) => matchesFilter(metadata, item))) return false;
    } else if (key === "$not") {
      if (matchesFilter(metadata, value as Filter)) return false;
    } else if (!matchesCondition(getPath(metadata, key), value)) {
      return false;
    }
  }
  return true;
}

function matchesCondition(fieldValue: unknown, condition: unknown): boolean {
  if (isNestedCondition(condition)) {
    return Object.entries(condition).every(([key, value]) => matchesCondition(getPath(fieldValue, key), value));
  }
  if (!isOperatorObject(condition)) return equals(fieldValue, condition);
  for (const [op, arg] of Object.entries(condition)) {
    if (!matchesOperator(fieldValue, op, arg, condition)) return false;
  }
  return true;
}

function equals(fieldValue: unknown, value: unknown): boolean {
  if (value === null && (fieldValue === undefined || fieldValue === null)) return true;
  if (deepEqual(fieldValue, value)) return true;
  return Array.isArray(fieldValue) && !Array.isArray(value) && fieldValue.some((item) => deepEqual(item, value));
}

function compare(fieldValue: unknown, op: string, arg: unknown): boolean {
  if (Array.isArray(fieldValue)) return fieldValue.some((item) => compare(item, op, arg));
  if (typeof fieldValue !== typeof arg || (typeof arg !== "number" && typeof arg !== "string")) return false;
  const a = fieldValue as number | string;
  const b = arg as number | string;
  switch (op) {
    case "$gt":
      return a > b;
    case "$gte":
      return a >= b;
    case "$lt":
      return a < b;
    default:
      return a <= b;
  }
}

function matchesOperator(fieldValue: unknown, op: string, arg: unknown, siblings: Record<string, unknown>): boolean {
  switch (op) {
    case "$eq":
      return equals(fieldValue, arg);
    case "$ne":
      return !equals(fieldValue, arg);
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      return compare(fieldValue, op, arg);
    case "$in":
      return (arg as unknown[]).some((value) => equals(fieldValue, value));
    case "$nin":
      return !(arg as unknown[]).some((value) => equals(fieldValue, value));
    case "$all": {
      const values = arg as unknown[];
      if (values.length === 0) return false;
      return values.every((value) =>
        Array.isArray(fieldValue) ? fieldValue.some((item) => deepEqual(item, value)) : deepEqual(fieldValue, value)
      );
    }
    case "$size":
      return Array.isArray(fieldValue) && fieldValue.length === arg;
    case "$exists":
      return (fieldValue !== undefined) === arg;
    case "$regex": {
      const pattern = compileRegex(arg as string, siblings.$options, op);
      const test = (value: unknown) => typeof value === "string" && pattern.test(value);
      return Array.isArray(fieldValue) ? fieldValue.some(test) : test(fieldValue);
    }
    case "$options":
      return true; // read by $regex
    case "$not":
      return !matchesCondition(fieldValue, arg);
    case "$elemMatch": {
      if (!Array.isArray(fieldValue)) return false;
      const condition = arg as Record<string, unknown>;
      return isElementOperatorCondition(condition)
        ? fieldValue.some((item) => matchesCondition(item, condition))
        : fieldValue.some((item) => isPlainObject(item) && matchesFilter(item, condition as Filter));
    }
    default:
      return false; // unreachable for validated filters
  }
}

// ---------------------------------------------------------------------------
// Push-down
// ---------------------------------------------------------------------------

/** Most values of one `$in` pushed into a vector search (Convex bounds filter expressions). */
export const MAX_PUSHDOWN_VALUES = 32;

/** Slot value meaning "the key holds an array": it may contain any value. */
const WILDCARD = "*";

/** The value stored in a push-down slot for `metadata[key]` of a row in `index`. */
export function slotValue(index: string, metadata: unknown, key: string): string | undefined {
  const value = getPath(metadata, key);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return `${index}\u0000${JSON.stringify(value)}`;
  }
  if (Array.isArray(value)) return `${index}\u0000${WILDCARD}`;
  return undefined; // missing, null or an object: never equal to a pushed-down scalar
}

/**
 * A push-down of `filter`: slot `slot` must hold one of `values` (the rows
 * matching the filter are a subset of the rows holding them). `undefined`
 * when no conjunct of the filter is an equality on a push-down key.
 */
export type Pushdown = { slot: number; values: string[] };

/** Finds the narrowest push-down of `filter` for an index with `filterKeys`. */
export function findPushdown(
  index: string,
  filter: Filter | undefined,
  filterKeys: readonly string[],
): Pushdown | undefined {
  if (!filter) return undefined;
  let best: Pushdown | undefined;
  const consider = (key: string, scalars: unknown[]) => {
    const slot = filterKeys.indexOf(key);
    if (slot < 0 || scalars.length === 0 || scalars.length > MAX_PUSHDOWN_VALUES) return;
    if (
      !scalars.every((value) => typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    ) {
      return;
    }
    const values = [...new Set(scalars.map((value) => `${index}\u0000${JSON.stringify(value)}`))];
    values.push(`${index}\u0000${WILDCARD}`);
    if (!best || values.length < best.values.length) best = { slot, values };
  };
  const visit = (conjunct: Filter) => {
    for (const [key, value] of Object.entries(conjunct)) {
      if (key === "$and") (value as Filter[]).forEach(visit);
      else if (key.startsWith("$")) continue;
      else if (!isOperatorObject(value)) consider(key, [value]);
      else {
        if ("$eq" in value) consider(key, [value.$eq]);
        if (Array.isArray(value.$in)) consider(key, value.$in);
      }
    }
  };
  visit(filter);
  return best;
}
