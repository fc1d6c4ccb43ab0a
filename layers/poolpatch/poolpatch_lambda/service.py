"""What the functions do, behind their decorators: intake, apply one record, drift.

Everything AWS is built lazily by :class:`Runtime` from validated settings and
a boto3 session, so tests (and ``make run``) can hand in a session pointed at
a moto server, and nothing happens at import.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from poolpatch.adapters.cognito import client_config
from poolpatch.adapters.events import ChangeQueue, EventBridgePublisher
from poolpatch.adapters.session import TargetSessions
from poolpatch.adapters.snapshots import S3SnapshotStore
from poolpatch.engine import Engine
from poolpatch.errors import InvalidRequest, PoolpatchError, ServiceError
from poolpatch.model import check_document
from poolpatch.request import ChangeRequest, load_json, parse_request
from poolpatch.result import Result
from poolpatch_lambda.observability import logger, metrics
from poolpatch_lambda.settings import ApplySettings, DriftSettings, IntakeSettings

DRIFT_DETAIL_TYPE = "User Pool Drift Detected"
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._:-]")


class RetryableFailure(Exception):
    """Raised for a record that must be retried (the batch processor reports it as failed)."""

    def __init__(self, result: Result) -> None:
        self.result = result
        code = result.error.code if result.error else "Unknown"
        super().__init__(f"request {result.request_id} failed with {code}; it will be retried")


def account_from_arn(arn: str) -> str:
    """The account id in a Lambda function ARN (``context.invoked_function_arn``)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else ""


@dataclass
class Runtime:
    """Lazily built AWS collaborators for one container."""

    settings: IntakeSettings | ApplySettings | DriftSettings
    own_account: str
    session: boto3.Session = field(default_factory=boto3.Session)
    trace_header: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict)
    _sessions: TargetSessions | None = None

    def client(self, service: str) -> Any:
        """A cached client with poolpatch's retry configuration."""
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service,  # type: ignore[call-overload]
                region_name=self.settings.region,
                endpoint_url=self.settings.endpoint_url,
                config=client_config(),
            )
        return self._clients[service]

    def publisher(self) -> EventBridgePublisher:
        """Results to the configured bus."""
        return EventBridgePublisher(
            self.client("events"), self.settings.event_bus_name, trace_header=self.trace_header
        )

    def queue(self) -> ChangeQueue:
        """The FIFO change queue (intake, drift)."""
        settings = self.settings
        assert isinstance(settings, IntakeSettings | DriftSettings)
        return ChangeQueue(self.client("sqs"), settings.change_queue_url)

    def sessions(self) -> TargetSessions:
        """Own-account and assumed-role sessions, cached for the container's life."""
        if self._sessions is None:
            settings = self.settings
            role = getattr(settings, "target_role_name", "poolpatch-target")
            external_id = getattr(settings, "target_role_external_id", None)
            self._sessions = TargetSessions(
                self.session,
                own_account=self.own_account,
                allowed_accounts=settings.allowed_accounts,
                role_name=role,
                external_id=external_id,
                endpoint_url=settings.endpoint_url,
            )
        return self._sessions

    def engine(self, request_id: str = "") -> Engine:
        """The engine with S3 snapshots and per-target Cognito sessions."""
        settings = self.settings
        assert isinstance(settings, ApplySettings | DriftSettings)
        sessions = self.sessions()
        return Engine(
            lambda target: sessions.cognito_for(target, request_id=request_id),
            S3SnapshotStore(self.client("s3"), settings.snapshot_bucket),
            account_id=self.own_account,
            region=settings.region,
        )


# --- intake ---------------------------------------------------------------------------------------


