from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from gateway.semantic_routing._assign import hard_assign, learned_assign, soft_assign
from tools.semantic_routing._dataset import parse_prompt, stratified_split
from tools.semantic_routing._fit import cluster_error, error_log_loss, train_learned_map
from tools.semantic_routing._kmeans import kmeans


def test_split_is_stratified_disjoint_and_order_independent() -> None:
    ids = [f"s{i}" for i in range(200)]
    strata = ["a"] * 120 + ["b"] * 50 + ["c"] * 30
    split = stratified_split(ids, strata)
    rows = split["train"] + split["validation"] + split["test"]
    assert sorted(rows) == list(range(200))
    for name, share in (("train", 0.6), ("validation", 0.2), ("test", 0.2)):
        counts = Counter(strata[i] for i in split[name])
        assert counts == {"a": round(120 * share), "b": round(50 * share), "c": round(30 * share)}
    # Same rows (by id) when the CSV comes in another order.
    order = list(reversed(range(200)))
    again = stratified_split([ids[i] for i in order], [strata[i] for i in order])
    assert {ids[order[i]] for i in again["test"]} == {ids[i] for i in split["test"]}
    assert stratified_split(ids, strata, seed=1)["test"] != split["test"]


def test_parse_prompt_reads_the_literal_list() -> None:
    assert parse_prompt("['Hello\\nworld']") == "Hello\nworld"
    assert parse_prompt("plain text, not a literal") == "plain text, not a literal"


def test_kmeans_finds_separated_blobs_deterministically() -> None:
    rng = np.random.default_rng(0)
    centers = np.array([[5.0, 0.0], [0.0, 5.0], [-5.0, -5.0]])
    x = np.concatenate([c + rng.normal(scale=0.3, size=(40, 2)) for c in centers])
    found, _ = kmeans(x, 3, seed=1)
    again, _ = kmeans(x, 3, seed=1)
    assert np.array_equal(found, again)
    order = [int(np.argmin(((found - c) ** 2).sum(1))) for c in centers]
    assert sorted(order) == [0, 1, 2]
    assert np.allclose(found[order], centers, atol=0.2)


def test_cluster_error_counts_and_shrinks() -> None:
    labels = np.array([0, 0, 0, 1])
    correct = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    raw = cluster_error(labels, correct, 3, prior_strength=0.0)
    # Cluster 2 has no prompt: the model's overall error stands in.
    assert raw == pytest.approx(np.array([[1 / 3, 1.0, 0.5], [2 / 3, 0.0, 0.5]]))
    shrunk = cluster_error(labels, correct, 3, prior_strength=2.0)
    assert shrunk[0, 1] == pytest.approx((1.0 + 2 * 0.5) / (1 + 2))
    assert shrunk[:, 2] == pytest.approx([0.5, 0.5])


def test_soft_assignment_rows_sum_to_one_and_hard_is_the_limit() -> None:
    rng = np.random.default_rng(2)
    x, c = rng.normal(size=(30, 8)), rng.normal(size=(5, 8))
    soft = soft_assign(x, c, 0.5)
    assert np.allclose(soft.sum(1), 1.0) and (soft >= 0).all()
    assert np.array_equal(soft_assign(x, c, 0.0).argmax(1), hard_assign(x, c))
    assert np.allclose(soft_assign(x, c, 1e-6), soft_assign(x, c, 0.0))


def test_learned_map_learns_which_cluster_explains_the_labels() -> None:
    # Model 0 is right exactly when coordinate 0 is positive, model 1 exactly when it is not;
    # profile: model m errs in cluster m. So positive prompts belong in cluster 1.
    rng = np.random.default_rng(4)
    x = rng.normal(size=(600, 4))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    side = (x[:, 0] > 0).astype(int)
    correct = np.stack([side, 1 - side], axis=1).astype(float)
    psi = np.array([[0.95, 0.05], [0.05, 0.95]])  # (M, K)
    learned = train_learned_map(x[:400], correct[:400], psi, x[400:], correct[400:])
    uniform = error_log_loss(np.full((200, 2), 0.5), psi, correct[400:])
    assert learned.steps > 0 and learned.validation_loss < 0.5 * uniform
    weights = learned_assign(x[400:], learned.weight, learned.bias)
    assert (weights.argmax(1) == side[400:]).mean() > 0.95
