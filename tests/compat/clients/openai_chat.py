"""The openai package's Chat Completions API: a tool loop that sends message.model_dump() back,
today's fields (reasoning_effort, verbosity, store, metadata), streaming, structured output."""

import json
import os

from openai import OpenAI
from pydantic import BaseModel

client = OpenAI(base_url=os.environ["GATEWAY_BASE_URL"], api_key=os.environ["GATEWAY_API_KEY"], max_retries=0)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]

for model in ("gpt-5-mini", "claude-haiku-4-5-20251001", "gemini-2.5-flash"):
    messages: list = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(
        model=model,
        messages=messages,
        tools=TOOLS,
        reasoning_effort="low",
        store=True,
        metadata={"suite": "compat"},
        safety_identifier="user-123",
        prompt_cache_key="compat",
        **({"verbosity": "low"} if model.startswith("gpt-5") else {}),
    )
    message = first.choices[0].message
    assert message.tool_calls, (model, message)
    messages.append(message.model_dump())  # refusal, annotations, audio: None as the SDK returns them
    call = message.tool_calls[0]
    messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temp_c": 21})})
    second = client.chat.completions.create(model=model, messages=messages, tools=TOOLS, temperature=1)
    assert "temp_c" in (second.choices[0].message.content or ""), second
    print(model, "tool loop ok")

text = "".join(
    chunk.choices[0].delta.content or ""
    for chunk in client.chat.completions.create(
        model="gpt-5-nano", messages=[{"role": "user", "content": "Hi"}], stream=True, verbosity="low"
    )
    if chunk.choices
)
assert text.startswith("Simulated reply"), text


class City(BaseModel):
    name: str
    population: int


parsed = client.chat.completions.parse(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "A city"}], response_format=City
)
assert isinstance(parsed.choices[0].message.parsed, City), parsed
print("openai chat ok")
