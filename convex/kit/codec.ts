/**
 * Encoding of arbitrary user values (metadata, working memory, message
 * content, snapshots, ...) into strings that Convex stores as-is.
 *
 * Convex rejects object keys that start with `$` or `_`, non-ASCII field
 * names, `Date`, `undefined` inside arrays, `NaN` inside some contexts, and
 * more. Rather than escaping each rule, a user value is stored as one JSON
 * text in which the few JavaScript values JSON cannot express are tagged:
 *
 * - `Date` -> `{"~t":"Date","v":<epoch ms>}` (invalid dates: `v: null`)
 * - `undefined` -> `{"~t":"undefined"}` (kept in objects and arrays alike)
 * - `bigint` -> `{"~t":"bigint","v":"<decimal>"}`
 * - `NaN`, `Infinity`, `-Infinity`, `-0` -> `{"~t":"number","v":"NaN"}` etc.
 * - `Uint8Array` / `ArrayBuffer` -> `{"~t":"bytes","v":"<base64>"}`
 * - other typed arrays and `DataView` -> `{"~t":"view","k":"Float32Array","v":"<base64>"}` (exact bits)
 * - `Map` / `Set` -> `{"~t":"Map","v":[[key, value], ...]}` / `{"~t":"Set","v":[...]}`
 * - `RegExp` -> `{"~t":"RegExp","v":{"source":...,"flags":...}}`
 * - `Error` (without `toJSON`) -> `{"~t":"Error","v":{name, message, stack, cause, props}}`: comes back
 *   as the built-in error type of that name (else an `Error` with that name), with its own properties
 *
 * User keys that start with `~` get one more `~` so they never collide with
 * the tag. Everything else (including `$schema`, `_id`, non-ASCII and empty
 * keys) is ordinary JSON. Functions, symbols, cyclic structures and
 * built-ins whose contents cannot be read (`WeakMap`, `Promise`, boxed
 * primitives, ...) cannot be stored faithfully and are rejected with a
 * {@link CodecError}; nothing is ever stored as a different value.
 *
 * This module is shared by the Convex functions and the client, so it must
 * import nothing.
 */

/** Thrown when a value cannot be encoded faithfully. */
export class CodecError extends Error {
  /** JSON-path-like location of the offending value, e.g. `metadata.a[2]`. */
  readonly path: string;
  /** Creates the error for the value at `path`. */
  constructor(message: string, path: string) {
    super(path ? `${message} at ${path}` : message);
    this.name = "CodecError";
    this.path = path;
  }
}

/** Deepest nesting the codec accepts; deeper values are almost surely bugs. */
export const MAX_DEPTH = 256;

const TAG = "~t";

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Sets `key` as an own, enumerable data property, never through a setter
 * (`__proto__` stays a plain key under every JavaScript runtime).
 */
export function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Binary views stored exactly, by constructor name (`Uint8Array` itself is `bytes`). */
const VIEW_TYPES: Record<string, new (buffer: ArrayBuffer, offset: number, length: number) => ArrayBufferView> = {
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
} as never;

/** Built-in objects whose contents no encoding can capture; refused rather than stored as `{}`. */
const UNSTORABLE = new Set([
  "WeakMap",
  "WeakSet",
  "WeakRef",
  "FinalizationRegistry",
  "Promise",
  "SharedArrayBuffer",
  "Generator",
  "AsyncGenerator",
  "String",
  "Number",
  "Boolean",
  "Symbol",
  "BigInt",
]);

/** Error constructors restored by name; any other name comes back as an `Error` carrying that name. */
const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** How an `Error` is stored: its name, message, stack, cause and own enumerable properties. */
type ErrorTree = { name: string; message: string; stack?: string; cause?: unknown; props: Record<string, unknown> };

