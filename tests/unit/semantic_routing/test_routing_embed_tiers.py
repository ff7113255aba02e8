from __future__ import annotations

import numpy as np
import pytest

from gateway.semantic_routing import ModelProfile, get_embedder, predicted_difficulty, text_from_messages
from gateway.semantic_routing.tiers import complexity_tier, tier_for_difficulty
from gateway.semantic_routing.uniroute import score_candidates


def test_embedder_is_a_cached_unit_norm_singleton() -> None:
    embedder = get_embedder("wordllama:128")
    assert get_embedder("wordllama:128") is embedder
    v = embedder.embed("Which planet is the largest?")
    assert v.shape == (256,) and v.dtype == np.float32
    assert float(np.linalg.norm(v)) == pytest.approx(1.0, abs=1e-5)
    assert not embedder.embed("").any()


def test_long_prompts_keep_their_last_tokens() -> None:
    embedder = get_embedder("wordllama:32")
    ask = " ".join(["Write a Python function that merges two sorted lists of integers quickly."] * 4)
    a = embedder.embed("Ignore this preamble about astronomy and planets. " * 50 + ask)
    b = embedder.embed("A completely different few-shot block on cooking recipes. " * 80 + ask)
    c = embedder.embed(ask + " Ignore this preamble about astronomy and planets." * 50)
    assert np.allclose(a, b)
    assert not np.allclose(a, c)


def test_text_from_messages_keeps_text_parts_in_order() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "image_url", "image_url": {}}]},
        {"role": "assistant", "content": None},
        {"role": "user", "content": "Sort a list"},
    ]
    assert text_from_messages(messages) == "Be brief.\n\nHi\n\nSort a list"


PROFILES = {
    "a": ModelProfile("a", (0.1, 0.9), 1.0, "t", 1, "d"),
    "b": ModelProfile("b", (0.3, 0.5), 2.0, "t", 1, "d"),
    "new": ModelProfile("new", (1.0, 1.0), 0.1, "t", 1, "d"),
}


def test_difficulty_uses_the_reference_models_only() -> None:
    assert predicted_difficulty((1.0, 0.0), PROFILES, ["a", "b"]) == pytest.approx(0.2)
    assert predicted_difficulty((0.5, 0.5), PROFILES, ["a", "b"]) == pytest.approx(0.45)
    # A profiled newcomer does not shift the scale; with no reference left, all count.
    assert predicted_difficulty((1.0, 0.0), PROFILES, ["gone"]) == pytest.approx((0.1 + 0.3 + 1.0) / 3)


@pytest.mark.parametrize(
    ("difficulty", "tier"),
    [(0.0, "cheap"), (0.29, "cheap"), (0.3, "mid"), (0.59, "mid"), (0.6, "premium"), (1.0, "premium")],
)
def test_tier_cut_points(difficulty: float, tier: str) -> None:
    assert tier_for_difficulty(difficulty, (0.3, 0.6)) == tier


def test_complexity_tier_of_a_decision_ignores_cost_weight() -> None:
    from gateway.semantic_routing import default_router

    router = default_router()
    k = router.config.num_clusters
    tiers = set()
    for cluster in range(k):
        weights = tuple(1.0 if i == cluster else 0.0 for i in range(k))
        cheap = score_candidates(weights, router.profiles, cost_weight=100.0)
        best = score_candidates(weights, router.profiles, cost_weight=0.0)
        assert complexity_tier(cheap, router) == complexity_tier(best, router)
        tiers.add(complexity_tier(best, router))
    assert tiers <= {"cheap", "mid", "premium"}
