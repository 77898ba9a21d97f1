/**
 * The app reads' plain shapes turned into Mastra's: messages as
 * `MastraDBMessage` (content format 2, `createdAt` a `Date`), which Mastra's
 * UI helpers take (e.g. `MessageList` or `convertMessages(...).to("AIV5.UI")`
 * of `@mastra/core/agent`), threads with `Date`s, encoded payloads decoded.
 * Browser-safe: only the codec, no `@mastra/core` at run time.
 */
import type { MastraDBMessage } from "../coreTypes.ts";
import type { AppMessage, AppThread } from "./types.ts";
import { decodeValue } from "../../convex/kit/codec.ts";
import { rowToMessage } from "../memory/messageShape.ts";

/** A thread of the app reads with `Date`s. */
export type LiveThread = { id: string; resourceId: string; title: string | null; createdAt: Date; updatedAt: Date };

/** A message of the app reads in Mastra's shape; `contentStoredInPieces` when its content was too large to send. */
export type LiveMessage = MastraDBMessage & { contentStoredInPieces?: true };

/** Converts a message of the app reads to Mastra's `MastraDBMessage`. */
export function toMastraMessage(message: AppMessage): LiveMessage {
  if (message.content === null) {
    const { content: _, ...rest } = rowToMessage({ ...message, content: "null" });
    return { ...rest, content: { format: 2, parts: [] }, contentStoredInPieces: true } as LiveMessage;
  }
  return rowToMessage({ ...message, content: message.content });
}

/** Converts a thread of the app reads (epoch milliseconds) to one with `Date`s. */
export function toLiveThread(thread: AppThread): LiveThread {
  return { ...thread, createdAt: new Date(thread.createdAt), updatedAt: new Date(thread.updatedAt) };
}

/** Decodes a value the app reads send encoded (suspend payloads, task arguments); `null` stays `null`. */
export function decodePayload(encoded: string | null): unknown {
  return encoded === null ? null : decodeValue(encoded);
}
