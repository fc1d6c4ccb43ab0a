"""The engine: one change request through the algorithm of design.md.

describe → unknown-field guard → (redelivery: crash recovery) → precondition →
project + prepare → check the patch → merge → finalise → plan → (plan mode
stops) → botocore's own input validation → before snapshot (with the write
intent) → confirming describe (re-plan if another writer moved the target) →
AddCustomAttributes / update → describe again → verify → after snapshot.

**No silent revert.** Cognito has no conditional update, so just before the
write the engine describes the target again; if its configuration is no longer
the one the plan was computed from, another writer got in between: the request
is re-planned from the fresh state with a before snapshot of the state actually
replaced (at most :data:`REPLAN_ROUNDS` times), or refused with
``PreconditionFailed`` when it carries ``expectedLastModifiedDate``. That
describe runs while the before snapshot is written; the window left runs from
the describe to the update: one round trip, plus whatever the snapshot write
takes beyond the describe.

**Crash recovery.** The before snapshot is the durable write intent: it holds
the request, the state replaced and the intended document. A redelivered
request (``recover_since``) first looks for a before snapshot of its own id and
content; if every value that intent changed is live, the write took effect in
an attempt that never finished, and the result is ``applied`` with that before
snapshot, a new after snapshot and ``recovered: true``.

The engine never raises a :class:`~poolpatch.errors.PoolpatchError`: every
request ends in exactly one :class:`~poolpatch.result.Result`. It makes no AWS
call itself; the Cognito port and the snapshot store are injected, so unit
tests run it over in-memory fakes and the CLI and Lambda functions over boto3.

Deliberate deviation from design.md step 9: ``expectedLastModifiedDate`` is
checked against the first describe, before the plan, instead of after the
before snapshot. The comparison is the same (nothing has been read since), a
stale request is refused in plan mode too, and no orphan snapshot is written
for a request that cannot proceed.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore
from botocore.model import ListShape, Shape
from botocore.validate import ParamValidator

from poolpatch import __version__, model, rules
from poolpatch.adapters.cognito import CognitoPort, Described
from poolpatch.adapters.snapshots import Found, Phase, SnapshotStore, snapshot_key
from poolpatch.errors import (
    ConcurrentModification,
    ImmutableSetting,
    InvalidRequest,
    InvalidValue,
    PoolpatchError,
    PreconditionFailed,
    SdkModelOutdated,
)
from poolpatch.merge import escape, merge_patch, named_pointers, related, removed_pointers
from poolpatch.ownership import owner_of
from poolpatch.plan import MISSING, Change, diff, unexpected
from poolpatch.request import ChangeRequest, Kind, Target
from poolpatch.result import Result

#: Custom attributes per user pool (not adjustable; cognito-api.md §6).
MAX_CUSTOM_ATTRIBUTES = 50
#: Attempts at the verifying describe and the after snapshot, once the write has happened.
AFTER_WRITE_ATTEMPTS = 3
AFTER_WRITE_BACKOFF = 0.2
AFTER_WRITE_BACKOFF_CAP = 2.0
#: Re-plans when the confirming describe finds the target changed by another writer.
REPLAN_ROUNDS = 2
#: Tolerance when comparing ``expectedLastModifiedDate`` (Cognito reports milliseconds).
_PRECONDITION_TOLERANCE = 0.001

CognitoFactory = Callable[[Target], CognitoPort]


def fixed(port: CognitoPort) -> CognitoFactory:
    """A factory that serves every target with one Cognito port (single account, e.g. the CLI)."""
    return lambda _target: port


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Attempt:
    """What the write is about to act on: the state read, its plan, the snapshot folder's time, the before."""

    described: Described
    plan: Plan
    started: datetime
    before: str | None = None


@dataclass(frozen=True)
class Plan:
    """What a request would do to one target."""

    live: dict[str, Any]
    desired: dict[str, Any]
    removed: tuple[str, ...]
    new_attributes: tuple[dict[str, Any], ...]
    changes: tuple[Change, ...]


