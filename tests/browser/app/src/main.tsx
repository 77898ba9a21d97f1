/**
 * The test page's entry: a `ConvexReactClient` on the test server named in
 * the page's URL (`?url=…&token=…&thread=…`), signed in with the given
 * token, rendering the README's `Chat` inside its error boundary.
 */
import { createRoot } from "react-dom/client";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import { Chat, ChatErrors } from "./Chat";

const params = new URLSearchParams(location.search);
const convex = new ConvexReactClient(params.get("url")!);
const token = params.get("token");
if (token) convex.setAuth(() => Promise.resolve(token));
// The page's `document` (this file is type-checked with Deno's libs, without the DOM's).
const { document } = globalThis as unknown as { document: { getElementById(id: string): unknown } };
createRoot(document.getElementById("root") as Parameters<typeof createRoot>[0]).render(
  <ConvexProvider client={convex}>
    <h1>Thread {params.get("thread")}</h1>
    <ChatErrors>
      <Chat threadId={params.get("thread")!} />
    </ChatErrors>
  </ConvexProvider>,
);
