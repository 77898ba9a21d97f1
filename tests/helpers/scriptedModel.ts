/**
 * A scripted local language model (AI SDK `LanguageModelV2`) for tests that
 * run Mastra agents without a network: call n (from 1) answers what
 * `respond(prompt, n)` returns, by `doGenerate` or as a stream.
 */

/** A prompt message as the model receives it. */
export type PromptMessage = { role: string; content: string | { type: string; text?: string }[] };

/** Token usage a call reports. */
export type ScriptedUsage = { inputTokens: number; outputTokens: number; totalTokens: number };

/**
 * One answer: a text (a string, or the pieces it is streamed in) or a tool
 * call (the call id is `call-<n>`).
 */
export type ScriptedAnswer = string | { text: string[] } | { toolCall: { name: string; input: unknown } };

const DEFAULT_USAGE: ScriptedUsage = { inputTokens: 10, outputTokens: 10, totalTokens: 20 };

/** A model whose call n answers `respond(prompt, n)` and reports `usage` (or `usage(n)`). */
export function scriptedLanguageModel(
  respond: (prompt: PromptMessage[], call: number) => ScriptedAnswer,
  usage: ScriptedUsage | ((call: number) => ScriptedUsage) = DEFAULT_USAGE,
): Record<string, unknown> {
  let calls = 0;
  const answer = (prompt: PromptMessage[]) => {
    const call = ++calls;
    return { call, answer: respond(prompt, call), usage: typeof usage === "function" ? usage(call) : usage };
  };
  const pieces = (answer: ScriptedAnswer): string[] | undefined =>
    typeof answer === "string" ? [answer] : "text" in answer ? answer.text : undefined;
  return {
    specificationVersion: "v2",
    provider: "scripted",
    modelId: "scripted-model",
    supportedUrls: {},
    doGenerate(options: { prompt: PromptMessage[] }) {
      const { call, answer: a, usage } = answer(options.prompt);
      const text = pieces(a);
      const content = text !== undefined
        ? [{ type: "text", text: text.join("") }]
        : [{ type: "tool-call", toolCallId: `call-${call}`, ...toolCall(a) }];
      return Promise.resolve({
        content,
        finishReason: text !== undefined ? "stop" : "tool-calls",
        usage,
        warnings: [],
      });
    },
    doStream(options: { prompt: PromptMessage[] }) {
      const { call, answer: a, usage } = answer(options.prompt);
      const text = pieces(a);
      const parts = text !== undefined
        ? [
          { type: "text-start", id: "t" },
          ...text.map((delta) => ({ type: "text-delta", id: "t", delta })),
          { type: "text-end", id: "t" },
          { type: "finish", finishReason: "stop", usage },
        ]
        : [
          { type: "tool-call", toolCallId: `call-${call}`, ...toolCall(a) },
          { type: "finish", finishReason: "tool-calls", usage },
        ];
      return Promise.resolve({
        stream: new ReadableStream({
          start(controller) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      });
    },
  };
}

function toolCall(answer: ScriptedAnswer): { toolName: string; input: string } {
  const { name, input } = (answer as { toolCall: { name: string; input: unknown } }).toolCall;
  return { toolName: name, input: JSON.stringify(input) };
}
