"""Apply: the FIFO change queue → the engine, one pool at a time, idempotent on ``requestId``.

``SqsFifoPartialProcessor(skip_group_on_error=True)``: a failing record fails
the rest of its message group in this batch (order is kept) while other pools
proceed. Attempts are counted where they run, failed groups back off, exhausted
requests go to the DLQ with their ``failed`` result, and the batch's results are
published together (poolpatch_lambda.apply).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from poolpatch_lambda import apply
from poolpatch_lambda.handler import trace_header, validate_environment
from poolpatch_lambda.observability import logger, metrics, tracer
from poolpatch_lambda.runtime import account_from_arn
from poolpatch_lambda.settings import apply_settings

processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@validate_environment(apply_settings)
@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Process a batch of change requests; failed records are reported for retry after their backoff."""
    runtime = apply.runtime_for(apply_settings(), account_from_arn(context.invoked_function_arn))
    runtime.trace_header = trace_header()
    return apply.process_batch(event, context, runtime=runtime, processor=processor)
