from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.unit.semantic_routing.conftest import CHEAP_COST, PRICEY_COST
from tools.semantic_routing import evaluate
from tools.semantic_routing._curves import (
    area_under,
    nondecreasing_hull,
    random_router_points,
    router_points,
    summarize,
)

SINGLES = [(1.0, 0.5), (3.0, 0.9)]


def test_zero_router_is_the_line_between_single_models() -> None:
    s = summarize(SINGLES, SINGLES)
    assert s.area == pytest.approx(0.7)  # mean of a line from 0.5 to 0.9
    assert s.qnc == pytest.approx(1.0)  # best quality only at the priciest model


def test_router_reaching_best_quality_early() -> None:
    s = summarize([(1.0, 0.5), (2.0, 0.9)], SINGLES)
    assert s.area == pytest.approx((0.7 * 1 + 0.9 * 1) / 2)
    assert s.qnc == pytest.approx(2.0 / 3.0)


def test_router_that_never_reaches_best_quality_has_null_qnc() -> None:
    s = summarize([(1.0, 0.5), (2.0, 0.6)], SINGLES)
    assert s.qnc is None
    assert s.area == pytest.approx((0.55 + 0.6) / 2)


def test_curve_is_zero_below_the_cheapest_point() -> None:
    assert summarize([(2.0, 0.8)], SINGLES).area == pytest.approx(0.4)


def test_hull_drops_dominated_and_concave_points() -> None:
    hull = nondecreasing_hull([(1, 0.5), (2, 0.55), (3, 0.9), (4, 0.8), (3, 0.2)])
    assert hull == [(1.0, 0.5), (3.0, 0.9)]
    assert area_under(hull, 1.0, 5.0) == pytest.approx((0.7 * 2 + 0.9 * 2) / 4)


def test_router_points_follow_the_cost_weight() -> None:
    # Prompt 0: model 1 (pricey) is predicted right; prompt 1: both predicted equal.
    pred = np.array([[0.9, 0.1], [0.5, 0.5]])
    correct = np.array([[0.0, 1.0], [1.0, 1.0]])
    cost = np.array([[1.0, 4.0], [1.0, 4.0]])
    points = router_points(pred, np.array([0.25, 1.0]), correct, cost, [0.0, 10.0])
    assert points[0] == pytest.approx((2.5, 1.0))  # pricey on prompt 0, tie -> cheap on prompt 1
    assert points[1] == pytest.approx((1.0, 0.5))  # cheap everywhere


def test_random_router_mixes_the_cheapest_models_uniformly() -> None:
    correct = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    cost = np.array([[3.0, 1.0, 2.0], [3.0, 1.0, 2.0]])
    points = random_router_points(correct, cost)  # by cost: (1, q 0), (2, q 1), (3, q 0.5)
    assert np.array(points) == pytest.approx(np.array([(1.0, 0.0), (1.5, 0.5), (2.0, 0.5)]))


def test_evaluate_on_a_known_world(
    tiny_bundle: Path, tiny_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert evaluate.main(["--data", str(tiny_csv), "--artifacts", str(tiny_bundle)]) == 0
    report = json.loads(capsys.readouterr().out)
    routers = report["routers"]
    assert report["rows"].startswith("all 12 rows")
    # Each model is right on half the prompts: Zero is flat at 0.5 from the cheap model.
    assert routers["zero"]["area"] == pytest.approx(0.5)
    assert routers["zero"]["qnc"] == pytest.approx(CHEAP_COST / PRICEY_COST, abs=1e-4)
    # UniRoute sends coding to cheap, astronomy to pricey: quality 1 at the mean cost.
    mid = (CHEAP_COST + PRICEY_COST) / 2
    expected = ((mid - CHEAP_COST) * 0.75 + (PRICEY_COST - mid) * 1.0) / (PRICEY_COST - CHEAP_COST)
    assert routers["uniroute"]["area"] == pytest.approx(expected, abs=1e-4)
    assert routers["uniroute"]["max_quality"] == 1.0
    assert report["uniroute_beats_zero"] is True
    assert routers["random"]["area"] == pytest.approx(0.5)
