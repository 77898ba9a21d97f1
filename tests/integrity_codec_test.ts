/**
 * Integrity class 3: values that JSON cannot express are either stored
 * exactly (tagged) or refused with a CodecError naming the path; never
 * stored as a different value (`Map` -> `{}`, `Error` -> `{}`, ...).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { CodecError, decodeValue, encodeValue } from "../convex/kit/codec.ts";
import { createTestStorage } from "./helpers/backend.ts";

const roundTrip = (value: unknown) => decodeValue(encodeValue(value));

Deno.test("integrity codec: Map and Set round-trip exactly, with any keys and nesting", () => {
  const map = new Map<unknown, unknown>([["a", 1], [2, new Date(5)], [{ k: 1 }, new Set([1, "x"])], [undefined, null]]);
  const value = { map, set: new Set([1, 2, new Map([["n", [1n]]])]), empty: [new Map(), new Set()] };
  const back = roundTrip(value) as typeof value;
  assert.deepStrictEqual(back, value);
  assert.ok(back.map instanceof Map && back.set instanceof Set);
  assert.deepStrictEqual([...back.map.keys()], [...map.keys()], "insertion order kept");
});

Deno.test("integrity codec: errors keep type, name, message, stack, cause and own properties", () => {
  const cause = new RangeError("inner");
  const error = Object.assign(new TypeError("outer", { cause }), { code: "E_X", details: { $schema: 1 } });
  const back = roundTrip({ error }) as { error: TypeError & { code: string; details: unknown } };
  assert.ok(back.error instanceof TypeError);
  assert.equal(back.error.message, "outer");
  assert.equal(back.error.stack, error.stack);
  assert.equal(back.error.code, "E_X");
  assert.deepStrictEqual(back.error.details, { $schema: 1 });
  assert.ok(back.error.cause instanceof RangeError);
  assert.equal((back.error.cause as Error).message, "inner");
  assert.deepStrictEqual(back.error, error);

  class CustomError extends Error {
    constructor() {
      super("custom");
      this.name = "CustomError";
    }
  }
  const custom = roundTrip(new CustomError()) as Error;
  assert.ok(custom instanceof Error);
  assert.equal(custom.name, "CustomError");
  assert.equal(custom.message, "custom");
});

Deno.test("integrity codec: typed arrays and DataView keep type and exact bits", () => {
  const floats = new Float64Array([1.5, NaN, -0, Infinity]);
  const cases: unknown[] = [
    floats,
    new Float32Array([0.1, -2]),
    new Int8Array([-128, 127]),
    new Uint8ClampedArray([0, 255]),
    new Int16Array([-1, 2]),
    new Uint16Array([65535]),
    new Int32Array([-2147483648]),
    new Uint32Array([4294967295]),
    new BigInt64Array([-(2n ** 63n), 1n]),
    new BigUint64Array([2n ** 64n - 1n]),
    new DataView(new Uint8Array([1, 2, 3]).buffer),
    new Int16Array(new Int16Array([9, 8, 7, 6]).buffer, 2, 2), // a window of a larger buffer
  ];
  for (const value of cases) {
    const back = roundTrip(value) as ArrayBufferView;
    assert.equal(back.constructor, (value as ArrayBufferView).constructor);
    assert.deepStrictEqual(
      new Uint8Array(back.buffer, back.byteOffset, back.byteLength),
      new Uint8Array((value as ArrayBufferView).buffer, (value as ArrayBufferView).byteOffset, back.byteLength),
    );
  }
  assert.deepStrictEqual(roundTrip(new Uint8Array([1, 2])), new Uint8Array([1, 2]));
});

Deno.test("integrity codec: RegExp round-trips; unreadable built-ins are refused with their path", () => {
  assert.deepStrictEqual(roundTrip({ r: /a+b/gi }), { r: /a+b/gi });
  const refused: [unknown, string][] = [
    [{ metadata: { w: new WeakMap() } }, "metadata.w"],
    [{ list: [1, new WeakSet()] }, "list[1]"],
    [{ p: Promise.resolve(1) }, "p"],
    [{ boxed: new String("x") }, "boxed"],
    [{ n: Object(1) }, "n"],
    [{ m: new Map([["k", new WeakMap()]]) }, "m<value 0>"],
  ];
  for (const [value, path] of refused) {
    assert.throws(() => encodeValue(value), (e: unknown) => e instanceof CodecError && e.path === path, path);
  }
});

Deno.test("integrity codec: nested containers round-trip exactly (property)", () => {
  const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt());
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", maxDepth: 4 },
      leaf,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie("value"), { maxKeys: 4, noNullPrototype: true }),
      fc.array(fc.tuple(tie("value"), tie("value")), { maxLength: 3 }).map((entries) => new Map(entries)),
      fc.array(tie("value"), { maxLength: 3 }).map((items) => new Set(items)),
      fc.array(fc.double(), { maxLength: 4 }).map((items) => new Float64Array(items)),
      fc.string().map((message) => new Error(message)),
    ),
  }));
  fc.assert(
    fc.property(value, (v) => {
      assert.deepStrictEqual(roundTrip(v), v);
    }),
    { numRuns: 300 },
  );
  const anything = fc.anything({
    withDate: true,
    withBigInt: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withNullPrototype: false,
    withSparseArray: false,
    withBoxedValues: false,
  });
  fc.assert(
    fc.property(anything, (v) => {
      assert.deepStrictEqual(roundTrip(v), v);
    }),
    { numRuns: 500 },
  );
});

Deno.test("integrity codec: a thread's Map metadata comes back from storage as a Map", async () => {
  const { storage } = createTestStorage();
  await storage.init();
  const memory = (await storage.getStore("memory"))!;
  const metadata = { tags: new Set(["a"]), seen: new Map([["u1", new Date(7)]]), err: new Error("boom") };
  const now = new Date(1_000);
  await memory.saveThread({
    thread: { id: "t", resourceId: "r", title: "x", metadata, createdAt: now, updatedAt: now },
  });
  const thread = await memory.getThreadById({ threadId: "t" });
  assert.deepStrictEqual(thread!.metadata, metadata);
  await memory.updateThread({ id: "t", title: "y", metadata: { extra: new Set([1]) } });
  const updated = await memory.getThreadById({ threadId: "t" });
  assert.deepStrictEqual(updated!.metadata, { ...metadata, extra: new Set([1]) });
});
