"""Fixes to moto's DynamoDB for long-running, fast local use (tested with moto 5.2.5, pinned).

1. Transactions (``_transactions.py``): moto backs up every table a transaction touches with ``copy.deepcopy``
   before applying it, so each TransactWriteItems costs time proportional to the whole
   table: after a few thousand requests the local stack's settlements slow to hundreds of
   milliseconds and time out. Real DynamoDB's cost does not grow with the table. The
   replacement keeps moto's semantics (conditions checked per item, all-or-nothing) but
   backs up only the items the transaction touches, and on a cancellation puts them back as
   they were (no re-validation, no stream records), as moto's whole-table restore does.

2. Update expressions (``_expressions.py``): each UpdateItem, and each Update in a transaction, is
   parsed twice, its syntax tree deep-copied, and walked by ten processors, two of which
   re-check the whole subtree at every clause node (quadratic in the clauses). Profiled on
   the gateway's own calls that was ~70% of moto's time. The replacements give the same
   results and the same errors: a parsed expression is kept by its text (the validator
   works on its own copy), the copy is a structural one, the two whole-tree checks run once
   at the root (the full walk runs again only to raise moto's own error), and each walk
   looks its node types up once instead of at every node.

3. Writes (``_updates.py``; conditions in ``_expressions.py``, item sizes and response values
   in ``_items.py``): every UpdateItem deep-copied
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
from collections.abc import Iterator

from local.moto_patch import _expressions, _items, _transactions, _updates
from local.moto_patch._registry import _originals, _replace, _set

TESTED_MOTO = "5.2.5"


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, "_gateway_patched", False):
        return
    _replace(DynamoDBBackend, "transact_write_items", _transactions._transact_write_items())
    DynamoDBBackend.transact_write_items._gateway_patched = True  # type: ignore[attr-defined]  # a marker on moto's function
    _expressions._speed()
    _items._attribute_values()
    _items._item_size()
    _items._handler_methods()
    _expressions._conditions()
    _updates._update_item()


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
