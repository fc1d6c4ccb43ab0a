"""The result document (design.md, "Results"): one per request, whatever happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from poolpatch.errors import PoolpatchError
from poolpatch.kinds import Kind, is_kind
from poolpatch.plan import MISSING, Change
from poolpatch.snapshot import redact_changes

Status = Literal["applied", "unchanged", "planned", "rejected", "failed"]

DETAIL_TYPES: dict[str, str] = {
    "applied": "User Pool Change Applied",
    "unchanged": "User Pool Change Applied",
    "planned": "User Pool Change Planned",
    "rejected": "User Pool Change Rejected",
    "failed": "User Pool Change Failed",
}


@dataclass
class Result:
    """What one change request ended in."""

    status: Status
    request_id: str
    target: dict[str, str]
    changes: list[Change] = field(default_factory=list)
    snapshots: dict[str, str] = field(default_factory=dict)
    differences: list[Change] | None = None
    error: PoolpatchError | None = None
    verification_error: PoolpatchError | None = None
    #: The write had taken effect in an earlier attempt that did not finish (a crash after the update).
    recovered: bool = False
    #: The AWS session that made (or would make) the write: ``roleArn`` and ``name`` (CloudTrail's
    #: ``userIdentity``), for attributing CloudTrail events to this result; absent for the caller's own.
    session: dict[str, str] | None = None
    #: The stack that owns the pool (design.md, "Ownership"): its next update reverts this change.
    owner: dict[str, str] | None = None
    #: What the service accepts but may surprise, from the plan (design.md, "Configuration kinds").
    warnings: list[str] = field(default_factory=list)
    #: A bundle restore (``restore.bundle``): one entry per part of the pool (kind, id, status, changes,
    #: snapshots, error), the parts created again, and the pool's parts the bundle lacks (kept).
    parts: list[dict[str, Any]] | None = None
    recreated: list[dict[str, str]] | None = None
    extra: list[dict[str, str]] | None = None

    @property
    def detail_type(self) -> str:
        """The EventBridge detail-type this result is published under."""
        return DETAIL_TYPES[self.status]

    @property
    def retryable(self) -> bool:
        """A ``failed`` result whose cause may go away: the pipeline retries the message."""
        return self.error is not None and self.error.retryable

    @classmethod
    def from_error(cls, error: PoolpatchError, request_id: str, target: dict[str, str]) -> Result:
        """``failed`` for retryable errors, ``rejected`` for the rest."""
        return cls("failed" if error.retryable else "rejected", request_id, target, error=error)

    @property
    def mismatched(self) -> bool:
        """Written, but not proven: the live document differs from the plan, or could not be checked."""
        return bool(self.differences) or self.verification_error is not None

    def to_dict(self) -> dict[str, Any]:
        """The result document, as published and printed by ``--output json``."""
        out: dict[str, Any] = {
            "status": self.status,
            "requestId": self.request_id,
            "target": self.target,
            "changes": [change.to_dict() for change in redact_changes(self.kind, self.changes)],
        }
        if self.snapshots:
            out["snapshots"] = dict(self.snapshots)
        if self.differences is not None:
            differences = redact_changes(self.kind, self.differences)
            out["verification"] = {"differences": [_difference(change) for change in differences]}
            if self.verification_error is not None:
                out["verification"]["error"] = self.verification_error.to_dict()
        if self.error is not None:
            out["error"] = self.error.to_dict()
        if self.recovered:
            out["recovered"] = True
        if self.session:
            out["session"] = dict(self.session)
        if self.owner:
            out["owner"] = dict(self.owner)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.parts is not None:
            out["parts"] = [dict(entry) for entry in self.parts]
            out["recreated"] = [dict(entry) for entry in self.recreated or []]
            out["extra"] = [dict(entry) for entry in self.extra or []]
        return out

    @property
    def kind(self) -> Kind:
        """The target's configuration kind (design.md: ``client`` with a ``clientId``, else ``pool``)."""
        named = self.target.get("kind")
        if is_kind(named):
            return named  # type: ignore[return-value]
        return "client" if self.target.get("clientId") else "pool"


def _difference(change: Change) -> dict[str, Any]:
    """A verification difference: the planned value (``expected``) against the live one (``actual``)."""
    out: dict[str, Any] = {"path": change.path}
    if change.before is not MISSING:
        out["expected"] = change.before
    if change.after is not MISSING:
        out["actual"] = change.after
    return out
