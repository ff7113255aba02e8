"""One suite, every adapter in the registry: the shape every provider module must have.

Each adapter is run against its simulator wire format (``local/simulator/*_format.py``),
rendered in-process from the same engine reply, so text, tool calls, finish reasons and
usage must come back identical whatever the provider. Provider-specific details live in
``test_<provider>.py``, against fixtures from each API reference.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from _helpers import WEATHER, assemble, request, target

from gateway.errors import InvalidRequestError, UpstreamError
from gateway.providers.base import ProviderRequest, SSEEvent, StreamState
from gateway.providers.registry import adapter_ids, get_adapter
from local.simulator import anthropic_format, bedrock_format, engine, gemini_format, openai_format

if TYPE_CHECKING:
    from gateway.catalog.targets import Target
    from gateway.providers.base import Adapter
    from gateway.schemas import ChatCompletionRequest

SPECS = {
    "openai": ("openai/gpt-4o-mini", openai_format),
    "anthropic": ("anthropic/claude-haiku-4-5-20251001", anthropic_format),
    "gemini": ("gemini/gemini-2.5-flash", gemini_format),
    "groq": ("groq/llama-3.3-70b-versatile", openai_format),
    "mistral": ("mistral/mistral-small-latest", openai_format),
    "bedrock": ("bedrock/amazon.nova-lite-v1:0", bedrock_format),
}


def test_every_registered_adapter_is_covered():
    assert set(adapter_ids()) == set(SPECS)


@pytest.fixture(params=sorted(SPECS))
def case(request: pytest.FixtureRequest) -> tuple[Adapter, Target, ModuleType]:
    spec, fmt = SPECS[request.param]
    adapter = get_adapter(request.param)
    assert adapter.id == request.param
    return adapter, target(spec), fmt


def _render(fmt: ModuleType, reply: engine.Reply) -> dict[str, Any]:
    if fmt is openai_format:
        return fmt.render_chat(reply, "m", "rid")
    return fmt.render(reply, "m", "rid")


def _events(fmt: ModuleType, reply: engine.Reply) -> list[SSEEvent | dict[str, Any]]:
    if fmt is openai_format:
        return [SSEEvent(None, f) for f in fmt.stream_chat(reply, "m", "rid", True)]
    if fmt is bedrock_format:
        from botocore.eventstream import EventStreamBuffer

        buf = EventStreamBuffer()
        for frame in fmt.stream(reply, "m", "rid", True):
            buf.add_data(frame)
        return [{m.headers[":event-type"]: json.loads(m.payload)} for m in buf]
    out: list[SSEEvent | dict[str, Any]] = []
    for frame in fmt.stream(reply, "m", "rid", True):
        if frame.startswith("event:"):
            name, data = frame.strip().split("\n", 1)
            out.append(SSEEvent(name.removeprefix("event: "), data.removeprefix("data: ")))
        else:
            out.append(SSEEvent(None, frame))
    return out


def _turn(adapter: Adapter, t: Target, fmt: ModuleType, req: ChatCompletionRequest) -> engine.Turn:
    """What the simulator makes of the body this adapter builds (the body round-trips)."""
    preq = adapter.build_request(req, t)
    body = preq.json if preq.kwargs is None else preq.kwargs
    parse = fmt.parse_chat if fmt is openai_format else fmt.parse
    return parse(body)


def test_build_request_is_pure_and_complete(case):
    adapter, t, _ = case
    req = request(
        messages=[{"role": "system", "content": "S"}, {"role": "user", "content": "Hi"}],
        tools=[WEATHER],
        max_tokens=20,
        stream=True,
    )
    before = req.model_dump()
    first, second = adapter.build_request(req, t), adapter.build_request(req, t)
    assert isinstance(first, ProviderRequest) and first == second
    assert req.model_dump() == before  # the request is not mutated
    assert first.stream is True
    assert bool(first.url) != bool(first.operation)  # HTTP or boto3, never both


def test_the_simulator_reads_what_the_adapter_builds(case):
    adapter, t, fmt = case
    req = request(
        messages=[{"role": "system", "content": "Sys"}, {"role": "user", "content": "weather?"}],
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=33,
        stop=["END"],
    )
    turn = _turn(adapter, t, fmt, req)
    assert turn.system == "Sys" and turn.messages[-1]["text"] == "weather?"
    assert turn.tools[0]["name"] == "get_weather" and turn.tools[0]["parameters"]["required"] == ["city"]
    assert turn.tool_choice == "get_weather" and turn.max_tokens == 33 and turn.stop == ["END"]


@pytest.mark.parametrize("with_tool", [False, True], ids=["text", "tool"])
def test_response_and_stream_agree(case, with_tool):
    adapter, t, fmt = case
    msgs = [{"role": "user", "content": "weather in Paris?" if with_tool else "Hello there"}]
    req = request(messages=msgs, tools=[WEATHER] if with_tool else None)
    reply = engine.reply(_turn(adapter, t, fmt, req))
    result = adapter.parse_response(_render(fmt, reply), t)
    choice = result.completion.choices[0]
    state = StreamState(id="chatcmpl-x", model="m", created=1)
    chunks = []
    for ev in _events(fmt, reply):
        chunks += adapter.parse_stream_event(ev, state)
        if state.done:
            break
    streamed = assemble(chunks)
    expected_finish = "tool_calls" if with_tool else "stop"
    assert choice.finish_reason == streamed["finish"] == expected_finish
    assert (choice.message.content or "") == streamed["text"] == reply.text
    if with_tool:
        call = choice.message.tool_calls[0]
        assert (
            json.loads(call.function.arguments)
            == json.loads(streamed["calls"][0]["arguments"])
            == {"city": "Paris"}
        )
        assert call.function.name == streamed["calls"][0]["name"] == "get_weather"
        assert call.id == streamed["calls"][0]["id"]
    assert result.usage.reported and state.usage.reported
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (
        reply.prompt_tokens,
        reply.completion_tokens,
    )
    assert (state.usage.prompt_tokens, state.usage.completion_tokens) == (
        reply.prompt_tokens,
        reply.completion_tokens,
    )
    assert all(c.id == "chatcmpl-x" and c.model == "m" for c in chunks)


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (500, True), (503, True), (401, True)])
def test_upstream_failures_fail_over(case, status, retryable):
    adapter, _, fmt = case
    err = adapter.map_error(status, fmt.error(status, "boom"), {})
    assert isinstance(err, UpstreamError) and err.retryable is retryable and err.status == 502
    assert err.provider == adapter.id
    if status == 401:
        assert err.code == "upstream_auth_error"  # the gateway's misconfiguration, never the client's 401


def test_a_bad_request_is_the_clients_400(case):
    adapter, _, fmt = case
    err = adapter.map_error(400, fmt.error(400, "bad field"), {})
    assert isinstance(err, InvalidRequestError) and err.status == 400 and "bad field" in err.message


# --- Embeddings, images and transcription: every adapter of every endpoint kind ---------------

WORK_SPECS = {
    ("embeddings", "openai"): ["openai/text-embedding-3-small", "together/BAAI/bge-large-en-v1.5"],
    ("embeddings", "mistral"): ["mistral/mistral-embed"],
    ("embeddings", "gemini"): ["gemini/gemini-embedding-001"],
    ("embeddings", "bedrock"): ["bedrock/amazon.titan-embed-text-v2:0", "bedrock/cohere.embed-english-v3"],
    ("images", "openai"): ["openai/dall-e-3", "openai/gpt-image-1"],
    ("images", "gemini"): ["gemini/gemini-2.5-flash-image"],
    ("images", "bedrock"): ["bedrock/amazon.nova-canvas-v1:0", "bedrock/amazon.titan-image-generator-v2:0"],
    ("audio_transcription", "openai"): ["openai/whisper-1", "openai/gpt-4o-transcribe"],
    ("audio_transcription", "groq"): ["groq/whisper-large-v3"],
}
_ERRORS = {"openai": openai_format, "mistral": openai_format, "groq": openai_format, "gemini": gemini_format}
WORK_CASES = [(kind, aid, spec) for (kind, aid), specs in sorted(WORK_SPECS.items()) for spec in specs]


def test_every_registered_work_adapter_is_covered():
    from gateway.providers.registry import work_adapter_ids

    for kind in ("embeddings", "images", "audio_transcription"):
        assert {aid for k, aid in WORK_SPECS if k == kind} == set(work_adapter_ids(kind)), kind


def _work_adapter(kind: str, adapter_id: str) -> Any:
    from gateway.providers import registry

    get = {
        "embeddings": registry.embedding_adapter,
        "images": registry.image_adapter,
        "audio_transcription": registry.transcription_adapter,
    }[kind]
    adapter = get(adapter_id)
    assert adapter.id == adapter_id
    return adapter


def _ask(kind: str, t: Target) -> Any:
    from gateway.providers.audio import AudioAsk
    from gateway.providers.embeddings import EmbeddingBatch
    from gateway.providers.images import ImageAsk

    if kind == "embeddings":
        return EmbeddingBatch(
            ["first text", "second, longer text"] if t.model.embedding.max_batch > 1 else ["one"]
        )
    if kind == "images":
        spec = t.model.image
        return ImageAsk("A lighthouse", 1, spec.default_size, spec.default_quality)
    from _audio import wav

    return AudioAsk("a.wav", "audio/wav", wav(3.0), "json", {"language": "en"})


def _simulate(kind: str, t: Target, preq: ProviderRequest) -> Any:
    """What the simulator answers to the request the adapter built (the wire format round-trips)."""
    from local.simulator import work_format as wf

    if preq.operation:  # Bedrock InvokeModel: the transport hands over body and headers
        body = json.loads(preq.kwargs["body"])
        if kind == "embeddings":
            answer, used = wf.bedrock_embeddings(t.upstream_model, body)
            return {"body": answer, "headers": {"X-Amzn-Bedrock-Input-Token-Count": str(used)}}
        return {"body": wf.bedrock_images(body), "headers": {}}
    if kind == "embeddings":
        return (
            wf.gemini_embeddings(preq.json)
            if "batchEmbedContents" in preq.url
            else wf.openai_embeddings(preq.json)
        )
    if kind == "images":
        return (
            wf.gemini_image(preq.json)
            if ":generateContent" in preq.url
            else wf.openai_images(preq.json, "http://sim")
        )
    from gateway.media import duration

    filename, data, _ = preq.files["file"]
    answer, _ = wf.transcription(t.provider_id, t.upstream_model, preq.data, filename, duration.read(data)[1])
    return answer


@pytest.mark.parametrize(("kind", "adapter_id", "spec"), WORK_CASES, ids=[c[2] for c in WORK_CASES])
def test_work_adapters_are_pure_and_round_trip_the_simulator(kind, adapter_id, spec):
    adapter, t = _work_adapter(kind, adapter_id), target(spec)
    ask = _ask(kind, t)
    first, second = adapter.build_request(ask, t), adapter.build_request(ask, t)
    assert isinstance(first, ProviderRequest) and first == second
    assert bool(first.url) != bool(first.operation)  # HTTP or boto3, never both
    body = _simulate(kind, t, first)
    if kind == "embeddings":
        out = adapter.parse_response(body, t)
        assert len(out.vectors) == len(ask.inputs) and all(len(v) == 8 for v in out.vectors)
        assert out.vectors[0] != out.vectors[-1] or len(ask.inputs) == 1
        assert out.prompt_tokens is None or out.prompt_tokens > 0
    elif kind == "images":
        out = adapter.parse_response(body, t)
        assert len(out.images) == 1 and out.images[0].b64_json
    else:
        out = adapter.parse_response(body, t, ask)
        assert out.body["text"].startswith("Simulated transcript of a.wav (3.0 s)")
        assert first.data["language"] == "en" and first.data["model"] == t.upstream_model


@pytest.mark.parametrize(("kind", "adapter_id", "spec"), WORK_CASES, ids=[c[2] for c in WORK_CASES])
def test_work_adapters_classify_errors_like_chat(kind, adapter_id, spec):
    adapter = _work_adapter(kind, adapter_id)
    fmt = _ERRORS.get(adapter_id, bedrock_format)
    for status in (429, 500, 503, 401):
        err = adapter.map_error(status, fmt.error(status, "boom"), {})
        assert isinstance(err, UpstreamError) and err.retryable and err.status == 502
    bad = adapter.map_error(400, fmt.error(400, "bad field"), {})
    assert isinstance(bad, InvalidRequestError) and "bad field" in bad.message


def test_malformed_work_answers_are_errors_not_empty_results():
    for (kind, adapter_id), specs in WORK_SPECS.items():
        adapter, t = _work_adapter(kind, adapter_id), target(specs[0])
        args = (t, _ask(kind, t)) if kind == "audio_transcription" else (t,)
        with pytest.raises((ValueError, KeyError, TypeError)):
            adapter.parse_response({"unexpected": True}, *args)
