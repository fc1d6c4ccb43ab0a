"""Drift: scheduled sweeps fanned out per account and Region, their units of work, and targeted checks.

The schedule starts a sweep; ``DriftWorkQueue`` records are units of work (one account and Region each)
and their bundle passes (each checked pool's bundle stored under ``bundles/`` when it changed);
``DriftCheckQueue.fifo`` records are targeted checks; CloudTrail events for Cognito writes become
targeted checks. Corrections are change requests sent to the FIFO change queue (the one writer path).
The logic is in ``poolpatch_lambda.drift``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from poolpatch_lambda import drift
from poolpatch_lambda.handler import trace_header, validate_environment
from poolpatch_lambda.observability import logger, metrics, tracer
from poolpatch_lambda.runtime import account_from_arn
from poolpatch_lambda.settings import drift_settings


@validate_environment(drift_settings)
@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Start a sweep, run units and checks from SQS, or queue a targeted check for a CloudTrail event."""
    runtime = drift.runtime_for(drift_settings(), account_from_arn(context.invoked_function_arn))
    runtime.trace_header = trace_header()
    return drift.handle(runtime, event, context.get_remaining_time_in_millis)
