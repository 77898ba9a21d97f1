/**
 * Search of Mastra's knowledge domain, exact as core's: a case-insensitive
 * substring match (a Convex search index matches words, not substrings,
 * so it is not used). Nodes are matched through the node listing
 * (`nodes:listStep` with a `search` filter); records here: the records
 * visible from the scope (one `by_scope` range per prefix scope, merged in
 * creation order), live, whose text contains the query. Each step reads at
 * most {@link STEP_DOCS} documents; the client stops as soon as it has
 * `limit` results, so a search costs the documents scanned until then.
 */
import { v } from "convex/values";
import { internalQuery } from "../kit/functions.js";
import { mergeOrdered } from "./merge.js";
import { canonicalScope, visibleScopeKeys } from "./scope.js";
import { scopeValidator } from "./validators.js";
import { type RecordDoc, terminalNode } from "./writer.js";

/** Documents one search step reads at most. */
const STEP_DOCS = 1000;

/** A record matching a search, with its node's name and id. */
export type RecordHit = { id: string; node: string; name: string; text: string; scope: string[] };

/** One step of the record part of a search, and the creation time to resume after (`null` when done). */
export type SearchStep = { hits: RecordHit[]; next: number | null };

/** One bounded step of the live records visible from `scope` whose text contains `query` (lower-cased), oldest first. */
export const recordStep = internalQuery({
  args: { scope: scopeValidator, query: v.string(), after: v.optional(v.number()), limit: v.number() },
  handler: async (ctx, { scope, query, after, limit }): Promise<SearchStep> => {
    const streams = visibleScopeKeys(canonicalScope(scope)).map((key) =>
      ctx.db.query("knowledge_records").withIndex(
        "by_scope",
        (q) => after === undefined ? q.eq("scopeKey", key) : q.eq("scopeKey", key).gt("_creationTime", after),
      )
    );
    const hits: RecordHit[] = [];
    let read = 0;
    let last: number | null = null;
    for await (const doc of mergeOrdered<RecordDoc>(streams, (a, b) => a._creationTime - b._creationTime)) {
      if (hits.length >= limit || read++ >= STEP_DOCS) return { hits, next: last };
      last = doc._creationTime;
      if (doc.deletedAt !== undefined || !doc.text.toLocaleLowerCase().includes(query)) continue;
      const parent = await terminalNode(ctx, doc.node);
      if (!parent) continue;
      hits.push({ id: doc.id, node: parent.id, name: parent.name, text: doc.text, scope: doc.scope });
    }
    return { hits, next: null };
  },
});
