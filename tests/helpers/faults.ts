/**
 * An in-process client that loses answers: a write (mutation or action)
 * runs and commits, then the call fails as a dropped connection would, so
 * tests can check what multi-step writes leave behind and what they say.
 */
import { type Backend, inProcessClient } from "./backend.ts";
import { type ConvexClientLike, type FunctionPath, TransientError } from "../../src/transport.ts";

/** Decides, after a write to `path` committed, whether its answer is lost. */
export type LoseAnswer = (path: FunctionPath, args: Record<string, unknown>) => boolean;

/** A client over `backend` whose writes lose their answers after commit when `lose` says so. */
export function losingClient(backend: Backend, lose: LoseAnswer): ConvexClientLike {
  const inner = inProcessClient(backend);
  const wrap = (call: ConvexClientLike["mutation"]): ConvexClientLike["mutation"] => async (path, args, options) => {
    const result = await call(path, args, options);
    if (lose(path, args)) {
      throw new TransientError("request to Convex failed: connection reset (answer lost after commit)");
    }
    return result;
  };
  return { ...inner, mutation: wrap(inner.mutation), action: wrap(inner.action) };
}

/** Loses every answer of `path` from its `from`-th call on (1-based), `times` times (default: always). */
export function loseFrom(path: FunctionPath, from: number, times = Infinity): LoseAnswer {
  let calls = 0;
  let lost = 0;
  return (called) => called === path && ++calls >= from && lost++ < times;
}
