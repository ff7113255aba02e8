"""Peak resident memory of each function, to size MemorySize (docs/BENCHMARKS.md).

    python -m tools.rss [--runs 30]

Starts the local stack (DynamoDB and the provider simulator), then for each function of
template.yaml a fresh interpreter loads the function's module as Lambda would and serves its
sample event (events/<Function>.json) ``--runs`` times; streaming functions also serve a stream
and, separately, a ``model: "auto"`` request (the router loads numpy and the WordLlama table).
Prints each process's peak RSS (``ru_maxrss``): interpreter, imports, first-request state.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import asyncio, json, resource, sys
sys.path[:0] = [{root!r}]
from local import runtime
from local.template import load
runtime.ensure_path()
fn = load().function({name!r})
module = runtime.load_module(fn)
event = json.loads(open({event!r}).read())
headers = {{k: v for k, v in (event.get("headers") or {{}}).items() if k.lower() != "x-api-key"}}
headers["x-api-key"] = {key!r}
event["headers"] = headers
event["multiValueHeaders"] = {{k: [v] for k, v in headers.items()}}
bodies = [event.get("body")]
if fn.streaming:
    base = json.loads(event["body"])
    bodies.append(json.dumps({{**base, "stream": True}}))
    if {auto!r}:
        bodies = [json.dumps({{**base, "model": "auto"}})]
async def serve():
    import httpx
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=module.app)) as client:
        for _ in range({runs}):
            for body in bodies:
                r = await client.request(event["httpMethod"], "http://lambda" + event["path"], headers=headers, content=body)
                assert r.status_code < 500, r.text
if fn.streaming:
    asyncio.run(serve())
elif fn.routes:
    handler = getattr(module, fn.handler.rsplit(".", 1)[1])
    for _ in range({runs}):
        r = handler(event, runtime.LambdaContext(function_name=fn.logical_id))
        assert r["statusCode"] < 500, r
else:
    handler = getattr(module, fn.handler.rsplit(".", 1)[1])
    for _ in range(3):
        handler(event, runtime.LambdaContext(function_name=fn.logical_id))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    from local import stack as local_stack
    from local.template import load

    state = Path(tempfile.mkdtemp()) / "stack.json"
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    env.update({"PORT": str(local_stack.free_port()), "GATEWAY_STATE_FILE": str(state)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        info = json.loads(state.read_text())
        template = load()
        child_env = {
            **os.environ,
            **local_stack.configure(template, info["dynamodb_url"], info["simulator_url"]),
        }
        child_env["POWERTOOLS_LOG_LEVEL"] = "ERROR"
        rows = []
        for fn in template.functions():
            for auto in (False, True) if fn.streaming else (False,):
                code = _CHILD.format(
                    root=str(ROOT),
                    name=fn.logical_id,
                    event=str(ROOT / "events" / f"{fn.logical_id}.json"),
                    key=info["demo_key"],
                    runs=args.runs,
                    auto=auto,
                )
                out = subprocess.run(
                    [sys.executable, "-c", code], env=child_env, capture_output=True, text=True, check=False
                )
                rss = (
                    out.stdout.strip().splitlines()[-1]
                    if out.returncode == 0
                    else f"error: {out.stderr[-300:]}"
                )
                rows.append((fn.logical_id + (' (model "auto")' if auto else ""), rss))
        for name, rss in rows:
            print(f"{name:<40} {rss} MB")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
