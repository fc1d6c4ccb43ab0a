"""A target's change history, read from its before/after snapshots (design.md, "Whole-pool bundle, diff
and clone": ``poolpatch history``).

Pure over a :class:`~poolpatch.adapters.snapshots.DocumentStore`: the keys below
:func:`~poolpatch.adapters.snapshots.subject_prefix` are listed once, paired by key alone, and only the
before and after snapshot of each entry are read (nothing else below the prefix, and nothing twice).

**Pairing.** Each ``{yyyymmddTHHMMSSZ}-{requestId}/before.json`` is one entry. Its after snapshot is the
``after.json`` of the same folder; failing that, the ``after.json`` of a later folder of the same request
that has no before snapshot of its own, before the request's next before snapshot (crash recovery writes
the after snapshot of an interrupted write there, into a new write-once folder). A later after-only folder
of a request whose entry already has its after snapshot re-records a change already listed (a redelivered
request that found its write done) and adds no entry. An after snapshot that no before snapshot claims is
listed on its own (once per request), with ``before: null``, no changes (nothing to compare it with) and a
warning.

**An entry without an after snapshot** (``after: null``) is a write whose outcome was never recorded: it
failed, was interrupted, or was re-planned because another writer moved the target (the request's next
entry is then the write). Its changes are those its before snapshot's ``intent`` meant to make.

**Changes** are JSON Pointer paths only, never values: where the before and after update documents differ
(:func:`poolpatch.plan.diff`, ids left out), or the before and the intended document when there is no
after snapshot; then the secrets the intent recorded as changed (``intent.secretsChanged``: snapshots
hold every secret as ``"<redacted>"``, so the documents alone cannot show a secret change) and the custom
attributes it added (``/SchemaAttributes/custom:...``, as results report them).

**Time** is the before snapshot's ``capturedAt`` as recorded (the after snapshot's for an entry without a
before, the key's time when neither records one); entries are newest first by that time.

**Unreadable or foreign files** (a key not of the layout above, a body that is not a snapshot of this
target, a read that fails) are skipped with a warning naming the file, never its content; a snapshot
skipped that way counts as missing for its entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from poolpatch.adapters.snapshots import DocumentStore, parse_stamp, subject_prefix
from poolpatch.attributes import attribute_changes
from poolpatch.errors import PoolpatchError
from poolpatch.kinds import Kind, spec
from poolpatch.pipeline import strip_ids
from poolpatch.plan import diff
from poolpatch.pointer import related
from poolpatch.request import REQUEST_ID, Target

_PHASES = ("before.json", "after.json")


@dataclass(frozen=True)
class Entry:
    """One change of the target: its request, the paths it changed and its snapshots' references."""

    time: str
    request_id: str
    reason: str
    requested_by: str
    changes: tuple[str, ...]
    before: str | None
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        """The ``entries[]`` item of ``history --output json``."""
        return {
            "time": self.time,
            "requestId": self.request_id,
            "reason": self.reason,
            "requestedBy": self.requested_by,
            "changes": list(self.changes),
            "before": self.before,
            "after": self.after,
        }


@dataclass
class History:
    """The entries, newest first, and a warning per file skipped."""

    entries: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"entries": [...]}``: the document ``history --output json`` prints."""
        return {"entries": [entry.to_dict() for entry in self.entries]}


@dataclass
class _Slot:
    """One entry's snapshot keys while the keys are paired."""

    folder: str
    request_id: str
    moment: datetime  # the key's time
    before: str | None = None
    after: str | None = None


def history(store: DocumentStore, target: Target) -> History:
    """``target``'s changes from its snapshots in ``store``, newest first.

    ``target`` must be resolved (account and Region known: they are part of the key prefix). Listing the
    store may raise (``SnapshotFailed``: no such bucket, no permission); a file that cannot be read or is
    not a snapshot of ``target`` is a warning, never an error.
    """
    if not target.account_id or not target.region:
        raise ValueError("history needs a resolved target (account and Region)")
    prefix = subject_prefix(target)
    out = History()
    slots = _pair(store.list_keys(prefix), prefix, store, out.warnings)
    ordered: list[tuple[datetime, str, Entry]] = []
    for slot in slots:
        made = _entry(store, target, slot, out.warnings)
        if made is not None:
            ordered.append((made[0], slot.folder, made[1]))
    ordered.sort(key=lambda item: (item[0], item[1]), reverse=True)
    out.entries = [entry for _, _, entry in ordered]
    return out


