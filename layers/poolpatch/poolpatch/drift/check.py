"""Checking targets: one unit of work (an account and Region) walked pool by pool, resumable.

For each pool the unit's documents may select, one ``DescribeUserPool`` gives its configuration and its
tags (selectors, the ``poolpatch:drift`` guard, ownership); app clients are listed only when a client
document selects the pool, and described only when a document selects them. Every target becomes one
*line* (design.md, "Report": ``targets.jsonl``); a drifted target whose deciding documents say
``correct`` also carries a *proposal*, the correction the sweep may queue once every unit is done.

The plan is the engine's own: :func:`poolpatch.engine.apply_patch` over the live document, then
:func:`poolpatch.plan.diff`; drift is exactly what a change request with the desired patch would change.
The walk keeps a cursor, the last target finished, so a unit that runs out of time continues from there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from poolpatch import model
from poolpatch.adapters.cognito import Described
from poolpatch.drift.documents import DRIFT_TAG, Document
from poolpatch.drift.resolve import Resolution, resolve
from poolpatch.engine import apply_patch, guard_unknown_members, live_document
from poolpatch.errors import NotFound, PoolpatchError
from poolpatch.ownership import owner_of
from poolpatch.plan import MISSING, Change, diff
from poolpatch.request import Target

Line = dict[str, Any]


class FleetReader(Protocol):
    """The reads a unit of work makes in one account and Region (paced by the adapter)."""

    def list_pools(self) -> list[Mapping[str, Any]]:
        """ListUserPools, every page: ``Id`` and ``Name`` of each pool."""
        ...

    def list_clients(self, user_pool_id: str) -> list[Mapping[str, Any]]:
        """ListUserPoolClients, every page: ``ClientId`` and ``ClientName`` of each app client."""
        ...

    def describe(self, target: Target) -> Described:
        """DescribeUserPool or DescribeUserPoolClient."""
        ...


@dataclass(frozen=True)
class Cursor:
    """The last target finished: a pool id, and an app client id once the pool's clients began."""

    user_pool_id: str
    client_id: str = ""

    def to_dict(self) -> dict[str, str]:
        """JSON form (continuation messages)."""
        return {"userPoolId": self.user_pool_id, "clientId": self.client_id}

    @classmethod
    def from_dict(cls, value: Mapping[str, Any] | None) -> Cursor | None:
        """The inverse of :meth:`to_dict`; ``None`` for no cursor."""
        if not value:
            return None
        return cls(str(value["userPoolId"]), str(value.get("clientId") or ""))


@dataclass
class Unit:
    """What one unit of work checks: an account and Region, the documents covering it, and optionally a
    single pool (or app client) for a targeted check."""

    account_id: str
    region: str
    documents: Sequence[Document]
    only_pool: str | None = None
    only_client: str | None = None


@dataclass
class Progress:
    """A walk's output: the lines, and where it stopped (``finished`` when the whole unit is done)."""

    lines: list[Line] = field(default_factory=list)
    cursor: Cursor | None = None
    finished: bool = False


