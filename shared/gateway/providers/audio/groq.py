"""Groq ``POST /openai/v1/audio/transcriptions`` (console.groq.com/docs/speech-to-text): OpenAI's
multipart upload for whisper-large-v3 and -turbo (json, text, verbose_json); billed per hour
of audio with a 10-second minimum per request (catalog ``min_billed_seconds``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.providers.audio.openai import OpenAITranscriptions
from gateway.providers.groq import adapter as chat

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gateway.errors import GatewayError


class GroqTranscriptions(OpenAITranscriptions):
    id = "groq"

    def map_error(self, status: int, body: Any, headers: Mapping[str, str]) -> GatewayError:
        return chat.map_error(status, body, headers)


adapter = GroqTranscriptions()
