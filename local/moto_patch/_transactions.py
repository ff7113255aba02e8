"""TransactWriteItems that backs up only the items it touches (moto deep-copies every table)."""

from __future__ import annotations

import copy
from typing import Any


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
                given = {
                    "condition_expression": cond,
                    "expression_attribute_names": names,
                    "expression_attribute_values": values,
                }
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], **given)
                elif op_type == "Delete":
                    self.delete_item(table_name, key, **given)
                elif op_type == "Update":
                    self.update_item(table_name, key, update_expression=op["UpdateExpression"], **given)
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
