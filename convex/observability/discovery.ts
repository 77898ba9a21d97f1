/**
 * Filter discovery for Mastra Studio: sorted distinct entity types and
 * names, service names, environments, tags, metric names, label keys and
 * label values across spans, logs and metrics.
 *
 * Values are kept in a dictionary table of `(kind, scope, value)` rows that
 * the writing mutations upsert (insert when absent, otherwise no write), so
 * a popular value is never a hot document and discovery reads the
 * dictionary's index instead of scanning events. Entries are not removed
 * when events are deleted (core's in-memory store forgets a value once no
 * record has it); `dangerouslyClearAll` clears them.
 */
import { compareValues, v } from "convex/values";
import { internalQuery, type MutationCtx } from "../kit/functions.js";
import { type DictionaryEntry, distinctEntries } from "./signals/signals.js";

/** Entries read per call of {@link listValues} at most. */
const VALUES_PER_CALL = 2000;

/** Extra dictionary rows one range read of {@link missingEntries} may read, beyond twice the values it checks. */
const RANGE_SLACK = 32;

/**
 * The entries not in the dictionary yet (reads only). The values of one
 * `(kind, scope)` are checked with one bounded range read from the smallest
 * to the largest (at most twice as many rows as values, plus a few); values
 * past what that read covered get a point lookup each. So a batch with many
 * distinct label values costs one index range per label key, not one per value.
 */
export async function missingEntries(ctx: MutationCtx, entries: Iterable<DictionaryEntry>): Promise<DictionaryEntry[]> {
  const groups = new Map<string, { kind: string; scope: string; values: string[] }>();
  for (const [kind, scope, value] of distinctEntries(entries)) {
    const key = JSON.stringify([kind, scope]);
    const group = groups.get(key) ?? { kind, scope, values: [] };
    group.values.push(value);
    groups.set(key, group);
  }
  const missing: DictionaryEntry[] = [];
  for (const { kind, scope, values } of groups.values()) {
    values.sort(compareValues);
    const lookup = async (value: string) =>
      await ctx.db.query("obs_dictionary").withIndex(
        "by_entry",
        (q) => q.eq("kind", kind).eq("scope", scope).eq("value", value),
      ).first();
    if (values.length === 1) {
      if (!(await lookup(values[0]))) missing.push([kind, scope, values[0]]);
      continue;
    }
    const bound = 2 * values.length + RANGE_SLACK;
    const rows = await ctx.db.query("obs_dictionary").withIndex(
      "by_entry",
      (q) => q.eq("kind", kind).eq("scope", scope).gte("value", values[0]).lte("value", values[values.length - 1]),
    ).take(bound);
    const found = new Set(rows.map((row) => row.value));
    const covered = rows.length < bound ? undefined : rows[rows.length - 1].value;
    for (const value of values) {
      if (found.has(value)) continue;
      if (covered === undefined || compareValues(value, covered) <= 0 || !(await lookup(value))) {
        missing.push([kind, scope, value]);
      }
    }
  }
  return missing;
}

/** Inserts entries found missing by {@link missingEntries}. */
export async function insertEntries(ctx: MutationCtx, entries: DictionaryEntry[]): Promise<void> {
  for (const [kind, scope, value] of entries) await ctx.db.insert("obs_dictionary", { kind, scope, value });
}

/** Inserts the entries not in the dictionary yet. */
export async function recordEntries(ctx: MutationCtx, entries: Iterable<DictionaryEntry>): Promise<void> {
  await insertEntries(ctx, await missingEntries(ctx, entries));
}

/**
 * One bounded page of a dictionary kind and scope, sorted by value
 * (code-unit order, as JavaScript's default sort), optionally restricted
 * to a prefix and starting strictly after `after`. `done` is true when
 * nothing follows.
 */
export const listValues = internalQuery({
  args: {
    kind: v.string(),
    scope: v.string(),
    prefix: v.optional(v.string()),
    after: v.optional(v.string()),
    limit: v.optional(v.number()),
  },
  handler: async (ctx, { kind, scope, prefix, after, limit }): Promise<{ values: string[]; done: boolean }> => {
    const take = Math.max(1, Math.min(limit ?? VALUES_PER_CALL, VALUES_PER_CALL));
    const rows = await ctx.db.query("obs_dictionary").withIndex("by_entry", (q) => {
      const base = q.eq("kind", kind).eq("scope", scope);
      const lower = after !== undefined && (prefix === undefined || after >= prefix) ? after : prefix;
      if (lower === undefined) return base;
      return after !== undefined && lower === after ? base.gt("value", lower) : base.gte("value", lower);
    }).take(take + 1);
    const values: string[] = [];
    for (const row of rows.slice(0, take)) {
      if (prefix !== undefined && !row.value.startsWith(prefix)) return { values, done: true };
      values.push(row.value);
    }
    return { values, done: rows.length <= take };
  },
});
