"""The gateway's own routes as resources of the sync and async clients (built in ``_calls``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from openai import NOT_GIVEN, AsyncStream, NotGiven, Stream
from openai._types import RequestOptions
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from llm_gateway import _calls
from llm_gateway import types as t
from llm_gateway._calls import Call, given

if TYPE_CHECKING:
    from llm_gateway._client import AsyncGateway, Gateway

T = TypeVar("T")
Messages = Iterable[Mapping[str, Any]]


def _options(client: Gateway | AsyncGateway, call: Call[Any]) -> RequestOptions:
    options: RequestOptions = {}
    if call.params:
        options["params"] = call.params
    if call.admin and client.admin_key:
        options["headers"] = {"Authorization": f"Bearer {client.admin_key}"}
    return options


def run(client: Gateway, call: Call[T]) -> T:
    cast_to: Any = str if call.text else object
    options = _options(client, call)
    if call.method == "get":
        raw = client.get(call.path, cast_to=cast_to, options=options)
    elif call.method == "post":
        raw = client.post(call.path, cast_to=cast_to, body=call.body, options=options)
    elif call.method == "patch":
        raw = client.patch(call.path, cast_to=cast_to, body=call.body, options=options)
    else:
        raw = client.delete(call.path, cast_to=cast_to, options=options)
    return call.parse(raw)


async def run_async(client: AsyncGateway, call: Call[T]) -> T:
    cast_to: Any = str if call.text else object
    options = _options(client, call)
    if call.method == "get":
        raw = await client.get(call.path, cast_to=cast_to, options=options)
    elif call.method == "post":
        raw = await client.post(call.path, cast_to=cast_to, body=call.body, options=options)
    elif call.method == "patch":
        raw = await client.patch(call.path, cast_to=cast_to, body=call.body, options=options)
    else:
        raw = await client.delete(call.path, cast_to=cast_to, options=options)
    return call.parse(raw)


def _execute_body(
    messages: Messages,
    models: list[str] | None,
    cost_weight: float | None,
    max_tokens: int | None,
    temperature: float | None,
    stream: bool,
) -> dict[str, Any]:
    body = dict(_calls.route(messages, models, cost_weight).body or {}, execute=True, stream=stream)
    body.update(
        {k: v for k, v in (("max_tokens", max_tokens), ("temperature", temperature)) if v is not None}
    )
    return body


class Providers:
    def __init__(self, client: Gateway) -> None:
        self._client = client

    def list(self, model: str | None = None) -> t.ProviderList:
        """The providers serving ``model`` (the gateway's default model when None)."""
        return run(self._client, _calls.providers(model))


class Router:
    def __init__(self, client: Gateway) -> None:
        self._client = client

    def route(
        self, messages: Messages, *, models: list[str] | None = None, cost_weight: float | None = None
    ) -> t.RouterDecision:
        """The model the router would choose, and why (``execute: false``: nothing is billed)."""
        return run(self._client, _calls.route(messages, models, cost_weight))

    @overload
    def complete(
        self,
        messages: Messages,
        *,
        models: list[str] | None = ...,
        cost_weight: float | None = ...,
        max_tokens: int | None = ...,
        temperature: float | None = ...,
        stream: Literal[False] = ...,
    ) -> ChatCompletion: ...
    @overload
    def complete(
        self,
        messages: Messages,
        *,
        models: list[str] | None = ...,
        cost_weight: float | None = ...,
        max_tokens: int | None = ...,
        temperature: float | None = ...,
        stream: Literal[True],
    ) -> Stream[ChatCompletionChunk]: ...
    def complete(
        self,
        messages: Messages,
        *,
        models: list[str] | None = None,
        cost_weight: float | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stream: bool = False,
    ) -> ChatCompletion | Stream[ChatCompletionChunk]:
        """Route and run the completion. The decision is on the completion's (or the first
        chunk's) ``router`` field: ``types.RouterDecision.model_validate(c.model_extra["router"])``."""
        body = _execute_body(messages, models, cost_weight, max_tokens, temperature, stream)
        return self._client.post(
            "router", cast_to=ChatCompletion, body=body, stream=stream, stream_cls=Stream[ChatCompletionChunk]
        )

    def profiles(self) -> t.RoutingProfiles:
        return run(self._client, _calls.profiles())


class Keys:
    """Key creation is self-serve without the admin key; limits, listing, changes and
    revocation need it (``Gateway(admin_key=...)`` or ``GATEWAY_ADMIN_KEY``)."""

    def __init__(self, client: Gateway) -> None:
        self._client = client

    def create(
        self,
        label: str | None = None,
        *,
        daily_budget_usd: float | NotGiven | None = NOT_GIVEN,
        rpm: int | NotGiven | None = NOT_GIVEN,
        tpm: int | NotGiven | None = NOT_GIVEN,
        free_requests: int | NotGiven | None = NOT_GIVEN,
        max_concurrent: int | NotGiven | None = NOT_GIVEN,
        default_cost_weight: float | NotGiven | None = NOT_GIVEN,
    ) -> t.KeyCreated:
        """A new key; ``.key`` is the plain key, shown once."""
        limits = given(locals())
        del limits["self"], limits["label"]
        return run(self._client, _calls.create_key(label, limits, bool(self._client.admin_key)))

    def list(self, *, limit: int = 100, cursor: str | None = None) -> t.KeyList:
        return run(self._client, _calls.list_keys(limit, cursor))

    def update(
        self,
        key_id: str,
        *,
        label: str | NotGiven | None = NOT_GIVEN,
        status: Literal["active", "revoked"] | NotGiven = NOT_GIVEN,
        daily_budget_usd: float | NotGiven | None = NOT_GIVEN,
        rpm: int | NotGiven | None = NOT_GIVEN,
        tpm: int | NotGiven | None = NOT_GIVEN,
        free_requests: int | NotGiven | None = NOT_GIVEN,
        max_concurrent: int | NotGiven | None = NOT_GIVEN,
        default_cost_weight: float | NotGiven | None = NOT_GIVEN,
    ) -> t.Key:
        """Change what is given; a limit given as None is removed. ``key_id`` may be ``jwt:<sub>``."""
        fields = given(locals())
        del fields["self"], fields["key_id"]
        return run(self._client, _calls.update_key(key_id, fields))

    def revoke(self, key_id: str) -> t.KeyDeleted:
        return run(self._client, _calls.revoke_key(key_id))


class Wallet:
    def __init__(self, client: Gateway) -> None:
        self._client = client

    def fund(self, amount: int) -> t.Invoice:
        """A Lightning invoice for ``amount`` satoshis; pay ``.paymentRequest``, then poll ``status``."""
        return run(self._client, _calls.fund(amount))

    def status(self, invoice_id: str) -> t.Invoice:
        """The invoice; polling a paid one credits the balance, exactly once."""
        return run(self._client, _calls.invoice_status(invoice_id))

    def balance(self) -> t.Balance:
        return run(self._client, _calls.balance())


class Personalities:
    """``/v1/personalities``: listing for any key; create, update and delete with the admin key."""

    def __init__(self, client: Gateway) -> None:
        self._client = client

    def list(self) -> t.PersonalityList:
        return run(self._client, _calls.list_personalities())

    def create(
        self,
        personality_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven = NOT_GIVEN,
        model: str | NotGiven = NOT_GIVEN,
        tier: str | NotGiven = NOT_GIVEN,
        system_prompt: str | NotGiven = NOT_GIVEN,
        temperature: float | NotGiven = NOT_GIVEN,
        max_tokens: int | NotGiven = NOT_GIVEN,
        tools_allowed: bool | NotGiven = NOT_GIVEN,
    ) -> t.Personality:
        fields = given(locals())
        del fields["self"], fields["personality_id"]
        return run(self._client, _calls.create_personality(personality_id, fields))

    def update(
        self,
        personality_id: str,
        *,
        name: str | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        model: str | NotGiven | None = NOT_GIVEN,
        tier: str | NotGiven | None = NOT_GIVEN,
        system_prompt: str | NotGiven | None = NOT_GIVEN,
        temperature: float | NotGiven | None = NOT_GIVEN,
        max_tokens: int | NotGiven | None = NOT_GIVEN,
        tools_allowed: bool | NotGiven | None = NOT_GIVEN,
    ) -> t.Personality:
        fields = given(locals())
        del fields["self"], fields["personality_id"]
        return run(self._client, _calls.update_personality(personality_id, fields))

    def delete(self, personality_id: str) -> t.PersonalityDeleted:
        return run(self._client, _calls.delete_personality(personality_id))


# The async twins, one for one.


class AsyncProviders:
    def __init__(self, client: AsyncGateway) -> None:
        self._client = client

    async def list(self, model: str | None = None) -> t.ProviderList:
        """The providers serving ``model`` (the gateway's default model when None)."""
        return await run_async(self._client, _calls.providers(model))


class AsyncRouter:
    def __init__(self, client: AsyncGateway) -> None:
        self._client = client

    async def route(
        self, messages: Messages, *, models: list[str] | None = None, cost_weight: float | None = None
    ) -> t.RouterDecision:
        """The model the router would choose, and why (``execute: false``: nothing is billed)."""
        return await run_async(self._client, _calls.route(messages, models, cost_weight))

    @overload
    async def complete(
        self,
        messages: Messages,
        *,
        models: list[str] | None = ...,
        cost_weight: float | None = ...,
        max_tokens: int | None = ...,
        temperature: float | None = ...,
        stream: Literal[False] = ...,
    ) -> ChatCompletion: ...
    @overload
    async def complete(
        self,
        messages: Messages,
        *,
        models: list[str] | None = ...,
        cost_weight: float | None = ...,
        max_tokens: int | None = ...,
        temperature: float | None = ...,
        stream: Literal[True],
    ) -> AsyncStream[ChatCompletionChunk]: ...
    async def complete(
        self,
        messages: Messages,
        *,
        models: list[str] | None = None,
        cost_weight: float | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stream: bool = False,
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]:
        """Route and run the completion. The decision is on the completion's (or the first
        chunk's) ``router`` field: ``types.RouterDecision.model_validate(c.model_extra["router"])``."""
        body = _execute_body(messages, models, cost_weight, max_tokens, temperature, stream)
        return await self._client.post(
            "router",
            cast_to=ChatCompletion,
            body=body,
            stream=stream,
            stream_cls=AsyncStream[ChatCompletionChunk],
        )

    async def profiles(self) -> t.RoutingProfiles:
        return await run_async(self._client, _calls.profiles())


class AsyncKeys:
    """Key creation is self-serve without the admin key; limits, listing, changes and
    revocation need it (``Gateway(admin_key=...)`` or ``GATEWAY_ADMIN_KEY``)."""

    def __init__(self, client: AsyncGateway) -> None:
        self._client = client

    async def create(
        self,
        label: str | None = None,
        *,
        daily_budget_usd: float | NotGiven | None = NOT_GIVEN,
        rpm: int | NotGiven | None = NOT_GIVEN,
        tpm: int | NotGiven | None = NOT_GIVEN,
        free_requests: int | NotGiven | None = NOT_GIVEN,
        max_concurrent: int | NotGiven | None = NOT_GIVEN,
        default_cost_weight: float | NotGiven | None = NOT_GIVEN,
    ) -> t.KeyCreated:
        """A new key; ``.key`` is the plain key, shown once."""
        limits = given(locals())
        del limits["self"], limits["label"]
        return await run_async(self._client, _calls.create_key(label, limits, bool(self._client.admin_key)))

    async def list(self, *, limit: int = 100, cursor: str | None = None) -> t.KeyList:
        return await run_async(self._client, _calls.list_keys(limit, cursor))

    async def update(
        self,
        key_id: str,
        *,
        label: str | NotGiven | None = NOT_GIVEN,
        status: Literal["active", "revoked"] | NotGiven = NOT_GIVEN,
        daily_budget_usd: float | NotGiven | None = NOT_GIVEN,
        rpm: int | NotGiven | None = NOT_GIVEN,
        tpm: int | NotGiven | None = NOT_GIVEN,
        free_requests: int | NotGiven | None = NOT_GIVEN,
        max_concurrent: int | NotGiven | None = NOT_GIVEN,
        default_cost_weight: float | NotGiven | None = NOT_GIVEN,
    ) -> t.Key:
        """Change what is given; a limit given as None is removed. ``key_id`` may be ``jwt:<sub>``."""
        fields = given(locals())
        del fields["self"], fields["key_id"]
        return await run_async(self._client, _calls.update_key(key_id, fields))

    async def revoke(self, key_id: str) -> t.KeyDeleted:
        return await run_async(self._client, _calls.revoke_key(key_id))


class AsyncWallet:
    def __init__(self, client: AsyncGateway) -> None:
        self._client = client

    async def fund(self, amount: int) -> t.Invoice:
        """A Lightning invoice for ``amount`` satoshis; pay ``.paymentRequest``, then poll ``status``."""
        return await run_async(self._client, _calls.fund(amount))

    async def status(self, invoice_id: str) -> t.Invoice:
        """The invoice; polling a paid one credits the balance, exactly once."""
        return await run_async(self._client, _calls.invoice_status(invoice_id))

    async def balance(self) -> t.Balance:
        return await run_async(self._client, _calls.balance())


class AsyncPersonalities:
    """``/v1/personalities``: listing for any key; create, update and delete with the admin key."""

    def __init__(self, client: AsyncGateway) -> None:
        self._client = client

    async def list(self) -> t.PersonalityList:
        return await run_async(self._client, _calls.list_personalities())

    async def create(
        self,
        personality_id: str,
        *,
        name: str | NotGiven = NOT_GIVEN,
        description: str | NotGiven = NOT_GIVEN,
        model: str | NotGiven = NOT_GIVEN,
        tier: str | NotGiven = NOT_GIVEN,
        system_prompt: str | NotGiven = NOT_GIVEN,
        temperature: float | NotGiven = NOT_GIVEN,
        max_tokens: int | NotGiven = NOT_GIVEN,
        tools_allowed: bool | NotGiven = NOT_GIVEN,
    ) -> t.Personality:
        fields = given(locals())
        del fields["self"], fields["personality_id"]
        return await run_async(self._client, _calls.create_personality(personality_id, fields))

    async def update(
        self,
        personality_id: str,
        *,
        name: str | NotGiven | None = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        model: str | NotGiven | None = NOT_GIVEN,
        tier: str | NotGiven | None = NOT_GIVEN,
        system_prompt: str | NotGiven | None = NOT_GIVEN,
        temperature: float | NotGiven | None = NOT_GIVEN,
        max_tokens: int | NotGiven | None = NOT_GIVEN,
        tools_allowed: bool | NotGiven | None = NOT_GIVEN,
    ) -> t.Personality:
        fields = given(locals())
        del fields["self"], fields["personality_id"]
        return await run_async(self._client, _calls.update_personality(personality_id, fields))

    async def delete(self, personality_id: str) -> t.PersonalityDeleted:
        return await run_async(self._client, _calls.delete_personality(personality_id))
