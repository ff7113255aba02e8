"""GET /public/models without a key: Lunos's shape, every capability the gateway serves, cached."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.integration


def test_public_models_needs_no_key_and_has_lunos_shape(stack):
    r = httpx.get(stack.base_url.removesuffix("/v1") + "/public/models")
    assert r.status_code == 200
    assert "max-age=" in r.headers["cache-control"] and r.headers["cache-control"].startswith("public")
    body = r.json()
    assert body["status"] == "success" and set(body) == {"status", "data", "meta"}
    assert isinstance(body["meta"]["processing_time"], float)
    models = {m["id"]: m for m in body["data"]["models"]}
    for m in models.values():
        assert set(m) == {"id", "provider", "created", "object", "owned_by", "capabilities", "pricing"}
        assert (
            set(m["pricing"]) == {"input", "output", "unit", "currency"} and m["pricing"]["currency"] == "USD"
        )
        assert m["object"] == "model"
    assert models["gpt-4o-mini"]["pricing"] == {
        "input": 0.15e-6,
        "output": 0.6e-6,
        "unit": "token",
        "currency": "USD",
    }
    assert models["text-embedding-3-small"]["capabilities"] == ["embeddings"]
    assert models["text-embedding-3-small"]["pricing"]["input"] == pytest.approx(0.02e-6)
    assert models["dall-e-3"]["pricing"] == {"input": 0.0, "output": 0.04, "unit": "image", "currency": "USD"}
    assert models["whisper-1"]["pricing"] == {
        "input": 0.006,
        "output": 0.0,
        "unit": "minute",
        "currency": "USD",
    }
    served = {c for m in models.values() for c in m["capabilities"]}
    assert {"chat-completion", "text-completion", "embeddings", "images", "audio_transcription"} <= served
    assert "gpt-4-1106-preview" not in models  # retired: nothing serves it


def test_an_api_key_is_not_needed_but_does_no_harm(stack):
    r = httpx.get(stack.base_url.removesuffix("/v1") + "/public/models", headers={"x-api-key": "nonsense"})
    assert r.status_code == 200


def test_v1_models_lists_the_new_kinds_with_their_price_tables(stack):
    models = {m.id: m for m in stack.openai().models.list()}
    dalle = models["dall-e-3"].model_extra
    assert dalle["capabilities"] == ["images"] and dalle["pricing"]["unit"] == "image"
    assert dalle["pricing"]["per_million"]["per_image"]["hd/1792x1024"] == 0.12
    assert dalle["pricing"]["per_million"]["source"].startswith("https://")
    assert models["whisper-1"].model_extra["pricing"]["unit"] == "minute"
    assert models["text-embedding-3-large"].model_extra["pricing"]["unit"] == "token"