class Engine:
    """Runs change requests against Cognito through injected adapters."""

    def __init__(
        self,
        cognito: CognitoFactory,
        snapshots: SnapshotStore,
        *,
        account_id: str,
        region: str,
        clock: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._cognito = cognito
        self._sleep = sleep
        self._snapshots = snapshots
        self.account_id = account_id
        self.region = region
        self._clock = clock
        self._pool: futures.ThreadPoolExecutor | None = None

    def run(self, request: ChangeRequest, *, recover_since: datetime | None = None) -> Result:
        """Run one request to its result; ``rejected``/``failed`` results carry the error.

        ``recover_since`` marks a redelivery (the queue's send time): an earlier attempt may have written
        already, so its before snapshot is looked for from that time on (crash recovery). An error between
        the before snapshot and the update keeps what is known (the plan, the before snapshot) in the
        result; a retry converges, since the update document is complete. After the update, see
        :meth:`_verify_and_record`.
        """
        target = request.target.resolved(account_id=self.account_id, region=self.region)
        result = Result("planned", request.request_id, target.to_dict())
        try:
            self._run(request, target, result, recover_since)
        except PoolpatchError as error:
            result.status = "failed" if error.retryable else "rejected"
            result.error = error
        return result

    def _run(
        self, request: ChangeRequest, target: Target, result: Result, recover_since: datetime | None
    ) -> None:
        port = self._cognito(target)
        result.session = getattr(port, "session", None)
        started = self._clock()
        described = port.describe(target)
        if target.kind == "pool":
            result.owner = owner_of(described.parsed.get("UserPoolTags"))
        guard_unknown_members(target.kind, described)
        prior = None
        if recover_since is not None and request.mode == "apply":
            prior = self._snapshots.find_before(target, request.request_id, recover_since)
            if prior is not None and not _same_request(prior[1], request):
                prior = None  # another request under this id: not this request's earlier attempt
            if prior is not None and self._recovered(
                port, prior, request=request, target=target, described=described, result=result
            ):
                return
        # The earlier attempt's before snapshot, when it holds exactly the state about to be replaced.
        unchanged = (
            prior
            if prior is not None
            and _strip_ids(target.kind, prior[1]["updateDocument"])
            == live_document(target.kind, described.parsed)
            else None
        )
        if unchanged is None or not _only_own_writes_since(unchanged[1], described):
            check_precondition(request, described.parsed)
        plan = self.plan(request, target, described)
        carried = _carried_attributes(prior, described.parsed) if prior else ()
        result.changes = [*plan.changes, *carried]
        if not result.changes:
            result.status = "unchanged"
            return
        if request.mode == "plan":
            return
        check_write_input(target, plan)
        if prior is not None:  # new snapshots go to a new, write-once folder after the earlier attempt's
            started = max(started, _stamp_of(prior[0]) + timedelta(seconds=1))
        # With the state unchanged, the earlier attempt's snapshot stays the before snapshot.
        attempt = _Attempt(described, plan, started, unchanged[0] if unchanged else None)
        if not self._confirm(port, request, target, result, attempt):
            return
        plan, started = attempt.plan, attempt.started
        assert attempt.before is not None  # _confirm wrote it, or it is the earlier attempt's
        result.snapshots["before"] = attempt.before
        _write(port, target, plan)
        result.status = "applied"  # the write happened: whatever follows, the status stays applied
        self._verify_and_record(port, plan, request, target, started=started, result=result)

    def _confirm(
        self, port: CognitoPort, request: ChangeRequest, target: Target, result: Result, attempt: _Attempt
    ) -> bool:
        """Describe again just before the write; re-plan (new before snapshot) while another writer moved it.

        Returns False when the fresh plan is empty (the other writer made exactly this change).
        """
        guarded = request.expected_last_modified is not None
        for round_ in range(REPLAN_ROUNDS + 1):
            current = self._describe_while_snapshotting(port, request, target, result, attempt)
            if guarded and _modified(current) != _modified(attempt.described):
                raise _stale()
            if _same_state(target.kind, current, attempt.described, attempt.plan):
                return True
            if guarded:
                raise _stale()
            if round_ == REPLAN_ROUNDS:
                break
            guard_unknown_members(target.kind, current)
            attempt.described, attempt.plan = current, self.plan(request, target, current)
            result.changes = list(attempt.plan.changes)
            if not attempt.plan.changes:
                result.status = "unchanged"
                return False
            check_write_input(target, attempt.plan)
            attempt.started = max(self._clock(), attempt.started + timedelta(seconds=1))  # a new key
            attempt.before = None
        raise ConcurrentModification(
            f"The target changed under poolpatch {REPLAN_ROUNDS + 1} times before it could write.",
            remedy="Another writer is changing this target continuously; the request is retried.",
        )

    def _describe_while_snapshotting(
        self, port: CognitoPort, request: ChangeRequest, target: Target, result: Result, attempt: _Attempt
    ) -> Described:
        """The confirming describe, with the before snapshot written at the same time when it is due.

        Both only read or record the state the plan was computed from, so they overlap: the describe costs
        no wall time beyond the snapshot write (an S3 PutObject in the functions). A snapshot that fails
        stops the request before any write, as ever.
        """
        if attempt.before is not None:
            return port.describe(target)
        snapshot = self._executor().submit(
            self._snapshot,
            "before",
            request,
            target,
            attempt.started,
            described=attempt.described,
            update_document=attempt.plan.live,
            intent=attempt.plan,
            session=result.session,
        )
        try:
            current = port.describe(target)
        except BaseException:
            futures.wait([snapshot])
            raise
        attempt.before = snapshot.result()
        return current

    def _executor(self) -> futures.ThreadPoolExecutor:
        if self._pool is None:
            self._pool = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="poolpatch-snapshot")
        return self._pool

    def _recovered(
        self,
        port: CognitoPort,
        prior: Found,
        *,
        request: ChangeRequest,
        target: Target,
        described: Described,
        result: Result,
    ) -> bool:
        """Finish a request whose write an earlier, unfinished attempt already made; False if it did not."""
        reference, snapshot = prior
        intent = snapshot.get("intent")
        attributes = _intended_attributes(snapshot)
        if attributes is None or not isinstance(intent, Mapping):
            return False
        document = intent.get("updateDocument")
        if not isinstance(document, Mapping):
            return False
        kind = target.kind
        intended = _strip_ids(kind, document)
        before = _strip_ids(kind, snapshot["updateDocument"])
        names = _attribute_names(described.parsed)
        changes = diff(before, intended)
        live = live_document(kind, described.parsed)
        if not (changes or attributes) or any(custom_name(item) not in names for item in attributes):
            return False
        if any(related(found.path, change.path) for found in diff(intended, live) for change in changes):
            return False  # some of the intended values are not live: the write did not take effect
        plan = Plan(before, intended, (), tuple(dict(item) for item in attributes), ())
        result.changes = [*changes, *_attribute_changes(plan.new_attributes)]
        result.snapshots["before"] = reference
        result.status = "applied"
        result.recovered = True
        started = max(self._clock(), _stamp_of(reference) + timedelta(seconds=1))
        self._verify_and_record(port, plan, request, target, started=started, result=result)
        return True

    def _verify_and_record(
        self,
        port: CognitoPort,
        plan: Plan,
        request: ChangeRequest,
        target: Target,
        *,
        started: datetime,
        result: Result,
    ) -> None:
        """Describe again, verify, write the after snapshot; retried in place, never failing the request.

        Once the update succeeded, a retry of the whole request would find nothing left to change and end
        ``unchanged`` without its after snapshot (or ``PreconditionFailed``, since the write moved
        ``LastModifiedDate``). So these steps are retried here a bounded number of times, and if they
        still fail the result stays ``applied`` with ``verification.error`` saying what is missing.
        """
        for attempt in range(1, AFTER_WRITE_ATTEMPTS + 1):
            try:
                after = port.describe(target)
                live_after = live_document(target.kind, after.parsed)
                result.differences = verify(target.kind, plan, after, live_after)
                result.snapshots["after"] = self._snapshot(
                    "after",
                    request,
                    target,
                    started,
                    described=after,
                    update_document=live_after,
                    session=result.session,
                )
                return
            except PoolpatchError as error:
                if attempt == AFTER_WRITE_ATTEMPTS or not error.retryable:
                    result.verification_error = error
                    result.differences = result.differences or []
                    return
                self._sleep(min(AFTER_WRITE_BACKOFF_CAP, AFTER_WRITE_BACKOFF * 2**attempt))

    def plan(self, request: ChangeRequest, target: Target, described: Described) -> Plan:
        """Compute the plan for ``request`` against the described live configuration."""
        kind = target.kind
        live = live_document(kind, described.parsed)
        if request.restore is not None:
            patch = self._restore_patch(request.restore, target, live)
            try:
                desired, removed = apply_patch(kind, live, patch, described.parsed)
            except PoolpatchError as error:
                # Never echo a value read from the referenced object: the code and the pointer only.
                raise InvalidRequest(
                    f"The snapshot's update document cannot be applied to the live target: {error.code} at "
                    f"{_known_member(kind, error.path)}.",
                    path="/restore/snapshot",
                    remedy="Restore a snapshot poolpatch wrote for this target, or send a patch instead.",
                ) from None
        else:
            desired, removed = apply_patch(kind, live, request.patch or {}, described.parsed)
        new_attributes = new_custom_attributes(request.add_custom_attributes, described.parsed)
        changes = diff(live, desired)
        changes.extend(_attribute_changes(new_attributes))
        return Plan(live, desired, tuple(removed), new_attributes, tuple(changes))

    def _restore_patch(self, reference: str, target: Target, live: Mapping[str, Any]) -> dict[str, Any]:
        """The merge patch that restores a snapshot of this very target (scope and recorded target checked).

        The store refuses references outside its scope (S3: the snapshot bucket and the target's own
        prefix); here the snapshot's recorded account, Region, pool and client must equal the request's,
        and its update document must be well-formed for the kind. Messages never quote the object's values.
        """
        snapshot = self._snapshots.get(reference, target=target)
        recorded = snapshot["target"]
        expected = target.to_dict()
        if any(recorded.get(name) != expected.get(name) for name in ("userPoolId", "clientId")) or any(
            recorded.get(name) not in (None, expected.get(name)) for name in ("accountId", "region")
        ):
            raise InvalidRequest(
                "The snapshot was recorded for another target (account, Region, user pool or app client).",
                path="/restore/snapshot",
                remedy="Restore a snapshot of this same user pool / app client, account and Region.",
            )
        document = _strip_ids(target.kind, snapshot["updateDocument"])
        problems = model.check_document(target.kind, document, partial=True)
        if problems:
            raise InvalidRequest(
                f"The snapshot's update document is not a valid {target.kind} document "
                f"({len(problems)} problem(s), the first at {_known_member(target.kind, problems[0].path)}).",
                path="/restore/snapshot",
                remedy="Restore from a before.json or after.json that poolpatch wrote.",
            )
        return replacement_patch(live, document)

    def _snapshot(
        self,
        phase: Phase,
        request: ChangeRequest,
        target: Target,
        started: datetime,
        *,
        described: Described,
        update_document: Mapping[str, Any],
        intent: Plan | None = None,
        session: Mapping[str, str] | None = None,
    ) -> str:
        key = snapshot_key(target, started=started, request_id=request.request_id, phase=phase)
        document = snapshot_document(
            phase, request, target, described, captured=self._clock(), update_document=update_document
        )
        if intent is not None:
            document["intent"] = {
                "updateDocument": {**_ids(target), **intent.desired},
                "addCustomAttributes": [dict(item) for item in intent.new_attributes],
            }
        if session:
            document["session"] = dict(session)
        return self._snapshots.put(key, document)


