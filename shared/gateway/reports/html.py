"""The report as one self-contained HTML page: inline SVG and CSS, no script, no external
asset, laid out for a phone first. Every name in it (models, apps) is escaped: app ids
come from the caller's X-App-ID header."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from gateway.reports._format import count, hour_label, usd

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"]
OTHER_COLOR = "#9c9c9c"
_W, _H, _BOTTOM, _TOP = 360, 200, 22, 8

_CSS = """
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1d2330;background:#f4f5f8}main{max-width:760px;margin:0 auto;padding:16px}
h1{font-size:1.25rem;margin:0 0 2px}h2{font-size:1rem;margin:0 0 10px}.muted{color:#667085;font-size:.85rem}
.cards{display:grid;grid-template-columns:repeat(2,1fr);gap:10px;margin:14px 0}
@media(min-width:600px){.cards{grid-template-columns:repeat(4,1fr)}}
.card,.panel{background:#fff;border-radius:10px;padding:12px 14px;box-shadow:0 1px 2px rgba(16,24,40,.08)}
.card b{display:block;font-size:1.3rem}.panel{margin-bottom:14px}svg{display:block;width:100%;height:auto}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;margin-top:8px;font-size:.85rem;padding:0;list-style:none}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px}
table{width:100%;border-collapse:collapse;font-size:.9rem}td{padding:5px 0;vertical-align:middle}
td.n{text-align:right;white-space:nowrap;padding-left:8px;font-variant-numeric:tabular-nums}
td.name{max-width:40vw;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;padding-right:8px}
.bar{height:8px;border-radius:4px;background:#4e79a7;min-width:2px}.empty{padding:24px 0;text-align:center}
"""


def _colors(report: dict[str, Any]) -> dict[str, str]:
    """The costliest models get their own color; the rest share ``other``."""
    models = list(report["perModel"])
    own = models if len(models) <= len(PALETTE) else models[: len(PALETTE) - 1]
    return {m: PALETTE[i] for i, m in enumerate(own)}


def _nice_step(top: float) -> float:
    """A round gridline step putting ``top`` under the fourth line."""
    raw = top / 4
    power: float = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def _tick(x: float) -> str:
    return "$0" if x == 0 else "$" + f"{x:.6f}".rstrip("0").rstrip(".")


def chart(report: dict[str, Any]) -> str:
    """Hourly spend over the window, stacked by model, as an inline SVG."""
    colors = _colors(report)
    hourly = report["hourly"]
    top = max((b["spendUsd"] for b in hourly), default=0)
    step = _nice_step(top) if top > 0 else 1.0
    y_max = step * 4
    ticks = [_tick(step * i) for i in range(5)]
    left = 8 + 6 * max(len(t) for t in ticks)  # room for the longest label at font-size 10
    plot_w, plot_h = _W - left - 8, _H - _BOTTOM - _TOP
    slot = plot_w / max(1, len(hourly))
    order = {m: n for n, m in enumerate(colors)}  # stacked in the legend's order, bottom up
    parts = [
        (
            f'<svg viewBox="0 0 {_W} {_H}" role="img" aria-label="Hourly spend over 24 hours, stacked by model" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="10" fill="#667085">'
        )
    ]
    for i, label in enumerate(ticks):
        y = _TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{_W - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7ec"/>')
        parts.append(f'<text x="{left - 5}" y="{y + 3.5:.1f}" text-anchor="end">{label}</text>')
    for i, bucket in enumerate(hourly):
        x = left + i * slot + slot * 0.15
        y = _TOP + plot_h
        for model, spend in sorted(
            bucket["perModel"].items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
        ):
            h = plot_h * spend / y_max
            if h <= 0:
                continue
            y -= h
            color = colors.get(model, OTHER_COLOR)
            tip = f"{hour_label(bucket['hour'])} UTC  {model}: {usd(spend)}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.2f}" width="{slot * 0.7:.1f}" height="{max(h, 0.5):.2f}" '
                f'fill="{color}"><title>{escape(tip)}</title></rect>'
            )
        if i % 6 == 0 or i == len(hourly) - 1:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{_H - 6}" text-anchor="middle">'
                f"{escape(hour_label(bucket['hour']))}</text>"
            )
    parts.append("</svg>")
    legend = [
        f'<li><span class="sw" style="background:{c}"></span>{escape(m)}</li>' for m, c in colors.items()
    ]
    if len(report["perModel"]) > len(colors):
        legend.append(f'<li><span class="sw" style="background:{OTHER_COLOR}"></span>other models</li>')
    return "".join(parts) + '<ul class="legend">' + "".join(legend) + "</ul>"


def _totals(title: str, rows: dict[str, dict[str, Any]], colors: dict[str, str] | None = None) -> str:
    if not rows:
        return ""
    top = max(r["spendUsd"] for r in rows.values()) or 1
    body = []
    for name, r in rows.items():
        width = 100 * r["spendUsd"] / top
        color = (colors or {}).get(name, PALETTE[0] if colors is None else OTHER_COLOR)
        body.append(
            f'<tr><td class="name" title="{escape(name)}">{escape(name)}</td>'
            f'<td style="width:40%"><div class="bar" style="width:{width:.1f}%;background:{color}"></div></td>'
            f'<td class="n">{escape(usd(r["spendUsd"]))}</td><td class="n muted">{count(r["requests"])} req</td></tr>'
        )
    return f'<section class="panel"><h2>{escape(title)}</h2><table>{"".join(body)}</table></section>'


def render(report: dict[str, Any]) -> str:
    scope = "the whole gateway" if report.get("scope") == "all" else f"key {report.get('keyId')}"
    cards = [
        ("Total spend", usd(report["totalSpendUsd"])),
        ("Requests", count(report["requestCount"])),
        ("Average cost", usd(report["averageCostUsd"])),
        ("Tokens", count(report["totalTokens"])),
    ]
    cards_html = "".join(
        f'<div class="card"><span class="muted">{escape(k)}</span><b>{escape(v)}</b></div>' for k, v in cards
    )
    if report["requestCount"]:
        body = (
            f'<section class="panel"><h2>Hourly spend by model (UTC)</h2>{chart(report)}</section>'
            + _totals("By provider", report["perProvider"])
            + _totals("By app", report["perApp"])
            + _totals("By model", report["perModel"], _colors(report))
        )
    else:
        body = '<section class="panel empty muted">No requests in the last 24 hours.</section>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Spend report, last 24 h</title><style>{_CSS}</style></head><body><main>"
        f'<h1>Spend, last 24 hours</h1><div class="muted">{escape(scope)} · generated '
        f'{escape(report["generatedAt"])}</div><div class="cards">{cards_html}</div>{body}</main></body></html>'
    )


__all__ = ["chart", "render"]
