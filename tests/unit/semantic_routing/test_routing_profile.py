from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from gateway.semantic_routing import UniRouter
from tests.unit.semantic_routing.conftest import ASTRO, ASTRO_GOLD
from tools.semantic_routing import profile

WRONG_ON = {ASTRO[4]}  # answered wrong
FAILS_ON = {ASTRO[5]}  # the gateway returns 500


def _gateway(seen: list[dict[str, object]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        assert request.headers["authorization"] == "Bearer sk-test"
        body = json.loads(request.content)
        seen.append(body)
        prompt = body["messages"][0]["content"]
        if prompt in FAILS_ON:
            return httpx.Response(500, json={"error": {"message": "upstream down"}})
        gold = ASTRO_GOLD[ASTRO.index(prompt)]
        wrong = "A" if gold != "A" else "B"
        answer = wrong if prompt in WRONG_ON else f"{gold}) because it is"
        return httpx.Response(
            200,
            json={
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
                ],
                "usage": {
                    "prompt_tokens": 50,
                    "completion_tokens": 1,
                    "total_tokens": 51,
                    "total_cost_usd": 0.002,
                },
            },
        )

    return httpx.MockTransport(handler)


def test_profile_through_a_stub_gateway(
    tmp_path: Path, tiny_bundle: Path, tiny_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    seen: list[dict[str, object]] = []
    argv = [
        "--model",
        "newbie",
        "--data",
        str(tiny_csv),
        "--base-url",
        "http://gw.test/v1",
        "--api-key",
        "sk-test",
        "--artifacts",
        str(bundle),
        "--date",
        "2026-11-24",
        "--concurrency",
        "2",
    ]
    assert profile.main(argv, transport=_gateway(seen)) == 0
    captured = capsys.readouterr()
    report, capsys_err = json.loads(captured.out), [captured.err]

    assert report["sent"] == 6 and len(seen) == 6  # the coding rows have no gold: not sent
    assert report["failed_requests"] == 1 and report["graded"] == 5 and report["correct"] == 4
    # What the operator is told: what the run cost, and how sure each cluster's figure is.
    assert report["spent_usd"] == pytest.approx(0.002 * 5)
    assert (
        report["accuracy"] == pytest.approx(0.8) and report["accuracy_95"][0] < 0.8 < report["accuracy_95"][1]
    )
    clusters = {c["cluster"]: c for c in report["clusters"]}
    assert clusters[1]["graded"] == 5 and clusters[0]["graded"] == 0 and clusters[0]["leans_on_prior"]
    summary = capsys_err[0]
    assert "cost of this run: $0.010000" in summary and "cluster 0" in summary
    assert all(body["model"] == "newbie" for body in seen)

    router = UniRouter.load(bundle)
    new = router.profiles["newbie"]
    # Prior 0 in the tiny bundle: astronomy error 1/5; no coding prompt was graded, so that
    # cluster falls back to the overall error.
    assert new.cluster_error == pytest.approx((0.2, 0.2))
    assert new.mean_cost_usd == pytest.approx(0.002)
    assert (new.source, new.validation_size, new.date) == ("profiled through the gateway", 5, "2026-11-24")
    assert {"cheap", "pricey"} <= set(router.profiles)  # existing entries kept
    assert router.route(ASTRO[0], candidates=["cheap", "newbie"]).selected_model == "newbie"


def test_limit_and_dry_run(
    tmp_path: Path, tiny_bundle: Path, tiny_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (tiny_bundle / "profiles.json").read_text()
    seen: list[dict[str, object]] = []
    argv = [
        "--model",
        "newbie",
        "--data",
        str(tiny_csv),
        "--base-url",
        "http://gw.test/v1",
        "--api-key",
        "sk-test",
        "--artifacts",
        str(tiny_bundle),
        "--limit",
        "3",
        "--dry-run",
    ]
    assert profile.main(argv, transport=_gateway(seen)) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sent"] == len(seen) == 3
    assert (tiny_bundle / "profiles.json").read_text() == before


def test_missing_cost_needs_an_explicit_one(tmp_path: Path, tiny_bundle: Path, tiny_csv: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"choices": [{"message": {"content": "B"}}]})

    argv = [
        "--model",
        "x",
        "--data",
        str(tiny_csv),
        "--base-url",
        "http://gw.test/v1",
        "--api-key",
        "sk-test",
        "--artifacts",
        str(tiny_bundle),
        "--dry-run",
    ]
    with pytest.raises(SystemExit, match="total_cost_usd"):
        profile.main(argv, transport=httpx.MockTransport(handler))


def test_profile_into_a_new_overlay_file(
    tmp_path: Path, tiny_bundle: Path, tiny_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "overlay" / "profiles.json"
    argv = ["--model", "newbie", "--data", str(tiny_csv), "--base-url", "http://gw.test/v1"]
    argv += ["--api-key", "sk-test", "--artifacts", str(tiny_bundle), "--out", str(overlay)]
    assert profile.main(argv, transport=_gateway([])) == 0
    assert json.loads(capsys.readouterr().out)["written_to"] == str(overlay)
    document = json.loads(overlay.read_text())
    assert set(document["models"]) == {"newbie"}
    assert document["centroids_sha256"] == UniRouter.load(tiny_bundle).centroids_sha256


def test_offline_profiles_from_recorded_outcomes_hold_out_a_test_split(
    tmp_path: Path, tiny_bundle: Path, tiny_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tools.semantic_routing._dataset import load_csv
    from tools.semantic_routing.evaluate import find_split

    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    argv = ["--from-csv", str(tiny_csv), "--artifacts", str(bundle), "--date", "2026-11-24"]
    assert profile.main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    split = json.loads((bundle / "split.tiny.json").read_text())
    assert set(split["profile"]).isdisjoint(split["test"])
    assert len(split["profile"]) + len(split["test"]) == 12 and report["rows_profiled"] == len(
        split["profile"]
    )
    router = UniRouter.load(bundle)
    # cheap is right on every coding row and wrong on every astronomy row: per-cluster
    # errors of 0 and 1 on the profile rows (prior 0 in the tiny bundle).
    assert router.profiles["cheap"].cluster_error == pytest.approx((0.0, 1.0))
    assert router.profiles["pricey"].cluster_error == pytest.approx((1.0, 0.0))
    assert "profile split" in router.profiles["cheap"].source
    # The evaluation finds that split and scores only the held-out rows.
    assert find_split(bundle, load_csv(tiny_csv))["test"] == split["test"]
