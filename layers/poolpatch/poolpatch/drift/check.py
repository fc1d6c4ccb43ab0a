"""Checking targets: one unit of work (an account and Region) walked pool by pool, resumable.

For each pool the unit's documents may select, one ``DescribeUserPool`` gives its configuration and its
tags (selectors, the ``poolpatch:drift`` guard, ownership); it is also the ``pool`` context the rules of
``mfa``, ``riskConfiguration``, ``uiCustomization`` and ``logDelivery`` read. Then, in a fixed order, the
pool's other kinds that a document selects: named kinds are listed (``ListIdentityProviders``,
``ListResourceServers``, ``ListGroups``, every page; domains from the pool's ``Domain`` and
``CustomDomain``) and each selected one is read with its kind's read operation. App clients are listed
only when a client-level document selects the pool, and read only when a document selects them. Every
target becomes one *line* (design.md, "Report": ``targets.jsonl``); a drifted target whose deciding
documents say ``correct`` also carries a *proposal*, the correction the sweep may queue once every unit
is done.

The plan is the pipeline's own: :func:`poolpatch.pipeline.plan_change` over the target's own description
(with the context kinds its rules read); drift is exactly what a change request with the desired patch
would change. Secret values (an identity provider's ``client_secret``) are shown as ``"<redacted>"``.
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
from poolpatch.errors import NotFound, PoolpatchError
from poolpatch.kinds import ALL_KINDS, Kind, spec
from poolpatch.ownership import owner_of
from poolpatch.pipeline import guard_unknown_members, own_description, plan_change
from poolpatch.plan import MISSING, Change
from poolpatch.request import Target
from poolpatch.snapshot import redact_changes

Line = dict[str, Any]

#: Position of a kind among a pool's (or an app client's) targets: the walk's order and the cursor's.
_RANK: dict[str, int] = {kind: index for index, kind in enumerate(ALL_KINDS)}
#: The app clients' listing comes after every pool-level target.
_CLIENTS_RANK = len(ALL_KINDS)
#: Kinds of an app client, in walk order (``client`` first: its own line, then its settings).
_CLIENT_ORDER: tuple[Kind, ...] = tuple(
    kind for kind in ALL_KINDS if spec(kind).client in ("identifies", "required", "optional")
)
Position = tuple[str, int, str]


class FleetReader(Protocol):
    """The reads a unit of work makes in one account and Region (paced by the adapter)."""

    def list_pools(self) -> list[Mapping[str, Any]]:
        """ListUserPools, every page: ``Id`` and ``Name`` of each pool."""
        ...

    def list_clients(self, user_pool_id: str) -> list[Mapping[str, Any]]:
        """ListUserPoolClients, every page: ``ClientId`` and ``ClientName`` of each app client."""
        ...

    def list_names(self, user_pool_id: str, kind: Kind) -> list[str]:
        """The names of a listable named kind's resources in a pool (its list operation, every page)."""
        ...

    def list_described(self, user_pool_id: str, kind: Kind) -> dict[str, Described]:
        """A kind listed whole (``KindSpec.listed_whole``): every resource by name, as its read shows it."""
        ...

    def describe(self, target: Target) -> Described:
        """The read operation of the target's kind (DescribeUserPool, GetGroup...)."""
        ...


def _position(client_id: str, kind: str, name: str) -> Position:
    kind = kind or ("client" if client_id else "pool")
    rank = _CLIENTS_RANK if kind == "client" and not client_id else _RANK[kind]
    return (client_id, rank, name)


@dataclass(frozen=True)
class Cursor:
    """The last step finished in a pool: the pool's own line (no client, no kind), a target of another kind
    (``kind``, and ``name`` for a named kind), an app client (``client_id``, and ``kind`` for one of its
    settings), or a listing that failed (``kind`` with no ``name``; ``client`` for the client listing)."""

    user_pool_id: str
    client_id: str = ""
    kind: str = ""
    name: str = ""

    @property
    def position(self) -> Position:
        """Where the step lies in the pool's walk order (every later step is greater)."""
        return _position(self.client_id, self.kind, self.name)

    def to_dict(self) -> dict[str, str]:
        """JSON form (continuation messages); ``kind`` and ``name`` only when set."""
        out = {"userPoolId": self.user_pool_id, "clientId": self.client_id}
        if self.kind:
            out["kind"] = self.kind
        if self.name:
            out["name"] = self.name
        return out

    @classmethod
    def from_dict(cls, value: Mapping[str, Any] | None) -> Cursor | None:
        """The inverse of :meth:`to_dict`; ``None`` for no cursor."""
        if not value:
            return None
        kind = str(value.get("kind") or "")
        if kind and kind not in _RANK:
            raise ValueError(f"not a kind: {kind!r}")
        return cls(
            str(value["userPoolId"]), str(value.get("clientId") or ""), kind, str(value.get("name") or "")
        )


