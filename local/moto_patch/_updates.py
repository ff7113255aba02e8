"""UpdateItem, with plain SET/ADD/REMOVE expressions applied directly (moto's path for the rest)."""

from __future__ import annotations

import re
from typing import Any

from local.moto_patch._expressions import _PARSED_MAX
from local.moto_patch._items import _ITEM_LIMIT, _attrs_size, _value_size
from local.moto_patch._registry import _replace

_UPDATE_TOKEN = re.compile(r"\s*(SET|ADD|REMOVE|[#:][A-Za-z0-9_]+|=|,)\s*")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,37})(\.[0-9]+)?")
_Plan = tuple[tuple[str, str, "str | None"], ...]


def _simple_plan(expression: str) -> _Plan | None:
    """The actions of an update expression made only of ``SET #n = :v``, ``ADD #n :v`` and
    ``REMOVE #n`` clauses (each keyword once), or None for anything else."""
    tokens: list[str] = []
    at = 0
    for m in _UPDATE_TOKEN.finditer(expression):
        if m.start() != at:
            return None
        tokens.append(m.group(1))
        at = m.end()
    if at != len(expression) or not tokens:
        return None
    actions: list[tuple[str, str, str | None]] = []
    keywords: set[str] = set()
    i = 0
    while i < len(tokens):
        keyword = tokens[i]
        if keyword not in ("SET", "ADD", "REMOVE") or keyword in keywords:
            return None
        keywords.add(keyword)
        i += 1
        while True:
            shape = {"SET": 3, "ADD": 2, "REMOVE": 1}[keyword]
            part = tokens[i : i + shape]
            if len(part) < shape or not part[0].startswith("#"):
                return None
            if keyword == "SET" and (part[1] != "=" or not part[2].startswith(":")):
                return None
            if keyword == "ADD" and not part[1].startswith(":"):
                return None
            actions.append((keyword, part[0], part[-1] if shape > 1 else None))
            i += shape
            if i < len(tokens) and tokens[i] == ",":
                i += 1
                continue
            break
    return tuple(actions)


