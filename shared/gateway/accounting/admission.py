"""Admission before a provider is called, and settlement after.

Admission is one DynamoDB round trip (``store.limits.admit``): the request is counted in its
rate windows, its most expensive possible cost is held against the daily budget and (past
the free tier) the wallet, all in one conditional update of the principal's account item.
Settlement is one more (a transaction): the actual cost is charged, the hold released and
the usage record written together. Every path through ``gateway.completion.chat`` settles exactly once:
success, provider failure, mid-stream failure, client disconnect.

The budget is per UTC day. It caps the cost of a key's requests whoever pays for them (free
tier included). The reservation is ``billing.max_cost`` of the prompt estimate and the
request's ``max_tokens`` (else the model's ``max_output_tokens``), on the most expensive of
the plan's targets, so failover never spends more than was held. Tokens per minute count the
prompt estimate plus the request's ``max_tokens`` (if given) at admission and are trued up to
the actual count at settlement, within the same window.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gateway.accounting import pricing as billing, tokens
from gateway.errors import BudgetExceededError, InsufficientBalanceError, RateLimitError

if TYPE_CHECKING:
    from gateway.accounting.pricing import Cost
    from gateway.context import RequestContext
    from gateway.accounting.usage import RawUsage
    from gateway.catalog.targets import Target
    from gateway.schemas import ChatCompletionRequest
    from gateway.store.accounts import Hold

DEFAULT_FREE_REQUESTS = 5000
PROMPT_MARGIN = Decimal("1.25")
_PAID_MODE_TTL_S = 60.0
"""How long a container remembers that a principal's free tier is used up (then asks again)."""
_paid_until: dict[str, float] = {}
_stale: dict[str, list[str]] = {}
_MEMO_MAX = 10_000


@dataclass(slots=True)
class Admission:
    """What admission granted (and must be released or settled)."""

    reserved_usd: Decimal = Decimal(0)
    hold: Hold | None = None
    budget: Decimal | None = None
    committed: Decimal = Decimal(0)
    """The day's committed USD right after this admission (this request's hold included)."""
    settled: bool = False
    """Set by ``gateway.completion.chat`` once settlement was attempted (so no path settles twice)."""


@dataclass(slots=True)
class Outcome:
    status: str
    """``ok``, ``error`` (nothing delivered), ``partial`` (stream broken after output), ``cancelled``."""
    model: str
    provider: str | None
    usage: RawUsage
    cost: Cost
    estimated: bool = False
    error_code: str | None = None


@dataclass(slots=True)
class Limits:
    rpm: int | None = None
    tpm: int | None = None
    budget: Decimal | None = None
    free_requests: int = DEFAULT_FREE_REQUESTS
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Limits:
        def opt_int(name: str) -> int | None:
            return None if raw.get(name) is None else int(raw[name])

        budget = raw.get("daily_budget_usd")
        free = raw.get("free_requests")
        return cls(
            rpm=opt_int("rpm"), tpm=opt_int("tpm"),
            budget=None if budget is None else Decimal(str(budget)),
            free_requests=DEFAULT_FREE_REQUESTS if free is None else int(free),
        )


def reservation(request: ChatCompletionRequest, targets: list[Target]) -> tuple[Decimal, int]:
    """(the most the request can cost on any of its targets, tokens counted for tpm).

    The prompt estimate (four characters a token) is raised by ``PROMPT_MARGIN`` for the hold:
    tokenizers count more tokens than that in code and non-English text, and a hold that is
    too small is the one way spend could end above a budget.
    """
    prompt = math.ceil(tokens.estimate_prompt(request) * PROMPT_MARGIN)
    limit = request.output_limit()
    choices = request.n or 1  # each of ``n`` choices may use the whole output limit
    usd = max(billing.max_cost(prompt, (_sent_limit(request, t) or t.model.max_output_tokens) * choices, t.pricing)
              for t in targets)
    return usd, prompt + (limit or 0)


def _sent_limit(request: ChatCompletionRequest, target: Target) -> int | None:
    """The output limit the target will get: with ``drop_params`` a target that cannot take
    ``max_tokens`` gets the request without it (and may answer up to the model's limit)."""
    from gateway.catalog import params
    from gateway.errors import GatewayError

    try:
        fitted, _ = params.fit(request, target, drop=bool(request.drop_params))
    except GatewayError:
        return request.output_limit()  # never attempted (skipped); keep the request's own limit
    return fitted.output_limit()


