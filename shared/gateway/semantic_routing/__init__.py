"""Semantic model routing (UniRoute): pick a model per prompt from per-cluster error
profiles and a cost weight. A pure library; the HTTP surface lives elsewhere.

    from gateway.semantic_routing import default_router, complexity_tier
    decision = default_router().route(prompt, candidates=[...], cost_weight=0.5)
    decision.selected_model, complexity_tier(decision)

Importing this package is cheap: numpy, tokenizers and the embedding weights load on the
first route (see ``embed.py`` for the backends and how long prompts are truncated).
"""

from __future__ import annotations

from gateway.semantic_routing._bundle import ARTIFACTS_DIR, ModelProfile, RouterConfig, RoutingArtifactError
from gateway.semantic_routing.embed import (
    EmbeddingSpec,
    EmbeddingUnavailableError,
    get_embedder,
    text_from_messages,
)
from gateway.semantic_routing.tiers import TIERS, Tier, complexity_tier, predicted_difficulty
from gateway.semantic_routing.uniroute import (
    CandidateScore,
    RoutingDecision,
    UniRouter,
    UnknownProfileError,
    default_router,
    score_candidates,
)

__all__ = [
    "ARTIFACTS_DIR",
    "TIERS",
    "CandidateScore",
    "EmbeddingSpec",
    "EmbeddingUnavailableError",
    "ModelProfile",
    "RouterConfig",
    "RoutingArtifactError",
    "RoutingDecision",
    "Tier",
    "UniRouter",
    "UnknownProfileError",
    "complexity_tier",
    "default_router",
    "get_embedder",
    "predicted_difficulty",
    "score_candidates",
    "text_from_messages",
]
