"""Apply: the FIFO change queue → the engine, one pool at a time, idempotent on ``requestId``.

Delivery guarantees (design.md, "Delivery guarantees"), and how they hold:

- **One final result per request.** Every record ends in a result document:
  applied/unchanged/planned/rejected once, or ``failed`` when its attempts are
  exhausted. Results of a batch are published together after it (one
  ``PutEvents`` per 10); if publishing fails, every record whose result was not
  published is retried, and idempotency answers the redelivery with the same
  result.
- **Attempts that ran, not receives.** ``SqsFifoPartialProcessor`` with
  ``skip_group_on_error`` fails the records behind a failing one of the same
  pool without running them, and their ``ApproximateReceiveCount`` climbs with
  it. So attempts are counted where they happen: a retryable failure increments
  a counter in the idempotency table (:class:`AttemptCounter`; nothing is written
  on success). At ``MAX_RECEIVE_COUNT`` the request's ``failed`` result is
  published, the message is sent to ``CHANGE_DLQ_URL`` by the function and
  deleted from the queue, and the requests behind it proceed, in order.
- **Backoff, not the visibility timeout.** A failed group's records are made
  visible again after 20 s, 40 s, 80 s... (capped at 5 minutes) with
  ``ChangeMessageVisibility``, instead of waiting out the queue's 720 s.
- **The queue's own redrive is a backstop** (``QUEUE_MAX_RECEIVE_COUNT``, far
  above): a message received that many times (a function that keeps crashing
  on it, or one skipped behind many failures) is failed and moved by the
  function on that receive, with its result, before SQS would move it silently.
- **The message group is the target's.** A message whose ``MessageGroupId`` is
  not ``{accountId}/{region}/{userPoolId}`` of its target is rejected: it would
  escape the one-writer-per-pool ordering.
- **Crash recovery.** A redelivered record tells the engine when it was sent,
  so a write that an earlier attempt made before dying is recognised
  (``recovered: true``).
- **Bundle restores** (``restore.bundle``, :func:`restore_bundle`) are one
  request with one result: the stored bundle is read from the snapshot bucket
  (the pool's own ``bundles/`` prefix only), the live pool is read as a bundle,
  and every part runs through the engine as its own request
  ``{requestId}.{n}`` (its own before/after snapshots) or is created again.
  The whole request is idempotent on its ``requestId``; a retryable part
  failure retries the whole request, which reads the pool again: parts an
  earlier attempt wrote or recreated are then ``unchanged`` (never created
  twice), and a part whose write an attempt made before dying is recovered
  under its ``{requestId}.{n}`` when the numbering of the pool's parts is the
  same as in that attempt.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
)
from botocore.exceptions import BotoCoreError, ClientError

from poolpatch.adapters.cognito import Boto3Cognito
from poolpatch.adapters.events import PublishFailed
from poolpatch.adapters.snapshots import S3SnapshotStore, scoped_bundle_key
from poolpatch.engine import Engine
from poolpatch.errors import AccessDenied, InvalidRequest, NotFound, PoolpatchError, ServiceError
from poolpatch.request import ChangeRequest, Target, load_json, parse_request
from poolpatch.result import Result
from poolpatch_lambda import idempotency
from poolpatch_lambda.observability import logger
from poolpatch_lambda.runtime import Runtime, rejection, safe_request_id, target_engine, target_sessions
from poolpatch_lambda.settings import ApplySettings

#: Retry delays of a failed group: the first within 30 s, doubling, capped.
BACKOFF_FIRST_SECONDS = 20
BACKOFF_CAP_SECONDS = 300
#: How long an attempt counter is kept (as long as an idempotency record).
ATTEMPTS_TTL_SECONDS = idempotency.EXPIRES_AFTER_SECONDS


def backoff(attempts: int) -> int:
    """Seconds before a group whose head failed ``attempts`` times is tried again."""
    return int(min(BACKOFF_CAP_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** max(0, attempts - 1)))


class Retry(Exception):
    """The record is retried after ``delay`` seconds (the batch processor reports it as failed)."""

    def __init__(self, request_id: str, delay: int, reason: str) -> None:
        self.delay = delay
        super().__init__(f"request {request_id} will be retried in {delay} s: {reason}")


class RetryableFailure(Exception):
    """The engine's result is a retryable ``failed``: raised inside idempotency so nothing is recorded."""

    def __init__(self, result: Result) -> None:
        self.result = result
        code = result.error.code if result.error else "Unknown"
        super().__init__(f"request {result.request_id} failed with {code}")


