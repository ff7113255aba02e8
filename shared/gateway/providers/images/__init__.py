"""Image-generation adapters: one shape, pure transforms over the one transport.

    build_request(ask, target) -> ProviderRequest     one upstream call for ``ask.n`` images
    parse_response(body, target) -> Generated         images (base64 or URL), tokens if reported
    map_error(status, body, headers) -> GatewayError  the provider's own error reading (chat's)

What a model takes (sizes, qualities, ``n``, extra parameters) is catalog data
(``ModelInfo.image``), checked by ``api/images.py`` before any adapter is called.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError
    from gateway.providers.base import ProviderRequest


@dataclass(frozen=True, slots=True)
class ImageAsk:
    """An image request fitted to one target: defaults filled in, unsupported fields removed."""

    prompt: str
    n: int
    size: str
    quality: str
    response_format: str = "b64_json"
    extra: dict[str, Any] = field(default_factory=dict)
    """Optional parameters the model takes (``background``, ``output_format``, ``style``, ...)."""
    user: str | None = None


@dataclass(slots=True)
class GeneratedImage:
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str | None = None


@dataclass(slots=True)
class Generated:
    images: list[GeneratedImage]
    input_tokens: int = 0
    output_tokens: int = 0
    quality: str | None = None
    """The quality the provider says it used (gpt-image ``auto``), where it says."""


class ImageAdapter(Protocol):
    id: str

    def build_request(self, ask: ImageAsk, target: Target) -> ProviderRequest: ...

    def parse_response(self, body: Any, target: Target) -> Generated: ...

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError: ...


__all__ = ["Generated", "GeneratedImage", "ImageAdapter", "ImageAsk"]