function errorToTree(error: Error, path: string, seen: Set<object>, depth: number): unknown {
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(error)) defineData(own, key, (error as unknown as Record<string, unknown>)[key]);
  const tree: ErrorTree = {
    name: String(error.name),
    message: String(error.message),
    props: toTree(own, path, seen, depth) as Record<string, unknown>,
  };
  if (typeof error.stack === "string") tree.stack = error.stack;
  if (Object.prototype.hasOwnProperty.call(error, "cause")) {
    const cause = (error as { cause?: unknown }).cause;
    tree.cause = toTree(cause, path ? `${path}.cause` : "cause", seen, depth + 1);
  }
  return { [TAG]: "Error", v: tree };
}

function errorFromTree(tree: ErrorTree): Error {
  const error = new (ERROR_TYPES[tree.name] ?? Error)(tree.message);
  const hidden = (key: string, value: unknown) =>
    Object.defineProperty(error, key, { value, enumerable: false, writable: true, configurable: true });
  if (error.name !== tree.name) hidden("name", tree.name);
  if (tree.stack === undefined) delete (error as { stack?: string }).stack;
  else hidden("stack", tree.stack);
  if ("cause" in tree) hidden("cause", fromTree(tree.cause));
  const props = fromTree(tree.props) as Record<string, unknown>;
  for (const key of Object.keys(props)) defineData(error as never, key, props[key]);
  return error;
}

function toTree(value: unknown, path: string, seen: Set<object>, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new CodecError(`value nested deeper than ${MAX_DEPTH} levels`, path);
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isNaN(value)) return { [TAG]: "number", v: "NaN" };
      if (value === Infinity) return { [TAG]: "number", v: "Infinity" };
      if (value === -Infinity) return { [TAG]: "number", v: "-Infinity" };
      if (Object.is(value, -0)) return { [TAG]: "number", v: "-0" };
      return value;
    case "undefined":
      return { [TAG]: "undefined" };
    case "bigint":
      return { [TAG]: "bigint", v: value.toString() };
    case "function":
      throw new CodecError("functions cannot be stored", path);
    case "symbol":
      throw new CodecError("symbols cannot be stored", path);
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Date) {
    const time = object.getTime();
    return { [TAG]: "Date", v: Number.isNaN(time) ? null : time };
  }
  if (object instanceof Uint8Array) return { [TAG]: "bytes", v: bytesToBase64(object) };
  if (object instanceof ArrayBuffer) return { [TAG]: "bytes", v: bytesToBase64(new Uint8Array(object)) };
  if (ArrayBuffer.isView(object)) {
    const kind = object.constructor?.name;
    if (!(kind in VIEW_TYPES)) throw new CodecError(`binary views of type ${kind} cannot be stored`, path);
    const bytes = new Uint8Array(object.buffer, object.byteOffset, object.byteLength);
    return { [TAG]: "view", k: kind, v: bytesToBase64(bytes) };
  }
  if (object instanceof RegExp) return { [TAG]: "RegExp", v: { source: object.source, flags: object.flags } };
  const builtin = Object.prototype.toString.call(object).slice(8, -1);
  if (UNSTORABLE.has(builtin)) throw new CodecError(`${builtin} values cannot be stored`, path);
  if (seen.has(object)) throw new CodecError("cyclic structures cannot be stored", path);
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item, index) => toTree(item, `${path}[${index}]`, seen, depth + 1));
    }
    if (object instanceof Map) {
      return {
        [TAG]: "Map",
        v: [...object].map(([key, item], index) => [
          toTree(key, `${path}<key ${index}>`, seen, depth + 1),
          toTree(item, `${path}<value ${index}>`, seen, depth + 1),
        ]),
      };
    }
    if (object instanceof Set) {
      return { [TAG]: "Set", v: [...object].map((item, index) => toTree(item, `${path}<${index}>`, seen, depth + 1)) };
    }
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      return toTree(toJSON.call(object), path, seen, depth + 1);
    }
    if (object instanceof Error) return errorToTree(object, path, seen, depth);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      const escaped = key.startsWith("~") ? `~${key}` : key;
      // Own-property definition: under standard V8 semantics (Node, Convex's
      // runtime) `out["__proto__"] = x` would call the prototype setter and
      // drop the key.
      defineData(
        out,
        escaped,
        toTree((object as Record<string, unknown>)[key], path ? `${path}.${key}` : key, seen, depth + 1),
      );
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