class AttemptCounter:
    """Attempts of a request that ran and failed, in the idempotency table (one item per id and content).

    Nothing is written on success; a failed attempt is one ``UpdateItem``. When a message exhausts the
    request, the item records that message and its ``failed`` result before the result is published, and
    is reset once the message is in the DLQ. A redelivery of that same message (the function died, or the
    DLQ send failed, in between) reads it (one ``GetItem``, on redeliveries only) and finishes the move
    without running again; a later redrive or resend is a new message, with a full budget.
    """

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    def failed(self, request: ChangeRequest) -> int:
        """Count one more failed attempt and return the total; 1 if the table cannot say.

        Without the table a request is never exhausted by attempts (only by the queue's receive limit):
        falling back to the receive count would exhaust a request that only waited behind failures.
        """
        response = self._update(
            request,
            "ADD attempts :one SET expiration = :expires",
            {":one": {"N": "1"}, ":expires": {"N": str(int(time.time()) + ATTEMPTS_TTL_SECONDS)}},
        )
        try:
            return int(response["Attributes"]["attempts"]["N"]) if response else 1
        except (KeyError, ValueError):
            return 1

    def exhaust(self, request: ChangeRequest, message: Message, document: Mapping[str, Any]) -> None:
        """Record that ``message`` exhausted the request, with the ``failed`` result it publishes."""
        self._update(
            request,
            "SET exhausted_by = :message, #result = :result, expiration = :expires",
            {
                ":message": {"S": message.message_id},
                ":result": {"S": json.dumps(document, default=str)},
                ":expires": {"N": str(int(time.time()) + ATTEMPTS_TTL_SECONDS)},
            },
            names={"#result": "result"},
        )

    def reset(self, request: ChangeRequest) -> None:
        """The exhausted message is in the DLQ: a redrive or a resend starts with a full budget."""
        self._update(
            request,
            "SET attempts = :zero REMOVE exhausted_by, #result",
            {":zero": {"N": "0"}},
            names={"#result": "result"},
        )

    def exhausted(self, request: ChangeRequest, message: Message) -> dict[str, Any] | None:
        """The ``failed`` result ``message`` already published, when it exhausted the request; else None."""
        try:
            item = self._client.get_item(TableName=self.table, Key=self._key(request), ConsistentRead=True)
            record = item.get("Item") or {}
            if record.get("exhausted_by", {}).get("S") != message.message_id:
                return None
            document: dict[str, Any] = json.loads(record["result"]["S"])
            return document
        except (ClientError, BotoCoreError, KeyError, ValueError) as exc:
            logger.warning("attempt counter unavailable", extra={"error": type(exc).__name__})
            return None

    def _update(
        self,
        request: ChangeRequest,
        expression: str,
        values: dict[str, Any],
        *,
        names: dict[str, str] | None = None,
    ) -> dict[str, Any] | None:
        params: dict[str, Any] = {
            "TableName": self.table,
            "Key": self._key(request),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
            "ReturnValues": "UPDATED_NEW",
        }
        if names:
            params["ExpressionAttributeNames"] = names
        try:
            response: dict[str, Any] = self._client.update_item(**params)
        except (ClientError, BotoCoreError) as exc:
            logger.warning("attempt counter unavailable", extra={"error": type(exc).__name__})
            return None
        return response

    @staticmethod
    def _key(request: ChangeRequest) -> dict[str, Any]:
        return {"id": {"S": f"poolpatch#attempts#{request.request_id}#{request.content_hash()[:16]}"}}


