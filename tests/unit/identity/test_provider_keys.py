"""Provider API keys from SSM or Secrets Manager (``<PROVIDER>_API_KEY_PARAM``): read through
Powertools, remembered per container, fetched off the event loop at most once per max age."""

from __future__ import annotations

import threading

import pytest

from gateway import clock
from gateway.catalog.models import get_catalog
from gateway.catalog.targets import load_keys, resolve
from gateway.identity import secretparams
from gateway.providers.registry import get_adapter
from gateway.schemas import ChatCompletionRequest
from gateway.settings import get_settings

PARAM = "/llm-gateway/openai-api-key"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch):
    for var in ("OPENAI_API_KEY", "OPENAI_API_KEY_PARAM"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    secretparams.forget()
    yield
    get_settings.cache_clear()
    secretparams.forget()


def _openai_key() -> str | None:
    targets = resolve(get_catalog(), get_settings(), "openai/gpt-4o-mini")
    return targets[0].settings.api_key


class _CountingFetch:
    """Stands in for the Powertools read: counts calls and notes the thread each ran on."""

    def __init__(self, value: str | None) -> None:
        self.value = value
        self.threads: list[threading.Thread] = []

    def __call__(self, name: str, param: str) -> str | None:
        assert param == PARAM
        self.threads.append(threading.current_thread())
        return self.value


async def test_key_from_ssm_through_powertools_reaches_the_request(monkeypatch):
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("OPENAI_API_KEY_PARAM", PARAM)
    get_settings.cache_clear()
    with mock_aws():
        import boto3

        boto3.client("ssm").put_parameter(Name=PARAM, Value="sk-from-ssm", Type="SecureString")
        parameters.clear_caches()
        await load_keys(get_catalog(), get_settings())
        target = resolve(get_catalog(), get_settings(), "openai/gpt-4o-mini")[0]
    parameters.clear_caches()
    assert target.settings.api_key == "sk-from-ssm"
    request = ChatCompletionRequest(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    built = get_adapter(target.provider.adapter).build_request(request, target)
    assert built.headers["authorization"] == "Bearer sk-from-ssm"


async def test_fetched_in_a_worker_thread_once_per_max_age(monkeypatch):
    fetch = _CountingFetch("sk-1")
    monkeypatch.setattr(secretparams, "_fetch", fetch)
    monkeypatch.setenv("OPENAI_API_KEY_PARAM", PARAM)
    get_settings.cache_clear()
    with clock.frozen(1_800_000_000) as c:
        await load_keys(get_catalog(), get_settings())
        assert len(fetch.threads) == 1 and fetch.threads[0] is not threading.current_thread()
        assert _openai_key() == "sk-1"  # fresh: resolve reads it without a fetch
        c.advance(secretparams._MAX_AGE_S - 1)
        fetch.value = "sk-2"  # rotated in SSM: not seen before the max age
        await load_keys(get_catalog(), get_settings())
        assert _openai_key() == "sk-1" and len(fetch.threads) == 1
        c.advance(2)
        await load_keys(get_catalog(), get_settings())
        assert _openai_key() == "sk-2" and len(fetch.threads) == 2


async def test_resolve_alone_fetches_a_missing_key(monkeypatch):
    fetch = _CountingFetch("sk-sync")
    monkeypatch.setattr(secretparams, "_fetch", fetch)
    monkeypatch.setenv("OPENAI_API_KEY_PARAM", PARAM)
    get_settings.cache_clear()
    assert _openai_key() == "sk-sync"
    assert _openai_key() == "sk-sync" and len(fetch.threads) == 1


async def test_unreadable_key_is_retried_soon_not_after_the_max_age(monkeypatch):
    fetch = _CountingFetch(None)
    monkeypatch.setattr(secretparams, "_fetch", fetch)
    monkeypatch.setenv("OPENAI_API_KEY_PARAM", PARAM)
    get_settings.cache_clear()
    with clock.frozen(1_800_000_000) as c:
        await load_keys(get_catalog(), get_settings())
        assert _openai_key() is None and len(fetch.threads) == 1
        fetch.value = "sk-now-there"
        c.advance(secretparams._RETRY_S + 0.1)
        await load_keys(get_catalog(), get_settings())
        assert _openai_key() == "sk-now-there" and len(fetch.threads) == 2


async def test_a_plain_key_in_the_environment_wins_and_aws_is_never_asked(monkeypatch):
    fetch = _CountingFetch("sk-from-ssm")
    monkeypatch.setattr(secretparams, "_fetch", fetch)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local")
    monkeypatch.setenv("OPENAI_API_KEY_PARAM", PARAM)
    get_settings.cache_clear()
    await load_keys(get_catalog(), get_settings())
    assert _openai_key() == "sk-local" and fetch.threads == []


def test_no_param_no_key():
    assert get_settings().provider("openai", "https://api.openai.com/v1").api_key_param is None
    assert _openai_key() is None
