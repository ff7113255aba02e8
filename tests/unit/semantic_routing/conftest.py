"""A tiny, fully known routing world for the routing tests.

Two prompt families (Python coding tasks, astronomy multiple choice) and two models:
``cheap`` is always right on coding and always wrong on astronomy, ``pricey`` the reverse.
The bundle's two centroids are the mean embeddings of the families (hard assignment), so
every router quantity has an exact expected value.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gateway.semantic_routing._bundle import SCHEMA_VERSION, ModelProfile
from tools.semantic_routing._artifacts import profiles_document, write_arrays, write_json
from tools.semantic_routing._embeddings import embed_texts

EMBEDDING = "wordllama:128"
CHEAP_COST, PRICEY_COST = 1e-4, 1e-3
CODE = [
    f"Write a Python function that {task} and add type hints."
    for task in (
        "reverses a linked list",
        "parses a CSV file into dicts",
        "merges two sorted arrays",
        "computes the nth Fibonacci number",
        "removes duplicates from a list",
        "counts words in a string",
    )
]
ASTRO = [
    f"{q}\nA) Mars\nB) Jupiter\nC) Venus\nD) Saturn\nPrint only a single choice. Answer:"
    for q in (
        "Which planet is the largest in the solar system?",
        "Which planet has the most famous ring system?",
        "Which planet is closest in size to Earth?",
        "Which planet is known as the red planet?",
        "Which planet has the Great Red Spot?",
        "Which planet is the hottest?",
    )
]
ASTRO_GOLD = ["B", "D", "C", "A", "B", "C"]


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    import numpy as np

    centroids = np.stack([embed_texts(EMBEDDING, CODE).mean(0), embed_texts(EMBEDDING, ASTRO).mean(0)])
    write_arrays(out / "router.npz", {"centroids": centroids})
    write_json(
        out / "router.json",
        {
            "schema_version": SCHEMA_VERSION,
            "embedding": EMBEDDING,
            "num_clusters": 2,
            "assignment": "soft",
            "temperature": 0.0,
            "profile_prior_strength": 0.0,
            "tiers": {"thresholds": [0.25, 0.75], "reference_models": ["cheap", "pricey"]},
        },
    )
    profiles = [
        ModelProfile("cheap", (0.0, 1.0), CHEAP_COST, "test", 12, "2026-11-24"),
        ModelProfile("pricey", (1.0, 0.0), PRICEY_COST, "test", 12, "2026-11-24"),
    ]
    write_json(out / "profiles.json", profiles_document(centroids, EMBEDDING, profiles))
    write_json(
        out / "split.json", {"schema_version": SCHEMA_VERSION, "train": [], "validation": [], "test": []}
    )
    return out


@pytest.fixture(scope="session")
def tiny_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RouterBench columns; every astronomy row has gold, coding rows have none (like mbpp)."""
    path = tmp_path_factory.mktemp("csv") / "tiny.csv"
    models = ["cheap", "pricey"]
    header = ["sample_id", "prompt", "eval_name", "gold"] + [
        c for m in models for c in (m, f"{m}|total_cost")
    ]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i, p in enumerate(CODE):
            w.writerow([f"code.{i}", repr([p]), "code", "", 1.0, CHEAP_COST, 0.0, PRICEY_COST])
        for i, (p, g) in enumerate(zip(ASTRO, ASTRO_GOLD, strict=True)):
            w.writerow([f"astro.{i}", repr([p]), "astro", g, 0.0, CHEAP_COST, 1.0, PRICEY_COST])
    return path