@dataclass
class ApplyRuntime(Runtime[ApplySettings]):
    """The apply function's collaborators, built once per container."""

    _engine: Engine | None = None
    _runner: idempotency.IdempotentRunner | None = None

    def engine(self) -> Engine:
        """The engine with S3 snapshots and per-account Cognito ports through the target role."""
        if self._engine is None:
            self._engine = target_engine(self, self.settings, snapshot_bucket=self.settings.snapshot_bucket)
        return self._engine

    def runner(self) -> idempotency.IdempotentRunner:
        """The idempotent engine call (configuration and persistence built once)."""
        if self._runner is None:
            self._runner = idempotency.build(
                self.settings.idempotency_table, self.client("dynamodb"), self.run
            )
        return self._runner

    def run(self, request: ChangeRequest, recover_since: datetime | None) -> dict[str, Any]:
        """The engine call: retryable failures raise (so idempotency records nothing), others return."""
        if request.restore_bundle is not None:
            target = request.target.resolved(account_id=self.own_account, region=self.settings.region)
            result = restore_bundle(
                request,
                target,
                engine=self.engine(),
                port=lambda: target_sessions(self, self.settings).cognito_for(target),
                store=S3SnapshotStore(self.client("s3"), self.settings.snapshot_bucket),
                recover_since=recover_since,
            )
        else:
            result = self.engine().run(request, recover_since=recover_since)
        if result.status == "failed" and result.retryable:
            raise RetryableFailure(result)
        return result.to_dict()

    def attempts(self) -> AttemptCounter:
        """The attempt counter (in the idempotency table)."""
        return AttemptCounter(self.client("dynamodb"), self.settings.idempotency_table)


def restore_bundle(
    request: ChangeRequest,
    target: Target,
    *,
    engine: Engine,
    port: Callable[[], Boto3Cognito],
    store: S3SnapshotStore,
    recover_since: datetime | None,
) -> Result:
    """A ``restore.bundle`` request to its one result: the pool made the stored bundle's, part by part.

    The reference is checked again (:func:`scoped_bundle_key`: the store's bucket, ``target``'s own
    ``bundles/`` prefix, a ``.json`` key), the bundle read and checked, the live pool read as a bundle with
    the target account's Cognito port (``port``, the assumed target role), then ``apply --bundle`` runs with
    ``engine.run`` for each part (request ids ``{requestId}.{n}``, each with its own snapshots;
    ``recover_since`` passed on, so a redelivery recovers a part's write) and the port's create operations.
    The result's status is the bundle's; ``parts``, ``recreated`` and ``extra`` are ``apply --bundle``'s;
    a ``rejected`` or ``failed`` result's ``error`` is its first such part's. A failure before any part runs
    (the reference, the bundle, reading the pool) is the result's error, ``failed`` when retryable.
    """
    from poolpatch.adapters.fleet import Boto3FleetReader  # the bundle code loads for bundle restores only
    from poolpatch.bundle.restore import restore_pool

    reference = request.restore_bundle or ""
    try:
        key = scoped_bundle_key(reference, bucket=store.bucket, target=target)
        cognito = port()
        outcome = restore_pool(
            _stored_bundle(store, key),
            Boto3FleetReader(cognito),
            target=target,
            run=lambda part: engine.run(part, recover_since=recover_since),
            create=cognito.invoke,
            request_id=request.request_id,
            reason=request.reason,
            requested_by=request.requested_by,
            mode=request.mode,
            own_bundle_only=True,
        )
    except PoolpatchError as error:
        return Result.from_error(error, request.request_id, target.to_dict())
    return Result(
        outcome.status,
        request.request_id,
        target.to_dict(),
        parts=outcome.parts,
        recreated=outcome.recreated,
        extra=outcome.extra,
        recovered=any(part.recovered for part in outcome.results),
        session=next((part.session for part in outcome.results if part.session), None),
        warnings=list(dict.fromkeys(w for part in outcome.results for w in part.warnings)),
        error=outcome.first_error(),
    )


