"""Token estimates, for when a provider reports none and for budget reservations.

No tokenizer ships in the layer (they are tens of MB and model-specific); about four
characters a token is the standard rule of thumb for English text with BPE vocabularies,
rounded up so that reservations err on the safe side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.schemas import ChatCompletionRequest

_CHARS_PER_TOKEN = 4
_PER_MESSAGE_OVERHEAD = 4


def estimate_text(text: str) -> int:
    return -(-len(text) // _CHARS_PER_TOKEN) if text else 0


def estimate_prompt(request: ChatCompletionRequest) -> int:
    total = 3
    for m in request.messages:
        total += _PER_MESSAGE_OVERHEAD + estimate_text(m.text())
        for call in m.tool_calls or ():
            total += estimate_text(call.function.name) + estimate_text(call.function.arguments)
    for tool in request.tools or ():
        total += estimate_text(tool.model_dump_json())
    return total
