"""Error types with their stable codes (design.md, "Results").

Every failure the engine reports is a :class:`PoolpatchError` subclass. The
``code`` strings are a public contract: users' automation matches on them, so
they never change. ``retryable`` decides the outcome in the pipeline: a
retryable error fails the SQS record (retried, then the DLQ; status
``failed``), any other one ends the request as ``rejected`` and is not retried.

``path`` is a JSON Pointer into the change request's update document (or into
the request itself for ``InvalidRequest``), so a user can find the offending
member; ``remedy`` says what to do instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar


class PoolpatchError(Exception):
    """Base class: a failure with a stable code, a message and an optional JSON Pointer."""

    code: ClassVar[str] = "ServiceError"
    default_retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        remedy: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.remedy = remedy
        self.retryable: bool = self.default_retryable if retryable is None else retryable
        super().__init__(self.describe())

    def __str__(self) -> str:
        """:meth:`describe`, as the message and remedy are now: code that adds to either (a note, a scrubbed
        secret, a better remedy) changes the exception's text too."""
        return self.describe()

    def describe(self) -> str:
        """The message with its remedy, as printed by the CLI and put in results."""
        if self.remedy:
            return f"{self.message} Remedy: {self.remedy}"
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """The ``error`` member of a result document."""
        out: dict[str, Any] = {"code": self.code, "message": self.describe()}
        if self.path is not None:
            out["path"] = self.path
        return out


class InvalidRequest(PoolpatchError):
    """The change request is malformed (shape, ids, sizes); refused before any AWS call."""

    code = "InvalidRequest"


class UnknownField(PoolpatchError):
    """The patch names a member the update document does not have."""

    code = "UnknownField"


class ReadOnlyField(PoolpatchError):
    """The patch names a member that Describe returns but no update accepts."""

    code = "ReadOnlyField"


class ImmutableSetting(PoolpatchError):
    """The patch tries to change a create-only setting (new pool or new app client needed)."""

    code = "ImmutableSetting"


class InvalidValue(PoolpatchError):
    """A value breaks the service model (type, enum, length, range, pattern) or a service rule."""

    code = "InvalidValue"


class ConflictingSettings(PoolpatchError):
    """Two settings of the resulting document contradict each other (cognito-api.md §3)."""

    code = "ConflictingSettings"


class SdkModelOutdated(PoolpatchError):
    """Describe returned a member the local botocore model does not know: writing back would reset it."""

    code = "SdkModelOutdated"


class TargetNotAllowed(PoolpatchError):
    """The target account is outside ``ALLOWED_ACCOUNT_IDS``."""

    code = "TargetNotAllowed"


class NotFound(PoolpatchError):
    """The user pool, app client or snapshot does not exist."""

    code = "NotFound"


class PreconditionFailed(PoolpatchError):
    """``expectedLastModifiedDate`` does not match the live configuration."""

    code = "PreconditionFailed"


class ConcurrentModification(PoolpatchError):
    """Cognito refused an overlapping write; retried with backoff, then reported."""

    code = "ConcurrentModification"
    default_retryable = True


class Throttled(PoolpatchError):
    """Cognito throttled the calls beyond botocore's retries."""

    code = "Throttled"
    default_retryable = True


class SnapshotFailed(PoolpatchError):
    """A snapshot could not be written or read; no write happens without its before snapshot."""

    code = "SnapshotFailed"
    default_retryable = True


class AccessDenied(PoolpatchError):
    """The caller (or the assumed role) may not perform the call."""

    code = "AccessDenied"


class RequestIdReused(PoolpatchError):
    """A ``requestId`` seen before with different content: nothing is written (design.md, "Delivery")."""

    code = "RequestIdReused"


class ServiceError(PoolpatchError):
    """Any other AWS failure (an extension of the design's code list); pass ``retryable=True`` for 5xx."""

    code = "ServiceError"


ERROR_CODES: tuple[str, ...] = (
    "InvalidRequest",
    "UnknownField",
    "ReadOnlyField",
    "ImmutableSetting",
    "InvalidValue",
    "ConflictingSettings",
    "SdkModelOutdated",
    "TargetNotAllowed",
    "NotFound",
    "PreconditionFailed",
    "ConcurrentModification",
    "Throttled",
    "SnapshotFailed",
    "AccessDenied",
    "ServiceError",
    "RequestIdReused",
)


def raise_first(problems: Iterable[PoolpatchError]) -> None:
    """Raise the first problem, its message naming where the others are; nothing when there are none."""
    problems = list(problems)
    if not problems:
        return
    first = problems[0]
    if len(problems) > 1:
        others = ", ".join(p.path or "/" for p in problems[1:6])
        first.message = f"{first.message} ({len(problems) - 1} more problem(s) at {others})"
    raise first