def _pair(keys: Iterable[str], prefix: str, store: DocumentStore, warnings: list[str]) -> list[_Slot]:
    """Group the snapshot keys into entries (see the module's "Pairing"), by key alone: nothing is read."""
    folders: dict[str, tuple[datetime, str, dict[str, str]]] = {}
    for key in keys:
        folder, _, name = key.removeprefix(prefix).partition("/")
        parsed = _parse_folder(folder) if key.startswith(prefix) and name in _PHASES else None
        if parsed is None:
            warnings.append(f"skipped {store.reference(key)}: not a before.json or after.json of poolpatch")
            continue
        folders.setdefault(folder, (*parsed, {}))[2][name] = key
    slots: list[_Slot] = []
    waiting: dict[str, _Slot] = {}  # request id -> its latest entry, while that has no after snapshot
    complete: set[str] = set()  # request ids whose latest entry has its after snapshot
    for folder in sorted(folders):
        moment, request_id, phases = folders[folder]
        if "before.json" in phases:
            slot = _Slot(folder, request_id, moment, phases["before.json"], phases.get("after.json"))
            slots.append(slot)
            if slot.after is None:
                waiting[request_id] = slot
                complete.discard(request_id)
            else:
                waiting.pop(request_id, None)
                complete.add(request_id)
        elif request_id in waiting:
            waiting.pop(request_id).after = phases["after.json"]
            complete.add(request_id)
        elif request_id not in complete:
            slots.append(_Slot(folder, request_id, moment, after=phases["after.json"]))
            complete.add(request_id)
    return slots


def _parse_folder(folder: str) -> tuple[datetime, str] | None:
    """``{yyyymmddTHHMMSSZ}-{requestId}`` as its time and request id; None for any other name."""
    stamp, dash, request_id = folder[:16], folder[16:17], folder[17:]
    if dash != "-" or not REQUEST_ID.fullmatch(request_id):
        return None
    moment = parse_stamp(stamp)
    return None if moment is None else (moment, request_id)


def _entry(
    store: DocumentStore, target: Target, slot: _Slot, warnings: list[str]
) -> tuple[datetime, Entry] | None:
    """Read the slot's snapshots and build its entry; None when neither can be read."""
    before = _read(store, target, slot.before, warnings)
    after = _read(store, target, slot.after, warnings)
    recorded = before if before is not None else after
    if recorded is None:
        return None
    if slot.before is None and slot.after is not None:
        warnings.append(f"{store.reference(slot.after)} has no before snapshot: listed without changes")
    moment, time = _captured(recorded, slot.moment)
    request = recorded.get("request")
    request = request if isinstance(request, Mapping) else {}
    entry = Entry(
        time=time,
        request_id=slot.request_id,
        reason=_text(request.get("reason")),
        requested_by=_text(request.get("requestedBy")),
        changes=tuple(_changes(target.kind, before, after)) if before is not None else (),
        before=store.reference(slot.before) if before is not None and slot.before else None,
        after=store.reference(slot.after) if after is not None and slot.after else None,
    )
    return moment, entry


def _read(
    store: DocumentStore, target: Target, key: str | None, warnings: list[str]
) -> dict[str, Any] | None:
    """The snapshot at ``key`` when it is one of ``target``'s; else None, with a warning (no content)."""
    if key is None:
        return None
    where = store.reference(key)
    try:
        document = store.read_document(key)
    except PoolpatchError as error:
        warnings.append(f"skipped {where}: unreadable ({error.code})")
        return None
    if document is None:
        warnings.append(f"skipped {where}: it disappeared while the history was read")
        return None
    if not isinstance(document.get("updateDocument"), Mapping) or not _recorded_for(document, target):
        warnings.append(f"skipped {where}: not a poolpatch snapshot of this target")
        return None
    return document


def _recorded_for(snapshot: Mapping[str, Any], target: Target) -> bool:
    """The snapshot records ``target`` (pool, client, name and kind), as ``apply --restore`` requires."""
    recorded = snapshot.get("target")
    if not isinstance(recorded, Mapping):
        return False
    expected = target.to_dict()
    kind = recorded.get("kind") or ("client" if recorded.get("clientId") else "pool")
    return kind == target.kind and all(
        recorded.get(name) == expected.get(name) for name in ("userPoolId", "clientId", "name")
    )


def _captured(snapshot: Mapping[str, Any], fallback: datetime) -> tuple[datetime, str]:
    """The snapshot's ``capturedAt`` (as recorded, and as a time to sort by); the key's time without it."""
    text = snapshot.get("capturedAt")
    if isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), text
    return fallback, fallback.isoformat()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _changes(kind: Kind, before: Mapping[str, Any], after: Mapping[str, Any] | None) -> list[str]:
    """The paths the entry changed (see the module's "Changes"); ``before`` is a checked snapshot."""
    intent = before.get("intent")
    intent = intent if isinstance(intent, Mapping) else {}
    old = strip_ids(kind, before["updateDocument"])
    if after is not None:
        new: Mapping[str, Any] | None = after["updateDocument"]
    else:
        intended = intent.get("updateDocument")
        new = intended if isinstance(intended, Mapping) else None
    paths = [change.path for change in diff(old, strip_ids(kind, new))] if new is not None else []
    secrets = spec(kind).secrets
    recorded = intent.get("secretsChanged")
    for pointer in recorded if isinstance(recorded, list) else []:
        if (
            isinstance(pointer, str)
            and any(related(pointer, secret) for secret in secrets)
            and pointer not in paths
        ):
            paths.append(pointer)
    added = intent.get("addCustomAttributes")
    if isinstance(added, list) and all(isinstance(item, Mapping) for item in added):
        paths.extend(change.path for change in attribute_changes(added) if change.path not in paths)
    return paths