def intake(document: Any, *, default_request_id: str, runtime: Runtime) -> dict[str, Any]:
    """Validate at the edge; enqueue a valid request, publish ``rejected`` for one that can never succeed.

    The checks here need no Cognito call: the request's shape and ids, the
    allow-list, and the patch against the service model (unknown, read-only,
    immutable members, invalid values). Everything else is decided by apply.
    """
    logger.remove_keys(["request_id", "user_pool_id"])  # keys of the previous invocation
    logger.set_correlation_id(_safe_request_id(document, default_request_id))
    try:
        request = parse_request(document, default_request_id=default_request_id)
    except PoolpatchError as error:
        request_id = _safe_request_id(document, default_request_id)
        target = document.get("target") if isinstance(document, Mapping) else None
        return _reject(error, request_id, _safe_target(target), runtime)
    target = request.target.resolved(account_id=runtime.own_account, region=runtime.settings.region)
    logger.append_keys(request_id=request.request_id, user_pool_id=target.user_pool_id)
    try:
        runtime.sessions().check(target)
        if request.patch:
            problems = check_document(target.kind, request.patch, partial=True)
            if problems:
                raise problems[0]
    except PoolpatchError as error:
        return _reject(error, request.request_id, target.to_dict(), runtime)
    message_id = runtime.queue().send(request, target)
    logger.info("request enqueued", extra={"message_id": message_id, "group_id": target.group_id})
    metrics.add_metric(name="RequestsEnqueued", unit=MetricUnit.Count, value=1)
    return {
        "status": "queued",
        "requestId": request.request_id,
        "messageId": message_id,
        "target": target.to_dict(),
    }


def _reject(
    error: PoolpatchError, request_id: str, target: dict[str, str], runtime: Runtime
) -> dict[str, Any]:
    document = Result.from_error(error, request_id, target).to_dict()
    runtime.publisher().publish([document])
    record(document)
    return document


def _safe_request_id(document: Any, default: str) -> str:
    value = document.get("requestId") if isinstance(document, Mapping) else None
    if isinstance(value, str) and len(value) <= 128 and value.isprintable():
        return value
    return default


