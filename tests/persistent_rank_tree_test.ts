/**
 * Persistent rank trees (`convex/kit/persistentRankTree.ts`): after random
 * batches of inserts, ref changes and removes (appends, middle inserts,
 * ties, splits, merges, emptied trees), every version ever written still
 * answers pages (forwards and backwards, any offset) and totals equal to
 * a sorted model of that version, and the tree stays balanced (every leaf
 * at the same depth, every non-root node at least `MIN_FILL` full).
 * Fixed fast-check seed.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyChanges,
  MAX_FANOUT,
  MIN_FILL,
  type PersistentChange,
  type PersistentEntry,
  type PersistentRoot,
  ReadBudgetExceeded,
  readPage,
} from "../convex/kit/persistentRankTree.ts";
import { compareKeys } from "../convex/kit/walk.ts";
import { createBackend } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

const SEED = 20261208;

type Model = Map<string, PersistentEntry>;
const sorted = (model: Model): PersistentEntry[] => [...model.values()].sort((a, b) => compareKeys(a.key, b.key));

/** Checks the shape of a version: equal leaf depths, fill bounds, counts and `last` keys. */
// deno-lint-ignore no-explicit-any
async function checkShape(ctx: any, root: PersistentRoot): Promise<void> {
  if (root === null) return;
  const depths = new Set<number>();
  // deno-lint-ignore no-explicit-any
  const visit = async (id: any, depth: number, isRoot: boolean): Promise<{ count: number; last: unknown }> => {
    const node = await ctx.db.get(id);
    const size = node.leaf ? node.entries.length : node.children.length;
    assert.ok(size <= MAX_FANOUT, `node of ${size} items`);
    if (!isRoot) assert.ok(size >= MIN_FILL, `non-root node of ${size} items`);
    if (node.leaf) {
      depths.add(depth);
      return { count: node.entries.length, last: node.entries.at(-1).key };
    }
    assert.ok(!isRoot || size >= 2, "an internal root has two children at least");
    let count = 0;
    for (const child of node.children) {
      const sub = await visit(child.node, depth + 1, false);
      assert.equal(sub.count, child.count);
      assert.deepEqual(sub.last, child.last);
      count += sub.count;
    }
    return { count, last: node.children.at(-1).last };
  };
  const top = await visit(root.node, 0, true);
  assert.equal(top.count, root.count);
  assert.equal(depths.size, 1, "every leaf at the same depth");
}

Deno.test("persistent rank tree: every version keeps its pages and total under random batches", async () => {
  const backend = createBackend();
  const versions: { root: PersistentRoot; model: Model }[] = [{ root: null, model: new Map() }];
  let serial = 0;
  const keyOf = (value: number, id: string) => ({ value, id });
  const op = fc.oneof(
    // An appended run of keys sharing one value (a batch insert).
    fc.record({ kind: fc.constant("append" as const), size: fc.integer({ min: 1, max: 400 }) }),
    // Keys inserted anywhere (small values collide: ties by id).
    fc.record({
      kind: fc.constant("insert" as const),
      values: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 40 }),
    }),
    // Present keys removed or given a new ref, picked by position.
    fc.record({ kind: fc.constant("remove" as const), picks: fc.array(fc.nat(), { maxLength: 300 }) }),
    fc.record({ kind: fc.constant("reref" as const), picks: fc.array(fc.nat(), { maxLength: 20 }) }),
    // Every present key removed but one in `stride` (leaves and inner nodes fall under-full and merge).
    fc.record({ kind: fc.constant("thin" as const), stride: fc.integer({ min: 2, max: 40 }) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
      for (const o of ops) {
        const base = versions[versions.length - 1];
        const model: Model = new Map(base.model);
        const present = sorted(base.model);
        const changes: PersistentChange[] = [];
        const version = versions.length;
        if (o.kind === "append") {
          for (let i = 0; i < o.size; i++) {
            changes.push({ key: keyOf(1000 + version, `k${serial++}`), ref: `r${version}` });
          }
        } else if (o.kind === "insert") {
          for (const value of o.values) changes.push({ key: keyOf(value, `k${serial++}`), ref: `r${version}` });
        } else if (o.kind === "thin") {
          for (const [i, entry] of present.entries()) {
            if (i % o.stride !== 0) changes.push({ key: entry.key, ref: null });
          }
        } else if (present.length > 0) {
          for (const pick of o.picks) {
            const entry = present[pick % present.length];
            changes.push({ key: entry.key, ref: o.kind === "remove" ? null : `r${version}` });
          }
        }
        for (const change of changes) {
          const name = JSON.stringify([change.key.value, change.key.id]);
          if (change.ref === null) model.delete(name);
          else model.set(name, { key: change.key, ref: change.ref });
        }
        const root = await backend.run((ctx) => applyChanges(ctx, "f", base.root, changes));
        versions.push({ root, model });
      }
      // Every version so far, including the oldest: total, shape, and pages at a few offsets both ways.
      for (const { root, model } of versions) {
        const all = sorted(model);
        assert.equal(root?.count ?? 0, all.length);
        await backend.run(async (ctx) => {
          await checkShape(ctx, root);
          for (const offset of [0, 1, Math.floor(all.length / 2), Math.max(0, all.length - 3), all.length]) {
            assert.deepEqual(await readPage(ctx, root, offset, 7), all.slice(offset, offset + 7));
            assert.deepEqual(
              await readPage(ctx, root, offset, 7, true),
              [...all].reverse().slice(offset, offset + 7),
            );
          }
        });
      }
    }),
    { seed: SEED, numRuns: 25 },
  );
});

