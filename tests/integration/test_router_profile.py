"""Profiling a model through the gateway, end to end: the shipped validation set goes through
a running local stack (the simulator answers), the profile is written to the stack's
profiles overlay (ROUTING_PROFILES_PATH), and the very next request can route to the model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_KEY, ROOT, _free_port

pytestmark = pytest.mark.integration

PROMPT = [
    {"role": "user", "content": "Which gas do plants take in for photosynthesis? A) O2 B) CO2 C) N2 D) H2"}
]
NEW = "mistral-small-latest"  # served by the simulator, not profiled


@pytest.fixture(scope="module")
def routed_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """A local stack of its own whose router reads a profiles overlay in a temporary folder."""
    tmp = tmp_path_factory.mktemp("profiled")
    overlay, state_file, port = tmp / "profiles.json", tmp / "stack.json", _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("_API_KEY", "_BASE_URL")) and k != "DYNAMODB_ENDPOINT_URL"
    }
    env |= {
        "PORT": str(port),
        "GATEWAY_STATE_FILE": str(state_file),
        "GATEWAY_ADMIN_KEY": ADMIN_KEY,
        "ROUTING_PROFILES_PATH": str(overlay),
        "PYTHONUNBUFFERED": "1",
    }
    log = (tmp / "stack.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "local.stack"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not state_file.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert state_file.exists(), f"local stack did not start; see {log.name}"
        state = json.loads(state_file.read_text())
        while time.monotonic() < deadline:
            try:
                httpx.get(state["base_url"] + "/models", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield state["base_url"], state["demo_key"], overlay
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _route(base_url: str, key: str) -> httpx.Response:
    return httpx.post(
        base_url + "/router",
        json={"messages": PROMPT, "execute": False, "models": [NEW, "gpt-4o"], "cost_weight": 0},
        headers={"x-api-key": key},
        timeout=30,
    )


def test_profile_a_model_through_the_gateway_and_route_to_it(routed_stack: tuple[str, str, Path]) -> None:
    base_url, key, overlay = routed_stack
    before = _route(base_url, key)
    assert before.status_code == 400 and before.json()["error"]["code"] == "model_not_profiled"

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.semantic_routing.profile",
            "--model",
            NEW,
            "--base-url",
            base_url,
            "--limit",
            "40",
            "--concurrency",
            "2",
            "--date",
            "2026-11-24",
        ],
        cwd=ROOT,
        env={**os.environ, "GATEWAY_API_KEY": key, "ROUTING_PROFILES_PATH": str(overlay)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["sent"] == 40 and report["failed_requests"] == 0 and report["graded"] == 40
    assert report["spent_usd"] > 0 and report["written_to"] == str(overlay)
    assert len(report["clusters"]) == 4 and sum(c["graded"] for c in report["clusters"]) == 40
    # The operator is told what the run cost and how sure each cluster's figure is.
    assert "cost of this run: $" in out.stderr and "95% interval" in out.stderr
    assert "mostly the model's overall error" in out.stderr  # no coding prompt in the set

    after = _route(base_url, key)  # the next request, no restart
    assert after.status_code == 200, after.text
    candidates = {c["model"]: c for c in after.json()["candidates"]}
    assert set(candidates) == {NEW, "gpt-4o"}
    assert candidates[NEW]["cost_usd"] == pytest.approx(report["profile"]["mean_cost_usd"])
    profiles = httpx.get(base_url + "/router/profiles", headers={"x-api-key": key}, timeout=30).json()["data"]
    mine = next(p for p in profiles if p["model"] == NEW)
    assert (
        mine["servable"]
        and mine["source"] == "profiled through the gateway"
        and mine["validation_size"] == 40
    )
