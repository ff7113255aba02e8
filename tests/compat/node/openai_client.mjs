// The openai npm package: chat with a tool loop (the message sent back as returned), responses, a responses stream.
import assert from "node:assert/strict";
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.GATEWAY_BASE_URL, apiKey: process.env.GATEWAY_API_KEY, maxRetries: 0 });
const tools = [{
  type: "function",
  function: { name: "get_weather", description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
}];

const messages = [{ role: "user", content: "What is the weather in Paris?" }];
const first = await client.chat.completions.create({ model: "gpt-5-mini", messages, tools, reasoning_effort: "low", verbosity: "low", store: true });
const message = first.choices[0].message;
assert.ok(message.tool_calls?.length, JSON.stringify(message));
messages.push(message, { role: "tool", tool_call_id: message.tool_calls[0].id, content: "sunny" });
const second = await client.chat.completions.create({ model: "gpt-5-mini", messages, tools });
assert.match(second.choices[0].message.content, /sunny/);

const r = await client.responses.create({ model: "gpt-4o-mini", input: "Hello there", instructions: "Be brief." });
assert.match(r.output_text, /^Simulated reply/);
const kinds = [];
const stream = client.responses.stream({ model: "claude-haiku-4-5-20251001", input: "Say hi" });
for await (const event of stream) kinds.push(event.type);
const final = await stream.finalResponse();
assert.equal(kinds.at(-1), "response.completed");
assert.match(final.output_text, /^Simulated reply/);
console.log("openai npm ok");
