/**
 * A client that records the path of every call going through it: how a
 * test checks the number of round trips an operation costs.
 */
import type { ConvexClientLike } from "../../src/transport.ts";

/** `client` with every call's function path recorded in `calls`, in order. */
export function countingClient(client: ConvexClientLike): { client: ConvexClientLike; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    client: {
      ...client,
      query: (path, args) => (calls.push(path), client.query(path, args)),
      mutation: (path, args, options) => (calls.push(path), client.mutation(path, args, options)),
      action: (path, args, options) => (calls.push(path), client.action(path, args, options)),
    },
  };
}
