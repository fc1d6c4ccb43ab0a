"""Retries over the faithful fake: throttling through botocore's standard mode, conflicts in the adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from poolpatch.adapters.cognito import Boto3Cognito, client_config
from poolpatch.adapters.snapshots import LocalSnapshotStore
from poolpatch.engine import Engine, fixed
from poolpatch.request import parse_request
from poolpatch_fake import faults
from poolpatch_fake.seed import realistic_pool


@pytest.fixture
def pool() -> Iterator[tuple[str, object]]:
    with mock_aws(), poolpatch_fake.installed():
        faults.reset()
        client = boto3.client("cognito-idp", region_name="eu-west-1", config=client_config(max_attempts=3))
        pool_id, _ = realistic_pool(client)
        yield pool_id, client
        faults.reset()


def _run(pool_id: str, client: object, tmp_path: Path, request_id: str) -> dict[str, object]:
    adapter = Boto3Cognito(client, sleep=lambda _s: None)  # type: ignore[arg-type]
    engine = Engine(
        fixed(adapter), LocalSnapshotStore(tmp_path), account_id="123456789012", region="eu-west-1"
    )
    request = parse_request(
        {
            "version": "1",
            "requestId": request_id,
            "target": {"userPoolId": pool_id},
            "patch": {"UserPoolTags": {"attempt": request_id}},
        }
    )
    return engine.run(request).to_dict()


def test_throttled_update_is_retried_by_botocore_and_succeeds(
    pool: tuple[str, object], tmp_path: Path
) -> None:
    # Given two throttled UpdateUserPool attempts ahead
    pool_id, client = pool
    faults.inject("UpdateUserPool", "TooManyRequestsException", times=2)
    # When applying
    result = _run(pool_id, client, tmp_path, "r-throttle")
    # Then the third attempt wrote it
    assert result["status"] == "applied", result
    assert faults.calls("UpdateUserPool").count("UpdateUserPool") == 3


def test_throttling_beyond_the_retry_budget_is_a_retryable_failure(
    pool: tuple[str, object], tmp_path: Path
) -> None:
    pool_id, client = pool
    faults.inject("UpdateUserPool", "TooManyRequestsException", times=3)
    result = _run(pool_id, client, tmp_path, "r-throttle-2")
    assert result["status"] == "failed"
    assert result["error"]["code"] == "Throttled"  # type: ignore[index]


def test_concurrent_modification_is_retried_by_the_adapter(pool: tuple[str, object], tmp_path: Path) -> None:
    pool_id, client = pool
    faults.inject("UpdateUserPool", "ConcurrentModificationException", times=3)
    result = _run(pool_id, client, tmp_path, "r-conflict")
    assert result["status"] == "applied", result
    assert faults.calls("UpdateUserPool").count("UpdateUserPool") == 4
