/**
 * The value codec and date helpers used by the client side. The codec
 * itself lives in `convex/kit/codec.ts` so that our Convex functions use the
 * very same code.
 */
export {
  CodecError,
  decodeOptional,
  decodeValue,
  defineData,
  encodeOptional,
  encodeValue,
} from "../../convex/kit/codec.ts";
import { InvalidInputError } from "./errors.ts";

/** Converts a `Date`, epoch number or date string to epoch milliseconds. */
export function toMillis(value: unknown, field: string): number {
  const time = value instanceof Date
    ? value.getTime()
    : typeof value === "number"
    ? value
    : typeof value === "string"
    ? new Date(value).getTime()
    : NaN;
  if (!Number.isFinite(time)) throw new InvalidInputError(`${field} must be a valid date, got ${String(value)}`);
  return time;
}

/** Converts stored epoch milliseconds back to a `Date`. */
export function toDate(millis: number): Date {
  return new Date(millis);
}
