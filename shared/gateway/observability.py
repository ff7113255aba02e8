"""Powertools Logger, Metrics and Tracer: one instance of each per container.

Other modules call ``Logger()`` again and share this one's state (Powertools' idiom).
Secrets never reach a log line: the logger is given no headers, only ids.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools import Tracer
    from mangum.types import ASGI, LambdaContext, LambdaEvent

    from gateway.accounting.record import UsageRecord

# Functions that only read the catalog publish no metric of their own on most invocations.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics(namespace="LLMGateway")


@lru_cache(maxsize=1)
def tracer() -> Tracer:
    """The X-Ray tracer, created on first use: importing the X-Ray SDK costs ~190 ms of cold
    start, which the streaming functions (no Lambda handler to wrap) never need to pay."""
    from aws_lambda_powertools import Tracer

    return Tracer()


def record_request(record: UsageRecord) -> None:
    """EMF metrics of one request, by model and provider: requests, errors, latency, cost.

    ``single_metric`` flushes at once with its own dimensions, so requests served
    concurrently by one uvicorn worker (Web Adapter functions) never mix dimensions.
    """
    if is_metrics_disabled():  # single_metric prints regardless; the local stack turns metrics off
        return
    dims = {"model": record.model, "provider": record.provider or "none"}
    values = [
        ("Requests", MetricUnit.Count, 1),
        ("Errors", MetricUnit.Count, 0 if record.status == "ok" else 1),
        ("LatencyMs", MetricUnit.Milliseconds, record.latency_ms),
        ("CostUsd", MetricUnit.NoUnit, float(record.cost.total)),
        ("Tokens", MetricUnit.Count, record.tokens),
    ]
    for name, unit, value in values:
        with single_metric(name=name, unit=unit, value=value, namespace=metrics.namespace) as m:
            for k, v in dims.items():
                m.add_dimension(name=k, value=v)


def failover(provider: str) -> None:
    """Count one attempt that failed and handed the request to the next target (by provider)."""
    if is_metrics_disabled():
        return
    with single_metric(name="Failovers", unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as m:
        m.add_dimension(name="provider", value=provider)


def counters_dropped() -> None:
    """Count a request settled without its hourly counters (the store refused them; the charge landed)."""
    if is_metrics_disabled():
        return
    with single_metric(name="CountersDropped", unit=MetricUnit.Count, value=1, namespace=metrics.namespace):
        pass


def free_tier_spend(usd: float) -> None:
    """The free tier's spend today, so far (alarmed on against the gateway-wide daily cap)."""
    if is_metrics_disabled():
        return
    with single_metric(
        name="FreeTierSpendUsd", unit=MetricUnit.NoUnit, value=usd, namespace=metrics.namespace
    ):
        pass


def unsettled() -> None:
    """Count a request whose usage could not be written (its record is in the log)."""
    if is_metrics_disabled():
        return
    with single_metric(name="UnsettledRequests", unit=MetricUnit.Count, value=1, namespace=metrics.namespace):
        pass


__all__ = [
    "MetricUnit",
    "counters_dropped",
    "failover",
    "free_tier_spend",
    "lambda_handler",
    "logger",
    "metrics",
    "record_request",
    "tracer",
    "unsettled",
]


def lambda_handler(app: ASGI) -> Callable[[LambdaEvent, LambdaContext], dict[str, Any]]:
    """A Lambda entry point for an ASGI app behind a REST API (buffered responses), observed:
    request-id correlation in logs, an X-Ray segment, and EMF metrics flushed per invocation."""
    from aws_lambda_powertools.logging import correlation_paths
    from mangum import Mangum

    asgi = Mangum(app, lifespan="off")

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer().capture_lambda_handler
    @metrics.log_metrics
    def handler(event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
        return asgi(event, context)

    return handler
