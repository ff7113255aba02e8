"""OpenAI ``POST /audio/transcriptions`` (whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe):
a multipart upload; the answer is JSON (json, verbose_json) or text (text, srt, vtt).

whisper-1's JSON reports ``usage: {"type": "duration", "seconds"}``, gpt-4o models'
``usage: {"type": "tokens", ...}``; verbose_json carries ``duration``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.providers.audio import AudioAsk, Transcript
from gateway.providers.base import ProviderRequest
from gateway.providers.openai_compat import adapter as chat

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError

TEXT_FORMATS = frozenset({"text", "srt", "vtt"})


class OpenAITranscriptions:
    id = "openai"

    def build_request(self, ask: AudioAsk, target: Target) -> ProviderRequest:
        headers = {}
        if target.settings.api_key:
            headers["authorization"] = f"Bearer {target.settings.api_key}"
        data: dict[str, str | list[str]] = {
            "model": target.upstream_model,
            "response_format": ask.response_format,
        }
        for name, value in ask.fields.items():
            data[f"{name}[]" if isinstance(value, list) else name] = value
        return ProviderRequest(
            url=target.settings.base_url + "/audio/transcriptions",
            headers=headers,
            files={"file": (ask.filename, ask.data, ask.content_type)},
            data=data,
            text=ask.response_format in TEXT_FORMATS,
        )

    def parse_response(self, body: Any, target: Target, ask: AudioAsk) -> Transcript:
        if ask.response_format in TEXT_FORMATS:
            if not isinstance(body, str):
                raise TypeError(f"a {ask.response_format} transcript that is not text")
            return Transcript(body)
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise ValueError("a JSON transcript without `text`")
        usage = body.get("usage") or {}
        seconds = body.get("duration")
        if seconds is None and usage.get("type") == "duration":
            seconds = usage.get("seconds")
        tokens = usage.get("type") == "tokens"
        return Transcript(
            body,
            seconds=None if seconds is None else float(seconds),
            input_tokens=int(usage.get("input_tokens") or 0) if tokens else None,
            output_tokens=int(usage.get("output_tokens") or 0) if tokens else None,
        )

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        return chat.map_error(status, body, headers)


adapter = OpenAITranscriptions()
