"""Admission before a provider is called (settlement is ``settlement.py``).

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
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gateway import clock
from gateway.accounting import pricing, tokens
from gateway.catalog import params
from gateway.errors import (
    BudgetExceededError,
    GatewayError,
    InsufficientBalanceError,
    InvalidRequestError,
    RateLimitError,
)
from gateway.observability import free_tier_spend, logger
from gateway.settings import get_settings
from gateway.store import accounts, free_cap
from gateway.store.ledger import ledger_ms

if TYPE_CHECKING:
    from gateway.catalog.targets import Target
    from gateway.context import RequestContext
    from gateway.schemas import ChatCompletionRequest

PROMPT_MARGIN = Decimal("1.25")
_PAID_MODE_TTL_S = 60.0
"""How long a container remembers that a principal's free tier is used up (then asks again)."""
_MEMO_MAX = 10_000


@dataclass(slots=True)
class Admission:
    """What admission granted (and must be released or settled)."""

    reserved_usd: Decimal = Decimal(0)
    hold: accounts.Hold | None = None
    budget: Decimal | None = None
    committed: Decimal = Decimal(0)
    """The day's committed USD right after this admission (this request's hold included)."""
    settled: bool = False
    """Set once settlement was attempted, so that no path settles twice."""


def default_free_requests() -> int:
    """Free requests for a principal whose limits name none (the self-serve setting)."""
    return get_settings().self_serve.free_requests


@dataclass(slots=True)
class Limits:
    rpm: int | None = None
    tpm: int | None = None
    budget: Decimal | None = None
    free_requests: int = 0
    max_concurrent: int | None = None

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Limits:
        def opt_int(name: str) -> int | None:
            return None if raw.get(name) is None else int(raw[name])

        budget = raw.get("daily_budget_usd")
        free = raw.get("free_requests")
        concurrent = opt_int("max_concurrent")
        return cls(
            rpm=opt_int("rpm"),
            tpm=opt_int("tpm"),
            budget=None if budget is None else Decimal(str(budget)),
            free_requests=default_free_requests() if free is None else int(free),
            max_concurrent=get_settings().abuse.max_concurrent_per_key if concurrent is None else concurrent,
        )


def free_tier_covers(targets: list[Target]) -> bool:
    """Whether every target is a model the free tier covers (by catalog tier or model id)."""
    covered = set(get_settings().self_serve.free_tier)
    return all(t.model.tier in covered or t.model.id in covered for t in targets)


class _PaidMode:
    """Principals whose free tier this container saw used up, each until a deadline: their
    admissions ask the wallet first instead of failing the free-tier condition every time."""

    def __init__(self, ttl_s: float = _PAID_MODE_TTL_S, cap: int = _MEMO_MAX) -> None:
        self._until: OrderedDict[str, float] = OrderedDict()
        self._ttl, self._cap = ttl_s, cap

    def __contains__(self, principal_id: str) -> bool:
        return self._until.get(principal_id, 0.0) > clock.monotonic()

    def add(self, principal_id: str) -> None:
        self._until[principal_id] = clock.monotonic() + self._ttl
        self._until.move_to_end(principal_id)
        while len(self._until) > self._cap:
            self._until.popitem(last=False)

    def clear(self) -> None:
        self._until.clear()


_paid = _PaidMode()


def forget() -> None:
    """Drop what this container remembers about principals (tests that start from empty tables)."""
    _paid.clear()
    accounts.forget()


def reservation(request: ChatCompletionRequest, targets: list[Target]) -> tuple[Decimal, int]:
    """(the most the request can cost on any of its targets, tokens counted for tpm).

    The prompt estimate (four characters a token) is raised by ``PROMPT_MARGIN`` for the hold:
    tokenizers count more tokens than that in code and non-English text, and a hold that is
    too small is the one way spend could end above a budget.
    """
    prompt = math.ceil(tokens.estimate_prompt(request) * PROMPT_MARGIN)
    limit = request.output_limit()
    choices = request.n or 1  # each of ``n`` choices may use the whole output limit
    usd = max(
        pricing.max_cost(prompt, (_sent_limit(request, t) or t.model.max_output_tokens) * choices, t.pricing)
        for t in targets
    )
    counted = math.ceil(tokens.estimate_prompt(request, worst_case=False) * PROMPT_MARGIN)
    return usd, counted + (limit or 0)


def _sent_limit(request: ChatCompletionRequest, target: Target) -> int | None:
    """The output limit the target will get: with ``drop_params`` a target that cannot take
    ``max_tokens`` gets the request without it (and may answer up to the model's limit)."""
    try:
        fitted, _ = params.fit(request, target, drop=bool(request.drop_params))
    except GatewayError:
        return request.output_limit()  # never attempted (skipped); keep the request's own limit
    return fitted.output_limit()


def fmt_usd(x: Decimal) -> str:
    return f"{x:.9f}".rstrip("0").rstrip(".") or "0"


