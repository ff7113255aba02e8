"""OpenAI Chat Completions, and any server that speaks it (vLLM, Ollama, LM Studio, ...).

Groq and Mistral are thin layers over this module that list only their differences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from gateway.accounting.usage import RawUsage
from gateway.providers._errors import classify
from gateway.providers.base import ProviderRequest, ProviderResult
from gateway.schemas import ChatCompletion, ChatCompletionChunk

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError
    from gateway.providers.base import SSEEvent, StreamState
    from gateway.schemas import ChatCompletionRequest

# Gateway extensions never go upstream.
_GATEWAY_FIELDS: set[str] = {"provider", "fallbacks", "drop_params"}  # a set: what model_dump(exclude=) takes
_CONTEXT_CODES = frozenset({"context_length_exceeded", "string_above_max_length"})


def usage_from(raw: Mapping[str, Any] | None) -> RawUsage:
    if not raw:
        return RawUsage()
    details = raw.get("prompt_tokens_details") or {}
    return RawUsage(
        prompt_tokens=int(raw.get("prompt_tokens") or 0),
        completion_tokens=int(raw.get("completion_tokens") or 0),
        cached_tokens=int(details.get("cached_tokens") or 0),
        reported=True,
    )


def error_message(body: Any) -> tuple[str, str | None]:
    """(message, code) from an OpenAI-style error body, or the raw text."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("message") or err), err.get("code") or err.get("type")
        if isinstance(err, str):
            return err, None
        if "message" in body:
            return str(body["message"]), None
    return str(body)[:500], None


class OpenAICompatAdapter:
    id = "openai"
    path = "/chat/completions"
    renames: ClassVar[Mapping[str, str]] = {}
    """Request fields the provider names differently (OpenAI name -> provider name)."""
    message_extras: ClassVar[frozenset[str]] = frozenset({"annotations"})
    """Fields of a round-tripped assistant message (``message.model_dump()``) the provider refuses."""

    def build_body(self, request: ChatCompletionRequest, target: Target) -> dict[str, Any]:
        body = request.model_dump(exclude_none=True, exclude=_GATEWAY_FIELDS)
        body["model"] = target.upstream_model
        for m in body["messages"]:
            for name in self.message_extras & m.keys():
                del m[name]
            if not m.get("audio"):  # null or {} from a round trip: no audio to refer to
                m.pop("audio", None)
        if request.stream:
            # Always ask for usage: a streamed request is never billed at zero.
            body["stream_options"] = {**body.get("stream_options", {}), "include_usage": True}
        for ours, theirs in self.renames.items():
            if ours in body:
                body[theirs] = body.pop(ours)
        return body

    def headers(self, target: Target) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if target.settings.api_key:
            headers["authorization"] = f"Bearer {target.settings.api_key}"
        return headers

    def build_request(self, request: ChatCompletionRequest, target: Target) -> ProviderRequest:
        return ProviderRequest(
            url=target.settings.base_url + self.path,
            headers=self.headers(target),
            json=self.build_body(request, target),
            stream=bool(request.stream),
        )

    def parse_response(self, body: Any, target: Target) -> ProviderResult:
        completion = ChatCompletion.model_validate({**body, "model": target.model.id, "usage": None})
        return ProviderResult(completion, usage_from(body.get("usage")))

    def parse_stream_event(self, event: SSEEvent, state: StreamState) -> list[ChatCompletionChunk]:
        if event.data.strip() == "[DONE]":
            state.done = True
            return []
        data = event.json()
        if "error" in data:
            message, _ = error_message(data)
            raise classify(self.id, 502, message, data)
        if data.get("usage"):
            state.usage = usage_from(data["usage"])
        choices = data.get("choices") or []
        if not choices:
            return []
        for choice in choices:
            if choice.get("finish_reason"):
                state.finish_reason = choice["finish_reason"]
        chunk = ChatCompletionChunk.model_validate(
            {**data, "id": state.id, "model": state.model, "created": state.created, "usage": None}
        )
        return [chunk]

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        message, code = error_message(body)
        return classify(self.id, status, message, body, context_overflow=code in _CONTEXT_CODES)


adapter = OpenAICompatAdapter()
