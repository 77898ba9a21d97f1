/**
 * Filter trees of versioned-entity lists (`kit/versioned.ts`): which
 * combinations of filter values ("facets") a record is listed under, each
 * with its own rank tree, and which tree answers a list's filters exactly.
 *
 * A facet is one equality a list can filter on, as a canonical token:
 * `status`, `authorId`, `visibility`, `organizationId`, `projectId` (the
 * record's *dimensions*), or one top-level metadata pair whose value is a
 * scalar (string, finite number, boolean, null). A record is in one tree
 * per combination it has of:
 * - one or two dimensions (status alone is the list's status tree, kept by
 *   `versioned.ts`);
 * - one metadata pair, alone, with the status, with the author, or with
 *   both (Mastra's server sends status + author + its scope's metadata pair).
 *
 * The trees are ordered by `createdAt` (`FILTER_TREE_ORDER` of
 * `versioned.ts`). A list ordered by `createdAt` whose filters form exactly
 * one of these combinations is paged from that tree: its total is the
 * tree's size, a page at any depth reads the tree's path and the page's
 * records. Other lists (three dimensions, two metadata pairs, a metadata
 * pair with visibility or a tenant id, an object or long value, any filter
 * but status alone ordered by `updatedAt`) walk the matching index range in
 * bounded calls, counting the total.
 *
 * Limits, so that a record joins a bounded number of trees: at most
 * {@link MAX_INDEXED_METADATA_PAIRS} metadata pairs of a record are indexed
 * (its scalar pairs in key order); each further key is noted in that key's
 * *unindexed* tree, and a list filtering on a key whose unindexed tree is not
 * empty walks. A record with more than {@link MAX_NOTED_METADATA_KEYS}
 * further keys is noted once in its domain's *wide* tree instead, and while
 * that tree is not empty every metadata filter of the domain walks. A facet whose token is longer than {@link MAX_FACET_LENGTH}
 * (a long id, key or value) is not indexed, and a list filtering on it walks.
 * Imports no domain.
 */
import { decodeValue } from "./codec.js";
import type { EntityFilter, EntityRow } from "./versionedRows.js";

/** Metadata pairs of one record that get trees at most (further keys: see {@link unindexedKeys}). */
export const MAX_INDEXED_METADATA_PAIRS = 8;
/**
 * Metadata keys beyond the indexed ones that a record notes one by one (each
 * in its key's unindexed tree) at most; a record with more is *wide*: it is
 * noted once, in its domain's wide tree, and while any record is wide every
 * metadata filter of the domain walks. Bounds the trees one record joins.
 */
export const MAX_NOTED_METADATA_KEYS = 24;
/** Longest facet token (characters of its JSON) that gets trees. */
export const MAX_FACET_LENGTH = 200;

/** The record fields lists filter on by equality, in canonical order. */
const DIMENSIONS = ["status", "authorId", "visibility", "organizationId", "projectId"] as const;
type Dimension = (typeof DIMENSIONS)[number];

/** Canonical token of a dimension's value, or `null` when too long to index. */
function dimensionToken(name: Dimension, value: string): string | null {
  const token = JSON.stringify([name, value]);
  return token.length <= MAX_FACET_LENGTH ? token : null;
}

/** Canonical token of a metadata pair, or `null` when its value is not an indexable scalar. */
function pairToken(key: string, value: unknown): string | null {
  const scalar = value === null || typeof value === "string" || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
  if (!scalar) return null;
  // -0 and 0 are equal to the list's filter; JSON writes both as 0.
  const token = JSON.stringify(["metadata", key, JSON.stringify(value)]);
  return token.length <= MAX_FACET_LENGTH ? token : null;
}

/** The facets of one record: its dimensions' tokens and its indexed metadata pairs. */
type RecordFacets = {
  status: string | null;
  authorId: string | null;
  /** Tokens of every indexable dimension the record has (status first). */
  dimensions: string[];
  /** Tokens of its indexed metadata pairs. */
  pairs: string[];
  /** Keys of its indexable metadata pairs beyond the cap (not indexed). */
  unindexed: string[];
};

