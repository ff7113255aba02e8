"""POST /v1/audio/transcriptions through the official openai SDK against the local stack: each
provider, each response format, the duration read from the file, per-minute cost, the ledger's
seconds, the 413 for an oversized upload and the other documented 4xx."""

from __future__ import annotations

import _audio
import openai
import pytest
from test_failover import usage_records

pytestmark = pytest.mark.integration


def test_whisper_bills_the_files_duration_per_minute(stack):
    resp = stack.openai().audio.transcriptions.with_raw_response.create(
        model="whisper-1", file=("hello.wav", _audio.wav(30.0), "audio/wav")
    )
    out = resp.parse()
    assert out.text == "Simulated transcript of hello.wav (30.0 s)."
    usage = out.to_dict()["usage"]
    assert usage["seconds"] == 30.0 and usage["total_cost_usd"] == pytest.approx(0.5 * 0.006)
    assert (
        resp.headers["x-gateway-provider"] == "openai" and resp.headers["x-gateway-audio-seconds"] == "30.000"
    )
    records = usage_records(stack, resp.headers["x-request-id"])
    assert len(records) == 1 and float(records[0]["audio_seconds"]) == 30.0
    assert float(records[0]["total_cost_usd"]) == pytest.approx(0.003)


@pytest.mark.parametrize("fmt", sorted(_audio.BUILDERS))
def test_every_container_is_timed_from_its_header(stack, fmt):
    data = _audio.BUILDERS[fmt](90.0)
    out = stack.openai().audio.transcriptions.create(model="gpt-4o-mini-transcribe", file=(f"a.{fmt}", data))
    usage = out.to_dict()["usage"]
    assert usage["seconds"] == pytest.approx(90.0, rel=0.01)
    assert usage["total_cost_usd"] == pytest.approx(1.5 * 0.003, rel=0.01)


def test_groq_bills_its_ten_second_minimum(stack):
    out = stack.openai().audio.transcriptions.create(
        model="whisper-large-v3-turbo", file=("short.flac", _audio.flac(2.0))
    )
    usage = out.to_dict()["usage"]
    assert usage["seconds"] == 10.0 and usage["total_cost_usd"] == pytest.approx(
        10 / 60 * 0.000666667, rel=1e-4
    )


@pytest.mark.parametrize(
    ("fmt", "start"), [("text", "Simulated"), ("srt", "1\n00:00:00,000 --> 00:00:04"), ("vtt", "WEBVTT")]
)
def test_text_formats_come_back_whole_with_the_cost_in_a_header(stack, fmt, start):
    resp = stack.openai().audio.transcriptions.with_raw_response.create(
        model="whisper-1", file=("x.wav", _audio.wav(4.0)), response_format=fmt
    )
    assert resp.text.startswith(start)
    assert float(resp.headers["x-gateway-cost"]) == pytest.approx(4 / 60 * 0.006)


def test_verbose_json_with_timestamps(stack):
    out = stack.openai().audio.transcriptions.create(
        model="whisper-1",
        file=("x.mp3", _audio.mp3(6.0)),
        response_format="verbose_json",
        timestamp_granularities=["segment"],
    )
    assert out.duration == pytest.approx(6.0, rel=0.01) and out.segments


def test_documented_4xx(stack):
    client = stack.openai()
    big = _audio.wav(300.0, rate=8000)  # 4.8 MB: above the 4 MiB upload limit
    with pytest.raises(openai.APIStatusError) as err:
        client.audio.transcriptions.create(model="whisper-1", file=("big.wav", big))
    assert err.value.status_code == 413 and err.value.body["code"] == "payload_too_large"
    with pytest.raises(openai.BadRequestError) as err:
        client.audio.transcriptions.create(model="whisper-1", file=("x.txt", b"hello, not audio"))
    assert err.value.body["param"] == "file" and err.value.body["code"] == "unsupported_file_format"
    with pytest.raises(openai.BadRequestError) as err:  # gpt-4o transcription answers json or text only
        client.audio.transcriptions.create(
            model="gpt-4o-transcribe", file=("x.wav", _audio.wav(1.0)), response_format="srt"
        )
    assert err.value.body["param"] == "response_format"
    with pytest.raises(openai.BadRequestError) as err:
        client.audio.transcriptions.create(
            model="gpt-4o-transcribe",
            file=("x.wav", _audio.wav(1.0)),
            response_format="json",
            timestamp_granularities=["word"],
        )
    assert err.value.body["param"] == "timestamp_granularities"
    with pytest.raises(openai.BadRequestError) as err:
        client.audio.transcriptions.create(
            model="whisper-1", file=("x.wav", _audio.wav(1.0)), extra_body={"speed": "2"}
        )
    assert err.value.body["code"] == "unknown_parameter" and err.value.body["param"] == "speed"
    with pytest.raises(openai.BadRequestError) as err:
        client.audio.transcriptions.create(model="gpt-4o-mini", file=("x.wav", _audio.wav(1.0)))
    assert err.value.body["code"] == "model_not_supported"