@dataclass
class Unit:
    """What one unit of work checks: an account and Region, the documents covering it, and optionally a
    single pool (or app client, kinds, named resource) for a targeted check."""

    account_id: str
    region: str
    documents: Sequence[Document]
    only_pool: str | None = None
    only_client: str | None = None
    #: Only targets of these kinds (a targeted check after a write of one kind); None: every kind.
    only_kinds: frozenset[str] | None = None
    #: Only the resource of a named kind with this name; None: every one.
    only_name: str | None = None

    def wants(self, kind: Kind, name: str | None = None) -> bool:
        """Whether a targeted check covers targets of ``kind`` (and, given ``name``, the one named so)."""
        if self.only_kinds is not None and kind not in self.only_kinds:
            return False
        return name is None or self.only_name is None or not spec(kind).named or name == self.only_name


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


@dataclass(frozen=True)
class _Pool:
    """What every target of one pool shares: its target, description, owner and drift guard."""

    target: Target
    described: Described
    owner: Mapping[str, str] | None
    guard: str
    done: Position | None  # the resumed cursor's position in this pool (None: a new pool)

    @property
    def context(self) -> dict[Kind, Mapping[str, Any]]:
        return {"pool": self.described.parsed}

    def finished(self, position: Position) -> bool:
        return self.done is not None and position <= self.done


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
        """Check one pool, its other kinds and its selected clients; False when stopped part-way."""
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
        done = self.after.position if resumed and self.after is not None else None
        pool = _Pool(target, described, owner, tags.get(DRIFT_TAG, ""), done)
        if unit.only_client is None:
            for kind in ALL_KINDS:
                documents = [d for d in selecting if d.kind == kind and not d.client_level]
                if not documents or not unit.wants(kind):
                    continue
                if kind == "pool":
                    if done is None:
                        lines.append(
                            check_target(target, described, documents, owner=owner, guard=pool.guard)
                        )
                elif not self._kind(pool, kind, documents):
                    return False
        client_documents = [d for d in selecting if d.client_level and unit.wants(d.kind)]
        return self._clients(pool, client_documents) if client_documents else True

    def _kind(self, pool: _Pool, kind: Kind, documents: Sequence[Document]) -> bool:
        """Check the pool-level targets of one kind (every selected name of a named kind)."""
        entry, pool_id = spec(kind), pool.target.user_pool_id
        if pool.done is not None and pool.done >= ("", _RANK[kind] + 1, ""):
            return True  # every target of this kind was checked before the walk stopped
        targets: list[tuple[str | None, list[Document]]] = [(None, list(documents))]
        listed: dict[str, Described | None] = {}
        if entry.named:
            try:
                listed = self._listed(pool, kind)
            except PoolpatchError as error:
                listing = ("", _RANK[kind], "")
                if pool.done != listing:  # the walk that stopped right after it reported it already
                    self.progress.lines.append(
                        error_line(pool.target, error, documents=documents, operation=entry.list_operation)
                    )
                self.progress.cursor = Cursor(pool_id, "", kind)
                return True
            targets = [
                (name, [d for d in documents if d.selector.selects_name(name)])
                for name in sorted(listed)
                if self.unit.wants(kind, name)
            ]
        for name, selecting in targets:
            if not selecting or pool.finished(("", _RANK[kind], name or "")):
                continue
            if self.should_stop():
                return False
            described = listed.get(name) if name is not None else None
            self._check(pool, pool.target.of(kind, name=name), selecting, described=described)
            self.progress.cursor = Cursor(pool_id, "", kind, name or "")
        return True

    def _listed(self, pool: _Pool, kind: Kind) -> dict[str, Described | None]:
        """A named kind's resources in the pool by name, with the object where the listing holds it whole
        (groups, resource servers: no read per resource), else ``None`` (read one by one)."""
        entry = spec(kind)
        if entry.list_operation is None:  # domains: DescribeUserPool names them (cognito-surface §1)
            parsed = pool.described.parsed
            found = [parsed.get("Domain"), parsed.get("CustomDomain")]
            return {name: None for name in found if isinstance(name, str) and name}
        if entry.listed_whole:
            return dict(self.reader.list_described(pool.target.user_pool_id, kind))
        return dict.fromkeys(self.reader.list_names(pool.target.user_pool_id, kind))

    def _clients(self, pool: _Pool, documents: Sequence[Document]) -> bool:
        target, lines = pool.target, self.progress.lines
        try:
            clients = sorted(self.reader.list_clients(target.user_pool_id), key=lambda c: str(c["ClientId"]))
        except PoolpatchError as error:
            if pool.done != ("", _CLIENTS_RANK, ""):  # the walk that stopped right after it reported it
                lines.append(error_line(target, error, clients=True))
            self.progress.cursor = Cursor(target.user_pool_id, "", "client")
            return True
        only = self.unit.only_client
        for client in clients:
            client_id, name = str(client["ClientId"]), str(client.get("ClientName", ""))
            if (only is not None and client_id != only) or pool.finished((client_id, _CLIENTS_RANK, "")):
                continue
            for kind in _CLIENT_ORDER:
                selecting = [
                    d for d in documents if d.kind == kind and d.selector.selects_client(client_id, name)
                ]
                if not selecting or pool.finished((client_id, _RANK[kind], "")):
                    continue
                if self.should_stop():
                    return False
                self._check(
                    pool,
                    Target(target.user_pool_id, client_id, target.account_id, target.region, kind=kind),
                    selecting,
                )
                self.progress.cursor = Cursor(
                    target.user_pool_id, client_id, "" if kind == "client" else kind
                )
        return True

    def _check(
        self,
        pool: _Pool,
        target: Target,
        documents: Sequence[Document],
        *,
        described: Described | None = None,
    ) -> None:
        try:
            if described is None:
                described = self.reader.describe(target)
        except NotFound:
            return  # deleted since the listing (or, for branding, the client has no style)
        except PoolpatchError as error:
            self.progress.lines.append(error_line(target, error, documents=documents))
            return
        self.progress.lines.append(
            check_target(
                target, described, documents, owner=pool.owner, guard=pool.guard, context=pool.context
            )
        )


