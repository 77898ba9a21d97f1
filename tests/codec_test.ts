/**
 * The value codec: everything Mastra stores comes back exactly, and what
 * cannot be stored faithfully is refused with a clear error.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { CodecError, decodeValue, encodeValue } from "../convex/kit/codec.ts";

const roundTrip = (value: unknown) => decodeValue(encodeValue(value));

Deno.test("codec: values Convex cannot store as-is round-trip exactly", () => {
  const cases: [string, unknown][] = [
    ["$ keys (LLM tool schemas)", { $schema: "http://json-schema.org/draft-07/schema#", $ref: "#/a" }],
    ["_ keys", { _id: 1, __proto__x: 2, _: null }],
    ["non-ASCII and empty keys", { "ключ": 1, "键": [1], "": "empty", "emoji 🎉": true }],
    ["our own tag-like keys", { "~t": "Date", v: 1, "~~t": { "~": "~" } }],
    ["dates", { at: new Date(1_700_000_000_123), nested: [new Date(0)] }],
    ["invalid date", new Date(NaN)],
    ["undefined in objects and arrays", { a: undefined, b: [1, undefined, 3] }],
    ["special numbers", [NaN, Infinity, -Infinity, -0, 0, 1.5, Number.MAX_SAFE_INTEGER]],
    ["bigint", { big: 12345678901234567890n, neg: -1n }],
    ["bytes", new Uint8Array([0, 1, 2, 255])],
    ["null and nested arrays", [null, [[[]]], [{}, [null]]]],
    ["plain string", "hello"],
    ["top-level undefined", undefined],
  ];
  for (const [name, value] of cases) {
    assert.deepStrictEqual(roundTrip(value), value, name);
  }
});

Deno.test("codec: __proto__ keys stay plain data", () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
  const decoded = roundTrip(value) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(decoded), ["__proto__", "a"]);
});

Deno.test("codec: objects with toJSON are stored as their JSON form", () => {
  class Point {
    constructor(readonly x: number) {}
    toJSON() {
      return { x: this.x };
    }
  }
  assert.deepStrictEqual(roundTrip({ p: new Point(3) }), { p: { x: 3 } });
});

Deno.test("codec: unstorable values are refused with the path", () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.throws(() => encodeValue(cyclic), (e: unknown) => e instanceof CodecError && /cyclic/.test(e.message));
  assert.throws(() => encodeValue({ f: () => 1 }), (e: unknown) => e instanceof CodecError && e.path === "f");
  assert.throws(() => encodeValue({ s: [Symbol("x")] }), (e: unknown) => e instanceof CodecError && e.path === "s[0]");
  let deep: unknown = 1;
  for (let i = 0; i < 300; i++) deep = [deep];
  assert.throws(() => encodeValue(deep), CodecError);
});

Deno.test("codec: arbitrary JSON-like values round-trip (property)", () => {
  fc.assert(
    fc.property(
      fc.anything({
        withDate: true,
        withBigInt: true,
        withNullPrototype: false,
        withTypedArray: false,
        withSparseArray: false,
        withBoxedValues: false,
        withMap: false,
        withSet: false,
      }),
      (value) => {
        assert.deepStrictEqual(roundTrip(value), value);
      },
    ),
    { numRuns: 500 },
  );
});
