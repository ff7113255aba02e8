"""Items measured once, attribute values written as they are, handler methods listed once."""

from __future__ import annotations

from typing import Any

from local.moto_patch._registry import _replace, _replace_global

_ITEM_LIMIT = 405000
"""moto's own threshold for an item's size (DynamoDB's 400 KB plus its slack)."""


def _value_size(v: Any) -> int:
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import bytesize

    if type(v) is DynamoType:
        if v.type == "S" and type(v.value) is str:
            return len(v.value.encode("utf-8"))
        if v.type == "N":
            return len(str(v.value))
        return int(v.size())
    return int(bytesize(str(v)))


def _attrs_size(attrs: dict[str, Any]) -> int:
    return sum(len(str(k).encode("utf-8")) for k in attrs) + sum(_value_size(v) for v in attrs.values())


def _item_size() -> None:
    """moto re-measures the whole item at each attribute it sets (to refuse items over
    400 KB); the same sum, with string and number values measured inline."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, ItemSizeTooLarge, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def setitem(self: Any, key: str, value: Any) -> None:
        if _attrs_size(self) + bytesize(key) + _value_size(value) > _ITEM_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(self, key, value)

    _replace(LimitedSizeDict, "__setitem__", setitem)

    def item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        # moto sets the attributes one by one, re-measuring the whole item at each (quadratic);
        # a running total makes the same checks at the same points.
        self.hash_key = hash_key
        self.range_key = range_key
        values: dict[str, Any] = {}
        size = 0
        for key, value in attrs.items():  # in moto's order, so a bad value past the limit is never read
            typed = DynamoType(value)
            size += len(str(key).encode("utf-8")) + _value_size(typed)
            if size > _ITEM_LIMIT:
                raise ItemSizeTooLarge
            values[key] = typed
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, values)

    _replace(Item, "__init__", item_init)


def _attribute_values() -> None:
    """Write a plain string or number attribute value as is. moto's response serializer walks
    the botocore shape of every value, asking five alias providers for each of the ten
    members of ``AttributeValue``: a fifth of a call for an item of twenty attributes."""
    from moto.core.serialize import JSONSerializer

    structure = JSONSerializer._serialize_type_structure

    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if (
            shape.name == "AttributeValue"
            and type(value) is dict
            and len(value) == 1
            and not getattr(self._value_picker, "response_transformers", True)
        ):
            ((kind, scalar),) = value.items()
            if (kind == "S" or kind == "N") and type(scalar) is str:
                if key:
                    serialized[self.get_serialized_name(shape, key)] = {kind: scalar}
                else:
                    serialized[kind] = scalar
                return
        structure(self, serialized, value, shape, key)

    _replace(JSONSerializer, "_serialize_type_structure", serialize_structure)


def _handler_methods() -> None:
    """moto lists a handler class's methods with ``inspect.getmembers`` on every call; a
    class's methods do not change while it serves, so list them once per class."""
    import moto.core.responses as responses

    listed: dict[Any, list[str]] = {}
    list_methods = responses.method_names_from_class

    def method_names_from_class(clazz: Any) -> list[str]:
        names = listed.get(clazz)
        if names is None:
            names = listed[clazz] = list_methods(clazz)
        return names

    _replace_global(responses, "method_names_from_class", method_names_from_class)