Deno.test("persistent rank tree: a page reads the depth plus its leaves; a change copies one path", async () => {
  const backend = createBackend();
  let root: PersistentRoot = null;
  for (let batch = 0; batch < 20; batch++) {
    const changes = Array.from({ length: 1000 }, (_, i) => ({
      key: { value: batch, id: `k${String(batch * 1000 + i).padStart(6, "0")}` },
      ref: `r${batch + 1}`,
    }));
    const previous: PersistentRoot = root;
    root = await backend.run((ctx): Promise<PersistentRoot> => applyChanges(ctx, "f", previous, changes));
  }
  assert.equal(root!.count, 20_000);
  const at = root;
  const { result, usage } = await measure(() => backend.run((ctx) => readPage(ctx, at, 10_000, 50)));
  assert.equal(result[0].key.id, "k010000");
  // 20,000 keys: depth 3 or 4, and a page of 50 spans at most 3 leaves (at least 8 keys each... with full ones 2).
  assert.ok(usage.documentsRead <= 4 + 8, `a middle page read ${usage.documentsRead} nodes`);
  const one = await measure(() =>
    backend.run((ctx) => applyChanges(ctx, "f", at, [{ key: { value: 7, id: "k007500" }, ref: "r99" }]))
  );
  assert.ok(one.usage.documentsWritten <= 4, `one change wrote ${one.usage.documentsWritten} nodes`);
  const after = one.result;
  const page = await backend.run((ctx) => readPage(ctx, after, 7500, 1));
  assert.deepEqual(page, [{ key: { value: 7, id: "k007500" }, ref: "r99" }]);
  assert.deepEqual(await backend.run((ctx) => readPage(ctx, at, 7500, 1)), [{
    key: { value: 7, id: "k007500" },
    ref: "r8",
  }]);
});

Deno.test("persistent rank tree: a batch that would read more nodes than its budget throws and changes no version", async () => {
  const backend = createBackend();
  const keys = Array.from({ length: 3000 }, (_, i) => ({ value: 1, id: `k${String(i).padStart(5, "0")}` }));
  const root = await backend.run((ctx): Promise<PersistentRoot> =>
    applyChanges(ctx, "f", null, keys.map((key) => ({ key, ref: "r1" })))
  );
  // Removing every 10th key touches every leaf (about 100): more than 50 reads.
  const spread = keys.filter((_, i) => i % 10 === 0).map((key) => ({ key, ref: null }));
  await assert.rejects(
    backend.run((ctx) => applyChanges(ctx, "f", root, spread, { reads: 50 })),
    ReadBudgetExceeded,
  );
  const fits = await backend.run((ctx): Promise<PersistentRoot> =>
    applyChanges(ctx, "f", root, spread, { reads: 1000 })
  );
  assert.equal(fits!.count, 2700);
  assert.equal(root!.count, 3000);
  assert.deepEqual(await backend.run((ctx) => readPage(ctx, root, 0, 1)), [{ key: keys[0], ref: "r1" }]);
});