def _fmt_usd(x: Decimal) -> str:
    return f"{x:.9f}".rstrip("0").rstrip(".") or "0"


def _until_next_minute(now: float) -> int:
    return max(1, math.ceil(60 - now % 60))


def rate_headers(limits: Limits, item: dict[str, Any], now: float) -> dict[str, str]:
    from gateway.store.accounts import minute_of, num

    minute, out = minute_of(now), {}
    reset = f"{_until_next_minute(now)}s"
    for kind, limit, suffix in (("requests", limits.rpm, "r"), ("tokens", limits.tpm, "t")):
        if limit is None:
            continue
        used = num(item, f"m#{minute}#{suffix}")
        out[f"x-ratelimit-limit-{kind}"] = str(limit)
        out[f"x-ratelimit-remaining-{kind}"] = str(max(0, limit - int(used)))
        out[f"x-ratelimit-reset-{kind}"] = reset
    return out


def _refusal(limits: Limits, ask_usd: Decimal, ask_tokens: int, item: dict[str, Any], now: float, mode: str):
    """The error a refused admission deserves, judged from the account as it was."""
    from gateway.store.accounts import day_of, minute_of, num, usd

    minute, day = minute_of(now), day_of(now)
    headers = rate_headers(limits, item, now)
    if limits.rpm is not None and num(item, f"m#{minute}#r") >= limits.rpm:
        wait = _until_next_minute(now)
        return RateLimitError(
            f"Rate limit reached: {limits.rpm} requests per minute. Retry in {wait} s.",
            headers={**headers, "retry-after": str(wait)}, extra={"retry_after": wait},
        )
    if limits.tpm is not None and num(item, f"m#{minute}#t") + ask_tokens > limits.tpm:
        wait = _until_next_minute(now)
        return RateLimitError(
            f"Rate limit reached: {limits.tpm} tokens per minute (this request counts {ask_tokens}). "
            f"Retry in {wait} s.",
            code="tokens_rate_limit_exceeded", headers={**headers, "retry-after": str(wait)},
            extra={"retry_after": wait},
        )
    if limits.budget is not None and usd(item, f"d#{day}#c") + ask_usd > limits.budget:
        return _budget_error(limits, ask_usd, usd(item, f"d#{day}#c"), now, headers)
    if mode == "paid":
        return InsufficientBalanceError(
            f"The free tier is used up and the wallet holds ${_fmt_usd(usd(item, 'available_nusd'))} available; "
            f"this request may cost up to ${_fmt_usd(ask_usd)}. Fund the wallet: POST /v1/wallet/fund "
            '{"amount": <sats>}, pay the invoice, then GET /v1/wallet/status?invoiceId=<id>.',
            extra={"fund_url": "/v1/wallet/fund", "available_usd": float(usd(item, "available_nusd")),
                   "required_usd": float(ask_usd)},
        )
    return None


def _budget_error(limits: Limits, ask_usd: Decimal, committed: Decimal, now: float, headers: dict[str, str]):
    from gateway.store.accounts import next_midnight

    reset = next_midnight(now)
    wait = max(1, math.ceil(reset.timestamp() - now))
    return BudgetExceededError(
        f"Daily budget of ${_fmt_usd(limits.budget)} reached: ${_fmt_usd(committed)} spent or held today, and "
        f"this request may cost up to ${_fmt_usd(ask_usd)}. The budget resets at {reset.isoformat()} (UTC midnight).",
        headers={**headers, "retry-after": str(wait)},
        extra={"retry_after": wait, "reset_at": reset.isoformat()},
    )


def _memo(d: dict, k: str, v: Any) -> None:
    if len(d) >= _MEMO_MAX:
        d.clear()
    d[k] = v


