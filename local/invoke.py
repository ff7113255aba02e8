"""The Docker-free twin of ``sam local invoke``: run one function of template.yaml on one event.

    python -m local.invoke ModelsFunction --event events/ModelsFunction.json

Buffered functions get the event as Lambda gives it; Web Adapter functions get the HTTP
request the adapter would make of it. The printed result is the Lambda proxy response.
The function's environment comes from template.yaml; DynamoDB and the providers are the
running local stack's when there is one (``make run``), else a throwaway local DynamoDB
and simulator for this one call. API keys in the event: ``--key auto`` (the default)
creates a key and puts it in the ``x-api-key`` header, so sample events need no secret.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from pathlib import Path
from typing import Any

from local import runtime
from local.template import load


async def _call_asgi(app: Any, event: dict[str, Any]) -> dict[str, Any]:
    import httpx

    headers = dict(event.get("headers") or {})
    url = "http://lambda" + event["path"]
    qs = runtime.query_string(event)
    if qs:
        url += "?" + qs
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as client:
        resp = await client.request(
            event["httpMethod"], url, headers=headers, content=runtime.event_body(event)
        )
    body = resp.content
    try:
        text, b64 = body.decode(), False
    except UnicodeDecodeError:
        text, b64 = base64.b64encode(body).decode(), True
    return {
        "statusCode": resp.status_code,
        "headers": dict(resp.headers),
        "body": text,
        "isBase64Encoded": b64,
    }


def _environment(template: Any) -> None:
    from local import stack

    if stack.STATE_FILE.exists():
        state = json.loads(stack.STATE_FILE.read_text())
        try:
            import httpx

            httpx.get(state["simulator_url"] + "/_sim/stats", timeout=1)
            stack.configure(template, state["dynamodb_url"], state["simulator_url"])
            return
        except Exception:
            pass
    from local import dynamo

    dynamodb_url, _ = dynamo.start_server()
    simulator_url, _ = stack.start_simulator("127.0.0.1", stack.free_port())
    stack.configure(template, dynamodb_url, simulator_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Invoke one function of template.yaml locally, without Docker."
    )
    parser.add_argument("function", help="logical id in template.yaml, e.g. ChatCompletionsFunction")
    parser.add_argument("--event", "-e", required=True, type=Path)
    parser.add_argument(
        "--key", default="auto", help="'auto' creates a key; 'none' leaves the event's headers as they are"
    )
    args = parser.parse_args(argv)

    template = load()
    fn = template.function(args.function)
    event = json.loads(args.event.read_text())
    runtime.ensure_path()
    _environment(template)
    if args.key != "none" and event.get("httpMethod"):
        from local.keys import create_key

        key = create_key("invoke")[0] if args.key == "auto" else args.key
        event.setdefault("headers", {})
        event["headers"] = {k: v for k, v in (event["headers"] or {}).items() if k.lower() != "x-api-key"}
        event["headers"]["x-api-key"] = key
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    module = runtime.load_module(fn)
    if fn.streaming:
        result = asyncio.run(_call_asgi(module.app, event))
    else:
        handler = getattr(module, fn.handler.rsplit(".", 1)[1])
        result = handler(event, runtime.LambdaContext(function_name=fn.logical_id))
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