def _stored_bundle(store: S3SnapshotStore, key: str) -> dict[str, Any]:
    """The JSON object at ``key``; a missing or forbidden one is an error at ``/restore/bundle``."""
    where = store.reference(key)
    try:
        document = store.read_document(key)
    except AccessDenied:
        raise AccessDenied(
            f"Reading bundle {where} was denied.",
            path="/restore/bundle",
            remedy="Restore a bundle poolpatch stored, from its own snapshot bucket.",
        ) from None
    if document is None:
        raise NotFound(
            f"Bundle {where} does not exist.",
            path="/restore/bundle",
            remedy="List the pool's bundles below the same prefix and name one that exists.",
        )
    return document


@dataclass
class Message:
    """One queue record as apply needs it."""

    body: str
    message_id: str
    group_id: str | None
    receive_count: int
    sent: datetime | None = None

    @classmethod
    def of(cls, record: SQSRecord) -> Message:
        """From a Lambda SQS record."""
        attributes = record.attributes
        sent = attributes.sent_timestamp
        return cls(
            body=record.body,
            message_id=record.message_id,
            group_id=attributes.message_group_id,
            receive_count=int(attributes.approximate_receive_count or 1),
            sent=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
        )


@dataclass
class Outcome:
    """A record's final result; ``published`` when it was already published (exhausted requests)."""

    document: dict[str, Any]
    published: bool = False
    duration_ms: float | None = None


def apply_record(message: Message, *, runtime: ApplyRuntime) -> Outcome:
    """Run one queued request to its final result, or raise :class:`Retry`.

    - an unparseable body or a foreign message group: ``rejected`` (never retried, never blocks its group);
    - a retryable failure: :class:`Retry` with a growing delay, until the request's attempts are
      exhausted; then its ``failed`` result is published and the message moved to the DLQ here;
    - anything else: the result, published by the batch.
    """
    settings = runtime.settings
    logger.remove_keys(["request_id", "user_pool_id"])  # keys of the previous record
    document: Any = None
    try:
        document = load_json(message.body, what="message body")
        request = parse_request(document, default_request_id=message.message_id)
    except PoolpatchError as error:
        target = document.get("target") if isinstance(document, Mapping) else None
        return Outcome(rejection(error, safe_request_id(document, message.message_id), target))
    target = request.target.resolved(account_id=runtime.own_account, region=settings.region)
    logger.set_correlation_id(request.request_id)
    logger.append_keys(request_id=request.request_id, user_pool_id=target.user_pool_id)
    if message.group_id is not None and message.group_id != target.group_id:
        recorded = _recorded(request, target, runtime)
        if recorded is not None:  # a replay of a request that finished: its result, never a second one
            return Outcome(recorded)
        foreign = InvalidRequest(
            "The message's group id is not its target's: writes to one pool must share one group.",
            path="/target",
            remedy=f"Send with MessageGroupId {target.group_id} (or through the intake function).",
        )
        return Outcome(rejection(foreign, request.request_id, target.to_dict()))
    if message.receive_count > 1:
        exhausted = runtime.attempts().exhausted(request, message)
        if exhausted is not None:  # its failed result went out already: finish moving it, never run it
            return _exhaust(message, request, exhausted, runtime)
    if message.receive_count >= settings.queue_max_receive_count:
        recorded = _recorded(request, target, runtime)
        if recorded is not None:  # it finished; only its result did not get out (an EventBridge outage)
            return Outcome(recorded)
        failure = ServiceError(
            f"The request was received {message.receive_count} times without finishing (the function "
            "crashed or timed out on it, or it waited behind failing requests).",
            remedy="Inspect the message in the DLQ and the function's logs; redrive it when fixed.",
            retryable=True,
        )
        document = Result.from_error(failure, request.request_id, target.to_dict()).to_dict()
        return _exhaust(message, request, document, runtime)
    started = time.perf_counter()
    recover_since = message.sent if message.receive_count > 1 else None
    try:
        document = runtime.runner()(request, target, recover_since)
    except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError):
        raise Retry(request.request_id, BACKOFF_FIRST_SECONDS, "another attempt is in progress") from None
    except IdempotencyPersistenceLayerError:
        # The idempotency table failed, possibly after the engine ran: not an attempt of the request. The
        # redelivery recovers a write that happened (crash recovery); the receive limit bounds an outage.
        logger.warning("idempotency table unavailable; the request is retried")
        delay = backoff(message.receive_count)
        raise Retry(request.request_id, delay, "idempotency table unavailable") from None
    except RetryableFailure as failure:
        return _failed(message, request, failure.result, runtime)
    except Exception as exc:  # a bug must not lose the request: count it like a failure, then DLQ
        logger.exception("unexpected error while applying")
        internal = ServiceError(f"Internal error ({type(exc).__name__}).", retryable=True)
        return _failed(
            message, request, Result.from_error(internal, request.request_id, target.to_dict()), runtime
        )
    return Outcome(document, duration_ms=(time.perf_counter() - started) * 1000)


