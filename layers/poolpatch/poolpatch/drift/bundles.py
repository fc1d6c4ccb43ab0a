"""Drift's bundle pass: which pools a sweep checked, and reading each one's bundle into the archive before
the function's deadline (design.md, "Drift").

The pass stores the bundle of every pool a unit checked with
:func:`~poolpatch.bundle.archive.store_if_changed` (only when its configuration changed). Its reads go
through a :class:`StoppingReader`, which raises :class:`OutOfTime` before any read once the deadline has
come, so a long export stops in time.

Nothing here calls AWS except through the reader and store it is handed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from poolpatch.adapters.cognito import Described
from poolpatch.adapters.snapshots import DocumentStore
from poolpatch.bundle.archive import store_if_changed
from poolpatch.bundle.read import BundleReader, read_bundle
from poolpatch.kinds import Kind
from poolpatch.request import Target

#: Statuses of a drift line whose pool was not checked (it could not be read, or its tag says ``ignore``).
_UNCHECKED = frozenset({"error", "ignored"})


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

    Raises what :func:`~poolpatch.bundle.read.read_bundle` and
    :func:`~poolpatch.bundle.archive.store_if_changed` raise.
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
