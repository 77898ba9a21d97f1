/**
 * Core's knowledge rules, restated for our Convex functions (which import
 * nothing from `@mastra/core`): scope canonicalisation and keys,
 * visibility by containment, ceilings, the description bound and
 * wikilink parsing. Error messages are core's own.
 */
import { storageError } from "../kit/errors.js";

/** Order of the scope levels, outermost first. */
export const SCOPE_ORDER: Readonly<Record<string, number>> = { org: 0, resource: 1, thread: 2 };

/** Separator of scope entries in a scope key (core's U+001F). */
const SEPARATOR = "\u001f";

/** Core's `MAX_KNOWLEDGE_NODE_DESCRIPTION_LENGTH`, in UTF-16 code units. */
export const MAX_DESCRIPTION_LENGTH = 400;

function level(entry: string): string {
  return entry.slice(0, entry.indexOf(":"));
}

function order(entry: string): number | undefined {
  const name = level(entry);
  return Object.hasOwn(SCOPE_ORDER, name) ? SCOPE_ORDER[name] : undefined;
}

/** A scope in canonical order (org, resource, thread), or a USER error naming what is wrong. */
export function canonicalScope(scope: readonly string[]): string[] {
  const byLevel = new Map<string, string>();
  for (const entry of scope) {
    const separator = entry.indexOf(":");
    const name = entry.slice(0, separator);
    const id = entry.slice(separator + 1);
    if (separator <= 0 || !id || id.includes(SEPARATOR) || order(entry) === undefined) {
      throw storageError("INVALID", `Invalid knowledge scope entry: ${entry}`);
    }
    const existing = byLevel.get(name);
    if (existing && existing !== entry) {
      throw storageError("INVALID", `Knowledge scope contains multiple ${name} entries`);
    }
    byLevel.set(name, entry);
  }
  if (byLevel.size === 0) throw storageError("INVALID", "Knowledge scope cannot be empty");
  if (byLevel.has("thread") && (!byLevel.has("resource") || !byLevel.has("org"))) {
    throw storageError("INVALID", "Thread knowledge scope requires resource and org ancestors");
  }
  if (byLevel.has("resource") && !byLevel.has("org")) {
    throw storageError("INVALID", "Resource knowledge scope requires an org ancestor");
  }
  return [...byLevel.values()].sort((a, b) => order(a)! - order(b)!);
}

/** The key of a canonical scope (core's `knowledgeScopeKey`). */
export function scopeKey(canonical: readonly string[]): string {
  return canonical.join(SEPARATOR);
}

/**
 * Keys of every canonical scope visible from a canonical query scope: a
 * stored scope is canonical, so it is contained in the query scope exactly
 * when it is one of its prefixes.
 */
export function visibleScopeKeys(canonical: readonly string[]): string[] {
  return canonical.map((_, index) => scopeKey(canonical.slice(0, index + 1)));
}

/** True when every entry of `scope` is in `query` (core's `isKnowledgeScopeVisible`). */
export function isVisible(scope: readonly string[], query: readonly string[]): boolean {
  const available = new Set(query);
  return scope.every((entry) => available.has(entry));
}

/** The identity key of a node name: trimmed, lower-cased as core does. */
export function nameKey(name: string): string {
  return name.trim().toLocaleLowerCase();
}

/** Refuses a description over {@link MAX_DESCRIPTION_LENGTH} before anything is written. */
export function assertDescription(description: string | undefined): void {
  if (description !== undefined && description.length > MAX_DESCRIPTION_LENGTH) {
    throw storageError("INVALID", `Knowledge node description exceeds the 400 UTF-16 code unit limit`);
  }
}

/** Refuses a scope narrower than a record's ceiling would allow (core's `assertKnowledgeScopeWithinCeiling`). */
export function assertWithinCeiling(scope: readonly string[], maxScope: string | undefined): void {
  if (!maxScope) return;
  const levels = scope.map(order).filter((value): value is number => value !== undefined);
  const deepest = levels.length > 0 ? Math.max(...levels) : Number.MAX_SAFE_INTEGER;
  if (deepest < SCOPE_ORDER[maxScope]) throw storageError("INVALID", `Knowledge scope exceeds ${maxScope} ceiling`);
}

/** Refuses lowering a record's ceiling (core's `assertKnowledgeCeilingRaised`). */
export function assertCeilingRaised(current: string | undefined, next: string | undefined): void {
  if (current && next && SCOPE_ORDER[next] > SCOPE_ORDER[current]) {
    throw storageError("INVALID", `Knowledge ceiling cannot be lowered from ${current} to ${next}`);
  }
}

/** Distinct `[[name]]` links of a text, in order (core's `parseKnowledgeWikilinks`). */
export function wikilinks(text: string): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  let contentStart = -1;
  for (let index = 0; index < text.length - 1; index++) {
    const pair = text.slice(index, index + 2);
    if (pair === "[[") {
      contentStart = index + 2;
      index++;
      continue;
    }
    if (pair !== "]]" || contentStart < 0) continue;
    const name = text.slice(contentStart, index).trim();
    const key = name.toLocaleLowerCase();
    if (name && !seen.has(key)) {
      seen.add(key);
      names.push(name);
    }
    contentStart = -1;
    index++;
  }
  return names;
}
