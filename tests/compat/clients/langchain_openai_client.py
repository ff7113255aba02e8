"""langchain-openai's ChatOpenAI: invoke, stream, bind_tools, and use_responses_api."""

import os

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

common = {
    "base_url": os.environ["GATEWAY_BASE_URL"],
    "api_key": os.environ["GATEWAY_API_KEY"],
    "max_retries": 0,
}


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


for use_responses_api in (False, True):
    llm = ChatOpenAI(
        model="gpt-5-mini", use_responses_api=use_responses_api, reasoning_effort="low", **common
    )
    answer = llm.invoke("Hello there")
    assert "Simulated reply" in answer.text, answer
    streamed = "".join(chunk.text for chunk in llm.stream("Hello there"))
    assert "Simulated reply" in streamed, streamed
    with_tools = llm.bind_tools([get_weather])
    msg = with_tools.invoke("What is the weather in Paris?")
    assert msg.tool_calls and msg.tool_calls[0]["name"] == "get_weather", msg
    result = get_weather.invoke(msg.tool_calls[0])
    final = with_tools.invoke(["What is the weather in Paris?", msg, result])
    assert "sunny in Paris" in final.text, final
    print("langchain ok, use_responses_api =", use_responses_api)