def check_target(
    target: Target,
    described: Described,
    documents: Sequence[Document],
    *,
    owner: Mapping[str, str] | None = None,
    guard: str = "",
    context: Mapping[Kind, Mapping[str, Any]] | None = None,
) -> Line:
    """Compare one target with the documents selecting it: its line, with a proposal when correctable.

    ``described`` is the target's read as the port returns it; ``context`` the reads of the kinds its
    rules look at (the pool's description for ``mfa``...).
    """
    resolution = resolve(documents)
    try:
        own = Described(own_description(target, described.parsed), described.raw)
        changes, warnings = _plan(target, own, resolution.patch, context) if resolution.patch else ([], ())
    except PoolpatchError as error:
        return error_line(target, error, documents=documents)
    drift = [_drift_entry(change, resolution) for change in redact_changes(target.kind, changes)]
    status = "conflict" if resolution.conflicts else "drifted" if drift else "in-sync"
    line = _line(target, status, owner=owner, documents=documents)
    line["drift"] = drift
    if resolution.conflicts:
        line["conflicts"] = [conflict.to_dict() for conflict in resolution.conflicts]
    modified = own.parsed.get("LastModifiedDate")
    if isinstance(modified, datetime):
        line["lastModifiedDate"] = _iso(modified)
    if not drift:
        return line
    if warnings:
        line["warnings"] = list(warnings)
    guards: list[str] = []
    proposal = _proposal(target, own, resolution, changes, owned=owner is not None, context=context)
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


def drift_changes(
    target: Target,
    described: Described,
    patch: Mapping[str, Any],
    context: Mapping[Kind, Mapping[str, Any]] | None = None,
) -> list[Change]:
    """What a change request with ``patch`` would change on the described target (the pipeline's plan).

    ``described`` is the target's own description (:func:`~poolpatch.pipeline.own_description`).
    """
    return _plan(target, described, patch, context)[0]


def _plan(
    target: Target,
    described: Described,
    patch: Mapping[str, Any],
    context: Mapping[Kind, Mapping[str, Any]] | None,
) -> tuple[list[Change], tuple[str, ...]]:
    guard_unknown_members(target.kind, described)
    wanted = {kind: (context or {})[kind] for kind in spec(target.kind).context if kind in (context or {})}
    plan = plan_change(target, described.parsed, patch, context=wanted)
    return list(plan.changes), plan.warnings


def _proposal(
    target: Target,
    described: Described,
    resolution: Resolution,
    changes: Iterable[Change],
    *,
    owned: bool,
    context: Mapping[Kind, Mapping[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """The correction for the drifted pointers every deciding document lets be corrected, or None."""
    correctable = resolution.correctable(owned=owned)
    if not correctable:
        return None
    try:
        corrected = drift_changes(target, described, correctable, context)
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
    operation: str | None = None,
) -> Line:
    """A target (or, for ``clients`` or a list ``operation``, a pool's listing) that could not be checked."""
    line = _line(target, "error", documents=documents)
    line["error"] = {"code": error.code, "message": error.describe()}
    if clients:
        line["error"]["operation"] = "ListUserPoolClients"
    elif operation:
        line["error"]["operation"] = operation
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
    """A target's key within its account and Region: ``{userPoolId}`` or ``{userPoolId}/{clientId}`` for
    pools and app clients, ``{userPoolId}#{segment}`` for the other kinds, with the kind's snapshot key
    segment (``group-{name}``, ``risk-client-{clientId}``...; names percent-encoded)."""
    client = target.get("clientId")
    kind = target.get("kind") or ("client" if client else "pool")
    if kind in ("pool", "client"):
        return f"{target['userPoolId']}/{client}" if client else str(target["userPoolId"])
    segment = spec(kind).key_segment(name=target.get("name"), client_id=client)
    return f"{target['userPoolId']}#{segment}"


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
