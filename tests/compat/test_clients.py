"""Real client libraries, unchanged, against the local stack (issue 15).

Each client runs as its own process from the versions pinned in tests/compat (Python clients
in .tools/compat, Node clients in .tools/compat-node; ``make compat-tools`` installs both once).
A script exits non-zero with the failed assertion when the gateway answers in a way the
client cannot use.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, Stack

HERE = Path(__file__).resolve().parent
PYTHON = ROOT / ".tools" / "compat" / "bin" / "python"

CLIENTS = [
    ("openai (Python): chat", [str(PYTHON), "clients/openai_chat.py"], "openai chat ok"),
    ("openai (Python): responses", [str(PYTHON), "clients/openai_responses.py"], "openai responses ok"),
    ("langchain-openai", [str(PYTHON), "clients/langchain_openai_client.py"], "use_responses_api = True"),
    ("litellm", [str(PYTHON), "clients/litellm_client.py"], "litellm ok"),
    ("OpenAI Agents SDK", [str(PYTHON), "clients/agents_sdk.py"], "agents ok: OpenAIChatCompletionsModel"),
    ("openai (npm)", ["node", "node/openai_client.mjs"], "openai npm ok"),
    ("Vercel AI SDK", ["node", "node/ai_sdk.mjs"], "ai sdk ok: chat"),
]


@pytest.fixture(scope="session")
def clients_installed() -> None:
    """The pinned clients (a no-op once installed: make's stamps)."""
    subprocess.run(["make", "-s", "compat-tools"], cwd=ROOT, check=True, capture_output=True)


@pytest.fixture(scope="session")
def compat_key(stack: Stack) -> str:
    return stack.new_key("compat")


@pytest.mark.parametrize(("name", "command", "expected"), CLIENTS, ids=[c[0] for c in CLIENTS])
def test_client(
    name: str, command: list[str], expected: str, stack: Stack, compat_key: str, clients_installed: None
) -> None:
    env = {
        **os.environ,
        "GATEWAY_BASE_URL": stack.base_url,
        "GATEWAY_API_KEY": compat_key,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # litellm would fetch its price list from the network
        "OPENAI_AGENTS_DISABLE_TRACING": "1",
    }
    out = subprocess.run(command, cwd=HERE, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and expected in out.stdout, (
        f"{name} failed:\n{out.stdout}\n{out.stderr[-4000:]}"
    )
