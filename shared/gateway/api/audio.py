"""POST /v1/audio/transcriptions: OpenAI's multipart upload, on OpenAI and Groq speech models.

The upload limit is ``UPLOAD_LIMIT`` (4 MiB), enforced with a 413 before the body is parsed.
API Gateway takes 10 MB, but this function is a buffered Lambda: the upload reaches it
base64-encoded (multipart/form-data is a binary media type) inside Lambda's 6 MB invocation
payload, and 4 MiB is 5.6 MB as base64, with room for the rest of the event.

The audio's duration is read from the file's header (``media/duration.py``: WAV, MP3, M4A,
FLAC, OGG, WEBM); the hold is that duration at the dearest target's per-minute price (a
file whose header gives no duration is held at the longest it could play, ``bound_s``, and
billed at the duration the provider reports, else that bound). Settled at the duration, at
least the provider's minimum (Groq bills 10 s), times the model's per-minute price.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.responses import Response

from gateway.accounting import pricing
from gateway.accounting.admission import Reserve
from gateway.accounting.usage import RawUsage
from gateway.api.common import context, gateway_headers, validation_error
from gateway.api.route_table import APIRouter
from gateway.catalog import params
from gateway.completion import work
from gateway.errors import InvalidRequestError, PayloadTooLargeError, UnsupportedParamError
from gateway.media import duration, multipart
from gateway.providers.audio import AudioAsk, Transcript
from gateway.providers.registry import transcription_adapter
from gateway.schemas.audio import TranscriptionRequest, TranscriptionUsage

if TYPE_CHECKING:
    from starlette.requests import Request

    from gateway.catalog.targets import Target

router = APIRouter()

UPLOAD_LIMIT = 4 * 1024 * 1024
"""Bytes of multipart body accepted (see the module docstring for why 4 MiB)."""
_OPTIONAL = ("language", "prompt", "temperature", "timestamp_granularities")
_MEDIA_TYPES = {"text": "text/plain", "srt": "text/plain", "vtt": "text/vtt"}


def _too_large() -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"The upload is larger than the {UPLOAD_LIMIT}-byte ({UPLOAD_LIMIT // (1024 * 1024)} MiB) limit; "
        "split the audio or compress it (mp3, ogg, webm).",
        param="file",
    )


async def read_form(request: Request) -> multipart.Form:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > UPLOAD_LIMIT:
        raise _too_large()
    body = await request.body()
    if len(body) > UPLOAD_LIMIT:
        raise _too_large()
    return multipart.parse(request.headers.get("content-type", ""), body)


def fields_of(form: multipart.Form) -> TranscriptionRequest:
    if "file" in form.fields:
        raise InvalidRequestError("`file` must be an uploaded file part.", param="file")
    try:
        return TranscriptionRequest.model_validate(
            {k: v for k, v in form.fields.items() if v != "" and k != "stream"}
        )
    except ValidationError as exc:
        raise validation_error(exc) from None


def fit(body: TranscriptionRequest, target: Target) -> tuple[dict[str, str | list[str]], list[str]]:
    """The optional fields this target gets, and those dropped; raises the 400."""
    spec = target.model.audio
    where = f"`{target.model.id}` on provider `{target.provider_id}`"
    if spec is None:  # pragma: no cover - the capability filter keeps transcription models only
        raise InvalidRequestError(f"{where} does not transcribe audio.", param="model")
    if body.response_format not in spec.response_formats:
        raise UnsupportedParamError(
            f"`response_format: {body.response_format}` is not supported by {where}: it answers "
            f"{', '.join(spec.response_formats)}.",
            param="response_format",
        )
    if body.timestamp_granularities and body.response_format != "verbose_json":
        raise InvalidRequestError(
            "`timestamp_granularities` needs `response_format: verbose_json`.",
            param="timestamp_granularities",
        )
    kept, dropped = params.take_optional(body, _OPTIONAL, spec.params, where)
    out = {k: [str(v) for v in value] if isinstance(value, list) else str(value) for k, value in kept.items()}
    return out, dropped


@router.post("/v1/audio/transcriptions")
async def create_transcription(request: Request) -> Response:
    ctx = await context(request)
    form = await read_form(request)
    upload = form.files.get("file")
    if upload is None:
        raise InvalidRequestError(
            "Missing required parameter: 'file'.", param="file", code="missing_required_parameter"
        )
    body = fields_of(form)
    fmt, seconds = duration.read(upload.data)
    if fmt is None:
        raise InvalidRequestError(
            f"Unsupported audio file {upload.filename!r}: send {', '.join(duration.FORMATS)}.",
            param="file",
            code="unsupported_file_format",
        )
    held_seconds = seconds if seconds is not None else duration.bound_s(len(upload.data))

    def reserve(targets: list[Target]) -> Reserve:
        usd = max(pricing.price_audio(held_seconds, t.pricing).total for t in targets)
        return Reserve(usd, 0, 1)

    plan = await work.plan(
        ctx,
        body.model,
        "audio_transcription",
        check=lambda t: fit(body, t),
        reserve=reserve,
        provider=body.provider,
        fallbacks=body.fallbacks,
    )

    async def call(attempt: work.WorkAttempt) -> work.Done[Transcript]:
        target = attempt.target
        adapter = transcription_adapter(target.provider.adapter)
        fields, dropped = fit(body, target)
        ask = AudioAsk(upload.filename, upload.content_type, upload.data, body.response_format, fields)
        answer = await work.send(ctx, attempt, adapter.build_request(ask, target), adapter.map_error)
        transcript = work.parsed(target.provider_id, adapter.parse_response, answer, target, ask)
        ctx.dropped_params = dropped
        played = seconds if seconds is not None else (transcript.seconds or held_seconds)
        billed = pricing.billed_seconds(played, target.pricing)
        usage = RawUsage(
            prompt_tokens=transcript.input_tokens or 0,
            completion_tokens=transcript.output_tokens or 0,
            reported=transcript.input_tokens is not None,
        )
        return work.Done(transcript, usage, pricing.price_audio(played, target.pricing), audio_seconds=billed)

    target, done = await work.run(ctx, plan, call)
    headers = gateway_headers(ctx, target.model.id, target.model.tier, float(done.cost.total))
    headers["x-gateway-audio-seconds"] = f"{done.audio_seconds:.3f}"
    transcript = done.value.body
    if isinstance(transcript, str):
        return Response(
            transcript, media_type=_MEDIA_TYPES.get(body.response_format, "text/plain"), headers=headers
        )
    usage = TranscriptionUsage(
        seconds=round(done.audio_seconds, 3),
        input_tokens=done.value.input_tokens,
        output_tokens=done.value.output_tokens,
        input_cost_usd=float(done.cost.input),
        total_cost_usd=float(done.cost.total),
        latency_ms=round(ctx.elapsed_ms(), 2),
    )
    out: dict[str, Any] = {**transcript, "usage": usage.model_dump(exclude_none=True)}
    out.pop("x_groq", None)
    return Response(
        json.dumps(out, separators=(",", ":"), ensure_ascii=False),
        media_type="application/json",
        headers=headers,
    )