def walk_unit(
    unit: Unit,
    reader: FleetReader,
    *,
    after: Cursor | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Progress:
    """Check the unit's targets in pool id order from ``after``; stop early when ``should_stop()``."""
    return _Walk(unit, reader, after, should_stop).run()


@dataclass
class _Walk:
    unit: Unit
    reader: FleetReader
    after: Cursor | None
    should_stop: Callable[[], bool]
    progress: Progress = field(default_factory=Progress)

    def run(self) -> Progress:
        self.progress.cursor = self.after
        pools = sorted(str(pool["Id"]) for pool in self.reader.list_pools())
        if self.unit.only_pool is not None:
            pools = [pool for pool in pools if pool == self.unit.only_pool]
        for pool_id in pools:
            if self.after is not None and pool_id < self.after.user_pool_id:
                continue
            if not any(document.selector.may_select_pool(pool_id) for document in self.unit.documents):
                continue
            if self.should_stop() or not self._pool(pool_id):
                return self.progress
        self.progress.finished = True
        return self.progress

    def _resumed(self, pool_id: str) -> bool:
        return self.after is not None and pool_id == self.after.user_pool_id

    def _pool(self, pool_id: str) -> bool:
        """Check one pool and its selected clients; False when stopped part-way."""
        unit, lines = self.unit, self.progress.lines
        target = Target(pool_id, account_id=unit.account_id, region=unit.region)
        resumed = self._resumed(pool_id)
        self.progress.cursor = self.after if resumed else Cursor(pool_id)
        try:
            described = self.reader.describe(target)
        except NotFound:
            return True  # deleted since the listing: not a target any more
        except PoolpatchError as error:
            if not resumed:
                lines.append(error_line(target, error))
            return True
        tags = dict(described.parsed.get("UserPoolTags") or {})
        selecting = [d for d in unit.documents if d.selector.selects_pool(pool_id, tags)]
        if not selecting or (resumed and tags.get(DRIFT_TAG) == "ignore"):
            return True
        owner = owner_of(tags)
        if tags.get(DRIFT_TAG) == "ignore":
            lines.append(_line(target, "ignored", owner=owner, documents=selecting))
            return True
        pool_documents = [d for d in selecting if d.kind == "pool"]
        if pool_documents and not resumed and unit.only_client is None:
            guard = tags.get(DRIFT_TAG, "")
            lines.append(check_target(target, described, pool_documents, owner=owner, guard=guard))
        client_documents = [d for d in selecting if d.kind == "client"]
        return self._clients(target, client_documents, tags) if client_documents else True

    def _clients(self, pool: Target, documents: Sequence[Document], tags: Mapping[str, str]) -> bool:
        try:
            clients = sorted(self.reader.list_clients(pool.user_pool_id), key=lambda c: str(c["ClientId"]))
        except PoolpatchError as error:
            if not self._resumed(pool.user_pool_id):  # the first invocation reported it already
                self.progress.lines.append(error_line(pool, error, clients=True))
            return True
        after = self.after
        done = after.client_id if after is not None and self._resumed(pool.user_pool_id) else ""
        only = self.unit.only_client
        for client in clients:
            client_id, name = str(client["ClientId"]), str(client.get("ClientName", ""))
            selecting = [d for d in documents if d.selector.selects_client(client_id, name)]
            if client_id <= done or (only is not None and client_id != only) or not selecting:
                continue
            if self.should_stop():
                return False
            target = Target(pool.user_pool_id, client_id, pool.account_id, pool.region)
            try:
                described = self.reader.describe(target)
            except NotFound:
                pass  # deleted since the listing
            except PoolpatchError as error:
                self.progress.lines.append(error_line(target, error))
            else:
                self.progress.lines.append(
                    check_target(
                        target, described, selecting, owner=owner_of(tags), guard=tags.get(DRIFT_TAG, "")
                    )
                )
            self.progress.cursor = Cursor(pool.user_pool_id, client_id)
        return True


def check_target(
    target: Target,
    described: Described,
    documents: Sequence[Document],
    *,
    owner: Mapping[str, str] | None = None,
    guard: str = "",
) -> Line:
    """Compare one target with the documents selecting it: its line, with a proposal when correctable."""
    resolution = resolve(documents)
    try:
        changes = drift_changes(target.kind, described, resolution.patch) if resolution.patch else []
    except PoolpatchError as error:
        return error_line(target, error, documents=documents)
    drift = [_drift_entry(change, resolution) for change in changes]
    status = "conflict" if resolution.conflicts else "drifted" if drift else "in-sync"
    line = _line(target, status, owner=owner, documents=documents)
    line["drift"] = drift
    if resolution.conflicts:
        line["conflicts"] = [conflict.to_dict() for conflict in resolution.conflicts]
    modified = described.parsed.get("LastModifiedDate")
    if isinstance(modified, datetime):
        line["lastModifiedDate"] = _iso(modified)
    if not drift:
        return line
    guards: list[str] = []
    proposal = _proposal(target, described, resolution, changes, owned=owner is not None)
    if proposal is not None and guard == "report":
        guards.append("tag")
        proposal = None
    if proposal is None and owner is not None:
        # A stack's pool is reported as its stack's; the guard is named when it is what blocked a correction.
        if resolution.correctable(owned=False):
            guards.append("owned")
        if status == "drifted":
            line["status"] = "owned"
    if guards:
        line["guards"] = guards
    if proposal is not None:
        line["proposal"] = proposal
    return line


def drift_changes(kind: Any, described: Described, patch: Mapping[str, Any]) -> list[Change]:
    """What a change request with ``patch`` would change on the described target (the engine's plan)."""
    guard_unknown_members(kind, described)
    live = live_document(kind, described.parsed)
    desired, _ = apply_patch(kind, live, patch, described.parsed)
    return diff(live, desired)


def _proposal(
    target: Target, described: Described, resolution: Resolution, changes: Iterable[Change], *, owned: bool
) -> dict[str, Any] | None:
    """The correction for the drifted pointers every deciding document lets be corrected, or None."""
    correctable = resolution.correctable(owned=owned)
    if not correctable:
        return None
    try:
        corrected = drift_changes(target.kind, described, correctable)
    except PoolpatchError:
        return None  # the correctable part alone does not plan (a coupled member is report-only)
    paths = {change.path for change in changes}
    if not any(change.path in paths for change in corrected):
        return None
    deciding = sorted({d.name for change in corrected for d in resolution.deciders_of(change.path)})
    return {
        "patch": correctable,
        "pointers": [change.path for change in corrected],
        "documents": deciding,
    }


def _drift_entry(change: Change, resolution: Resolution) -> dict[str, Any]:
    deciders = resolution.deciders_of(change.path)
    entry: dict[str, Any] = {"path": change.path}
    if change.after is not MISSING:
        entry["desired"] = change.after
    if change.before is not MISSING:
        entry["live"] = change.before
    entry["document"] = deciders[0].name if deciders else None
    if len(deciders) > 1:
        entry["documents"] = [document.name for document in deciders]
    return entry


def error_line(
    target: Target,
    error: PoolpatchError,
    *,
    documents: Sequence[Document] = (),
    clients: bool = False,
) -> Line:
    """A target (or, for ``clients``, a pool's client listing) that could not be checked."""
    line = _line(target, "error", documents=documents)
    line["error"] = {"code": error.code, "message": error.describe()}
    if clients:
        line["error"]["operation"] = "ListUserPoolClients"
    return line


def unit_error_line(account_id: str, region: str, error: PoolpatchError) -> Line:
    """A whole unit that could not be checked (its role could not be assumed, its pools not listed)."""
    return {
        "target": {"accountId": account_id, "region": region},
        "status": "error",
        "drift": [],
        "error": {"code": error.code, "message": error.describe()},
    }


def signature(line: Mapping[str, Any]) -> str:
    """A digest of a line's drift (paths and values): a new signature means the drift changed."""
    drift = [(entry["path"], entry.get("desired"), entry.get("live")) for entry in line.get("drift", [])]
    text = json.dumps(drift, sort_keys=True, default=model.json_default)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def target_key(target: Mapping[str, Any]) -> str:
    """``{userPoolId}`` or ``{userPoolId}/{clientId}``: a target's key within its account and Region."""
    client = target.get("clientId")
    return f"{target['userPoolId']}/{client}" if client else str(target["userPoolId"])


def _line(
    target: Target,
    status: str,
    *,
    owner: Mapping[str, str] | None = None,
    documents: Sequence[Document] = (),
) -> Line:
    line: Line = {"target": target.to_dict(), "kind": target.kind, "status": status, "drift": []}
    if documents:
        line["documents"] = sorted({document.name for document in documents})
    if owner is not None:
        line["owner"] = dict(owner)
    return line


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds")
