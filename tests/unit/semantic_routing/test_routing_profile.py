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
    report = json.loads(capsys.readouterr().out)

    assert report["skipped_no_gold"] == 6  # the coding rows have no gold
    assert report["sent"] == 6 and len(seen) == 6
    assert report["failed_requests"] == 1 and report["graded"] == 5 and report["correct"] == 4
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
