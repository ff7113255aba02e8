"""Anthropic Messages API (``POST {base}/v1/messages``).

Request rules follow the current ``anthropic`` SDK's ``MessageCreateParams``: the system
prompt is a top-level field; ``max_tokens`` is required (``DEFAULT_MAX_TOKENS``, capped by
the model's ``max_output_tokens``, when the client gives none); consecutive same-role turns
are merged; tool results travel as ``tool_result`` blocks in a user turn. Sampling
parameters (temperature, top_p, top_k) are not in the SDK's types, so the catalog does not
list them for this provider and the gateway refuses them by name.

Usage: ``input_tokens`` excludes cache reads and writes, so the prompt total is the sum of
the three; a stream reports the input part in ``message_start`` and the output (and, on
newer models, final input counts) in ``message_delta``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gateway.accounting.usage import RawUsage
from gateway.errors import InvalidRequestError, UnsupportedParamError
from gateway.providers import _chunks as C
from gateway.providers._errors import classify
from gateway.providers.base import ProviderRequest, ProviderResult
from gateway.schemas import ChatCompletion

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError
    from gateway.providers.base import SSEEvent, StreamState
    from gateway.schemas import ChatCompletionChunk, ChatCompletionRequest, Message

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
"""``max_tokens`` sent when the client gives none (capped by the model's ``max_output_tokens``)."""
THINKING_BUDGET = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 24576, "max": 32768}
"""``reasoning_effort`` -> extended thinking's ``budget_tokens`` (1,024 is Anthropic's minimum);
``none`` sends no thinking. The budget is part of ``max_tokens``, so it is added to the answer's
limit (within the model's ``max_output_tokens``)."""
MIN_THINKING_BUDGET = 1024

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
# Stream error event types -> the HTTP status the same error has as a response.
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}
_CONTEXT_MARKERS = ("prompt is too long", "context limit", "context window", "exceed context")


def finish_reason(stop_reason: str | None) -> str | None:
    # An unknown reason passes through as-is rather than pretending to be "stop".
    return None if stop_reason is None else FINISH_REASONS.get(stop_reason, stop_reason)


def usage_from(raw: Mapping[str, Any] | None, base: RawUsage | None = None) -> RawUsage:
    """Anthropic usage (complete or a message_delta's partial one) folded onto ``base``."""
    u = RawUsage() if base is None else replace(base)
    if not raw:
        return u
    if any(
        k in raw and raw[k] is not None
        for k in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    ):
        read = int(raw.get("cache_read_input_tokens") or 0)
        written = int(raw.get("cache_creation_input_tokens") or 0)
        u.prompt_tokens = int(raw.get("input_tokens") or 0) + read + written
        u.cached_tokens, u.cache_write_tokens = read, written
    if raw.get("output_tokens") is not None:
        u.completion_tokens = int(raw["output_tokens"])
    u.reported = True
    return u


# --- request ------------------------------------------------------------------------------


def _user_blocks(m: Message) -> list[dict[str, Any]]:
    if isinstance(m.content, str):
        return [{"type": "text", "text": m.content}] if m.content else []
    blocks = []
    for part in m.content or ():
        if part.get("type") == "text":
            blocks.append({"type": "text", "text": part.get("text", "")})
        elif part.get("type") == "image_url":
            url = (part.get("image_url") or {}).get("url", "")
            inline = C.data_url(url)
            source = (
                {"type": "base64", "media_type": inline[0], "data": inline[1]}
                if inline
                else {"type": "url", "url": url}
            )
            blocks.append({"type": "image", "source": source})
        else:
            raise UnsupportedParamError(
                f"content part type `{part.get('type')}` is not supported by Anthropic", param="messages"
            )
    return blocks


