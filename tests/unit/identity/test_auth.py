"""Authentication: keys, the admin key (environment, or SSM through Powertools), 401 vs 403."""

from __future__ import annotations

import pytest

from gateway.errors import AuthenticationError, PermissionDeniedError
from gateway.identity import auth
from gateway.settings import get_settings
from gateway.store import keys


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("GATEWAY_ADMIN_KEY", raising=False)
    monkeypatch.delenv("GATEWAY_ADMIN_KEY_PARAM", raising=False)
    get_settings.cache_clear()
    auth.forget()
    yield
    get_settings.cache_clear()
    auth.forget()


async def test_admin_key_from_the_environment(store, monkeypatch):
    monkeypatch.setenv("GATEWAY_ADMIN_KEY", "admin-secret-1")
    get_settings.cache_clear()
    plain, _ = await keys.create("user")
    assert (await auth.authenticate_admin({"x-api-key": "admin-secret-1"})).is_admin
    with pytest.raises(PermissionDeniedError):
        await auth.authenticate_admin({"x-api-key": plain})
    with pytest.raises(AuthenticationError):
        await auth.authenticate_admin({"x-api-key": "admin-secret-2"})
    with pytest.raises(AuthenticationError):  # admin is only for routes that ask for it
        await auth.authenticate({"x-api-key": "admin-secret-1"})


async def test_admin_key_from_ssm_through_powertools(monkeypatch):
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("GATEWAY_ADMIN_KEY_PARAM", "/llm-gateway/admin-key")
    get_settings.cache_clear()
    with mock_aws():
        import boto3

        boto3.client("ssm").put_parameter(
            Name="/llm-gateway/admin-key", Value="from-ssm", Type="SecureString"
        )
        parameters.clear_caches()
        assert await auth.is_admin_key("from-ssm") and not await auth.is_admin_key("nope")
    parameters.clear_caches()


async def test_revoked_keys_stop_working_when_the_cache_lapses(store, monkeypatch):
    from gateway import clock

    monkeypatch.setenv("KEY_CACHE_TTL_S", "5")
    get_settings.cache_clear()
    plain, record = await keys.create("user")
    with clock.frozen(1_800_000_000) as c:
        assert (await auth.authenticate({"authorization": f"Bearer {plain}"})).id == record["key_id"]
        await keys.update(record["key_id"], status="revoked")
        c.advance(4.9)
        assert (await auth.authenticate({"x-api-key": plain})).id == record["key_id"]  # still cached
        c.advance(0.2)
        with pytest.raises(AuthenticationError):
            await auth.authenticate({"x-api-key": plain})