def _recorded(request: ChangeRequest, target: Target, runtime: ApplyRuntime) -> dict[str, Any] | None:
    """The request's recorded result, without running it (None when there is none)."""
    try:
        return runtime.runner().replay(request, target)
    except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError):
        raise Retry(request.request_id, BACKOFF_FIRST_SECONDS, "another attempt is in progress") from None
    except Exception:  # the table cannot say: decide as if nothing was recorded (never a silent redrive)
        logger.warning("recorded result unavailable", exc_info=True)
        return None


def _failed(message: Message, request: ChangeRequest, result: Result, runtime: ApplyRuntime) -> Outcome:
    attempts = runtime.attempts().failed(request)
    if attempts >= runtime.settings.max_receive_count:
        return _exhaust(message, request, result.to_dict(), runtime)
    code = result.error.code if result.error else "Unknown"
    logger.warning("request failed; will be retried", extra={"attempts": attempts, "code": code})
    raise Retry(request.request_id, backoff(attempts), f"attempt {attempts} failed with {code}")


def _exhaust(
    message: Message, request: ChangeRequest, document: dict[str, Any], runtime: ApplyRuntime
) -> Outcome:
    """Record the exhaustion, publish the ``failed`` result, move the message to the DLQ, reset the budget.

    A failure in between leaves the record to be retried: the redelivery of this message finds it exhausted
    and repeats exactly this (an identical copy of the result, then the move), never running the request.
    """
    counter = runtime.attempts()
    counter.exhaust(request, message, document)
    runtime.publish([document])
    dead_letter(message, document, runtime)
    counter.reset(request)
    logger.error("request exhausted its attempts; moved to the DLQ", extra={"error": document.get("error")})
    return Outcome(document, published=True)


def dead_letter(message: Message, document: Mapping[str, Any], runtime: ApplyRuntime) -> None:
    """Send the original message to ``CHANGE_DLQ_URL`` with the error code; a failure retries the record."""
    error = document.get("error") or {}
    try:
        runtime.client("sqs").send_message(
            QueueUrl=runtime.settings.change_dlq_url,
            MessageBody=message.body,
            MessageGroupId=message.group_id or str(document.get("requestId") or message.message_id),
            MessageDeduplicationId=message.message_id,
            MessageAttributes={
                "poolpatch-error-code": {
                    "DataType": "String",
                    "StringValue": str(error.get("code", "Unknown")),
                },
                "poolpatch-request-id": {"DataType": "String", "StringValue": str(document.get("requestId"))},
            },
        )
    except (ClientError, BotoCoreError) as exc:
        raise Retry(
            str(document.get("requestId")), BACKOFF_FIRST_SECONDS, f"DLQ send failed: {exc}"
        ) from None


