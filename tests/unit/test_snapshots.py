"""Snapshot stores: one key layout, atomic local writes, S3 through moto, clear failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from poolpatch.adapters.snapshots import LocalSnapshotStore, S3SnapshotStore, parse_stamp, snapshot_key, stamp
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


def test_a_keys_time_segment_reads_back_as_the_time_in_utc() -> None:
    # Given a time in another offset
    moment = datetime(2026, 11, 26, 8, 5, 9, tzinfo=timezone(timedelta(hours=1)))
    # When it is made a key's time segment and read back
    # Then the segment is yyyymmddTHHMMSSZ in UTC and reads back as the same time
    assert stamp(moment) == "20261126T070509Z"
    assert parse_stamp("20261126T070509Z") == STARTED == moment


@pytest.mark.parametrize(
    "text",
    [
        "20261126T070509",
        "20261126T070509Z-r-1",
        "2026112T070509Z",
        "20261326T070509Z",
        "\N{FULLWIDTH DIGIT TWO}0261126T070509Z",
    ],
)
def test_text_that_is_no_time_segment_reads_as_none(text: str) -> None:
    # Given text of another shape, a month 13, or a non-ASCII digit
    # When it is read as a key's time segment
    # Then it is none
    assert parse_stamp(text) is None


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


def test_local_store_name_too_long_is_not_retried(tmp_path: Path) -> None:
    # Given a key with a folder name longer than any file system allows (255 bytes)
    store = LocalSnapshotStore(tmp_path)
    key = f"snapshots/a/group-{'x' * 300}/before.json"
    # When writing / Then SnapshotFailed that a retry cannot fix
    with pytest.raises(SnapshotFailed) as caught:
        store.put(key, DOC)
    assert not caught.value.retryable


def test_long_names_are_cut_to_a_digest_that_keeps_them_apart() -> None:
    # Given two valid 128-character group names that differ only in their last character
    first = Target(
        "eu-west-1_AbC", account_id="111122223333", region="eu-west-1", kind="group", name="é" * 127 + "a"
    )
    second = Target(
        "eu-west-1_AbC", account_id="111122223333", region="eu-west-1", kind="group", name="é" * 127 + "b"
    )
    # When their snapshot keys are made
    keys = [snapshot_key(t, started=STARTED, request_id="r-1", phase="before") for t in (first, second)]
    # Then each folder name fits S3 and file systems, and the two stay apart
    segments = [key.split("/")[4] for key in keys]
    assert all(len(segment.encode()) <= 255 for segment in segments)
    assert segments[0] != segments[1]
    assert all("%%" in segment for segment in segments)


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
    assert store.get(reference, target=POOL) == DOC
    assert store.get(key, target=POOL) == DOC
    assert s3.head_object(Bucket="snaps", Key=key)["ContentType"] == "application/json"


@mock_aws
def test_s3_store_failures() -> None:
    s3 = boto3.client("s3", region_name="eu-west-1")
    store = S3SnapshotStore(s3, "no-such-bucket")
    with pytest.raises(SnapshotFailed):
        store.put("snapshots/x/before.json", DOC)
    s3.create_bucket(Bucket="snaps", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    missing = snapshot_key(POOL, started=STARTED, request_id="none", phase="before")
    with pytest.raises(NotFound):
        S3SnapshotStore(s3, "snaps").get(missing, target=POOL)
    with pytest.raises(InvalidRequest):
        S3SnapshotStore(s3, "snaps").get("file:///tmp/x.json", target=POOL)


class _RefusingS3:
    """An S3 client whose PutObject answers 412, as a conditional write on an existing key does."""

    def __init__(self, retry_attempts: int) -> None:
        self.retry_attempts = retry_attempts

    def put_object(self, **_: Any) -> None:
        from botocore.exceptions import ClientError

        response: Any = {
            "Error": {"Code": "PreconditionFailed", "Message": "At least one of the pre-conditions..."},
            "ResponseMetadata": {"HTTPStatusCode": 412, "RetryAttempts": self.retry_attempts},
        }
        raise ClientError(response, "PutObject")


def test_a_412_on_botocores_retry_is_the_first_attempts_own_write() -> None:
    # Given a PutObject whose first response was lost, so botocore's retry finds the object written
    store = S3SnapshotStore(_RefusingS3(retry_attempts=1), "snaps")  # type: ignore[arg-type]
    key = snapshot_key(POOL, started=STARTED, request_id="r-1", phase="before")
    # Then the snapshot counts as written
    assert store.put(key, DOC) == f"s3://snaps/{key}"


def test_a_412_on_the_first_attempt_is_a_snapshot_that_exists_already() -> None:
    store = S3SnapshotStore(_RefusingS3(retry_attempts=0), "snaps")  # type: ignore[arg-type]
    key = snapshot_key(POOL, started=STARTED, request_id="r-1", phase="before")
    with pytest.raises(SnapshotFailed, match="PreconditionFailed"):
        store.put(key, DOC)


def test_snapshots_are_write_once_in_s3_and_locally(tmp_path: Path) -> None:
    key = snapshot_key(POOL, started=STARTED, request_id="r-1", phase="before")
    local = LocalSnapshotStore(tmp_path)
    local.put(key, DOC)
    with pytest.raises(SnapshotFailed):
        local.put(key, {**DOC, "phase": "after"})
    assert json.loads((tmp_path / key).read_text()) == DOC
    assert not list(tmp_path.rglob(".tmp-*"))
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        s3.create_bucket(Bucket="snaps", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        remote = S3SnapshotStore(s3, "snaps")
        remote.put(key, DOC)
        with pytest.raises(SnapshotFailed):
            remote.put(key, {**DOC, "phase": "after"})
        assert remote.get(key, target=POOL) == DOC
