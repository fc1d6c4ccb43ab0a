"""Intake: EventBridge "User Pool Change Requested" events (or direct invocation) → the FIFO change queue.

Only events from ``EVENT_SOURCES`` sent by the own or an allowed account are
accepted; valid requests are enqueued with ``MessageGroupId =
{account}/{region}/{pool}`` and a deduplication id derived from the request id
and content; anything else is answered with a ``rejected`` result event and
never enqueued (poolpatch_lambda.intake).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from poolpatch_lambda import intake
from poolpatch_lambda.handler import trace_header, validate_environment
from poolpatch_lambda.observability import logger, metrics, tracer
from poolpatch_lambda.runtime import account_from_arn
from poolpatch_lambda.settings import intake_settings


@validate_environment(intake_settings)
@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Validate one change request and enqueue it, or reject it with a reason."""
    runtime = intake.runtime_for(intake_settings(), account_from_arn(context.invoked_function_arn))
    runtime.trace_header = trace_header()
    return intake.handle(event, invocation_id=context.aws_request_id, runtime=runtime)
