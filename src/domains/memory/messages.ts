/**
 * Message operations of the memory domain.
 *
 * Not implemented yet: they come with the messages issue. Each throws a
 * `MastraError` that says so, never a silent no-op.
 */
import { withErrorContext } from "../../errors.ts";
import type { DomainContext } from "../context.ts";

/** Throws: message operations are not implemented yet. */
export function notImplementedYet(_ctx: DomainContext, operation: string): Promise<never> {
  return withErrorContext({ operation }, () => {
    throw new Error(`${operation} is not implemented yet in @mastra/convex`);
  });
}
