"""On an EventBridge schedule: rebuild and store the 24 h report of every key active in the
window, and the gateway's, from the hourly counters."""

import asyncio
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from gateway.observability import MetricUnit, logger, metrics, tracer
from gateway.reports.builder import build_scheduled


@logger.inject_lambda_context
@tracer().capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stats = asyncio.run(build_scheduled())
    metrics.add_metric(name="ReportsBuilt", unit=MetricUnit.Count, value=stats["reports"])
    metrics.add_metric(name="ReportBuildMs", unit=MetricUnit.Milliseconds, value=stats["ms"])
    logger.info("reports built", extra={"schedule": event.get("resources"), **stats})
    return stats
