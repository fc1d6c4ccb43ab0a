"""Each pool's configuration history: its bundle, stored when it changed (design.md, "Drift").

A pool's bundles are stored at :func:`~poolpatch.adapters.snapshots.bundle_key`::

    bundles/{accountId}/{region}/{userPoolId}/{yyyymmddTHHMMSSZ}.json

each only when its configuration differs from the newest bundle stored for that pool, so the keys below a
pool's prefix are the pool's configuration history, oldest first, one entry per change seen. Drift's
bundle pass (:mod:`poolpatch.drift.bundles`) stores them.

**Same configuration** is :func:`~poolpatch.bundle.diff.diff_bundles` finding nothing *and* the pool's own
identity unchanged: ``diff_bundles`` compares two pools, so it leaves out what necessarily differs between
them (the pool's name, poolpatch's own tags, domain names, app client ids), but for one pool's history a
renamed pool, a new domain name or an app client recreated under its old name is a change.

**The newest stored bundle** is the last key of the pool's prefix in key order (the time segment sorts
chronologically; keys of another shape are ignored). One that cannot be used (gone since the listing, not
a JSON object, not a valid bundle) counts as different, so a new bundle is stored; a failure of the store
itself (listing, reading or writing) is raised as the store raises it.

Nothing here calls AWS except through the store it is handed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from poolpatch.adapters.snapshots import STAMP, DocumentStore, bundle_key, bundle_prefix, encode
from poolpatch.bundle.diff import diff_bundles
from poolpatch.bundle.document import OWN_TAG_PREFIX, check_bundle
from poolpatch.errors import InvalidRequest, PoolpatchError, SnapshotFailed


def stored_keys(store: DocumentStore, prefix: str) -> list[str]:
    """The keys of the bundles stored below ``prefix``, oldest first (other keys left out)."""
    return [key for key in store.list_keys(prefix) if _stamped(key.removeprefix(prefix))]


def _stamped(name: str) -> bool:
    """Whether a key's last segment is ``{yyyymmddTHHMMSSZ}.json``."""
    return name.endswith(".json") and STAMP.fullmatch(name.removesuffix(".json")) is not None


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
