"""Shared fixtures.

- ``stack``: the local stack (``python -m local.stack``) started once per session in a
  subprocess on free ports, exactly as a user runs it; integration tests talk HTTP to it.
- ``store``: a fresh local DynamoDB (moto server) with the template's tables, configured
  for in-process unit tests of the store and the services.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "gw_admin_local_tests_0123456789abcdef"
"""The local stack's admin key (GATEWAY_ADMIN_KEY) in tests."""
JWT_ISSUER, JWT_AUDIENCE = "https://issuer.tests.local", "llm-gateway-tests"


def _rsa_pems() -> tuple[str, str]:
    """A fresh RSA key pair (private PEM, public PEM) for the stack's JWT verification."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(
        self, base_url: str, api_key: str, simulator_url: str, dynamodb_url: str, proc: subprocess.Popen
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.simulator_url = simulator_url
        self.dynamodb_url = dynamodb_url
        self.proc = proc

    def openai(self, api_key: str | None = None, **kw: Any):
        import openai

        return openai.OpenAI(base_url=self.base_url, api_key=api_key or self.api_key, max_retries=0, **kw)

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url.removesuffix("/v1"), timeout=30)

    def fault(self, provider: str, fault: str, count: int = 1, **kw: Any) -> None:
        httpx.post(
            f"{self.simulator_url}/_sim/faults",
            json={"provider": provider, "fault": fault, "count": count, **kw},
        )

    def clear_faults(self) -> None:
        httpx.delete(f"{self.simulator_url}/_sim/faults")

    def now(self) -> float:
        """The stack's clock (``local/clock.py``)."""
        return float(httpx.get(f"{self.base_url.removesuffix('/v1')}/_local/clock").json()["now"])

    def advance_clock(self, seconds: float) -> float:
        """Move the stack's clock on (a minute window turning, a cache lapsing) instead of waiting."""
        r = httpx.post(f"{self.base_url.removesuffix('/v1')}/_local/clock", json={"advance_s": seconds})
        r.raise_for_status()
        return float(r.json()["now"])

    def start_of_minute(self) -> float:
        """Move the stack's clock to just past the next minute boundary: a burst that follows is
        counted in one fixed window, with the whole minute to spare."""
        return self.advance_clock(60.5 - self.now() % 60)

    def sim_stats(self) -> dict[str, int]:
        return httpx.get(f"{self.simulator_url}/_sim/stats").json()

    def new_key(self, label: str = "test", **limits: Any) -> str:
        """A fresh API key, created through the same code path as ``python -m local.keys``."""
        out = subprocess.run(
            [sys.executable, "-m", "local.keys", "create", "--label", label],
            cwd=ROOT,
            env={**os.environ, "GATEWAY_STATE_FILE": str(self.state_file)},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)["key"]

    state_file: Path = ROOT / ".local" / "stack.json"
    admin_key: str = ADMIN_KEY
    jwt_private_pem: str = ""


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    port = _free_port()
    state_file = tmp_path_factory.mktemp("stack") / "stack.json"
    env = {
        **os.environ,
        "PORT": str(port),
        "GATEWAY_STATE_FILE": str(state_file),
        "PYTHONUNBUFFERED": "1",
        # Fault tests fail providers on purpose; cooldowns are tested on their own (tests/unit/store/test_health.py).
        "HEALTH_FAILURE_THRESHOLD": os.environ.get("HEALTH_FAILURE_THRESHOLD", "1000000"),
        "HEALTH_CACHE_TTL_S": os.environ.get("HEALTH_CACHE_TTL_S", "1"),
        # The simulator answers in milliseconds; a short read timeout keeps the timeout faults fast.
        "PROVIDER_READ_TIMEOUT": os.environ.get("PROVIDER_READ_TIMEOUT", "1"),
        # The whole session's free requests run on one stack: its gateway-wide free-tier cap
        # would run out mid-run (the cap has its own tests: tests/adversarial/test_money_path.py).
        "FREE_TIER_DAILY_CAP_USD": os.environ.get("FREE_TIER_DAILY_CAP_USD", "none"),
        # ...and its demo key's free requests (schemathesis alone sends thousands); the wallet's
        # tests give their keys a free tier of their own.
        "FREE_TIER_REQUESTS": os.environ.get("FREE_TIER_REQUESTS", "100000000"),
    }
    # Admin routes and JWT authentication (tests/integration/test_limits_*.py, test_keys_*.py).
    jwt_private, jwt_public = _rsa_pems()
    env.update(
        {
            "GATEWAY_ADMIN_KEY": ADMIN_KEY,
            "JWT_ISSUER": JWT_ISSUER,
            "JWT_AUDIENCE": JWT_AUDIENCE,
            "JWT_PUBLIC_KEY_PEM": jwt_public,
        }
    )
    for var in list(env):
        # Integration tests always run against the simulator, whatever keys the developer has set.
        if var.endswith(("_API_KEY", "_BASE_URL")) or var == "DYNAMODB_ENDPOINT_URL":
            env.pop(var)
    log = open(tmp_path_factory.mktemp("stacklog") / "stack.log", "w")  # noqa: SIM115 - closed in the fixture's finally, after the stack exits
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.stack"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"local stack exited with {proc.returncode}; see {log.name}")
        if state_file.exists():
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
                break
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError(f"local stack did not start; see {log.name}")
    state = json.loads(state_file.read_text())
    s = Stack(state["base_url"], state["demo_key"], state["simulator_url"], state["dynamodb_url"], proc)
    s.state_file = state_file
    s.jwt_private_pem = jwt_private
    try:
        yield s
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def sim(stack: Stack) -> Iterator[Stack]:
    """The stack with the simulator's faults cleared before and after the test."""
    stack.clear_faults()
    yield stack
    stack.clear_faults()


@pytest.fixture(scope="session")
def dynamodb() -> Iterator[str]:
    """One local DynamoDB (moto) for the whole run; ``store`` empties it before each test."""
    from local import dynamo

    url, server = dynamo.start_server()
    try:
        yield url
    finally:
        server.shutdown()


@functools.cache
def _template() -> Any:
    from local.template import load

    return load()  # read-only here; parsing it for each test cost ~90 ms of its setup


def _fresh_tables(url: str) -> dict[str, str]:
    """Drop every table and create the template's again: each test starts from empty tables."""
    import boto3

    from local import dynamo

    client = boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    for name in client.list_tables().get("TableNames", []):
        client.delete_table(TableName=name)
    return dynamo.create_tables(_template(), url)


def _forget_caches() -> None:
    """Per-container memories (key lookups, provider health, paid mode, stale windows) start empty."""
    from gateway.accounting import admission
    from gateway.identity import auth
    from gateway.settings import get_settings
    from gateway.store import dynamo as gw_dynamo
    from gateway.store import health

    get_settings.cache_clear()
    gw_dynamo.reset_client()
    auth.forget()
    health.forget()
    admission.forget()


@pytest.fixture
def store(dynamodb: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Empty tables in the run's local DynamoDB, wired into gateway.settings."""
    names = _fresh_tables(dynamodb)
    monkeypatch.setenv("DYNAMODB_ENDPOINT_URL", dynamodb)
    monkeypatch.setenv("KEYS_TABLE", names["KeysTable"])
    monkeypatch.setenv("USAGE_TABLE", names["UsageTable"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    _forget_caches()
    try:
        yield {"url": dynamodb, **names}
    finally:
        _forget_caches()
