"""Google Gemini API: ``models/{model}:generateContent`` and ``:streamGenerateContent?alt=sse``.

Turns are ``user``/``model`` with ``parts``; the system prompt is ``systemInstruction``;
tools are ``functionDeclarations`` (parameters passed through as ``parametersJsonSchema``);
tool calls come back as whole ``functionCall`` parts (never split across stream events), and
tool results go back as ``functionResponse`` parts keyed by function name. Gemini gives
function calls no ids on older models, so the adapter names them ``call_<choice>_<n>``.

Usage: ``promptTokenCount`` already includes ``cachedContentTokenCount``; thinking tokens
(``thoughtsTokenCount``) are billed as output, so they count as completion tokens. Every
stream event repeats the usage so far; the last one wins.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gateway.accounting.usage import RawUsage
from gateway.errors import UnsupportedParamError
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

FINISH_REASONS = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "LANGUAGE": "content_filter",
    "MALFORMED_FUNCTION_CALL": "stop",
    "OTHER": "stop",
}
# Request field -> generationConfig field.
GENERATION_FIELDS = {
    "temperature": "temperature",
    "top_p": "topP",
    "n": "candidateCount",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
    "seed": "seed",
}
THINKING_BUDGET = {
    "none": 0,
    "minimal": 512,
    "low": 1024,
    "medium": 8192,
    "high": 24576,
    "xhigh": 32768,
    "max": -1,
}
"""``reasoning_effort`` -> ``thinkingConfig.thinkingBudget`` (Gemini 2.5; -1 is dynamic, as much as needed)."""
THINKING_LEVEL = {"none": "minimal", "minimal": "minimal", "low": "low", "medium": "medium"}
"""``reasoning_effort`` -> ``thinkingConfig.thinkingLevel`` (Gemini 3; anything above is ``high``)."""
_CONTEXT_MARKERS = (
    "input token count",
    "exceeds the maximum number of tokens",
    "too many tokens",
    "context window",
)


def finish_reason(reason: str | None, has_calls: bool) -> str | None:
    if reason is None or reason == "FINISH_REASON_UNSPECIFIED":
        return None
    if has_calls and reason == "STOP":
        return "tool_calls"
    return FINISH_REASONS.get(reason, reason.lower())


def usage_from(raw: Mapping[str, Any] | None) -> RawUsage:
    if not raw:
        return RawUsage()
    return RawUsage(
        prompt_tokens=int(raw.get("promptTokenCount") or 0) + int(raw.get("toolUsePromptTokenCount") or 0),
        completion_tokens=int(raw.get("candidatesTokenCount") or 0) + int(raw.get("thoughtsTokenCount") or 0),
        cached_tokens=int(raw.get("cachedContentTokenCount") or 0),
        reported=True,
    )


# --- request ------------------------------------------------------------------------------


def _user_parts(m: Message) -> list[dict[str, Any]]:
    if isinstance(m.content, str):
        return [{"text": m.content}] if m.content else []
    parts = []
    for part in m.content or ():
        if part.get("type") == "text":
            parts.append({"text": part.get("text", "")})
        elif part.get("type") == "image_url":
            url = (part.get("image_url") or {}).get("url", "")
            inline = C.data_url(url)
            parts.append(
                {"inlineData": {"mimeType": inline[0], "data": inline[1]}}
                if inline
                else {"fileData": {"fileUri": url}}
            )
        else:
            raise UnsupportedParamError(
                f"content part type `{part.get('type')}` is not supported by Gemini", param="messages"
            )
    return parts


def _tool_response(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"result": text}


def build_contents(messages: list[Message]) -> list[dict[str, Any]]:
    names = C.tool_names(messages)
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        if m.role in ("system", "developer"):
            continue
        parts: list[dict[str, Any]]
        if m.role == "tool":
            name = names.get(m.tool_call_id or "", m.name or "tool")
            role, parts = "user", [{"functionResponse": {"name": name, "response": _tool_response(m.text())}}]
        elif m.role == "assistant":
            role = "model"
            parts = [{"text": m.text()}] if m.text() else []
            parts += [
                {
                    "functionCall": {
                        "name": tc.function.name,
                        "args": C.arguments_object(i, tc.function.arguments),
                    }
                }
                for tc in m.tool_calls or ()
            ]
        else:
            role, parts = "user", _user_parts(m)
        C.append_turn(out, role, parts, key="parts")
    return out


def _tool_config(choice: str | dict[str, Any] | None) -> dict[str, Any] | None:
    if choice is None:
        return None
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    return {"functionCallingConfig": {"mode": {"auto": "AUTO", "required": "ANY", "none": "NONE"}[choice]}}


def thinking_config(effort: str | None, upstream_model: str) -> dict[str, Any] | None:
    if effort is None:
        return None
    if upstream_model.startswith("gemini-2"):
        budget = THINKING_BUDGET[effort]
        # 2.5 Pro cannot turn thinking off: its least is 128 tokens.
        return {"thinkingBudget": 128 if budget == 0 and "-pro" in upstream_model else budget}
    return {"thinkingLevel": THINKING_LEVEL.get(effort, "high")}


def _generation_config(request: ChatCompletionRequest, upstream_model: str) -> dict[str, Any]:
    config: dict[str, Any] = {}
    thinking = thinking_config(request.reasoning_effort, upstream_model)
    if thinking is not None:
        config["thinkingConfig"] = thinking
    for ours, theirs in GENERATION_FIELDS.items():
        value = getattr(request, ours)
        if value is not None:
            config[theirs] = value
    if request.output_limit():
        config["maxOutputTokens"] = request.output_limit()
    if request.stop:
        config["stopSequences"] = request.stop_list()
    rf = request.response_format or {}
    if rf.get("type") == "json_object":
        config["responseMimeType"] = "application/json"
    elif rf.get("type") == "json_schema":
        config["responseMimeType"] = "application/json"
        config["responseJsonSchema"] = (rf.get("json_schema") or {}).get("schema") or {"type": "object"}
    return config


def build_body(request: ChatCompletionRequest, upstream_model: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"contents": build_contents(request.messages)}
    system = C.system_text(request.messages)
    if system:
        body["systemInstruction"] = {"parts": [{"text": system}]}
    if request.tools:
        body["tools"] = [
            {
                "functionDeclarations": [
                    {
                        "name": t.function.name,
                        **({"description": t.function.description} if t.function.description else {}),
                        **({"parametersJsonSchema": t.function.parameters} if t.function.parameters else {}),
                    }
                    for t in request.tools
                ]
            }
        ]
    tool_config = _tool_config(request.tool_choice) if request.tools else None
    if tool_config:
        body["toolConfig"] = tool_config
    config = _generation_config(request, upstream_model)
    if config:
        body["generationConfig"] = config
    return body


# --- response -----------------------------------------------------------------------------


def _calls(candidate: dict[str, Any], first: int) -> list[dict[str, Any]]:
    index = candidate.get("index", 0)
    parts = (candidate.get("content") or {}).get("parts") or []
    calls = [p["functionCall"] for p in parts if "functionCall" in p]
    return [
        {
            "id": c.get("id") or f"call_{index}_{first + n}",
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c.get("args") or {})},
        }
        for n, c in enumerate(calls)
    ]


def _text(candidate: dict[str, Any]) -> str:
    parts = (candidate.get("content") or {}).get("parts") or []
    return "".join(p.get("text", "") for p in parts if "text" in p and not p.get("thought"))


def _choices(body: dict[str, Any]) -> list[dict[str, Any]]:
    candidates = body.get("candidates") or []
    if not candidates and (body.get("promptFeedback") or {}).get("blockReason"):
        return [
            {"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "content_filter"}
        ]
    out = []
    for i, cand in enumerate(candidates):
        calls = _calls(cand, 0)
        message = {
            "role": "assistant",
            "content": _text(cand) or None,
            **({"tool_calls": calls} if calls else {}),
        }
        out.append(
            {
                "index": cand.get("index", i),
                "message": message,
                "finish_reason": finish_reason(cand.get("finishReason"), bool(calls)),
            }
        )
    return out


def error_of(body: Any) -> tuple[str, str | None]:
    if isinstance(body, list) and body:  # some Google front ends wrap the error in a list
        body = body[0]
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message") or body["error"]), body["error"].get("status")
    return str(body)[:500], None


class GeminiAdapter:
    id = "gemini"

    def build_request(self, request: ChatCompletionRequest, target: Target) -> ProviderRequest:
        method = ":streamGenerateContent?alt=sse" if request.stream else ":generateContent"
        headers = {"content-type": "application/json"}
        if target.settings.api_key:
            headers["x-goog-api-key"] = target.settings.api_key
        return ProviderRequest(
            url=f"{target.settings.base_url}/v1beta/models/{target.upstream_model}{method}",
            headers=headers,
            json=build_body(request, target.upstream_model),
            stream=bool(request.stream),
        )

    def parse_response(self, body: Any, target: Target) -> ProviderResult:
        completion = ChatCompletion.model_validate(
            {
                "id": body.get("responseId") or "gemini",
                "created": 0,
                "model": target.model.id,
                "choices": _choices(body),
            }
        )
        return ProviderResult(completion, usage_from(body.get("usageMetadata")))

    def parse_stream_event(self, event: SSEEvent, state: StreamState) -> list[ChatCompletionChunk]:
        data = event.json()
        if isinstance(data, dict) and "error" in data:
            raise self.map_error(int(data["error"].get("code") or 500), data, {})
        if data.get("usageMetadata"):
            state.usage = usage_from(data["usageMetadata"])
        out: list[ChatCompletionChunk] = []
        if not state.extra.get("started"):
            state.extra["started"] = True
            out.append(C.chunk(state, {"role": "assistant", "content": ""}))
        if not data.get("candidates") and (data.get("promptFeedback") or {}).get("blockReason"):
            state.finish_reason = "content_filter"
            out.append(C.chunk(state, {}, "content_filter"))
            return out
        for i, cand in enumerate(data.get("candidates") or []):
            index = cand.get("index", i)
            text = _text(cand)
            if text:
                out.append(C.chunk(state, {"content": text}, index=index))
            seen = state.extra.setdefault("calls", {})
            for call in _calls(cand, seen.get(index, 0)):
                # OpenAI numbers tool calls within a choice.
                position = state.tool_calls[(index, call["id"])] = seen.get(index, 0)
                seen[index] = position + 1
                delta = C.tool_call_start(
                    position, call["id"], call["function"]["name"], call["function"]["arguments"]
                )
                out.append(C.chunk(state, delta, index=index))
            if cand.get("finishReason"):
                reason = finish_reason(cand["finishReason"], bool(seen.get(index)))
                if reason:
                    state.finish_reason = reason
                    out.append(C.chunk(state, {}, reason, index=index))
        return out

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        message, _ = error_of(body)
        overflow = status == 400 and any(m in message.lower() for m in _CONTEXT_MARKERS)
        return classify(self.id, status, message, body, context_overflow=overflow)


adapter = GeminiAdapter()
