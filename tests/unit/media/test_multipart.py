"""multipart/form-data parsed with the standard library: fields, lists, the file byte for byte."""

from __future__ import annotations

import httpx
import pytest

from gateway.errors import InvalidRequestError
from gateway.media import multipart


def _encode(data: dict, files: dict) -> tuple[str, bytes]:
    req = httpx.Request("POST", "http://x", data=data, files=files)
    return req.headers["content-type"], req.read()


def test_fields_lists_and_a_binary_file():
    audio = bytes(range(256)) * 10 + b"\r\n--not-a-boundary\r\n"
    ctype, body = _encode(
        {"model": "whisper-1", "timestamp_granularities[]": ["word", "segment"], "language": "fr"},
        {"file": ("clip.mp3", audio, "audio/mpeg")},
    )
    form = multipart.parse(ctype, body)
    assert form.fields == {
        "model": "whisper-1",
        "timestamp_granularities": ["word", "segment"],
        "language": "fr",
    }
    upload = form.files["file"]
    assert (upload.filename, upload.content_type, upload.data) == ("clip.mp3", "audio/mpeg", audio)


def test_not_multipart_is_a_400():
    with pytest.raises(InvalidRequestError):
        multipart.parse("application/json", b"{}")
