"""Gemini image models through ``models/{model}:generateContent`` (ai.google.dev/gemini-api/docs/image-generation).

The prompt is one user turn; ``responseModalities: ["IMAGE"]`` and ``imageConfig.aspectRatio``
(from the size: Gemini sizes each aspect ratio itself) ask for one image; it comes back as a
base64 ``inlineData`` part. Usage is in ``usageMetadata`` (an image is output tokens).
"""

from __future__ import annotations

from math import gcd
from typing import TYPE_CHECKING, Any

from gateway.providers.base import ProviderRequest
from gateway.providers.gemini import adapter as chat
from gateway.providers.images import Generated, GeneratedImage, ImageAsk

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError

ASPECT_RATIOS = {
    "1024x1024": "1:1",
    "832x1248": "2:3",
    "1248x832": "3:2",
    "864x1184": "3:4",
    "1184x864": "4:3",
    "768x1344": "9:16",
    "1344x768": "16:9",
}
"""Gemini's documented 1K outputs for each aspect ratio."""


def aspect_ratio(size: str) -> str:
    if size in ASPECT_RATIOS:
        return ASPECT_RATIOS[size]
    w, h = (int(x) for x in size.split("x"))
    d = gcd(w, h)
    return f"{w // d}:{h // d}"


class GeminiImages:
    id = "gemini"

    def build_request(self, ask: ImageAsk, target: Target) -> ProviderRequest:
        headers = {"content-type": "application/json"}
        if target.settings.api_key:
            headers["x-goog-api-key"] = target.settings.api_key
        return ProviderRequest(
            url=f"{target.settings.base_url}/v1beta/models/{target.upstream_model}:generateContent",
            headers=headers,
            json={
                "contents": [{"role": "user", "parts": [{"text": ask.prompt}]}],
                "generationConfig": {
                    "responseModalities": ["IMAGE"],
                    "imageConfig": {"aspectRatio": aspect_ratio(ask.size)},
                },
            },
        )

    def parse_response(self, body: Any, target: Target) -> Generated:
        images = [
            GeneratedImage(b64_json=part["inlineData"]["data"])
            for candidate in body.get("candidates") or []
            for part in (candidate.get("content") or {}).get("parts") or []
            if "inlineData" in part
        ]
        if not images:
            reason = ((body.get("candidates") or [{}])[0]).get("finishReason") or body.get("promptFeedback")
            raise ValueError(f"no image in the answer ({reason})")
        usage = body.get("usageMetadata") or {}
        return Generated(
            images,
            input_tokens=int(usage.get("promptTokenCount") or 0),
            output_tokens=int(usage.get("candidatesTokenCount") or 0),
        )

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        return chat.map_error(status, body, headers)


adapter = GeminiImages()
