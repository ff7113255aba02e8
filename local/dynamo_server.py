"""A lean HTTP front for moto's DynamoDB: the JSON protocol (``X-Amz-Target``), straight to
moto's own request handler, one request at a time.

moto's server puts werkzeug's development server, a domain dispatcher and a Flask app in
front of that handler; profiled under the gateway's load they were about a quarter of each
call (``docs/BENCHMARKS.md``). Here an asyncio protocol reads each request (HTTP/1.1,
keep-alive, Content-Length bodies) and calls ``DynamoHandler.dispatch`` synchronously on
the event loop, so requests run strictly one after another: each conditional write or
transaction is as atomic as on AWS. The answer is moto's own: status, body, error shapes
(``ConditionalCheckFailedException``, ``TransactionCanceledException`` with its
``CancellationReasons``) and headers (``x-amz-crc32``, which botocore checks).

Run on its own (``python -m local.dynamo_server --port N``) it has a core and an
interpreter to itself, instead of sharing the GIL with the functions of the local stack.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sys
import threading
from typing import Any

_lock = threading.Lock()  # moto's backend is per process: two servers in one process take turns
_MAX_HEAD = 64 * 1024
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    411: "Length Required",
    413: "Payload Too Large",
    500: "Internal Server Error",
}


def _handler() -> Any:
    from local import moto_patch

    moto_patch.install()
    from moto.core.request import PRESERVED_HEADER_NAMES_ENVIRON_KEY, Request
    from moto.dynamodb.responses import DynamoHandler

    def handle(
        method: str, target: str, headers: dict[str, str], body: bytes, host: str
    ) -> tuple[int, dict[str, str], bytes]:
        path, _, query = target.partition("?")
        server_name, _, server_port = host.partition(":")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": server_name,
            "SERVER_PORT": server_port or "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            PRESERVED_HEADER_NAMES_ENVIRON_KEY: {},
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
        request = Request(environ)
        with _lock:
            status, out_headers, out_body = DynamoHandler.dispatch(
                request, request.raw_url, dict(request.headers)
            )
        data = out_body.encode() if isinstance(out_body, str) else bytes(out_body or b"")
        return int(status), {str(k): str(v) for k, v in out_headers.items() if k.lower() != "status"}, data

    return handle


def _response(status: int, headers: dict[str, str], body: bytes, close: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    for k, v in headers.items():
        if k.lower() not in ("content-length", "connection", "transfer-encoding"):
            lines.append(f"{k}: {v}")
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode()
    return status, {"Content-Type": "application/x-amz-json-1.0"}, body


def _failure(exc: Exception, body: bytes) -> tuple[int, dict[str, str], bytes]:
    try:
        json.loads(body or b"{}")
    except ValueError:  # DynamoDB's answer to a body that is not JSON
        return _error(400, "SerializationException", "Start of structure or map found where not expected")
    return _error(500, "InternalFailure", f"{type(exc).__name__}: {exc}")


class _Connection(asyncio.Protocol):
    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.continued = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # asyncio hands the base class; it is a socket transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD:
                    self._reply(*_error(413, "ValidationException", "Request header too large"), close=True)
                return
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                self._reply(*_error(400, "SerializationException", "Malformed request line"), close=True)
                return
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self._reply(*_error(411, "ValidationException", "Send a Content-Length body"), close=True)
                return
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                if headers.get("expect", "").lower() == "100-continue" and not self.continued:
                    self.continued = True
                    self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            self.continued = False
            close = version == "HTTP/1.0" or headers.get("connection", "").lower() == "close"
            if method != "POST" or "x-amz-target" not in headers:
                reply = _error(
                    400, "UnknownOperationException", "Only DynamoDB's JSON protocol is served here"
                )
            else:
                try:
                    reply = self.handle(method, target, headers, body, headers.get("host", "localhost"))
                except Exception as exc:
                    reply = _failure(exc, body)
            self._reply(*reply, close=close)

    def _reply(self, status: int, headers: dict[str, str], body: bytes, close: bool) -> None:
        assert self.transport is not None
        self.transport.write(_response(status, headers, body, close))
        if close:
            self.transport.close()


class Server:
    """The server on its own event loop thread (``start``), or in the foreground (``serve``)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    async def _open(self) -> None:
        handle = _handler()
        self.loop = asyncio.get_running_loop()
        self._server = await self.loop.create_server(lambda: _Connection(handle), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Server:
        started = threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            loop = _new_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:
                failed.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="dynamodb", daemon=True)
        self._thread.start()
        started.wait()
        if failed:
            raise failed[0]
        return self

    def shutdown(self) -> None:
        if self.loop is None or self._server is None:
            return
        loop, server = self.loop, self._server

        def stop() -> None:
            server.close()
            loop.stop()

        loop.call_soon_threadsafe(stop)
        if self._thread is not None:
            self._thread.join(5)

    def serve(self, ready: Any = None, parent_pid: int | None = None) -> None:
        async def main() -> None:
            await self._open()
            if ready:
                ready(self)
            assert self._server is not None
            while parent_pid is None or os.getppid() == parent_pid:
                await asyncio.sleep(1)  # the stack that started us is gone: so are we

        loop = _new_loop()
        try:
            loop.run_until_complete(main())
        finally:
            loop.close()


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # optional: a faster event loop where installed

        return uvloop.new_event_loop()
    except ImportError:
        return asyncio.new_event_loop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="moto's DynamoDB on a lean HTTP server, one request at a time."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--parent-pid", type=int, default=None, help="exit when this process is no longer our parent"
    )
    args = parser.parse_args(argv)

    def ready(server: Server) -> None:
        print(f"READY {server.url}", flush=True)

    Server(args.host, args.port).serve(ready, args.parent_pid)


if __name__ == "__main__":
    main()
