"""The report as plain-text tables for a terminal (``python -m local.report``)."""

from __future__ import annotations

from typing import Any

from gateway.reports._format import count, hour_label, usd

_BAR = 24


def _rows(title: str, rows: dict[str, dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    width = max(12, *(len(n) for n in rows))
    width = min(width, 40)
    out = [f"{title:<{width}}  {'spend':>12}  {'requests':>9}  {'tokens':>11}", "-" * (width + 40)]
    for name, r in rows.items():
        label = name if len(name) <= width else name[: width - 1] + "…"
        out.append(
            f"{label:<{width}}  {usd(r['spendUsd']):>12}  {count(r['requests']):>9}  {count(r['tokens']):>11}"
        )
    return [*out, ""]


def render(report: dict[str, Any]) -> str:
    scope = "whole gateway" if report.get("scope") == "all" else f"key {report.get('keyId')}"
    lines = [
        f"Spend report, last {report['period']} ({scope}), generated {report['generatedAt']}",
        "",
        f"  total spend   {usd(report['totalSpendUsd'])}",
        f"  requests      {count(report['requestCount'])}",
        f"  average cost  {usd(report['averageCostUsd'])}",
        f"  tokens        {count(report['totalTokens'])}",
        "",
    ]
    lines += _rows("model", report["perModel"])
    lines += _rows("provider", report["perProvider"])
    lines += _rows("app", report["perApp"])
    top = max((b["spendUsd"] for b in report["hourly"]), default=0)
    lines += [f"{'hour (UTC)':<10}  {'spend':>12}  {'requests':>9}", "-" * (10 + 26 + _BAR)]
    for b in report["hourly"]:
        bar = "#" * round(_BAR * b["spendUsd"] / top) if top else ""
        lines.append(
            f"{hour_label(b['hour']):<10}  {usd(b['spendUsd']):>12}  {count(b['requests']):>9}  {bar}"
        )
    return "\n".join(lines) + "\n"


__all__ = ["render"]
