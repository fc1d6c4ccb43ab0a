"""Drift for a fleet: scheduled sweeps fanned out per account and Region, and CloudTrail-triggered checks.

One function, three entry points (design.md, "Drift"):

1. **Sweep start** (the schedule): read and validate every desired-state document, store them as the
   sweep's manifest, and send one message per account and Region to ``DriftWorkQueue``. Lambda's SQS
   event source then runs the units side by side (``DriftConcurrency``), one account per invocation.
2. **Unit of work** (a ``DriftWorkQueue`` record): walk the account and Region's pools and clients with
   one paced client (``DRIFT_READS_PER_SECOND`` per quota category), write the lines, publish
   ``Drift Detected``/``Resolved`` on changes; near the timeout, send a continuation with the cursor.
   The unit that finishes last finalises the sweep: guards, corrections into the change queue, the
   report files, ``Sweep Completed`` (or ``Halted``), metrics.
   A finished unit also queues its **bundle pass** (``DRIFT_STORE_BUNDLES``): the bundle of every pool it
   checked, stored under ``bundles/`` when it changed (:mod:`poolpatch.drift.bundles`), continued near
   the timeout like the unit.
3. **Targeted check**: a CloudTrail event for a Cognito write (from the hub's default bus, or forwarded
   by a target account to the poolpatch bus) becomes a ``DriftCheckQueue.fifo`` message, delayed 60 s and
   deduplicated per target and minute, so a burst of writes is one check; poolpatch's own writes (their
   sessions carry ``sourceIdentity: poolpatch``) are ignored. The check is a sweep of that one target.

Reads use the read-only role in every account (``TARGET_ROLE_NAME`` = ``{TargetRoleName}-read``, the
hub's own account included), so drift cannot write even by mistake; corrections are ordinary change
requests on the change queue (the one writer path).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from botocore.exceptions import BotoCoreError, ClientError

from poolpatch.adapters.desired import read_documents
from poolpatch.adapters.events import ChangeQueue
from poolpatch.adapters.fleet import Boto3FleetReader, Pacer
from poolpatch.adapters.session import SOURCE_IDENTITY, TargetSessions
from poolpatch.adapters.snapshots import S3SnapshotStore
from poolpatch.drift.bundles import OutOfTime, StoppingReader, checked_pools, store_pool_bundle
from poolpatch.drift.check import (
    Cursor,
    Line,
    Progress,
    Unit,
    signature,
    target_key,
    unit_error_line,
    walk_unit,
)
from poolpatch.drift.documents import Document, DocumentSet, load_documents
from poolpatch.drift.report import Report
from poolpatch.drift.sweep import decide, full_key, has_drift, new_sweep_id, record_corrections
from poolpatch.errors import NotFound, PoolpatchError, ServiceError
from poolpatch.kinds import KINDS, spec
from poolpatch.request import CLIENT_ID, REGION, USER_POOL_ID, Target, parse_request, parse_target
from poolpatch_lambda.drift_state import DriftState, ReportStore
from poolpatch_lambda.observability import logger, metrics
from poolpatch_lambda.runtime import Runtime, target_sessions
from poolpatch_lambda.settings import DriftSettings

DETECTED = "User Pool Drift Detected"
RESOLVED = "User Pool Drift Resolved"
COMPLETED = "User Pool Drift Sweep Completed"
HALTED = "User Pool Drift Sweep Halted"
CLOUDTRAIL = "AWS API Call via CloudTrail"
#: A unit stops and continues in a new invocation when less than this is left of its timeout.
TIME_MARGIN_MS = 60_000
#: A failed unit or check is retried after this long (and after 3 receives goes to its DLQ, with an alarm).
RETRY_SECONDS = 60
#: Targeted checks: one per target per window of the write's time (the check queue delays messages as long).
DEBOUNCE_SECONDS = 60
#: The message type of a unit's bundle pass (``DriftWorkQueue``), queued when the unit finishes.
BUNDLES = "bundles"
_MANIFEST = "documents.json"

_WHOLE: tuple[frozenset[str] | None, str | None] = (None, None)
#: Cognito writes whose CloudTrail events trigger a targeted check -> the kinds the check covers (None:
#: every kind of the pool, or of the app client the event names) and the ``requestParameters`` member
#: naming the resource of a named kind. Creations count (a new group must match its baseline too);
#: deletions do not (nothing is left to compare). A domain write may move the passkey relying party,
#: and SetUserPoolMfaConfig changes the pool's ``MfaConfiguration``: their checks cover ``mfa`` / ``pool``.
CHECKED_WRITES: Mapping[str, tuple[frozenset[str] | None, str | None]] = {
    "CreateUserPool": _WHOLE,
    "UpdateUserPool": _WHOLE,
    "CreateUserPoolClient": _WHOLE,
    "UpdateUserPoolClient": _WHOLE,
    "AddCustomAttributes": _WHOLE,
    "TagResource": _WHOLE,
    "UntagResource": _WHOLE,
    "SetUserPoolMfaConfig": (frozenset({"pool", "mfa"}), None),
    "CreateUserPoolDomain": (frozenset({"domain", "mfa"}), "domain"),
    "UpdateUserPoolDomain": (frozenset({"domain", "mfa"}), "domain"),
    "CreateIdentityProvider": (frozenset({"identityProvider"}), "providerName"),
    "UpdateIdentityProvider": (frozenset({"identityProvider"}), "providerName"),
    "CreateResourceServer": (frozenset({"resourceServer"}), "identifier"),
    "UpdateResourceServer": (frozenset({"resourceServer"}), "identifier"),
    "CreateGroup": (frozenset({"group"}), "groupName"),
    "UpdateGroup": (frozenset({"group"}), "groupName"),
    "SetRiskConfiguration": (frozenset({"riskConfiguration"}), None),
    "SetUICustomization": (frozenset({"uiCustomization"}), None),
    "CreateManagedLoginBranding": (frozenset({"managedLoginBranding"}), None),
    "UpdateManagedLoginBranding": (frozenset({"managedLoginBranding"}), None),
    "SetLogDeliveryConfiguration": (frozenset({"logDelivery"}), None),
}
#: Writes whose ``clientId`` the check does not narrow to: the member is sensitive in the model (CloudTrail
#: may hide it), and ``ALL`` means every client without its own setting; their checks cover the kind at
#: the pool and every app client.
_EVERY_CLIENT = frozenset({"SetRiskConfiguration", "SetUICustomization"})
#: What CloudTrail records instead of a sensitive request parameter (never an app client id).
_HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"


@dataclass
class DriftRuntime(Runtime[DriftSettings]):
    """The drift function's collaborators, built once per container."""

    _pacers: dict[tuple[str, str], Pacer] = field(default_factory=dict)
    #: Throttling responses seen by the last walk (recorded on the sweep, published as DriftThrottles).
    last_throttled: int = 0
    _manifests: dict[str, tuple[DocumentSet, dict[str, Any]]] = field(default_factory=dict)

    def sessions(self) -> TargetSessions:
        """Read-only sessions per account; every new Cognito client gets its account's pacer."""
        return target_sessions(self, self.settings, on_client=self._install_pacer)

    def pacer(self, account: str, region: str) -> Pacer:
        """The pacer of one account and Region (shared by every client of it in this container)."""
        key = (account, region)
        if key not in self._pacers:
            self._pacers[key] = Pacer(self.settings.reads_per_second)
        return self._pacers[key]

    def _install_pacer(self, client: Any, account: str, region: str) -> None:
        self.pacer(account, region).install(client)

    def reader(self, account: str, region: str) -> Boto3FleetReader:
        """The fleet reader of one account and Region (its client is reused for every target)."""
        port = self.sessions().cognito_for(Target("drift_unit", account_id=account, region=region))
        return Boto3FleetReader(port)

    def state(self) -> DriftState:
        """The drift state table."""
        return DriftState(self.client("dynamodb"), self.settings.state_table)

    def reports(self) -> ReportStore:
        """The report folder of each sweep."""
        return ReportStore(self.client("s3"), self.settings.snapshot_bucket)

    def queue(self) -> ChangeQueue:
        """The FIFO change queue, for corrections."""
        return ChangeQueue(self.client("sqs"), self.settings.change_queue_url)

    def documents(self) -> DocumentSet:
        """Every document below ``DESIRED_STATE_PREFIX``, validated."""
        s3, bucket, prefix = self.client("s3"), self.settings.snapshot_bucket, self.settings.desired_prefix
        try:
            items = read_documents(s3, bucket, prefix)
        except (ClientError, BotoCoreError) as exc:
            raise ServiceError(
                f"Cannot read the desired-state documents in s3://{bucket}/{prefix}: {exc}",
                remedy="Check SNAPSHOT_BUCKET, DESIRED_STATE_PREFIX and the drift role's s3 permissions.",
                retryable=True,
            ) from None
        return load_documents(items, prefix=prefix, own_account=self.own_account, allowed=self.allowed())

    def manifest(self, sweep_id: str) -> tuple[DocumentSet, dict[str, Any]]:
        """The documents and facts a sweep started with (cached per container)."""
        if sweep_id not in self._manifests:
            data = json.loads(self.reports().get(sweep_id, _MANIFEST))
            self._manifests[sweep_id] = (DocumentSet.from_dict(data["documents"]), data)
        return self._manifests[sweep_id]

    def throttled(self) -> int:
        """Throttling responses seen by this container's pacers so far."""
        return sum(pacer.throttled for pacer in self._pacers.values())


