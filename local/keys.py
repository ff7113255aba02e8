"""python -m local.keys create [--label L]: make an API key in the local (or configured) store."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any


def create_key(label: str | None, limits: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    from gateway.store import keys

    # The operator made it: its limits are the admin's (the free tier covers any model for it).
    return asyncio.run(keys.create(label, limits, created_by="admin"))


def main(argv: list[str] | None = None) -> None:
    from local.stack import attach

    parser = argparse.ArgumentParser(description="Create an API key in the running local stack's store.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create")
    c.add_argument("--label", default=None)
    args = parser.parse_args(argv)
    attach()
    plain, record = create_key(args.label)
    print(json.dumps({"id": record["key_id"], "label": record["label"], "key": plain}, indent=2))


if __name__ == "__main__":
    main()
