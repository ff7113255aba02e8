"""The router with a refinement (gateway.semantic_routing._subclusters): sub-clusters under the
tiny bundle's astronomy cluster, a model profiled in them, and models that were not."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from gateway.semantic_routing import ModelProfile, RoutingArtifactError, UniRouter, score_candidates
from gateway.semantic_routing._subclusters import NO_REFINEMENT, Refinement
from gateway.semantic_routing.uniroute import predicted_error
from tests.unit.semantic_routing.conftest import ASTRO, CHEAP_COST, CODE, EMBEDDING, PRICEY_COST
from tools.semantic_routing._artifacts import profiles_document, write_json, write_subclusters
from tools.semantic_routing._embeddings import embed_texts

ASTRO_CLUSTER = 1
SPECIALIST_COST = 5e-4
#: ASTRO[0] is nearest the first sub-centroid, every other astronomy prompt the second.
FIRST_SUB, SECOND_SUB = ASTRO[0], ASTRO[3]


def _refinement() -> Refinement:
    centroids = embed_texts(EMBEDDING, [FIRST_SUB, SECOND_SUB]).astype(np.float32)
    return Refinement({ASTRO_CLUSTER: centroids}, {ASTRO_CLUSTER: 0.0}, 0.0)


def _profiles() -> list[ModelProfile]:
    # The tiny world's two models, profiled before the refinement, and a specialist that is
    # right on the first kind of astronomy prompt and wrong on the second.
    return [
        ModelProfile("cheap", (0.0, 1.0), CHEAP_COST, "test", 12, "2026-11-24"),
        ModelProfile("pricey", (1.0, 0.0), PRICEY_COST, "test", 12, "2026-11-24"),
        ModelProfile(
            "specialist", (0.5, 0.5), SPECIALIST_COST, "test", 12, "2026-11-24", {ASTRO_CLUSTER: (0.0, 1.0)}
        ),
    ]


@pytest.fixture
def refined_bundle(tmp_path: Path, tiny_bundle: Path) -> Path:
    out = tmp_path / "refined"
    shutil.copytree(tiny_bundle, out)
    parent = UniRouter.load(tiny_bundle).centroids
    refinement = _refinement()
    write_subclusters(out, refinement, parent, {"from": "test"})
    write_json(out / "profiles.json", profiles_document(parent, EMBEDDING, _profiles(), refinement.digest))
    return out


def test_a_bundle_without_subclusters_loads_and_routes_as_before(tiny_bundle: Path) -> None:
    router = UniRouter.load(tiny_bundle)
    assert router.refinement == NO_REFINEMENT and router.refinement.sizes == {}
    decision = router.route(ASTRO[0])
    assert decision.subcluster_weights == {} and decision.to_dict()["subcluster_weights"] == {}
    x = embed_texts(EMBEDDING, CODE + ASTRO)
    psi = np.asarray([router.profiles[m].cluster_error for m in ("cheap", "pricey")])
    assert np.array_equal(
        router.batch_predicted_error(x, ["cheap", "pricey"]),
        router.batch_cluster_weights(x) @ psi.T,
    )


def test_a_prompt_in_a_refined_cluster_is_scored_by_its_subcluster(refined_bundle: Path) -> None:
    router = UniRouter.load(refined_bundle)
    assert router.refinement.sizes == {ASTRO_CLUSTER: 2}
    first = router.route(FIRST_SUB, candidates=["specialist", "pricey"])
    assert first.subcluster_weights == {ASTRO_CLUSTER: (1.0, 0.0)}
    by_model = {c.model: c.predicted_error for c in first.candidates}
    assert by_model == {"specialist": 0.0, "pricey": 0.0}
    assert first.selected_model == "specialist"  # as good here, and cheaper
    assert first.to_dict()["subcluster_weights"] == {"1": [1.0, 0.0]}
    second = router.route(SECOND_SUB, candidates=["specialist", "pricey"])
    assert second.subcluster_weights == {ASTRO_CLUSTER: (0.0, 1.0)}
    assert second.selected_model == "pricey"
    assert {c.model: c.predicted_error for c in second.candidates}["specialist"] == 1.0


def test_a_model_without_subcluster_errors_keeps_its_parent_error(refined_bundle: Path) -> None:
    router = UniRouter.load(refined_bundle)
    for prompt in (FIRST_SUB, SECOND_SUB):
        by_model = {c.model: c.predicted_error for c in router.route(prompt).candidates}
        assert (by_model["cheap"], by_model["pricey"]) == (1.0, 0.0)
    # Whatever the sub-cluster weights, a model profiled only at the top level scores with
    # its cluster errors, bit for bit.
    weights = (0.3, 0.7)
    cheap = router.profiles["cheap"]
    assert predicted_error(weights, cheap, {ASTRO_CLUSTER: (0.25, 0.75)}) == 0.3 * 0.0 + 0.7 * 1.0
    specialist = router.profiles["specialist"]
    assert predicted_error(weights, specialist, {ASTRO_CLUSTER: (0.25, 0.75)}) == pytest.approx(
        0.3 * 0.5 + 0.7 * 0.75
    )
    assert predicted_error(weights, specialist, {}) == pytest.approx(0.5)


def test_a_prompt_in_an_unrefined_cluster_routes_exactly_as_before(
    tiny_bundle: Path, refined_bundle: Path
) -> None:
    before, after = UniRouter.load(tiny_bundle), UniRouter.load(refined_bundle)
    for prompt in CODE:
        old = before.route(prompt, cost_weight=0.5)
        new = after.route(prompt, candidates=["cheap", "pricey"], cost_weight=0.5)
        assert new.candidates == old.candidates and new.cluster_weights == old.cluster_weights
        specialist = after.route(prompt, candidates=["specialist"]).candidates[0]
        assert specialist.predicted_error == 0.5  # its coding error: no sub-cluster there


def test_batch_predictions_are_the_ones_served(refined_bundle: Path) -> None:
    router = UniRouter.load(refined_bundle)
    models = ["cheap", "pricey", "specialist"]
    prompts = CODE + ASTRO
    batch = router.batch_predicted_error(embed_texts(EMBEDDING, prompts), models)
    for i, prompt in enumerate(prompts):
        served = {c.model: c.predicted_error for c in router.route(prompt, candidates=models).candidates}
        assert [served[m] for m in models] == pytest.approx(batch[i].tolist())


def test_score_candidates_without_subcluster_weights_uses_parent_errors() -> None:
    profiles = {p.model: p for p in _profiles()}
    decision = score_candidates((0.0, 1.0), profiles, ["specialist"])
    assert decision.candidates[0].predicted_error == 0.5 and decision.subcluster_weights == {}


def test_profiles_counted_under_other_subclusters_are_refused(refined_bundle: Path) -> None:
    document = json.loads((refined_bundle / "profiles.json").read_text())
    document["subclusters_sha256"] = "0" * 64
    (refined_bundle / "profiles.json").write_text(json.dumps(document))
    with pytest.raises(RoutingArtifactError, match="other sub-clusters"):
        UniRouter.load(refined_bundle)


def test_subcluster_errors_without_a_refinement_are_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    parent = UniRouter.load(tiny_bundle).centroids
    write_json(
        bundle / "profiles.json", profiles_document(parent, EMBEDDING, _profiles(), _refinement().digest)
    )
    with pytest.raises(RoutingArtifactError, match="other sub-clusters"):
        UniRouter.load(bundle)


def test_subclusters_fitted_under_other_centroids_are_refused(refined_bundle: Path) -> None:
    meta = json.loads((refined_bundle / "subclusters.json").read_text())
    meta["centroids_sha256"] = "0" * 64
    (refined_bundle / "subclusters.json").write_text(json.dumps(meta))
    with pytest.raises(RoutingArtifactError, match="other centroids"):
        UniRouter.load(refined_bundle)


def test_half_a_refinement_is_refused(refined_bundle: Path) -> None:
    (refined_bundle / "subclusters.npz").unlink()
    with pytest.raises(RoutingArtifactError, match="sub-clusters"):
        UniRouter.load(refined_bundle)


def test_profile_json_names_subcluster_errors_only_when_it_has_them() -> None:
    plain, specialist = _profiles()[0], _profiles()[2]
    assert set(plain.to_json()) == {"cluster_error", "mean_cost_usd", "source", "validation_size", "date"}
    assert specialist.to_json()["subcluster_error"] == {"1": [0.0, 1.0]}


def test_the_decision_explains_its_subcluster_weights() -> None:
    from gateway.semantic_routing.auto import Decision

    view = Decision("m", "mid", "uniroute", 0.1, (0.0, 1.0), {1: (0.25, 0.75)}).to_dict()
    assert view["cluster_weights"] == [0.0, 1.0] and view["subcluster_weights"] == {"1": [0.25, 0.75]}
