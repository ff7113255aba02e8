"""providers/bedrock.py and the boto3 half of transport.py.

The pure transforms run on fixtures from the Converse API reference; the kwargs are checked
against botocore's own service model (the request shape boto3 validates before sending).
The transport runs the real botocore client against the simulator's Bedrock endpoint, which
speaks Converse JSON and the binary AWS event stream (``local/simulator/bedrock_format.py``),
so nothing is stubbed between the adapter and the socket.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from _helpers import WEATHER, assemble, fixture, request, target

from gateway.errors import ContextLengthError, UnsupportedParamError, UpstreamError
from gateway.providers.base import ProviderRequest, StreamState
from gateway.providers.bedrock import adapter

if TYPE_CHECKING:
    from gateway.catalog.targets import Target

NOVA = "bedrock/amazon.nova-lite-v1:0"
CLAUDE = "bedrock/claude-sonnet-4-5-20250929"


def _validate(kwargs: dict[str, Any], operation: str = "Converse") -> None:
    """botocore's own parameter validation for the operation (raises on unknown or mistyped fields)."""
    import boto3
    from botocore.validate import ParamValidator

    client = boto3.client(
        "bedrock-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    shape = client.meta.service_model.operation_model(operation).input_shape
    report = ParamValidator().validate(kwargs, shape)
    assert not report.has_errors(), report.generate_report()


def test_kwargs_shape():
    req = request(
        messages=[
            {"role": "system", "content": "Be brief."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Weather?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "tooluse_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "tooluse_1", "content": '{"temp_c": 21}'},
            {"role": "user", "content": "Thanks"},
        ],
        tools=[WEATHER],
        tool_choice="required",
        temperature=0.3,
        top_p=0.8,
        stop=["END"],
    )
    preq = adapter.build_request(req, target(NOVA))
    assert preq.operation == "converse" and preq.url == ""
    kw = preq.kwargs
    _validate(kw)
    assert kw["modelId"] == "amazon.nova-lite-v1:0"
    assert kw["system"] == [{"text": "Be brief."}]
    assert [m["role"] for m in kw["messages"]] == ["user", "assistant", "user"]
    assert kw["messages"][0]["content"][1]["image"]["format"] == "png"
    assert kw["messages"][1]["content"] == [
        {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}}
    ]
    assert kw["messages"][2]["content"] == [
        {"toolResult": {"toolUseId": "tooluse_1", "content": [{"json": {"temp_c": 21}}]}},
        {"text": "Thanks"},
    ]
    assert kw["inferenceConfig"] == {
        "maxTokens": 4096,
        "temperature": 0.3,
        "topP": 0.8,
        "stopSequences": ["END"],
    }
    assert kw["toolConfig"]["toolChoice"] == {"any": {}}
    assert kw["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["required"] == ["city"]


def test_stream_operation_and_validation():
    preq = adapter.build_request(request(stream=True, max_tokens=10), target(CLAUDE))
    assert preq.operation == "converse_stream" and preq.stream
    _validate(preq.kwargs, "ConverseStream")


def test_tool_choice_none_is_refused():
    with pytest.raises(UnsupportedParamError):
        adapter.build_request(request(tools=[WEATHER], tool_choice="none"), target(NOVA))


def test_response_with_cache_counts():
    result = adapter.parse_response(fixture("bedrock", "converse_tool_use.json"), target(NOVA))
    choice = result.completion.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content == "Let me look that up."
    assert json.loads(choice.message.tool_calls[0].function.arguments) == {"city": "Paris"}
    u = result.usage
    assert (u.prompt_tokens, u.cached_tokens, u.cache_write_tokens, u.completion_tokens) == (
        2348,
        1024,
        1024,
        40,
    )


def test_stream_events_usage_arrives_last():
    state = StreamState(id="x", model="m", created=1)
    chunks = []
    for ev in fixture("bedrock", "converse_stream_events.json"):
        chunks += adapter.parse_stream_event(ev, state)
    got = assemble(chunks)
    assert got == {
        "text": "Checking now.",
        "finish": "tool_calls",
        "calls": {0: {"id": "tooluse_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}},
    }
    assert state.done and (
        state.usage.prompt_tokens,
        state.usage.cached_tokens,
        state.usage.completion_tokens,
    ) == (125, 100, 30)


def test_errors():
    overflow = adapter.map_error(
        400, {"__type": "ValidationException", "message": "Input is too long for requested model."}, {}
    )
    assert isinstance(overflow, ContextLengthError)
    throttled = adapter.map_error(429, {"__type": "ThrottlingException", "message": "Too many requests"}, {})
    assert isinstance(throttled, UpstreamError) and throttled.retryable
    denied = adapter.map_error(403, {"__type": "AccessDeniedException", "message": "no"}, {})
    assert denied.status == 502 and denied.code == "upstream_auth_error"


# --- transport.py's boto3 half, over HTTP against the simulator --------------------------------


@pytest.fixture
def sim_target(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Target]]:
    from _helpers import simulator

    from local.simulator import app as sim_app

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    sim_app.FAULTS.clear()
    yield lambda **env: target(
        NOVA, BEDROCK_BASE_URL=simulator() + "/bedrock", BEDROCK_READ_TIMEOUT="0.5", **env
    )
    sim_app.FAULTS.clear()


def _fault(**spec: Any) -> None:
    from local.simulator import app as sim_app

    sim_app.FAULTS.setdefault("bedrock", []).append({"count": 1, **spec})


async def test_converse_round_trip_over_botocore(sim_target):
    from gateway.providers import transport

    t = sim_target()
    reply = await transport.send(
        adapter.build_request(request(tools=[WEATHER], tool_choice="required"), t), t
    )
    assert reply.status == 200
    result = adapter.parse_response(reply.body, t)
    assert result.completion.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert result.usage.reported and result.usage.prompt_tokens > 0


async def test_converse_stream_decodes_the_aws_event_stream(sim_target):
    from gateway.providers import transport

    t = sim_target()
    state = StreamState(id="x", model="m", created=1)
    chunks = []
    async with transport.open_stream(adapter.build_request(request(stream=True), t), t) as reply:
        async for ev in reply.events:
            chunks += adapter.parse_stream_event(ev, state)
    assert (
        assemble(chunks)["text"]
        == "Simulated reply to: Hi. This answer is deterministic and costs real tokens."
    )
    assert state.done and state.usage.completion_tokens == 12


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "ThrottlingException"), (503, "ServiceUnavailableException"), (400, "ValidationException")],
)
async def test_aws_errors_come_back_as_status_and_code(sim_target, status, code):
    from gateway.providers import transport

    _fault(fault="status", status=status)
    t = sim_target()
    reply = await transport.send(adapter.build_request(request(), t), t)
    assert (reply.status, reply.body["__type"]) == (status, code)
    assert adapter.map_error(reply.status, reply.body, reply.headers).status == (
        400 if status == 400 else 502
    )


