"""The event-driven pipeline end to end, through the real handlers, against a moto server over HTTP.

EventBridge → intake → ChangeQueue.fifo → apply → Cognito (own account or an assumed role) → S3 snapshots
and result events; plus ordering, idempotency, isolation of failing pools and poison messages, the
allow-list and drift (issue 3, "What it must show").
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from helpers.events import load_event
from poolpatch_fake import faults, seed
from poolpatch_fake.stack import (
    ACCOUNT_ID,
    QUEUE_MAX_RECEIVE_COUNT,
    REGION,
    VISIBILITY_TIMEOUT,
    EmbeddedStack,
    change_request,
    tap,
)

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient


pytestmark = [pytest.mark.integration]

StackFactory = Callable[..., EmbeddedStack]

PARTNER_ACCOUNT = "444455556666"
PARTNER_REGION = "eu-central-1"
STRANGER_ACCOUNT = "777788889999"


def _detail(events: list[dict[str, Any]], detail_type: str) -> list[dict[str, Any]]:
    return [event["detail"] for event in events if event["detail-type"] == detail_type]


def _describe_pool(cognito: CognitoIdentityProviderClient, pool_id: str) -> dict[str, Any]:
    pool: dict[str, Any] = dict(cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    pool.pop("LastModifiedDate", None)
    return pool


def _partner_cognito(stack: EmbeddedStack) -> CognitoIdentityProviderClient:
    """Cognito in the partner account, through an assumed role (moto maps the credentials to the account)."""
    credentials = stack.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{PARTNER_ACCOUNT}:role/seed", RoleSessionName="seed"
    )["Credentials"]
    client: CognitoIdentityProviderClient = boto3.client(
        "cognito-idp",
        region_name=PARTNER_REGION,
        endpoint_url=stack.endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return client


def test_stack_matches_template_settings(stack: EmbeddedStack) -> None:
    # Given the embedded stack
    sqs = stack.client("sqs")

    # When its queue is read back
    attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["All"])["Attributes"]

    # Then it is the template's FIFO queue: no content dedup, its visibility timeout, its redrive
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "false"
    assert int(attributes["VisibilityTimeout"]) == VISIBILITY_TIMEOUT
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == QUEUE_MAX_RECEIVE_COUNT
    assert redrive["deadLetterTargetArn"].endswith("-ChangeDLQ.fifo")
    versioning = stack.client("s3").get_bucket_versioning(Bucket=stack.bucket)
    assert versioning["Status"] == "Enabled"


def test_full_chain_from_event_to_snapshots_and_result(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given the sample request adapted to the realistic pool
    pool_id, _ = pool
    event = load_event("eventbridge-request")
    detail = event["detail"]
    detail["target"]["userPoolId"] = pool_id
    before = _describe_pool(cognito, pool_id)

    # When it is put on the bus and the functions run with what EventBridge and SQS deliver
    stack.put_request(detail, source=event["source"])
    intake = stack.run_intake()
    batches = stack.run_apply()

    # Then it was queued once, applied in one batch, and one "Applied" event was published by poolpatch
    assert [output["status"] for output in intake] == ["queued"]
    assert [batch.failed_ids for batch in batches] == [[]]
    events = stack.results()
    assert [(e["source"], e["detail-type"]) for e in events] == [("poolpatch", "User Pool Change Applied")]
    result = events[0]["detail"]
    assert result["status"] == "applied"
    assert result["requestId"] == detail["requestId"]
    assert result["verification"] == {"differences": []}
    assert {change["path"] for change in result["changes"]} == {
        "/Policies/PasswordPolicy/MinimumLength",
        "/Policies/PasswordPolicy/RequireSymbols",
        "/LambdaConfig/PostConfirmation",
        "/UserPoolTags/cost-center",
    }
    # ... the snapshots follow the layout and hold the update documents before and after
    layout = re.compile(
        rf"s3://{stack.bucket}/snapshots/{ACCOUNT_ID}/{REGION}/{pool_id}/pool/"
        rf"\d{{8}}T\d{{6}}Z-{detail['requestId']}/(before|after)\.json"
    )
    assert layout.fullmatch(result["snapshots"]["before"])
    assert layout.fullmatch(result["snapshots"]["after"])
    snap_before = stack.snapshot(result["snapshots"]["before"])
    snap_after = stack.snapshot(result["snapshots"]["after"])
    assert snap_before["updateDocument"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert snap_after["updateDocument"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert snap_before["request"]["reason"] == detail["reason"]
    assert snap_before["target"]["userPoolId"] == pool_id
    # ... and nothing else in the pool changed
    expected = copy.deepcopy(before)
    expected["Policies"]["PasswordPolicy"].update(MinimumLength=14, RequireSymbols=True)
    expected["LambdaConfig"]["PostConfirmation"] = detail["patch"]["LambdaConfig"]["PostConfirmation"]
    expected["UserPoolTags"]["cost-center"] = "identity-platform"
    assert _describe_pool(cognito, pool_id) == expected
    assert faults.calls("UpdateUserPool") == ["UpdateUserPool"]


def test_client_change_keeps_other_settings_and_no_secret_in_snapshots(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given the client-change sample adapted to the seeded OAuth client (its default redirect moves too)
    pool_id, client_id = pool
    event = load_event("eventbridge-client-change")
    detail = event["detail"]
    detail["target"] = {"userPoolId": pool_id, "clientId": client_id}
    detail["patch"]["DefaultRedirectURI"] = "https://portal.example.com/auth/callback"
    before = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]

    # When it goes through the pipeline
    stack.put_request(detail, source=event["source"])
    stack.run_intake()
    stack.run_apply()

    # Then the client is changed exactly as asked, with its group being the pool's
    results = _detail(stack.results(), "User Pool Change Applied")
    assert [r["status"] for r in results] == ["applied"]
    after = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    expected = {**before, **detail["patch"]}
    assert {k: v for k, v in after.items() if k != "LastModifiedDate"} == {
        k: v for k, v in expected.items() if k != "LastModifiedDate"
    }
    assert faults.calls("UpdateUserPoolClient") == ["UpdateUserPoolClient"]
    # ... and neither snapshot holds the client secret
    secret = before["ClientSecret"]
    for phase in ("before", "after"):
        reference = results[0]["snapshots"][phase]
        assert f"/{pool_id}/client-{client_id}/" in reference
        text = json.dumps(stack.snapshot(reference))
        assert "ClientSecret" not in text
        assert secret not in text


def test_plan_mode_publishes_planned_and_writes_nothing(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given the plan-mode sample with the pool's real LastModifiedDate as precondition
    pool_id, _ = pool
    detail = load_event("eventbridge-plan")["detail"]
    detail["target"]["userPoolId"] = pool_id
    modified = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
    detail["expectedLastModifiedDate"] = modified.astimezone(UTC).isoformat()
    before = _describe_pool(cognito, pool_id)

    # When it goes through the pipeline
    stack.put_request(detail)
    stack.run_intake()
    stack.run_apply()

    # Then a "Planned" result lists the change, and nothing was written or snapshotted
    events = stack.results()
    planned = _detail(events, "User Pool Change Planned")
    assert [r["status"] for r in planned] == ["planned"]
    assert [c["path"] for c in planned[0]["changes"]] == ["/AdminCreateUserConfig/AllowAdminCreateUserOnly"]
    assert faults.calls("UpdateUserPool") == []
    assert stack.snapshot_keys() == []
    assert _describe_pool(cognito, pool_id) == before


def test_invalid_request_is_rejected_at_intake_and_never_enqueued(stack: EmbeddedStack) -> None:
    # Given the invalid sample (hostile pool id, restore combined with patch)
    event = load_event("eventbridge-invalid")

    # When it is put on the bus and intake runs
    stack.put_request(event["detail"], source=event["source"])
    outputs = stack.run_intake()

    # Then intake publishes "Rejected" with InvalidRequest and the queue stays empty
    assert [o["status"] for o in outputs] == ["rejected"]
    rejected = _detail(stack.results(), "User Pool Change Rejected")
    assert [(r["requestId"], r["error"]["code"]) for r in rejected] == [
        ("chg-2025-06-03-bad", "InvalidRequest")
    ]
    assert stack.queue_depth() == 0
    assert stack.run_apply() == []


def test_direct_invocation_of_intake_enqueues(stack: EmbeddedStack, pool: tuple[str, str]) -> None:
    # Given the direct-invoke sample adapted to the pool
    document = load_event("direct-invoke")
    document["target"] = {"userPoolId": pool[0]}

    # When intake is invoked with the bare request
    output = stack.invoke_intake(document)

    # Then it is queued in the pool's group
    assert output["status"] == "queued"
    messages = stack.run_apply()
    assert [batch.failed_ids for batch in messages] == [[]]
    assert [r["status"] for r in _detail(stack.results(), "User Pool Change Applied")] in (
        ["applied"],
        ["unchanged"],
    )


def test_a_plan_is_not_recorded_so_an_apply_with_the_same_request_id_writes(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given a plan and then an apply of the same change under one requestId (sent after the FIFO
    # deduplication window, here simulated with distinct deduplication ids)
    pool_id, _ = pool
    patch = {"Policies": {"PasswordPolicy": {"MinimumLength": 16}}}
    plan = change_request(pool_id, patch, request_id="plan-then-apply", mode="plan")
    apply = change_request(pool_id, patch, request_id="plan-then-apply")
    stack.send_to_queue(plan, group_id=stack.group_id(pool_id), deduplication_id="plan-then-apply-1")
    stack.run_apply()
    stack.send_to_queue(apply, group_id=stack.group_id(pool_id), deduplication_id="plan-then-apply-2")
    # When the apply is processed
    stack.run_apply()
    # Then it wrote (the plan left no idempotency record to answer it)
    statuses = [event["detail"]["status"] for event in stack.results()]
    assert statuses == ["planned", "applied"]
    assert faults.calls("UpdateUserPool") == ["UpdateUserPool"]
    live = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert live["Policies"]["PasswordPolicy"]["MinimumLength"] == 16


@pytest.mark.parametrize("redelivery", ["lost-delete", "producer-resend"])
def test_same_request_id_twice_writes_once(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str], redelivery: str
) -> None:
    # Given one request applied once
    pool_id, _ = pool
    document = change_request(
        pool_id, {"Policies": {"PasswordPolicy": {"MinimumLength": 15}}}, request_id="dup-1"
    )
    stack.send_to_queue(document, group_id=stack.group_id(pool_id), deduplication_id="dup-1")
    if redelivery == "lost-delete":
        # the function finished but the messages were not deleted (a timeout): SQS delivers them again
        stack.run_apply(lose_deletes=True)
    else:
        stack.run_apply()
        # a producer resends the same request under another deduplication id
        stack.send_to_queue(document, group_id=stack.group_id(pool_id), deduplication_id="dup-1-resent")

    # When the second delivery is processed
    stack.run_apply()

    # Then both deliveries answer with the recorded result and Cognito was written once
    results = _detail(stack.results(), "User Pool Change Applied")
    assert len(results) == 2
    assert results[0] == results[1]
    assert results[0]["status"] == "applied"
    assert faults.calls("UpdateUserPool") == ["UpdateUserPool"]
    assert (
        cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"][
            "MinimumLength"
        ]
        == 15
    )
    assert stack.queue_depth() == 0


def test_two_requests_for_one_pool_apply_in_order(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given two requests for one pool, put on the bus one after the other
    pool_id, _ = pool
    first = change_request(pool_id, {"Policies": {"PasswordPolicy": {"MinimumLength": 16}}}, request_id="o-1")
    second = change_request(
        pool_id, {"Policies": {"PasswordPolicy": {"MinimumLength": 18}}}, request_id="o-2"
    )
    stack.put_request(first)
    stack.put_request(second)

    # When intake and apply run
    stack.run_intake()
    stack.run_apply()

    # Then both applied, in order, and the pool holds the second
    results = _detail(stack.results(), "User Pool Change Applied")
    assert [(r["requestId"], r["changes"][0]["before"], r["changes"][0]["after"]) for r in results] == [
        ("o-1", 12, 16),
        ("o-2", 16, 18),
    ]
    live = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert live["Policies"]["PasswordPolicy"]["MinimumLength"] == 18


@pytest.mark.parametrize(
    ("error_code", "times", "first_status"),
    [
        pytest.param("InvalidParameterException", 1, "rejected", id="non-retryable"),
        pytest.param("ConcurrentModificationException", 5, None, id="retryable"),
    ],
)
def test_failing_pool_does_not_block_another_pool(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    error_code: str,
    times: int,
    first_status: str | None,
) -> None:
    # Given two pools, two requests for the first and one for the second, in one batch,
    # and the first pool's update failing
    failing, _ = seed.realistic_pool(cognito)
    healthy, _ = seed.realistic_pool(cognito)
    faults.reset()
    for request_id, pool_id, length in (("f-1", failing, 13), ("f-2", failing, 14), ("h-1", healthy, 15)):
        document = change_request(
            pool_id, {"Policies": {"PasswordPolicy": {"MinimumLength": length}}}, request_id=request_id
        )
        stack.send_to_queue(document, group_id=stack.group_id(pool_id), deduplication_id=request_id)
    faults.inject("UpdateUserPool", error_code, times=times)

    # When the first batch is processed
    first_batch = stack.run_apply(max_batches=1)[0]

    # Then the healthy pool's request is applied in that batch
    statuses = {r["requestId"]: r["status"] for r in (e["detail"] for e in stack.results())}
    assert statuses["h-1"] == "applied"
    if first_status is None:
        # a retryable failure holds back its own group only: f-1 and f-2 are retried, in order
        assert len(first_batch.failed_ids) == 2
        assert set(statuses) == {"h-1"}
    else:
        assert first_batch.failed_ids == []
        assert statuses["f-1"] == first_status
    # ... and once the queue is drained the failing pool holds its last request
    stack.run_apply()
    later = [e["detail"] for e in stack.results()]
    if first_status is None:
        assert [(r["requestId"], r["status"]) for r in later] == [("f-1", "applied"), ("f-2", "applied")]
    assert stack.queue_depth() == 0
    assert (
        cognito.describe_user_pool(UserPoolId=failing)["UserPool"]["Policies"]["PasswordPolicy"][
            "MinimumLength"
        ]
        == 14
    )
    assert (
        cognito.describe_user_pool(UserPoolId=healthy)["UserPool"]["Policies"]["PasswordPolicy"][
            "MinimumLength"
        ]
        == 15
    )


def test_poison_and_invalid_messages_never_block_their_group(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given a non-JSON body, an invalid request and a valid one, sent straight to the pool's group
    pool_id, _ = pool
    group = stack.group_id(pool_id)
    poison_id = stack.send_to_queue("{not json", group_id=group)
    invalid = change_request("eu-west-1_../../x", {"MfaConfiguration": "OFF"}, request_id="bad-id")
    stack.send_to_queue(invalid, group_id=group)
    valid = change_request(
        pool_id, {"Policies": {"PasswordPolicy": {"MinimumLength": 17}}}, request_id="ok-1"
    )
    stack.send_to_queue(valid, group_id=group)

    # When apply runs
    batches = stack.run_apply()

    # Then the two bad ones are rejected, never retried, and the next message of the group applies
    assert [batch.failed_ids for batch in batches] == [[]]
    results = [e["detail"] for e in stack.results()]
    assert [(r["requestId"], r["status"], r.get("error", {}).get("code")) for r in results] == [
        (poison_id, "rejected", "InvalidRequest"),
        ("bad-id", "rejected", "InvalidRequest"),
        ("ok-1", "applied", None),
    ]
    assert (
        cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"][
            "MinimumLength"
        ]
        == 17
    )
    assert stack.dlq_messages() == []


def test_producer_sending_straight_to_the_queue(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given the SQS sample's first body, sent by a producer straight to the queue (no intake)
    pool_id, _ = pool
    body = json.loads(load_event("sqs-batch")["Records"][0]["body"])
    body["target"] = {"userPoolId": pool_id, "accountId": ACCOUNT_ID, "region": REGION}
    stack.send_to_queue(body, group_id=stack.group_id(pool_id), deduplication_id=body["requestId"])

    # When apply runs
    stack.run_apply()

    # Then it is applied like any other request
    results = _detail(stack.results(), "User Pool Change Applied")
    assert [r["status"] for r in results] == ["applied"]
    live = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert live["SmsAuthenticationMessage"] == body["patch"]["SmsAuthenticationMessage"]


def test_cross_account_through_sts_with_the_allow_list(make_stack: StackFactory) -> None:
    # Given a stack allowing the partner account, and a pool created in that account
    stack = make_stack(allowed_account_ids=(ACCOUNT_ID, PARTNER_ACCOUNT))
    partner = _partner_cognito(stack)
    pool_id, _ = seed.realistic_pool(partner)
    assume = tap(stack.runtime("apply").session.events, "sts", "AssumeRole")
    event = load_event("eventbridge-cross-account")
    detail = event["detail"]
    detail["target"]["userPoolId"] = pool_id

    # When the cross-account sample goes through the pipeline
    stack.put_request(detail, source=event["source"])
    assert [o["status"] for o in stack.run_intake()] == ["queued"]
    stack.run_apply()

    # Then the partner pool was changed through the target role, with the external id and source identity
    results = _detail(stack.results(), "User Pool Change Applied")
    assert [r["status"] for r in results] == ["applied"]
    assert (
        f"/snapshots/{PARTNER_ACCOUNT}/{PARTNER_REGION}/{pool_id}/pool/" in results[0]["snapshots"]["before"]
    )
    live = partner.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert live["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert assume.calls == 1
    params = assume.params[0]
    assert params["RoleArn"] == f"arn:aws:iam::{PARTNER_ACCOUNT}:role/{stack.target_role_name}"
    assert params["ExternalId"] == stack.target_role_external_id
    assert params["SourceIdentity"] == "poolpatch"
    # The result names the role session, which CloudTrail shows as the writer's identity
    assert results[0]["session"] == {
        "roleArn": params["RoleArn"],
        "name": params["RoleSessionName"],
    }
    assert detail["requestId"] not in params["RoleSessionName"]


def test_account_outside_the_allow_list_is_refused_everywhere(
    stack: EmbeddedStack, pool: tuple[str, str]
) -> None:
    # Given a stack allowing only its own account, and taps on both functions' STS calls
    intake_sts = tap(stack.runtime("intake").session.events, "sts", "AssumeRole")
    apply_sts = tap(stack.runtime("apply").session.events, "sts", "AssumeRole")
    document = change_request(
        pool[0], {"MfaConfiguration": "OPTIONAL"}, request_id="x-1", account_id=STRANGER_ACCOUNT
    )

    # When the request arrives on the bus, and also straight on the queue
    stack.put_request(document)
    outputs = stack.run_intake()
    stack.send_to_queue(document, group_id=stack.group_id(pool[0], account_id=STRANGER_ACCOUNT))
    stack.run_apply()

    # Then intake and apply both reject it with TargetNotAllowed, before any AssumeRole or Cognito call
    assert [o["status"] for o in outputs] == ["rejected"]
    rejected = _detail(stack.results(), "User Pool Change Rejected")
    assert [r["error"]["code"] for r in rejected] == ["TargetNotAllowed", "TargetNotAllowed"]
    assert (intake_sts.calls, apply_sts.calls) == (0, 0)
    assert faults.calls() == []


@pytest.mark.parametrize("correct", [False, True])
def test_a_version_1_desired_state_document_still_reports_or_corrects(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str], correct: bool
) -> None:
    # Given a version 1 desired-state document (the form before selectors) that differs from the pool; the
    # seeded pool carries its CloudFormation stack's tag, so correcting it takes correctOwned
    pool_id, _ = pool
    stack_name = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolTags"][
        "aws:cloudformation:stack-name"
    ]
    desired = {
        "target": {"userPoolId": pool_id},
        "patch": {"Policies": {"PasswordPolicy": {"MinimumLength": 20}}},
        "correct": correct,
        "correctOwned": correct,
    }
    stack.put_desired("customers.json", desired)

    # When a sweep runs, then apply drains the queue
    report = stack.drift_report(stack.drift_sweep())
    stack.run_apply()

    # Then exactly its target is reported (as its stack's), or corrected through the one writer path
    events = stack.results()
    live = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"]
    [line] = report["targets"]
    assert line["target"]["userPoolId"] == pool_id
    assert line["owner"] == {"type": "cloudformation", "stack": stack_name}
    assert [entry["path"] for entry in line["drift"]] == ["/Policies/PasswordPolicy/MinimumLength"]
    if correct:
        assert line["status"] == "correction-queued"
        assert [r["status"] for r in _detail(events, "User Pool Change Applied")] == ["applied"]
        assert live["MinimumLength"] == 20
    else:
        assert line["status"] == "owned"
        [detected] = _detail(events, "User Pool Drift Detected")
        assert detected["drift"] == line["drift"]
        assert faults.calls("UpdateUserPool") == []
        assert live["MinimumLength"] == 12


def test_a_version_1_document_does_not_correct_a_stack_s_pool_without_correct_owned(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given a version 1 document with "correct": true for a pool its CloudFormation stack owns
    pool_id, _ = pool
    desired = {
        "target": {"userPoolId": pool_id},
        "patch": {"Policies": {"PasswordPolicy": {"MinimumLength": 20}}},
        "correct": True,
    }
    stack.put_desired("customers.json", desired)

    # When a sweep runs
    [line] = stack.drift_report(stack.drift_sweep())["targets"]

    # Then it is reported as owned, naming why, and nothing is queued
    assert (line["status"], line["guards"]) == ("owned", ["owned"])
    assert stack.queue_depth() == 0


def test_result_times_are_recent(stack: EmbeddedStack, pool: tuple[str, str]) -> None:
    # Given a request applied through the pipeline
    stack.send_to_queue(
        change_request(pool[0], {"MfaConfiguration": "OPTIONAL"}), group_id=stack.group_id(pool[0])
    )

    # When it is processed
    stack.run_apply()

    # Then the result event is an EventBridge event of this account and Region, stamped now
    (event,) = stack.results()
    assert (event["account"], event["region"], event["source"]) == (ACCOUNT_ID, REGION, "poolpatch")
    stamp = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - stamp.replace(tzinfo=stamp.tzinfo or UTC)).total_seconds()) < 300
    assert event["detail"]["status"] == "unchanged"