def _simple_update(plan: _Plan, item: Any, names: Any, values: Any, table: Any) -> list[Any] | None:
    """The writes ``plan`` makes to ``item``, or None where moto's own walk must decide (an
    error to raise in moto's words, a path, type or size this does not handle). Reads only."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if not isinstance(names, dict) or not isinstance(values, dict):
        return None
    protected = {table.hash_key_attr, table.range_key_attr, *table.attribute_keys}
    protected.update(d.get("AttributeName") for d in table.attr or [])
    attrs = item.attrs
    writes: list[tuple[str, Any]] = []
    grows = 0
    for action, name, value_name in plan:
        attr = names.get(name)
        if type(attr) is not str or not attr or attr in protected or any(attr == w[0] for w in writes):
            return None
        if value_name is None:
            writes.append((attr, None))
            continue
        raw = values.get(value_name)
        if type(raw) is not dict or len(raw) != 1:
            return None
        ((kind, scalar),) = raw.items()
        current = attrs.get(attr)
        if action == "SET":
            settable = (
                (kind == "S" and type(scalar) is str)
                or (kind == "BOOL" and type(scalar) is bool)
                or (kind == "N" and type(scalar) is str and _NUMBER.fullmatch(scalar) is not None)
            )
            if not settable:
                return None
            new = DynamoType(raw)
        elif kind == "N":
            if type(scalar) is not str or not _NUMBER.fullmatch(scalar):
                return None
            if current is not None and (current.type != "N" or not _NUMBER.fullmatch(str(current.value))):
                return None
            new = (current if current is not None else DynamoType({"N": "0"})) + DynamoType(raw)
        elif kind in ("SS", "NS"):
            if type(scalar) is not list or not scalar or any(type(v) is not str for v in scalar):
                return None
            if current is not None and current.type != kind:
                return None
            merged = list(current.value) if current is not None else []
            for v in scalar:
                if v not in merged:
                    merged.append(v)
            new = DynamoType({kind: merged})
        else:
            return None
        try:
            grows += len(attr.encode("utf-8")) + _value_size(new)
        except UnicodeEncodeError:
            return None  # moto fails part-way through such an update: its own path does exactly that
        writes.append((attr, new))
    if _attrs_size(attrs) + grows > _ITEM_LIMIT:
        return None
    return writes


def _update_item() -> None:
    """moto's ``update_item`` with two costs cut, same answers: the old item is deep-copied
    only when a stream wants it, and an expression of plain ``SET #n = :v`` / ``ADD #n :v`` /
    ``REMOVE #n`` clauses (every write on the gateway's request path) is applied directly
    instead of through ten tree walks, an executor and a size re-measure at every attribute.
    Anything else, and every error, goes through moto's own code."""
    import copy as copy_module

    from moto.dynamodb.comparisons import create_condition_expression_parser, get_expected
    from moto.dynamodb.exceptions import ConditionalCheckFailed, ItemSizeToUpdateTooLarge
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, ItemSizeTooLarge
    from moto.dynamodb.parsing.executors import UpdateExpressionExecutor
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser
    from moto.dynamodb.parsing.validators import UpdateExpressionValidator

    plans: dict[str, _Plan | None] = {}

    def plan_of(expression: str) -> _Plan | None:
        if expression not in plans:
            if len(plans) >= _PARSED_MAX:
                plans.clear()
            plans[expression] = _simple_plan(expression)
        return plans[expression]

    def update_item(
        self: Any,
        table_name: str,
        key: dict[str, dict[str, Any]],
        update_expression: str,
        expression_attribute_names: dict[str, Any],
        expression_attribute_values: dict[str, Any],
        attribute_updates: dict[str, Any] | None = None,
        expected: dict[str, Any] | None = None,
        condition_expression: str | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> Any:
        table = self.get_table(table_name)
        plan = None
        if update_expression:
            update_expression_ast = UpdateExpressionParser.make(update_expression)
            plan = None if attribute_updates else plan_of(update_expression)
            update_expression = re.sub(r"\s*([=\+-])\s*", "\\1", update_expression)
        if all([table.hash_key_attr in key, table.range_key_attr in key]):
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr])
        elif table.hash_key_attr in key:
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = None
        else:
            hash_value = DynamoType(key)
            range_value = None
        item = table.get_item(hash_value, range_value)
        orig_item = copy_module.deepcopy(item) if table.stream_shard is not None else None
        if not get_expected(expected or {}).expr(item):
            raise ConditionalCheckFailed
        condition_op = create_condition_expression_parser(
            condition_expression, expression_attribute_names, expression_attribute_values
        ).parse()
        if not condition_op.expr(item):
            if return_values_on_condition_check_failure == "ALL_OLD" and item is not None:
                raise ConditionalCheckFailed(item=item.to_json()["Attributes"])
            raise ConditionalCheckFailed
        writes = None
        if item is None:
            data: dict[str, Any] = {table.hash_key_attr: {hash_value.type: hash_value.value}}
            if range_value:
                data[table.range_key_attr] = {range_value.type: range_value.value}
            if update_expression:
                if plan is not None:
                    # Measured as it will be stored: with its key attributes.
                    writes = _simple_update(
                        plan,
                        Item(hash_value, range_value, attrs=data),
                        expression_attribute_names,
                        expression_attribute_values,
                        table,
                    )
                if writes is None:
                    UpdateExpressionValidator(
                        update_expression_ast,
                        expression_attribute_names=expression_attribute_names,
                        expression_attribute_values=expression_attribute_values,
                        item=Item(hash_value, range_value, attrs={}),
                        table=table,
                    ).validate()
            table.put_item(data)
            item = table.get_item(hash_value, range_value)
        elif plan is not None:
            writes = _simple_update(
                plan, item, expression_attribute_names, expression_attribute_values, table
            )
        if attribute_updates:
            item.validate_no_empty_key_values(attribute_updates, table.attribute_keys)
        if writes is not None:
            for attr, value in writes:  # sized as a whole above
                if value is None:
                    item.attrs.pop(attr, None)
                else:
                    dict.__setitem__(item.attrs, attr, value)
        elif update_expression:
            validated_ast = UpdateExpressionValidator(
                update_expression_ast,
                expression_attribute_names=expression_attribute_names,
                expression_attribute_values=expression_attribute_values,
                item=item,
                table=table,
            ).validate()
            validated_ast.normalize()
            try:
                UpdateExpressionExecutor(validated_ast, item, expression_attribute_names).execute()
            except ItemSizeTooLarge:
                raise ItemSizeToUpdateTooLarge() from None
        else:
            item.update_with_attribute_updates(attribute_updates)
        if table.stream_shard is not None:
            table.stream_shard.add(orig_item, item)
        return item

    _replace(DynamoDBBackend, "update_item", update_item)
