"""A fault at each step of a change, through the real apply handler (design.md, "What a change does").

Steps: assume role, describe, before snapshot, update, verify, after snapshot, publish. For each, the
outcome is what the design says: a retryable fault fails the SQS record (redelivered, then applied or
converged), a permanent one ends as ``rejected`` and is not retried; no update is ever sent without its
before snapshot in S3; after the receive limit a ``failed`` result is published and the message is in the
DLQ. Cognito faults come from the fake (``faults.inject``); S3, STS and EventBridge faults are answered by
a :func:`~poolpatch_fake.stack.tap` on the function's own clients.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from poolpatch.adapters import cognito as cognito_adapter
from poolpatch.adapters import session as session_adapter
from poolpatch_fake import faults, seed
from poolpatch_fake.stack import MAX_RECEIVE_COUNT, EmbeddedStack, change_request, tap

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


pytestmark = [pytest.mark.integration]

StackFactory = Callable[..., EmbeddedStack]

PATCH = {"Policies": {"PasswordPolicy": {"MinimumLength": 16}}, "UserPoolTags": {"owner": "platform"}}
PARTNER_ACCOUNT = "444455556666"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """One SDK attempt for Cognito and no sleep between the adapter's conflict retries (keeps tests fast).

    The faults below are then "beyond the SDK's retries" with a single injected error; the adapter still
    makes its own bounded number of ConcurrentModification attempts.
    """
    config = cognito_adapter.client_config
    monkeypatch.setattr(session_adapter, "client_config", lambda **_: config(max_attempts=1))
    defaults = cognito_adapter.Boto3Cognito.__init__.__kwdefaults__
    assert defaults is not None
    monkeypatch.setitem(defaults, "sleep", lambda _seconds: None)


def _expected(before: dict[str, Any]) -> dict[str, Any]:
    expected = copy.deepcopy(before)
    expected["Policies"]["PasswordPolicy"]["MinimumLength"] = 16
    expected["UserPoolTags"]["owner"] = "platform"
    return expected


def _live(cognito: CognitoIdentityProviderClient, pool_id: str) -> dict[str, Any]:
    pool: dict[str, Any] = dict(cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    pool.pop("LastModifiedDate", None)
    return pool


def _send(stack: EmbeddedStack, pool_id: str, request_id: str = "fault-1", **target: str) -> None:
    document = change_request(pool_id, PATCH, request_id=request_id, **target)
    group = stack.group_id(pool_id, account_id=target.get("account_id"), region=target.get("region"))
    stack.send_to_queue(document, group_id=group, deduplication_id=request_id)


def _before_snapshots(stack: EmbeddedStack) -> list[str]:
    return [key for key in stack.snapshot_keys() if key.endswith("/before.json")]


def _statuses(stack: EmbeddedStack) -> list[tuple[str, str | None]]:
    return [(e["detail"]["status"], e["detail"].get("error", {}).get("code")) for e in stack.results()]


@pytest.fixture
def seeded(stack: EmbeddedStack, cognito: CognitoIdentityProviderClient) -> tuple[str, dict[str, Any]]:
    """The realistic pool and its description before any change."""
    pool_id, _ = seed.realistic_pool(cognito)
    faults.reset()
    return pool_id, _live(cognito, pool_id)


# --- assume role -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "retried"),
    [
        pytest.param("AccessDenied", 403, False, id="denied"),
        pytest.param("InternalFailure", 500, True, id="5xx"),
    ],
)
def test_assume_role_fault(make_stack: StackFactory, code: str, status: int, retried: bool) -> None:
    # Given a partner pool and AssumeRole failing once
    stack = make_stack(allowed_account_ids=("123456789012", PARTNER_ACCOUNT))
    credentials = stack.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{PARTNER_ACCOUNT}:role/seed", RoleSessionName="seed"
    )["Credentials"]
    partner = boto3.client(
        "cognito-idp",
        region_name=stack.region,
        endpoint_url=stack.endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    pool_id, _ = seed.realistic_pool(partner)
    before = _live(partner, pool_id)
    faults.reset()
    assume = tap(
        stack.runtime("apply").session.events, "sts", "AssumeRole", error_code=code, status=status, times=1
    )
    _send(stack, pool_id, account_id=PARTNER_ACCOUNT)

    # When apply runs until the queue is empty
    batches = stack.run_apply()

    # Then a permanent refusal is rejected once; a transient one is retried and converges
    if retried:
        assert [len(b.failed_ids) for b in batches] == [1, 0]
        assert _statuses(stack) == [("applied", None)]
        assert _live(partner, pool_id) == _expected(before)
        assert assume.calls == 2
    else:
        assert [len(b.failed_ids) for b in batches] == [0]
        assert _statuses(stack) == [("rejected", "AccessDenied")]
        assert _live(partner, pool_id) == before
        assert stack.snapshot_keys() == []


# --- describe --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "outcome"),
    [
        pytest.param("ResourceNotFoundException", 400, ("rejected", "NotFound"), id="not-found"),
        pytest.param("InternalErrorException", 500, ("applied", None), id="5xx"),
        pytest.param("TooManyRequestsException", 400, ("applied", None), id="throttled"),
    ],
)
def test_describe_fault(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    seeded: tuple[str, dict[str, Any]],
    *,
    code: str,
    status: int,
    outcome: tuple[str, str | None],
) -> None:
    # Given the first describe failing
    pool_id, before = seeded
    faults.inject("DescribeUserPool", code, status=status)
    _send(stack, pool_id)

    # When apply runs until the queue is empty
    batches = stack.run_apply()

    # Then nothing was written on the failed attempt; a retryable fault is retried and applies
    assert _statuses(stack) == [outcome]
    if outcome[0] == "applied":
        assert [len(b.failed_ids) for b in batches] == [1, 0]
        assert _live(cognito, pool_id) == _expected(before)
    else:
        assert [len(b.failed_ids) for b in batches] == [0]
        assert faults.calls("UpdateUserPool") == []
        assert stack.snapshot_keys() == []


# --- before snapshot -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["put-object-fails", "missing-bucket"])
def test_before_snapshot_fault_means_no_write(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, seeded: tuple[str, dict[str, Any]], how: str
) -> None:
    # Given the before snapshot cannot be written (S3 error, or SNAPSHOT_BUCKET naming a missing bucket)
    pool_id, before = seeded
    _send(stack, pool_id)

    # When the first delivery is processed
    if how == "missing-bucket":
        with stack.environment(SNAPSHOT_BUCKET="poolpatch-missing-bucket"):
            first = stack.run_apply(max_batches=1)
    else:
        tap(
            stack.runtime("apply").client("s3").meta.events,
            "s3",
            "PutObject",
            error_code="InternalError",
            status=500,
            times=1,
        )
        first = stack.run_apply(max_batches=1)

    # Then the record failed, Cognito was not written and no result was published yet
    assert [len(b.failed_ids) for b in first] == [1]
    assert faults.calls("UpdateUserPool") == []
    assert _live(cognito, pool_id) == before
    assert stack.results() == []
    # ... and the redelivery (snapshot store healthy again) applies with its before snapshot
    stack.run_apply()
    assert _statuses(stack) == [("applied", None)]
    assert len(_before_snapshots(stack)) == 1
    assert _live(cognito, pool_id) == _expected(before)


# --- update ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "times", "outcome"),
    [
        pytest.param(
            "ConcurrentModificationException",
            400,
            cognito_adapter.CONFLICT_MAX_ATTEMPTS,
            ("applied", None),
            id="conflict-beyond-adapter-retries",
        ),
        pytest.param("TooManyRequestsException", 400, 1, ("applied", None), id="throttled"),
        pytest.param("InternalErrorException", 500, 1, ("applied", None), id="internal-error"),
        pytest.param(
            "InvalidParameterException", 400, 1, ("rejected", "InvalidValue"), id="invalid-parameter"
        ),
    ],
)
def test_update_fault(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    seeded: tuple[str, dict[str, Any]],
    *,
    code: str,
    status: int,
    times: int,
    outcome: tuple[str, str | None],
) -> None:
    # Given UpdateUserPool failing
    pool_id, before = seeded
    faults.inject("UpdateUserPool", code, status=status, times=times)
    _send(stack, pool_id)

    # When apply runs until the queue is empty
    batches = stack.run_apply()

    # Then a retryable failure is retried and converges; a permanent one is rejected and not retried;
    # every update attempt had its before snapshot
    assert _statuses(stack) == [outcome]
    assert _before_snapshots(stack)
    if outcome[0] == "applied":
        assert [len(b.failed_ids) for b in batches] == [1, 0]
        assert faults.calls("UpdateUserPool") == ["UpdateUserPool"] * (times + 1)
        assert _live(cognito, pool_id) == _expected(before)
    else:
        assert [len(b.failed_ids) for b in batches] == [0]
        assert _live(cognito, pool_id) == before


# --- verify and after snapshot (the write happened; retried in place) --------------------------------


@pytest.mark.parametrize("step", ["verify", "after-snapshot"])
def test_fault_after_the_write_is_retried_in_place(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    seeded: tuple[str, dict[str, Any]],
    step: str,
) -> None:
    # Given the describe after the update, or the after snapshot, failing once
    pool_id, before = seeded
    runtime = stack.runtime("apply")
    if step == "verify":
        tap(
            runtime.session.events,
            "cognito-identity-provider",
            "DescribeUserPool",
            error_code="InternalErrorException",
            status=500,
            skip=1,
            times=1,
        )
    else:
        tap(
            runtime.client("s3").meta.events,
            "s3",
            "PutObject",
            error_code="InternalError",
            status=500,
            skip=1,
            times=1,
        )
    _send(stack, pool_id)

    # When apply runs until the queue is empty
    batches = stack.run_apply()

    # Then the engine retried the step in place: one write, applied and verified, both snapshots, no
    # redelivery (a redelivery would find nothing to change and lose the after snapshot)
    assert [len(b.failed_ids) for b in batches] == [0]
    assert _statuses(stack) == [("applied", None)]
    assert faults.calls("UpdateUserPool") == ["UpdateUserPool"]
    assert len(_before_snapshots(stack)) == 1
    assert len(stack.snapshot_keys("snapshots/")) == 2
    assert _live(cognito, pool_id) == _expected(before)


# --- publish ---------------------------------------------------------------------------------------


def test_publish_fault_redelivers_and_idempotency_answers(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, seeded: tuple[str, dict[str, Any]]
) -> None:
    # Given EventBridge not accepting the first result event (FailedEntryCount > 0)
    pool_id, before = seeded
    publish = tap(
        stack.runtime("apply").client("events").meta.events,
        "eventbridge",
        "PutEvents",
        response={
            "FailedEntryCount": 1,
            "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}],
        },
        times=1,
    )
    _send(stack, pool_id)

    # When apply runs until the queue is empty
    batches = stack.run_apply()

    # Then the record was retried; the retry answered from the idempotency record and published once
    assert [len(b.failed_ids) for b in batches] == [1, 0]
    assert publish.calls == 2
    assert _statuses(stack) == [("applied", None)]
    assert faults.calls("UpdateUserPool") == ["UpdateUserPool"]
    assert _live(cognito, pool_id) == _expected(before)


# --- the receive limit ------------------------------------------------------------------------------


def test_after_the_receive_limit_failed_is_published_and_the_message_is_in_the_dlq(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, seeded: tuple[str, dict[str, Any]]
) -> None:
    # Given snapshots that can never be written
    pool_id, before = seeded
    tap(
        stack.runtime("apply").client("s3").meta.events,
        "s3",
        "PutObject",
        error_code="InternalError",
        status=500,
        times=-1,
    )
    _send(stack, pool_id, request_id="doomed-1")

    # When apply runs until the queue is empty
    batches = stack.run_apply()

    # Then it was received maxReceiveCount times, "failed" was published once, the message is in the DLQ,
    # and the pool was never written
    assert len(batches) == MAX_RECEIVE_COUNT
    events = stack.results()
    assert [(e["detail-type"], e["detail"]["error"]["code"]) for e in events] == [
        ("User Pool Change Failed", "SnapshotFailed")
    ]
    dlq = stack.dlq_messages()
    assert len(dlq) == 1
    assert json.loads(dlq[0]["Body"])["requestId"] == "doomed-1"
    assert stack.queue_depth() == 0
    assert faults.calls("UpdateUserPool") == []
    assert _live(cognito, pool_id) == before