def _until_next_minute(now: float) -> int:
    return max(1, math.ceil(60 - now % 60))


def rate_headers(limits: Limits, account: accounts.Account, now: float) -> dict[str, str]:
    out: dict[str, str] = {}
    reset = f"{_until_next_minute(now)}s"
    for kind, limit, used in (
        ("requests", limits.rpm, account.requests_in_minute(now)),
        ("tokens", limits.tpm, account.tokens_in_minute(now)),
    ):
        if limit is None:
            continue
        out[f"x-ratelimit-limit-{kind}"] = str(limit)
        out[f"x-ratelimit-remaining-{kind}"] = str(max(0, limit - used))
        out[f"x-ratelimit-reset-{kind}"] = reset
    return out


def _refusal(
    limits: Limits,
    ask_usd: Decimal,
    ask_tokens: int,
    account: accounts.Account,
    now: float,
    mode: accounts.Mode,
    why_paid: str = "The free tier is used up",
) -> GatewayError | None:
    """The error a refused admission deserves, judged from the account as it was."""
    headers = rate_headers(limits, account, now)
    if limits.max_concurrent is not None and account.open_holds >= limits.max_concurrent:
        return RateLimitError(
            f"Too many requests in flight: at most {limits.max_concurrent} at once for this key. "
            "Retry when one has finished.",
            code="concurrency_limit_exceeded",
            headers={**headers, "retry-after": "1"},
            extra={"retry_after": 1},
        )
    if limits.rpm is not None and account.requests_in_minute(now) >= limits.rpm:
        wait = _until_next_minute(now)
        return RateLimitError(
            f"Rate limit reached: {limits.rpm} requests per minute. Retry in {wait} s.",
            headers={**headers, "retry-after": str(wait)},
            extra={"retry_after": wait},
        )
    if limits.tpm is not None and account.tokens_in_minute(now) + ask_tokens > limits.tpm:
        wait = _until_next_minute(now)
        return RateLimitError(
            f"Rate limit reached: {limits.tpm} tokens per minute (this request counts {ask_tokens}). "
            f"Retry in {wait} s.",
            code="tokens_rate_limit_exceeded",
            headers={**headers, "retry-after": str(wait)},
            extra={"retry_after": wait},
        )
    if limits.budget is not None and account.committed_usd(now) + ask_usd > limits.budget:
        return _budget_error(limits.budget, ask_usd, account.committed_usd(now), now, headers)
    if mode == "paid":
        available = account.available_usd
        rate = get_settings().payments.sats_usd_rate
        sats = max(1, math.ceil((ask_usd - max(available, Decimal(0))) / rate))
        return InsufficientBalanceError(
            f"{why_paid}, and the wallet holds ${fmt_usd(available)} available; this request may cost "
            f"up to ${fmt_usd(ask_usd)}. Fund at least {sats} sats: POST /v1/wallet/fund "
            f'{{"amount": {sats}}}, pay the invoice, then GET /v1/wallet/status?invoiceId=<id>.',
            extra={
                "fund_url": "/v1/wallet/fund",
                "fund_amount_sats": sats,
                "available_usd": float(available),
                "required_usd": float(ask_usd),
            },
        )
    return None


def _budget_error(
    budget: Decimal, ask_usd: Decimal, committed: Decimal, now: float, headers: dict[str, str]
) -> BudgetExceededError:
    reset = accounts.next_midnight(now)
    wait = max(1, math.ceil(reset.timestamp() - now))
    return BudgetExceededError(
        f"Daily budget of ${fmt_usd(budget)} reached: ${fmt_usd(committed)} spent or held today, and "
        f"this request may cost up to ${fmt_usd(ask_usd)}. The budget resets at {reset.isoformat()} (UTC midnight).",
        headers={**headers, "retry-after": str(wait)},
        extra={"retry_after": wait, "reset_at": reset.isoformat()},
    )


async def _take_free_allowance(pid: str, usd: Decimal, now: float) -> bool | None:
    """Count a free request's hold against the gateway-wide daily free-tier cap: True when
    counted, False when there is no room, None when there is no cap (nothing to count).

    Reports the day's free-tier spend as the metric ``FreeTierSpendUsd`` (its shard's count as
    if every shard stood there: the alarm on it fires as the first shard nears its share)."""
    cap = get_settings().self_serve.free_tier_daily_cap_usd
    if cap is None:
        return None
    expires = int(now) + 3 * 86400
    committed = await free_cap.take(pid, accounts.day_of(now), usd, cap, expires)
    if committed is None:
        return False
    try:
        free_tier_spend(float(committed))
    except Exception:  # a metric must never refuse a request
        logger.warning("free-tier spend metric not emitted", exc_info=True)
    return True


