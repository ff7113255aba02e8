"""The usage ledger: one record per request, written exactly once (conditional on its id)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from gateway.settings import get_settings
from gateway.store.dynamo import call, to_item

if TYPE_CHECKING:
    from gateway.accounting import Outcome
    from gateway.context import RequestContext


def record_item(ctx: RequestContext, outcome: Outcome) -> dict:
    s = get_settings()
    now = datetime.fromtimestamp(ctx.started_at, UTC)
    u = outcome.usage
    return {
        "pk": f"KEY#{ctx.principal.id}",
        "sk": f"REQ#{now.isoformat(timespec='milliseconds')}#{ctx.request_id}",
        "kind": "request",
        "request_id": ctx.request_id,
        "key_id": ctx.principal.id,
        "app_id": ctx.app_id,
        "model": outcome.model,
        "provider": outcome.provider,
        "status": outcome.status,
        "error_code": outcome.error_code,
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "cached_tokens": u.cached_tokens,
        "cache_write_tokens": u.cache_write_tokens,
        "usage_estimated": outcome.estimated,
        "input_cost_usd": outcome.cost.input,
        "output_cost_usd": outcome.cost.output,
        "cache_input_cost_usd": outcome.cost.cache_input,
        "total_cost_usd": outcome.cost.total,
        "latency_ms": round(ctx.elapsed_ms(), 2),
        "ttft_ms": None if ctx.ttft_ms() is None else round(ctx.ttft_ms(), 2),
        "attempts": ctx.attempts,
        "created_at": now.isoformat(timespec="milliseconds"),
        "expires_at": int(time.time()) + s.usage_ttl_days * 86400,
    }


async def record(ctx: RequestContext, outcome: Outcome) -> None:
    await call(
        "put_item",
        TableName=get_settings().usage_table,
        Item=to_item(record_item(ctx, outcome)),
        ConditionExpression="attribute_not_exists(pk)",
    )
