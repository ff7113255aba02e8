"""litellm as a client of the gateway (its OpenAI-compatible provider): completion, stream, tools."""

import os

import litellm

kw = {"api_base": os.environ["GATEWAY_BASE_URL"], "api_key": os.environ["GATEWAY_API_KEY"]}
r = litellm.completion(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}], **kw)
assert r.choices[0].message.content.startswith("Simulated reply"), r
text = "".join(
    c.choices[0].delta.content or ""
    for c in litellm.completion(
        model="openai/claude-haiku-4-5-20251001",
        messages=[{"role": "user", "content": "Hi"}],
        stream=True,
        **kw,
    )
)
assert text.startswith("Simulated reply"), text
tools = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
r = litellm.completion(
    model="openai/gpt-5-mini",
    messages=[{"role": "user", "content": "Weather in Paris?"}],
    tools=tools,
    reasoning_effort="low",
    **kw,
)
assert r.choices[0].message.tool_calls[0].function.name == "get_weather", r
print("litellm ok")
