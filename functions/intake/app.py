"""Intake: EventBridge "User Pool Change Requested" events (or direct invocation) → the FIFO change queue.

Valid requests are enqueued with ``MessageGroupId = {account}/{region}/{pool}``
and ``MessageDeduplicationId = requestId``; requests that can never succeed are
answered with a ``rejected`` result event and never enqueued.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from poolpatch_lambda import service
from poolpatch_lambda.handler import trace_header, validate_environment
from poolpatch_lambda.observability import logger, metrics, tracer
from poolpatch_lambda.settings import intake_settings


@validate_environment(intake_settings)
@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Validate one change request and enqueue it, or reject it with a reason."""
    if "detail-type" in event:
        envelope = parse(event=event, model=EventBridgeModel)
        document, default_id = envelope.detail, envelope.id
    else:
        document, default_id = event, context.aws_request_id
    runtime = service.runtime_for(intake_settings(), service.account_from_arn(context.invoked_function_arn))
    runtime.trace_header = trace_header()
    if isinstance(document, dict) and isinstance(document.get("requestId"), str):
        logger.set_correlation_id(document["requestId"])
    return service.intake(document, default_request_id=default_id, runtime=runtime)