def handle(
    runtime: DriftRuntime, event: Mapping[str, Any], remaining_ms: Callable[[], int]
) -> dict[str, Any]:
    """Dispatch one invocation: SQS records (units and checks), a CloudTrail event, or the schedule."""
    if isinstance(event.get("Records"), list):
        return process_records(runtime, event["Records"], remaining_ms)
    if event.get("detail-type") == CLOUDTRAIL:
        return enqueue_check(runtime, event)
    return start_sweep(runtime)


# -- 1. sweep start --


def start_sweep(runtime: DriftRuntime, *, now: datetime | None = None) -> dict[str, Any]:
    """Validate the documents, store the manifest, fan out one message per account and Region."""
    settings, now = runtime.settings, now or datetime.now(UTC)
    documents = runtime.documents()
    sweep_id = new_sweep_id(now)
    units = documents.units(runtime.own_account, settings.region, runtime.allowed())
    manifest = {"startedAt": now.isoformat(), "trigger": "schedule", "documents": documents.to_dict()}
    runtime.reports().put(sweep_id, _MANIFEST, json.dumps(manifest))
    runtime.state().start_sweep(sweep_id, [_unit_name(a, r) for a, r in units], now)
    for error in documents.invalid:
        logger.error(
            "invalid desired-state document", extra={"key": error.key, "error": error.error.to_dict()}
        )
        _metric("DriftErrors", 1, code=error.error.code)
    messages = [
        {"type": "unit", "sweepId": sweep_id, "accountId": account, "region": region, "part": 0}
        for account, region in units
    ]
    _send_batch(runtime, runtime.settings.work_queue_url, messages)
    logger.info("drift sweep started", extra={"sweep_id": sweep_id, "units": len(units)})
    if not units:
        finalize(runtime, sweep_id, now=now)
    return {"sweepId": sweep_id, "units": len(units), "documents": len(documents.valid)}


