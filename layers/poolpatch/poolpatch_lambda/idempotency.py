"""Powertools idempotency around the engine, keyed on ``requestId`` (never the SQS message id).

Only final outcomes of ``apply`` requests are recorded (applied, unchanged,
rejected): a retryable failure raises inside the idempotent function, so its
record is deleted and the redelivered message runs again. Plans write nothing
and are not recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from poolpatch.request import ChangeRequest, parse_request
from poolpatch_lambda import service
from poolpatch_lambda.settings import ApplySettings

#: How long a request id is remembered (a redelivery or a replay within this window writes nothing).
EXPIRES_AFTER_SECONDS = 7 * 24 * 3600


def idempotent_runner(runtime: service.Runtime, context: Any) -> Callable[[ChangeRequest], dict[str, Any]]:
    """The engine call wrapped in idempotency on ``requestId``, with the Lambda context registered."""
    settings = runtime.settings
    assert isinstance(settings, ApplySettings)
    config = IdempotencyConfig(
        event_key_jmespath="requestId",
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table, boto3_client=runtime.client("dynamodb")
    )
    config.register_lambda_context(context)

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="request", config=config, persistence_store=persistence
    )
    def run(request: dict[str, Any]) -> dict[str, Any]:
        return service.run_engine(parse_request(request), runtime)

    def runner(request: ChangeRequest) -> dict[str, Any]:
        # A plan writes nothing, so it needs no record; recording it would make a later apply that reuses
        # the requestId return the plan instead of writing.
        if request.mode == "plan":
            return service.run_engine(request, runtime)
        result: dict[str, Any] = run(request=request.to_dict())
        return result

    return runner
