"""tools/smoke against the local stack: what an operator runs against a fresh deployment."""

from __future__ import annotations

import pytest

from tools import smoke

pytestmark = pytest.mark.integration


def test_smoke_passes_against_the_local_stack(sim, capsys):
    assert smoke.main(["--base-url", sim.base_url, "--api-key", sim.api_key]) == 0
    out = capsys.readouterr().out
    for name in ("models", "chat", "stream", "error envelope", "wrong key"):
        assert f"ok    {name}" in out
    assert "5 passed, 0 failed" in out


def test_smoke_fails_when_the_gateway_does(sim, capsys):
    sim.fault("openai", "status", status=503, count=100)
    assert smoke.main(["--base-url", sim.base_url, "--api-key", sim.api_key, "--model", "gpt-4o-mini"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  chat" in out and "FAIL  stream" in out and "ok    models" in out