# --- pure steps, usable on their own (CLI export, drift detection, tests) ---------------------------


def live_document(kind: Kind, parsed: Mapping[str, Any]) -> dict[str, Any]:
    """The write-ready update document of a described pool or client (no id members)."""
    return rules.prepare(kind, model.project(kind, parsed), parsed)


def guard_unknown_members(kind: Kind, described: Described) -> None:
    """Refuse to write when the service sent a member the local service model does not know."""
    unknown = model.unknown_members(kind, described.raw)
    if unknown:
        raise SdkModelOutdated(
            f"Describe returned {len(unknown)} member(s) this botocore ({botocore.__version__}) does not "
            f"know: {', '.join(unknown[:5])}. Writing back would silently reset them.",
            path=unknown[0],
            remedy="Upgrade boto3/botocore (the layer's pinned version) and retry.",
        )


def check_precondition(request: ChangeRequest, parsed: Mapping[str, Any]) -> None:
    """``expectedLastModifiedDate`` must equal the live ``LastModifiedDate``."""
    expected = request.expected_last_modified
    if expected is None:
        return
    actual = parsed.get("LastModifiedDate")
    if not isinstance(actual, datetime):
        raise PreconditionFailed(
            "The target reports no LastModifiedDate to compare with.", path="/expectedLastModifiedDate"
        )
    if actual.tzinfo is None:
        actual = actual.replace(tzinfo=UTC)
    if abs((actual - expected).total_seconds()) > _PRECONDITION_TOLERANCE:
        raise PreconditionFailed(
            f"The target was modified at {actual.isoformat()}, not {expected.isoformat()}.",
            path="/expectedLastModifiedDate",
            remedy="Someone else changed it: review `poolpatch export`, then resend with the new date.",
        )


