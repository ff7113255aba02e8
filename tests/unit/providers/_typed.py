"""Check a JSON body against an SDK's TypedDict request types, strictly (unknown keys fail).

pydantic validates TypedDicts but ignores extra keys and leaves ``Iterable`` fields lazy, so
this walks the type hints itself: TypedDict (keys known, required present), Union, Literal,
Iterable/Sequence/list, Dict and the JSON scalars.
"""

from __future__ import annotations

import collections.abc as cabc
import typing
from typing import Any, NotRequired, Required

import pydantic
from typing_extensions import is_typeddict


class Mismatch(AssertionError):
    pass


def _hints(td: type) -> dict[str, Any]:
    return typing.get_type_hints(td, include_extras=True)


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) in (Required, NotRequired, typing.Annotated):
        tp = typing.get_args(tp)[0]
    return tp


def check(value: Any, tp: Any, path: str = "$") -> None:
    tp = _unwrap(tp)
    if tp is Any or tp is object:
        return
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if is_typeddict(tp):
        if not isinstance(value, dict):
            raise Mismatch(f"{path}: expected object ({tp.__name__}), got {type(value).__name__}")
        hints = _hints(tp)
        unknown = set(value) - set(hints)
        if unknown:
            raise Mismatch(f"{path}: {tp.__name__} has no field(s) {sorted(unknown)}")
        # Stringified annotations hide Required[] from __required_keys__, so read both.
        required = {k for k, h in hints.items() if typing.get_origin(h) is Required} | {
            k for k in getattr(tp, "__required_keys__", ()) if typing.get_origin(hints[k]) is not NotRequired
        }
        missing = required - set(value)
        if missing:
            raise Mismatch(f"{path}: {tp.__name__} requires {sorted(missing)}")
        for k, v in value.items():
            check(v, hints[k], f"{path}.{k}")
        return
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        errors = []
        for option in args:
            try:
                check(value, option, path)
                return
            except Mismatch as exc:
                errors.append(str(exc))
        raise Mismatch(f"{path}: matches none of the union: " + " | ".join(errors[:6]))
    if origin is typing.Literal:
        if value not in args:
            raise Mismatch(f"{path}: {value!r} not in {args}")
        return
    if tp is type(None):
        if value is not None:
            raise Mismatch(f"{path}: expected null")
        return
    if origin in (dict, cabc.Mapping) or tp is dict:  # a bare typing.Dict has origin dict
        if not isinstance(value, dict):
            raise Mismatch(f"{path}: expected object")
        return
    if origin in (list, cabc.Iterable, cabc.Sequence, typing.Iterable, typing.Sequence) or (
        getattr(tp, "__name__", "") == "SequenceNotStr"
    ):
        if not isinstance(value, list):
            raise Mismatch(f"{path}: expected array, got {type(value).__name__}")
        for i, item in enumerate(value):
            check(item, args[0] if args else Any, f"{path}[{i}]")
        return
    if origin is not None and getattr(origin, "__name__", "") == "SequenceNotStr":
        if not isinstance(value, list):
            raise Mismatch(f"{path}: expected array")
        for i, item in enumerate(value):
            check(item, args[0], f"{path}[{i}]")
        return
    if tp is bool:
        if not isinstance(value, bool):
            raise Mismatch(f"{path}: expected bool")
        return
    if tp in (int, float):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (tp is int and not isinstance(value, int))
        ):
            raise Mismatch(f"{path}: expected {tp.__name__}, got {value!r}")
        return
    if tp is str:
        if not isinstance(value, str):
            raise Mismatch(f"{path}: expected string, got {value!r}")
        return
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        if not isinstance(value, dict):
            raise Mismatch(f"{path}: expected object ({tp.__name__})")
        fields = tp.model_fields
        unknown = set(value) - set(fields)
        missing = {k for k, f in fields.items() if f.is_required()} - set(value)
        if unknown or missing:
            raise Mismatch(f"{path}: {tp.__name__} unknown {sorted(unknown)} missing {sorted(missing)}")
        for k, v in value.items():
            check(v, fields[k].annotation, f"{path}.{k}")
        return
    if isinstance(tp, (typing.TypeVar, type)):
        return  # opaque classes (e.g. file types) are never in our bodies
    raise Mismatch(f"{path}: cannot check type {tp!r}")
