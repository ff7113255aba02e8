"""A new user's embeddings, images and transcription, each costed, then seen in GET /v1/report:
the per-model lines carry the tokens, the images and the seconds of audio, and the totals add up."""

from __future__ import annotations

from decimal import Decimal

import _audio
import pytest

pytestmark = pytest.mark.integration


def test_every_kind_of_usage_reaches_the_report(stack):
    key = stack.new_key("work-report")
    client = stack.openai(api_key=key)
    emb = client.embeddings.create(model="text-embedding-3-small", input=["a report", "of usage"])
    img = client.images.generate(
        model="amazon.titan-image-generator-v2:0", prompt="A chart", n=2, size="512x512"
    )
    aud = client.audio.transcriptions.create(model="whisper-1", file=("m.wav", _audio.wav(45.0)))
    costs = [
        emb.to_dict()["usage"]["total_cost_usd"],
        img.to_dict()["usage"]["total_cost_usd"],
        aud.to_dict()["usage"]["total_cost_usd"],
    ]
    assert costs[1] == pytest.approx(2 * 0.008) and costs[2] == pytest.approx(0.75 * 0.006)
    with stack.http() as http:
        report = http.get("/v1/report", headers={"x-api-key": key}).json()
    assert report["requestCount"] == 3
    assert Decimal(str(report["totalSpendUsd"])) == pytest.approx(sum(Decimal(str(c)) for c in costs))
    lines = report["perModel"]
    assert lines["text-embedding-3-small"]["tokens"] == emb.usage.prompt_tokens
    assert "images" not in lines["text-embedding-3-small"]  # only what a model generated
    assert lines["amazon.titan-image-generator-v2:0"]["images"] == 2
    assert lines["amazon.titan-image-generator-v2:0"]["spendUsd"] == pytest.approx(0.016)
    assert lines["whisper-1"]["audioSeconds"] == 45.0
    assert report["perProvider"]["bedrock"]["images"] == 2
