/**
 * The README's message calls: `saveMessage`, `getMessages` and
 * `getMessagesPaginated`, mapped onto the memory domain (one source of
 * truth). A README message is `{ id, threadId, resourceId?, type, content,
 * createdAt }` where `type` is the role and `content` a string; Mastra's
 * own messages (`role` plus format-2 `content`) are accepted as well.
 */
import type { MastraDBMessage } from "../coreTypes.ts";
import type { MemoryStorage } from "@mastra/core/storage";
import { toMillis } from "../kit/codec.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { optionalString, requireId, requireRecord, requireString } from "../kit/validate.ts";
import { pageWindow } from "./paging.ts";

/** Roles a README message may have (its `type`). */
export type MessageRole = "user" | "assistant" | "system" | "tool";

/** A message as the README shows it. */
export type MessageRecord = {
  /** Unique id. */
  id: string;
  /** Thread the message belongs to. */
  threadId: string;
  /** Owner of the thread (user id). */
  resourceId?: string;
  /** The role: `"user"`, `"assistant"`, `"system"` or `"tool"`. */
  type: MessageRole;
  /** The text. */
  content: string;
  /** When it was written: epoch milliseconds or a `Date` (default: now). */
  createdAt?: number | Date;
};

/** A message read back: the README fields, plus Mastra's full message. */
export type StoredMessageRecord = {
  /** Unique id. */
  id: string;
  /** Thread the message belongs to. */
  threadId: string;
  /** Owner of the thread. */
  resourceId?: string;
  /** The role. */
  type: string;
  /** The message's text (its text parts joined). */
  content: string;
  /** When it was written. */
  createdAt: Date;
  /** The message as Mastra stores it (parts, tool calls, metadata, ...). */
  message: MastraDBMessage;
};

/** A page of messages, oldest first (`page` counts from 0). */
export type MessagePage = {
  messages: StoredMessageRecord[];
  total: number;
  page: number;
  perPage: number;
  hasMore: boolean;
};

const ROLES: readonly string[] = ["user", "assistant", "system", "tool"];

/** Converts a README message (or passes a Mastra message through) to Mastra's stored shape. */
export function toMastraMessage(input: MessageRecord | MastraDBMessage, now: number): MastraDBMessage {
  const record = requireRecord(input, "message");
  if ("role" in record && typeof record.content === "object" && record.content !== null) {
    return record as unknown as MastraDBMessage;
  }
  const id = requireId(record.id, "message.id");
  const threadId = requireId(record.threadId, "message.threadId");
  const role = requireString(record.type, "message.type");
  if (!ROLES.includes(role)) {
    throw new InvalidInputError(`message.type must be one of ${ROLES.join(", ")}, got ${JSON.stringify(role)}`);
  }
  const text = requireString(record.content, "message.content");
  const resourceId = optionalString(record.resourceId, "message.resourceId");
  return {
    id,
    threadId,
    ...(resourceId !== undefined ? { resourceId } : {}),
    role: role as MastraDBMessage["role"],
    type: "text",
    content: { format: 2, parts: [{ type: "text", text }], content: text },
    createdAt: new Date(record.createdAt === undefined ? now : toMillis(record.createdAt, "message.createdAt")),
  };
}

/** The text of a Mastra message: its text parts joined, or its `content` string. */
export function messageText(message: MastraDBMessage): string {
  const content = message.content as { parts?: { type: string; text?: string }[]; content?: unknown };
  const texts = (content?.parts ?? []).filter((part) => part.type === "text").map((part) => part.text ?? "");
  if (texts.length > 0) return texts.join("");
  return typeof content?.content === "string" ? content.content : "";
}

/** Converts a stored Mastra message to the README's read shape. */
export function fromMastraMessage(message: MastraDBMessage): StoredMessageRecord {
  return {
    id: message.id,
    threadId: message.threadId ?? "",
    ...(message.resourceId ? { resourceId: message.resourceId } : {}),
    type: message.role,
    content: messageText(message),
    createdAt: new Date(message.createdAt),
    message,
  };
}

/** Saves one message (upsert by id); returns it as given. */
export function saveMessageRecord(
  memory: MemoryStorage,
  message: MessageRecord | MastraDBMessage,
  now: number,
): Promise<MessageRecord | MastraDBMessage> {
  const details = { messageId: typeof message?.id === "string" ? message.id : null };
  return withErrorContext({ operation: "saveMessage", details }, async () => {
    await memory.saveMessages({ messages: [toMastraMessage(message, now)] });
    return message;
  });
}

/** All messages of a thread, oldest first. */
export function getMessageRecords(memory: MemoryStorage, threadId: string): Promise<StoredMessageRecord[]> {
  return withErrorContext({ operation: "getMessages", details: { threadId } }, async () => {
    requireId(threadId, "threadId");
    const { messages } = await memory.listMessages({
      threadId,
      perPage: false,
      orderBy: { field: "createdAt", direction: "ASC" },
    });
    return messages.map(fromMastraMessage);
  });
}

/** One page of a thread's messages, oldest first; `page` counts from 0. */
export function getMessageRecordsPage(
  memory: MemoryStorage,
  args: { threadId: string; page?: number; perPage?: number },
): Promise<MessagePage> {
  return withErrorContext(
    { operation: "getMessagesPaginated", details: { threadId: args?.threadId ?? null } },
    async () => {
      requireId(args.threadId, "threadId");
      const { page, perPage } = pageWindow(args.page, args.perPage, 40);
      const result = await memory.listMessages({
        threadId: args.threadId,
        page,
        perPage,
        orderBy: { field: "createdAt", direction: "ASC" },
      });
      return {
        messages: result.messages.map(fromMastraMessage),
        total: result.total,
        page,
        perPage,
        hasMore: result.hasMore,
      };
    },
  );
}
