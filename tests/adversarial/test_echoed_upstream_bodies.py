"""Attack 7, echoed upstream bodies: a provider's error body went back to the client verbatim
(``records[].response.data``) and its message into ours, so a provider's authentication
error carrying a fragment of our provider key showed it to the caller. Records now carry
provider, status, code and a sanitized, truncated message; the body goes to the log only."""

from __future__ import annotations

import json

import httpx
import pytest

from gateway import observability
from gateway.completion import streaming, unary
from gateway.completion.plan import plan as plan_completion
from gateway.errors import AllProvidersFailedError, UpstreamError, redact
from tests.adversarial._bench import OPENAI_KEY, chat, new_ctx

FRAGMENTS = (OPENAI_KEY, OPENAI_KEY[:12], OPENAI_KEY[-6:], "7f3a9c2e")


def _leaks(text: str) -> list[str]:
    return [f for f in FRAGMENTS if f in text]


@pytest.fixture
def logged(monkeypatch):
    """What the gateway logs about failed attempts."""
    lines: list[dict] = []

    def warning(msg, *a, extra=None, **kw):
        lines.append({"msg": msg, **(extra or {})})

    monkeypatch.setattr(observability.logger, "warning", warning)
    return lines


@pytest.mark.parametrize("echo", ["masked", "full"])
@pytest.mark.parametrize("stream", [False, True])
async def test_a_provider_401_with_our_key_in_it_is_not_shown_to_the_client(bench, logged, echo, stream):
    bench.fault("openai", "status", status=401, echo_key=echo)
    ctx = new_ctx(f"leak-{echo}-{stream}")
    the_plan = await plan_completion(chat(model="openai/gpt-4o-mini", stream=stream), ctx)
    attempt = streaming.open_stream(ctx, the_plan) if stream else unary.complete(ctx, the_plan)
    with pytest.raises(AllProvidersFailedError) as err:
        await attempt
    envelope = json.dumps(err.value.to_envelope())  # exactly what app.py renders
    assert _leaks(envelope) == [], envelope
    [record] = err.value.to_envelope()["error"]["records"]
    assert record["provider"] == "openai" and record["status"] == 401
    assert record["code"] == "upstream_auth_error" and "[redacted]" in record["message"]
    # The whole body is kept for the operator, in the log.
    assert any(OPENAI_KEY[-6:] in json.dumps(line.get("upstream_body")) for line in logged)


async def test_an_error_event_mid_stream_does_not_echo_the_body(bench):
    """Anthropic reports an error inside a stream as an ``error`` event: its message reaches the
    client as the SSE error event, sanitized like any other."""
    from gateway.providers.anthropic import adapter

    body = {"type": "error", "error": {"type": "authentication_error", "message": f"bad key {OPENAI_KEY}"}}
    exc = adapter.map_error(401, body, {})
    assert isinstance(exc, UpstreamError)
    assert _leaks(json.dumps(exc.to_envelope())) == []
    assert _leaks(json.dumps(exc.record())) == []


def test_a_400_reason_is_kept_but_sanitized():
    """A provider's 400 is the client's to hear, minus anything that looks like a credential."""
    from gateway.providers.openai_compat import adapter

    body = {"error": {"message": f"Invalid 'max_tokens': too large. key={OPENAI_KEY}", "code": None}}
    exc = adapter.map_error(400, body, {})
    text = json.dumps(exc.to_envelope())
    assert "Invalid 'max_tokens': too large" in text and _leaks(text) == []


@pytest.mark.parametrize(
    ("raw", "gone"),
    [
        ("Incorrect API key provided: sk-proj-abcDEF123456****************wxyz99.", "abcDEF123456"),
        ("authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "eyJhbGciOiJSUzI1NiJ9"),
        ("denied for AKIAIOSFODNN7EXAMPLE in us-east-1", "AKIAIOSFODNN7EXAMPLE"),
        ("url https://x/y?key=AIzaSyA-1234567890abcdefghijklmnopqrstu failed", "AIzaSyA-1234567890"),
        ("api_key: 'hunter2-secret'", "hunter2-secret"),
        ("request 0123456789abcdef0123456789abcdef0123 failed", "0123456789abcdef0123456789abcdef"),
        ("blob dGhpcyBpcyBhIHNlY3JldCB0aGF0IGlzIGxvbmcgZW5vdWdo", "dGhpcyBpcyBhIHNlY3JldCB0aGF0"),
        ("our own key gw_live_abcdefghijkl_" + "x" * 43, "abcdefghijkl_"),
    ],
)
def test_redact_strips_what_looks_like_a_credential(raw, gone):
    out = redact(raw)
    assert gone not in out and "[redacted]" in out


def test_redact_keeps_plain_words_and_truncates():
    assert redact("The model is overloaded, try again later.") == "The model is overloaded, try again later."
    assert len(redact("word " * 500)) <= 300


async def test_a_body_that_is_not_json_is_not_echoed(bench, monkeypatch):
    """An HTML error page or a plain-text body that echoes the request headers."""
    from gateway import http_client

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text=f"<html>upstream said: {request.headers['authorization']}</html>")

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    real = http_client.get_client
    # The providers' pool answers the page; the store's pools stay real.
    monkeypatch.setattr(
        http_client, "get_client", lambda pool="providers": client if pool == "providers" else real(pool)
    )
    from gateway.providers import transport

    monkeypatch.setattr(transport, "get_client", lambda *a, **kw: client)
    ctx = new_ctx("leak-html")
    the_plan = await plan_completion(chat(model="openai/gpt-4o-mini"), ctx)
    with pytest.raises(AllProvidersFailedError) as err:
        await unary.complete(ctx, the_plan)
    envelope = json.dumps(err.value.to_envelope())
    assert _leaks(envelope) == [] and "upstream said" in envelope
