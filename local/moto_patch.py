"""One fix to moto's DynamoDB for long-running local use.

moto backs up every table a transaction touches with ``copy.deepcopy`` before applying it,
so each TransactWriteItems costs time proportional to the whole table: after a few
thousand requests the local stack's settlements (one transaction each) slow to hundreds
of milliseconds and time out. Real DynamoDB's cost does not grow with the table. This
replacement keeps moto's semantics (conditions checked per item, all-or-nothing) but backs
up only the items the transaction touches.
"""

from __future__ import annotations

import copy
from typing import Any


def install() -> None:
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models import get_filter_expression as _filter

    if getattr(DynamoDBBackend.transact_write_items, "_gateway_patched", False):
        return

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
                    backups.append((table_name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], condition_expression=cond,
                                  expression_attribute_names=names, expression_attribute_values=values)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, condition_expression=cond,
                                     expression_attribute_names=names, expression_attribute_values=values)
                elif op_type == "Update":
                    self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                     condition_expression=cond, expression_attribute_names=names,
                                     expression_attribute_values=values)
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                rollback()
                raise
            except ConditionalCheckFailed as e:
                errors.append(("ConditionalCheckFailed", str(e.message), original_item))
            except Exception as e:  # noqa: BLE001 - moto reports any other failure per item, as here
                errors.append((type(e).__name__, str(e), original_item))
        if any(code is not None for code, _, _ in errors):
            rollback()
            raise TransactionCanceledException(errors)

    transact_write_items._gateway_patched = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
