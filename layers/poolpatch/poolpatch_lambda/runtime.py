"""What the three functions share: lazily built AWS collaborators, rejecting, recording a result, safe ids.

Each function has its own module (``intake``, ``apply``, ``drift``) with its
own typed settings; they all build on :class:`Runtime` here, and nothing here
imports them, so the split opens no import cycle.

Everything AWS is built lazily from validated settings and a boto3 session, so
tests (and ``make run``) can hand in a session pointed at a moto server, and
nothing happens at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import boto3
from aws_lambda_powertools.metrics import MetricUnit

from poolpatch.adapters.cognito import client_config
from poolpatch.adapters.events import EventBridgePublisher
from poolpatch.adapters.session import TargetSessions, accounts_allowed
from poolpatch.adapters.snapshots import S3SnapshotStore
from poolpatch.engine import Engine
from poolpatch.errors import PoolpatchError
from poolpatch.request import ACCOUNT_ID, CLIENT_ID, REGION, REQUEST_ID, USER_POOL_ID
from poolpatch.result import Result
from poolpatch_lambda.observability import logger, metrics
from poolpatch_lambda.settings import _Base, _Targets

SettingsT = TypeVar("SettingsT", bound=_Base)

_TARGET_PATTERNS: dict[str, re.Pattern[str]] = {
    "userPoolId": USER_POOL_ID,
    "clientId": CLIENT_ID,
    "accountId": ACCOUNT_ID,
    "region": REGION,
}

STATUS_METRICS = {
    "applied": "ChangesApplied",
    "unchanged": "ChangesUnchanged",
    "planned": "ChangesPlanned",
    "rejected": "ChangesRejected",
    "failed": "ChangesFailed",
}


def account_from_arn(arn: str) -> str:
    """The account id in a Lambda function ARN (``context.invoked_function_arn``)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else ""


@dataclass
class Runtime(Generic[SettingsT]):
    """Lazily built AWS collaborators for one container of one function."""

    settings: SettingsT
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

    def allowed(self) -> frozenset[str]:
        """The accounts this function may reach (the own account when none is configured)."""
        return accounts_allowed(self.own_account, self.settings.allowed_accounts)

    def publish(
        self, documents: Sequence[Mapping[str, Any]], *, durations: Sequence[float | None] = ()
    ) -> None:
        """Publish result documents (PutEvents, at most 10 per call), then record each one.

        ``durations`` are the apply durations of the documents, in order, when known.
        """
        self.publisher().publish(documents)
        for index, document in enumerate(documents):
            record(document, duration_ms=durations[index] if index < len(durations) else None)


def target_sessions(
    runtime: Runtime[Any], settings: _Targets, *, on_client: Callable[[Any, str, str], None] | None = None
) -> TargetSessions:
    """The runtime's per-account sessions: assumed roles everywhere, the own account included.

    Every write the functions make therefore carries ``sourceIdentity: poolpatch`` in CloudTrail, and the
    IAM of the role assumed (write or read-only) bounds what the function can do in each account.
    """
    if runtime._sessions is None:
        runtime._sessions = TargetSessions(
            runtime.session,
            own_account=runtime.own_account,
            allowed_accounts=settings.allowed_accounts,
            role_name=settings.target_role_name,
            external_id=settings.target_role_external_id,
            endpoint_url=settings.endpoint_url,
            assume_own_account=True,
            on_client=on_client,
        )
    return runtime._sessions


def target_engine(runtime: Runtime[Any], settings: _Targets, *, snapshot_bucket: str) -> Engine:
    """The engine over the runtime's target sessions (assumed roles) and the S3 snapshot store."""
    return Engine(
        target_sessions(runtime, settings).cognito_for,
        S3SnapshotStore(runtime.client("s3"), snapshot_bucket),
        account_id=runtime.own_account,
        region=settings.region,
    )


def rejection(error: PoolpatchError, request_id: str, target: Any) -> dict[str, Any]:
    """The result document of a request refused before the engine ran (ids in it are only safe ones)."""
    return Result.from_error(error, request_id, safe_target(target)).to_dict()


def record(document: Mapping[str, Any], *, duration_ms: float | None = None) -> None:
    """Metrics and one log line for a result (the pool is a log key, not a metric dimension)."""
    status = str(document["status"])
    metrics.add_metric(name=STATUS_METRICS[status], unit=MetricUnit.Count, value=1)
    verification = document.get("verification", {})
    differences = verification.get("differences") or []
    if differences or verification.get("error"):
        metrics.add_metric(name="VerificationMismatches", unit=MetricUnit.Count, value=1)
        logger.warning(
            "live configuration not proven equal to the plan",
            extra={"differences": differences, "verification_error": verification.get("error")},
        )
    if document.get("recovered"):
        metrics.add_metric(name="ChangesRecovered", unit=MetricUnit.Count, value=1)
    if duration_ms is not None:
        metrics.add_metric(name="ApplyDuration", unit=MetricUnit.Milliseconds, value=duration_ms)
    logger.info(
        "change request finished",
        extra={
            "status": status,
            "request_id": document.get("requestId"),
            "changes": len(document.get("changes", [])),
            "error": document.get("error"),
        },
    )


def safe_request_id(document: Any, default: str) -> str:
    """The document's ``requestId`` when it is a valid id, else ``default`` (the transport's id)."""
    value = document.get("requestId") if isinstance(document, Mapping) else None
    if isinstance(value, str) and REQUEST_ID.fullmatch(value):
        return value
    return default


def safe_target(value: Any) -> dict[str, str]:
    """The members of a (possibly hostile) ``target`` that are valid ids; never anything else."""
    if not isinstance(value, Mapping):
        return {}
    return {
        key: item
        for key, pattern in _TARGET_PATTERNS.items()
        if isinstance(item := value.get(key), str) and len(item) <= 128 and pattern.fullmatch(item)
    }
