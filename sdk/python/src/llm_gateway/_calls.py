"""The gateway's own routes as data: one ``Call`` per method, run by the sync or async client."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from openai import NotGiven

from llm_gateway import types as t

T = TypeVar("T")

LIMITS = ("daily_budget_usd", "rpm", "tpm", "free_requests", "max_concurrent", "default_cost_weight")
PERSONALITY_FIELDS = (
    "name",
    "description",
    "model",
    "tier",
    "system_prompt",
    "temperature",
    "max_tokens",
    "tools_allowed",
)


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    """Relative to the base URL (``.../v1/``)."""
    parse: Callable[[Any], T]
    body: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    admin: bool = False
    """Send the admin key (when the client has one) instead of the API key."""
    text: bool = False
    """The answer is text (the HTML report), not JSON."""


def given(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments the caller gave: ``None`` is kept (it removes a limit), NOT_GIVEN dropped."""
    return {k: v for k, v in fields.items() if not isinstance(v, NotGiven)}


def _id(value: str) -> str:
    return quote(value, safe=":@")


def providers(model: str | None) -> Call[t.ProviderList]:
    params = {"model": model} if model else {}
    return Call("get", "providers", t.ProviderList.model_validate, params=params)


def route(
    messages: Iterable[Mapping[str, Any]], models: list[str] | None, cost_weight: float | None
) -> Call[t.RouterDecision]:
    body: dict[str, Any] = {"messages": list(messages), "execute": False}
    body.update({k: v for k, v in (("models", models), ("cost_weight", cost_weight)) if v is not None})
    return Call("post", "router", t.RouterDecision.model_validate, body=body)


def profiles() -> Call[t.RoutingProfiles]:
    return Call("get", "router/profiles", t.RoutingProfiles.model_validate)


def create_key(label: str | None, limits: dict[str, Any], has_admin: bool) -> Call[t.KeyCreated]:
    body = {"label": label, **limits} if label is not None else dict(limits)
    return Call("post", "keys", t.KeyCreated.model_validate, body=body, admin=has_admin)


def list_keys(limit: int, cursor: str | None) -> Call[t.KeyList]:
    params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
    return Call("get", "keys", t.KeyList.model_validate, params=params, admin=True)


def update_key(key_id: str, fields: dict[str, Any]) -> Call[t.Key]:
    return Call("patch", f"keys/{_id(key_id)}", t.Key.model_validate, body=fields, admin=True)


def revoke_key(key_id: str) -> Call[t.KeyDeleted]:
    return Call("delete", f"keys/{_id(key_id)}", t.KeyDeleted.model_validate, admin=True)


def fund(amount: int) -> Call[t.Invoice]:
    return Call("post", "wallet/fund", t.Invoice.model_validate, body={"amount": amount})


def invoice_status(invoice_id: str) -> Call[t.Invoice]:
    return Call("get", "wallet/status", t.Invoice.model_validate, params={"invoiceId": invoice_id})


def balance() -> Call[t.Balance]:
    return Call("get", "wallet/balance", t.Balance.model_validate)


def report(fmt: str, key: str | None, scope: str | None) -> Call[Any]:
    if fmt not in ("json", "html"):
        raise ValueError("format is 'json' or 'html'")
    params = {"format": fmt, **{k: v for k, v in (("key", key), ("scope", scope)) if v}}
    parse: Callable[[Any], Any] = str if fmt == "html" else t.Report.model_validate
    return Call("get", "report", parse, params=params, admin=bool(key or scope), text=fmt == "html")


def list_personalities() -> Call[t.PersonalityList]:
    return Call("get", "personalities", t.PersonalityList.model_validate)


def create_personality(personality_id: str, fields: dict[str, Any]) -> Call[t.Personality]:
    path = f"personalities/{_id(personality_id)}"
    return Call("post", path, t.Personality.model_validate, body=fields, admin=True)


def update_personality(personality_id: str, fields: dict[str, Any]) -> Call[t.Personality]:
    path = f"personalities/{_id(personality_id)}"
    return Call("patch", path, t.Personality.model_validate, body=fields, admin=True)


def delete_personality(personality_id: str) -> Call[t.PersonalityDeleted]:
    path = f"personalities/{_id(personality_id)}"
    return Call("delete", path, t.PersonalityDeleted.model_validate, admin=True)