@dataclass
class Batch:
    """One invocation's records: their outcomes, published together, and the delays of failed groups."""

    runtime: ApplyRuntime
    outcomes: list[tuple[str, Outcome]] = field(default_factory=list)
    delays: dict[str | None, int] = field(default_factory=dict)

    def handle(self, record: SQSRecord) -> None:
        """The processor's record handler."""
        message = Message.of(record)
        logger.set_correlation_id(message.message_id)
        try:
            self.outcomes.append((message.message_id, apply_record(message, runtime=self.runtime)))
        except Retry as retry:
            self._delay(message.group_id, retry.delay)
            raise

    def _delay(self, group: str | None, seconds: int) -> None:
        """A failed group becomes visible again after the longest delay any of its records asked for."""
        self.delays[group] = max(self.delays.get(group, 0), seconds)

    def finish(
        self, event: Mapping[str, Any], response: PartialItemFailureResponse
    ) -> PartialItemFailureResponse:
        """Publish the results, then give failed records their backoff; return the partial response."""
        records = [SQSRecord(item) for item in event.get("Records", [])]
        failed = {str(item["itemIdentifier"]) for item in response.get("batchItemFailures", [])}
        pending = [(message_id, outcome) for message_id, outcome in self.outcomes if not outcome.published]
        try:
            self.runtime.publish(
                [outcome.document for _, outcome in pending],
                durations=[outcome.duration_ms for _, outcome in pending],
            )
        except PublishFailed as exc:
            logger.warning("results not published; their records are retried", extra={"error": str(exc)})
            failed.update(message_id for message_id, _ in pending)
            for record_ in records:
                if record_.message_id in failed:
                    receives = int(record_.attributes.approximate_receive_count or 1)
                    self._delay(record_.attributes.message_group_id, backoff(receives))
        failed -= self._exhaust_skipped(records, failed)
        self._back_off(records, failed)
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in sorted(failed)]}

    def _exhaust_skipped(self, records: list[SQSRecord], failed: set[str]) -> set[str]:
        """Records skipped behind a failure on their queue's last receive: failed and moved here, not lost."""
        limit = self.runtime.settings.queue_max_receive_count
        done: set[str] = set()
        ran = {message_id for message_id, _ in self.outcomes}
        for record_ in records:
            message = Message.of(record_)
            if (
                message.message_id in failed
                and message.message_id not in ran
                and message.receive_count >= limit
            ):
                try:
                    outcome = apply_record(message, runtime=self.runtime)  # receive limit: exhausted at once
                except Exception:  # left failed: one record must not fail the whole batch
                    logger.warning("a skipped record could not be exhausted", exc_info=True)
                    continue
                if not outcome.published:
                    continue
                done.add(message.message_id)
        return done

    def _back_off(self, records: list[SQSRecord], failed: set[str]) -> None:
        entries = [
            {
                "Id": str(index),
                "ReceiptHandle": record_.receipt_handle,
                "VisibilityTimeout": self.delays.get(
                    record_.attributes.message_group_id, BACKOFF_FIRST_SECONDS
                ),
            }
            for index, record_ in enumerate(records)
            if record_.message_id in failed
        ]
        if not entries:
            return
        try:
            self.runtime.client("sqs").change_message_visibility_batch(
                QueueUrl=self.runtime.settings.change_queue_url,
                Entries=entries,
            )
        except (ClientError, BotoCoreError) as exc:
            logger.warning(
                "backoff not set; the queue's visibility timeout applies", extra={"error": str(exc)}
            )


def process_batch(
    event: dict[str, Any], context: Any, *, runtime: ApplyRuntime, processor: SqsFifoPartialProcessor
) -> PartialItemFailureResponse:
    """Process one SQS batch: records in order per pool, results published together, backoff for failures."""
    runtime.runner().register(context)
    batch = Batch(runtime)
    # A batch whose every record failed still gets its backoff and a partial response (not an exception,
    # which would leave every record to the queue's visibility timeout).
    processor.raise_on_entire_batch_failure = False
    response = process_partial_response(
        event=event, record_handler=batch.handle, processor=processor, context=context
    )
    return batch.finish(event, response)


@cache
def runtime_for(settings: ApplySettings, own_account: str) -> ApplyRuntime:
    """One runtime per container (settings are frozen and cached, so this is built once)."""
    return ApplyRuntime(settings=settings, own_account=own_account)
