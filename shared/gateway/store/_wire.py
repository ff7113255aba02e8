"""Python values <-> DynamoDB's attribute-value JSON, as boto3's TypeSerializer and
TypeDeserializer do (numbers as Decimal), without importing boto3 on the request path."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any


def serialize(v: Any) -> dict[str, Any]:
    if v is None:
        return {"NULL": True}
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, str):
        return {"S": v}
    if isinstance(v, (int, Decimal)):
        return {"N": str(v)}
    if isinstance(v, float):
        return {"N": str(Decimal(str(v)))}
    if isinstance(v, (bytes, bytearray)):
        return {"B": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, dict):
        return {"M": {str(k): serialize(x) for k, x in v.items()}}
    if isinstance(v, (list, tuple)):
        return {"L": [serialize(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        if all(isinstance(x, str) for x in v):
            return {"SS": sorted(v)}
        if all(isinstance(x, (int, Decimal)) and not isinstance(x, bool) for x in v):
            return {"NS": [str(x) for x in v]}
    raise TypeError(f"cannot store a value of type {type(v).__name__} in DynamoDB")


def deserialize(av: dict[str, Any]) -> Any:
    ((kind, value),) = av.items()
    if kind == "S":
        return value
    if kind == "N":
        return Decimal(value)
    if kind == "BOOL":
        return value
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: deserialize(x) for k, x in value.items()}
    if kind == "L":
        return [deserialize(x) for x in value]
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {Decimal(x) for x in value}
    if kind == "B":
        return base64.b64decode(value)
    if kind == "BS":
        return {base64.b64decode(x) for x in value}
    raise TypeError(f"unknown DynamoDB attribute type {kind!r}")
