"""python -m local.report [--key ID | --all] [--build] [--json]: the 24 h spend report as a table.

Reads the running local stack's store (``.local/stack.json`` or ``GATEWAY_STATE_FILE``), as
``GET /v1/report`` does: the stored report, rebuilt when older than the schedule's interval.
Without ``--key`` or ``--all`` it shows the stack's demo key. ``--build`` first runs the
scheduled ReportBuilderFunction once on ``events/ReportBuilderFunction.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys


def _default_key(state: dict) -> str | None:
    from gateway.identity import apikeys

    demo = state.get("demo_key")
    return apikeys.parse_id(demo) if demo else None


def _run_builder() -> dict:
    from local import runtime
    from local.template import ROOT, load

    fn = load().function("ReportBuilderFunction")
    event = json.loads((ROOT / "events" / "ReportBuilderFunction.json").read_text())
    handler = getattr(runtime.load_module(fn), fn.handler.rsplit(".", 1)[1])
    return handler(event, runtime.LambdaContext(function_name=fn.logical_id, timeout_s=900))


def main(argv: list[str] | None = None) -> None:
    from local.stack import attach

    parser = argparse.ArgumentParser(description="Print the 24 h spend report of the running local stack.")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--key", help="key id (default: the stack's demo key)")
    who.add_argument("--all", action="store_true", help="the whole gateway")
    parser.add_argument("--build", action="store_true", help="run the scheduled report builder first")
    parser.add_argument("--json", action="store_true", help="print the report's JSON instead of tables")
    args = parser.parse_args(argv)
    state = attach()
    from gateway.reports import builder, table

    key_id = None if args.all else (args.key or _default_key(state))
    if not args.all and key_id is None:
        raise SystemExit("No demo key in the stack's state: give --key ID or --all.")
    if args.build:
        print(f"report builder: {json.dumps(_run_builder())}", file=sys.stderr)
    report = asyncio.run(builder.latest(key_id))
    sys.stdout.write(json.dumps(report, indent=2) + "\n" if args.json else table.render(report))


if __name__ == "__main__":
    main()
