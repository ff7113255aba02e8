"""The transports under the openai client: retries and fallbacks for every request it sends.

The rules are in ``_policy``. A 2xx is handed on unread, so streams stream; only error
answers (small JSON) are read to decide. A request the gateway may have started (a read
timeout, a stream cut half way) is never sent again: only connection failures and whole
error answers are.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx2

from llm_gateway._policy import Policy, is_model_error, model_of, rebase, retry_wait, with_model

UNREACHABLE = (httpx2.ConnectError, httpx2.ConnectTimeout)


class _Outcome:
    """What the fallback loop has seen so far: the answer to keep and the last failure."""

    def __init__(self) -> None:
        self.kept: httpx2.Response | None = None
        self.error: Exception | None = None

    def keep(self, response: httpx2.Response) -> None:
        self.kept = response  # error answers are read (and so closed) before they are kept

    def final(self) -> httpx2.Response:
        if self.kept is not None:
            return self.kept
        assert self.error is not None
        raise self.error


def _candidates(request: httpx2.Request, policy: Policy) -> list[httpx2.Request]:
    if not policy.models or model_of(request) is None:
        return [request]
    return [request, *(with_model(request, m) for m in policy.models)]


class GatewayTransport(httpx2.BaseTransport):
    def __init__(
        self,
        policy: Policy,
        inner: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy
        self.inner = inner or httpx2.HTTPTransport()
        self.sleep = sleep

    def _send(self, request: httpx2.Request) -> httpx2.Response:
        retries = 0
        while True:
            response = self.inner.handle_request(request)
            if response.status_code < 400:
                return response
            response.read()
            wait = retry_wait(self.policy, response, retries)
            if wait is None:
                return response
            response.close()
            self.sleep(wait)
            retries += 1

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        primary, outcome = self.policy.base_urls[0], _Outcome()
        candidates = _candidates(request, self.policy)
        for n, candidate in enumerate(candidates):
            reached = False
            for base_url in self.policy.base_urls:
                try:
                    response = self._send(rebase(candidate, primary, base_url))
                except UNREACHABLE as exc:
                    outcome.error = exc
                    continue
                reached = True
                if response.status_code < 400 or not (
                    response.status_code >= 500 or (is_model_error(response) and n + 1 < len(candidates))
                ):
                    outcome.keep(response)
                    return response
                outcome.keep(response)
                if response.status_code < 500:
                    break  # a model error: the next model, from the first base URL again
            if not reached:
                break  # no base URL answered: another model would not be reached either
        return outcome.final()

    def close(self) -> None:
        self.inner.close()


class AsyncGatewayTransport(httpx2.AsyncBaseTransport):
    def __init__(
        self,
        policy: Policy,
        inner: httpx2.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.policy = policy
        self.inner = inner or httpx2.AsyncHTTPTransport()
        self.sleep = sleep

    async def _send(self, request: httpx2.Request) -> httpx2.Response:
        retries = 0
        while True:
            response = await self.inner.handle_async_request(request)
            if response.status_code < 400:
                return response
            await response.aread()
            wait = retry_wait(self.policy, response, retries)
            if wait is None:
                return response
            await response.aclose()
            await self.sleep(wait)
            retries += 1

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        primary, outcome = self.policy.base_urls[0], _Outcome()
        candidates = _candidates(request, self.policy)
        for n, candidate in enumerate(candidates):
            reached = False
            for base_url in self.policy.base_urls:
                try:
                    response = await self._send(rebase(candidate, primary, base_url))
                except UNREACHABLE as exc:
                    outcome.error = exc
                    continue
                reached = True
                if response.status_code < 400 or not (
                    response.status_code >= 500 or (is_model_error(response) and n + 1 < len(candidates))
                ):
                    outcome.keep(response)
                    return response
                outcome.keep(response)
                if response.status_code < 500:
                    break
            if not reached:
                break
        return outcome.final()

    async def aclose(self) -> None:
        await self.inner.aclose()