function recordFacets(row: EntityRow): RecordFacets {
  const dimensions: string[] = [];
  let status: string | null = null;
  let authorId: string | null = null;
  for (const name of DIMENSIONS) {
    const value = row[name];
    if (value === undefined) continue;
    const token = dimensionToken(name, value);
    if (token === null) continue;
    dimensions.push(token);
    if (name === "status") status = token;
    if (name === "authorId") authorId = token;
  }
  const metadata = row.metadata === undefined ? undefined : decodeValue(row.metadata);
  const indexable: [string, string][] = [];
  if (metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)) {
    for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
      const token = pairToken(key, value);
      if (token !== null) indexable.push([key, token]);
    }
  }
  indexable.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    status,
    authorId,
    dimensions,
    pairs: indexable.slice(0, MAX_INDEXED_METADATA_PAIRS).map(([, token]) => token),
    unindexed: indexable.slice(MAX_INDEXED_METADATA_PAIRS).map(([key]) => key),
  };
}

/** Canonical name of a combination of facet tokens (dimensions in canonical order, then the pair). */
export function comboName(tokens: string[]): string {
  return `[${tokens.join(",")}]`;
}

/**
 * The filter-tree combinations a record is in (see the module comment), and
 * the metadata keys it has beyond the cap (each goes into that key's
 * unindexed tree).
 */
export function recordCombos(row: EntityRow): { combos: string[]; unindexedKeys: string[]; wide: boolean } {
  const facets = recordFacets(row);
  const combos: string[] = [];
  const dims = facets.dimensions;
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] !== facets.status) combos.push(comboName([dims[i]]));
    for (let j = i + 1; j < dims.length; j++) combos.push(comboName([dims[i], dims[j]]));
  }
  for (const pair of facets.pairs) {
    combos.push(comboName([pair]));
    if (facets.status !== null) combos.push(comboName([facets.status, pair]));
    if (facets.authorId !== null) combos.push(comboName([facets.authorId, pair]));
    if (facets.status !== null && facets.authorId !== null) {
      combos.push(comboName([facets.status, facets.authorId, pair]));
    }
  }
  const wide = facets.unindexed.length > MAX_NOTED_METADATA_KEYS;
  return { combos, unindexedKeys: wide ? [] : facets.unindexed, wide };
}

/**
 * The combination whose tree answers `filter` exactly, with the metadata key
 * whose unindexed tree must be empty for it; `null` when the filter has no
 * such tree (no filter or status alone use the list's own trees; other
 * combinations walk). Candidate filters (entity ids, favorites only) are the
 * caller's.
 */
export function filterCombo(filter: EntityFilter): { combo: string; metadataKey: string | null } | null {
  const dims: string[] = [];
  for (const name of DIMENSIONS) {
    const value = filter[name];
    if (value === undefined) continue;
    const token = dimensionToken(name, value);
    if (token === null) return null;
    dims.push(token);
  }
  let pair: { key: string; token: string } | null = null;
  if (filter.metadata !== undefined) {
    const metadata = decodeValue(filter.metadata);
    if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) return null;
    const entries = Object.entries(metadata as Record<string, unknown>);
    if (entries.length > 1) return null;
    if (entries.length === 1) {
      const token = pairToken(entries[0][0], entries[0][1]);
      if (token === null) return null;
      pair = { key: entries[0][0], token };
    }
  }
  if (pair === null) {
    if (dims.length === 0 || dims.length > 2) return null;
    if (dims.length === 1 && filter.status !== undefined) return null;
    return { combo: comboName(dims), metadataKey: null };
  }
  const onlyStatusAndAuthor = dims.length === (filter.status !== undefined ? 1 : 0) +
      (filter.authorId !== undefined ? 1 : 0);
  if (!onlyStatusAndAuthor) return null;
  return { combo: comboName([...dims, pair.token]), metadataKey: pair.key };
}
