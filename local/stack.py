"""The Docker-free twin of ``sam local start-api``: every function of template.yaml at the
method and path the template declares, on one port.

Buffered functions (Mangum handlers) receive a real API Gateway REST proxy event and their
proxy response is sent back; streaming functions (Lambda Web Adapter) get the HTTP request
as their uvicorn would, so SSE reaches the client chunk by chunk. Beside it run a local
DynamoDB (tables from the template) and the provider simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from local import clock as local_clock
from local.template import ROOT, Function, Route, Template, load

STATE_FILE = Path(os.environ.get("GATEWAY_STATE_FILE") or ROOT / ".local" / "stack.json")


class Dispatcher:
    """An ASGI app routing by template.yaml's routes to each function."""

    def __init__(self, functions: list[Function]) -> None:
        from local import runtime

        self.runtime = runtime
        self.functions = {f.logical_id: f for f in functions}
        self.routes: list[tuple[Route, Any]] = []
        for f in functions:
            for r in f.routes:
                self.routes.append((r, r.regex()))
        # Literal paths before templated ones, as API Gateway matches them.
        self.routes.sort(key=lambda rr: ("{" in rr[0].path, -len(rr[0].path)))
        # Each worker thread is a "container": its own event loop for its life, as in Lambda.
        self.containers = ThreadPoolExecutor(
            max_workers=8,
            thread_name_prefix="container",
            initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop()),
        )

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        path_known = False
        for route, rx in self.routes:
            m = rx.match(path)
            if m:
                path_known = True
                if route.method in (method, "ANY"):
                    return route, m.groupdict(), True
        return None, {}, path_known

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["path"] == local_clock.PATH:
            await local_clock.serve(scope, receive, send)
            return
        route, params, path_known = self.match(scope["method"], scope["path"])
        if route is None:
            # API Gateway's own answer for an unknown route, in the gateway's error envelope.
            status = 405 if path_known else 404
            body = json.dumps(
                {
                    "error": {
                        "message": f"Unknown request URL: {scope['method']} {scope['path']}.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "unknown_route" if status == 404 else "method_not_allowed",
                    }
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        fn = self.functions[route.function]
        module = self.runtime.load_module(fn)
        if fn.streaming:
            await module.app(scope, receive, send)
            return
        await self._invoke_buffered(fn, module, route, params, scope, receive, send)

    async def _invoke_buffered(self, fn, module, route, params, scope, receive, send) -> None:  # type: ignore[no-untyped-def]  # ASGI callables, untyped in Starlette
        from urllib.parse import parse_qsl

        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        event = self.runtime.rest_event(
            method=scope["method"],
            path=scope["path"],
            resource=route.path,
            path_params=params,
            query=parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True),
            headers=[(k.decode().lower(), v.decode()) for k, v in scope["headers"]]
            + [("x-forwarded-proto", scope.get("scheme", "http"))],  # as API Gateway says https
            body=body,
            source_ip=(scope.get("client") or ("127.0.0.1",))[0],
        )
        handler = getattr(module, fn.handler.rsplit(".", 1)[1])
        context = self.runtime.LambdaContext(function_name=fn.logical_id)
        result = await asyncio.get_running_loop().run_in_executor(self.containers, handler, event, context)
        headers = [
            (k.lower().encode(), str(v).encode())
            for k, vs in (result.get("multiValueHeaders") or {}).items()
            for v in vs
        ]
        headers += [
            (k.lower().encode(), str(v).encode())
            for k, v in (result.get("headers") or {}).items()
            if k.lower().encode() not in {h for h, _ in headers}
        ]
        payload = result.get("body") or ""
        raw = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
        await send(
            {"type": "http.response.start", "status": result.get("statusCode", 200), "headers": headers}
        )
        await send({"type": "http.response.body", "body": raw})


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def configure(template: Template, dynamodb_url: str, simulator_url: str) -> dict[str, str]:
    """Set the environment every function reads: table names, the store, provider base URLs."""
    from local import dynamo

    names = dynamo.create_tables(template, dynamodb_url)
    env: dict[str, str] = {}
    for fn in template.functions():
        for k, v in fn.environment.items():
            if k.startswith(("AWS_LAMBDA_", "AWS_LWA_")) or k == "PORT":
                continue
            if template.is_parameter(v) and os.environ.get(k):
                continue  # a deploy-time parameter: the local environment's value wins
            env[k] = str(template.resolve(v, names))
    env.update(
        {
            "DYNAMODB_ENDPOINT_URL": dynamodb_url,
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        }
    )
    env.update(simulated_providers(simulator_url))
    for k, v in env.items():
        if k.startswith(("AWS_ACCESS", "AWS_SECRET")):
            os.environ.setdefault(k, v)  # real credentials a developer has set win
        else:
            os.environ[k] = v
    return env


def simulated_providers(simulator_url: str) -> dict[str, str]:
    """Point every provider at the simulator unless the user gave it a real key or base URL."""
    from local.simulator.app import BASE_PATHS

    env = {}
    for provider, path in BASE_PATHS.items():
        prefix = provider.upper()
        if os.environ.get(f"{prefix}_BASE_URL") or os.environ.get(f"{prefix}_API_KEY"):
            continue
        env[f"{prefix}_BASE_URL"] = simulator_url + path
        env[f"{prefix}_API_KEY"] = "sim-key"
    return env


def start_simulator(host: str, port: int) -> tuple[str, Any]:
    import uvicorn

    from local.simulator.app import app

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="simulator", daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.01)
    return f"http://{host}:{port}", server


