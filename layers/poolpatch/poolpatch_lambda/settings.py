"""Each function's environment as a validated model (design.md, "Function configuration").

Read once per container through the cached getters; tests call
``cache_clear()``. The engine never reads ``os.environ``: these models do.
"""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from poolpatch.adapters.session import parse_accounts


class _Base(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    region: str = Field(alias="AWS_REGION", min_length=1)
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)
    endpoint_url: str | None = Field(default=None, alias="AWS_ENDPOINT_URL")
    allowed_account_ids: str = Field(default="", alias="ALLOWED_ACCOUNT_IDS")

    @field_validator("allowed_account_ids")
    @classmethod
    def _accounts(cls, value: str) -> str:
        bad = [item for item in parse_accounts(value) if not (item.isdigit() and len(item) == 12)]
        if bad:
            raise ValueError(f"ALLOWED_ACCOUNT_IDS holds invalid account ids: {bad}")
        return value

    @property
    def allowed_accounts(self) -> frozenset[str]:
        """The allow-list; empty means "the own account only"."""
        return parse_accounts(self.allowed_account_ids)


class _Targets(_Base):
    target_role_name: str = Field(default="poolpatch-target", alias="TARGET_ROLE_NAME", min_length=1)
    target_role_external_id: str | None = Field(default=None, alias="TARGET_ROLE_EXTERNAL_ID")


class IntakeSettings(_Base):
    """functions/intake."""

    change_queue_url: str = Field(alias="CHANGE_QUEUE_URL", min_length=1)
    snapshot_bucket: str = Field(alias="SNAPSHOT_BUCKET", min_length=3)
    event_sources: str = Field(default="poolpatch.requests", alias="EVENT_SOURCES")

    @field_validator("event_sources")
    @classmethod
    def _sources(cls, value: str) -> str:
        sources = [item.strip() for item in value.split(",") if item.strip()]
        if not sources:
            raise ValueError("EVENT_SOURCES names no event source")
        bad = [item for item in sources if item == "poolpatch" or item.startswith("aws.")]
        if bad:
            raise ValueError(f"EVENT_SOURCES must not hold poolpatch's own or AWS sources: {bad}")
        return value

    @property
    def sources(self) -> frozenset[str]:
        """The accepted ``source`` values of request events."""
        return frozenset(item.strip() for item in self.event_sources.split(",") if item.strip())


class ApplySettings(_Targets):
    """functions/apply."""

    snapshot_bucket: str = Field(alias="SNAPSHOT_BUCKET", min_length=3)
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    #: Attempts that actually ran (a request skipped behind a failing one of its group does not count).
    max_receive_count: int = Field(default=5, alias="MAX_RECEIVE_COUNT", ge=1)
    #: The queue itself (failed records get their backoff through ChangeMessageVisibility).
    change_queue_url: str = Field(alias="CHANGE_QUEUE_URL", min_length=1)
    #: Where an exhausted request goes, with its ``failed`` result, so the requests behind it proceed.
    change_dlq_url: str = Field(alias="CHANGE_DLQ_URL", min_length=1)
    #: The queue's own redrive limit (a backstop for crashes): on that receive, a failure is final.
    queue_max_receive_count: int = Field(default=50, alias="QUEUE_MAX_RECEIVE_COUNT", ge=2)


class DriftSettings(_Targets):
    """functions/drift: sweeps, their units of work, targeted checks (design.md, "Drift")."""

    snapshot_bucket: str = Field(alias="SNAPSHOT_BUCKET", min_length=3)
    change_queue_url: str = Field(alias="CHANGE_QUEUE_URL", min_length=1)
    desired_prefix: str = Field(default="desired/", alias="DESIRED_STATE_PREFIX")
    #: Standard queue: one message per account and Region of a sweep, and their continuations.
    work_queue_url: str = Field(alias="DRIFT_WORK_QUEUE_URL", min_length=1)
    #: FIFO queue with a 60 s delay: CloudTrail-triggered checks, one per target per minute.
    check_queue_url: str = Field(alias="DRIFT_CHECK_QUEUE_URL", min_length=1)
    #: Sweep progress, each target's last check and drift, and the anti-flap history.
    state_table: str = Field(alias="DRIFT_STATE_TABLE", min_length=1)
    reads_per_second: float = Field(default=3.0, alias="DRIFT_READS_PER_SECOND", gt=0, le=1000)
    correction_limit_percent: float = Field(
        default=10.0, alias="DRIFT_CORRECTION_LIMIT_PERCENT", ge=0, le=100
    )
    #: The stack's kill switch: ``disabled`` reports every drift and corrects none.
    correction: str = Field(default="enabled", alias="DRIFT_CORRECTION", pattern="^(enabled|disabled)$")
    #: After each unit of a scheduled sweep, store the bundle of every pool it checked under ``bundles/``
    #: when it changed (``true``/``false``; each bundle costs a pool's export reads, paced the same way).
    store_bundles: bool = Field(default=True, alias="DRIFT_STORE_BUNDLES")

    @field_validator("desired_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if value.startswith("/") or (value and not value.endswith("/")):
            raise ValueError("DESIRED_STATE_PREFIX must be a key prefix ending in '/' (like desired/)")
        return value


@cache
def intake_settings() -> IntakeSettings:
    """The intake function's validated environment."""
    return IntakeSettings.model_validate(dict(os.environ))


@cache
def apply_settings() -> ApplySettings:
    """The apply function's validated environment."""
    return ApplySettings.model_validate(dict(os.environ))


@cache
def drift_settings() -> DriftSettings:
    """The drift function's validated environment."""
    return DriftSettings.model_validate(dict(os.environ))


def clear() -> None:
    """Forget cached settings (tests)."""
    for getter in (intake_settings, apply_settings, drift_settings):
        getter.cache_clear()
