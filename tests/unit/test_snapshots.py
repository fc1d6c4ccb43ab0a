"""Snapshot stores: one key layout, atomic local writes, S3 through moto, clear failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from poolpatch.adapters.snapshots import LocalSnapshotStore, S3SnapshotStore, snapshot_key
from poolpatch.errors import InvalidRequest, NotFound, SnapshotFailed
from poolpatch.request import Target

STARTED = datetime(2026, 11, 26, 7, 5, 9, tzinfo=UTC)
POOL = Target("eu-west-1_AbC", account_id="111122223333", region="eu-west-1")
CLIENT = Target("eu-west-1_AbC", "client1", "111122223333", "eu-west-1")
DOC = {
    "updateDocument": {"UserPoolId": "eu-west-1_AbC", "DeletionProtection": "ACTIVE"},
    "target": {"userPoolId": "eu-west-1_AbC"},
    "phase": "before",
}


def test_key_layout_matches_the_design() -> None:
    assert snapshot_key(POOL, started=STARTED, request_id="r-1", phase="before") == (
        "snapshots/111122223333/eu-west-1/eu-west-1_AbC/pool/20261126T070509Z-r-1/before.json"
    )
    assert snapshot_key(CLIENT, started=STARTED, request_id="r-1", phase="after") == (
        "snapshots/111122223333/eu-west-1/eu-west-1_AbC/client-client1/20261126T070509Z-r-1/after.json"
    )


def test_local_store_round_trips_by_reference_and_key(tmp_path: Path) -> None:
    # Given a local store
    store = LocalSnapshotStore(tmp_path)
    key = snapshot_key(POOL, started=STARTED, request_id="r-1", phase="before")
    # When a snapshot is written
    reference = store.put(key, DOC)
    # Then it is readable by its file:// reference and by its key, and no temp file is left
    assert reference.startswith("file://")
    assert store.get(reference) == DOC
    assert store.get(key) == DOC
    assert not list(tmp_path.rglob(".tmp-*"))
    assert json.loads((tmp_path / key).read_text()) == DOC


def test_local_store_refuses_keys_outside_its_folder(tmp_path: Path) -> None:
    store = LocalSnapshotStore(tmp_path / "snaps")
    with pytest.raises(InvalidRequest):
        store.get("../../etc/passwd")


def test_local_store_write_failure_is_snapshot_failed(tmp_path: Path) -> None:
    # Given a snapshot folder that is a file
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    store = LocalSnapshotStore(blocker)
    # When writing / Then SnapshotFailed (retryable: nothing was written to Cognito)
    with pytest.raises(SnapshotFailed) as caught:
        store.put("snapshots/a/before.json", DOC)
    assert caught.value.retryable


def test_local_store_missing_and_foreign_files(tmp_path: Path) -> None:
    store = LocalSnapshotStore(tmp_path)
    with pytest.raises(NotFound):
        store.get("snapshots/none.json")
    (tmp_path / "other.json").write_text('{"not": "a snapshot"}')
    with pytest.raises(InvalidRequest, match="not a poolpatch snapshot"):
        store.get("other.json")
    with pytest.raises(InvalidRequest):
        store.get("s3://bucket/key")


@mock_aws
def test_s3_store_round_trips_by_uri_and_bare_key() -> None:
    # Given a bucket
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="snaps", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    store = S3SnapshotStore(s3, "snaps")
    key = snapshot_key(POOL, started=STARTED, request_id="r-1", phase="before")
    # When a snapshot is written
    reference = store.put(key, DOC)
    # Then the reference is s3://bucket/key, readable both ways, stored as JSON
    assert reference == f"s3://snaps/{key}"
    assert store.get(reference) == DOC
    assert store.get(key) == DOC
    assert s3.head_object(Bucket="snaps", Key=key)["ContentType"] == "application/json"


@mock_aws
def test_s3_store_failures() -> None:
    s3 = boto3.client("s3", region_name="eu-west-1")
    store = S3SnapshotStore(s3, "no-such-bucket")
    with pytest.raises(SnapshotFailed):
        store.put("snapshots/x/before.json", DOC)
    s3.create_bucket(Bucket="snaps", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(NotFound):
        S3SnapshotStore(s3, "snaps").get("snapshots/none.json")
    with pytest.raises(InvalidRequest):
        S3SnapshotStore(s3, "snaps").get("file:///tmp/x.json")
