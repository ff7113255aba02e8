"""OpenAI ``POST /images/generations`` (dall-e-3, gpt-image-1 and its successors).

gpt-image models always answer base64 and take no ``response_format``; dall-e-3 answers
``url`` when asked. gpt-image answers report the quality used and token usage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.providers.base import ProviderRequest
from gateway.providers.images import Generated, GeneratedImage, ImageAsk
from gateway.providers.openai_compat import adapter as chat

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError


class OpenAIImages:
    id = "openai"

    def build_request(self, ask: ImageAsk, target: Target) -> ProviderRequest:
        body: dict[str, Any] = {
            "model": target.upstream_model,
            "prompt": ask.prompt,
            "n": ask.n,
            "size": ask.size,
            "quality": ask.quality,
            **ask.extra,
        }
        spec = target.model.image
        if spec is not None and "url" in spec.response_formats:
            body["response_format"] = ask.response_format
        if ask.user is not None:
            body["user"] = ask.user
        return ProviderRequest(
            url=target.settings.base_url + "/images/generations", headers=chat.headers(target), json=body
        )

    def parse_response(self, body: Any, target: Target) -> Generated:
        images = [
            GeneratedImage(
                b64_json=d.get("b64_json"), url=d.get("url"), revised_prompt=d.get("revised_prompt")
            )
            for d in body["data"]
        ]
        if any(i.b64_json is None and i.url is None for i in images):
            raise ValueError("an image without b64_json or url")
        usage = body.get("usage") or {}
        return Generated(
            images,
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            quality=body.get("quality"),
        )

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        return chat.map_error(status, body, headers)


adapter = OpenAIImages()
