"""Drift for a fleet through the real handlers on the moto server and the Cognito fake (design.md, "Drift").

Every sweep here is the stack's: the schedule event starts it (``functions/drift/app.py``), its units run
from ``DriftWorkQueue`` through the same handler, corrections go through ``ChangeQueue.fifo`` and the
apply function. Expected values come from the test's own documents and from the fake's describe output.
Each test starts from an empty moto backend, so an account-wide baseline sees only the test's pools.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.cognitoidp.models import cognitoidp_backends
from moto.moto_api._internal.models import moto_api_backend

from poolpatch.adapters.session import TargetSessions
from poolpatch.errors import AccessDenied, ServiceError
from poolpatch_fake import faults
from poolpatch_fake.stack import ACCOUNT_ID, REGION, EmbeddedStack
from poolpatch_lambda import drift as drift_function
from poolpatch_lambda.drift_state import ReportStore

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from tests.integration.conftest import StackFactory

LENGTH = "/Policies/PasswordPolicy/MinimumLength"
OTHER_ACCOUNT = "111122223333"
DENIED_ACCOUNT = "444455556666"


@pytest.fixture
def fresh(make_stack: StackFactory) -> Iterator[StackFactory]:
    """A stack factory over an empty moto backend (pools of earlier tests would match baselines)."""
    moto_api_backend.reset()
    faults.reset()
    return make_stack


@pytest.fixture
def stack(fresh: StackFactory) -> EmbeddedStack:
    """A stack with the correction limit out of the way (tests of the limit make their own)."""
    return fresh(drift_correction_limit_percent=100)


@pytest.fixture
def cognito(stack: EmbeddedStack) -> CognitoIdentityProviderClient:
    client: CognitoIdentityProviderClient = stack.client("cognito-idp")
    return client


def make_pool(
    cognito: CognitoIdentityProviderClient, name: str, *, length: int = 8, tags: dict[str, str] | None = None
) -> str:
    response = cognito.create_user_pool(
        PoolName=name,
        Policies={"PasswordPolicy": {"MinimumLength": length}},
        UserPoolTags=tags or {},
    )
    return response["UserPool"]["Id"]


def live_length(cognito: CognitoIdentityProviderClient, pool_id: str) -> int:
    return int(
        cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"][
            "MinimumLength"
        ]
    )


def baseline(
    length: int, *, mode: str = "correct", selector: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "version": "2",
        "selector": selector or {},
        "patch": {"Policies": {"PasswordPolicy": {"MinimumLength": length}}},
        "mode": mode,
        **extra,
    }


def by_pool(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Pool target lines by pool id (client lines keyed ``pool/client``)."""
    out = {}
    for line in report["targets"]:
        target = line["target"]
        if "userPoolId" not in target:
            continue  # a unit that could not be checked
        key = target["userPoolId"] + (f"/{target['clientId']}" if "clientId" in target else "")
        out[key] = line
    return out


def events(stack: EmbeddedStack, detail_type: str) -> list[dict[str, Any]]:
    return [event["detail"] for event in stack.results() if event["detail-type"] == detail_type]


def detail_types(stack: EmbeddedStack) -> list[str]:
    return [event["detail-type"] for event in stack.results()]


# -- documents, selection, precedence ----------------------------------------------------------------


