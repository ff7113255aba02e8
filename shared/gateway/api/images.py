"""POST /v1/images/generations: OpenAI's image API on OpenAI, Gemini and Bedrock image models.

What each model takes is catalog data (``ModelInfo.image``; its prices ``pricing.per_image`` by
``quality/size``): an unknown size or quality, ``n`` above the model's, ``url`` where the
provider gives none, or a parameter the model does not take is a 400 naming the field
(``drop_params`` drops the optional ones). ``quality: auto`` is the model's default quality.

Held before the call: ``n`` × the dearest image the targets may produce for the asked
quality and size; settled after at the price of the quality the provider reports using (else
the asked one), for the images actually generated.

Payload size. The function is buffered (Mangum), and a buffered Lambda answer is at most
6 MB. Images are answered as ``b64_json`` (``url`` only where the provider returns one), so
a request whose images may not fit is refused before any provider is called: ``n`` × the
image's worst-case size (width × height × bytes per pixel of its format, × 4/3 for base64)
must fit ``RESPONSE_LIMIT``. Should an answer still come out larger, it is a 502
``response_too_large`` and the images, generated and billed by the provider, are charged.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from starlette.responses import Response

from gateway import clock
from gateway.accounting import pricing
from gateway.accounting.admission import Reserve
from gateway.accounting.usage import RawUsage
from gateway.api.common import context, gateway_headers, read_body
from gateway.api.route_table import APIRouter
from gateway.catalog import params
from gateway.completion import work
from gateway.errors import GatewayError, InvalidRequestError, UnsupportedParamError
from gateway.providers.images import Generated, ImageAsk
from gateway.providers.registry import image_adapter
from gateway.schemas.images import Image, ImageRequest, ImagesResponse, ImageUsage

if TYPE_CHECKING:
    from starlette.requests import Request

    from gateway.catalog.targets import Target

router = APIRouter()

RESPONSE_LIMIT = 5_500_000
"""Bytes of JSON an images answer may take: Lambda's 6 MB (6,291,456 bytes) buffered response
limit, less room for headers and the envelope."""
BYTES_PER_PIXEL = {"png": 1.5, "jpeg": 0.5, "webp": 0.5}
"""The size of an encoded image per pixel, on the generous side of what image models produce
(their PNGs run 1 to 1.5 bytes a pixel; an outlier is caught after the call)."""
_EXTRA = ("style", "background", "output_format", "output_compression", "moderation")


class ResponseTooLargeError(GatewayError):
    status = 502
    type = "api_error"
    code = "response_too_large"


def _prices(target: Target) -> dict[str, float]:
    return target.pricing.per_image or {}


def fit(body: ImageRequest, target: Target) -> tuple[ImageAsk, list[str]]:
    """The request as this target takes it and the parameters dropped; raises the 400."""
    spec = target.model.image
    if spec is None:  # pragma: no cover - the capability filter keeps image models only
        raise InvalidRequestError(f"`{target.model.id}` does not generate images.", param="model")
    where = f"`{target.model.id}` on provider `{target.provider_id}`"
    keys = [k.split("/", 1) for k in _prices(target)]
    sizes = sorted({s for _, s in keys})
    qualities = sorted({q for q, _ in keys})
    size = body.size or spec.default_size
    quality = spec.default_quality if body.quality in (None, "auto") else body.quality
    if size not in sizes:
        raise InvalidRequestError(
            f"Invalid value for 'size': {size!r}; {where} takes {', '.join(sizes)}.",
            param="size",
            code="invalid_value",
        )
    if quality not in qualities:
        raise InvalidRequestError(
            f"Invalid value for 'quality': {quality!r}; {where} takes {', '.join(qualities)} (or auto).",
            param="quality",
            code="invalid_value",
        )
    if f"{quality}/{size}" not in _prices(target):
        raise InvalidRequestError(
            f"{where} has no {quality} quality at {size}.", param="size", code="invalid_value"
        )
    if body.n > spec.max_n:
        raise InvalidRequestError(
            f"Invalid value for 'n': {body.n}; {where} generates at most {spec.max_n} per request.",
            param="n",
            code="invalid_value",
        )
    dropped: list[str] = []
    response_format = body.response_format or "b64_json"
    if response_format not in spec.response_formats:
        if not body.drop_params:
            raise UnsupportedParamError(
                f"`response_format: {response_format}` is not supported by {where}: it answers "
                f"{', '.join(spec.response_formats)}. Remove it, or set `drop_params: true`.",
                param="response_format",
            )
        response_format, dropped = "b64_json", ["response_format"]
    extra, also_dropped = params.take_optional(body, _EXTRA, spec.params, where)
    dropped += also_dropped
    ask = ImageAsk(body.prompt, body.n, size, quality, response_format, extra, body.user)
    if response_format == "b64_json":
        width, height = (int(x) for x in size.split("x"))
        fmt = str(extra.get("output_format") or "png")
        each = width * height * BYTES_PER_PIXEL.get(fmt, 1.5) * 4 / 3
        if body.n * each > RESPONSE_LIMIT:
            most = max(0, int(RESPONSE_LIMIT // each))
            hint = "; or ask `response_format: url`" if "url" in spec.response_formats else ""
            raise InvalidRequestError(
                f"{body.n} {fmt} images of {size} may take {body.n * each / 1e6:.1f} MB as base64, more than "
                f"the {RESPONSE_LIMIT / 1e6:.1f} MB a response may carry: ask at most {most}"
                + (", or `output_format: jpeg`/`webp`" if "output_format" in spec.params else "")
                + hint
                + ".",
                param="n" if most else "size",
                code="response_too_large",
            )
    return ask, dropped


def unit_price(target: Target, ask: ImageAsk, reported: str | None) -> Decimal:
    prices = _prices(target)
    key = (
        f"{reported}/{ask.size}"
        if reported and f"{reported}/{ask.size}" in prices
        else f"{ask.quality}/{ask.size}"
    )
    return Decimal(str(prices[key]))


def _hold(body: ImageRequest, targets: list[Target]) -> Reserve:
    dearest = Decimal(0)
    for t in targets:
        ask, _ = fit(body, t)
        prices = _prices(t)
        # ``auto``: the provider may pick any quality at this size.
        candidates = (
            [Decimal(str(v)) for k, v in prices.items() if k.endswith("/" + ask.size)]
            if body.quality == "auto"
            else [Decimal(str(prices[f"{ask.quality}/{ask.size}"]))]
        )
        dearest = max(dearest, *candidates)
    return Reserve(dearest * body.n, 0, body.n)


@router.post("/v1/images/generations")
async def create_images(request: Request) -> Response:
    ctx = await context(request)
    body = await read_body(request, ImageRequest)
    plan = await work.plan(
        ctx,
        body.model,
        "images",
        check=lambda t: fit(body, t),
        reserve=lambda targets: _hold(body, targets),
        provider=body.provider,
        fallbacks=body.fallbacks,
    )

    async def call(attempt: work.WorkAttempt) -> work.Done[tuple[ImageAsk, Generated]]:
        target = attempt.target
        adapter = image_adapter(target.provider.adapter)
        ask, dropped = fit(body, target)
        answer = await work.send(ctx, attempt, adapter.build_request(ask, target), adapter.map_error)
        generated = work.parsed(target.provider_id, adapter.parse_response, answer, target)
        ctx.dropped_params = dropped
        count = len(generated.images)
        cost = pricing.price_images(count, float(unit_price(target, ask, generated.quality)))
        usage = RawUsage(prompt_tokens=generated.input_tokens, reported=True)
        return work.Done((ask, generated), usage, cost, images=count)

    target, done = await work.run(ctx, plan, call)
    ask, generated = done.value
    quality = generated.quality if generated.quality else ask.quality
    answer = ImagesResponse(
        created=int(clock.now()),
        data=[
            Image(b64_json=i.b64_json, url=i.url, revised_prompt=i.revised_prompt) for i in generated.images
        ],
        model=target.model.id,
        provider=target.provider_id,
        size=ask.size,
        quality=quality,
        usage=ImageUsage(
            images=done.images,
            input_tokens=generated.input_tokens,
            output_tokens=generated.output_tokens,
            total_tokens=generated.input_tokens + generated.output_tokens,
            output_cost_usd=float(done.cost.output),
            total_cost_usd=float(done.cost.total),
            latency_ms=round(ctx.elapsed_ms(), 2),
        ),
    ).model_dump_json(exclude_none=True)
    if len(answer) > RESPONSE_LIMIT:
        raise ResponseTooLargeError(
            f"The {done.images} generated images take {len(answer) / 1e6:.1f} MB, more than the "
            f"{RESPONSE_LIMIT / 1e6:.1f} MB a response may carry; they were generated and are billed. "
            "Ask fewer, a smaller size, `output_format: jpeg`/`webp`, or `response_format: url` where offered.",
            param="n",
        )
    headers = gateway_headers(ctx, target.model.id, target.model.tier, float(done.cost.total))
    return Response(answer, media_type="application/json", headers=headers)
