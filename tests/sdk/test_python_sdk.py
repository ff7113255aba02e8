"""The Python SDK (sdk/python, ``llm_gateway``) against the local stack: the openai surface it
inherits, the gateway's own routes, X-App-ID, retries after Retry-After and fallbacks."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import openai
import pytest
from llm_gateway import AsyncGateway, Gateway, types

from tests.conftest import ROOT

pytestmark = pytest.mark.integration
HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def gw(stack):
    with Gateway(api_key=stack.api_key, base_url=stack.base_url, admin_key=stack.admin_key) as client:
        yield client


def _closed_port_url() -> str:
    """A base URL where nothing listens: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_settings_come_from_the_environment(stack, monkeypatch):
    monkeypatch.setenv("GATEWAY_API_KEY", stack.api_key)
    monkeypatch.setenv("GATEWAY_BASE_URL", stack.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-sent-to-the-gateway")
    gw = Gateway()
    assert isinstance(gw, openai.OpenAI)
    assert gw.api_key == stack.api_key and str(gw.base_url) == stack.base_url + "/"
    assert gw.models.list().data


def test_chat_and_stream_are_the_openai_surface_with_costs(gw):
    r = gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, max_tokens=8)
    assert r.choices[0].message.content and r.usage is not None
    assert r.usage.model_extra and r.usage.model_extra["total_cost_usd"] > 0

    chunks = list(gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)  # a naive loop over choices[0]
    usage = [c.usage for c in chunks if c.usage is not None]
    assert text and usage and usage[-1].model_extra["total_cost_usd"] > 0

    legacy = gw.completions.create(model="gpt-4o-mini", prompt="Say hi", max_tokens=5)
    assert legacy.choices[0].text


def test_errors_are_openai_exceptions(gw):
    with pytest.raises(openai.NotFoundError) as e:
        gw.chat.completions.create(model="no-such-model", messages=HELLO)
    assert e.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as e:
        gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, extra_body={"no_such_param": 1})
    assert e.value.code == "unknown_parameter"


def test_app_id_is_sent_and_checked_before_sending(gw):
    tagged = gw.with_options(app_id="my-python-app")
    raw = tagged.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=HELLO)
    assert raw.http_request.headers["x-app-id"] == "my-python-app"
    assert tagged.admin_key == gw.admin_key  # copies keep the SDK's own settings
    with pytest.raises(ValueError, match="app_id"):
        gw.with_options(app_id="-starts-with-a-dash")
    # What the SDK refuses, the gateway refuses too.
    with pytest.raises(openai.BadRequestError) as e:
        gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, extra_headers={"X-App-ID": "-bad"})
    assert e.value.code == "invalid_app_id"


def test_providers_and_router(gw):
    providers = gw.providers.list(model="gpt-4o-mini")
    assert isinstance(providers, types.ProviderList) and providers.model == "gpt-4o-mini"
    assert providers.providers[0].type == "primary" and providers.providers[0].params.pricing.input

    decision = gw.router.route(HELLO, cost_weight=0.5)
    assert decision.selected_model in {c.model for c in decision.candidates}
    assert decision.cost_weight == 0.5

    profiles = gw.router.profiles()
    assert profiles.num_clusters == len(profiles.data[0].cluster_error)

    completion = gw.router.complete(HELLO, max_tokens=8)
    routed = types.RouterDecision.model_validate(completion.model_extra["router"])
    assert completion.choices[0].message.content and routed.selected_model
    chunks = list(gw.router.complete(HELLO, max_tokens=8, stream=True))
    assert "router" in chunks[0].model_extra


def test_keys_lifecycle_with_the_admin_key(stack, gw):
    created = gw.keys.create("sdk-admin", rpm=30, daily_budget_usd=2)
    assert created.key.startswith("gw_live_") and created.limits == {"rpm": 30, "daily_budget_usd": 2.0}
    assert created.id in {k.id for k in gw.keys.list(limit=100).data}

    changed = gw.keys.update(created.id, rpm=None, label="renamed")
    assert changed.label == "renamed" and "rpm" not in changed.limits

    own = Gateway(api_key=created.key, base_url=stack.base_url)
    assert own.chat.completions.create(model="gpt-4o-mini", messages=HELLO, max_tokens=5).choices
    assert gw.keys.revoke(created.id).deleted
    stack.advance_clock(10)  # past the gateway's key cache
    with pytest.raises(openai.AuthenticationError):
        own.chat.completions.create(model="gpt-4o-mini", messages=HELLO, max_tokens=5)
    with pytest.raises(openai.PermissionDeniedError):
        own.with_options(api_key=stack.api_key).keys.list()


