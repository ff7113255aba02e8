"""POST /v1/responses, GET and DELETE /v1/responses/{id}: the Responses API served on the chat
path (plan, failover, admission and settlement unchanged); ``store`` keeps responses per key."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.responses import Response

from gateway.api import sse
from gateway.api.chat import route_auto
from gateway.api.common import context, gateway_headers, read_body, validation_error
from gateway.api.route_table import APIRouter
from gateway.completion import streaming, unary
from gateway.completion.plan import plan as plan_completion
from gateway.errors import GatewayError, NotFoundError
from gateway.responses import translate
from gateway.responses.events import EventWriter
from gateway.schemas import ChatCompletionRequest
from gateway.schemas.responses import DeletedResponse, ResponseCreateRequest, ResponseUsage
from gateway.store import responses as stored

if TYPE_CHECKING:
    from starlette.requests import Request

    from gateway.context import RequestContext
    from gateway.responses.events import Event
    from gateway.schemas import ChatCompletionChunk
    from gateway.schemas.responses import ResponseObject

router = APIRouter()


def _not_found(response_id: str, param: str | None = None) -> NotFoundError:
    return NotFoundError(
        f"Response with id '{response_id}' not found.", param=param, code="response_not_found"
    )


async def _chat_request(
    req: ResponseCreateRequest, ctx: RequestContext
) -> tuple[ChatCompletionRequest, list[dict[str, Any]]]:
    history: list[dict[str, Any]] = []
    if req.previous_response_id:
        previous = await stored.get(ctx.principal.id, req.previous_response_id)
        if previous is None:
            raise _not_found(req.previous_response_id, "previous_response_id")
        history = previous.conversation
    body, conversation = translate.to_chat(req, history)
    try:
        return ChatCompletionRequest.model_validate(body), conversation
    except ValidationError as exc:  # what chat refuses is the client's 400, never a 500
        raise validation_error(exc) from None


async def _keep(
    ctx: RequestContext,
    req: ResponseCreateRequest,
    response: ResponseObject,
    conversation: list[dict[str, Any]],
) -> None:
    if response.store:
        answer = translate.answer_message(response.output)
        await stored.put(ctx.principal.id, response.model_dump(mode="json"), [*conversation, answer])


def _frame(event: Event) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n".encode()


async def _events(
    items: AsyncGenerator[ChatCompletionChunk | GatewayError, None],
    writer: EventWriter,
    ctx: RequestContext,
    req: ResponseCreateRequest,
    conversation: list[dict[str, Any]],
) -> AsyncGenerator[bytes, None]:
    for event in writer.opening():
        yield _frame(event)
    async with aclosing(items) as it:
        async for item in it:
            if isinstance(item, GatewayError):
                yield _frame(writer.error(item))
                return
            for event in writer.chunk(item):
                yield _frame(event)
    closing = writer.closing()
    await _keep(ctx, req, writer.response, conversation)
    for event in closing:
        yield _frame(event)


@router.post("/v1/responses")
async def create_response(request: Request) -> Response:
    ctx = await context(request)
    req = await read_body(request, ResponseCreateRequest, ctx.unknown_params)
    chat, conversation = await _chat_request(req, ctx)
    chat, routed = await route_auto(chat, ctx)
    tier: str | None = routed.get("tier")
    extra: dict[str, str] = routed.get("headers") or {}
    plan = await plan_completion(chat, ctx)
    response = translate.shell(req, translate.new_id("resp"), chat.model)
    if req.stream:
        stream = await streaming.open_stream(ctx, plan)
        response.model = stream.target.model.id
        items = streaming.chunks(stream, ctx, plan)
        frames = _events(items, EventWriter(response), ctx, req, conversation)

        async def close() -> None:
            await frames.aclose()
            await items.aclose()
            await streaming.abandon(stream, ctx, plan)

        try:
            headers = gateway_headers(ctx, stream.target.model.id, tier or ctx.tier, None)
        except BaseException:
            await close()
            raise
        return sse.response(frames, {**headers, **extra}, on_close=close)
    completion = await unary.complete(ctx, plan)
    response.model, response.provider = completion.model, completion.provider
    usage = ResponseUsage.of(completion.usage) if completion.usage else None
    finish_reason = completion.choices[0].finish_reason if completion.choices else None
    translate.finish(response, translate.output_of(completion), finish_reason, usage)
    await _keep(ctx, req, response, conversation)
    cost = completion.usage.total_cost_usd if completion.usage else None
    headers = gateway_headers(ctx, completion.model, tier or ctx.tier, cost)
    return Response(response.model_dump_json(), media_type="application/json", headers={**headers, **extra})


@router.get("/v1/responses/{response_id}")
async def get_response(response_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await stored.get(ctx.principal.id, response_id)
    if found is None:
        raise _not_found(response_id)
    return Response(
        json.dumps(found.response), media_type="application/json", headers={"x-request-id": ctx.request_id}
    )


@router.delete("/v1/responses/{response_id}")
async def delete_response(response_id: str, request: Request) -> Response:
    ctx = await context(request)
    if not await stored.delete(ctx.principal.id, response_id):
        raise _not_found(response_id)
    body = DeletedResponse(id=response_id).model_dump_json()
    return Response(body, media_type="application/json", headers={"x-request-id": ctx.request_id})
