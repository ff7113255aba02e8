"""``Gateway`` and ``AsyncGateway``: the official openai clients, pointed at the gateway.

Everything the ``openai`` package offers (chat, completions, embeddings, images, audio,
streaming, its errors) is inherited unchanged. Added: ``GATEWAY_*`` settings, ``X-App-ID``,
the SDK's retries and fallbacks (``_transport``), and the gateway's own routes.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import httpx2
import openai
from openai import NOT_GIVEN, NotGiven

from llm_gateway import _calls
from llm_gateway._policy import Policy
from llm_gateway._resources import (
    AsyncKeys,
    AsyncPersonalities,
    AsyncProviders,
    AsyncRouter,
    AsyncWallet,
    Keys,
    Personalities,
    Providers,
    Router,
    Wallet,
    run,
    run_async,
)
from llm_gateway._transport import AsyncGatewayTransport, GatewayTransport

DEFAULT_BASE_URL = "http://127.0.0.1:3000/v1"
APP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+\-]{0,63}")
"""What the gateway accepts in ``X-App-ID`` (else a 400 ``invalid_app_id``)."""


def check_app_id(app_id: str) -> str:
    if not APP_ID.fullmatch(app_id):
        raise ValueError(
            f"app_id {app_id!r}: 1 to 64 letters, digits and . _ : @ / + -, starting with a letter or digit"
        )
    return app_id


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _settings(
    api_key: str | None,
    base_url: str | None,
    app_id: str | None,
    default_headers: dict[str, str] | None,
) -> tuple[str, str, dict[str, str]]:
    key = api_key if api_key is not None else os.environ.get("GATEWAY_API_KEY", "")
    url = base_url or os.environ.get("GATEWAY_BASE_URL") or DEFAULT_BASE_URL
    headers = dict(default_headers or {})
    if app_id is not None:
        headers["X-App-ID"] = check_app_id(app_id)
    return key, url, headers


def _policy(
    base_url: str, fallback_base_urls: Sequence[str], fallback_models: Sequence[str], **kw: Any
) -> Policy:
    return Policy(tuple(_slash(u) for u in (base_url, *fallback_base_urls)), tuple(fallback_models), **kw)


class Gateway(openai.OpenAI):
    """The openai client for the gateway.

    ``api_key`` defaults to ``GATEWAY_API_KEY`` (never ``OPENAI_API_KEY``: no OpenAI key is
    sent to the gateway by accident); without one only self-serve ``keys.create()`` works.
    ``base_url`` defaults to ``GATEWAY_BASE_URL``, else the local stack. ``app_id`` is sent
    as ``X-App-ID`` (``with_options(app_id=...)`` for another app). ``admin_key`` (default
    ``GATEWAY_ADMIN_KEY``; None for none) is sent on the admin routes only.

    Retries: 429 and 503, after their ``Retry-After``, at most ``max_retries`` times, when the
    wait is at most ``max_retry_wait`` seconds (the openai client's own retries are off).
    Fallbacks, client side, for when the gateway cannot be reached: ``fallback_base_urls``
    after a connection error or a 5xx, ``fallback_models`` after a model error (or a 5xx
    from every base URL). The gateway's own failover across providers needs none of this.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        app_id: str | None = None,
        admin_key: str | NotGiven | None = NOT_GIVEN,
        fallback_base_urls: Sequence[str] = (),
        fallback_models: Sequence[str] = (),
        max_retries: int = 2,
        max_retry_wait: float = 30.0,
        default_headers: dict[str, str] | None = None,
        http_client: httpx2.Client | None = None,
        _sleep: Callable[[float], None] | None = None,
        **kwargs: Any,
    ) -> None:
        key, url, headers = _settings(api_key, base_url, app_id, default_headers)
        self.admin_key = os.environ.get("GATEWAY_ADMIN_KEY") if isinstance(admin_key, NotGiven) else admin_key
        if http_client is None:
            policy = _policy(
                url,
                fallback_base_urls,
                fallback_models,
                max_retries=max_retries,
                max_retry_wait=max_retry_wait,
            )
            http_client = openai.DefaultHttpxClient(
                transport=GatewayTransport(policy, sleep=_sleep or time.sleep)
            )
        transport = getattr(http_client, "_transport", None)
        self._gateway_transport = transport if isinstance(transport, GatewayTransport) else None
        super().__init__(
            api_key=key,
            base_url=url,
            default_headers=headers,
            http_client=http_client,
            max_retries=0 if self._gateway_transport else max_retries,
            **{**kwargs, "_enforce_credentials": False},
        )

    def copy(
        self,
        *,
        app_id: str | NotGiven | None = NOT_GIVEN,
        admin_key: str | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        **kwargs: Any,
    ) -> Gateway:
        """openai's ``copy``/``with_options``, plus ``app_id``, ``admin_key`` and the SDK's ``max_retries``."""
        extra = {"admin_key": self.admin_key if isinstance(admin_key, NotGiven) else admin_key}
        if isinstance(app_id, str):
            kwargs["default_headers"] = {
                **kwargs.get("default_headers", {}),
                "X-App-ID": check_app_id(app_id),
            }
        elif app_id is None:
            kwargs["set_default_headers"] = {
                k: v for k, v in self._custom_headers.items() if k.lower() != "x-app-id"
            }
        t = self._gateway_transport
        if isinstance(max_retries, int) and t is not None and "http_client" not in kwargs:
            again = GatewayTransport(replace(t.policy, max_retries=max_retries), inner=t.inner, sleep=t.sleep)
            kwargs["http_client"] = openai.DefaultHttpxClient(transport=again)
        elif isinstance(max_retries, int):
            kwargs["max_retries"] = max_retries
        return super().copy(_extra_kwargs=extra, **kwargs)

    with_options = copy

    def _validate_headers(self, headers: Any, custom_headers: Any) -> None:
        """Without a key the request goes out unauthenticated: the gateway answers (a self-serve
        key creation succeeds, anything else is its 401, raised as ``openai.AuthenticationError``)."""

    @property
    def providers(self) -> Providers:
        """``GET /v1/providers``: who serves a model, primary then backups."""
        return Providers(self)

    @property
    def router(self) -> Router:
        """``POST /v1/router`` and ``GET /v1/router/profiles``: semantic routing."""
        return Router(self)

    @property
    def keys(self) -> Keys:
        """``/v1/keys``: self-serve creation; with the admin key, limits, listing, revocation."""
        return Keys(self)

    @property
    def wallet(self) -> Wallet:
        """``/v1/wallet``: fund with a Lightning invoice, poll it, read the balance."""
        return Wallet(self)

    @property
    def personalities(self) -> Personalities:
        """``/v1/personalities``: named presets of a system prompt and defaults."""
        return Personalities(self)

    def report(self, format: str = "json", *, key: str | None = None, scope: str | None = None) -> Any:
        """``GET /v1/report``: the 24 h spend report, a ``types.Report`` (``format="json"``)
        or the HTML page as a ``str`` (``format="html"``). ``key``/``scope="all"``: admin only."""
        return run(self, _calls.report(format, key, scope))


