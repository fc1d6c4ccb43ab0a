"""Apply: the FIFO change queue → the engine, one pool at a time, idempotent on ``requestId``.

``SqsFifoPartialProcessor(skip_group_on_error=True)``: a failing record fails
the rest of its message group in this batch (order is kept) while other pools
proceed. Powertools idempotency (DynamoDB) makes a redelivered request return
its recorded result instead of writing again.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from poolpatch_lambda import service
from poolpatch_lambda.handler import trace_header, validate_environment
from poolpatch_lambda.idempotency import idempotent_runner
from poolpatch_lambda.observability import logger, metrics, tracer
from poolpatch_lambda.settings import apply_settings

processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@validate_environment(apply_settings)
@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Process a batch of change requests; failed records are reported for retry."""
    runtime = service.runtime_for(apply_settings(), service.account_from_arn(context.invoked_function_arn))
    runtime.trace_header = trace_header()
    run = idempotent_runner(runtime, context)

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        logger.set_correlation_id(record.message_id)
        return service.apply_record(
            record.body,
            message_id=record.message_id,
            receive_count=int(record.attributes.approximate_receive_count or 1),
            runtime=runtime,
            run=run,
        )

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
