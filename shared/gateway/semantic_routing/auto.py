"""The routing brain (gateway.semantic_routing) joined to the catalog: which catalog models can be
routed to, the decision for a request in catalog terms, and how it is reported.

Used by POST /v1/router and by ``model: "auto"`` on the chat and completion routes. Import
it lazily from the chat path: the first decision loads numpy, tokenizers and the WordLlama
weights (about 0.2 s once per process); importing this module loads none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from gateway.catalog.models import get_catalog
from gateway.errors import InvalidRequestError, NoProfileError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from gateway.catalog.models import Catalog, ModelInfo
    from gateway.context import RequestContext
    from gateway.schemas import Message
    from gateway.semantic_routing import CandidateScore, RoutingDecision, UniRouter


@dataclass(frozen=True)
class Decision:
    """A routing decision with models named by their catalog ids."""

    model: str
    """The selected catalog model."""
    tier: str
    """The prompt's complexity tier: cheap, mid or premium (Pura's X-Pura-Tier)."""
    routing: RoutingDecision
    models: dict[str, str]
    """Profile name -> catalog model id, for the candidates."""

    @property
    def selected(self) -> CandidateScore:
        return self.routing.candidates[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "selected_model": self.model,
            "tier": self.tier,
            "cost_weight": self.routing.cost_weight,
            "candidates": [
                {
                    "model": self.models[c.model],
                    "profile": c.model,
                    "predicted_error": round(c.predicted_error, 6),
                    "cost_usd": c.cost_usd,
                    "normalized_cost": round(c.cost_normalized, 6),
                    "score": round(c.score, 6),
                }
                for c in self.routing.candidates
            ],
            "cluster_weights": [round(w, 6) for w in self.routing.cluster_weights],
        }

    def headers(self) -> dict[str, str]:
        best = self.selected
        return {
            "x-gateway-router-score": f"{best.score:.6f}",
            "x-gateway-router-predicted-error": f"{best.predicted_error:.6f}",
            "x-gateway-router-cost-weight": f"{self.routing.cost_weight:g}",
            "x-gateway-router-candidates": str(len(self.routing.candidates)),
        }


def default_cost_weight(ctx: RequestContext) -> float:
    """The caller's ``default_cost_weight`` limit (set by an admin on the key), else 0."""
    limits = ctx.principal.limits if ctx.principal is not None else {}
    value = limits.get("default_cost_weight")
    return float(value) if value is not None else 0.0


def routable(catalog: Catalog, router: UniRouter) -> dict[str, ModelInfo]:
    """Profile name -> the catalog model it belongs to, for every profile the router has."""
    out: dict[str, ModelInfo] = {}
    for m in catalog.models:
        if m.profile is not None and m.profile in router.profiles and m.profile not in out:
            out[m.profile] = m
    return out


def _candidate_profiles(catalog: Catalog, router: UniRouter, models: Sequence[str] | None) -> dict[str, str]:
    """Profile name -> catalog id for the request's candidates; a 400 naming any that cannot be routed."""
    if models is None:
        found = routable(catalog, router)
        if not found:
            raise InvalidRequestError("No catalog model has a routing profile.", code="no_profiled_models")
        return {p: m.id for p, m in found.items()}
    out: dict[str, str] = {}
    for i, name in enumerate(models):
        model = catalog.find(name)
        if model is None:
            raise InvalidRequestError(
                f"The model `{name}` does not exist.", param=f"models[{i}]", code="model_not_found"
            )
        if model.profile is None or model.profile not in router.profiles:
            raise NoProfileError(
                f"The model `{name}` has no routing profile, so the router cannot choose it. "
                "Profiled models are listed at GET /v1/router/profiles.",
                param=f"models[{i}]",
            )
        out.setdefault(model.profile, model.id)
    if len(out) < 2:
        raise InvalidRequestError("`models` must name at least 2 different models.", param="models")
    return out


def _decide(messages: list[dict[str, Any]], models: Sequence[str] | None, cost_weight: float) -> Decision:
    from gateway.semantic_routing import complexity_tier, default_router, text_from_messages

    router = default_router()
    candidates = _candidate_profiles(get_catalog(), router, models)
    routing = router.route(text_from_messages(messages), candidates=list(candidates), cost_weight=cost_weight)
    return Decision(candidates[routing.selected_model], complexity_tier(routing, router), routing, candidates)


async def decide(messages: Sequence[Message], models: Sequence[str] | None, cost_weight: float) -> Decision:
    """Route ``messages`` among ``models`` (default: every profiled catalog model).

    CPU work (embedding, and loading the weights on first use) runs in a worker thread.
    Raises InvalidRequestError / NoProfileError naming an unknown or unprofiled model.
    """
    plain = [m.model_dump(exclude_none=True) for m in messages]
    return await anyio.to_thread.run_sync(
        _decide, plain, list(models) if models is not None else None, cost_weight
    )


__all__ = ["Decision", "decide", "default_cost_weight", "routable"]
