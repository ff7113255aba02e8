"""Transcription adapters: one shape, pure transforms over the one transport.

build_request(ask, target) -> ProviderRequest     a multipart upload
parse_response(body, target, ask) -> Transcript   the answer in the asked format, usage if any
map_error(status, body, headers) -> GatewayError  the provider's own error reading (chat's)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError
    from gateway.providers.base import ProviderRequest


@dataclass(frozen=True, slots=True)
class AudioAsk:
    filename: str
    content_type: str
    data: bytes
    response_format: str
    fields: dict[str, str | list[str]]
    """The optional form fields this target takes (language, prompt, temperature, timestamp_granularities[])."""


@dataclass(slots=True)
class Transcript:
    body: str | dict[str, Any]
    """What the client gets: text (text/srt/vtt) or the JSON object (json/verbose_json)."""
    seconds: float | None = None
    """The duration the provider reports, where it does."""
    input_tokens: int | None = None
    output_tokens: int | None = None


class TranscriptionAdapter(Protocol):
    id: str

    def build_request(self, ask: AudioAsk, target: Target) -> ProviderRequest: ...

    def parse_response(self, body: Any, target: Target, ask: AudioAsk) -> Transcript: ...

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError: ...


__all__ = ["AudioAsk", "Transcript", "TranscriptionAdapter"]
