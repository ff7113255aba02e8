"""Update and condition expressions: parsed, copied and validated once where moto repeats it."""

from __future__ import annotations

import copy
from typing import Any

from local.moto_patch._registry import _replace

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


_RECENT_CONDITIONS = 16


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


class _NotPlain(Exception):
    pass


def _plain(value: Any) -> Any:
    if isinstance(value, _IMMUTABLE):
        return value
    raise _NotPlain
