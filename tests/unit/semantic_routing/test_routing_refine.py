"""Fitting and choosing a refinement (tools.semantic_routing._refine, _refine_select) and the
offline profiler that ships it."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gateway.semantic_routing import ModelProfile, UniRouter
from gateway.semantic_routing._bundle import SCHEMA_VERSION
from gateway.semantic_routing._subclusters import Refinement
from tests.unit.semantic_routing.conftest import CHEAP_COST, EMBEDDING, PRICEY_COST
from tools.semantic_routing import profile
from tools.semantic_routing._artifacts import profiles_document, write_arrays, write_json
from tools.semantic_routing._embeddings import embed_texts
from tools.semantic_routing._refine import count_in_refinement, subcluster_error
from tools.semantic_routing._refine_select import choose
from tools.semantic_routing.validation_set import Item

SUBCLUSTER_FILES = ("subclusters.json", "subclusters.npz")

_TASKS = ("reverses", "sorts", "deduplicates", "counts", "merges", "parses", "validates")
_THINGS = ("a linked list", "a CSV file", "two arrays", "a JSON document", "a binary tree")
CODE = [f"Write a Python function that {t} {o} and add type hints." for t in _TASKS for o in _THINGS]
_PLANETS = ("Mars", "Jupiter", "Venus", "Saturn", "Mercury")
_QUESTIONS = ("largest", "hottest", "coldest", "brightest", "densest", "windiest", "smallest")
ASTRO = [
    f"Which planet is the {q} in the solar system?\nA) {p}\nB) Earth\nC) Neptune\nD) Uranus\nAnswer:"
    for q in _QUESTIONS
    for p in _PLANETS
]


def test_subcluster_error_shrinks_toward_the_parent() -> None:
    labels = np.array([0, 0, 0, 1])
    correct = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    parent = np.array([0.5, 0.25])
    raw = subcluster_error(labels, correct, 3, parent, prior_strength=0.0)
    # Sub-cluster 2 holds no row: the parent's error stands in, even with no prior.
    assert raw == pytest.approx(np.array([[1 / 3, 1.0, 0.5], [2 / 3, 0.0, 0.25]]))
    m = 4.0
    shrunk = subcluster_error(labels, correct, 3, parent, prior_strength=m)
    assert shrunk[0, 0] == pytest.approx((1 + m * 0.5) / (3 + m))
    assert shrunk[1, 1] == pytest.approx((0 + m * 0.25) / (1 + m))
    assert shrunk[:, 2] == pytest.approx(parent)


def test_a_model_without_rows_in_a_refined_cluster_gets_no_subcluster_errors() -> None:
    refinement = Refinement({1: np.eye(2, 3, dtype=np.float32)}, {1: 0.0}, 5.0)
    x = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    correct = np.array([[1.0], [0.0]])
    psi = np.array([[0.5, 0.2]])
    assert count_in_refinement(refinement, x, np.array([0, 0]), correct, psi) == {}
    found = count_in_refinement(refinement, x, np.array([1, 1]), correct, psi)
    assert found[1] == pytest.approx(np.array([[(0 + 5 * 0.2) / 6, (1 + 5 * 0.2) / 6]]))


def _row(s: int, m: float | None, folds: list[float]) -> dict[str, object]:
    return {"subclusters": s, "prior_strength": m, "cv_area": float(np.mean(folds)), "folds": folds}


def test_choose_needs_a_lead_beyond_one_standard_error() -> None:
    base = [0.95, 0.88, 0.95, 1.0, 0.95]
    one_fold = [0.95, 0.88, 0.9744, 1.0, 0.95]  # one more answer right, in one rotation
    everywhere = [0.99, 0.93, 0.99, 1.0, 0.99]
    zero = _row(1, None, base) | {"subclusters": None}
    assert choose([_row(1, None, base), _row(4, 5.0, one_fold), zero])["subclusters"] == 1
    picked = choose([_row(1, None, base), _row(2, 40.0, everywhere), _row(2, 5.0, everywhere), zero])
    assert (picked["subclusters"], picked["prior_strength"]) == (2, 40.0)  # the stronger prior
    # Differences far below one answer (a sub-micro-dollar shift of the cheapest point) do
    # not make the more complex configuration win.
    tiny = [a + 1e-6 for a in everywhere]
    picked = choose([_row(1, None, base), _row(2, 40.0, everywhere), _row(8, 5.0, tiny)])
    assert (picked["subclusters"], picked["prior_strength"]) == (2, 40.0)


@pytest.fixture(scope="module")
def one_cluster_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One top-level cluster holding both families, and a model profiled before refinements."""
    out = tmp_path_factory.mktemp("one_cluster")
    centroids = embed_texts(EMBEDDING, CODE + ASTRO).mean(0, keepdims=True)
    write_arrays(out / "router.npz", {"centroids": centroids})
    write_json(
        out / "router.json",
        {
            "schema_version": SCHEMA_VERSION,
            "embedding": EMBEDDING,
            "num_clusters": 1,
            "assignment": "soft",
            "temperature": 0.0,
            "profile_prior_strength": 3.0,
            "tiers": {"thresholds": [0.25, 0.75], "reference_models": ["old"]},
        },
    )
    old = ModelProfile("old", (0.3,), PRICEY_COST, "test", 10, "2026-11-24")
    write_json(out / "profiles.json", profiles_document(centroids, EMBEDDING, [old]))
    return out


