"""Fixes to moto's DynamoDB for long-running, fast local use (tested with moto 5.2.5, pinned).

1. Transactions: moto backs up every table a transaction touches with ``copy.deepcopy``
   before applying it, so each TransactWriteItems costs time proportional to the whole
   table: after a few thousand requests the local stack's settlements slow to hundreds of
   milliseconds and time out. Real DynamoDB's cost does not grow with the table. The
   replacement keeps moto's semantics (conditions checked per item, all-or-nothing) but
   backs up only the items the transaction touches.

2. Update expressions (``_speed``): each UpdateItem, and each Update in a transaction, is
   parsed twice, its syntax tree deep-copied, and walked by ten processors, two of which
   re-check the whole subtree at every clause node (quadratic in the clauses). Profiled on
   the gateway's own calls that was ~70% of moto's time. The replacements give the same
   results and the same errors: a parsed expression is kept by its text (the validator
   works on its own copy), the copy is a structural one, the two whole-tree checks run once
   at the root (the full walk runs again only to raise moto's own error), and each walk
   looks its node types up once instead of at every node.

These replace moto internals, hence the pin: ``tests/unit/local/test_moto_patch.py`` checks
the pinned version and compares patched and original results.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

TESTED_MOTO = "5.2.5"
_originals: list[tuple[Any, str, Any]] = []


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, "_gateway_patched", False):
        return
    _replace(DynamoDBBackend, "transact_write_items", _transact_write_items())
    DynamoDBBackend.transact_write_items._gateway_patched = True  # type: ignore[attr-defined]  # a marker on moto's function
    _speed()


@contextlib.contextmanager
def unpatched() -> Iterator[None]:
    """moto as released, for the duration (tests compare the two)."""
    current = [(owner, name, owner.__dict__[name]) for owner, name, _ in _originals]
    for owner, name, original in reversed(_originals):
        _set(owner, name, original)
    try:
        yield
    finally:
        for owner, name, patched in current:
            _set(owner, name, patched)


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


def _transact_write_items() -> Any:
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import get_filter_expression as _filter

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        backups: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        seen: set[tuple[str, str]] = set()

        def rollback() -> None:
            for table_name, key, attrs in reversed(backups):
                if attrs is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attrs)

        errors: list[tuple[Any, Any, Any]] = []
        for item in transact_items:
            original_item = None
            if len(item) > 1:
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                cond = op.get("ConditionExpression")
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    table = self.get_table(table_name)
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                else:
                    key = op["Key"]
                marker = (str(table_name), str(dict(sorted(key.items()))))
                if marker in seen:
                    raise MultipleTransactionsException()
                seen.add(marker)
                current = self.get_item(table_name, key)
                if cond is not None and not _filter(cond, names, values).expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
                if op_type != "ConditionCheck":
                    backups.append(
                        (table_name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None)
                    )
                if op_type == "Put":
                    self.put_item(
                        table_name,
                        op["Item"],
                        condition_expression=cond,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Delete":
                    self.delete_item(
                        table_name,
                        key,
                        condition_expression=cond,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Update":
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        condition_expression=cond,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                rollback()
                raise
            except ConditionalCheckFailed as e:
                errors.append(("ConditionalCheckFailed", str(e.message), original_item))
            except Exception as e:
                errors.append((type(e).__name__, str(e), original_item))
        if any(code is not None for code, _, _ in errors):
            rollback()
            raise TransactionCanceledException(errors)

    return transact_write_items


_PARSED_MAX = 1024
_IMMUTABLE = (str, int, float, bool, type(None))


def _speed() -> None:
    from moto.dynamodb.parsing import expressions, validators
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node, UpdateExpression

    parser = expressions.UpdateExpressionParser
    make = parser.make.__func__  # type: ignore[attr-defined]  # moto ships no stubs for its parser
    parsed: dict[str, Any] = {}

    def cached_make(cls: Any, expression_str: str) -> Any:
        # Only successful parses are kept; a bad expression raises its error every time.
        # Callers only read the tree: the validator below works on its own copy.
        tree = parsed.get(expression_str)
        if tree is None:
            tree = make(cls, expression_str)
            if len(parsed) >= _PARSED_MAX:
                parsed.clear()
            parsed[expression_str] = tree
        return tree

    _replace(parser, "make", classmethod(cached_make))

    def copy_tree(node: Any, parent: Any) -> Any:
        state = node.__dict__
        if state.keys() != {"type", "children", "parent"}:
            raise _NotPlain
        clone = object.__new__(type(node))
        children = state["children"]
        if children is not None:
            children = [copy_tree(c, clone) if isinstance(c, Node) else _plain(c) for c in children]
        clone.__dict__.update(type=state["type"], children=children, parent=parent)
        return clone

    validator_init = validators.Validator.__init__

    def init(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
        validator_init(self, None, *args, **kwargs)  # deepcopy(None) is free
        try:
            if expression.parent is not None:
                raise _NotPlain
            self.node_to_validate = copy_tree(expression, None)
        except _NotPlain:
            self.node_to_validate = copy.deepcopy(expression)

    _replace(validators.Validator, "__init__", init)

    for checker in (validators.ActionCountValidator, validators.OverlappingPathsValidator):
        # They match every UpdateExpression subclass, so moto re-checks each clause's
        # subtree; the check at the root covers them all.
        def traverse_root(self: Any, node: Any, _full: Any = checker.traverse) -> Any:
            if not isinstance(node, UpdateExpression):
                return _full(self, node)
            try:
                self.process(node)
            except Exception:
                return _full(self, node)
            return node

        _replace(checker, "traverse", traverse_root)

    base_pre = DepthFirstTraverser.pre_processing_of_child
    leaf = object()

    def traverse(self: Any, node: Any) -> Any:
        # moto's walk rebuilds the processing map twice per node and asks ABCMeta about each
        # type; here each node type is looked up once per walk (same order, same first match).
        processors = tuple(self._processing_map().items())
        pre = self.pre_processing_of_child if type(self).pre_processing_of_child is not base_pre else None
        choice: dict[type, Any] = {}

        def pick(kind: type) -> Any:
            found = leaf
            if issubclass(kind, Node):
                found = next((process for cls, process in processors if issubclass(kind, cls)), None)
            choice[kind] = found
            return found

        def walk(node: Any, child_id: int) -> Any:
            kind = type(node)
            process = choice[kind] if kind in choice else pick(kind)
            if process is leaf:
                return node
            parent = node.parent
            children = node.children
            if children is not None:
                for i, child in enumerate(children):
                    if pre is not None:
                        pre(node, i)
                    walk(child, i)
            if process is not None:
                node = process(node)
                node.parent = parent
                if parent:
                    parent.children[child_id] = node
            return node

        return walk(node, -1)

    _replace(DepthFirstTraverser, "traverse", traverse)
    _attribute_values()
    _item_size()
    _handler_methods()


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


def _item_size() -> None:
    """moto re-measures the whole item at each attribute it sets (to refuse items over
    400 KB); the same sum, with string and number values measured inline."""
    from moto.dynamodb.models.dynamo_type import DynamoType, ItemSizeTooLarge, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def size(v: Any) -> int:
        if type(v) is DynamoType:
            if v.type == "S" and type(v.value) is str:
                return len(v.value.encode("utf-8"))
            if v.type == "N":
                return len(str(v.value))
            return v.size()
        return bytesize(str(v))

    def setitem(self: Any, key: str, value: Any) -> None:
        current = sum(len(str(k).encode("utf-8")) for k in self) + sum(size(v) for v in self.values())
        if current + bytesize(key) + size(value) > 405000:
            raise ItemSizeTooLarge
        dict.__setitem__(self, key, value)

    _replace(LimitedSizeDict, "__setitem__", setitem)


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


class _NotPlain(Exception):
    pass


def _plain(value: Any) -> Any:
    if isinstance(value, _IMMUTABLE):
        return value
    raise _NotPlain
