from __future__ import annotations

import itertools
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.semantic_routing import (
    ModelProfile,
    RoutingArtifactError,
    UniRouter,
    UnknownProfileError,
    default_router,
    score_candidates,
)
from tests.unit.semantic_routing.conftest import ASTRO, CODE

ROOT = Path(__file__).resolve().parents[3]


def _profile(name: str, errors: tuple[float, ...], cost: float) -> ModelProfile:
    return ModelProfile(name, errors, cost, "test", 10, "2026-11-24")


PROFILES = {
    "strong": _profile("strong", (0.1, 0.2, 0.1), 10.0),
    "medium": _profile("medium", (0.3, 0.3, 0.5), 2.0),
    "weak": _profile("weak", (0.6, 0.5, 0.9), 0.5),
    "odd": _profile("odd", (0.9, 0.05, 0.9), 4.0),
}
WEIGHTS = (0.5, 0.2, 0.3)


def test_cost_weight_zero_picks_lowest_predicted_error() -> None:
    decision = score_candidates(WEIGHTS, PROFILES, cost_weight=0.0)
    expected = {
        m: sum(w * e for w, e in zip(WEIGHTS, p.cluster_error, strict=True)) for m, p in PROFILES.items()
    }
    assert decision.selected_model == min(expected, key=expected.get) == "strong"
    assert {c.model: c.predicted_error for c in decision.candidates} == pytest.approx(expected)
    assert [c.score for c in decision.candidates] == sorted(c.score for c in decision.candidates)


def test_large_cost_weight_picks_cheapest_candidate() -> None:
    assert score_candidates(WEIGHTS, PROFILES, cost_weight=1e6).selected_model == "weak"
    assert score_candidates(WEIGHTS, PROFILES, ["strong", "odd"], cost_weight=1e6).selected_model == "odd"


def test_cluster_weights_decide_between_specialists() -> None:
    assert score_candidates((0.0, 1.0, 0.0), PROFILES).selected_model == "odd"
    assert score_candidates((1.0, 0.0, 0.0), PROFILES).selected_model == "strong"


def test_costs_are_normalised_over_the_whole_catalog_not_the_candidates() -> None:
    restricted = score_candidates(WEIGHTS, PROFILES, ["medium", "weak"], cost_weight=1.0)
    by_model = {c.model: c for c in restricted.candidates}
    assert by_model["medium"].cost_normalized == pytest.approx(2.0 / 10.0)
    assert by_model["weak"].cost_usd == 0.5
    assert by_model["weak"].score == pytest.approx(by_model["weak"].predicted_error + 0.05)


def test_raising_cost_weight_never_raises_the_selected_cost() -> None:
    rng = random.Random(3)
    for _ in range(200):
        k = rng.randint(1, 6)
        profiles = {
            f"m{i}": _profile(f"m{i}", tuple(rng.random() for _ in range(k)), rng.uniform(0.01, 5.0))
            for i in range(6)
        }
        raw = [rng.random() for _ in range(k)]
        weights = tuple(w / sum(raw) for w in raw)
        costs = [
            score_candidates(weights, profiles, cost_weight=cw).candidates[0].cost_usd
            for cw in [0.0, *(10 ** (e / 4) for e in range(-16, 17))]
        ]
        assert all(b <= a for a, b in itertools.pairwise(costs)), costs


def test_ties_go_to_the_cheaper_model() -> None:
    twins = {"a": _profile("a", (0.2,), 3.0), "b": _profile("b", (0.2,), 1.0)}
    assert score_candidates((1.0,), twins).selected_model == "b"


def test_unknown_candidate_raises_unknown_profile_error() -> None:
    with pytest.raises(UnknownProfileError) as info:
        score_candidates(WEIGHTS, PROFILES, ["strong", "gpt-99"])
    assert info.value.model == "gpt-99"
    assert isinstance(info.value, Exception) and "gpt-99" in str(info.value)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_invalid_cost_weight_is_rejected(bad: float) -> None:
    with pytest.raises(ValueError):
        score_candidates(WEIGHTS, PROFILES, cost_weight=bad)


def test_empty_candidate_list_is_rejected() -> None:
    with pytest.raises(ValueError):
        score_candidates(WEIGHTS, PROFILES, [])


def test_shipped_artifacts_load_with_routerbench_models() -> None:
    router = default_router()
    assert {"gpt-4-1106-preview", "claude-v2", "mistralai/mixtral-8x7b-chat"} <= set(router.models)
    # RouterBench's 11 (retired, kept for evaluation and the tier reference) and the 10
    # current models profiled offline from recorded outcomes.
    assert len(router.models) == 21
    assert {"gpt-4.1", "claude-haiku-4-5-20251001", "gemini-2.0-flash"} <= set(router.models)
    for p in router.profiles.values():
        assert len(p.cluster_error) == router.config.num_clusters
        assert all(0.0 <= e <= 1.0 for e in p.cluster_error)
        assert p.mean_cost_usd > 0 and p.validation_size > 0 and p.date and p.source
    data = ROOT / "shared" / "gateway" / "semantic_routing" / "data"
    assert sum(f.stat().st_size for f in data.iterdir()) < 400_000


def test_shipped_cluster_weights_are_a_distribution() -> None:
    import numpy as np

    router = default_router()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, router.centroids.shape[1]))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    for row in list(x) + list(router.centroids):
        w = router.cluster_weights(row)
        assert len(w) == router.config.num_clusters
        assert sum(w) == pytest.approx(1.0) and min(w) >= 0.0


def test_profiles_measured_against_other_centroids_are_refused(tmp_path: Path, tiny_bundle: Path) -> None:
    import numpy as np

    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    with np.load(copy / "router.npz") as npz:
        centroids = npz["centroids"] + 0.01
    np.savez(copy / "router.npz", centroids=centroids)
    with pytest.raises(RoutingArtifactError, match="other centroids"):
        UniRouter.load(copy)


def test_route_text_end_to_end(tiny_bundle: Path) -> None:
    router = UniRouter.load(tiny_bundle)
    code = router.route(CODE[0] + " Please be concise.")
    astro = router.route(ASTRO[0])
    assert code.cluster_weights == (1.0, 0.0) and code.selected_model == "cheap"
    assert astro.cluster_weights == (0.0, 1.0) and astro.selected_model == "pricey"
    assert router.route(ASTRO[0], cost_weight=10.0).selected_model == "cheap"
    assert astro.to_dict()["candidates"][0]["model"] == "pricey"
    with pytest.raises(UnknownProfileError):
        router.route(ASTRO[0], candidates=["nope"])


def test_importing_the_package_loads_no_heavy_module() -> None:
    code = (
        "import sys, gateway.semantic_routing, gateway.semantic_routing.uniroute, gateway.semantic_routing.embed, gateway.semantic_routing.tiers;"
        "heavy = {'numpy', 'onnxruntime', 'tokenizers', 'safetensors'} & set(sys.modules);"
        "sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=ROOT, env={"PYTHONPATH": f"{ROOT / 'shared'}:{ROOT}"}
    )
    assert result.returncode == 0
