"""Amazon Bedrock Converse and ConverseStream, through boto3 (IAM credentials, no API key).

``build_request`` fills ``operation`` (``converse`` / ``converse_stream``) and the boto3
keyword arguments; ``transport.py`` makes the call. Stream events arrive as the dicts
botocore decodes from the AWS event stream (``{"contentBlockDelta": {...}}``), one per
call of ``parse_stream_event``. Usage arrives in the last event (``metadata``), after
``messageStop``, so the stream is done only then.

Usage: ``inputTokens`` excludes cache reads and writes (``totalTokens`` is the sum of all
four counts), so the prompt total adds them back.
"""

from __future__ import annotations

import base64
import json
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
    from gateway.providers.base import StreamState
    from gateway.schemas import ChatCompletionChunk, ChatCompletionRequest, Message

DEFAULT_MAX_TOKENS = 4096
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}
_CONTEXT_MARKERS = (
    "too long",
    "too many input tokens",
    "context length",
    "context window",
    "maximum context",
)
_IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif", "image/webp": "webp"}


def usage_from(raw: Mapping[str, Any] | None) -> RawUsage:
    if not raw:
        return RawUsage()
    read, written = int(raw.get("cacheReadInputTokens") or 0), int(raw.get("cacheWriteInputTokens") or 0)
    return RawUsage(
        prompt_tokens=int(raw.get("inputTokens") or 0) + read + written,
        completion_tokens=int(raw.get("outputTokens") or 0),
        cached_tokens=read,
        cache_write_tokens=written,
        reported=True,
    )


def finish_reason(reason: str | None) -> str | None:
    return None if reason is None else FINISH_REASONS.get(reason, reason)


# --- request ------------------------------------------------------------------------------


def _user_blocks(m: Message) -> list[dict[str, Any]]:
    if isinstance(m.content, str):
        return [{"text": m.content}] if m.content else []
    blocks = []
    for part in m.content or ():
        if part.get("type") == "text":
            blocks.append({"text": part.get("text", "")})
        elif part.get("type") == "image_url":
            inline = C.data_url((part.get("image_url") or {}).get("url", ""))
            if inline is None or inline[0] not in _IMAGE_FORMATS:
                raise UnsupportedParamError(
                    "Bedrock takes images only as base64 data URLs (png, jpeg, gif, webp)", param="messages"
                )
            blocks.append(
                {
                    "image": {
                        "format": _IMAGE_FORMATS[inline[0]],
                        "source": {"bytes": base64.b64decode(inline[1])},
                    }
                }
            )
        else:
            raise UnsupportedParamError(
                f"content part type `{part.get('type')}` is not supported by Bedrock", param="messages"
            )
    return blocks


def _tool_result(m: Message) -> dict[str, Any]:
    try:
        value = json.loads(m.text())
    except ValueError:
        value = None
    content = [{"json": value}] if isinstance(value, dict) else [{"text": m.text()}]
    return {"toolResult": {"toolUseId": m.tool_call_id, "content": content}}


def build_messages(messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        if m.role in ("system", "developer"):
            continue
        if m.role == "tool":
            role, blocks = "user", [_tool_result(m)]
        elif m.role == "assistant":
            role = "assistant"
            blocks = [{"text": m.text()}] if m.text() else []
            blocks += [
                {
                    "toolUse": {
                        "toolUseId": tc.id,
                        "name": tc.function.name,
                        "input": C.arguments_object(i, tc.function.arguments),
                    }
                }
                for tc in m.tool_calls or ()
            ]
        else:
            role, blocks = "user", _user_blocks(m)
        C.append_turn(out, role, blocks)
    return out


def _tool_config(request: ChatCompletionRequest) -> dict[str, Any] | None:
    if not request.tools:
        # Converse refuses toolUse/toolResult blocks without a toolConfig: declare the tools the
        # history used (names only; their schemas are not in the request).
        used = sorted({tc.function.name for m in request.messages for tc in m.tool_calls or ()})
        if not used:
            return None
        return {
            "tools": [{"toolSpec": {"name": n, "inputSchema": {"json": {"type": "object"}}}} for n in used]
        }
    config: dict[str, Any] = {
        "tools": [
            {
                "toolSpec": {
                    "name": t.function.name,
                    **({"description": t.function.description} if t.function.description else {}),
                    "inputSchema": {"json": t.function.parameters or {"type": "object", "properties": {}}},
                }
            }
            for t in request.tools
        ]
    }
    choice = request.tool_choice
    if choice == "none":
        raise UnsupportedParamError(
            "Bedrock Converse has no `tool_choice: none`; omit `tools` instead", param="tool_choice"
        )
    if choice == "required":
        config["toolChoice"] = {"any": {}}
    elif isinstance(choice, dict):
        config["toolChoice"] = {"tool": {"name": (choice.get("function") or {}).get("name")}}
    elif choice == "auto":
        config["toolChoice"] = {"auto": {}}
    return config


def build_kwargs(request: ChatCompletionRequest, target: Target) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"modelId": target.upstream_model, "messages": build_messages(request.messages)}
    if not kwargs["messages"]:
        raise InvalidRequestError("Bedrock needs at least one user or assistant message", param="messages")
    system = C.system_text(request.messages)
    if system:
        kwargs["system"] = [{"text": system}]
    inference: dict[str, Any] = {
        "maxTokens": request.output_limit() or min(DEFAULT_MAX_TOKENS, target.model.max_output_tokens)
    }
    if request.temperature is not None:
        inference["temperature"] = request.temperature
    if request.top_p is not None:
        inference["topP"] = request.top_p
    if request.stop:
        inference["stopSequences"] = request.stop_list()
    kwargs["inferenceConfig"] = inference
    tools = _tool_config(request)
    if tools:
        kwargs["toolConfig"] = tools
    return kwargs