@pytest.fixture(scope="module")
def two_family_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``cheap`` is right on every coding prompt and wrong on every astronomy one; ``pricey``
    is always right. Both families land in the one top-level cluster."""
    path = tmp_path_factory.mktemp("csv") / "families.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "sample_id",
                "prompt",
                "eval_name",
                "gold",
                "cheap",
                "cheap|total_cost",
                "pricey",
                "pricey|total_cost",
            ]
        )
        for i, p in enumerate(CODE):
            w.writerow([f"code.{i}", repr([p]), "code", "", 1.0, CHEAP_COST, 1.0, PRICEY_COST])
        for i, p in enumerate(ASTRO):
            w.writerow([f"astro.{i}", repr([p]), "astro", "A", 0.0, CHEAP_COST, 1.0, PRICEY_COST])
    return path


def _profile_offline(bundle: Path, csv_path: Path, *extra: str) -> dict[str, Any]:
    argv = ["--from-csv", str(csv_path), "--artifacts", str(bundle), "--date", "2026-11-24", *extra]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert profile.main(argv) == 0
    report: dict[str, Any] = json.loads(out.getvalue())
    return report


@pytest.fixture(scope="module")
def refined(
    tmp_path_factory: pytest.TempPathFactory, one_cluster_bundle: Path, two_family_csv: Path
) -> tuple[Path, dict[str, Any]]:
    """The one-cluster bundle after ``profile --from-csv`` of the two families, and its report."""
    bundle = tmp_path_factory.mktemp("refined") / "bundle"
    shutil.copytree(one_cluster_bundle, bundle)
    return bundle, _profile_offline(bundle, two_family_csv)


def test_offline_profiling_refines_a_densely_covered_cluster(refined: tuple[Path, dict[str, Any]]) -> None:
    bundle, report = refined
    assert report["refinement"]["dense_parents"] == {"0": report["rows_profiled"]}
    assert report["subclusters"] == {"0": 2}  # the simplest split that separates the families
    router = UniRouter.load(bundle)
    assert router.refinement.sizes == {0: 2}
    # Right on one family, wrong on the other: each cell moves from the cluster's error
    # (about a half) toward 0 or 1, as far as the chosen prior lets it.
    low, high = sorted(router.profiles["cheap"].subcluster_error[0])
    parent = router.profiles["cheap"].cluster_error[0]
    assert low < parent - 0.1 and high > parent + 0.1
    assert router.profiles["old"].subcluster_error == {}  # profiled before: keeps its cluster error
    code = router.route(CODE[0], candidates=["cheap", "pricey", "old"], cost_weight=0.5)
    astro = router.route(ASTRO[0], candidates=["cheap", "pricey", "old"], cost_weight=0.5)
    assert code.selected_model == "cheap" and astro.selected_model == "pricey"
    assert {c.model: c.predicted_error for c in astro.candidates}["old"] == 0.3


def test_refinement_artifacts_are_byte_stable(
    tmp_path: Path,
    refined: tuple[Path, dict[str, Any]],
    one_cluster_bundle: Path,
    two_family_csv: Path,
) -> None:
    names = ("profiles.json", *SUBCLUSTER_FILES)
    built = {n: (refined[0] / n).read_bytes() for n in names}
    fresh, again = tmp_path / "fresh", tmp_path / "again"
    shutil.copytree(one_cluster_bundle, fresh)
    shutil.copytree(refined[0], again)
    _profile_offline(fresh, two_family_csv)
    _profile_offline(again, two_family_csv)  # over its own output, as a second make train-router
    assert built == {n: (fresh / n).read_bytes() for n in names}
    assert built == {n: (again / n).read_bytes() for n in names}


def test_a_profile_for_an_overlay_keeps_the_shipped_refinement(
    tmp_path: Path, refined: tuple[Path, dict[str, Any]], two_family_csv: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(refined[0], bundle)
    shipped = {n: (bundle / n).read_bytes() for n in ("profiles.json", *SUBCLUSTER_FILES)}
    overlay = tmp_path / "overlay.json"
    report = _profile_offline(bundle, two_family_csv, "--model", "cheap", "--out", str(overlay))
    assert "refinement" not in report  # counted under the refinement it found, not refitted
    assert shipped == {n: (bundle / n).read_bytes() for n in shipped}
    document = json.loads(overlay.read_text())
    assert document["subclusters_sha256"] == UniRouter.load(bundle).refinement.digest
    assert document["models"]["cheap"] == json.loads(shipped["profiles.json"])["models"]["cheap"]


def test_a_live_profile_counts_its_prompts_in_the_subclusters(refined: tuple[Path, dict[str, Any]]) -> None:
    router = UniRouter.load(refined[0])
    items = [Item(f"a{i}", "astro", "A", p) for i, p in enumerate(ASTRO[:6])]
    outcomes = [profile.Outcome(i, True, 1e-4) for i in range(len(items))]
    new, counts = profile.build_profile(router, "newbie", items, outcomes, None, "2026-11-24")
    assert counts == [6] and new.cluster_error == pytest.approx((0.0,))
    assert set(new.subcluster_error) == {0}
    assert min(new.subcluster_error[0]) == 0.0  # its astronomy cell; the other leans on the prior


def test_training_drops_subclusters_of_the_previous_centroids(tmp_path: Path) -> None:
    from tools.semantic_routing._artifacts import remove_subclusters

    for name in SUBCLUSTER_FILES:
        (tmp_path / name).write_text("stale")
    remove_subclusters(tmp_path)
    assert not any((tmp_path / n).exists() for n in SUBCLUSTER_FILES)
