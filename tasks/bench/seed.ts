/**
 * Seeding N rows fast but faithfully, for either store.
 *
 * Going through a store's API would cost N calls, and on convex-test every
 * index lookup scans its table, so that is quadratic. Instead each group of
 * alike rows is seeded by *cloning*: one template record is saved through
 * the store's own API (so its rows have exactly the layout that store
 * writes), the rows it added are read back, and copies are inserted
 * directly in large chunks with the template's identifier replaced and the
 * timestamps advanced. The template rows are then deleted. For a store that
 * keeps counters (ours), the counters the template moved are set to what
 * the same number of API saves would have left: value after the templates
 * plus the template's change times (copies - 1).
 *
 * All templates are saved while the tables are still small (before any
 * copies), so reading the tables to find what a template wrote is cheap.
 */
import type { RawDb, Subject } from "./subjects.ts";

/** A group of alike rows: `count` copies of one template. */
export type Group = {
  /** Number of rows the group ends with. */
  count: number;
  /** Saves, through the API, rows the group needs that are not copied (e.g. the thread of messages). */
  setup?: () => Promise<void>;
  /** Saves the template through the store's API; returns the identifier to replace in the copies. */
  template: () => Promise<string>;
  /** Identifier of copy `i` (must be unique across the store). */
  idOf: (i: number) => string;
  /** Timestamp (epoch ms) of copy `i`. */
  timeOf: (i: number) => number;
  /** Fields set to copy `i`'s timestamp (default `createdAt`, `updatedAt`, `insertedAt`). */
  timeFields?: readonly string[];
  /** Adjusts copy `i` of a row of `table` further (e.g. a sequence number that must stay unique). */
  fix?: (table: string, doc: Record<string, unknown>, i: number) => void;
};

type Doc = Record<string, unknown>;
type Written = { table: string; doc: Doc };

const TIME_FIELDS = ["createdAt", "updatedAt", "insertedAt"];
const CHUNK = 4000;

async function snapshot(subject: Subject): Promise<Map<string, Doc[]>> {
  // `run` must return Convex values: an array of [table, rows] pairs.
  const pairs = await subject.backend.run(async (ctx) => {
    const out: [string, Doc[]][] = [];
    for (const table of subject.tables) out.push([table, await ctx.db.query(table).collect()]);
    return out;
  });
  return new Map(pairs);
}

function cloneDoc(
  doc: Doc,
  token: string,
  replacement: string,
  time: number,
  timeFields: readonly string[] = TIME_FIELDS,
): Doc {
  const { _id: _, _creationTime: __, ...rest } = doc;
  const out = JSON.parse(JSON.stringify(rest).replaceAll(token, replacement)) as Doc;
  for (const field of timeFields) {
    if (typeof out[field] === "number") out[field] = time;
    else if (typeof out[field] === "string") out[field] = new Date(time).toISOString();
  }
  return out;
}

function hasOnlyJsonValues(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(hasOnlyJsonValues);
  if (typeof value === "object") return Object.values(value as object).every(hasOnlyJsonValues);
  return false;
}

/** Seeds every group into `subject`'s backend. */
export async function seedGroups(subject: Subject, groups: readonly Group[]): Promise<void> {
  const counterTable = subject.counterTable;
  // 1. Templates, on small tables; remember what each one wrote.
  const planned: { group: Group; token: string; written: Written[]; counterDelta: Map<string, number> }[] = [];
  for (const group of groups) {
    if (group.count <= 0) continue;
    await group.setup?.();
    const before = await snapshot(subject);
    const token = await group.template();
    const after = await snapshot(subject);
    const written: Written[] = [];
    const counterDelta = new Map<string, number>();
    for (const [table, docs] of after) {
      const old = new Map((before.get(table) ?? []).map((doc) => [doc._id as string, doc]));
      // Rank trees are per list, not per row: they are rebuilt after seeding (see run.ts).
      if (table === "rank_nodes" || table === "rank_pending") continue;
      if (table === counterTable) {
        for (const doc of docs) {
          if (String(doc.name).startsWith("messages:ranked:")) continue;
          const delta = (doc.value as number) - ((old.get(doc._id as string)?.value as number | undefined) ?? 0);
          if (delta !== 0) counterDelta.set(doc.name as string, delta);
        }
        continue;
      }
      for (const doc of docs) {
        if (old.has(doc._id as string)) continue;
        // A row without the template's identifier is shared by the whole group (a dictionary of distinct
        // values, say): it stays as the template left it and is not copied.
        if (!JSON.stringify(doc).includes(token)) continue;
        if (!hasOnlyJsonValues(doc)) throw new Error(`seed: a ${table} row holds non-JSON values`);
        written.push({ table, doc });
      }
    }
    if (written.length === 0) throw new Error(`seed: template ${token} wrote nothing`);
    planned.push({ group, token, written, counterDelta });
  }

  // 2. Copies, in chunks that keep each `run` moderate.
  for (const { group, token, written } of planned) {
    const perCopy = written.length;
    const copiesPerChunk = Math.max(1, Math.floor(CHUNK / perCopy));
    for (let start = 0; start < group.count; start += copiesPerChunk) {
      const end = Math.min(group.count, start + copiesPerChunk);
      await subject.backend.run(async (ctx) => {
        for (let i = start; i < end; i++) {
          const id = group.idOf(i);
          const time = group.timeOf(i);
          for (const { table, doc } of written) {
            const copy = cloneDoc(doc, token, id, time, group.timeFields);
            group.fix?.(table, copy, i);
            await ctx.db.insert(table, copy);
          }
        }
      });
    }
    // 3. The template rows go; the copies replace them.
    await subject.backend.run(async (ctx) => {
      for (const { doc } of written) await ctx.db.delete(doc._id as string);
    });
  }

  // 4. Counters: as if every copy had been saved through the API.
  if (counterTable) {
    const total = new Map<string, number>();
    for (const { group, counterDelta } of planned) {
      for (const [name, delta] of counterDelta) total.set(name, (total.get(name) ?? 0) + delta * (group.count - 1));
    }
    await subject.backend.run(async (ctx) => {
      for (const [name, extra] of total) {
        const row = await ctx.db.query(counterTable).withIndex("by_name", (q) => q.eq("name", name)).unique();
        if (!row) throw new Error(`seed: counter ${name} vanished`);
        await ctx.db.patch(row._id as string, { value: (row.value as number) + extra });
      }
    });
  }
}

/** Reads one table's rows (for checks). */
export async function countRows(subject: Subject, table: string): Promise<number> {
  return await subject.backend.run(async (ctx: { db: RawDb }) => (await ctx.db.query(table).collect()).length);
}
