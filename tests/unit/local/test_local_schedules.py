"""The local stack runs functions with a Schedule event on their rate, with their sample event."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from local import runtime
from local.stack import rate_seconds, run_schedules
from local.template import Function, load


def test_rate_expressions():
    assert rate_seconds("rate(15 minutes)") == 900
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(2 hours)") == 7200
    assert rate_seconds("rate(1 day)") == 86400
    assert rate_seconds("cron(0 12 * * ? *)") is None
    with pytest.raises(KeyError):
        rate_seconds("rate(5 fortnights)")


def test_the_report_builder_is_scheduled_every_15_minutes():
    builder = load().function("ReportBuilderFunction")
    assert builder.schedules == ("rate(15 minutes)",) and not builder.routes
    event = json.loads(
        (Path(runtime.__file__).parent.parent / "events" / "ReportBuilderFunction.json").read_text()
    )
    assert event["source"] == "aws.events" and event["detail-type"] == "Scheduled Event"


def test_scheduled_functions_run_on_their_interval(tmp_path, monkeypatch):
    out = tmp_path / "runs.jsonl"
    (tmp_path / "app.py").write_text(
        "import json\n"
        "def handler(event, context):\n"
        f"    open({str(out)!r}, 'a').write(json.dumps({{'fn': context.function_name, 'src': event.get('source')}}) + '\\n')\n"
    )
    fn = Function(
        logical_id="TickFunction",
        code_uri=tmp_path,
        handler="app.handler",
        streaming=False,
        environment={},
        routes=(),
        schedules=("rate(1 minute)",),
    )
    unscheduled = Function(
        logical_id="QuietFunction",
        code_uri=tmp_path,
        handler="app.handler",
        streaming=False,
        environment={},
        routes=(),
    )
    # The schedule's waits are stepped by the test: two intervals pass, then it waits for a third.
    intervals, ticks, third_wait = [], threading.Semaphore(2), threading.Event()

    def wait(seconds: float) -> None:
        intervals.append(seconds)
        if len(intervals) == 3:
            third_wait.set()
        ticks.acquire()

    threads = run_schedules([fn, unscheduled], wait=wait)
    assert [t.name for t in threads] == ["schedule-TickFunction"]
    assert third_wait.wait(timeout=10), "the schedule did not run twice"
    runs = [json.loads(line) for line in out.read_text().splitlines()]
    assert runs == [{"fn": "TickFunction", "src": "aws.events"}] * 2
    assert intervals == [60.0] * 3  # rate(1 minute), as EventBridge would
