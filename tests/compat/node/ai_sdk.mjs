// The Vercel AI SDK: generateText and streamText with a tool call, through the Responses API
// (@ai-sdk/openai's default) and through Chat Completions (openai.chat).
import assert from "node:assert/strict";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";

const openai = createOpenAI({ baseURL: process.env.GATEWAY_BASE_URL, apiKey: process.env.GATEWAY_API_KEY });
const tools = {
  get_weather: tool({
    description: "The weather in a city",
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => `sunny in ${city}`,
  }),
};

for (const [name, model] of [["responses", openai("gpt-5-mini")], ["chat", openai.chat("gpt-4o-mini")]]) {
  const generated = await generateText({ model, tools, stopWhen: stepCountIs(3), prompt: "What is the weather in Paris?" });
  assert.ok(generated.steps[0].toolCalls.length === 1, JSON.stringify(generated.steps[0].toolCalls));
  assert.match(generated.text, /sunny in Paris/);

  const streamed = streamText({ model, tools, stopWhen: stepCountIs(3), prompt: "What is the weather in Paris?" });
  let text = "";
  for await (const delta of streamed.textStream) text += delta;
  assert.match(text, /sunny in Paris/);
  assert.ok((await streamed.usage).inputTokens > 0);
  console.log("ai sdk ok:", name);
}