# -- 2. units and checks --


def process_records(
    runtime: DriftRuntime, records: Sequence[Mapping[str, Any]], remaining_ms: Callable[[], int]
) -> dict[str, Any]:
    """Run each SQS record (a unit of a sweep, or a targeted check); failed ones are retried by SQS."""
    failures: list[dict[str, str]] = []
    for record in records:
        message = _message(record)
        if message is None:
            continue
        try:
            if message["type"] == "check":
                run_check(runtime, message, record)
            elif message["type"] == BUNDLES:
                run_bundles(runtime, message, remaining_ms)
            else:
                run_unit(runtime, message, remaining_ms)
        except PoolpatchError as error:
            logger.error("drift work failed; SQS retries it", extra={"error": error.to_dict()})
            failures.append({"itemIdentifier": str(record["messageId"])})
            _retry_soon(runtime, record)
    return {"batchItemFailures": failures}


_UNIT_MEMBERS = frozenset({"sweepId", "accountId", "region"})
_CHECK_MEMBERS = frozenset({"accountId", "region", "userPoolId"})


def _retry_soon(runtime: DriftRuntime, record: Mapping[str, Any]) -> None:
    """Make a failed record visible again after :data:`RETRY_SECONDS` instead of the queue's visibility
    timeout (six times the function's, as Lambda advises for event sources: 90 minutes)."""
    name = str(record.get("eventSourceARN", "")).rsplit(":", 1)[-1]
    settings = runtime.settings
    url = next(
        (u for u in (settings.work_queue_url, settings.check_queue_url) if u.endswith(f"/{name}")), None
    )
    if url is None or not record.get("receiptHandle"):
        return
    try:
        runtime.client("sqs").change_message_visibility(
            QueueUrl=url, ReceiptHandle=str(record["receiptHandle"]), VisibilityTimeout=RETRY_SECONDS
        )
    except (ClientError, BotoCoreError) as exc:  # the queue's own timeout still brings it back
        logger.warning("could not shorten a failed drift record's visibility", extra={"error": str(exc)})


