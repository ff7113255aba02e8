"""Token estimates, for when a provider reports none and for budget reservations.

No tokenizer ships in the layer (they are tens of MB and model-specific); about four
characters a token is the standard rule of thumb for English text with BPE vocabularies,
rounded up so that reservations err on the safe side.

What is not text is held at its worst case, since a hold that is too small is how a wallet
goes negative (an image counts nothing as text, and 500 of them once held $0.000035):

- an image, ``IMAGE_TOKENS``: the most any catalog provider bills for one image. gpt-4o-mini
  bills images at 33x gpt-4o's tokens (2,833 base + 5,667 per 512-px tile: 25,501 for a
  2048x2048 image at high detail); Claude at most about 1,600; Gemini 258 a tile.
- audio, by its encoded size: ``AUDIO_BYTES_PER_TOKEN`` bytes a token, as low-bitrate speech
  (16 kbit/s) comes at OpenAI's 10 tokens a second.
- a file (a PDF), by its encoded size, ``FILE_BYTES_PER_TOKEN``, and at least ``FILE_MIN_TOKENS``:
  a page can be a few kilobytes and thousands of tokens (its text plus its image).
- tool definitions and ``response_format`` schemas count as their JSON text.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.schemas import ChatCompletionRequest

_CHARS_PER_TOKEN = 4
_PER_MESSAGE_OVERHEAD = 4
IMAGE_TOKENS = 25_600
IMAGE_TOKENS_TYPICAL = 1_000
"""What a rate window counts for an image at admission (settlement trues it up to the actual count)."""
AUDIO_BYTES_PER_TOKEN = 200
FILE_BYTES_PER_TOKEN = 2
FILE_MIN_TOKENS = 3_000
MEDIA_TYPES = frozenset({"image_url", "input_image", "image", "input_audio", "audio", "file", "input_file"})


def estimate_text(text: str) -> int:
    return -(-len(text) // _CHARS_PER_TOKEN) if text else 0


def _base64_bytes(data: Any) -> int:
    return len(data) * 3 // 4 if isinstance(data, str) else 0


def estimate_part(part: dict[str, Any], *, worst_case: bool = True) -> int:
    """One non-text content part (0 for text, which ``Message.text`` counts): its worst case
    for a hold, or a typical count for a rate window."""
    kind = part.get("type")
    if kind in ("image_url", "input_image", "image"):
        return IMAGE_TOKENS if worst_case else IMAGE_TOKENS_TYPICAL
    if kind in ("input_audio", "audio"):
        audio = part.get("input_audio") or part.get("audio") or {}
        return max(1, -(-_base64_bytes(audio.get("data")) // AUDIO_BYTES_PER_TOKEN))
    if kind in ("file", "input_file"):
        file = part.get("file") or part
        return max(FILE_MIN_TOKENS, -(-_base64_bytes(file.get("file_data")) // FILE_BYTES_PER_TOKEN))
    return 0


def media_parts(request: ChatCompletionRequest) -> int:
    """How many image, audio and file parts the request carries."""
    return sum(
        1
        for m in request.messages
        if isinstance(m.content, list)
        for p in m.content
        if isinstance(p, dict) and p.get("type") in MEDIA_TYPES
    )


def estimate_prompt(request: ChatCompletionRequest, *, worst_case: bool = True) -> int:
    total = 3
    for m in request.messages:
        total += _PER_MESSAGE_OVERHEAD + estimate_text(m.text())
        if isinstance(m.content, list):
            total += sum(estimate_part(p, worst_case=worst_case) for p in m.content if isinstance(p, dict))
        for call in m.tool_calls or ():
            total += estimate_text(call.function.name) + estimate_text(call.function.arguments)
    for tool in request.tools or ():
        total += estimate_text(tool.model_dump_json())
    if request.response_format:
        total += estimate_text(json.dumps(request.response_format))
    return total
