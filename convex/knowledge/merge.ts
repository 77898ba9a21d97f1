/**
 * Merging ordered index ranges: a query scope sees up to three stored
 * scope keys (its prefixes), each one range of an index; their union in
 * order is the merge of the ranges.
 */

/** The items of `streams` (each ordered by `compare`) in `compare` order. */
export async function* mergeOrdered<T>(
  streams: AsyncIterable<T>[],
  compare: (a: T, b: T) => number,
): AsyncGenerator<T> {
  const iterators = streams.map((stream) => stream[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((iterator) => iterator.next()));
  for (;;) {
    let best = -1;
    for (let index = 0; index < heads.length; index++) {
      const head = heads[index];
      if (!head.done && (best < 0 || compare(head.value, heads[best].value as T) < 0)) best = index;
    }
    if (best < 0) return;
    yield heads[best].value as T;
    heads[best] = await iterators[best].next();
  }
}