_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs of an EventBridge ``rate(N unit)``; None for ``cron(...)``."""
    inner = expression.strip()
    if not (inner.startswith("rate(") and inner.endswith(")")):
        return None
    value, _, unit = inner[5:-1].strip().partition(" ")
    return int(value) * _RATE_UNITS[unit.strip()]


def run_schedules(
    functions: list[Function], override_s: float | None = None, wait: Callable[[float], object] | None = None
) -> list[threading.Thread]:
    """Invoke each function that has a Schedule event on its rate, in a daemon thread of its own,
    with its ``events/<LogicalId>.json`` event, as EventBridge would (``rate()`` only).
    ``LOCAL_SCHEDULE_SECONDS`` (or ``override_s``) replaces every interval, for demos and tests;
    ``wait`` (``time.sleep`` by default) is how a schedule waits out its interval (tests step it)."""
    import time
    import traceback

    from local import runtime

    override_s = override_s or float(os.environ.get("LOCAL_SCHEDULE_SECONDS") or 0) or None
    threads = []
    for fn in functions:
        for expression in fn.schedules:
            every = override_s or rate_seconds(expression)
            if every is None:
                print(f"{fn.logical_id}: {expression} is not run locally (only rate() is)", flush=True)
                continue
            print(f"Scheduled: {fn.logical_id} every {every:g} s ({expression})", flush=True)
            sample = ROOT / "events" / f"{fn.logical_id}.json"
            event = (
                json.loads(sample.read_text()) if sample.exists() else {"source": "aws.events", "detail": {}}
            )

            def tick(fn: Function = fn, every: float = every, event: dict[str, Any] = event) -> None:
                while True:
                    (wait or time.sleep)(every)
                    try:
                        handler = getattr(runtime.load_module(fn), fn.handler.rsplit(".", 1)[1])
                        handler(event, runtime.LambdaContext(function_name=fn.logical_id, timeout_s=900))
                    except Exception:
                        traceback.print_exc()

            thread = threading.Thread(target=tick, name=f"schedule-{fn.logical_id}", daemon=True)
            thread.start()
            threads.append(thread)
    return threads


def attach() -> dict[str, Any]:
    """Point this process at the running local stack's store and simulator (for local commands)."""
    from local import runtime

    if not STATE_FILE.exists():
        raise SystemExit("No local stack is running (start it with `make run`).")
    state = json.loads(STATE_FILE.read_text())
    runtime.ensure_path()
    configure(load(), state["dynamodb_url"], state["simulator_url"])
    return state


def write_state(state: dict[str, Any]) -> None:
    STATE_FILE.parent.mkdir(exist_ok=True)
    STATE_FILE.write_text(json.dumps(state, indent=2))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Run every function of template.yaml locally, without Docker."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--simulator-port", type=int, default=int(os.environ.get("SIMULATOR_PORT", "0")))
    parser.add_argument("--no-demo-key", action="store_true")
    args = parser.parse_args(argv)

    import uvicorn

    template = load()
    # A local admin key, so a new user can set limits (POST/PATCH /v1/keys) straight away.
    admin_generated = not os.environ.get("GATEWAY_ADMIN_KEY")
    if admin_generated:
        import secrets

        os.environ["GATEWAY_ADMIN_KEY"] = "gw_admin_" + secrets.token_urlsafe(24)
    dynamodb_url = os.environ.get("DYNAMODB_ENDPOINT_URL")
    if not dynamodb_url:
        from local import dynamo

        dynamodb_url, _ = dynamo.start_server(args.host, process=True)  # its own core and GIL
    simulator_url, _ = start_simulator(args.host, args.simulator_port or free_port(args.host))
    configure(template, dynamodb_url, simulator_url)
    local_clock.install()
    from local import runtime

    runtime.ensure_path()
    functions = template.functions()
    for fn in functions:
        runtime.load_module(fn)  # import up front, as Lambda's init phase does
    base = f"http://{args.host}:{args.port}"
    state = {
        "base_url": base + "/v1",
        "dynamodb_url": dynamodb_url,
        "simulator_url": simulator_url,
        "pid": os.getpid(),
        "admin_key": os.environ["GATEWAY_ADMIN_KEY"],
    }
    if not args.no_demo_key:
        from local.keys import create_key

        plain, _ = create_key("demo")
        state["demo_key"] = plain
    write_state(state)
    routes = sorted(
        {(r.method, r.path, f.logical_id) for f in functions for r in f.routes}, key=lambda r: r[1]
    )
    lines = [f"  {m:6} {base}{p}  -> {fid}" for m, p, fid in routes]
    print("Local stack (the twin of `sam local start-api`) serving:\n" + "\n".join(lines), flush=True)
    print(f"DynamoDB: {dynamodb_url}   provider simulator: {simulator_url}", flush=True)
    if admin_generated:
        print(
            f"\nLocal admin key (GATEWAY_ADMIN_KEY; set it yourself to choose one):\n  {state['admin_key']}"
        )
    if "demo_key" in state:
        print(f"\nDemo API key (shown once, also in {STATE_FILE}):\n  {state['demo_key']}\n")
        print(
            "Try it:\n  curl -s " + base + "/v1/chat/completions -H 'content-type: application/json' "
            f"-H 'x-api-key: {state['demo_key']}' "
            '-d \'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]}\'\n',
            flush=True,
        )
    run_schedules(functions)
    # access_log off: each line is a logging call per request even when the level hides it.
    # uvicorn picks uvloop and httptools by itself where they are installed.
    config = uvicorn.Config(
        Dispatcher(functions),
        host=args.host,
        port=args.port,
        log_level="warning",
        timeout_keep_alive=120,
        lifespan="on",
        access_log=False,
    )
    server = uvicorn.Server(config)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    server.run()


if __name__ == "__main__":
    main()