def test_report_mode_reports_drift_and_writes_nothing(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given four pools, two of them below a password baseline in report mode (the default)
    short = [make_pool(cognito, f"short-{i}", length=8) for i in range(2)]
    good = [make_pool(cognito, f"good-{i}", length=14) for i in range(2)]
    document = baseline(14)
    del document["mode"]
    stack.put_desired("baseline.json", document)
    faults.reset()

    # When a scheduled sweep runs
    sweep_id = stack.drift_sweep()

    # Then the two short pools are drifted with the document named, the others in sync, nothing written
    report = stack.drift_report(sweep_id)
    lines = by_pool(report)
    assert {pool: lines[pool]["status"] for pool in short + good} == {
        **dict.fromkeys(short, "drifted"),
        **dict.fromkeys(good, "in-sync"),
    }
    assert lines[short[0]]["drift"] == [{"path": LENGTH, "desired": 14, "live": 8, "document": "baseline"}]
    assert faults.calls("UpdateUserPool") == []
    assert stack.queue_depth() == 0
    assert report["totals"]["drifted"] == 2
    assert report["totals"]["in-sync"] == 2
    detected = events(stack, "User Pool Drift Detected")
    assert sorted(d["target"]["userPoolId"] for d in detected) == sorted(short)

    # And a second sweep finds the same drift without announcing it again
    stack.drift_sweep()
    assert "User Pool Drift Detected" not in detail_types(stack)


def test_correct_mode_queues_corrections_with_a_precondition_and_resolves(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a drifted pool and a baseline in mode correct
    pool_id = make_pool(cognito, "drifted", length=8)
    modified = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
    stack.put_desired("baseline.json", baseline(14))

    # When the sweep runs
    sweep_id = stack.drift_sweep()

    # Then one ordinary change request is queued: the precondition is the detecting read's date
    line = by_pool(stack.drift_report(sweep_id))[pool_id]
    assert line["status"] == "correction-queued"
    messages = stack.client("sqs").receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10)[
        "Messages"
    ]
    assert len(messages) == 1
    request = json.loads(messages[0]["Body"])
    stack.release_in_flight()
    stack.client("sqs").change_message_visibility(
        QueueUrl=stack.queue_url, ReceiptHandle=messages[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    assert request["requestId"] == line["correction"]["requestId"]
    assert request["requestedBy"] == "poolpatch-drift"
    assert "baseline" in request["reason"]
    assert request["patch"] == {"Policies": {"PasswordPolicy": {"MinimumLength": 14}}}
    assert abs(_timestamp(request["expectedLastModifiedDate"]) - modified.timestamp()) < 0.002

    # And apply writes it through the one writer path; the next sweep announces the target resolved
    stack.run_apply()
    assert live_length(cognito, pool_id) == 14
    stack.results()
    second = stack.drift_report(stack.drift_sweep())
    assert by_pool(second)[pool_id]["status"] == "in-sync"
    assert [d["target"]["userPoolId"] for d in events(stack, "User Pool Drift Resolved")] == [pool_id]


def test_a_write_between_detection_and_correction_is_not_overwritten(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a correction queued for a drifted pool
    pool_id = make_pool(cognito, "moving", length=8)
    stack.put_desired("baseline.json", baseline(14))
    stack.drift_sweep()

    # When someone changes the pool before apply runs
    cognito.update_user_pool(UserPoolId=pool_id, Policies={"PasswordPolicy": {"MinimumLength": 9}})
    stack.run_apply()

    # Then the correction is refused on its precondition and the newer write stays
    rejected = events(stack, "User Pool Change Rejected")
    assert [r["error"]["code"] for r in rejected] == ["PreconditionFailed"]
    assert live_length(cognito, pool_id) == 9


def test_precedence_ids_over_tags_over_account(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given an account baseline (12), a tag document for prod (14) and an id document for one pool (16)
    plain = make_pool(cognito, "plain")
    prod = make_pool(cognito, "prod", tags={"environment": "prod"})
    special = make_pool(cognito, "special", tags={"environment": "prod"})
    stack.put_desired("account.json", baseline(12, mode="report"))
    stack.put_desired(
        "prod.json", baseline(14, mode="report", selector={"poolTags": {"environment": "prod"}})
    )
    stack.put_desired("special.json", baseline(16, mode="report", selector={"userPoolIds": [special]}))

    # When the sweep runs
    lines = by_pool(stack.drift_report(stack.drift_sweep()))

    # Then each pool's desired value and deciding document follow precedence
    assert [(e["desired"], e["document"]) for e in lines[plain]["drift"]] == [(12, "account")]
    assert [(e["desired"], e["document"]) for e in lines[prod]["drift"]] == [(14, "prod")]
    assert [(e["desired"], e["document"]) for e in lines[special]["drift"]] == [(16, "special")]
    assert lines[special]["documents"] == ["account", "prod", "special"]


def test_a_conflict_is_reported_and_neither_value_is_written(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given two tag documents of equal precedence wanting 20 and 16, one of them also deletion protection
    pool_id = make_pool(cognito, "contested", length=8, tags={"team": "a", "environment": "prod"})
    stack.put_desired("team-a.json", baseline(20, selector={"poolTags": {"team": "a"}}))
    protect = baseline(16, selector={"poolTags": {"environment": "prod"}})
    protect["patch"]["DeletionProtection"] = "ACTIVE"
    stack.put_desired("prod.json", protect)

    # When the sweep runs and apply drains the queue
    line = by_pool(stack.drift_report(stack.drift_sweep()))[pool_id]
    stack.run_apply()

    # Then the pointer is a conflict naming both documents, the length untouched, the rest corrected
    assert line["status"] == "conflict"
    assert line["conflicts"] == [{"path": LENGTH, "documents": ["prod", "team-a"]}]
    assert line["correction"]["documents"] == ["prod"]
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert pool["DeletionProtection"] == "ACTIVE"


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (
            {
                "target": {"userPoolId": "eu-west-1_AbC"},
                "patch": {"DeletionProtection": "ACTIVE"},
                "correct": "false",
            },
            "/correct",
        ),
        ({"version": "2", "patch": {"DeletionProtection": "ACTIVE"}, "mode": "false"}, "/mode"),
        ({"version": "2", "patch": {"DeletionProtection": "ACTIVE"}, "correct": True}, "/correct"),
        ({"version": "2", "patch": {"NoSuchMember": 1}}, "/patch/NoSuchMember"),
    ],
)
def test_an_invalid_document_is_reported_and_never_applied(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, document: dict[str, Any], path: str
) -> None:
    # Given an invalid document next to nothing else
    make_pool(cognito, "untouched")
    stack.put_desired("broken.json", document)

    # When the sweep runs
    report = stack.drift_report(stack.drift_sweep())

    # Then the document is listed invalid with the offending member, and nothing was checked or written
    [entry] = report["documents"]
    assert entry["valid"] is False
    assert entry["key"] == "desired/broken.json"
    assert entry["error"]["path"] == path
    assert report["totals"]["targets"] == 0
    assert faults.calls("UpdateUserPool") == []
    assert stack.queue_depth() == 0


def test_upper_case_extension_is_reported(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    stack.put_desired("baseline.JSON", baseline(14))
    stack.put_desired("README.md", "not a document")
    report = stack.drift_report(stack.drift_sweep())
    assert [(d["key"], d["valid"]) for d in report["documents"]] == [("desired/baseline.JSON", False)]


def test_long_and_similar_keys_get_their_own_corrections_every_day(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given documents whose keys the old request ids merged: '/' vs '-', and a key past 127 characters
    first, second, third = (make_pool(cognito, f"p{i}", length=8) for i in range(3))
    long_key = "team-" + "x" * 140 + ".json"
    stack.put_desired("team-a/pool.json", baseline(14, selector={"userPoolIds": [first]}))
    stack.put_desired("team-a-pool.json", baseline(15, selector={"userPoolIds": [second]}))
    stack.put_desired(long_key, baseline(16, selector={"userPoolIds": [third]}))

    # When a sweep corrects them, someone reverts all three, and the next sweep corrects them again
    stack.drift_sweep()
    stack.run_apply()
    lengths = [live_length(cognito, pool) for pool in (first, second, third)]
    for pool in (first, second, third):
        cognito.update_user_pool(UserPoolId=pool, Policies={"PasswordPolicy": {"MinimumLength": 8}})
    stack.results()
    stack.drift_sweep()
    stack.run_apply()

    # Then every document was applied both times, with six distinct request ids
    assert lengths == [14, 15, 16]
    assert [live_length(cognito, pool) for pool in (first, second, third)] == [14, 15, 16]
    applied = events(stack, "User Pool Change Applied")
    assert [r["status"] for r in applied] == ["applied"] * 3


# -- guards --------------------------------------------------------------------------------------------


def test_anti_flap_suppresses_a_third_correction_within_a_day(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a baseline that someone keeps reverting (a tool fighting poolpatch)
    pool_id = make_pool(cognito, "contested", length=8)
    stack.put_desired("baseline.json", baseline(14))
    statuses = []
    for _ in range(3):
        sweep_id = stack.drift_sweep()
        stack.run_apply()
        statuses.append(by_pool(stack.drift_report(sweep_id))[pool_id]["status"])
        cognito.update_user_pool(UserPoolId=pool_id, Policies={"PasswordPolicy": {"MinimumLength": 8}})

    # Then the third sweep does not correct it again
    assert statuses == ["correction-queued", "correction-queued", "suppressed"]
    assert live_length(cognito, pool_id) == 8
    line = by_pool(stack.drift_report(sweep_id))[pool_id]
    assert line["suppressed"] == [LENGTH]
    assert line["guards"] == ["anti-flap"]


def test_the_correction_limit_halts_a_sweep(fresh: StackFactory) -> None:
    # Given ten pools of which two (20 %) would be corrected, under the default 10 % limit
    stack = fresh()
    cognito = stack.client("cognito-idp")
    drifted = [make_pool(cognito, f"d{i}", length=8) for i in range(2)]
    for i in range(8):
        make_pool(cognito, f"ok{i}", length=14)
    stack.put_desired("baseline.json", baseline(14))

    # When the sweep runs
    report = stack.drift_report(stack.drift_sweep())

    # Then nothing is queued, the sweep is halted with its event, and every candidate names the guard
    assert stack.queue_depth() == 0
    assert report["halted"] is True
    halted = events_of(stack)
    assert halted["User Pool Drift Sweep Halted"][0]["sweepId"] == report["sweepId"]
    assert halted["User Pool Drift Sweep Completed"][0]["halted"] is True
    lines = by_pool(report)
    assert [lines[pool]["guards"] for pool in drifted] == [["limit"], ["limit"]]
    assert "Halted" in report["summary"]


def events_of(stack: EmbeddedStack) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for event in stack.results():
        out.setdefault(event["detail-type"], []).append(event["detail"])
    return out


def test_one_correction_in_ten_is_within_the_limit(fresh: StackFactory) -> None:
    stack = fresh()
    cognito = stack.client("cognito-idp")
    drifted = make_pool(cognito, "d", length=8)
    for i in range(9):
        make_pool(cognito, f"ok{i}", length=14)
    stack.put_desired("baseline.json", baseline(14))
    report = stack.drift_report(stack.drift_sweep())
    assert report["halted"] is False
    assert by_pool(report)[drifted]["status"] == "correction-queued"
    assert stack.queue_depth() == 1


def test_kill_switch_reports_only(stack: EmbeddedStack, cognito: CognitoIdentityProviderClient) -> None:
    pool_id = make_pool(cognito, "drifted", length=8)
    stack.put_desired("baseline.json", baseline(14))
    with stack.environment(DRIFT_CORRECTION="disabled"):
        report = stack.drift_report(stack.drift_sweep())
    line = by_pool(report)[pool_id]
    assert (line["status"], line["guards"]) == ("drifted", ["kill-switch"])
    assert stack.queue_depth() == 0
    assert report["correction"] == "disabled"


@pytest.mark.parametrize(
    ("tag", "status", "guards"), [("ignore", "ignored", None), ("report", "drifted", ["tag"])]
)
def test_the_pool_tag_guard(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    tag: str,
    status: str,
    guards: list[str] | None,
) -> None:
    pool_id = make_pool(cognito, "guarded", length=8, tags={"poolpatch:drift": tag})
    stack.put_desired("baseline.json", baseline(14))
    line = by_pool(stack.drift_report(stack.drift_sweep()))[pool_id]
    assert line["status"] == status
    assert line.get("guards") == guards
    assert stack.queue_depth() == 0


@pytest.mark.parametrize("correct_owned", [False, True])
def test_a_stack_owned_pool_is_named_and_corrected_only_when_a_document_says_so(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, correct_owned: bool
) -> None:
    # Given a pool created by a CloudFormation stack (its aws: tag can only be set by CloudFormation)
    pool_id = make_pool(cognito, "owned", length=8)
    backend_pool = cognitoidp_backends[ACCOUNT_ID][REGION].user_pools[pool_id]
    backend_pool.extended_config.setdefault("UserPoolTags", {})["aws:cloudformation:stack-name"] = (
        "identity-prod"
    )
    stack.put_desired("baseline.json", baseline(14, correctOwned=correct_owned))

    # When the sweep runs
    line = by_pool(stack.drift_report(stack.drift_sweep()))[pool_id]

    # Then the owner is named; the pool is corrected only with correctOwned
    assert line["owner"] == {"type": "cloudformation", "stack": "identity-prod"}
    if correct_owned:
        assert line["status"] == "correction-queued"
        assert stack.queue_depth() == 1
    else:
        assert (line["status"], line["guards"]) == ("owned", ["owned"])
        assert stack.queue_depth() == 0


# -- discovery -----------------------------------------------------------------------------------------


def test_a_new_app_client_is_covered_by_a_client_baseline(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a client baseline by name and a pool with one such client
    pool_id = make_pool(cognito, "apps", length=14)
    first = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]
    cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="batch")
    document = {
        "version": "2",
        "kind": "client",
        "selector": {"clientNames": ["web"]},
        "patch": {"EnableTokenRevocation": True, "PreventUserExistenceErrors": "ENABLED"},
    }
    stack.put_desired("web-clients.json", document)
    report = stack.drift_report(stack.drift_sweep())
    assert sorted(by_pool(report)) == [f"{pool_id}/{first}"]

    # When a new client of that name appears
    second = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]
    report = stack.drift_report(stack.drift_sweep())

    # Then the next sweep checks it with no new document
    lines = by_pool(report)
    assert sorted(lines) == sorted([f"{pool_id}/{first}", f"{pool_id}/{second}"])
    raw = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=second)["UserPoolClient"]
    assert [e["path"] for e in lines[f"{pool_id}/{second}"]["drift"]] == ["/PreventUserExistenceErrors"]
    assert lines[f"{pool_id}/{second}"]["drift"][0]["live"] == raw["PreventUserExistenceErrors"]


def _account_client(stack: EmbeddedStack, account: str) -> CognitoIdentityProviderClient:
    sts = stack.client("sts")
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/setup", RoleSessionName="setup")[
        "Credentials"
    ]
    client: CognitoIdentityProviderClient = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=stack.endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return client


def test_an_unassumable_account_is_reported_once_and_the_others_complete(
    fresh: StackFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three allowed accounts; the target role cannot be assumed in one of them
    stack = fresh(
        allowed_account_ids=[ACCOUNT_ID, OTHER_ACCOUNT, DENIED_ACCOUNT], drift_correction_limit_percent=100
    )
    pools = {
        account: make_pool(_account_client(stack, account), "p", length=8)
        for account in (ACCOUNT_ID, OTHER_ACCOUNT, DENIED_ACCOUNT)
    }
    assume = TargetSessions._assume
    attempts: list[str] = []

    def refuse(self: TargetSessions, account: str, region: str | None) -> Any:
        attempts.append(account)
        if account == DENIED_ACCOUNT:
            raise AccessDenied(
                "AssumeRole failed: AccessDenied: not authorized", remedy="Check the target role."
            )
        return assume(self, account, region)

    monkeypatch.setattr(TargetSessions, "_assume", refuse)
    stack.put_desired("fleet.json", baseline(14, mode="report", selector={"accountIds": ["*"]}))

    # When the sweep runs
    report = stack.drift_report(stack.drift_sweep())

    # Then the denied account is one error line, once, and the others are checked
    errors = [line for line in report["targets"] if line["status"] == "error"]
    assert errors == [
        {
            "target": {"accountId": DENIED_ACCOUNT, "region": REGION},
            "status": "error",
            "drift": [],
            "error": {
                "code": "AccessDenied",
                "message": "AssumeRole failed: AccessDenied: not authorized Remedy: Check the target role.",
            },
        }
    ]
    assert attempts.count(DENIED_ACCOUNT) == 1
    lines = by_pool(report)
    assert lines[pools[ACCOUNT_ID]]["status"] == "drifted"
    assert lines[pools[OTHER_ACCOUNT]]["status"] == "drifted"
    assert lines[pools[OTHER_ACCOUNT]]["target"]["accountId"] == OTHER_ACCOUNT
    units = {(u["accountId"], u.get("error", {}).get("code")) for u in report["units"]}
    assert units == {(ACCOUNT_ID, None), (OTHER_ACCOUNT, None), (DENIED_ACCOUNT, "AccessDenied")}


def test_a_sweep_that_runs_out_of_time_continues_to_the_end(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given twelve pools, each with two clients, and documents for pools and clients
    pools = sorted(make_pool(cognito, f"p{i:02}", length=8) for i in range(12))
    for pool in pools:
        for name in ("a", "b"):
            cognito.create_user_pool_client(UserPoolId=pool, ClientName=name)
    stack.put_desired("pools.json", baseline(14, mode="report"))
    stack.put_desired(
        "clients.json", {"version": "2", "kind": "client", "patch": {"EnableTokenRevocation": False}}
    )

    # When every invocation has time for only about five targets
    counter = itertools.count()

    def remaining() -> int:
        return 900_000 if next(counter) % 6 < 5 else 1_000

    # (bundles off: this test counts the unit's invocations; bundle passes have theirs,
    # test_drift_bundles.py)
    with stack.environment(DRIFT_STORE_BUNDLES="false"):
        started = stack.run_drift()
        responses = stack.run_drift_work(remaining=remaining, max_invocations=100)

    # Then the unit continued over several invocations and every target was checked exactly once
    report = stack.drift_report(started["sweepId"])
    assert len(responses) > 5
    keys = list(by_pool(report))
    assert len(report["targets"]) == len(keys) == 12 * 3
    assert {key.split("/")[0] for key in keys} == set(pools)
    parts = stack.snapshot_keys(f"drift-reports/{started['sweepId']}/parts/")
    assert len(parts) == len(responses)


# -- CloudTrail ------------------------------------------------------------------------------------------


def cloudtrail_event(
    pool_id: str,
    *,
    source_identity: str | None = None,
    issuer: str = "poolpatch-target",
    event_name: str = "UpdateUserPool",
    request: dict[str, Any] | None = None,
    event_time: str | None = "2026-12-06T10:00:04Z",
) -> dict[str, Any]:
    """A CloudTrail Cognito write as EventBridge delivers it; ``event_time`` ``None`` leaves ``eventTime``
    out."""
    session: dict[str, Any] = {
        "attributes": {"creationDate": "2026-12-06T10:00:00Z", "mfaAuthenticated": "false"},
        "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{issuer}"},
    }
    if source_identity:
        session["sourceIdentity"] = source_identity
    event: dict[str, Any] = {
        "version": "0",
        "id": "6f2b2f5e-0c1e-4d6b-9a5e-000000000001",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.cognito-idp",
        "account": ACCOUNT_ID,
        "time": "2026-12-06T10:00:05Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {"type": "AssumedRole", "sessionContext": session},
            "eventTime": event_time,
            "eventSource": "cognito-idp.amazonaws.com",
            "eventName": event_name,
            "awsRegion": REGION,
            "requestParameters": request or {"userPoolId": pool_id},
            "responseElements": None,
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": ACCOUNT_ID,
        },
    }
    if event_time is None:
        del event["detail"]["eventTime"]
    return event


def test_an_out_of_band_write_gets_one_targeted_check(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a baseline, an in-sync pool and another pool nobody touched
    pool_id = make_pool(cognito, "watched", length=14)
    other = make_pool(cognito, "other", length=8)
    stack.put_desired("baseline.json", baseline(14, mode="report"))

    # When someone lowers the length in the console: three CloudTrail events in one burst (one minute)
    cognito.update_user_pool(UserPoolId=pool_id, Policies={"PasswordPolicy": {"MinimumLength": 6}})
    for second in ("04", "31", "59"):
        stack.invoke_drift(cloudtrail_event(pool_id, event_time=f"2026-12-06T10:00:{second}Z"))
    responses = stack.run_drift_work()

    # Then exactly one check ran, for that pool only, and reported its drift
    assert len(responses) == 1
    [completed] = events(stack, "User Pool Drift Sweep Completed")
    assert completed["trigger"] == "cloudtrail"
    report = stack.drift_report(completed["sweepId"])
    assert list(by_pool(report)) == [pool_id]
    assert by_pool(report)[pool_id]["drift"] == [
        {"path": LENGTH, "desired": 14, "live": 6, "document": "baseline"}
    ]
    assert other not in by_pool(report)


def test_targeted_checks_are_debounced_by_the_write_s_own_time(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a baseline and a pool
    pool_id = make_pool(cognito, "debounced", length=14)
    stack.put_desired("baseline.json", baseline(14, mode="report"))

    # When its write events arrive, whenever they are delivered: one at 10:00:04 (delivered twice), one at
    # 10:01:00, one without eventTime in an envelope of 10:02:30, and one whose times are unreadable
    first = cloudtrail_event(pool_id, event_time="2026-12-06T10:00:04Z")
    next_minute = cloudtrail_event(pool_id, event_time="2026-12-06T10:01:00Z")
    envelope_only = cloudtrail_event(pool_id, event_time=None)
    envelope_only["time"] = "2026-12-06T10:02:30Z"
    unreadable = cloudtrail_event(pool_id, event_time="yesterday")
    unreadable["time"] = "soon"
    for event in (first, first, next_minute, envelope_only, unreadable):
        assert "queued" in stack.invoke_drift(event)
    stack.run_drift_work()

    # Then each minute of writes is one check (10:00, 10:01, 10:02), and the unreadable one falls in this one
    checks = [e for e in events(stack, "User Pool Drift Sweep Completed") if e["trigger"] == "cloudtrail"]
    assert len(checks) == 4


def test_poolpatch_s_own_write_triggers_no_check(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    pool_id = make_pool(cognito, "watched", length=14)
    stack.put_desired("baseline.json", baseline(14, mode="report"))
    response = stack.invoke_drift(cloudtrail_event(pool_id, source_identity="poolpatch"))
    assert response == {"ignored": "poolpatch's own write"}
    assert stack.run_drift_work() == []


def _timestamp(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


# -- faults ----------------------------------------------------------------------------------------------


def test_throttling_is_retried_counted_and_never_an_error(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a pool whose describe is throttled twice (the service's quota answer)
    pool_id = make_pool(cognito, "busy", length=8)
    stack.put_desired("baseline.json", baseline(14, mode="report"))
    faults.inject("DescribeUserPool", "TooManyRequestsException", times=2, message="Too many requests")

    # When the sweep runs
    report = stack.drift_report(stack.drift_sweep())

    # Then botocore's retries absorbed it: the pool was checked, and the two throttles are counted
    assert by_pool(report)[pool_id]["status"] == "drifted"
    assert report["totals"]["throttled"] == 2
    assert report["totals"]["error"] == 0


def test_a_unit_that_fails_is_retried_soon_and_a_foreign_message_is_dropped(stack: EmbeddedStack) -> None:
    # Given a unit of a sweep whose manifest does not exist, and a message drift never writes
    sqs = stack.client("sqs")
    unit = {"type": "unit", "sweepId": "20260101T000000Z-deadbeef", "accountId": ACCOUNT_ID, "region": REGION}
    sqs.send_message(QueueUrl=stack.drift_work_url, MessageBody=json.dumps(unit))
    sqs.send_message(QueueUrl=stack.drift_work_url, MessageBody=json.dumps({"hello": "world"}))

    # When the function runs each once
    responses = stack.run_drift_work(max_invocations=2)

    # Then the unit is a failed record, left invisible for a short retry delay (then SQS redelivers it, and
    # after three receives its DLQ alarms); the foreign message is dropped
    assert sorted(len(r["batchItemFailures"]) for r in responses) == [0, 1]
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack.drift_work_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert (
        attributes["ApproximateNumberOfMessages"],
        attributes["ApproximateNumberOfMessagesNotVisible"],
    ) == ("0", "1")


def fail_report_write_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next ``report.json`` write fails (a transient S3 error); failed records are retried at once."""
    write = ReportStore.put
    failed: list[str] = []

    def flaky(
        self: ReportStore, sweep_id: str, name: str, body: str, content_type: str = "application/json"
    ) -> None:
        if name == "report.json" and not failed:
            failed.append(name)
            raise ServiceError("PutObject failed: injected", retryable=True)
        write(self, sweep_id, name, body, content_type)

    monkeypatch.setattr(ReportStore, "put", flaky)
    monkeypatch.setattr(drift_function, "RETRY_SECONDS", 0)


def test_a_failed_finalisation_is_retried_without_walking_the_unit_again(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a sweep whose report write fails once (after its only unit has finished), retried at once
    pool_id = make_pool(cognito, "p", length=8)
    stack.put_desired("baseline.json", baseline(14, mode="report"))
    fail_report_write_once(monkeypatch)
    faults.reset()

    # When the sweep runs: the unit's record fails once and is redelivered
    # (bundles off: this test counts the unit's reads and invocations, a bundle pass adds its own)
    with stack.environment(DRIFT_STORE_BUNDLES="false"):
        started = stack.run_drift()
        responses = stack.run_drift_work()

    # Then the redelivery finalises without a second walk, and the sweep completes once
    assert [len(r["batchItemFailures"]) for r in responses] == [1, 0]
    assert faults.calls("DescribeUserPool") == ["DescribeUserPool"]
    report = stack.drift_report(started["sweepId"])
    assert by_pool(report)[pool_id]["status"] == "drifted"
    assert detail_types(stack).count("User Pool Drift Sweep Completed") == 1


def test_a_source_identity_alone_does_not_hide_a_write(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a write by another role whose session claims sourceIdentity "poolpatch"
    pool_id = make_pool(cognito, "watched", length=14)
    stack.put_desired("baseline.json", baseline(14, mode="report"))
    event = cloudtrail_event(pool_id, source_identity="poolpatch", issuer="someone-else")

    # When it reaches the drift function, then it is checked like any other write
    assert stack.invoke_drift(event) == {
        "queued": {"accountId": ACCOUNT_ID, "region": REGION, "userPoolId": pool_id}
    }


@pytest.mark.parametrize("event_name", ["DeleteGroup", "AdminAddUserToGroup", "AdminCreateUser"])
def test_writes_drift_does_not_check_trigger_nothing(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, event_name: str
) -> None:
    pool_id = make_pool(cognito, "watched", length=14)
    stack.put_desired("baseline.json", baseline(14))
    response = stack.invoke_drift(cloudtrail_event(pool_id, event_name=event_name))
    assert response == {"ignored": "not a write drift checks"}
    assert stack.run_drift_work() == []


def test_an_update_group_event_checks_that_group_only(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a pool with two groups, a group document over every group, and a pool baseline
    from poolpatch_fake import seed

    pool = seed.full_pool(cognito, oidc_client_secret="oidc-test-secret-not-real")
    admins, viewers = pool.groups
    stack.put_desired(
        "groups.json", {"version": "2", "kind": "group", "patch": {"Precedence": 5}, "mode": "report"}
    )
    stack.put_desired("baseline.json", baseline(14, mode="report"))

    # When someone changes one group's precedence in the console
    cognito.update_group(UserPoolId=pool.user_pool_id, GroupName=viewers, Precedence=9)
    event = cloudtrail_event(
        pool.user_pool_id,
        event_name="UpdateGroup",
        request={"userPoolId": pool.user_pool_id, "groupName": viewers, "precedence": 9},
    )
    response = stack.invoke_drift(event)
    responses = stack.run_drift_work()

    # Then one check was queued for that group, and its report holds that group's line only
    assert response == {
        "queued": {
            "accountId": ACCOUNT_ID,
            "region": REGION,
            "userPoolId": pool.user_pool_id,
            "kinds": ["group"],
            "name": viewers,
        }
    }
    assert len(responses) == 1
    [completed] = events(stack, "User Pool Drift Sweep Completed")
    assert completed["trigger"] == "cloudtrail"
    report = stack.drift_report(completed["sweepId"])
    assert [line["target"] for line in report["targets"]] == [
        {
            "userPoolId": pool.user_pool_id,
            "accountId": ACCOUNT_ID,
            "region": REGION,
            "kind": "group",
            "name": viewers,
        }
    ]
    [line] = report["targets"]
    assert line["drift"] == [{"path": "/Precedence", "desired": 5, "live": 9, "document": "groups"}]
    assert admins not in json.dumps(report["targets"])


def test_after_a_halted_sweep_targeted_checks_report_only(fresh: StackFactory) -> None:
    # Given a sweep halted by the limit (a bad document would correct every pool)
    stack = fresh()
    cognito = stack.client("cognito-idp")
    pools = [make_pool(cognito, f"p{i}", length=8) for i in range(4)]
    stack.put_desired("bad.json", baseline(99))
    assert stack.drift_report(stack.drift_sweep())["halted"] is True

    # When a write to one pool triggers a targeted check
    stack.invoke_drift(cloudtrail_event(pools[0]))
    stack.run_drift_work()

    # Then the check reports the drift and corrects nothing, naming the limit
    [completed] = [
        e for e in events(stack, "User Pool Drift Sweep Completed") if e["trigger"] == "cloudtrail"
    ]
    [line] = stack.drift_report(completed["sweepId"])["targets"]
    assert (line["status"], line["guards"]) == ("drifted", ["limit"])
    assert stack.queue_depth() == 0


def test_a_redelivered_check_is_the_same_sweep(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a targeted check whose report write fails once, retried at once
    pool_id = make_pool(cognito, "watched", length=8)
    stack.put_desired("baseline.json", baseline(14))
    fail_report_write_once(monkeypatch)

    # When the check runs, fails, and runs again
    stack.invoke_drift(cloudtrail_event(pool_id))
    responses = stack.run_drift_work()

    # Then one sweep, one correction, and the anti-flap history counts it once
    assert [len(r["batchItemFailures"]) for r in responses] == [1, 0]
    stack.run_apply()
    applied = events(stack, "User Pool Change Applied")
    assert [r["status"] for r in applied] == ["applied"]
    assert events(stack, "User Pool Change Rejected") == []
    flap = [
        i
        for i in stack.client("dynamodb").scan(TableName=stack.drift_table)["Items"]
        if i["pk"]["S"].startswith("flap#")
    ]
    assert [len(json.loads(i["corrections"]["S"])[LENGTH]) for i in flap] == [1]


def test_a_failed_publish_announces_the_drift_on_the_retry(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a drifted pool, and PutEvents failing once
    pool_id = make_pool(cognito, "p", length=8)
    stack.put_desired("baseline.json", baseline(14, mode="report"))
    from poolpatch.adapters.events import EventBridgePublisher, PublishFailed

    publish = EventBridgePublisher.publish
    failed: list[int] = []

    def flaky(self: EventBridgePublisher, results: Any, *, detail_type: str | None = None) -> None:
        if detail_type == "User Pool Drift Detected" and not failed:
            failed.append(1)
            raise PublishFailed("PutEvents failed: injected")
        publish(self, results, detail_type=detail_type)

    monkeypatch.setattr(EventBridgePublisher, "publish", flaky)
    monkeypatch.setattr(drift_function, "RETRY_SECONDS", 0)

    # When the sweep runs (its unit fails once and is retried)
    stack.drift_sweep()

    # Then the drift is announced once, on the retry
    assert [d["target"]["userPoolId"] for d in events(stack, "User Pool Drift Detected")] == [pool_id]


def test_documents_over_the_limit_or_not_json_are_never_downloaded(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    stack.put_desired("huge.json", " " * (300 * 1024) + "{}")
    stack.put_desired("backup.tar", b"\0" * (1024 * 1024))
    report = stack.drift_report(stack.drift_sweep())
    [entry] = report["documents"]
    assert (entry["key"], entry["valid"]) == ("desired/huge.json", False)
    assert "larger than" in entry["error"]["message"]


@pytest.mark.parametrize("position", [{"part": "abc"}, {"part": -1}, {"cursor": "x"}, {"cursor": {}}])
def test_a_forged_position_is_dropped(stack: EmbeddedStack, position: dict[str, Any]) -> None:
    unit = {"type": "unit", "sweepId": "20260101T000000Z-deadbeef", "accountId": ACCOUNT_ID, "region": REGION}
    stack.client("sqs").send_message(
        QueueUrl=stack.drift_work_url, MessageBody=json.dumps({**unit, **position})
    )
    assert stack.run_drift_work() == [{"batchItemFailures": []}]
