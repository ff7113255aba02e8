"""The HTML page and the terminal table show the report's own numbers."""

from __future__ import annotations

import time
from decimal import Decimal

from gateway.reports import builder, html, table
from gateway.reports._format import usd
from gateway.store.dynamo import to_item


def _report(models: int = 3) -> dict:
    now = time.time()
    hours = builder.window(now)
    items = []
    for i, hour in enumerate(hours[-6:]):
        item = {"hour": hour, "cost": Decimal(0), "req": 0, "tok": 0}
        for m in range(models):
            cost = Decimal(i + m + 1) / 1000
            item["cost"] += cost
            item["req"] += 1
            item["tok"] += 10
            for dim, name in (("model", f"model-{m}"), ("provider", f"prov-{m % 2}"), ("app", "web & <b>")):
                for measure, v in (("cost", cost), ("req", 1), ("tok", 10)):
                    key = f"{measure}|{dim}|{name}"
                    item[key] = item.get(key, 0) + v
        items.append(to_item(item))
    return builder.aggregate(items, hours, now, key_id="k1")


def test_html_chart_stacks_every_model_and_escapes_names():
    report = _report()
    page = html.render(report)
    assert page.count("<rect") == 6 * 3  # six busy hours, three models each
    assert "web &amp; &lt;b&gt;" in page and "web & <b>" not in page
    assert usd(report["totalSpendUsd"]) in page and "model-2" in page


def test_many_models_share_an_other_color():
    page = html.render(_report(models=11))
    assert "other models" in page and page.count(html.OTHER_COLOR) > 1


def test_empty_report_says_so():
    now = time.time()
    report = builder.aggregate([], builder.window(now), now, key_id="k1")
    assert report["requestCount"] == 0 and report["averageCostUsd"] == 0 and len(report["hourly"]) == 24
    assert "No requests in the last 24 hours" in html.render(report)
    assert "total spend   $0" in table.render(report)


def test_table_lists_totals_per_model_provider_app_and_hour():
    report = _report()
    text = table.render(report)
    assert f"total spend   {usd(report['totalSpendUsd'])}" in text
    assert f"requests      {report['requestCount']}" in text
    for name in ("model-0", "prov-1", "web & <b>"):
        assert name in text
    assert len([line for line in text.splitlines() if line[:2].isdigit() and line[2] == ":"]) == 24