async def admit(ctx: RequestContext, request: ChatCompletionRequest, targets: list[Target]) -> Admission:
    from gateway.store import accounts as store

    pid, limits = ctx.principal.id, Limits.of(ctx.principal.limits)
    usd, toks = reservation(request, targets)
    now = time.time()
    if limits.budget is not None and usd > limits.budget:
        raise _budget_error(limits, usd, Decimal(0), now, {})
    if limits.tpm is not None and toks > limits.tpm:
        raise RateLimitError(
            f"This request counts {toks} tokens, more than the key's {limits.tpm} tokens per minute; "
            "lower max_tokens or the prompt.", code="tokens_rate_limit_exceeded",
        )
    paid = limits.free_requests <= 0 or _paid_until.get(pid, 0) > time.monotonic()
    retried = False
    while True:
        mode = "paid" if paid else "free"
        ask = store.Ask(pid, ctx.request_id, usd, toks, now, mode, limits.rpm, limits.tpm, limits.budget,
                        limits.free_requests, _stale.get(pid, []))
        try:
            item = await store.admit(ask)
            break
        except store.Refused as refused:
            item = refused.item
            _memo(_stale, pid, store.stale_names(item, now))
            error = _refusal(limits, usd, toks, item, now, mode)
            if not retried and await store.release_expired(pid, item, now):
                retried = True
                continue
            if error is None and not paid:
                paid = True  # the free tier ran out: ask again, drawing from the wallet
                _memo(_paid_until, pid, time.monotonic() + _PAID_MODE_TTL_S)
                continue
            if error is None and not retried:
                retried = True  # the account moved between the condition and our judgement
                continue
            raise error or RateLimitError("The request was refused by a limit that changed meanwhile; retry.")
    _memo(_stale, pid, store.stale_names(item, now))
    if mode == "free" and store.num(item, "free_used") >= limits.free_requests:
        _memo(_paid_until, pid, time.monotonic() + _PAID_MODE_TTL_S)
    if any(h.expires < now for h in store.holds(item)):
        # Housekeeping for other requests: this one is admitted now, and an error here would
        # leave its hold open and the request unsettled. A later admission retries it.
        try:
            await store.release_expired(pid, item, now)
        except Exception:  # noqa: BLE001
            from gateway.observability import logger

            logger.warning("releasing expired holds failed", exc_info=True)
    hold = next(h for h in store.holds(item) if h.request_id == ctx.request_id)
    admission = Admission(usd, hold, limits.budget, store.usd(item, f"d#{hold.day}#c"))
    headers = rate_headers(limits, item, now)
    headers["x-gateway-budget-remaining"] = _remaining(admission, usd)
    ctx.extra["limit_headers"] = headers
    return admission


def _remaining(admission: Admission, charged: Decimal) -> str:
    if admission.budget is None:
        return "unlimited"
    return _fmt_usd(max(Decimal(0), admission.budget - admission.committed + admission.reserved_usd - charged))


async def settle(ctx: RequestContext, admission: Admission, outcome: Outcome) -> None:
    from botocore.exceptions import ClientError

    from gateway.observability import record_request
    from gateway.store import accounts as store

    items = _ledger_items(ctx, outcome)
    hold = admission.hold
    if hold is None:
        await _transact(items)
    else:
        actual = outcome.cost.total
        toks = outcome.usage.prompt_tokens + outcome.usage.completion_tokens
        kw = {"refund_free": outcome.status == "error", "now": time.time()}
        try:
            await _transact([*items, store.settle_update(ctx.principal.id, hold, actual, toks, **kw)])
        except ClientError as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if not reasons or reasons[-1] != "ConditionalCheckFailed":
                raise
            # The hold outlived HOLD_TTL_S and was released by another request: charge only.
            await _transact([*items, store.settle_update(ctx.principal.id, hold, actual, toks, hold_open=False, **kw)])
        headers = ctx.extra.setdefault("limit_headers", {})
        headers["x-gateway-budget-remaining"] = _remaining(admission, actual)
    try:
        record_request(ctx, outcome)
    except Exception:  # noqa: BLE001 - settled already: a metrics failure must not read as unsettled
        from gateway.observability import logger

        logger.warning("request metrics not emitted", exc_info=True)


def _ledger_items(ctx: RequestContext, outcome: Outcome) -> list[dict[str, Any]]:
    from gateway.settings import get_settings
    from gateway.store import ledger as usage
    from gateway.store.dynamo import to_item

    if hasattr(usage, "settlement_items"):
        return list(usage.settlement_items(ctx, outcome))
    return [{"Put": {"TableName": get_settings().usage_table, "Item": to_item(usage.record_item(ctx, outcome)),
                     "ConditionExpression": "attribute_not_exists(pk)"}}]


async def _transact(items: list[dict[str, Any]]) -> None:
    from gateway.store import ledger as usage
    from gateway.store.dynamo import call

    if hasattr(usage, "transact"):
        await usage.transact(items)
    else:
        await call("transact_write_items", TransactItems=items)


__all__ = ["DEFAULT_FREE_REQUESTS", "Admission", "Limits", "Outcome", "admit", "rate_headers", "reservation", "settle"]
