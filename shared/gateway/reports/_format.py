"""Number formatting shared by the HTML page and the terminal table."""

from __future__ import annotations


def usd(x: float) -> str:
    """Dollars at a precision that shows small spend: $12.34, $0.0421, $0.000135."""
    if x == 0:
        return "$0"
    if abs(x) >= 1:
        return f"${x:,.2f}"
    if abs(x) >= 0.01:
        return f"${x:.4f}"
    return f"${x:.6f}".rstrip("0").rstrip(".")


def count(n: int) -> str:
    return f"{n:,}"


def hour_label(hour: str) -> str:
    """``2026-05-04T13:00:00Z`` -> ``13:00``."""
    return hour[11:16]
