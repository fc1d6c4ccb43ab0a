"""Drift's bundle pass (design.md, "Drift"; issue 9): the pools a sweep checked, taken from its drift lines,
and reads that stop at a deadline so a long export ends before the function's timeout.

The lines and the reader are the test's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from poolpatch.adapters.cognito import Described
from poolpatch.drift.bundles import OutOfTime, StoppingReader, checked_pools
from poolpatch.kinds import Kind
from poolpatch.request import Target

ACCOUNT = "111122223333"
REGION = "eu-west-1"
POOL = "eu-west-1_AbCdEf123"


# ---------------------------------------------------------------------------------------------------------
# The pools a sweep checked
# ---------------------------------------------------------------------------------------------------------


def _line(pool: str | None, status: str, *, client: str | None = None) -> dict[str, Any]:
    target: dict[str, Any] = {"accountId": ACCOUNT, "region": REGION}
    if pool is not None:
        target["userPoolId"] = pool
    if client is not None:
        target["clientId"] = client
    return {"target": target, "status": status, "drift": []}


def test_checked_pools_are_those_with_a_line_that_was_checked() -> None:
    # Given a unit's lines: pools in every status, a pool known only by a client line, duplicates (two
    # chains of one unit), a pool that could not be read, an ignored pool, and a unit error line
    lines = [
        _line("eu-west-1_Zz", "in-sync"),
        _line("eu-west-1_Aa", "drifted"),
        _line("eu-west-1_Aa", "drifted"),
        _line("eu-west-1_Mm", "owned"),
        _line("eu-west-1_Cc", "conflict"),
        _line("eu-west-1_Kk", "error", client="abc"),
        _line("eu-west-1_Kk", "in-sync", client="def"),
        _line("eu-west-1_Ee", "error"),
        _line("eu-west-1_Ii", "ignored"),
        _line(None, "error"),
    ]
    # When the checked pools are taken
    # Then each appears once, in id order; unread, ignored and the unit's own error are left out
    assert checked_pools(lines) == [
        "eu-west-1_Aa",
        "eu-west-1_Cc",
        "eu-west-1_Kk",
        "eu-west-1_Mm",
        "eu-west-1_Zz",
    ]


# ---------------------------------------------------------------------------------------------------------
# Reads that stop at a deadline
# ---------------------------------------------------------------------------------------------------------


class _Reader:
    """Records the reads it is asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def list_clients(self, user_pool_id: str) -> list[Mapping[str, Any]]:
        self.calls.append("list_clients")
        return [{"ClientId": "c1"}]

    def list_names(self, user_pool_id: str, kind: Kind) -> list[str]:
        self.calls.append(f"list_names:{kind}")
        return ["Google"]

    def list_described(self, user_pool_id: str, kind: Kind) -> dict[str, Described]:
        self.calls.append(f"list_described:{kind}")
        return {}

    def describe(self, target: Target) -> Described:
        self.calls.append(f"describe:{target.kind}")
        return Described({"Id": target.user_pool_id}, {})


def test_a_stopping_reader_passes_reads_through_until_the_deadline_then_reads_nothing() -> None:
    # Given a reader whose deadline comes after three reads
    inner = _Reader()
    answers = iter([False, False, False, True, True])
    reader = StoppingReader(inner, lambda: next(answers))
    # When reads are made
    assert reader.describe(Target(POOL)) == Described({"Id": POOL}, {})
    assert reader.list_clients(POOL) == [{"ClientId": "c1"}]
    assert reader.list_names(POOL, "identityProvider") == ["Google"]
    # Then the next ones raise before reaching the inner reader
    with pytest.raises(OutOfTime):
        reader.list_described(POOL, "group")
    with pytest.raises(OutOfTime):
        reader.describe(Target(POOL))
    assert inner.calls == ["describe:pool", "list_clients", "list_names:identityProvider"]
