"""The OpenAI Agents SDK: an agent with a function tool on a gpt-5-family model, through the
Responses API (its default) and through Chat Completions."""

import asyncio
import os

from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from openai import AsyncOpenAI
from openai.types.shared import Reasoning

set_tracing_disabled(True)
client = AsyncOpenAI(
    base_url=os.environ["GATEWAY_BASE_URL"], api_key=os.environ["GATEWAY_API_KEY"], max_retries=0
)


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


async def main() -> None:
    for model in (
        OpenAIResponsesModel(model="gpt-5-mini", openai_client=client),
        OpenAIChatCompletionsModel(model="gpt-5-mini", openai_client=client),
    ):
        agent = Agent(
            name="weather",
            instructions="Answer with the tool.",
            model=model,
            tools=[get_weather],
            model_settings=ModelSettings(reasoning=Reasoning(effort="low"), verbosity="low"),
        )
        result = await Runner.run(agent, "What is the weather in Paris?")
        assert "sunny in Paris" in str(result.final_output), result.final_output
        streamed = Runner.run_streamed(agent, "What is the weather in Paris?")
        async for _ in streamed.stream_events():
            pass
        assert "sunny in Paris" in str(streamed.final_output), streamed.final_output
        print("agents ok:", type(model).__name__)


asyncio.run(main())