async def test_timeout_and_refused_connection_and_broken_stream(sim_target):
    from gateway.errors import UpstreamConnectionError, UpstreamTimeoutError
    from gateway.providers import transport
    from local.stack import free_port

    _fault(fault="timeout", seconds=2)
    t = sim_target()
    with pytest.raises(UpstreamTimeoutError):
        await transport.send(adapter.build_request(request(), t), t)
    closed = target(NOVA, BEDROCK_BASE_URL=f"http://127.0.0.1:{free_port()}", BEDROCK_CONNECT_TIMEOUT="0.5")
    with pytest.raises(UpstreamConnectionError):
        await transport.send(adapter.build_request(request(), closed), closed)
    _fault(fault="disconnect", after=2)
    with pytest.raises(UpstreamConnectionError):
        await _drain(adapter.build_request(request(stream=True), t), t)


async def _drain(req: ProviderRequest, t: Target) -> None:
    from gateway.providers import transport

    async with transport.open_stream(req, t) as reply:
        async for _ in reply.events:
            pass


def test_history_with_tool_blocks_but_no_tools_still_declares_them():
    kw = adapter.build_request(
        request(
            messages=[
                {"role": "user", "content": "w?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "t1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "t1", "content": "sunny"},
            ]
        ),
        target(NOVA),
    ).kwargs
    _validate(kw)
    assert kw["toolConfig"] == {
        "tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object"}}}}]
    }
