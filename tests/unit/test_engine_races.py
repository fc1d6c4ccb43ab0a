"""The engine under races and redeliveries, over in-memory ports: confirm rounds, recovery, snapshot lookup.

The flow doubles come from test_engine.py (a port that stores update documents verbatim and logs calls,
a write-once memory store). Service behaviour is covered against the fake by the integration suite.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from test_engine import NOW, POOL, MemoryCognito, MemoryStore, _engine, _request

from poolpatch.adapters.cognito import Described
from poolpatch.adapters.snapshots import LocalSnapshotStore, S3SnapshotStore, snapshot_key
from poolpatch.errors import SnapshotFailed
from poolpatch.request import Target

TARGET = Target("eu-west-1_AbC", account_id="123456789012", region="eu-west-1")


class RacingCognito(MemoryCognito):
    """Another writer changes a tag after each of the first ``races`` describes that follow the first."""

    def __init__(self, races: int) -> None:
        super().__init__(POOL)
        self.races = races
        self.describes = 0

    def describe(self, target: Target) -> Described:
        described = super().describe(target)
        self.describes += 1
        if self.describes <= self.races:
            self.description["UserPoolTags"] = {"team": "identity", "writer": f"other-{self.describes}"}
        return described


def test_a_target_that_keeps_changing_fails_retryably_after_the_replan_rounds() -> None:
    # Given another writer changing the pool after every describe
    cognito = RacingCognito(races=10)
    store = MemoryStore()
    # When a change runs
    result = _engine(cognito, store).run(_request())
    # Then it gives up with a retryable ConcurrentModification and never updated
    assert (result.status, result.error.code if result.error else None) == (
        "failed",
        "ConcurrentModification",
    )
    assert result.retryable
    assert "update" not in cognito.calls
    # And each round's before snapshot went to its own write-once key
    befores = [key for key in store.items if key.endswith("/before.json")]
    assert len(befores) == 3
    assert len(set(befores)) == 3


def test_one_race_replans_and_writes_over_the_fresh_state() -> None:
    cognito = RacingCognito(races=1)
    store = MemoryStore()
    result = _engine(cognito, store).run(_request())
    assert result.status == "applied"
    assert cognito.description["UserPoolTags"] == {"team": "identity", "writer": "other-1"}
    assert cognito.description["DeletionProtection"] == "ACTIVE"
    before = store.items[result.snapshots["before"].removeprefix("mem://")]
    assert before["updateDocument"]["UserPoolTags"] == {"team": "identity", "writer": "other-1"}


def test_another_writer_making_exactly_this_change_ends_unchanged() -> None:
    # Given another writer that sets DeletionProtection ACTIVE between the read and the write
    class SameChange(MemoryCognito):
        def describe(self, target: Target) -> Described:
            described = super().describe(target)
            self.description["DeletionProtection"] = "ACTIVE"
            return described

    cognito = SameChange(POOL)
    result = _engine(cognito, MemoryStore()).run(_request())
    assert result.status == "unchanged"
    assert "update" not in cognito.calls


def _prior(store: MemoryStore, *, intent: Any, request_id: str = "req-1", **request: Any) -> str:
    """A before snapshot of POOL as an earlier attempt of ``_request()`` would have written it."""
    document = {
        "target": {"userPoolId": "eu-west-1_AbC", "accountId": "123456789012", "region": "eu-west-1"},
        "updateDocument": {
            "UserPoolId": "eu-west-1_AbC",
            **_engine(MemoryCognito(POOL), store).plan(_request(), TARGET, _described(POOL)).live,
        },
        "request": {
            "version": "1",
            "requestId": request_id,
            "patch": {"DeletionProtection": "ACTIVE"},
            "mode": "apply",
            "reason": "ticket-1",
            **request,
        },
        "description": {"LastModifiedDate": "2026-11-20T12:00:00.123000Z"},
        "intent": intent,
    }
    key = snapshot_key(TARGET, started=NOW - timedelta(minutes=5), request_id=request_id, phase="before")
    return store.put(key, document)


def _described(description: dict[str, Any]) -> Described:
    return Described(parsed=copy.deepcopy(description), raw={})


def test_a_redelivery_after_a_write_that_took_effect_is_recovered() -> None:
    # Given the pool already ACTIVE, and the earlier attempt's before snapshot with that intent
    store = MemoryStore()
    written = {**POOL, "DeletionProtection": "ACTIVE"}
    cognito = MemoryCognito(written)
    live = _engine(cognito, store).plan(_request(), TARGET, _described(written)).live
    intended = {"UserPoolId": "eu-west-1_AbC", **live}
    reference = _prior(store, intent={"updateDocument": intended, "addCustomAttributes": []})
    # When the request is redelivered
    result = _engine(cognito, store).run(_request(), recover_since=NOW - timedelta(minutes=6))
    # Then: applied, recovered, the earlier before snapshot, a new after snapshot, no second update
    assert (result.status, result.recovered) == ("applied", True)
    assert result.snapshots["before"] == reference
    assert [change.path for change in result.changes] == ["/DeletionProtection"]
    assert "update" not in cognito.calls


@pytest.mark.parametrize(
    ("intent", "request_extra"),
    [
        pytest.param("not-an-object", {}, id="intent-not-an-object"),
        pytest.param({"updateDocument": {}, "addCustomAttributes": "x"}, {}, id="attributes-not-a-list"),
        pytest.param({"updateDocument": {}}, {"reason": "another request"}, id="other-content"),
    ],
)
def test_a_prior_snapshot_that_is_not_this_requests_intent_is_not_a_recovery(
    intent: Any, request_extra: dict[str, Any]
) -> None:
    # Given a before snapshot under this request id that cannot be this request's intent
    store = MemoryStore()
    _prior(store, intent=intent, **request_extra)
    cognito = MemoryCognito(POOL)
    # When the request is redelivered
    result = _engine(cognito, store).run(_request(), recover_since=NOW - timedelta(minutes=6))
    # Then it runs normally: applied by a real update, not "recovered"
    assert (result.status, result.recovered) == ("applied", False)
    assert "update" in cognito.calls


def test_local_store_finds_the_newest_before_snapshot_of_a_request(tmp_path: Path) -> None:
    store = LocalSnapshotStore(tmp_path)
    since = NOW - timedelta(hours=1)
    assert store.find_before(TARGET, "req-1", since) is None  # no folder yet
    old = snapshot_key(TARGET, started=since - timedelta(hours=1), request_id="req-1", phase="before")
    first = snapshot_key(TARGET, started=since, request_id="req-1", phase="before")
    second = snapshot_key(TARGET, started=NOW, request_id="req-1", phase="before")
    other = snapshot_key(TARGET, started=NOW, request_id="x-req-1", phase="before")
    for key in (old, first, second, other):
        store.put(key, {"target": {"userPoolId": "eu-west-1_AbC"}, "updateDocument": {"k": key}})
    found = store.find_before(TARGET, "req-1", since)
    assert found is not None
    assert found[1]["updateDocument"] == {"k": second}
    assert store.find_before(TARGET, "req-2", since) is None


def test_s3_store_lookup_failure_is_snapshot_failed() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        store = S3SnapshotStore(s3, "no-such-bucket")
        with pytest.raises(SnapshotFailed, match="Could not list"):
            store.find_before(TARGET, "req-1", datetime(2026, 1, 1, tzinfo=UTC))