def _safe_target(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {
        k: v[:128]
        for k, v in value.items()
        if k in {"userPoolId", "clientId", "accountId", "region"} and isinstance(v, str)
    }


# --- apply ----------------------------------------------------------------------------------------


def apply_record(
    body: str,
    *,
    message_id: str,
    receive_count: int,
    runtime: Runtime,
    run: Callable[[ChangeRequest], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run one queued request and publish its result.

    - invalid body: ``rejected`` is published and the record succeeds (never retried, never blocks its group);
    - a retryable failure raises :class:`RetryableFailure` (the record is retried; on its last receive the
      ``failed`` result is published first, then the message goes to the DLQ);
    - anything else publishes its result once.

    ``run`` is the (idempotent) engine call; it returns the result document.
    """
    settings = runtime.settings
    assert isinstance(settings, ApplySettings)
    logger.remove_keys(["request_id", "user_pool_id"])  # keys of the previous record
    document: Any = None
    try:
        document = load_json(body, what="message body")
        request = parse_request(document, default_request_id=message_id)
    except PoolpatchError as error:
        # Never retried: a message that cannot parse would only hold back its group, then reach the DLQ.
        target = document.get("target") if isinstance(document, Mapping) else None
        return _reject(error, _safe_request_id(document, message_id), _safe_target(target), runtime)
    logger.set_correlation_id(request.request_id)
    logger.append_keys(request_id=request.request_id, user_pool_id=request.target.user_pool_id)
    started = time.perf_counter()
    try:
        outcome = (run or (lambda r: runtime.engine(r.request_id).run(r).to_dict()))(request)
    except RetryableFailure as failure:
        if receive_count >= settings.max_receive_count:
            document = failure.result.to_dict()
            runtime.publisher().publish([document])
            record(document)
            logger.error(
                "request failed on its last receive; going to the DLQ", extra={"receive_count": receive_count}
            )
        else:
            logger.warning("request failed; will be retried", extra={"receive_count": receive_count})
        raise
    runtime.publisher().publish([outcome])
    record(outcome, duration_ms=(time.perf_counter() - started) * 1000)
    return outcome


def run_engine(request: ChangeRequest, runtime: Runtime) -> dict[str, Any]:
    """The engine call the apply function makes idempotent: retryable failures raise, others return."""
    result = runtime.engine(request.request_id).run(request)
    if result.status == "failed" and result.retryable:
        raise RetryableFailure(result)
    return result.to_dict()


def record(document: Mapping[str, Any], *, duration_ms: float | None = None) -> None:
    """Metrics and one log line for a result (the pool is a log key, not a metric dimension)."""
    status = str(document["status"])
    names = {
        "applied": "ChangesApplied",
        "unchanged": "ChangesUnchanged",
        "planned": "ChangesPlanned",
        "rejected": "ChangesRejected",
        "failed": "ChangesFailed",
    }
    metrics.add_metric(name=names[status], unit=MetricUnit.Count, value=1)
    verification = document.get("verification", {})
    differences = verification.get("differences") or []
    if differences or verification.get("error"):
        metrics.add_metric(name="VerificationMismatches", unit=MetricUnit.Count, value=1)
        logger.warning(
            "live configuration not proven equal to the plan",
            extra={"differences": differences, "verification_error": verification.get("error")},
        )
    if duration_ms is not None:
        metrics.add_metric(name="ApplyDuration", unit=MetricUnit.Milliseconds, value=duration_ms)
    logger.info(
        "change request finished",
        extra={"status": status, "changes": len(document.get("changes", [])), "error": document.get("error")},
    )


# --- drift ----------------------------------------------------------------------------------------


def drift(runtime: Runtime, *, now: datetime | None = None) -> dict[str, Any]:
    """Compare every desired-state document with its live target; correct through the queue or report.

    A desired-state document (``s3://{SNAPSHOT_BUCKET}/{DESIRED_STATE_PREFIX}*.json``) is a change
    request template: ``target``, ``patch`` (the desired values) and ``"correct": true|false``. Drift is
    what a plan of that patch would change. Corrections go into the change queue like any other request
    (one writer path); reports are published as ``User Pool Drift Detected`` events.
    """
    settings = runtime.settings
    assert isinstance(settings, DriftSettings)
    now = now or datetime.now(UTC)
    s3 = runtime.client("s3")
    engine = runtime.engine("drift")
    summary: dict[str, Any] = {"checked": 0, "drifted": 0, "corrected": 0, "errors": 0}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=settings.snapshot_bucket, Prefix=settings.desired_prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if not key.endswith(".json"):
                continue
            summary["checked"] += 1
            try:
                _drift_one(key, runtime, engine, now, summary)
            except PoolpatchError as error:
                summary["errors"] += 1
                logger.error(
                    "desired state could not be checked", extra={"key": key, "error": error.to_dict()}
                )
    metrics.add_metric(name="DriftedTargets", unit=MetricUnit.Count, value=summary["drifted"])
    return summary


def _drift_one(key: str, runtime: Runtime, engine: Engine, now: datetime, summary: dict[str, Any]) -> None:
    settings = runtime.settings
    assert isinstance(settings, DriftSettings)
    try:
        body = runtime.client("s3").get_object(Bucket=settings.snapshot_bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise ServiceError(
            f"Cannot read desired state s3://{settings.snapshot_bucket}/{key}: {exc}"
        ) from None
    desired = load_json(body, what=f"desired state {key}")
    if not isinstance(desired, dict):
        raise InvalidRequest(f"Desired state {key} must be a JSON object.", path="")
    correct = bool(desired.pop("correct", False))
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    name = key.removeprefix(settings.desired_prefix).removesuffix(".json")
    base_id = "drift-" + _UNSAFE_ID.sub("-", name)
    document = {**desired, "version": "1", "mode": "plan", "requestId": f"{base_id}-{stamp}"[:128]}
    document.setdefault("reason", f"drift correction from {key}")
    document.setdefault("requestedBy", "poolpatch-drift")
    request = parse_request(document)
    result = engine.run(request)
    if result.error is not None:
        raise result.error
    if not result.changes:
        return
    summary["drifted"] += 1
    if correct:
        target = request.target.resolved(account_id=runtime.own_account, region=settings.region)
        runtime.queue().send(parse_request({**document, "mode": "apply"}), target)
        summary["corrected"] += 1
        return
    runtime.publisher().publish([result.to_dict()], detail_type=DRIFT_DETAIL_TYPE)


@cache
def runtime_for(settings: IntakeSettings | ApplySettings | DriftSettings, own_account: str) -> Runtime:
    """One runtime per container (settings are frozen and cached, so this is built once)."""
    return Runtime(settings=settings, own_account=own_account)
