/**
 * A scripted local language model (AI SDK `LanguageModelV2`) for tests that
 * run Mastra agents without a network: every call answers what `respond`
 * returns for the prompt, by `doGenerate` or as a stream.
 */

/** A prompt message as the model receives it. */
export type PromptMessage = { role: string; content: string | { type: string; text?: string }[] };

/** A model whose every answer is `respond(prompt)`. */
export function scriptedLanguageModel(
  respond: (prompt: PromptMessage[]) => string,
  usage: { inputTokens: number; outputTokens: number; totalTokens: number } = {
    inputTokens: 10,
    outputTokens: 10,
    totalTokens: 20,
  },
): Record<string, unknown> {
  return {
    specificationVersion: "v2",
    provider: "scripted",
    modelId: "scripted-model",
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
