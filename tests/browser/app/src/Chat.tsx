// src/Chat.tsx in your app
import { Component, type ReactNode } from "react";
import { ConvexError } from "convex/values";
import { useAgentActivity, useMastraMessages } from "@mastra/convex/react";
import { api } from "../convex/_generated/api";

export function Chat({ threadId }: { threadId: string }) {
  const { messages, status, loadMore } = useMastraMessages(api.mastraUi.messages, threadId, { initialNumItems: 10 });
  const { isWorking, waiting } = useAgentActivity(api.mastraUi.activity, threadId);
  return (
    <main>
      {status === "LoadingFirstPage" && <p className="loading">Loading…</p>}
      {status === "CanLoadMore" && <button type="button" onClick={() => loadMore(10)}>Older messages</button>}
      {messages.map((message) => (
        <p key={message.id} className={`message ${message.role}`}>
          <b>{message.role}</b> {message.content.parts.map((part) => part.type === "text" ? part.text : "").join("")}
        </p>
      ))}
      {isWorking && <p className="working">The agent is working…</p>}
      {waiting.flatMap((run) =>
        (run.steps ?? []).map((step) => (
          <p key={`${run.runId}/${step.stepId}`} className="approval">
            Waiting for your approval: {(step.payload as { prompt?: string }).prompt ?? step.stepId}
          </p>
        ))
      )}
    </main>
  );
}

/** Shows a refused read (`authorize` returned false) instead of the chat. */
export class ChatErrors extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const data = error instanceof ConvexError ? error.data as { code?: string; message?: string } : undefined;
    return <p className="error">{data?.code === "UNAUTHORIZED" ? data.message : error.message}</p>;
  }
}