def _blocks(i: int, m: Message) -> tuple[str, list[dict[str, Any]]]:
    if m.role == "tool":
        return "user", [{"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.text()}]
    if m.role == "assistant":
        blocks: list[dict[str, Any]] = [{"type": "text", "text": m.text()}] if m.text() else []
        blocks += [
            {
                "type": "tool_use",
                "id": tc.id,
                "name": tc.function.name,
                "input": C.arguments_object(i, tc.function.arguments),
            }
            for tc in m.tool_calls or ()
        ]
        return "assistant", blocks
    return "user", _user_blocks(m)


def build_messages(messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        if m.role in ("system", "developer"):
            continue
        role, blocks = _blocks(i, m)
        C.append_turn(out, role, blocks)
    return out


def _tool_choice(request: ChatCompletionRequest) -> dict[str, Any] | None:
    choice = request.tool_choice
    if choice is None and request.parallel_tool_calls is None:
        return None
    out: dict[str, Any]
    if isinstance(choice, dict):
        out = {"type": "tool", "name": (choice.get("function") or {}).get("name")}
    elif choice == "required":
        out = {"type": "any"}
    elif choice == "none":
        return {"type": "none"}
    else:  # None or "auto": the schema admits no other string
        out = {"type": "auto"}
    if request.parallel_tool_calls is False:
        out["disable_parallel_tool_use"] = True
    return out


def _output_format(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    if not response_format or response_format.get("type") == "text":
        return None
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {"type": "object"}
        return {"format": {"type": "json_schema", "schema": schema}}
    raise UnsupportedParamError(
        "response_format type `json_object` is not supported by Anthropic; use `json_schema`",
        param="response_format",
    )


def _thinking(effort: str | None, limit: int, most: int) -> tuple[dict[str, Any] | None, int]:
    """(the ``thinking`` field, ``max_tokens``) for a reasoning effort and the answer's limit."""
    budget = THINKING_BUDGET.get(effort or "")
    if budget is None:
        return None, limit
    budget = min(budget, most - 1)
    if budget < MIN_THINKING_BUDGET:
        return None, limit
    return {"type": "enabled", "budget_tokens": budget}, min(most, limit + budget)


def build_body(request: ChatCompletionRequest, target: Target) -> dict[str, Any]:
    limit = request.output_limit() or min(DEFAULT_MAX_TOKENS, target.model.max_output_tokens)
    thinking, limit = _thinking(request.reasoning_effort, limit, target.model.max_output_tokens)
    body: dict[str, Any] = {
        "model": target.upstream_model,
        "max_tokens": limit,
        "messages": build_messages(request.messages),
    }
    if thinking:
        body["thinking"] = thinking
    if not body["messages"]:
        raise InvalidRequestError("Anthropic needs at least one user or assistant message", param="messages")
    system = C.system_text(request.messages)
    if system:
        body["system"] = system
    if request.stop:
        body["stop_sequences"] = request.stop_list()
    if request.user:
        body["metadata"] = {"user_id": request.user}
    if request.tools:
        body["tools"] = [
            {
                "name": t.function.name,
                "input_schema": t.function.parameters or {"type": "object", "properties": {}},
                **({"description": t.function.description} if t.function.description else {}),
                **({"strict": t.function.strict} if t.function.strict is not None else {}),
            }
            for t in request.tools
        ]
    choice = _tool_choice(request) if request.tools else None  # Anthropic refuses tool_choice without tools
    if choice is not None:
        body["tool_choice"] = choice
    output = _output_format(request.response_format)
    if output:
        body["output_config"] = output
    if request.stream:
        body["stream"] = True
    return body


# --- response -----------------------------------------------------------------------------


def _message(content: list[dict[str, Any]]) -> dict[str, Any]:
    text = "".join(b.get("text", "") for b in content if b.get("type") == "text")
    calls = [
        {
            "id": b["id"],
            "type": "function",
            "function": {"name": b["name"], "arguments": json.dumps(b.get("input") or {})},
        }
        for b in content
        if b.get("type") == "tool_use"
    ]
    return {"role": "assistant", "content": text or None, **({"tool_calls": calls} if calls else {})}


def error_of(body: Any) -> tuple[str, str | None]:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message") or body["error"]), body["error"].get("type")
    return str(body)[:500], None


class AnthropicAdapter:
    id = "anthropic"

    def build_request(self, request: ChatCompletionRequest, target: Target) -> ProviderRequest:
        headers = {"content-type": "application/json", "anthropic-version": API_VERSION}
        if target.settings.api_key:
            headers["x-api-key"] = target.settings.api_key
        return ProviderRequest(
            url=target.settings.base_url + "/v1/messages",
            headers=headers,
            json=build_body(request, target),
            stream=bool(request.stream),
        )

    def parse_response(self, body: Any, target: Target) -> ProviderResult:
        completion = ChatCompletion.model_validate(
            {
                "id": body.get("id") or "msg",
                "created": 0,
                "model": target.model.id,
                "choices": [
                    {
                        "index": 0,
                        "message": _message(body.get("content") or []),
                        "finish_reason": finish_reason(body.get("stop_reason")),
                    }
                ],
            }
        )
        return ProviderResult(completion, usage_from(body.get("usage")))

    def parse_stream_event(self, event: SSEEvent, state: StreamState) -> list[ChatCompletionChunk]:
        data = event.json()
        kind = data.get("type") or event.event
        if kind == "message_start":
            state.usage = usage_from((data.get("message") or {}).get("usage"))
            return [C.chunk(state, {"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                index = state.tool_calls[data.get("index")] = len(state.tool_calls)
                return [C.chunk(state, C.tool_call_start(index, block["id"], block["name"]))]
            if block.get("type") == "text" and block.get("text"):
                return [C.chunk(state, {"content": block["text"]})]
            return []
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                return [C.chunk(state, {"content": delta.get("text", "")})]
            if delta.get("type") == "input_json_delta" and data.get("index") in state.tool_calls:
                fragment = delta.get("partial_json", "")
                return (
                    [C.chunk(state, C.tool_call_arguments(state.tool_calls[data["index"]], fragment))]
                    if fragment
                    else []
                )
            return []  # thinking and signature deltas are not part of the OpenAI shape
        if kind == "message_delta":
            state.usage = usage_from(data.get("usage"), state.usage)
            reason = finish_reason((data.get("delta") or {}).get("stop_reason"))
            if reason:
                state.finish_reason = reason
                return [C.chunk(state, {}, reason)]
            return []
        if kind == "message_stop":
            state.done = True
            return []
        if kind == "error":
            _, etype = error_of(data)
            raise self.map_error(_ERROR_STATUS.get(etype or "", 500), data, {})
        return []  # ping, content_block_stop, and event types added later

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        message, _ = error_of(body)
        overflow = status in (400, 413) and any(m in message.lower() for m in _CONTEXT_MARKERS)
        return classify(self.id, status, message, body, context_overflow=overflow)


adapter = AnthropicAdapter()
