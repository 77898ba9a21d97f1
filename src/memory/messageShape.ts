/**
 * Stored messages back in Mastra's message shape (`MastraDBMessage`, content
 * format 2). Light on purpose — only the codec, no `@mastra/core` at run
 * time — so that browser code (`@mastra/convex/react`) shares it with the
 * server side.
 */
import type { MastraDBMessage } from "../coreTypes.ts";
import type { MessageRow } from "../../convex/memory/validators.ts";
import { decodeValue } from "../../convex/kit/codec.ts";

/** Decodes stored content as core does: absent -> `{}`; a plain string -> a format-2 text message. */
export function decodeContent(text: string, wrapString: boolean): unknown {
  const content = decodeValue(text);
  if (content === undefined) return {};
  if (wrapString && typeof content === "string") {
    return { format: 2, content, parts: [{ type: "text", text: content }] };
  }
  return content;
}

/** Converts a stored row back to Mastra's message shape. */
export function rowToMessage(row: MessageRow): MastraDBMessage {
  return {
    id: row.id,
    type: row.type ?? "text",
    createdAt: new Date(row.createdAt),
    threadId: row.threadId,
    ...(row.resourceId ? { resourceId: row.resourceId } : {}),
    content: decodeContent(row.content, true),
    role: row.role,
  } as MastraDBMessage;
}
