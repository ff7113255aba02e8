"""Usage to report over HTTP: a mix of requests, the scheduled builder, then the same totals in
GET /v1/report, in the terminal table and in the chart; and a client that hangs up mid-stream
still leaves exactly one usage record."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from _png import pixels

from gateway.identity import apikeys
from gateway.reports._format import usd
from tests.integration._accounts import account, eventually, open_holds

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def _ledger(stack, key_id: str) -> list[dict]:
    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.dynamodb_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    got = client.query(
        TableName="gateway-local-UsageTable",
        KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
        ExpressionAttributeValues={":p": {"S": f"KEY#{key_id}"}, ":s": {"S": "REQ#"}},
        ConsistentRead=True,
    )
    return got["Items"]


def _local(stack, *args: str) -> str:
    env = {**os.environ, "GATEWAY_STATE_FILE": str(stack.state_file)}
    out = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_mid_stream_disconnect_leaves_exactly_one_record(sim):
    key = sim.new_key("disconnect")
    key_id = apikeys.parse_id(key)
    sim.fault("openai", "slow", delay_ms=250)
    body = {
        "model": "gpt-4o-mini",
        "stream": True,
        "messages": [{"role": "user", "content": "Tell me a long story about gateways. " * 20}],
    }
    with (
        sim.http() as client,
        client.stream("POST", "/v1/chat/completions", json=body, headers={"x-api-key": key}) as resp,
    ):
        assert resp.status_code == 200
        seen = 0
        for line in resp.iter_lines():
            seen += line.startswith("data:")
            if seen == 2:
                break
    # The connection is closed: the gateway notices at its next write and settles (shielded).
    assert eventually(lambda: bool(_ledger(sim, key_id))), "the disconnected stream was never settled"
    # Settled for good: its hold closed in the same transaction, so no second settlement can come.
    assert open_holds(account(sim, key_id)) == []
    records = _ledger(sim, key_id)
    assert len(records) == 1
    assert records[0]["status"]["S"] == "cancelled"
    assert int(records[0]["completion_tokens"]["N"]) > 0  # what was delivered is billed


def _screenshot(html: str, tmp_path: Path) -> Path:
    page, png = tmp_path / "report.html", tmp_path / "report.png"
    page.write_text(html)
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            "--window-size=420,900",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return png


def test_same_totals_in_json_table_and_chart(sim, tmp_path):
    key = sim.new_key("report-mix")
    key_id = apikeys.parse_id(key)
    client = sim.openai(api_key=key)
    mix = [
        ("gpt-4o-mini", "web", False),
        ("gpt-4o", "web", True),
        ("gpt-4.1-nano", "batch", False),
        ("gpt-4o-mini", "batch", True),
        ("gpt-4o", "cli", False),
        ("gpt-4.1-nano", "web", True),
    ]
    spent = Decimal(0)
    for model, app, stream in mix:
        kw = {
            "model": model,
            "messages": [{"role": "user", "content": f"Hello from {app}"}],
            "extra_headers": {"X-App-ID": app},
        }
        if stream:
            usage = [c for c in client.chat.completions.create(stream=True, **kw) if c.usage][-1].usage
        else:
            usage = client.chat.completions.create(**kw).usage
        spent += Decimal(str(usage.model_extra["total_cost_usd"]))

    stats = json.loads(
        _local(sim, "local.invoke", "ReportBuilderFunction", "--event", "events/ReportBuilderFunction.json")
    )
    assert stats["keys"] >= 1 and stats["reports"] >= 2

    with sim.http() as http:
        report = http.get("/v1/report", headers={"x-api-key": key}).json()
        page = http.get("/v1/report?format=html", headers={"x-api-key": key})
    assert report["keyId"] == key_id and report["requestCount"] == len(mix)
    assert Decimal(str(report["totalSpendUsd"])) == pytest.approx(spent, abs=Decimal("0.000000005"))
    assert set(report["perApp"]) == {"web", "batch", "cli"}
    assert set(report["perModel"]) == {"gpt-4o-mini", "gpt-4o", "gpt-4.1-nano"}
    assert report["perProvider"]["openai"]["requests"] == len(mix)

    assert json.loads(_local(sim, "local.report", "--key", key_id, "--json")) == report
    table = _local(sim, "local.report", "--key", key_id, "--build")  # runs the builder first, too
    assert f"total spend   {usd(report['totalSpendUsd'])}" in table and "gpt-4.1-nano" in table

    assert page.status_code == 200 and usd(report["totalSpendUsd"]) in page.text
    if not os.path.exists(CHROMIUM) or not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium): the chart was not looked at")
    png = _screenshot(page.text, tmp_path)
    assert png.exists(), "chromium wrote no screenshot"
    width, height, colors = pixels(png)
    assert (width, height) == (420, 900)
    _, most = colors.most_common(1)[0]
    assert most < 0.97 * sum(colors.values()), "the screenshot is blank"
    assert len(colors) > 20  # text, bars in several model colors
