/**
 * A scripted LanguageModelV2 for tests that run Mastra agents without a
 * network: `respond` answers each request from its prompt; generate and
 * stream both work.
 */

/** One message of a model prompt. */
export type PromptMessage = { role: string; content: unknown };

/** A local model whose answers come from `respond` (provider `scripted`, model `modelId`). */
export function scriptedLanguageModel(respond: (prompt: PromptMessage[]) => string, modelId = "echo"): unknown {
  const usage = { inputTokens: 5, outputTokens: 5, totalTokens: 10 };
  return {
    specificationVersion: "v2",
    provider: "scripted",
    modelId,
    supportedUrls: {},
    doGenerate(options: { prompt: PromptMessage[] }) {
      return Promise.resolve({
        content: [{ type: "text", text: respond(options.prompt) }],
        finishReason: "stop",
        usage,
        warnings: [],
      });
    },
    doStream(options: { prompt: PromptMessage[] }) {
      const text = respond(options.prompt);
      return Promise.resolve({
        stream: new ReadableStream({
          start(controller) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            controller.enqueue({ type: "text-start", id: "t" });
            controller.enqueue({ type: "text-delta", id: "t", delta: text });
            controller.enqueue({ type: "text-end", id: "t" });
            controller.enqueue({ type: "finish", finishReason: "stop", usage });
            controller.close();
          },
        }),
      });
    },
  };
}
