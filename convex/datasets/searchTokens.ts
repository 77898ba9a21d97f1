/**
 * What the datasets' search index holds, and which term a search looks up
 * in it, so that it finds every item whose text contains the search as a
 * substring (core's `listItems({ search })` matches substrings, e.g.
 * `"ello"` in `"hello"`).
 *
 * An item's words are its runs of letters and digits (everything else
 * separates them); the index holds every suffix of every word, each cut to
 * {@link MAX_TOKEN_CHARS}. A search's word `w` lies inside some word of any
 * text containing the search, so that word has a suffix starting with `w`,
 * and a prefix query for `w` (cut the same way) returns it: full recall
 * from one query term. The exact substring check then keeps the matches.
 * A text with more suffix characters than {@link MAX_TOKENS_CHARS} is
 * indexed partly and flagged `searchPartial`: a search reads such rows of
 * the dataset through their own index and checks them too.
 */

/** Longest token in the index and longest term a search sends (Convex compares terms up to 32 characters). */
export const MAX_TOKEN_CHARS = 32;

/** Characters of suffix tokens kept per row at most; a text with more is flagged `searchPartial`. */
export const MAX_TOKENS_CHARS = 64_000;

/** Splits lower-cased text into its words (runs of letters and digits). */
export function searchWords(text: string): string[] {
  return text.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0);
}

/** The search-index columns of a row's searchable text: its words' suffixes, and whether some were left out. */
export function searchIndexColumns(searchText: string): { searchTokens: string; searchPartial?: true } {
  const tokens = new Set<string>();
  let length = 0;
  for (const word of searchWords(searchText)) {
    const chars = Array.from(word);
    for (let start = 0; start < chars.length; start++) {
      const token = chars.slice(start, start + MAX_TOKEN_CHARS).join("");
      if (tokens.has(token)) continue;
      if (length + token.length + 1 > MAX_TOKENS_CHARS) {
        return { searchTokens: [...tokens].join(" "), searchPartial: true };
      }
      tokens.add(token);
      length += token.length + 1;
    }
  }
  return { searchTokens: [...tokens].join(" ") };
}

/**
 * The term of a (lower-cased) search to look up in the search index: its
 * longest word, cut to {@link MAX_TOKEN_CHARS}; `undefined` when the search
 * has no word (every item is then checked).
 */
export function searchToken(term: string): string | undefined {
  const words = searchWords(term);
  if (words.length === 0) return undefined;
  const longest = words.reduce((best, word) => word.length > best.length ? word : best);
  return Array.from(longest).slice(0, MAX_TOKEN_CHARS).join("");
}
