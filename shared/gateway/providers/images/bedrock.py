"""Bedrock ``InvokeModel`` TEXT_IMAGE, the request Amazon Nova Canvas and Titan Image Generator
v2 share (docs.aws.amazon.com/nova/latest/userguide/image-gen-req-resp-structure.html):
``textToImageParams.text`` and ``imageGenerationConfig`` (numberOfImages, width, height,
quality ``standard``/``premium``); the answer is ``{"images": [base64, ...], "error": ...}``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.providers.bedrock import adapter as chat
from gateway.providers.embeddings.bedrock import invoke
from gateway.providers.images import Generated, GeneratedImage, ImageAsk

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.catalog.targets import Target
    from gateway.errors import GatewayError
    from gateway.providers.base import ProviderRequest


class BedrockImages:
    id = "bedrock"

    def build_request(self, ask: ImageAsk, target: Target) -> ProviderRequest:
        width, height = (int(x) for x in ask.size.split("x"))
        return invoke(
            target,
            {
                "taskType": "TEXT_IMAGE",
                "textToImageParams": {"text": ask.prompt},
                "imageGenerationConfig": {
                    "numberOfImages": ask.n,
                    "width": width,
                    "height": height,
                    "quality": ask.quality,
                },
            },
        )

    def parse_response(self, body: Any, target: Target) -> Generated:
        answer = body["body"]
        if answer.get("error"):
            raise ValueError(f"Bedrock reported: {answer['error']}")
        images = [GeneratedImage(b64_json=str(b)) for b in answer["images"]]
        if not images:
            raise ValueError("no images in the answer")
        return Generated(images)

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        return chat.map_error(status, body, headers)


adapter = BedrockImages()