def apply_patch(
    kind: Kind, live: Mapping[str, Any], patch: Mapping[str, Any], parsed: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Check the patch, merge it over ``live`` and finalise: the complete document to send.

    Returns the document and the pointers the patch removed (``null``).
    """
    _raise_first(model.check_document(kind, patch, partial=True, base=""))
    effective = {**patch, **rules.explicit_defaults(kind, patch)}
    merged = merge_patch(live, effective)
    context = rules.RuleContext(kind=kind, live=live, patch=patch, description=parsed)
    desired: dict[str, Any] = rules.finalise(kind, merged, context)
    named = named_pointers(patch)
    # Only members the patch touches are checked as complete values: a problem in an untouched member
    # is live state the request did not cause, and every error lies inside its own top-level member.
    touched = {key: desired[key] for key in patch if key in desired}
    problems = [
        error
        for error in model.check_document(kind, touched, partial=False)
        if error.path is None or any(related(error.path, pointer) for pointer in named)
    ]
    _raise_first(problems)
    return desired, removed_pointers(patch)


def replacement_patch(live: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch that turns ``live`` into ``document`` (used by ``restore``)."""
    patch: dict[str, Any] = {key: None for key in live if key not in document}
    for key, value in document.items():
        old = live.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            patch[key] = replacement_patch(old, value)
        else:
            patch[key] = copy.deepcopy(value)
    return patch


def custom_name(attribute: Mapping[str, Any]) -> str:
    """The name Describe reports for a custom attribute definition."""
    name = str(attribute.get("Name", ""))
    bare = name.removeprefix("custom:")
    return f"dev:custom:{bare}" if attribute.get("DeveloperOnlyAttribute") else f"custom:{bare}"


def new_custom_attributes(
    requested: Sequence[Mapping[str, Any]], parsed: Mapping[str, Any]
) -> tuple[dict[str, Any], ...]:
    """The attributes that must be added: existing ones are no-ops when identical, else immutable."""
    if not requested:
        return ()
    item_shape = _attribute_shape()
    problems: list[PoolpatchError] = []
    for index, item in enumerate(requested):
        problems.extend(model.check_shape(item_shape, item, f"/addCustomAttributes/{index}", partial=False))
        if not isinstance(item.get("Name"), str) or not item.get("Name"):
            problems.append(
                InvalidValue(
                    "A custom attribute needs a `Name`.",
                    path=f"/addCustomAttributes/{index}/Name",
                    remedy='Name it, e.g. {"Name": "tier", "AttributeDataType": "String"}.',
                )
            )
        if item.get("Required"):
            problems.append(
                ImmutableSetting(
                    "Custom attributes can never be required.",
                    path=f"/addCustomAttributes/{index}/Required",
                    remedy="Remove `Required`; required attributes need a new user pool.",
                )
            )
    _raise_first(problems)
    existing = {str(item.get("Name")): item for item in parsed.get("SchemaAttributes") or []}
    additions: list[dict[str, Any]] = []
    for index, item in enumerate(requested):
        name = custom_name(item)
        current = existing.get(name)
        if current is None:
            additions.append({**item, "Name": name.removeprefix("dev:").removeprefix("custom:")})
            continue
        different = _definition_differences(item, current)
        if different:
            raise ImmutableSetting(
                f"Custom attribute {name!r} exists with a different {different[0]}.",
                path=f"/addCustomAttributes/{index}/{different[0]}",
                remedy="Existing attributes never change: add a new attribute, or create a new user pool.",
            )
    count = sum(1 for name in existing if name.startswith(("custom:", "dev:custom:")))
    if count + len(additions) > MAX_CUSTOM_ATTRIBUTES:
        raise InvalidValue(
            f"The pool has {count} custom attributes; adding {len(additions)} would pass the limit of "
            f"{MAX_CUSTOM_ATTRIBUTES}.",
            path="/addCustomAttributes",
            remedy="Custom attributes cannot be deleted: reuse one, or create a new user pool.",
        )
    return tuple(additions)


def _attribute_shape() -> Shape:
    """The model's ``SchemaAttributeType``, as AddCustomAttributes takes it."""
    shape = model.service_model().operation_model("AddCustomAttributes").input_shape
    attributes = shape.members["CustomAttributes"] if shape is not None else None
    if not isinstance(attributes, ListShape):  # pragma: no cover - the model is pinned
        raise SdkModelOutdated("The service model has no AddCustomAttributes.CustomAttributes list.")
    return attributes.member


def _definition_differences(requested: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for key, value in requested.items():
        if key in {"Name", "Required"}:
            continue
        live = current.get(key)
        if isinstance(value, Mapping) and isinstance(live, Mapping):
            if any(str(live.get(k)) != str(v) for k, v in value.items()):
                out.append(key)
        elif live is not None and live != value:
            out.append(key)
    return out


def verify(kind: Kind, plan: Plan, after: Described, live: Mapping[str, Any]) -> list[Change]:
    """Differences between the planned and the live document not explained by a removal.

    ``live`` is :func:`live_document` of ``after`` (computed once by the caller, reused for the snapshot).
    Input-only members (``PublishSecretsInAWSSecretsManager``) are actions, never described back, so
    they are not compared.
    """
    differences = unexpected(diff(plan.desired, live), [*plan.removed, *input_only_pointers(kind)])
    names = {str(item.get("Name")) for item in after.parsed.get("SchemaAttributes") or []}
    for item in plan.new_attributes:
        name = custom_name(item)
        if name not in names:
            differences.append(Change(f"/SchemaAttributes/{escape(name)}", before=item))
    return differences


@functools.cache
def input_only_pointers(kind: Kind) -> tuple[str, ...]:
    """Update members that Describe never returns (actions, not settings), as JSON Pointers."""
    described = {*model.describe_shape(kind).members, "PoolName"}
    return tuple(f"/{member}" for member in model.update_members(kind) if member not in described)


def snapshot_document(
    phase: Phase,
    request: ChangeRequest,
    target: Target,
    described: Described,
    *,
    captured: datetime,
    update_document: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A before/after snapshot: request, target, time, SDK version, redacted description, update document.

    ``update_document`` is :func:`live_document` of ``described`` when the caller already has it.
    """
    kind = target.kind
    if update_document is None:
        update_document = live_document(kind, described.parsed)
    ids = _ids(target)
    return {
        "poolpatchSnapshot": 1,
        "phase": phase,
        "capturedAt": captured.isoformat(),
        "botocoreVersion": botocore.__version__,
        "poolpatchVersion": __version__,
        "request": _request_summary(request),
        "target": {**target.to_dict(), "kind": kind},
        "description": redact(model.describe_shape(kind), described.parsed),
        "updateDocument": {**ids, **update_document},
    }


def _request_summary(request: ChangeRequest) -> dict[str, Any]:
    summary = request.to_dict()
    summary.pop("target", None)
    return summary


#: Identifiers the model marks sensitive that snapshots keep (they are in the key and the target anyway).
_KEPT_IDENTIFIERS = frozenset({"ClientId", "UserPoolId"})


def redact(shape: Any, value: Any, name: str = "") -> Any:
    """The parsed value with every ``sensitive`` member (ClientSecret...) removed.

    Subtrees whose shape can hold no sensitive member are shared, not copied (the snapshot is encoded
    at once and never modified); datetimes are left to the snapshot encoder.
    """
    if _sensitive(shape) and name not in _KEPT_IDENTIFIERS:
        return MISSING
    if not _holds_sensitive(shape) and not (isinstance(value, Mapping) and "ClientSecret" in value):
        return value
    if isinstance(value, Mapping):
        members = getattr(shape, "members", None)
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "ClientSecret":
                continue
            child = members.get(key) if members is not None else getattr(shape, "value", None)
            redacted = redact(child, item, key)
            if redacted is not MISSING:
                out[key] = redacted
        return out
    if isinstance(value, list):
        member = getattr(shape, "member", None)
        return [item for item in (redact(member, v) for v in value) if item is not MISSING]
    return value


def _sensitive(shape: Any) -> bool:
    return bool(getattr(shape, "metadata", {}).get("sensitive"))


@functools.cache
def _holds_sensitive_named(name: str) -> bool:
    shape = model.service_model().shape_for(name)
    return _walk_sensitive(shape, set())


def _holds_sensitive(shape: Any) -> bool:
    """Whether ``shape`` or anything below it is ``sensitive`` (cached per shape name); unknown: True."""
    if shape is None:
        return True
    return _holds_sensitive_named(shape.name)


def _walk_sensitive(shape: Any, seen: set[str]) -> bool:
    if _sensitive(shape):
        return True
    if shape.name in seen:
        return False
    seen.add(shape.name)
    children = [
        *getattr(shape, "members", {}).values(),
        *(child for child in (getattr(shape, "member", None), getattr(shape, "value", None)) if child),
    ]
    return any(_walk_sensitive(child, seen) for child in children)


def _raise_first(problems: Iterable[PoolpatchError]) -> None:
    problems = list(problems)
    if not problems:
        return
    first = problems[0]
    if len(problems) > 1:
        others = ", ".join(p.path or "/" for p in problems[1:6])
        first.message = f"{first.message} ({len(problems) - 1} more problem(s) at {others})"
        first.args = (first.describe(),)
    raise first


def _same_request(snapshot: Mapping[str, Any], request: ChangeRequest) -> bool:
    """The snapshot was written for this very request (same content, not only the same id)."""
    recorded = snapshot.get("request")
    if not isinstance(recorded, Mapping):
        return False
    mine = json.loads(json.dumps(_request_summary(request), default=str))
    theirs = {key: value for key, value in recorded.items() if key != "mode"}
    return {key: value for key, value in mine.items() if key != "mode"} == theirs


def _only_own_writes_since(snapshot: Mapping[str, Any], described: Described) -> bool:
    """Nothing but this request moved ``LastModifiedDate`` since its earlier attempt's before snapshot.

    That attempt wrote the snapshot only after ``expectedLastModifiedDate`` matched; with the document
    unchanged since (the caller's check), the precondition still holds when ``LastModifiedDate`` is the
    recorded one, or when the only thing that moved it is this request's own ``AddCustomAttributes`` (done).
    """
    description = snapshot.get("description")
    recorded = description.get("LastModifiedDate") if isinstance(description, Mapping) else None
    modified = described.parsed.get("LastModifiedDate")
    if recorded is not None and modified is not None and recorded == model.json_default(modified):
        return True
    attributes = _intended_attributes(snapshot)
    names = _attribute_names(described.parsed)
    return bool(attributes) and all(custom_name(item) in names for item in attributes or [])


def _intended_attributes(snapshot: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The custom attributes a before snapshot's ``intent`` was to add; None when the intent is malformed."""
    intent = snapshot.get("intent")
    attributes = intent.get("addCustomAttributes") or [] if isinstance(intent, Mapping) else None
    if not isinstance(attributes, list) or not all(isinstance(item, Mapping) for item in attributes):
        return None
    return attributes


def _stale() -> PreconditionFailed:
    return PreconditionFailed(
        "The target was changed by another writer after it was read.",
        path="/expectedLastModifiedDate",
        remedy="Review `poolpatch export`, then resend with the new LastModifiedDate.",
    )


def _write(port: CognitoPort, target: Target, plan: Plan) -> None:
    """AddCustomAttributes, then the complete update; a failure after added attributes says so."""
    if plan.new_attributes:
        port.add_custom_attributes(target, plan.new_attributes)
    if plan.desired == plan.live:
        return
    try:
        port.update(target, plan.desired)
    except PoolpatchError as error:
        if plan.new_attributes:  # irreversible, and already done: say so
            names = ", ".join(custom_name(item) for item in plan.new_attributes)
            error.message += f" The custom attribute(s) {names} were added before the update failed."
            error.args = (error.describe(),)
        raise


def _known_member(kind: Kind, pointer: str | None) -> str:
    """A pointer's top-level member when the model knows it: never a name read from a crafted file."""
    member = (pointer or "/").split("/")[1] if pointer and pointer.count("/") >= 1 else ""
    if member in model.update_members(kind):
        return f"/{member}"
    return "a member the update document does not have" if member else "/"


def _modified(described: Described) -> Any:
    return described.parsed.get("LastModifiedDate")


def _ids(target: Target) -> dict[str, str]:
    ids = {"UserPoolId": target.user_pool_id}
    if target.client_id:
        ids["ClientId"] = target.client_id
    return ids


def _strip_ids(kind: Kind, document: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in model.ID_MEMBERS[kind]}


def _attribute_names(parsed: Mapping[str, Any]) -> set[str]:
    return {
        str(item.get("Name")) for item in parsed.get("SchemaAttributes") or [] if isinstance(item, Mapping)
    }


def _attribute_changes(attributes: Iterable[Mapping[str, Any]]) -> list[Change]:
    return [Change(f"/SchemaAttributes/{escape(custom_name(item))}", after=dict(item)) for item in attributes]


def _carried_attributes(prior: Found, parsed: Mapping[str, Any]) -> list[Change]:
    """Custom attributes an earlier attempt of the request added before it failed: still its changes."""
    snapshot = prior[1]
    attributes = _intended_attributes(snapshot) or []
    description = snapshot.get("description")
    before = _attribute_names(description) if isinstance(description, Mapping) else set()
    now = _attribute_names(parsed)
    done = [item for item in attributes if custom_name(item) in now and custom_name(item) not in before]
    return _attribute_changes(done)


def _same_state(kind: Kind, current: Described, planned_from: Described, plan: Plan) -> bool:
    """The confirming describe shows the configuration the plan was computed from."""
    if plan.new_attributes and _attribute_names(current.parsed) != _attribute_names(planned_from.parsed):
        return False
    return live_document(kind, current.parsed) == plan.live


_STAMP = re.compile(r"/(\d{8}T\d{6}Z)-[^/]+/before\.json$")


def _stamp_of(reference: str) -> datetime:
    """The time segment of a before snapshot's reference (the epoch when it has none)."""
    match = _STAMP.search(reference)
    if match is None:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


_INPUT_OPERATIONS: dict[Kind, str] = {"pool": "UpdateUserPool", "client": "UpdateUserPoolClient"}
_BOTOCORE_NAME = re.compile(r"\.|\[(\d+)\]")


def check_write_input(target: Target, plan: Plan) -> None:
    """botocore's own parameter validation of the calls about to be made, before any snapshot.

    poolpatch's model checks should refuse everything botocore would; this is the backstop that turns a
    gap into ``InvalidValue`` before the before snapshot, instead of a ``ParamValidationError`` after it.
    """
    service = model.service_model()
    calls: list[tuple[str, dict[str, Any], str]] = [
        (_INPUT_OPERATIONS[target.kind], {**_ids(target), **plan.desired}, "")
    ]
    if plan.new_attributes:
        calls.append(
            (
                "AddCustomAttributes",
                {
                    "UserPoolId": target.user_pool_id,
                    "CustomAttributes": [dict(a) for a in plan.new_attributes],
                },
                "/addCustomAttributes",
            )
        )
    for operation, params, base in calls:
        shape = service.operation_model(operation).input_shape
        if shape is None:  # pragma: no cover - the model is pinned
            raise SdkModelOutdated(f"The service model has no {operation} input.")
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            errors = getattr(report, "_errors", [])
            name = str(errors[0][1]).lstrip(".") if errors and len(errors[0]) > 1 else ""
            if base:
                name = name.removeprefix("CustomAttributes")
            pointer = base + "".join(
                f"/{part}"
                for part in _BOTOCORE_NAME.sub(lambda m: f".{m.group(1) or ''}", name).split(".")
                if part
            )
            raise InvalidValue(
                f"{operation} would be refused by botocore: {report.generate_report()}",
                path=pointer or None,
                remedy="Fix the value named; nothing was written and no snapshot was taken.",
            )
