"""The routing brain (gateway.semantic_routing) joined to the catalog: which catalog models can be
routed to, the decision for a request in catalog terms, and how it is reported.

Used by POST /v1/router and by ``model: "auto"`` (or no ``model``) on the chat and completion
routes. Candidates are the *servable* catalog models (``catalog/servable.py``: not retired,
a provider with credentials). Two ways to decide:

- ``uniroute``: at least two servable candidates have a routing profile; the lowest
  predicted error plus cost_weight x normalised cost wins.
- ``tier``: fewer than two do (say, a deployment whose keys reach only unprofiled models);
  the prompt's complexity tier, predicted from the same clusters, picks that tier's model:
  ``ROUTING_TIER_MODELS`` where set and servable, else the catalog's first servable active
  model of the tier (then the neighbouring tiers).

A retired model or one no configured provider serves is never chosen. Import this module
lazily from the chat path: the first decision loads numpy, tokenizers and the WordLlama
weights (about 0.2 s once per process); importing it loads none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import anyio

from gateway.catalog.models import get_catalog
from gateway.catalog.servable import servable, unservable_reason
from gateway.errors import InvalidRequestError, NoProfileError
from gateway.settings import get_settings

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from gateway.catalog.models import Catalog, ModelInfo
    from gateway.context import RequestContext
    from gateway.schemas import Message
    from gateway.semantic_routing import CandidateScore, UniRouter
    from gateway.settings import Settings

Method = Literal["uniroute", "tier"]
#: The tiers tried, in order, when a tier has no servable model of its own.
_TIER_ORDER = {
    "cheap": ("cheap", "mid", "premium"),
    "mid": ("mid", "premium", "cheap"),
    "premium": ("premium", "mid", "cheap"),
}


@dataclass(frozen=True)
class Decision:
    """A routing decision with models named by their catalog ids."""

    model: str
    """The selected catalog model."""
    tier: str
    """The prompt's complexity tier: cheap, mid or premium (Pura's X-Pura-Tier)."""
    method: Method
    cost_weight: float
    cluster_weights: tuple[float, ...]
    subcluster_weights: Mapping[int, tuple[float, ...]] = field(default_factory=dict)
    """Refined cluster -> P(sub-cluster | prompt, cluster); empty without a refinement."""
    candidates: tuple[CandidateScore, ...] = ()
    """UniRoute's scores, best first (empty for tier routing)."""
    models: dict[str, str] = field(default_factory=dict)
    """Profile name -> catalog model id, for the candidates."""
    reason: str = ""
    """One sentence: why this model."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "selected_model": self.model,
            "method": self.method,
            "reason": self.reason,
            "tier": self.tier,
            "cost_weight": self.cost_weight,
            "candidates": [
                {
                    "model": self.models[c.model],
                    "profile": c.model,
                    "predicted_error": round(c.predicted_error, 6),
                    "cost_usd": c.cost_usd,
                    "normalized_cost": round(c.cost_normalized, 6),
                    "score": round(c.score, 6),
                }
                for c in self.candidates
            ],
            "cluster_weights": [round(w, 6) for w in self.cluster_weights],
            "subcluster_weights": {
                str(p): [round(w, 6) for w in ws] for p, ws in self.subcluster_weights.items()
            },
        }

    def headers(self) -> dict[str, str]:
        out = {
            "x-gateway-router-method": self.method,
            "x-gateway-router-cost-weight": f"{self.cost_weight:g}",
            "x-gateway-router-candidates": str(len(self.candidates)),
        }
        if self.candidates:
            best = self.candidates[0]
            out["x-gateway-router-score"] = f"{best.score:.6f}"
            out["x-gateway-router-predicted-error"] = f"{best.predicted_error:.6f}"
        return out


def default_cost_weight(ctx: RequestContext) -> float:
    """The caller's ``default_cost_weight`` limit (set by an admin on the key), else the
    deployment's (``ROUTING_DEFAULT_COST_WEIGHT``, default 0.1; docs/ROUTING.md)."""
    limits = ctx.principal.limits if ctx.principal is not None else {}
    value = limits.get("default_cost_weight")
    return float(value) if value is not None else get_settings().routing.default_cost_weight


def profile_name(model: ModelInfo, router: UniRouter) -> str | None:
    """The routing profile of a catalog model: its ``profile`` entry, else its id or an alias."""
    for name in (model.profile, model.id, *model.aliases):
        if name is not None and name in router.profiles:
            return name
    return None


def routable(catalog: Catalog, router: UniRouter) -> dict[str, ModelInfo]:
    """Profile name -> the catalog model it belongs to, for every profile the router has."""
    out: dict[str, ModelInfo] = {}
    for m in catalog.models:
        name = profile_name(m, router)
        if name is not None and name not in out:
            out[name] = m
    return out


