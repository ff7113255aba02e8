"""Groq: OpenAI Chat Completions with Groq's documented differences (console.groq.com/docs/openai).

Groq answers 400 to ``logprobs``, ``logit_bias``, ``top_logprobs``, ``n`` other than 1 and
``messages[].name``. The first four are absent from the catalog's Groq params, so the
gateway refuses them by name before a request is built; ``messages[].name`` is refused
here (or dropped, with ``drop_params``). Groq has reported stream usage in ``x_groq.usage``
on the last chunk; it is read from there when the standard ``usage`` field is absent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.errors import UnsupportedParamError
from gateway.providers.openai_compat import OpenAICompatAdapter, usage_from

if TYPE_CHECKING:
    from gateway.catalog.targets import Target
    from gateway.providers.base import SSEEvent, StreamState
    from gateway.schemas import ChatCompletionChunk, ChatCompletionRequest


# OpenAI's reasoning_effort -> Groq's (gpt-oss takes low, medium, high); None: not sent.
REASONING_EFFORT = {
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "xhigh": "high",
    "max": "high",
}


class GroqAdapter(OpenAICompatAdapter):
    id = "groq"
    message_extras = frozenset({"annotations", "refusal", "audio"})

    def build_body(self, request: ChatCompletionRequest, target: Target) -> dict[str, Any]:
        body = super().build_body(request, target)
        if "reasoning_effort" in body:
            effort = REASONING_EFFORT.get(body.pop("reasoning_effort"))
            if effort:
                body["reasoning_effort"] = effort
        for i, m in enumerate(body["messages"]):
            if "name" in m and m.get("role") != "function":
                if not request.drop_params:
                    raise UnsupportedParamError(
                        f"`messages[{i}].name` is not supported by provider `groq`. Remove it, or set "
                        "`drop_params: true`.",
                        param=f"messages[{i}].name",
                    )
                del m["name"]
        return body

    def parse_stream_event(self, event: SSEEvent, state: StreamState) -> list[ChatCompletionChunk]:
        chunks = super().parse_stream_event(event, state)
        if not state.done and not state.usage.reported:
            x_groq = (event.json() or {}).get("x_groq") or {}
            if x_groq.get("usage"):
                state.usage = usage_from(x_groq["usage"])
        return chunks


adapter = GroqAdapter()