# --- response -----------------------------------------------------------------------------


def _message(content: list[dict[str, Any]]) -> dict[str, Any]:
    text = "".join(b["text"] for b in content if "text" in b)
    calls = [
        {
            "id": b["toolUse"]["toolUseId"],
            "type": "function",
            "function": {
                "name": b["toolUse"]["name"],
                "arguments": json.dumps(b["toolUse"].get("input") or {}),
            },
        }
        for b in content
        if "toolUse" in b
    ]
    return {"role": "assistant", "content": text or None, **({"tool_calls": calls} if calls else {})}


def error_of(body: Any) -> tuple[str, str | None]:
    if isinstance(body, dict):
        err = body.get("Error") or {}
        return str(err.get("Message") or body.get("message") or body), err.get("Code") or body.get("__type")
    return str(body)[:500], None


class BedrockAdapter:
    id = "bedrock"

    def build_request(self, request: ChatCompletionRequest, target: Target) -> ProviderRequest:
        stream = bool(request.stream)
        return ProviderRequest(
            operation="converse_stream" if stream else "converse",
            kwargs=build_kwargs(request, target),
            stream=stream,
        )

    def parse_response(self, body: Any, target: Target) -> ProviderResult:
        if "output" not in body:
            raise ValueError("a Converse response without `output`")
        message = body["output"].get("message") or {}
        completion = ChatCompletion.model_validate(
            {
                "id": "bedrock",
                "created": 0,
                "model": target.model.id,
                "choices": [
                    {
                        "index": 0,
                        "message": _message(message.get("content") or []),
                        "finish_reason": finish_reason(body.get("stopReason")),
                    }
                ],
            }
        )
        return ProviderResult(completion, usage_from(body.get("usage")))

    def parse_stream_event(self, event: dict[str, Any], state: StreamState) -> list[ChatCompletionChunk]:
        if "messageStart" in event:
            return [C.chunk(state, {"role": "assistant", "content": ""})]
        if "contentBlockStart" in event:
            start = event["contentBlockStart"]
            tool = (start.get("start") or {}).get("toolUse")
            if tool:
                index = state.tool_calls[start.get("contentBlockIndex")] = len(state.tool_calls)
                return [C.chunk(state, C.tool_call_start(index, tool["toolUseId"], tool["name"]))]
            return []
        if "contentBlockDelta" in event:
            block = event["contentBlockDelta"]
            delta = block.get("delta") or {}
            if "text" in delta:
                return [C.chunk(state, {"content": delta["text"]})] if delta["text"] else []
            if "toolUse" in delta and block.get("contentBlockIndex") in state.tool_calls:
                fragment = delta["toolUse"].get("input") or ""
                index = state.tool_calls[block["contentBlockIndex"]]
                return [C.chunk(state, C.tool_call_arguments(index, fragment))] if fragment else []
            return []  # reasoning content is not part of the OpenAI shape
        if "messageStop" in event:
            reason = finish_reason(event["messageStop"].get("stopReason"))
            state.finish_reason = reason
            return [C.chunk(state, {}, reason)] if reason else []
        if "metadata" in event:
            state.usage = usage_from(event["metadata"].get("usage"))
            state.done = True
            return []
        return []  # botocore raises modelled stream exceptions; transport.py maps them

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        message, code = error_of(body)
        overflow = code == "ValidationException" and any(m in message.lower() for m in _CONTEXT_MARKERS)
        return classify(
            self.id, status, f"{code}: {message}" if code else message, body, context_overflow=overflow
        )


adapter = BedrockAdapter()
