"""The TypeScript SDK's suite (sdk/typescript/test, node's built-in runner) against this
session's local stack. ``make sdk-ts`` (a no-op when up to date) runs ``npm ci`` from the
committed lock file and compiles src and test with tsc first."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration
TS = ROOT / "sdk" / "typescript"


def test_typescript_sdk_suite(stack):
    subprocess.run(["make", "-s", "sdk-ts"], cwd=ROOT, check=True, capture_output=True, text=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "GATEWAY_"))},
        "GATEWAY_BASE_URL": stack.base_url,
        "GATEWAY_API_KEY": stack.api_key,
        "GATEWAY_ADMIN_KEY": stack.admin_key,
    }
    run = subprocess.run(
        ["node", "--test", "--test-reporter=spec", "dist-test/test/"],
        cwd=TS,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
