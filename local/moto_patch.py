"""Fixes to moto's DynamoDB for long-running, fast local use (tested with moto 5.2.5, pinned).

1. Transactions: moto backs up every table a transaction touches with ``copy.deepcopy``
   before applying it, so each TransactWriteItems costs time proportional to the whole
   table: after a few thousand requests the local stack's settlements slow to hundreds of
   milliseconds and time out. Real DynamoDB's cost does not grow with the table. The
   replacement keeps moto's semantics (conditions checked per item, all-or-nothing) but
   backs up only the items the transaction touches, and on a cancellation puts them back as
   they were (no re-validation, no stream records), as moto's whole-table restore does.

2. Update expressions (``_speed``): each UpdateItem, and each Update in a transaction, is
   parsed twice, its syntax tree deep-copied, and walked by ten processors, two of which
   re-check the whole subtree at every clause node (quadratic in the clauses). Profiled on
   the gateway's own calls that was ~70% of moto's time. The replacements give the same
   results and the same errors: a parsed expression is kept by its text (the validator
   works on its own copy), the copy is a structural one, the two whole-tree checks run once
   at the root (the full walk runs again only to raise moto's own error), and each walk
   looks its node types up once instead of at every node.

3. Writes (``_update_item``, ``_conditions``, ``Item.__init__``): every UpdateItem deep-copied
   the old item for a stream nobody reads, and re-parsed its condition two or three times;
   every new item was measured once per attribute. An expression made only of plain
   ``SET #n = :v``, ``ADD #n :v`` and ``REMOVE #n`` clauses (all the gateway's request-path
   writes) is applied directly when it is valid as it stands; anything else, and every
   error, takes moto's own path. With 1 and 2: UpdateItem 3.4 -> 0.59 ms, a settlement's
   TransactWriteItems 8.6 -> 1.1 ms.

These replace moto internals, hence the pin: ``tests/unit/local/test_moto_patch.py`` checks
the pinned version and compares patched and original results, on a fixed corpus and on 600
seeded random updates; ``test_moto_patch_edges.py`` keeps the edges an adversarial review found
(a new item's size, a condition sharing a set with an item, rollbacks, streams, malformed input).
"""

from __future__ import annotations

import contextlib
import copy
import re
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
        # (table, hash key, range key, the item as it was or None): restored as they were, not
        # written again, since a write re-validates (an UpdateItem may have stored a value a
        # PutItem refuses) and adds stream records moto's whole-table restore never leaves.
        backups: list[tuple[Any, Any, Any, Any]] = []
        streams: dict[str, tuple[Any, int]] = {}
        seen: set[tuple[str, str]] = set()

        def rollback() -> None:
            for table, hash_key, range_key, before in reversed(backups):
                if range_key is None:
                    if before is None:
                        table.items.pop(hash_key, None)
                    else:
                        table.items[hash_key] = before
                elif before is None:
                    cell = table.items.get(hash_key)
                    if cell is not None:
                        cell.pop(range_key, None)
                        if not cell:
                            del table.items[hash_key]
                else:
                    table.items[hash_key][range_key] = before
            for shard, length in streams.values():
                del shard.items[length:]

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
                    table = self.get_table(table_name)
                    if table.stream_shard is not None and table_name not in streams:
                        streams[table_name] = (table.stream_shard, len(table.stream_shard.items))
                    hash_key, range_key = self.get_keys_value(table, key)
                    backups.append((table, hash_key, range_key, copy.deepcopy(current)))
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
    _conditions()
    _update_item()


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


def _conditions() -> None:
    """A condition is parsed twice per write (the handler checks which names and values it
    uses, the backend evaluates it; a transaction's own check adds a third), each time lexed
    character by character. The parse of the same text with the same names and values is
    kept (a handful, so a request's second and third parse find the first); the lexing of the
    same text is kept too. Both results are immutable: named tuples, and operator trees that
    evaluation only reads."""
    from moto.dynamodb.comparisons import ConditionExpressionParser

    lex = ConditionExpressionParser._lex_condition_expression
    parse = ConditionExpressionParser.parse
    lexed: dict[str, tuple[Any, ...]] = {}
    parsed: dict[tuple[str, str, str], tuple[Any, list[str], list[str]]] = {}

    def cached_lex(self: Any) -> Any:
        from collections import deque

        text = self.condition_expression
        nodes = lexed.get(text)
        if nodes is None:
            nodes = tuple(lex(self))
            if len(lexed) >= _PARSED_MAX:
                lexed.clear()
            lexed[text] = nodes
        return deque(nodes)

    def cached_parse(self: Any) -> Any:
        import json

        if not self.condition_expression:
            return parse(self)
        try:
            key = (
                self.condition_expression,
                json.dumps(self.expression_attribute_names, sort_keys=True),
                json.dumps(self.expression_attribute_values, sort_keys=True),
            )
        except (TypeError, ValueError):
            return parse(self)
        hit = parsed.get(key)
        if hit is None:
            # The parsed tree keeps references into the values it was parsed with, and moto may
            # store the request's own lists in an item and later change them in place (DELETE
            # from a set): the kept tree is parsed from a private copy.
            values = self.expression_attribute_values
            self.expression_attribute_values = copy.deepcopy(values)
            try:
                op = parse(self)  # errors are raised every time, never kept
            finally:
                self.expression_attribute_values = values
            if len(parsed) >= _RECENT_CONDITIONS:
                parsed.pop(next(iter(parsed)))
            hit = parsed[key] = (op, list(self.expr_attr_names_found), list(self.expr_attr_values_found))
            return op
        op, names, values = hit
        self.expr_attr_names_found.extend(names)
        self.expr_attr_values_found.extend(values)
        return op

    _replace(ConditionExpressionParser, "_lex_condition_expression", cached_lex)
    _replace(ConditionExpressionParser, "parse", cached_parse)


_RECENT_CONDITIONS = 16
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


class _NotPlain(Exception):
    pass


def _plain(value: Any) -> Any:
    if isinstance(value, _IMMUTABLE):
        return value
    raise _NotPlain