def _explicit_candidates(
    catalog: Catalog, settings: Settings, router: UniRouter, models: Sequence[str]
) -> dict[str, str]:
    """Profile name -> catalog id for a request's ``models``; a 400 naming any that cannot be routed."""
    out: dict[str, str] = {}
    for i, name in enumerate(models):
        param = f"models[{i}]"
        model = catalog.find(name)
        if model is None:
            raise InvalidRequestError(
                f"The model `{name}` does not exist.", param=param, code="model_not_found"
            )
        why = unservable_reason(model, catalog, settings)
        if why is not None:
            code = "model_retired" if model.status == "retired" else "model_not_servable"
            raise InvalidRequestError(f"The router cannot choose `{name}`: {why}.", param=param, code=code)
        profile = profile_name(model, router)
        if profile is None:
            raise NoProfileError(
                f"The model `{name}` has no routing profile, so the router cannot choose it. "
                "Profiled models are listed at GET /v1/router/profiles; "
                "`python -m tools.semantic_routing.profile --model <id>` adds one.",
                param=param,
            )
        out.setdefault(profile, model.id)
    if len(out) < 2:
        raise InvalidRequestError("`models` must name at least 2 different models.", param="models")
    return out


def servable_candidates(catalog: Catalog, settings: Settings, router: UniRouter) -> dict[str, str]:
    """Profile name -> catalog id for every servable catalog model that has a profile."""
    return {p: m.id for p, m in routable(catalog, router).items() if servable(m, catalog, settings)}


def tier_model(tier: str, catalog: Catalog, settings: Settings) -> tuple[ModelInfo, str]:
    """The model tier routing sends a ``tier`` prompt to, and where that choice came from."""
    for t in _TIER_ORDER.get(tier, _TIER_ORDER["mid"]):
        configured = settings.routing.tier_models.get(t)
        found = catalog.find(configured) if configured else None
        if found is not None and servable(found, catalog, settings):
            return found, f"ROUTING_TIER_MODELS[{t}]"
        for m in catalog.models:
            if m.tier == t and m.status == "active" and servable(m, catalog, settings):
                return m, f"the catalog's first servable {t} model"
    raise InvalidRequestError(
        "No catalog model can be served: configure a provider key.", param="model", code="no_servable_models"
    )


def _decide(messages: list[dict[str, Any]], models: Sequence[str] | None, cost_weight: float) -> Decision:
    from gateway.semantic_routing import default_router, get_embedder, score_candidates, text_from_messages
    from gateway.semantic_routing.tiers import predicted_difficulty, tier_for_difficulty

    if cost_weight < 0:
        raise InvalidRequestError("cost_weight must be >= 0.", param="cost_weight")
    settings, catalog = get_settings(), get_catalog()
    router = default_router(settings.routing.profiles_path)
    explicit = models is not None
    candidates = (
        _explicit_candidates(catalog, settings, router, models)
        if models is not None
        else servable_candidates(catalog, settings, router)
    )
    embedding = get_embedder(router.config.embedding).embed(text_from_messages(messages))
    weights, sub = router.cluster_weights(embedding), router.subcluster_weights(embedding)
    difficulty = predicted_difficulty(weights, router.profiles, router.config.tier_reference_models)
    tier = tier_for_difficulty(difficulty, router.config.tier_thresholds)
    if explicit or len(candidates) >= 2:
        routing = score_candidates(weights, router.profiles, list(candidates), cost_weight, sub)
        return Decision(
            model=candidates[routing.selected_model],
            tier=tier,
            method="uniroute",
            cost_weight=routing.cost_weight,
            cluster_weights=routing.cluster_weights,
            subcluster_weights=routing.subcluster_weights,
            candidates=routing.candidates,
            models=candidates,
            reason=(
                f"lowest predicted error + {routing.cost_weight:g} x normalized cost among "
                f"{len(candidates)} {'requested' if explicit else 'servable profiled'} models"
            ),
        )
    model, source = tier_model(tier, catalog, settings)
    return Decision(
        model=model.id,
        tier=tier,
        method="tier",
        cost_weight=float(cost_weight),
        cluster_weights=weights,
        subcluster_weights=sub,
        reason=(
            f"fewer than 2 servable models have a routing profile, so the prompt's complexity "
            f"tier ({tier}, predicted from its clusters) picked {source}"
        ),
    )


async def decide(messages: Sequence[Message], models: Sequence[str] | None, cost_weight: float) -> Decision:
    """Route ``messages`` among ``models`` (default: every servable catalog model).

    CPU work (embedding, and loading the weights on first use) runs in a worker thread.
    Raises InvalidRequestError / NoProfileError naming an unknown, unservable or unprofiled model.
    """
    plain = [m.model_dump(exclude_none=True) for m in messages]
    return await anyio.to_thread.run_sync(
        _decide, plain, list(models) if models is not None else None, cost_weight
    )


__all__ = [
    "Decision",
    "decide",
    "default_cost_weight",
    "profile_name",
    "routable",
    "servable_candidates",
    "tier_model",
]
