import httpx
import pytest

from gateway.catalog.models import get_catalog
from gateway.catalog.targets import resolve
from gateway.errors import UpstreamConnectionError, UpstreamTimeoutError
from gateway.providers import transport
from gateway.providers.base import ProviderRequest
from gateway.settings import get_settings


async def _lines(text: str):
    for line in text.split("\n"):
        yield line


async def test_sse_decoder_frames_events_and_multiline_data():
    raw = 'event: message_start\ndata: {"a": 1}\n\n: a comment\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n'
    events = [e async for e in transport.iter_sse(_lines(raw))]
    assert [(e.event, e.data) for e in events] == [
        ("message_start", '{"a": 1}'),
        (None, "line1\nline2"),
        (None, "[DONE]"),
    ]
    assert events[0].json() == {"a": 1}


async def test_sse_decoder_flushes_last_event_without_blank_line():
    events = [e async for e in transport.iter_sse(_lines("data: tail"))]
    assert [e.data for e in events] == ["tail"]


def _target():
    return resolve(get_catalog(), get_settings(), "gpt-4o-mini")[0]


@pytest.fixture
def mock_client(monkeypatch):
    def install(handler):
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        monkeypatch.setattr(transport, "get_client", lambda: client)
        return client

    return install


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ConnectError("refused"), UpstreamConnectionError),
        (httpx.ReadTimeout("slow"), UpstreamTimeoutError),
        (httpx.RemoteProtocolError("dropped"), UpstreamConnectionError),
    ],
)
async def test_transport_errors_map_to_retryable_gateway_errors(mock_client, exc, expected):
    def handler(request):
        raise exc

    mock_client(handler)
    with pytest.raises(expected) as info:
        await transport.send(ProviderRequest(url="http://up/x", json={}), _target())
    assert info.value.retryable and info.value.provider == "openai"
    assert info.value.__cause__ is exc


async def test_non_json_body_is_returned_as_text(mock_client):
    mock_client(lambda r: httpx.Response(502, text="<html>bad gateway</html>"))
    reply = await transport.send(ProviderRequest(url="http://up/x", json={}), _target())
    assert reply.status == 502 and reply.body.startswith("<html>")


async def test_open_stream_reads_error_body_instead_of_events(mock_client):
    mock_client(lambda r: httpx.Response(429, json={"error": {"message": "slow down"}}))
    async with transport.open_stream(
        ProviderRequest(url="http://up/x", json={}, stream=True), _target()
    ) as reply:
        assert reply.status == 429 and reply.events is None
        assert reply.body["error"]["message"] == "slow down"


async def test_open_stream_yields_events_as_they_arrive(mock_client):
    body = b'data: {"n": 1}\n\ndata: {"n": 2}\n\ndata: [DONE]\n\n'
    mock_client(lambda r: httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
    async with transport.open_stream(
        ProviderRequest(url="http://up/x", json={}, stream=True), _target()
    ) as reply:
        got = [e.data async for e in reply.events]
    assert got == ['{"n": 1}', '{"n": 2}', "[DONE]"]
