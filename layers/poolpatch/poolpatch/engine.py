"""The engine: one change request through the algorithm of design.md, for any configuration kind.

read the target (its kind's read operation) → unknown-field guard → (redelivery:
crash recovery) → precondition → read the kinds its rules look at (context) →
the pure pipeline (:func:`poolpatch.pipeline.plan_change`: project, prepare,
check, merge, finalise, diff) → (plan mode stops) → botocore's own input
validation → before snapshot (with the write intent, and the kinds the write may
change besides the target: companions) → confirming read (re-plan if another
writer moved the target) → AddCustomAttributes / write → read again → verify →
after snapshot.

This module only orchestrates: what a kind is lives in :mod:`poolpatch.kinds`,
the pure steps in :mod:`poolpatch.pipeline`, the snapshot document and its
redaction in :mod:`poolpatch.snapshot`.

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

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent import futures
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from poolpatch import model
from poolpatch.adapters.cognito import CognitoPort, Described, write_ids
from poolpatch.adapters.snapshots import Found, Phase, SnapshotStore, snapshot_key
from poolpatch.attributes import attribute_changes, attribute_names, custom_name
from poolpatch.errors import (
    ConcurrentModification,
    InvalidRequest,
    NotFound,
    PoolpatchError,
    PreconditionFailed,
)
from poolpatch.kinds import REDACTED, Kind, spec
from poolpatch.ownership import owner_of
from poolpatch.pipeline import (
    Plan,
    check_precondition,
    check_write_input,
    guard_unknown_members,
    keep_redacted,
    known_member,
    live_document,
    own_description,
    plan_change,
    replacement_patch,
    strip_ids,
    verify,
)
from poolpatch.plan import Change, diff
from poolpatch.pointer import related
from poolpatch.request import ChangeRequest, Target
from poolpatch.result import Result
from poolpatch.snapshot import redact_description, redact_secrets, request_summary, snapshot_document

#: Attempts at the verifying describe and the after snapshot, once the write has happened.
AFTER_WRITE_ATTEMPTS = 3
AFTER_WRITE_BACKOFF = 0.2
AFTER_WRITE_BACKOFF_CAP = 2.0
#: Re-plans when the confirming describe finds the target changed by another writer.
REPLAN_ROUNDS = 2

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
    context: Mapping[Kind, Mapping[str, Any]] | None = None


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
        described = _describe(port, target)
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
            and _kept(target.kind, prior[1]["updateDocument"], live_document(target.kind, described.parsed))
            == live_document(target.kind, described.parsed)
            else None
        )
        if unchanged is None or not _only_own_writes_since(unchanged[1], described):
            check_precondition(request, described.parsed)
        context = self._context(port, target)
        plan = self.plan(request, target, described, context=context)
        result.warnings = list(plan.warnings)
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
        attempt = _Attempt(described, plan, started, unchanged[0] if unchanged else None, context)
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
            attempt.described = current
            attempt.plan = self.plan(request, target, current, context=attempt.context)
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
            return _describe(port, target)
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
            current = _describe(port, target)
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
        live = live_document(kind, described.parsed)
        intended = _kept(kind, document, live)
        before = _kept(kind, snapshot["updateDocument"], live)
        names = attribute_names(described.parsed)
        changes = diff(before, intended)
        changes.extend(_recorded_secret_changes(snapshot, intent, described, kind))
        if not (changes or attributes) or any(custom_name(item) not in names for item in attributes):
            return False
        if any(related(found.path, change.path) for found in diff(intended, live) for change in changes):
            return False  # some of the intended values are not live: the write did not take effect
        plan = Plan(before, intended, (), tuple(dict(item) for item in attributes), ())
        result.changes = [*changes, *attribute_changes(plan.new_attributes)]
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
                after = _describe(port, target)
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

    def plan(
        self,
        request: ChangeRequest,
        target: Target,
        described: Described,
        *,
        context: Mapping[Kind, Mapping[str, Any]] | None = None,
    ) -> Plan:
        """Compute the plan for ``request`` against the described live configuration (the pipeline).

        ``context`` holds the reads of the kinds the target's rules look at; without it they are read
        here through the target's port.
        """
        if context is None:
            context = self._context(self._cognito(target), target)
        if request.restore is None:
            return plan_change(
                target,
                described.parsed,
                request.patch or {},
                attributes=request.add_custom_attributes,
                context=context,
            )
        kind = target.kind
        patch = self._restore_patch(request.restore, target, live_document(kind, described.parsed))
        try:
            return plan_change(target, described.parsed, patch, context=context)
        except PoolpatchError as error:
            # Never echo a value read from the referenced object: the code and the pointer only.
            raise InvalidRequest(
                f"The snapshot's update document cannot be applied to the live target: {error.code} at "
                f"{known_member(kind, error.path)}.",
                path="/restore/snapshot",
                remedy="Restore a snapshot poolpatch wrote for this target, or send a patch instead.",
            ) from None

    @staticmethod
    def _context(port: CognitoPort, target: Target) -> dict[Kind, Mapping[str, Any]]:
        """Read the kinds the target's rules look at (``pool`` for ``mfa``...), once per request."""
        return {kind: port.describe(target.of(kind)).parsed for kind in spec(target.kind).context}

    @staticmethod
    def _companions(port: CognitoPort, target: Target) -> dict[str, Any]:
        """The kinds a write of the target may change besides itself, as recorded in its snapshots."""
        out: dict[str, Any] = {}
        for kind in spec(target.kind).companions:
            described = port.describe(target.of(kind))
            out[kind] = {
                "description": redact_description(kind, described.parsed),
                "updateDocument": redact_secrets(kind, live_document(kind, described.parsed)),
            }
        return out

    def _restore_patch(self, reference: str, target: Target, live: Mapping[str, Any]) -> dict[str, Any]:
        """The merge patch that restores a snapshot of this very target (scope and recorded target checked).

        The store refuses references outside its scope (S3: the snapshot bucket and the target's own
        prefix); here the snapshot's recorded account, Region, pool and client must equal the request's,
        and its update document must be well-formed for the kind. Messages never quote the object's values.
        """
        snapshot = self._snapshots.get(reference, target=target)
        recorded = snapshot["target"]
        expected = target.to_dict()
        recorded_kind = recorded.get("kind") or ("client" if recorded.get("clientId") else "pool")
        if (
            any(recorded.get(name) != expected.get(name) for name in ("userPoolId", "clientId", "name"))
            or any(recorded.get(name) not in (None, expected.get(name)) for name in ("accountId", "region"))
            or recorded_kind != target.kind
        ):
            raise InvalidRequest(
                "The snapshot was recorded for another target (account, Region, user pool, app client, kind "
                "or name).",
                path="/restore/snapshot",
                remedy="Restore a snapshot of this same target: same kind and name, pool or app client, "
                "account and Region.",
            )
        document = strip_ids(target.kind, snapshot["updateDocument"])
        problems = model.check_document(target.kind, document, partial=True)
        if problems:
            raise InvalidRequest(
                f"The snapshot's update document is not a valid {target.kind} document "
                f"({len(problems)} problem(s), the first at {known_member(target.kind, problems[0].path)}).",
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
        companions = self._companions(self._cognito(target), target)
        if companions:
            document["companions"] = companions
        if intent is not None:
            document["intent"] = {
                "updateDocument": {**write_ids(target), **redact_secrets(target.kind, intent.desired)},
                "addCustomAttributes": [dict(item) for item in intent.new_attributes],
                # Secrets are redacted above; which of them the write changes is recorded by pointer only,
                # so crash recovery can still tell a secret-only write from no write.
                "secretsChanged": _secret_pointers(target.kind, intent.changes),
            }
        if session:
            document["session"] = dict(session)
        return self._snapshots.put(key, document)


# --- pure steps, usable on their own (CLI export, drift detection, tests) ---------------------------


def _same_request(snapshot: Mapping[str, Any], request: ChangeRequest) -> bool:
    """The snapshot was written for this very request (same content, not only the same id)."""
    recorded = snapshot.get("request")
    if not isinstance(recorded, Mapping):
        return False
    mine = json.loads(json.dumps(request_summary(request), default=str))
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
    names = attribute_names(described.parsed)
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
    # Decided on the plan, not on the documents: removing a write-only member (a classic UI logo) is a
    # change although neither document holds it.
    if not any(not change.path.startswith("/SchemaAttributes/") for change in plan.changes):
        return
    try:
        port.update(target, plan.desired)
    except PoolpatchError as error:
        if plan.new_attributes:  # irreversible, and already done: say so
            names = ", ".join(custom_name(item) for item in plan.new_attributes)
            error.message += f" The custom attribute(s) {names} were added before the update failed."
        raise


def _modified(described: Described) -> Any:
    return described.parsed.get("LastModifiedDate")


def _carried_attributes(prior: Found, parsed: Mapping[str, Any]) -> list[Change]:
    """Custom attributes an earlier attempt of the request added before it failed: still its changes."""
    snapshot = prior[1]
    attributes = _intended_attributes(snapshot) or []
    description = snapshot.get("description")
    before = attribute_names(description) if isinstance(description, Mapping) else set()
    now = attribute_names(parsed)
    done = [item for item in attributes if custom_name(item) in now and custom_name(item) not in before]
    return attribute_changes(done)


def _same_state(kind: Kind, current: Described, planned_from: Described, plan: Plan) -> bool:
    """The confirming describe shows the configuration the plan was computed from."""
    if plan.new_attributes and attribute_names(current.parsed) != attribute_names(planned_from.parsed):
        return False
    return live_document(kind, current.parsed) == plan.live


_STAMP = re.compile(r"/(\d{8}T\d{6}Z)-[^/]+/before\.json$")


def _stamp_of(reference: str) -> datetime:
    """The time segment of a before snapshot's reference (the epoch when it has none)."""
    match = _STAMP.search(reference)
    if match is None:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _describe(port: CognitoPort, target: Target) -> Described:
    """Read the target: its own configuration (:func:`~poolpatch.pipeline.own_description`), raw JSON kept.

    A target that does not exist names the member that chose it (``/target/name``, ``/target/clientId``).
    """
    try:
        described = port.describe(target)
    except NotFound as error:
        if error.path is None and target.kind not in ("pool", "client"):
            error.path = "/target/name" if target.name is not None else "/target/clientId"
            if target.name is None and target.client_id is None:
                error.path = "/target/userPoolId"
        raise
    return Described(parsed=own_description(target, described.parsed), raw=described.raw)


def _kept(kind: Kind, document: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    """A recorded update document with its ``"<redacted>"`` secrets read as the live values."""
    stripped = strip_ids(kind, document)
    try:
        return keep_redacted(live, stripped)
    except PoolpatchError:
        return stripped  # a secret the target no longer has: the document differs from the live one


def _secret_pointers(kind: Kind, changes: Iterable[Change]) -> list[str]:
    """The secret paths (:attr:`~poolpatch.kinds.KindSpec.secrets`) among a plan's changes."""
    secrets = spec(kind).secrets
    return [change.path for change in changes if any(related(change.path, pointer) for pointer in secrets)]


def _recorded_secret_changes(
    snapshot: Mapping[str, Any], intent: Mapping[str, Any], described: Described, kind: Kind
) -> list[Change]:
    """The secret changes a write intent recorded, when the target has been written since its snapshot.

    A redacted intent cannot show whether a secret is live, so a secret change counts as done when the
    target's ``LastModifiedDate`` moved past the one the before snapshot recorded.
    """
    pointers = intent.get("secretsChanged")
    if not isinstance(pointers, list) or not pointers:
        return []
    secrets = spec(kind).secrets
    recorded = snapshot.get("description")
    before = recorded.get("LastModifiedDate") if isinstance(recorded, Mapping) else None
    now = described.parsed.get("LastModifiedDate")
    if before is None or now is None or model.json_default(now) == before:
        return []
    return [
        Change(str(pointer), before=REDACTED, after=REDACTED)
        for pointer in pointers
        if isinstance(pointer, str) and any(related(pointer, secret) for secret in secrets)
    ]