def _message(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The drift message of an SQS record; None (logged, dropped) for a body drift never writes."""
    try:
        message = json.loads(record["body"])
    except (KeyError, TypeError, ValueError):
        message = None
    if isinstance(message, dict):
        required = _CHECK_MEMBERS if message.get("type") == "check" else _UNIT_MEMBERS
        if (
            message.get("type") in ("unit", "check", BUNDLES)
            and all(isinstance(message.get(k), str) for k in required)
            and _valid_position(message)
        ):
            return message
    logger.error("malformed drift message dropped", extra={"message_id": record.get("messageId")})
    return None


def _valid_position(message: Mapping[str, Any]) -> bool:
    """``part`` a non-negative integer, ``cursor`` absent or a pool id (client id, kind, name) and a check's
    ``kinds`` and ``name`` absent or as drift writes them."""
    part = message.get("part", 0)
    cursor = message.get("cursor")
    kinds = message.get("kinds", [])
    if not isinstance(part, int) or isinstance(part, bool) or not 0 <= part < 100_000:
        return False
    if not isinstance(kinds, list) or not all(isinstance(kind, str) and kind in KINDS for kind in kinds):
        return False
    if not isinstance(message.get("name", ""), str):
        return False
    return cursor is None or (
        isinstance(cursor, dict)
        and isinstance(cursor.get("userPoolId"), str)
        and isinstance(cursor.get("clientId", ""), str)
        and cursor.get("kind", "") in ("", *KINDS)
        and isinstance(cursor.get("name", ""), str)
    )


def run_unit(runtime: DriftRuntime, message: Mapping[str, Any], remaining_ms: Callable[[], int]) -> Progress:
    """Walk one account and Region of a sweep from its cursor; continue or finish it."""
    sweep_id, account, region = str(message["sweepId"]), str(message["accountId"]), str(message["region"])
    part = int(message.get("part", 0))
    name = _unit_name(account, region)
    state = runtime.state()
    documents, manifest = runtime.manifest(sweep_id)
    trigger = str(manifest.get("trigger", "schedule"))
    pending = state.pending(sweep_id)
    if pending is not None and name not in pending:
        # A redelivery of a unit that finished (a crash before its message was deleted, or a failed
        # finalisation): no second walk; finalise if every unit is done (claimed once).
        if not pending:
            finalize(runtime, sweep_id, trigger=trigger)
        return Progress(finished=True)
    unit = Unit(account, region, _covering(runtime, documents, account, region))
    progress = _walk(
        runtime,
        unit,
        after=Cursor.from_dict(message.get("cursor")),
        should_stop=lambda: remaining_ms() < TIME_MARGIN_MS,
    )
    previous = _record(runtime, sweep_id, unit, progress, part)
    if not progress.finished:
        continuation = {
            **message,
            "cursor": progress.cursor.to_dict() if progress.cursor else None,
            "part": part + 1,
        }
        _send_batch(runtime, runtime.settings.work_queue_url, [continuation])
        logger.info("drift unit continues", extra={"sweep_id": sweep_id, "unit": name})
        return progress
    if previous is not None:
        _forget_vanished(runtime, sweep_id, unit, previous, progress)
    # Queued before the unit is marked finished: a crash in between redoes the unit's last part and queues
    # the pass again (which stores nothing twice), where the other order could lose it. Queued even after a
    # part that failed as a whole: the pass stores the pools its earlier parts checked.
    _queue_bundles(runtime, sweep_id, account, region)
    last = state.finish_unit(sweep_id, name)
    if last or (last is None and not state.pending(sweep_id)):
        finalize(runtime, sweep_id, trigger=trigger)
    return progress


def run_check(
    runtime: DriftRuntime, message: Mapping[str, Any], record: Mapping[str, Any] | None = None
) -> Progress | None:
    """A targeted check: one pool (or app client) against the current documents, as a sweep of its own.

    Its sweep id derives from the SQS message (send time and id), so a redelivered check is the same
    sweep: it is finalised once, and its correction is the same request.
    """
    account, region = str(message["accountId"]), str(message["region"])
    documents = runtime.documents()
    covering = _covering(runtime, documents, account, region)
    pool = str(message["userPoolId"])
    if not any(document.selector.may_select_pool(pool) for document in covering):
        return None  # no document covers this pool: nothing to check, no report
    sent, token = _message_identity(record)
    sweep_id = new_sweep_id(sent, token)
    state = runtime.state()
    if state.pending(sweep_id) is not None and not state.claimable(sweep_id):
        return None  # this check ran to its end already (a redelivery)
    kinds = message.get("kinds")
    unit = Unit(
        account,
        region,
        covering,
        only_pool=pool,
        only_client=message.get("clientId") or None,
        only_kinds=frozenset(str(kind) for kind in kinds) if isinstance(kinds, list) else None,
        only_name=str(message["name"]) if message.get("name") is not None else None,
    )
    progress = _walk(runtime, unit)
    if not progress.lines:
        return progress  # the pool is gone, or nothing selects it after all: no report
    manifest = {"startedAt": sent.isoformat(), "trigger": "cloudtrail", "documents": documents.to_dict()}
    runtime.reports().put(sweep_id, _MANIFEST, json.dumps(manifest))
    runtime._manifests[sweep_id] = (documents, manifest)
    state.start_sweep(sweep_id, [], sent, only_new=True)
    _record(runtime, sweep_id, unit, progress, 0)
    finalize(runtime, sweep_id, trigger="cloudtrail")
    return progress


def _message_identity(record: Mapping[str, Any] | None) -> tuple[datetime, str]:
    """The send time and a short digest of an SQS record's message id (now and a random token without)."""
    if record is None:
        return datetime.now(UTC), secrets.token_hex(4)
    sent = str((record.get("attributes") or {}).get("SentTimestamp", ""))
    when = datetime.fromtimestamp(int(sent) / 1000, UTC) if sent.isdigit() else datetime.now(UTC)
    return when, hashlib.sha256(str(record.get("messageId", "")).encode()).hexdigest()[:8]


def _walk(
    runtime: DriftRuntime,
    unit: Unit,
    *,
    after: Cursor | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Progress:
    throttled = runtime.throttled()
    try:
        reader = runtime.reader(unit.account_id, unit.region)
        return walk_unit(unit, reader, after=after, should_stop=should_stop)
    except PoolpatchError as error:
        # The role cannot be assumed, or the pools cannot be listed: the unit is reported once, as one
        # line, and the sweep goes on with the other accounts.
        logger.error(
            "drift unit could not be checked",
            extra={"account": unit.account_id, "region": unit.region, "error": error.to_dict()},
        )
        return Progress([unit_error_line(unit.account_id, unit.region, error)], finished=True)
    finally:
        runtime.last_throttled = runtime.throttled() - throttled


def _record(
    runtime: DriftRuntime, sweep_id: str, unit: Unit, progress: Progress, part: int
) -> dict[str, dict[str, Any]] | None:
    """Write the part, store each target's check, publish Detected/Resolved and the metrics.

    Returns the unit's previously known targets (None when the unit could not be checked at all).
    """
    now = datetime.now(UTC)
    lines = progress.lines
    unit_failed = any("userPoolId" not in line["target"] for line in lines)
    state = runtime.state()
    previous = {} if unit_failed else state.targets(unit.account_id, unit.region)
    runtime.reports().put_part(sweep_id, _unit_name(unit.account_id, unit.region), part, lines)
    signatures = {
        target_key(line["target"]): signature(line) if has_drift(line) else ""
        for line in lines
        if "userPoolId" in line["target"]
    }
    events: list[tuple[str, dict[str, Any]]] = []
    for line in lines:
        if line["status"] in ("error", "ignored") or "userPoolId" not in line["target"]:
            continue
        key = target_key(line["target"])
        before = previous.get(key, {})
        if signatures[key] and signatures[key] != before.get("signature"):
            events.append((DETECTED, _event_line(line, sweep_id)))
        elif not signatures[key] and before.get("drifted"):
            events.append((RESOLVED, _event_line(line, sweep_id)))
    publisher = runtime.publisher()
    for detail_type in (DETECTED, RESOLVED):
        chosen = [detail for kind, detail in events if kind == detail_type]
        if chosen:
            publisher.publish(chosen, detail_type=detail_type)
    checked = [line for line in lines if "userPoolId" in line["target"] and line["status"] != "error"]
    # Recorded only once the events are out: a failed publish is retried with the same news.
    state.record_checks(lines, sweep_id, now, signatures)
    if runtime.last_throttled:
        state.add_throttles(sweep_id, runtime.last_throttled)
        _metric("DriftThrottles", runtime.last_throttled)
    _metric("DriftTargetsChecked", len(checked))
    _metric("DriftTargetsDrifted", sum(1 for line in checked if has_drift(line)))
    for line in lines:
        if line.get("error"):
            _metric("DriftErrors", 1, code=str(line["error"]["code"]))
    return None if unit_failed else previous


def _forget_vanished(
    runtime: DriftRuntime,
    sweep_id: str,
    unit: Unit,
    previous: Mapping[str, Mapping[str, Any]],
    progress: Progress,
) -> None:
    """After a complete unit: forget targets checked before but not found in this sweep (deleted, or no
    longer selected), so they do not age as "unchecked"."""
    every = [
        *runtime.reports().parts(sweep_id, unit=_unit_name(unit.account_id, unit.region)),
        *progress.lines,
    ]
    seen = {target_key(line["target"]) for line in every if "userPoolId" in line["target"]}
    started = str(runtime.manifest(sweep_id)[1]["startedAt"])
    gone = [
        key
        for key, item in previous.items()
        if key not in seen and item.get("sweep") != sweep_id and str(item.get("lastChecked", "")) < started
    ]
    if gone:
        runtime.state().forget(unit.account_id, unit.region, gone)


# -- finishing a sweep --


def finalize(
    runtime: DriftRuntime, sweep_id: str, *, trigger: str = "schedule", now: datetime | None = None
) -> Report | None:
    """Once every unit is done: guards, corrections, report files, the sweep's events and metrics."""
    state, reports, settings = runtime.state(), runtime.reports(), runtime.settings
    now = now or datetime.now(UTC)
    if not state.claim_finalize(sweep_id, now):
        return None  # another invocation finalised it (a redelivered last unit)
    try:
        documents, manifest = runtime.manifest(sweep_id)
        lines = _latest_per_target(reports.parts(sweep_id))
        proposed = [full_key(line["target"]) for line in lines if line.get("proposal")]
        history = state.history(proposed)
        targeted = trigger != "schedule"
        # A targeted check corrects one pool at a time, outside the limit: after a scheduled sweep halted
        # (a bad document, most likely), checks report only, or they would correct the fleet one by one.
        after_halt = targeted and state.latest_halted()
        decision = decide(
            lines,
            sweep_id=sweep_id,
            now=now,
            correction_enabled=settings.correction == "enabled" and not after_halt,
            disabled_guard="limit" if after_halt and settings.correction == "enabled" else "kill-switch",
            limit_percent=None if targeted else settings.correction_limit_percent,
            history=history,
        )
        if not targeted:
            state.set_latest(sweep_id, halted=decision.halted)
        queue = runtime.queue()
        for document in decision.corrections:
            request = parse_request(document)
            queue.send(request, request.target)
        # Once per sweep: a retried finalisation must not count its corrections twice (anti-flap).
        if decision.corrected and state.mark_once(sweep_id, "historyRecordedAt", now):
            state.record_history(record_corrections(history, decision.corrected, now), now)
        report = Report(
            sweep_id=sweep_id,
            trigger=trigger,
            started=datetime.fromisoformat(str(manifest["startedAt"])),
            finished=datetime.now(UTC),
            lines=decision.lines,
            documents=documents.summaries(),
            location=reports.location(sweep_id),
            halted=decision.halted,
            correction=settings.correction,
            limit_percent=None if targeted else settings.correction_limit_percent,
            throttled=state.throttles(sweep_id),
            unit_keys=[]
            if targeted
            else documents.units(runtime.own_account, settings.region, runtime.allowed()),
        )
        reports.put(sweep_id, "targets.jsonl", report.targets_jsonl(), "application/x-ndjson")
        document = report.document()
        reports.put(sweep_id, "report.json", json.dumps(document, indent=2, default=str))
        reports.put(sweep_id, "summary.md", report.summary_md(), "text/markdown")
        summary = {
            "sweepId": sweep_id,
            "trigger": trigger,
            "totals": document["totals"],
            "halted": decision.halted,
            "location": report.location,
            "corrections": len(decision.corrections),
        }
        publisher = runtime.publisher()
        if decision.halted:
            publisher.publish(
                [{**summary, "limitPercent": settings.correction_limit_percent}], detail_type=HALTED
            )
            _metric("DriftSweepsHalted", 1)
        publisher.publish([summary], detail_type=COMPLETED)
    except BaseException:
        state.release_finalize(sweep_id)
        raise
    _metric("DriftCorrectionsQueued", len(decision.corrections))
    _metric("DriftCorrectionsSuppressed", sum(1 for line in decision.lines if line.get("suppressed")))
    _metric("DriftSweepsCompleted", 1)
    if not targeted:
        units = {(line["target"]["accountId"], line["target"]["region"]) for line in lines}
        oldest = state.oldest_check(units)
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        _metric("DriftOldestUncheckedAge", max(age, 0.0), unit=MetricUnit.Seconds)
    logger.info(
        "drift sweep completed",
        extra={k: v for k, v in summary.items() if k != "totals"} | {"totals": document["totals"]},
    )
    return report


# -- 2b. the pools' bundles --


def _queue_bundles(runtime: DriftRuntime, sweep_id: str, account: str, region: str) -> None:
    """Queue the bundle pass of a finished unit (when ``DRIFT_STORE_BUNDLES`` is on). A failure to queue it
    is recorded as a bundle error, never as the unit's: the drift lines are written already."""
    if not runtime.settings.store_bundles:
        return
    message = {"type": BUNDLES, "sweepId": sweep_id, "accountId": account, "region": region, "part": 0}
    try:
        _send_batch(runtime, runtime.settings.work_queue_url, [message])
    except PoolpatchError as error:
        _bundle_failed(account, region, None, error.code, error.describe())


@dataclass
class BundlePass:
    """What one invocation of a bundle pass did: references stored, pools unchanged, pools failed (by
    error code) and the pool the continuation starts after (None: the pass is complete)."""

    stored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    continues_after: str | None = None


def run_bundles(
    runtime: DriftRuntime, message: Mapping[str, Any], remaining_ms: Callable[[], int]
) -> BundlePass:
    """Store the bundle of every pool a unit of a sweep checked, when it changed (design.md, "Drift").

    The pools are those of the unit's report lines (:func:`~poolpatch.drift.bundles.checked_pools`), in
    id order after the message's cursor, read with the unit's paced reader (the reads of ``poolpatch
    export --all``). The pass stops :data:`TIME_MARGIN_MS` before the timeout, even in the middle of a
    pool, and continues in a new message after the last pool done; a pool whose bundle does not fit in
    one whole invocation is recorded as ``OutOfTime`` and passed. A pool whose bundle cannot be read or
    stored is recorded (an error log and ``DriftBundleErrors`` by code) and the pass goes on: its drift
    lines, written before the pass was queued, are not affected. A pool deleted since is skipped.
    """
    done = BundlePass()
    settings = runtime.settings
    sweep_id, account, region = str(message["sweepId"]), str(message["accountId"]), str(message["region"])
    if not settings.store_bundles:
        logger.info("bundle storage is off: bundle pass dropped", extra={"sweep_id": sweep_id})
        return done
    cursor = Cursor.from_dict(message.get("cursor"))
    after = cursor.user_pool_id if cursor is not None else ""
    lines = runtime.reports().parts(sweep_id, unit=_unit_name(account, region))
    pools = [pool for pool in checked_pools(lines) if pool > after]
    throttled = runtime.throttled()
    try:
        if pools:
            _bundle_pools(runtime, account, region, pools, remaining_ms=remaining_ms, done=done)
    finally:
        if runtime.throttled() > throttled:
            _metric("DriftThrottles", runtime.throttled() - throttled)
        _metric("DriftBundlesStored", len(done.stored))
    if done.continues_after is not None:
        continuation = {
            **message,
            "cursor": Cursor(done.continues_after).to_dict(),
            "part": int(message.get("part", 0)) + 1,
        }
        _send_batch(runtime, settings.work_queue_url, [continuation])
    logger.info(
        "drift bundle pass",
        extra={
            "sweep_id": sweep_id,
            "unit": _unit_name(account, region),
            "stored": done.stored,
            "unchanged": len(done.unchanged),
            "failed": done.failed,
            "continues_after": done.continues_after,
        },
    )
    return done


def _bundle_pools(
    runtime: DriftRuntime,
    account: str,
    region: str,
    pools: Sequence[str],
    *,
    remaining_ms: Callable[[], int],
    done: BundlePass,
) -> None:
    """Read and store each pool's bundle until done or near the timeout (``done.continues_after``)."""

    def should_stop() -> bool:
        return remaining_ms() < TIME_MARGIN_MS

    try:
        reader = StoppingReader(runtime.reader(account, region), should_stop)
    except PoolpatchError as error:  # the read role cannot be assumed (the unit was checked just before)
        _bundle_failed(account, region, None, error.code, error.describe())
        return
    store = S3SnapshotStore(runtime.client("s3"), runtime.settings.snapshot_bucket)
    last = ""
    for pool in pools:
        if should_stop():
            done.continues_after = last
            return
        try:
            reference = store_pool_bundle(
                reader, store, account_id=account, region=region, user_pool_id=pool, at=datetime.now(UTC)
            )
        except OutOfTime:
            if pool == pools[0]:  # it had a whole invocation: it would never fit
                message = "The pool's bundle could not be read within one invocation at DriftReadsPerSecond."
                _bundle_failed(account, region, pool, "OutOfTime", message)
                done.failed[pool] = "OutOfTime"
                last = pool
            done.continues_after = last
            return
        except NotFound:
            logger.info("pool gone before its bundle was read", extra={"user_pool_id": pool})
        except PoolpatchError as error:
            _bundle_failed(account, region, pool, error.code, error.describe())
            done.failed[pool] = error.code
        else:
            if reference is None:
                done.unchanged.append(pool)
            else:
                done.stored.append(reference)
        last = pool


def _bundle_failed(account: str, region: str, pool: str | None, code: str, message: str) -> None:
    logger.error(
        "pool bundle not stored",
        extra={
            "account": account,
            "region": region,
            "user_pool_id": pool,
            "error": {"code": code, "message": message},
        },
    )
    _metric("DriftBundleErrors", 1, code=code)


# -- 3. CloudTrail --


def enqueue_check(runtime: DriftRuntime, event: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a CloudTrail event for a Cognito write into one delayed, deduplicated targeted check."""
    target, reason = cloudtrail_target(
        event, write_role=runtime.settings.target_role_name.removesuffix("-read")
    )
    if target is None:
        logger.info("cloudtrail event ignored", extra={"reason": reason, "event_name": _event_name(event)})
        return {"ignored": reason}
    if target["accountId"] not in runtime.allowed():
        logger.warning("cloudtrail event from an account not allowed", extra={"account": target["accountId"]})
        return {"ignored": "account not allowed"}
    window = int(_write_time(event).timestamp()) // DEBOUNCE_SECONDS
    key = "/".join(str(target.get(k, "")) for k in ("accountId", "region", "userPoolId", "clientId", "name"))
    key += "#" + ",".join(sorted(target.get("kinds", [])))
    try:
        runtime.client("sqs").send_message(
            QueueUrl=runtime.settings.check_queue_url,
            MessageBody=json.dumps({"type": "check", **target}),
            # One group per account and Region: its checks run one at a time, so they add at most one
            # container's paced reads to the account's quota.
            MessageGroupId=f"{target['accountId']}/{target['region']}",
            MessageDeduplicationId=hashlib.sha256(f"{key}#{window}".encode()).hexdigest(),
        )
    except (ClientError, BotoCoreError) as exc:
        raise ServiceError(f"SendMessage to the drift check queue failed: {exc}", retryable=True) from None
    _metric("DriftChecksQueued", 1)
    return {"queued": target}


def _write_time(event: Mapping[str, Any]) -> datetime:
    """When the write happened: CloudTrail's ``eventTime``, else the envelope's ``time``, else now.

    The debounce window is the write's, not the arrival's: writes of one burst share it however slowly they
    are delivered, and an event EventBridge delivers twice falls in its first delivery's window.
    """
    detail = event.get("detail")
    candidates = (detail.get("eventTime") if isinstance(detail, Mapping) else None, event.get("time"))
    for value in candidates:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)  # both are UTC, with a Z
            except ValueError:
                continue
    return datetime.now(UTC)


def cloudtrail_target(
    event: Mapping[str, Any], *, write_role: str | None = None
) -> tuple[dict[str, Any] | None, str]:
    """The pool (and app client, kinds and name) a CloudTrail Cognito write event names, or None with the
    reason. ``kinds`` (sorted) is left out when the check covers every kind; ``name`` names the resource of
    a named kind (left out when the event's value is not a valid name: every resource of the kind).

    poolpatch's own writes are sessions with ``sourceIdentity: poolpatch`` of the target role
    ``write_role`` (any principal allowed ``sts:SetSourceIdentity`` could claim the source identity alone).
    """
    detail = event.get("detail")
    if not isinstance(detail, Mapping) or detail.get("eventSource") != "cognito-idp.amazonaws.com":
        return None, "not a Cognito CloudTrail event"
    if detail.get("errorCode"):
        return None, "the call failed"
    if detail.get("readOnly") is True:
        return None, "a read"
    event_name = detail.get("eventName")
    if not isinstance(event_name, str) or event_name not in CHECKED_WRITES:
        return None, "not a write drift checks"
    identity = detail.get("userIdentity")
    context = identity.get("sessionContext") if isinstance(identity, Mapping) else None
    if isinstance(context, Mapping) and context.get("sourceIdentity") == SOURCE_IDENTITY:
        issuer = str(_nested(context, "sessionIssuer", "arn") or "")
        if write_role is None or issuer.endswith(f"/{write_role}"):
            return None, "poolpatch's own write"
    request = _object(detail.get("requestParameters"))
    response = _object(detail.get("responseElements"))
    pool = (
        request.get("userPoolId")
        or _pool_from_arn(request.get("resourceArn"))
        or _nested(response, "userPool", "id")
    )
    client = request.get("clientId") or _nested(response, "userPoolClient", "clientId")
    account = detail.get("recipientAccountId") or event.get("account")
    region = detail.get("awsRegion") or event.get("region")
    if not isinstance(pool, str) or not USER_POOL_ID.fullmatch(pool) or len(pool) > 55:
        return None, "no user pool id"
    if not (isinstance(account, str) and account.isdigit() and len(account) == 12):
        return None, "no account or Region"
    if not (isinstance(region, str) and len(region) <= 32 and REGION.fullmatch(region)):
        return None, "no account or Region"
    target: dict[str, Any] = {"accountId": account, "region": region, "userPoolId": pool}
    if (
        event_name not in _EVERY_CLIENT
        and isinstance(client, str)
        and client != _HIDDEN
        and CLIENT_ID.fullmatch(client)
        and len(client) <= 128
    ):
        target["clientId"] = client
    kinds, name_member = CHECKED_WRITES[event_name]
    if kinds is not None:
        target["kinds"] = sorted(kinds)
    name = request.get(name_member) if name_member else None
    named = [kind for kind in sorted(kinds or ()) if spec(kind).named]
    if isinstance(name, str) and named and _valid_name(named[0], name):
        target["name"] = name
    return target, ""


def _valid_name(kind: str, name: str) -> bool:
    """Whether ``name`` is a valid name of a resource of ``kind`` (as a change request's target.name)."""
    try:
        parse_target({"userPoolId": "us-east-1_placeholder", "kind": kind, "name": name})
    except PoolpatchError:
        return False
    return True


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _pool_from_arn(value: Any) -> str | None:
    if isinstance(value, str) and ":userpool/" in value:
        return value.rsplit("/", 1)[-1]
    return None


def _nested(value: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None  # type: ignore[assignment]
    return value


def _event_name(event: Mapping[str, Any]) -> str:
    detail = event.get("detail")
    return str(detail.get("eventName", "")) if isinstance(detail, Mapping) else ""


# -- helpers --


def _covering(runtime: DriftRuntime, documents: DocumentSet, account: str, region: str) -> list[Document]:
    return documents.covering(
        account,
        region,
        own_account=runtime.own_account,
        own_region=runtime.settings.region,
        allowed=runtime.allowed(),
    )


def _latest_per_target(lines: Sequence[Line]) -> list[Line]:
    """One line per target (and per unit error), the last written: two chains of one unit (a redelivered
    message beside its continuation) may both have checked a target."""
    latest: dict[tuple[str, ...], Line] = {}
    for line in lines:
        target = line["target"]
        operation = str((line.get("error") or {}).get("operation", ""))
        key = (
            *(str(target.get(k, "")) for k in ("accountId", "region", "userPoolId", "clientId", "kind")),
            str(target.get("name", "")),
            operation,
        )
        latest[key] = line
    return list(latest.values())


def _event_line(line: Line, sweep_id: str) -> dict[str, Any]:
    return {**{k: v for k, v in line.items() if k != "proposal"}, "sweepId": sweep_id}


def _unit_name(account: str, region: str) -> str:
    return f"{account}-{region}"


def _send_batch(runtime: DriftRuntime, queue_url: str, messages: Sequence[Mapping[str, Any]]) -> None:
    sqs = runtime.client("sqs")
    for start in range(0, len(messages), 10):
        entries = [
            {"Id": str(index), "MessageBody": json.dumps(message)}
            for index, message in enumerate(messages[start : start + 10])
        ]
        try:
            response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except (ClientError, BotoCoreError) as exc:
            raise ServiceError(
                f"SendMessageBatch to the drift work queue failed: {exc}", retryable=True
            ) from None
        if response.get("Failed"):
            raise ServiceError(
                f"{len(response['Failed'])} drift work message(s) were not sent.", retryable=True
            )


def _metric(name: str, value: float, *, unit: MetricUnit = MetricUnit.Count, code: str | None = None) -> None:
    if code is None:
        metrics.add_metric(name=name, unit=unit, value=value)
        return
    with single_metric(name=name, unit=unit, value=value, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="service", value=metrics.service or "poolpatch")
        metric.add_dimension(name="Code", value=code)


@cache
def runtime_for(settings: DriftSettings, own_account: str) -> DriftRuntime:
    """One runtime per container (settings are frozen and cached, so this is built once)."""
    return DriftRuntime(settings=settings, own_account=own_account)
