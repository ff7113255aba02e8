"""Complexity tier of a routed prompt: ``cheap``, ``mid`` or ``premium`` (Pura's X-Pura-Tier).

The tier describes the *prompt*, not the price of the model that was picked: the
predicted difficulty is the prompt's cluster weights dotted with the mean error, per
cluster, of a fixed reference set of models (those profiled at training time):

    difficulty(x) = sum_k P(k | x) * mean_{m in reference} err_m[k]

It is cut at the terciles of that difficulty over the validation prompts (stored in
router.json at training), so on traffic like the training mix each tier gets about a third.

Why not the selected model's cost tercile: that depends on the request's cost_weight and
candidate list, so one prompt would change tier from request to request, and a
cost_weight of 0 would label everything premium. The reference set is fixed so that
profiling a new, weak model does not make every prompt look harder; if none of the
reference models is profiled any more, all profiled models are used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from gateway.semantic_routing._bundle import ModelProfile
    from gateway.semantic_routing.uniroute import RoutingDecision, UniRouter

Tier = Literal["cheap", "mid", "premium"]
TIERS: tuple[Tier, ...] = ("cheap", "mid", "premium")


def predicted_difficulty(
    cluster_weights: Sequence[float],
    profiles: Mapping[str, ModelProfile],
    reference_models: Sequence[str],
) -> float:
    """Expected error rate of a reference model on this prompt, in [0, 1]."""
    refs = [profiles[m] for m in reference_models if m in profiles] or list(profiles.values())
    if not refs:
        raise ValueError("no profiles to measure difficulty with")
    per_cluster = [sum(p.cluster_error[k] for p in refs) / len(refs) for k in range(len(cluster_weights))]
    return sum(w * d for w, d in zip(cluster_weights, per_cluster, strict=True))


def tier_for_difficulty(difficulty: float, thresholds: tuple[float, float]) -> Tier:
    low, high = thresholds
    if difficulty < low:
        return "cheap"
    return "mid" if difficulty < high else "premium"


def complexity_tier(decision: RoutingDecision, router: UniRouter | None = None) -> Tier:
    """The tier of the prompt behind ``decision`` (default: the shipped router's profiles)."""
    if router is None:
        from gateway.semantic_routing.uniroute import default_router

        router = default_router()
    difficulty = predicted_difficulty(
        decision.cluster_weights, router.profiles, router.config.tier_reference_models
    )
    return tier_for_difficulty(difficulty, router.config.tier_thresholds)
