"""Each pool's configuration history: its bundle, stored when it changed (design.md, "Drift").

A scheduled drift sweep reads the bundle of every pool it checked and stores it under::

    bundles/{accountId}/{region}/{userPoolId}/{yyyymmddTHHMMSSZ}.json

only when its configuration differs from the newest bundle stored for that pool, so the keys below a
pool's prefix are the pool's configuration history, oldest first, one entry per change seen.

**Same configuration** is :func:`~poolpatch.bundle.diff.diff_bundles` finding nothing *and* the pool's own
identity unchanged: ``diff_bundles`` compares two pools, so it leaves out what necessarily differs between
them (the pool's name, poolpatch's own tags, domain names, app client ids), but for one pool's history a
renamed pool, a new domain name or an app client recreated under its old name is a change.

**The newest stored bundle** is the last key of the pool's prefix in key order (the time segment sorts
chronologically; keys of another shape are ignored). One that cannot be used (gone since the listing, not
a JSON object, not a valid bundle) counts as different, so a new bundle is stored; a failure of the store
itself (listing, reading or writing) is raised as the store raises it.

Nothing here calls AWS except through the reader and store it is handed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from poolpatch.adapters.cognito import Described
from poolpatch.adapters.snapshots import DocumentStore, encode, stamp
from poolpatch.bundle.diff import OWN_TAG_PREFIX, diff_bundles
from poolpatch.bundle.document import check_bundle
from poolpatch.bundle.read import BundleReader, read_bundle
from poolpatch.errors import InvalidRequest, PoolpatchError, SnapshotFailed
from poolpatch.kinds import Kind
from poolpatch.request import ACCOUNT_ID, REGION, USER_POOL_ID, Target

PREFIX = "bundles/"
#: The last segment of a stored bundle's key: ``{yyyymmddTHHMMSSZ}.json``.
_STAMPED = re.compile(r"[0-9]{8}T[0-9]{6}Z\.json")
#: Statuses of a drift line whose pool was not checked (it could not be read, or its tag says ``ignore``).
_UNCHECKED = frozenset({"error", "ignored"})


def bundle_prefix(account_id: str, region: str, user_pool_id: str) -> str:
    """``bundles/{accountId}/{region}/{userPoolId}/``: one pool's stored bundles.

    Raises ``ValueError`` for an id of the wrong shape (it would leave the pool's prefix).
    """
    for name, value, pattern in (
        ("account id", account_id, ACCOUNT_ID),
        ("Region", region, REGION),
        ("user pool id", user_pool_id, USER_POOL_ID),
    ):
        if not pattern.fullmatch(value):
            raise ValueError(f"not a valid {name}: {value!r}")
    return f"{PREFIX}{account_id}/{region}/{user_pool_id}/"


def bundle_key(account_id: str, region: str, user_pool_id: str, at: datetime) -> str:
    """The key of the pool's bundle captured ``at`` (in UTC; a naive time is taken as UTC)."""
    return f"{bundle_prefix(account_id, region, user_pool_id)}{stamp(at)}.json"


def stored_keys(store: DocumentStore, prefix: str) -> list[str]:
    """The keys of the bundles stored below ``prefix``, oldest first (other keys left out)."""
    return [key for key in store.list_keys(prefix) if _STAMPED.fullmatch(key.removeprefix(prefix))]


def same_configuration(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two bundles of one pool hold the same configuration (``source`` aside)."""
    return not diff_bundles(a, b) and _identity(a) == _identity(b)


def _identity(bundle: Mapping[str, Any]) -> tuple[Any, ...]:
    """What ``diff_bundles`` leaves out that is still part of one pool's configuration."""
    pool = _mapping(bundle.get("pool"))
    tags = _mapping(pool.get("UserPoolTags"))
    own_tags = sorted((str(k), str(v)) for k, v in tags.items() if str(k).startswith(OWN_TAG_PREFIX))

    def names(member: str) -> list[str]:
        value = bundle.get(member)
        return sorted(value) if isinstance(value, Mapping) else []

    return pool.get("PoolName"), own_tags, names("domains"), names("clients")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def store_if_changed(store: DocumentStore, bundle: Mapping[str, Any], at: datetime) -> str | None:
    """Store ``bundle`` (its pool named by ``source``) at its key for ``at`` unless the newest bundle
    stored for the pool holds the same configuration; the stored bundle's reference, or ``None``.

    Raises ``SnapshotFailed`` (or ``AccessDenied``) when the store fails, and ``SnapshotFailed`` for a
    bundle that cannot be encoded as JSON.
    """
    source = _mapping(bundle.get("source"))
    ids = (str(source.get("accountId", "")), str(source.get("region", "")), str(source.get("userPoolId", "")))
    prefix = bundle_prefix(*ids)
    try:
        document: dict[str, Any] = json.loads(encode(bundle))  # as it is stored: dates as text...
    except (ValueError, TypeError) as exc:
        raise SnapshotFailed(
            f"The bundle of {ids[2]} cannot be encoded as JSON: {type(exc).__name__}."
        ) from None
    keys = stored_keys(store, prefix)
    if keys:
        last = _readable(store, keys[-1])
        if last is not None and same_configuration(last, document):
            return None
    return store.write_document(bundle_key(*ids, at), document)


def _readable(store: DocumentStore, key: str) -> dict[str, Any] | None:
    """The bundle stored at ``key``; ``None`` when it is gone, not a JSON object or not a valid bundle."""
    try:
        document = store.read_document(key)
    except InvalidRequest:  # not a JSON object
        return None
    if document is None:
        return None
    try:
        return check_bundle(document)
    except PoolpatchError:  # the layout, or a part its kind's update model refuses
        return None


def store_pool_bundle(
    reader: BundleReader,
    store: DocumentStore,
    *,
    account_id: str,
    region: str,
    user_pool_id: str,
    at: datetime,
) -> str | None:
    """Read the pool's bundle (captured ``at``) and store it if it changed: its reference, or ``None``.

    Raises what :func:`~poolpatch.bundle.read.read_bundle` and :func:`store_if_changed` raise.
    """
    bundle = read_bundle(reader, account_id=account_id, region=region, user_pool_id=user_pool_id, captured=at)
    return store_if_changed(store, bundle, at)


def checked_pools(lines: Iterable[Mapping[str, Any]]) -> list[str]:
    """The pools a sweep checked, from its drift lines, in id order: every pool with a line (its own, or
    one of its other kinds or app clients) that is neither ``error`` nor ``ignored``."""
    pools = {
        str(line["target"]["userPoolId"])
        for line in lines
        if isinstance(line.get("target"), Mapping)
        and "userPoolId" in line["target"]
        and line.get("status") not in _UNCHECKED
    }
    return sorted(pools)


class OutOfTime(Exception):
    """Raised by :class:`StoppingReader` before a read once its deadline has come."""


class StoppingReader:
    """A :class:`~poolpatch.bundle.read.BundleReader` that raises :class:`OutOfTime` before any read made
    once ``should_stop()`` is true (a Lambda function near its timeout), so a long export stops in time."""

    def __init__(self, reader: BundleReader, should_stop: Callable[[], bool]) -> None:
        self._reader = reader
        self._should_stop = should_stop

    def _check(self) -> None:
        if self._should_stop():
            raise OutOfTime

    def list_clients(self, user_pool_id: str) -> list[Mapping[str, Any]]:
        """ListUserPoolClients, every page."""
        self._check()
        return self._reader.list_clients(user_pool_id)

    def list_names(self, user_pool_id: str, kind: Kind) -> list[str]:
        """A named kind's names."""
        self._check()
        return self._reader.list_names(user_pool_id, kind)

    def list_described(self, user_pool_id: str, kind: Kind) -> dict[str, Described]:
        """A kind listed whole."""
        self._check()
        return self._reader.list_described(user_pool_id, kind)

    def describe(self, target: Target) -> Described:
        """The read operation of the target's kind."""
        self._check()
        return self._reader.describe(target)