def test_self_serve_key_without_any_key(stack):
    anonymous = Gateway(base_url=stack.base_url, api_key="")
    created = anonymous.keys.create("sdk-self-serve")
    assert created.key.startswith("gw_live_") and created.limits["free_requests"] > 0
    with pytest.raises(openai.AuthenticationError):
        anonymous.models.retrieve("gpt-4o-mini")


def test_wallet_fund_pay_status_balance(stack, gw):
    before = gw.wallet.balance()
    invoice = gw.wallet.fund(1000)
    assert invoice.status == "pending" and invoice.paymentRequest
    subprocess.run(
        [sys.executable, "-m", "local.wallet", "pay", invoice.invoiceId],
        cwd=ROOT,
        env={"GATEWAY_STATE_FILE": str(stack.state_file), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    paid = gw.wallet.status(invoice.invoiceId)
    assert paid.status == "credited"
    assert gw.wallet.balance().balanceUsd == pytest.approx(before.balanceUsd + invoice.amountUsd)
    with pytest.raises(openai.NotFoundError):
        gw.wallet.status("inv_nobody")


def test_report_json_and_html(gw):
    report = gw.report()
    assert isinstance(report, types.Report) and report.period == "24h" and len(report.hourly) == 24
    page = gw.report(format="html")
    assert page.lstrip().lower().startswith("<!doctype html")
    everyone = gw.report(scope="all")  # the admin key is sent on admin reads
    assert everyone.scope == "all"


def test_429_is_retried_after_its_retry_after(stack):
    """The SDK's wait is the stack's clock moved on, so the retry is real and nothing sleeps."""
    admin = Gateway(api_key=stack.api_key, base_url=stack.base_url, admin_key=stack.admin_key)
    key = admin.keys.create("sdk-rpm-1", rpm=1).key
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        stack.advance_clock(seconds)

    gw = Gateway(api_key=key, base_url=stack.base_url, max_retry_wait=60, _sleep=sleep)
    stack.start_of_minute()
    assert gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, max_tokens=5).choices
    assert gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, max_tokens=5).choices
    assert len(waits) == 1 and 1 <= waits[0] <= 60

    # A wait longer than max_retry_wait is not waited: the 429 is raised with its retry_after.
    patient = Gateway(api_key=key, base_url=stack.base_url, max_retry_wait=0.5, _sleep=sleep)
    with pytest.raises(openai.RateLimitError) as e:
        patient.chat.completions.create(model="gpt-4o-mini", messages=HELLO, max_tokens=5)
    assert e.value.body["retry_after"] >= 1 and len(waits) == 1


def test_unreachable_base_url_falls_back_to_the_next(stack):
    gw = Gateway(api_key=stack.api_key, base_url=_closed_port_url(), fallback_base_urls=[stack.base_url])
    r = gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, max_tokens=5)
    assert r.choices[0].message.content
    assert gw.providers.list(model="gpt-4o-mini").providers  # the gateway's own routes too
    chunks = list(gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
    assert any(c.choices and c.choices[0].delta.content for c in chunks)

    alone = Gateway(api_key=stack.api_key, base_url=_closed_port_url())
    with pytest.raises(openai.APIConnectionError):
        alone.models.list()


def test_model_errors_and_5xx_fall_back_to_the_next_model(sim):
    gw = Gateway(api_key=sim.api_key, base_url=sim.base_url, fallback_models=["gpt-4o-mini"])
    r = gw.chat.completions.create(model="no-such-model", messages=HELLO, max_tokens=5)
    assert r.model == "gpt-4o-mini"

    # Every provider of the first model fails: the gateway's 502, then the next model.
    first = "claude-haiku-4-5-20251001"
    serving = sim.openai().models.retrieve(first).model_extra["providers"]
    assert "openai" not in serving
    for provider in serving:
        sim.fault(provider, "status", status=500, count=50)
    with pytest.raises(openai.InternalServerError):
        sim.openai().chat.completions.create(model=first, messages=HELLO, max_tokens=5)
    r = gw.chat.completions.create(model=first, messages=HELLO, max_tokens=5)
    assert r.model == "gpt-4o-mini"


async def test_async_twin(stack):
    async with AsyncGateway(
        api_key=stack.api_key, base_url=stack.base_url, app_id="my-async-app", admin_key=stack.admin_key
    ) as gw:
        assert isinstance(gw, openai.AsyncOpenAI)
        r = await gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, max_tokens=5)
        assert r.choices[0].message.content
        stream = await gw.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)
        assert [c async for c in stream]
        assert (await gw.providers.list(model="gpt-4o-mini")).providers
        assert (await gw.router.route(HELLO)).selected_model
        assert (await gw.wallet.balance()).freeRequestsTotal >= 0
        assert (await gw.report()).period == "24h"
        assert (await gw.keys.list()).data
        assert json.loads((await gw.with_options(max_retries=0).models.list()).to_json())["data"]