class AsyncGateway(openai.AsyncOpenAI):
    """``Gateway``'s async twin, over ``openai.AsyncOpenAI``: the same arguments and routes."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        app_id: str | None = None,
        admin_key: str | NotGiven | None = NOT_GIVEN,
        fallback_base_urls: Sequence[str] = (),
        fallback_models: Sequence[str] = (),
        max_retries: int = 2,
        max_retry_wait: float = 30.0,
        default_headers: dict[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
        _sleep: Callable[[float], Awaitable[None]] | None = None,
        **kwargs: Any,
    ) -> None:
        key, url, headers = _settings(api_key, base_url, app_id, default_headers)
        self.admin_key = os.environ.get("GATEWAY_ADMIN_KEY") if isinstance(admin_key, NotGiven) else admin_key
        if http_client is None:
            policy = _policy(
                url,
                fallback_base_urls,
                fallback_models,
                max_retries=max_retries,
                max_retry_wait=max_retry_wait,
            )
            transport = (
                AsyncGatewayTransport(policy, sleep=_sleep) if _sleep else AsyncGatewayTransport(policy)
            )
            http_client = openai.DefaultAsyncHttpxClient(transport=transport)
        found = getattr(http_client, "_transport", None)
        self._gateway_transport = found if isinstance(found, AsyncGatewayTransport) else None
        super().__init__(
            api_key=key,
            base_url=url,
            default_headers=headers,
            http_client=http_client,
            max_retries=0 if self._gateway_transport else max_retries,
            **{**kwargs, "_enforce_credentials": False},
        )

    def copy(
        self,
        *,
        app_id: str | NotGiven | None = NOT_GIVEN,
        admin_key: str | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        **kwargs: Any,
    ) -> AsyncGateway:
        extra = {"admin_key": self.admin_key if isinstance(admin_key, NotGiven) else admin_key}
        if isinstance(app_id, str):
            kwargs["default_headers"] = {
                **kwargs.get("default_headers", {}),
                "X-App-ID": check_app_id(app_id),
            }
        elif app_id is None:
            kwargs["set_default_headers"] = {
                k: v for k, v in self._custom_headers.items() if k.lower() != "x-app-id"
            }
        t = self._gateway_transport
        if isinstance(max_retries, int) and t is not None and "http_client" not in kwargs:
            again = AsyncGatewayTransport(
                replace(t.policy, max_retries=max_retries), inner=t.inner, sleep=t.sleep
            )
            kwargs["http_client"] = openai.DefaultAsyncHttpxClient(transport=again)
        elif isinstance(max_retries, int):
            kwargs["max_retries"] = max_retries
        return super().copy(_extra_kwargs=extra, **kwargs)

    with_options = copy

    def _validate_headers(self, headers: Any, custom_headers: Any) -> None:
        """Without a key the request goes out unauthenticated: the gateway answers (a self-serve
        key creation succeeds, anything else is its 401, raised as ``openai.AuthenticationError``)."""

    @property
    def providers(self) -> AsyncProviders:
        return AsyncProviders(self)

    @property
    def router(self) -> AsyncRouter:
        return AsyncRouter(self)

    @property
    def keys(self) -> AsyncKeys:
        return AsyncKeys(self)

    @property
    def wallet(self) -> AsyncWallet:
        return AsyncWallet(self)

    @property
    def personalities(self) -> AsyncPersonalities:
        return AsyncPersonalities(self)

    async def report(self, format: str = "json", *, key: str | None = None, scope: str | None = None) -> Any:
        return await run_async(self, _calls.report(format, key, scope))
