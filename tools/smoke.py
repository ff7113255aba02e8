"""Check a running gateway in one command, with the official openai SDK, as a client would:

    python -m tools.smoke --base-url https://<api>.execute-api.<region>.amazonaws.com/v1/v1 --api-key gw_live_...

Five checks: the model list, a chat completion (with its usage and cost), a stream (chunks,
then the usage chunk), the error envelope of an unknown model, and a 401 for a wrong key.
Exits 0 when all pass. Each call is one small request (a few tokens of the chosen model).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import openai


class SmokeFailure(Exception):
    """A check saw something a client of the gateway would not accept."""


def _need(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    ms: float


def _models(client: openai.OpenAI, model: str) -> str:
    ids = [m.id for m in client.models.list()]
    _need(ids, "the model list is empty")
    _need(model in ids, f"{model} is not listed ({len(ids)} models)")
    return f"{len(ids)} models, {model} among them"


def _chat(client: openai.OpenAI, model: str) -> str:
    r = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=16
    )
    _need(r.choices and r.choices[0].message.content, "no content")
    _need(r.usage is not None and r.usage.completion_tokens > 0, "no usage")
    usage = r.usage.model_dump()
    _need("total_cost_usd" in usage, "usage carries no cost (not the gateway?)")
    return f"{r.usage.total_tokens} tokens, ${usage['total_cost_usd']:.8f}, served by {r.model}"


def _stream(client: openai.OpenAI, model: str) -> str:
    chunks, text, usage = 0, "", None
    for chunk in client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Count to three."}],
        max_tokens=32,
        stream=True,
        stream_options={"include_usage": True},
    ):
        chunks += 1
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
        if chunk.usage is not None:
            usage = chunk.usage
    _need(text, f"{chunks} chunks without content")
    _need(usage is not None and usage.completion_tokens > 0, "no usage chunk")
    return f"{chunks} chunks, {usage.total_tokens} tokens"


def _error_envelope(client: openai.OpenAI, model: str) -> str:
    try:
        client.chat.completions.create(
            model="no-such-model-smoke-check", messages=[{"role": "user", "content": "hi"}]
        )
    except openai.NotFoundError as exc:
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error", body)
        _need(error.get("message") and error.get("type"), f"not the OpenAI envelope: {exc.body}")
        return f"404 {error.get('code')}: {error.get('message')}"
    raise SmokeFailure("an unknown model was not a 404")


def _wrong_key(base_url: str, timeout: float) -> Callable[[openai.OpenAI, str], str]:
    def check(_: openai.OpenAI, model: str) -> str:
        bad = openai.OpenAI(
            base_url=base_url, api_key="gw_live_smoke_wrongkey", timeout=timeout, max_retries=0
        )
        try:
            bad.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
        except openai.AuthenticationError as exc:
            return f"401 {exc.code or ''}".strip()
        raise SmokeFailure("a wrong key was accepted")

    return check


def run(base_url: str, api_key: str, model: str = "gpt-4o-mini", timeout: float = 60.0) -> list[Check]:
    client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)
    checks: list[tuple[str, Callable[[openai.OpenAI, str], str]]] = [
        ("models", _models),
        ("chat", _chat),
        ("stream", _stream),
        ("error envelope", _error_envelope),
        ("wrong key", _wrong_key(base_url, timeout)),
    ]
    out = []
    for name, fn in checks:
        started = time.perf_counter()
        try:
            detail, ok = fn(client, model), True
        except Exception as exc:  # a smoke check reports every failure and goes on
            detail, ok = f"{type(exc).__name__}: {exc}", False
        out.append(Check(name, ok, detail, (time.perf_counter() - started) * 1000))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--base-url", default=os.environ.get("OPENAI_BASE_URL"), help="the stack's ApiBaseUrl"
    )
    parser.add_argument(
        "--api-key", default=os.environ.get("GATEWAY_API_KEY"), help="a gateway key (gw_live_...)"
    )
    parser.add_argument("--model", default="gpt-4o-mini", help="a catalog model the deployment can serve")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    if not args.base_url or not args.api_key:
        parser.error("--base-url and --api-key (or OPENAI_BASE_URL and GATEWAY_API_KEY) are required")
    checks = run(args.base_url, args.api_key, args.model, args.timeout)
    for c in checks:
        print(f"{'ok  ' if c.ok else 'FAIL'}  {c.name:<15} {c.ms:8.0f} ms  {c.detail}")
    failed = [c for c in checks if not c.ok]
    print(f"{len(checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
