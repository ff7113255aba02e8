"""Quality-cost deferral curves, their area (RouterBench's AIQ) and QNC.

Definitions (docs/ROUTING.md repeats them):

- A router with a cost knob (UniRoute's ``cost_weight``) gives one operating point per knob
  value: (mean USD cost per prompt, mean quality) over the evaluation rows.
- Any two operating points can be mixed by flipping a biased coin per prompt, and spending
  more can never be forced to lose quality, so a router's curve is the *non-decreasing upper
  convex hull* of its points: the upper hull up to its highest-quality vertex, flat after.
  Below its cheapest point a router cannot operate and the curve is 0.
- ``area``: the integral of that curve over ``[c_min, c_max]``, the cost range of the single
  models on the evaluation rows, divided by ``c_max - c_min``; the units are quality.
- ``qnc``: the smallest cost at which the curve reaches the best single model's quality,
  divided by ``c_max`` (the most expensive single model's mean cost); None if never reached.
- Zero router: the curve of the single models' points (the best any mix of fixed models
  can do without looking at the prompt).
- Random router: route each prompt uniformly at random among the j cheapest models,
  j = 1..M, scored by expectation (no sampling noise).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True)
class CurveSummary:
    area: float
    qnc: float | None
    points: tuple[Point, ...]
    hull: tuple[Point, ...]


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def nondecreasing_hull(points: Sequence[Point]) -> list[Point]:
    """Vertices of the upper convex hull, left to right, cut at its highest-quality vertex."""
    if not points:
        raise ValueError("no operating points")
    # Per cost keep the best quality; sort by cost (then quality) for the monotone chain.
    best: dict[float, float] = {}
    for c, q in points:
        best[float(c)] = max(float(q), best.get(float(c), float("-inf")))
    hull: list[Point] = []
    for p in sorted(best.items()):
        while len(hull) >= 2 and _cross(hull[-2], hull[-1], p) >= 0:
            hull.pop()
        hull.append(p)
    top = max(range(len(hull)), key=lambda i: (hull[i][1], -i))
    return hull[: top + 1]


def curve_at(hull: Sequence[Point], c: float) -> float:
    """The router's quality when it may spend ``c`` per prompt on average."""
    if c < hull[0][0]:
        return 0.0
    for (c0, q0), (c1, q1) in itertools.pairwise(hull):
        if c <= c1:
            return q0 + (q1 - q0) * (c - c0) / (c1 - c0)
    return hull[-1][1]


def area_under(hull: Sequence[Point], c_min: float, c_max: float) -> float:
    """Mean of the hull curve over [c_min, c_max] (exact: the curve is piecewise linear)."""
    if c_max <= c_min:
        raise ValueError("empty cost range")
    knots = sorted({c_min, c_max, *(c for c, _ in hull if c_min < c < c_max)})
    # The curve is linear strictly between knots (it may jump at the first vertex, which is
    # a knot), so the midpoint rule is exact per interval.
    total = sum((b - a) * curve_at(hull, (a + b) / 2.0) for a, b in itertools.pairwise(knots))
    return total / (c_max - c_min)


def cost_to_reach(hull: Sequence[Point], target: float) -> float | None:
    """Smallest cost at which the hull curve is >= target, None if it never is."""
    eps = 1e-12
    if hull[0][1] >= target - eps:
        return hull[0][0]
    for (c0, q0), (c1, q1) in itertools.pairwise(hull):
        if q1 >= target - eps:
            return c0 + (c1 - c0) * (target - q0) / (q1 - q0)
    return None


def summarize(points: Sequence[Point], single_points: Sequence[Point]) -> CurveSummary:
    """Area and QNC of a router's points, on the range set by the single models' points."""
    costs = [c for c, _ in single_points]
    c_min, c_max = min(costs), max(costs)
    best_quality = max(q for _, q in single_points)
    hull = nondecreasing_hull(points)
    reach = cost_to_reach(hull, best_quality)
    return CurveSummary(
        area=area_under(hull, c_min, c_max),
        qnc=None if reach is None else reach / c_max,
        points=tuple((float(c), float(q)) for c, q in points),
        hull=tuple(hull),
    )


def single_model_points(correct: np.ndarray, cost_usd: np.ndarray) -> list[Point]:
    """(mean cost, mean quality) of each model column, i.e. the Zero router's points."""
    return [(float(c), float(q)) for c, q in zip(cost_usd.mean(0), correct.mean(0), strict=True)]


def random_router_points(correct: np.ndarray, cost_usd: np.ndarray) -> list[Point]:
    """Uniform random choice among the j cheapest models, j = 1..M, in expectation."""
    singles = sorted(single_model_points(correct, cost_usd))
    return [
        (sum(c for c, _ in singles[:j]) / j, sum(q for _, q in singles[:j]) / j)
        for j in range(1, len(singles) + 1)
    ]


def router_points(
    predicted_error: np.ndarray,
    normalized_cost: np.ndarray,
    correct: np.ndarray,
    cost_usd: np.ndarray,
    cost_weights: Sequence[float],
) -> list[Point]:
    """Operating points of ``argmin_m predicted_error + w * normalized_cost`` per weight.

    Ties go to the cheaper model (as in the runtime router), then the lower column.
    """
    import numpy as np

    rows = np.arange(len(correct))
    order = np.argsort(normalized_cost, kind="stable")
    err, ncost = predicted_error[:, order], normalized_cost[order]
    points: list[Point] = []
    for w in cost_weights:
        choice = order[np.argmin(err + w * ncost[None, :], axis=1)]
        points.append((float(cost_usd[rows, choice].mean()), float(correct[rows, choice].mean())))
    return points


def default_cost_weights() -> list[float]:
    """0, then log-spaced to a weight large enough that cost dominates any error gap."""
    import numpy as np

    return [0.0, *np.logspace(-4, 4, 161).tolist()]
