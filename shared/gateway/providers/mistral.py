"""Mistral AI: OpenAI Chat Completions with Mistral's differences (docs.mistral.ai/api).

- ``seed`` is ``random_seed``; ``max_completion_tokens`` is ``max_tokens``.
- ``tool_choice: "required"`` is ``"any"``.
- Tool call ids must be exactly nine characters ``[a-zA-Z0-9]``: ids minted elsewhere (a
  conversation that began on another provider) are mapped to stable nine-character ids.
- The API refuses unknown fields (422), so ``stream_options`` is not sent: Mistral puts
  usage in its last stream chunk unasked.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any, ClassVar

from gateway.providers.openai_compat import OpenAICompatAdapter

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.schemas import ChatCompletionRequest

_ID = re.compile(r"^[a-zA-Z0-9]{9}$")


def tool_call_id(original: str) -> str:
    """A nine-character id Mistral accepts: the original if it already fits, else a stable digest."""
    if _ID.match(original):
        return original
    return hashlib.sha256(original.encode()).hexdigest()[:9]


class MistralAdapter(OpenAICompatAdapter):
    id = "mistral"
    renames: ClassVar[Mapping[str, str]] = {"seed": "random_seed", "max_completion_tokens": "max_tokens"}
    message_extras = frozenset({"annotations", "refusal", "audio"})

    def build_body(self, request: ChatCompletionRequest, target: Target) -> dict[str, Any]:
        body = super().build_body(request, target)
        body.pop("stream_options", None)
        if body.get("tool_choice") == "required":
            body["tool_choice"] = "any"
        for m in body["messages"]:
            for tc in m.get("tool_calls") or ():
                tc["id"] = tool_call_id(tc["id"])
            if m.get("tool_call_id"):
                m["tool_call_id"] = tool_call_id(m["tool_call_id"])
        return body


adapter = MistralAdapter()