async def admit(ctx: RequestContext, request: ChatCompletionRequest, targets: list[Target]) -> Admission:
    """Count the request in its key's windows and hold its most expensive outcome, or refuse it.

    Who pays: the free tier, for models it covers (any model for a key the admin configured),
    while the key has free requests left and the gateway's daily free-tier allowance has room;
    otherwise the wallet.
    """
    usd, toks = reservation(request, targets)
    return await hold(ctx, Reserve(usd, toks, tokens.media_parts(request)), targets)


@dataclass(frozen=True, slots=True)
class Reserve:
    """What to hold for a request: its worst-case cost, the tokens it counts against tpm, and its
    media parts. Chat computes it with ``reservation``; embeddings, images and transcriptions
    compute their own (``completion/work.py``)."""

    usd: Decimal
    tokens: int
    media_parts: int = 0


async def hold(ctx: RequestContext, want: Reserve, targets: list[Target]) -> Admission:
    """Count a request in its key's windows and hold ``want.usd``, or refuse it (see ``admit``)."""
    from gateway.accounting.expiry import settle_expired

    principal = ctx.principal
    pid, limits = principal.id, Limits.of(principal.limits)
    parts, most = want.media_parts, get_settings().abuse.max_media_parts
    if parts > most:
        raise InvalidRequestError(
            f"The request carries {parts} image, audio and file parts; at most {most} are accepted.",
            param="messages",
            code="too_many_media_parts",
        )
    usd, toks = want.usd, want.tokens
    now = clock.now()
    if limits.budget is not None and usd > limits.budget:
        raise _budget_error(limits.budget, usd, Decimal(0), now, {})
    if limits.tpm is not None and toks > limits.tpm:
        raise RateLimitError(
            f"This request counts {toks} tokens, more than the key's {limits.tpm} tokens per minute; "
            "lower max_tokens or the prompt.",
            code="tokens_rate_limit_exceeded",
        )
    why_paid = "The free tier is used up"
    paid = limits.free_requests <= 0 or pid in _paid
    if not paid and not principal.managed and not free_tier_covers(targets):
        paid, why_paid = True, f"`{targets[0].model.id}` is not in the free tier"
    settings = get_settings()
    retried = False
    while True:
        mode: accounts.Mode = "paid" if paid else "free"
        allowance = await _take_free_allowance(pid, usd, now) if mode == "free" else None
        if allowance is False:
            paid, why_paid = True, "The free tier's daily allowance for this gateway is used up"
            continue
        ask = accounts.Ask(
            pid,
            ctx.request_id,
            usd,
            toks,
            now,
            mode,
            limits.rpm,
            limits.tpm,
            limits.budget,
            limits.free_requests,
            limits.max_concurrent,
            settings.hold_ttl_s,
            ledger_ms(ctx.started_at),
            targets[0].model.id,
            allowance=bool(allowance),
        )
        try:
            account = await accounts.admit(ask)
            break
        except accounts.Refused as refused:
            if allowance:
                await free_cap.give_back(pid, accounts.day_of(now), usd)
            error = _refusal(limits, usd, toks, refused.account, now, mode, why_paid)
            if not retried and refused.account.expired_holds(now):
                # Crashed requests' holds: settled (charged their reservation), their slots freed.
                retried = True
                await settle_expired(refused.account, now)
                continue
            if error is None and not paid:
                paid = True  # the free tier ran out: ask again, drawing from the wallet
                _paid.add(pid)
                continue
            if error is None and not retried:
                retried = True  # the account moved between the condition and our judgement
                continue
            raise error or RateLimitError(
                "The request was refused by a limit that changed meanwhile; retry."
            ) from None
    if mode == "free" and account.free_used >= limits.free_requests:
        _paid.add(pid)
    if account.expired_holds(now):
        # Housekeeping for other requests: this one is admitted now, and an error here would
        # leave its hold open and the request unsettled. A later admission retries it.
        try:
            await settle_expired(account, now)
        except Exception:
            logger.warning("settling expired holds failed", exc_info=True)
    hold = account.hold(ctx.request_id)
    if hold is None:  # pragma: no cover - the store returns the item with the hold it just wrote
        raise RuntimeError("admission returned an account without its hold")
    admission = Admission(usd, hold, limits.budget, account.committed_usd(now))
    ctx.limit_headers = {
        **rate_headers(limits, account, now),
        "x-gateway-budget-remaining": remaining(admission, usd),
    }
    return admission


def remaining(admission: Admission, charged: Decimal) -> str:
    """The day's budget left once this request is charged ``charged``, for the response header."""
    if admission.budget is None:
        return "unlimited"
    return fmt_usd(max(Decimal(0), admission.budget - admission.committed + admission.reserved_usd - charged))


__all__ = [
    "Admission",
    "Limits",
    "Reserve",
    "admit",
    "default_free_requests",
    "forget",
    "free_tier_covers",
    "hold",
    "rate_headers",
    "remaining",
    "reservation",
]
