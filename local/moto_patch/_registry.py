"""What moto_patch replaced, so that ``unpatched()`` can put moto back as released."""

from __future__ import annotations

from typing import Any

_originals: list[tuple[Any, str, Any]] = []
_ABSENT = object()


def _replace(owner: Any, name: str, value: Any) -> None:
    _originals.append((owner, name, owner.__dict__.get(name, _ABSENT)))
    setattr(owner, name, value)


def _replace_global(module: Any, name: str, value: Any) -> None:
    _replace(module, name, value)  # a module's __dict__ is its globals: same bookkeeping


def _set(owner: Any, name: str, value: Any) -> None:
    if value is _ABSENT:
        delattr(owner, name)
    else:
        setattr(owner, name, value)
