"""Builders shared by the adapter tests: targets from the real catalog, fixtures, stream replay."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import _streams

from gateway.catalog.models import get_catalog
from gateway.catalog.targets import resolve
from gateway.providers.base import SSEEvent, StreamState
from gateway.schemas import ChatCompletionRequest
from gateway.settings import from_env

if TYPE_CHECKING:
    from gateway.catalog.targets import Target
    from gateway.providers.base import Adapter
    from gateway.schemas import ChatCompletionChunk

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
KEYS = {f"{p.upper()}_API_KEY": f"key-{p}" for p in ("openai", "anthropic", "gemini", "groq", "mistral")}

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def target(spec: str, **env: str) -> Target:
    """The first target of ``provider/model`` from the real catalog, with test API keys (and ``env``)."""
    settings = from_env({**KEYS, **env})
    return resolve(get_catalog(), settings, spec)[0]


@functools.cache
def simulator() -> str:
    """The provider simulator, served in this process on a free port (started once)."""
    from local.stack import free_port, start_simulator

    url, _ = start_simulator("127.0.0.1", free_port())
    return url


def request(**kw: Any) -> ChatCompletionRequest:
    body = {"model": "x", "messages": [{"role": "user", "content": "Hi"}], **kw}
    return ChatCompletionRequest.model_validate(body)


def fixture(provider: str, name: str) -> Any:
    text = (FIXTURES / provider / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


def sse_events(provider: str, name: str) -> list[SSEEvent]:
    out = []
    for block in fixture(provider, name).strip().split("\n\n"):
        event, data = None, []
        for line in block.splitlines():
            key, _, value = line.partition(": ")
            if key == "event":
                event = value
            elif key == "data":
                data.append(value)
        out.append(SSEEvent(event, "\n".join(data)))
    return out


def replay(
    adapter: Adapter, events: list[SSEEvent], model: str = "m"
) -> tuple[list[ChatCompletionChunk], StreamState]:
    state = StreamState(id="chatcmpl-test", model=model, created=1)
    chunks: list[ChatCompletionChunk] = []
    for ev in events:
        chunks += adapter.parse_stream_event(ev, state)
        if state.done:
            break
    return chunks, state


def assemble(chunks: Iterable[Any]) -> dict[str, Any]:
    """What an OpenAI client rebuilds from the chunks: text, tool calls by index, finish reason."""
    out = _streams.assemble(chunks)
    del out["usage"]
    return out
