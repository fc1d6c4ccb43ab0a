"""Powertools idempotency around the engine, keyed on ``requestId`` and checked against the content.

Built once per container (:func:`build`): the configuration, the DynamoDB
persistence layer and the decorated function; each invocation only registers
its Lambda context.

- Only final outcomes of ``apply`` requests are recorded (applied, unchanged,
  rejected): a retryable failure raises inside the idempotent function, so its
  record is deleted and the redelivered message runs again. Plans write nothing
  and are not recorded (a later apply with the same id must write).
- The record stores the request's content hash beside the result. A later
  request with the same ``requestId`` and the same content gets the recorded
  result (identical copies are allowed); with other content it is ``rejected``
  ``RequestIdReused``, naming the earlier target, and nothing is written.
- Writes per request: Powertools' in-progress ``PutItem`` and completing
  ``UpdateItem``: two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from poolpatch.errors import RequestIdReused
from poolpatch.request import ChangeRequest, Target, parse_request
from poolpatch.result import Result

#: How long a request id is remembered (a redelivery or a replay within this window writes nothing).
EXPIRES_AFTER_SECONDS = 7 * 24 * 3600

#: The engine call made idempotent: a request and, on a redelivery, the queue's send time.
EngineCall = Callable[[ChangeRequest, datetime | None], dict[str, Any]]


@dataclass
class IdempotentRunner:
    """The engine call wrapped in idempotency; call :meth:`register` once per invocation."""

    config: IdempotencyConfig
    _run: Callable[..., dict[str, Any]]
    _call: EngineCall

    def register(self, context: Any) -> None:
        """Register the invocation's Lambda context (in-progress records expire with the function)."""
        self.config.register_lambda_context(context)

    def __call__(
        self, request: ChangeRequest, target: Target, recover_since: datetime | None
    ) -> dict[str, Any]:
        """The result document: recorded, fresh, or ``RequestIdReused`` when the id's content differs."""
        if request.mode == "plan":
            return self._call(request, recover_since)
        content = request.content_hash(target)
        stored: dict[str, Any] = self._run(
            request=request.to_dict(), recover_since=recover_since, content=content, replay_only=False
        )
        return _checked(stored, request, target, content)

    def replay(self, request: ChangeRequest, target: Target) -> dict[str, Any] | None:
        """The recorded result (or ``RequestIdReused``) without running the request; None if none."""
        if request.mode == "plan":
            return None
        content = request.content_hash(target)
        try:
            stored: dict[str, Any] = self._run(
                request=request.to_dict(), recover_since=None, content=content, replay_only=True
            )
        except NotRecorded:
            return None
        return _checked(stored, request, target, content)


class NotRecorded(Exception):
    """Raised inside the idempotent function by a replay: there was no recorded result (nothing is kept)."""


def _checked(stored: dict[str, Any], request: ChangeRequest, target: Target, content: str) -> dict[str, Any]:
    if stored.get("content") != content:
        earlier = stored.get("result", {}).get("target", {})
        shown = "/".join(
            str(earlier.get(k))
            for k in ("accountId", "region", "userPoolId", "clientId", "kind", "name")
            if earlier.get(k)
        )
        error = RequestIdReused(
            f"requestId {request.request_id} was used before, with other content, for "
            f"{shown or 'another request'}.",
            path="/requestId",
            remedy="Use a new requestId for a new change; resend a change only with identical content.",
        )
        return Result.from_error(error, request.request_id, target.to_dict()).to_dict()
    result: dict[str, Any] = stored["result"]
    return result


def build(table: str, dynamodb: Any, call: EngineCall) -> IdempotentRunner:
    """The idempotent runner over ``call``, recording in ``table`` through the ``dynamodb`` client."""
    config = IdempotencyConfig(
        event_key_jmespath="requestId",
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb)

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="request", config=config, persistence_store=persistence
    )
    def run(
        request: dict[str, Any], recover_since: datetime | None, content: str, replay_only: bool
    ) -> dict[str, Any]:
        if replay_only:
            raise NotRecorded
        return {"content": content, "result": call(parse_request(request), recover_since)}

    return IdempotentRunner(config, run, call)
