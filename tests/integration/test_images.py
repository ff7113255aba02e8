"""POST /v1/images/generations through the official openai SDK against the local stack: every
provider that serves images, per-image cost, the ledger's image count, and the documented 4xx."""

from __future__ import annotations

import base64

import httpx
import openai
import pytest
from test_failover import usage_records

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n"
# provider -> (model, size, quality, per-image price in the catalog)
IMAGE_MODELS = {
    "openai": ("dall-e-3", "1024x1792", "hd", 0.12),
    "gemini": ("gemini-2.5-flash-image", "1344x768", "standard", 0.039),
    "bedrock": ("amazon.nova-canvas-v1:0", "1024x1024", "premium", 0.06),
}


@pytest.mark.parametrize("provider", sorted(IMAGE_MODELS))
def test_images_through_the_sdk_are_costed_per_image_and_recorded(stack, provider):
    model, size, quality, price = IMAGE_MODELS[provider]
    resp = stack.openai().images.with_raw_response.generate(
        model=model, prompt="A lighthouse at dawn", size=size, quality=quality
    )
    out = resp.parse()
    assert len(out.data) == 1 and base64.b64decode(out.data[0].b64_json).startswith(PNG)
    usage = out.to_dict()["usage"]
    assert usage["images"] == 1 and usage["total_cost_usd"] == pytest.approx(price)
    assert resp.headers["x-gateway-provider"] == provider
    assert float(resp.headers["x-gateway-cost"]) == pytest.approx(price)
    records = usage_records(stack, resp.headers["x-request-id"])
    assert len(records) == 1 and records[0]["images"] == 1 and records[0]["status"] == "ok"
    assert float(records[0]["total_cost_usd"]) == pytest.approx(price)


def test_n_images_cost_n_times_and_gpt_image_bills_the_reported_quality(stack):
    out = stack.openai().images.generate(model="gpt-image-1", prompt="Two cats", n=2, quality="low")
    assert len(out.data) == 2
    usage = out.to_dict()["usage"]
    assert usage["images"] == 2 and usage["total_cost_usd"] == pytest.approx(2 * 0.011)
    assert usage["input_tokens"] > 0  # gpt-image reports token usage


def test_url_where_the_provider_gives_one_and_the_image_behind_it(stack):
    out = stack.openai().images.generate(model="dall-e-3", prompt="A red boat", response_format="url")
    assert out.data[0].url and out.data[0].b64_json is None
    assert httpx.get(out.data[0].url).content.startswith(PNG)


def test_documented_4xx(stack):
    client = stack.openai()
    with pytest.raises(openai.BadRequestError) as err:  # a bad size
        client.images.generate(model="dall-e-3", prompt="x", size="512x512")
    assert err.value.body["param"] == "size" and "1024x1024" in err.value.body["message"]
    with pytest.raises(openai.BadRequestError) as err:  # a quality the model does not have
        client.images.generate(model="dall-e-3", prompt="x", quality="low")
    assert err.value.body["param"] == "quality"
    with pytest.raises(openai.BadRequestError) as err:  # dall-e-3 draws one at a time
        client.images.generate(model="dall-e-3", prompt="x", n=2)
    assert err.value.body["param"] == "n"
    with pytest.raises(openai.BadRequestError) as err:  # gpt-image answers base64 only
        client.images.generate(model="gpt-image-1", prompt="x", response_format="url")
    assert err.value.body["param"] == "response_format" and err.value.body["code"] == "unsupported_parameter"
    with pytest.raises(openai.BadRequestError) as err:  # a parameter the model does not take
        client.images.generate(model="amazon.nova-canvas-v1:0", prompt="x", background="transparent")
    assert err.value.body["param"] == "background"
    with pytest.raises(openai.BadRequestError) as err:  # more than a response may carry
        client.images.generate(model="gpt-image-1", prompt="x", n=4, size="1536x1024", quality="high")
    assert err.value.body["code"] == "response_too_large" and "jpeg" in err.value.body["message"]
    with pytest.raises(openai.BadRequestError) as err:
        client.images.generate(model="text-embedding-3-small", prompt="x")
    assert err.value.body["code"] == "model_not_supported"


def test_a_refused_request_is_not_billed(stack):
    before = stack.sim_stats().get("openai", 0)
    with pytest.raises(openai.BadRequestError):
        stack.openai().images.generate(model="dall-e-3", prompt="x", size="512x512")
    assert stack.sim_stats().get("openai", 0) == before
