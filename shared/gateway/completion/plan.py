"""Planning a completion: the request as adapters will see it, its targets in failover order,
the providers cooling down, and its admission (limits counted, the worst-case cost held)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.accounting import admission as accounting
from gateway.catalog import params
from gateway.catalog.models import get_catalog
from gateway.catalog.targets import load_keys, resolve
from gateway.completion import legacy_functions
from gateway.errors import InvalidRequestError
from gateway.settings import get_settings
from gateway.store import health

if TYPE_CHECKING:
    from gateway.accounting.admission import Admission
    from gateway.catalog.targets import Target
    from gateway.context import RequestContext
    from gateway.schemas import ChatCompletionRequest


def new_id(prefix: str = "chatcmpl") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


@dataclass(slots=True)
class Plan:
    request: ChatCompletionRequest
    """The request as adapters see it (legacy ``functions`` rewritten onto tools)."""
    targets: list[Target]
    admission: Admission
    legacy: bool = False
    """The client used ``functions``: answers go back as ``function_call``."""
    cooling: frozenset[str] = frozenset()
    """Providers in a shared cooldown when the request was planned (tried last, not skipped)."""


def _takes_output_limit(request: ChatCompletionRequest, target: Target) -> bool:
    try:
        params.check_output_limit(request, target)
    except InvalidRequestError:
        return False
    return True


def _primary_first(targets: list[Target], provider: str) -> list[Target]:
    """The PurAI seed's ``primaryProvider``: its targets first, then the others in order."""
    if provider not in get_catalog().providers:
        raise InvalidRequestError(
            f"Unknown provider `{provider}` in primaryProvider; GET /v1/providers?model=<id> lists them.",
            param="primaryProvider",
            code="unknown_provider",
        )
    return [t for t in targets if t.provider_id == provider] + [
        t for t in targets if t.provider_id != provider
    ]


async def plan(request: ChatCompletionRequest, ctx: RequestContext) -> Plan:
    legacy = legacy_functions.uses_functions(request)
    request = legacy_functions.to_tools(request)
    # Provider keys kept in SSM are fetched off the event loop, at most once per cache lifetime.
    await load_keys(get_catalog(), get_settings())
    targets = resolve(
        get_catalog(), get_settings(), request.model, provider=request.provider, fallbacks=request.fallbacks
    )
    if request.primaryProvider is not None:
        targets = _primary_first(targets, request.primaryProvider)
    # The first target's refusal is the client's to hear; later targets are skipped instead.
    params.fit(request, targets[0], drop=bool(request.drop_params))
    # A fallback that cannot produce the output limit asked for is never tried, so it is not held for.
    targets = [targets[0], *(t for t in targets[1:] if _takes_output_limit(request, t))]
    providers = list(dict.fromkeys(t.provider_id for t in targets))
    # With one provider there is nothing to reorder (the last option is always tried): no read.
    cooling = await health.cooling(providers) if len(providers) > 1 else set()
    admission = await accounting.admit(ctx, request, targets)
    return Plan(request, targets, admission, legacy, frozenset(cooling))


__all__ = ["Plan", "new_id", "plan"]
