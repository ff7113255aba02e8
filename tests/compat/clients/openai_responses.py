"""The openai package's Responses API: create, stream, a tool loop with function_call_output,
previous_response_id, retrieve and delete, structured output (text.format)."""

import os

import openai
from openai import OpenAI
from pydantic import BaseModel

client = OpenAI(base_url=os.environ["GATEWAY_BASE_URL"], api_key=os.environ["GATEWAY_API_KEY"], max_retries=0)
TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]

first = client.responses.create(
    model="gpt-5-mini",
    input="Hello there",
    instructions="Be brief.",
    reasoning={"effort": "low"},
    metadata={"a": "b"},
)
assert first.status == "completed" and first.output_text.startswith("Simulated reply"), first
assert first.usage is not None and first.usage.input_tokens > 0
assert (first.usage.model_extra or {}).get("total_cost_usd", 0) > 0, first.usage

follow = client.responses.create(model="gpt-5-mini", input="And then?", previous_response_id=first.id)
assert (
    follow.usage is not None and follow.usage.input_tokens > first.usage.input_tokens
)  # the history was sent
assert client.responses.retrieve(first.id).id == first.id

for model in ("gpt-4o-mini", "claude-haiku-4-5-20251001"):
    items: list = [{"role": "user", "content": "What is the weather in Paris?"}]
    r = client.responses.create(model=model, input=items, tools=TOOLS)
    calls = [o for o in r.output if o.type == "function_call"]
    assert calls and calls[0].name == "get_weather", r.output
    items += [o.model_dump(exclude_none=True) for o in r.output]
    items.append({"type": "function_call_output", "call_id": calls[0].call_id, "output": "sunny, 21C"})
    done = client.responses.create(model=model, input=items, tools=TOOLS)
    assert "sunny" in done.output_text, done
    print(model, "responses tool loop ok")

with client.responses.stream(model="gemini-2.5-flash", input="Say hi", max_output_tokens=200) as stream:
    kinds = [event.type for event in stream]
    final = stream.get_final_response()
assert kinds[:2] == ["response.created", "response.in_progress"] and kinds[-1] == "response.completed", kinds
assert "response.output_text.delta" in kinds and final.output_text.startswith("Simulated reply"), final


class City(BaseModel):
    name: str
    population: int


parsed = client.responses.parse(model="gpt-4o-mini", input="A city", text_format=City)
assert isinstance(parsed.output_parsed, City), parsed

client.responses.delete(first.id)
try:
    client.responses.retrieve(first.id)
    raise AssertionError("a deleted response was found")
except openai.NotFoundError:
    pass
print("openai responses ok")