function fromTree(tree: unknown): unknown {
  if (tree === null || typeof tree !== "object") return tree;
  if (Array.isArray(tree)) return tree.map(fromTree);
  const record = tree as Record<string, unknown>;
  if (TAG in record) {
    const v = record.v;
    switch (record[TAG]) {
      case "Date":
        return new Date(v === null ? NaN : (v as number));
      case "undefined":
        return undefined;
      case "bigint":
        return BigInt(v as string);
      case "number":
        return v === "-0" ? -0 : Number(v);
      case "bytes":
        return base64ToBytes(v as string);
      case "view": {
        const bytes = base64ToBytes(v as string);
        const View = VIEW_TYPES[record.k as string];
        if (View === undefined) break;
        const width = View === DataView ? 1 : (View as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
        return new View(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / width);
      }
      case "RegExp": {
        const { source, flags } = v as { source: string; flags: string };
        return new RegExp(source, flags);
      }
      case "Map":
        return new Map((v as [unknown, unknown][]).map(([key, item]) => [fromTree(key), fromTree(item)]));
      case "Set":
        return new Set((v as unknown[]).map(fromTree));
      case "Error":
        return errorFromTree(v as ErrorTree);
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const value = fromTree(record[key]);
    const unescaped = key.startsWith("~") ? key.slice(1) : key;
    // Assign through defineProperty so a user key "__proto__" stays data.
    defineData(out, unescaped, value);
  }
  return out;
}

/** Encodes any storable value as a string; throws {@link CodecError} otherwise. */
export function encodeValue(value: unknown): string {
  return JSON.stringify(toTree(value, "", new Set(), 0));
}

/** Decodes a string made by {@link encodeValue} back into the original value. */
export function decodeValue(text: string): unknown {
  return fromTree(JSON.parse(text));
}

/** Encodes `value` unless it is `undefined` (which then stays absent). */
export function encodeOptional(value: unknown): string | undefined {
  return value === undefined ? undefined : encodeValue(value);
}

/** Decodes an optional encoded string (absent stays `undefined`). */
export function decodeOptional(text: string | undefined | null): unknown {
  return text === undefined || text === null ? undefined : decodeValue(text);
}

/**
 * Shallow merge of two encoded records (`{ ...current, ...patch }`), as
 * thread and resource metadata updates do; either may be absent. Keys such
 * as `__proto__` stay data under every runtime.
 */
export function mergeEncodedRecords(current: string | undefined, patch: string | undefined): string {
  const out: Record<string, unknown> = {};
  for (const text of [current, patch]) {
    if (text === undefined) continue;
    const record = decodeValue(text);
    if (record === null || typeof record !== "object" || Array.isArray(record)) continue;
    for (const key of Object.keys(record)) defineData(out, key, (record as Record<string, unknown>)[key]);
  }
  return encodeValue(out);
}

/**
 * Equality used by metadata filters; the same rules as `@mastra/core`'s
 * in-memory store (dates by time, objects by keys, `NaN` never equal).
 */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Date || b instanceof Date) return false;
  if (typeof a === "object") {
    if (Array.isArray(a) && Array.isArray(b)) {
      return a.length === b.length && a.every((item, i) => jsonEquals(item, b[i]));
    }
    if (Array.isArray(a) || Array.isArray(b)) return false;
    const ak = Object.keys(a as object);
    const bk = Object.keys(b as object);
    if (ak.length !== bk.length) return false;
    return ak.every((k) => jsonEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}
