"""The three Lambda handlers driven with the samples of ``events/``, under moto and the faithful Cognito fake.

Each test loads ``functions/{intake,apply,drift}/app.py`` as Lambda would and calls ``lambda_handler`` with a
sample, then checks both the answer and what the function did: the message it queued (and its group), the
result events it published (captured by a rule on ``source: poolpatch`` feeding an SQS tap), the snapshots
it wrote and the live pool. The hub account is the samples' own (111122223333, events/README.md): the
functions run with credentials of that account (moto maps assumed-role credentials to their account), and
the cross-account sample reaches a pool in 444455556666. moto picks its own pool and client ids, so the
samples' ids are swapped for them in the loaded copy; everything else is the sample as written.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from jsonschema import Draft4Validator
from moto import mock_aws

import poolpatch_fake
from helpers.events import EVENTBRIDGE_REQUEST_SAMPLES, EVENTS_DIR, load_event, load_schema
from poolpatch_fake import faults
from poolpatch_fake.stack import (
    SQS_RECORD_ATTRIBUTES,
    LambdaContext,
    create_drift_state_table,
    load_handler,
    tap,
)
from poolpatch_lambda import apply, drift, intake, settings
from poolpatch_lambda.observability import metrics

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

HUB = "111122223333"  # the samples' poolpatch account (events/README.md)
PARTNER = "444455556666"  # the samples' target account
REGION = "eu-west-1"
PARTNER_REGION = "eu-central-1"
BUCKET = "poolpatch-snapshots-111122223333-eu-west-1"  # the bucket the samples' snapshot references name
SOURCE = "poolpatch.requests"
PRE_SIGN_UP = "arn:aws:lambda:eu-west-1:111122223333:function:accounts-pre-sign-up"
EXTERNAL_ID = "poolpatch-unit-tests"

# The samples' ids, swapped for moto's in the loaded copies.
SAMPLE_POOL = "eu-west-1_AbCdEf123"
SAMPLE_CLIENT = "4r2uq8j1pmbfe0fmdqk9v2l5hn"
SAMPLE_OTHER_POOL = "eu-west-1_GhIjKl456"
SAMPLE_OTHER_CLIENT = "7kq3vd1ofh2m9pnbt6cr0swa5e"
SAMPLE_PARTNER_POOL = "eu-central-1_XyZ987uvW"
SAMPLE_IDS = (SAMPLE_POOL, SAMPLE_CLIENT, SAMPLE_OTHER_POOL, SAMPLE_OTHER_CLIENT, SAMPLE_PARTNER_POOL)

INTAKE_SAMPLES = EVENTBRIDGE_REQUEST_SAMPLES

# design.md "Snapshots": snapshots/{accountId}/{region}/{userPoolId}/{pool|client-{clientId}}/{stamp}-{id}/...
SNAPSHOT_KEY = re.compile(
    r"snapshots/(?P<account>[0-9]{12})/(?P<region>[a-z0-9-]+)/(?P<pool>[A-Za-z0-9_-]+)/"
    r"(?P<subject>pool|client-[A-Za-z0-9_+]+)/[0-9]{8}T[0-9]{6}Z-(?P<request>[A-Za-z0-9._:-]+)/"
    r"(?P<phase>before|after)\.json"
)

# moto 5.2.5's default SQS target input drops ``account``: the tap spells the whole event out.
_EVENT_PATHS = {
    name: f"$.{name}" for name in ("id", "detail-type", "source", "account", "time", "region", "detail")
}
_EVENT_TEMPLATE = (
    '{"id": "<id>", "detail-type": "<detail-type>", "source": "<source>", "account": "<account>", '
    '"time": <time>, "region": "<region>", "detail": <detail>}'
)
CUSTOM = ("custom:tier", "custom:loyalty_points", "custom:crm_id")
_KEPT_ATTRIBUTES = SQS_RECORD_ATTRIBUTES


@pytest.fixture(scope="module", autouse=True)
def _one_model_loader() -> Iterator[None]:
    """Every botocore session of this module shares one data loader: the service models are parsed once.

    Each test builds new sessions (its own, the functions' runtimes, assumed roles); with a loader each,
    most of the time went into parsing the same model files again. Behaviour is unchanged: one session's
    clients share their loader the same way.
    """
    shared = botocore.loaders.create_loader()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", lambda search_path_string=None: shared)
        yield


@pytest.fixture(autouse=True)
def _fresh_containers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts like a new Lambda container: no metrics, settings or runtimes left over."""
    monkeypatch.setattr(metrics, "namespace", "Poolpatch")
    monkeypatch.setattr(metrics, "service", "poolpatch")

    def clear() -> None:
        metrics.clear_metrics()
        settings.clear()
        for module in (intake, apply, drift):
            module.runtime_for.cache_clear()

    clear()
    yield
    clear()


@dataclass
class World:
    """The stack's resources in the hub account, pools made on demand, and the functions' entry points."""

    sqs: SQSClient
    s3: S3Client
    cognito: CognitoIdentityProviderClient
    queue_url: str
    tap_url: str
    work_url: str = ""
    check_url: str = ""
    live: dict[str, str] = field(default_factory=dict)
    _partner: CognitoIdentityProviderClient | None = None

    # -- the samples' pools and clients, created on first use --

    def live_id(self, sample_id: str) -> str:
        """moto's id of the pool or client a sample names (created the first time it is asked for)."""
        if sample_id not in self.live:
            if sample_id == SAMPLE_CLIENT:
                made = _client(self.cognito, self.live_id(SAMPLE_POOL), "portal")
            elif sample_id == SAMPLE_OTHER_CLIENT:
                made = _client(self.cognito, self.live_id(SAMPLE_OTHER_POOL), "admin-console")
            elif sample_id == SAMPLE_PARTNER_POOL:
                made = _pool(self.partner_cognito, "partner")
            else:
                made = _pool(self.cognito, sample_id)
            self.live[sample_id] = made
        return self.live[sample_id]

    @property
    def pool_id(self) -> str:
        return self.live_id(SAMPLE_POOL)

    @property
    def partner_cognito(self) -> CognitoIdentityProviderClient:
        """Cognito in the partner account and Region."""
        if self._partner is None:
            self._partner = _session_in(PARTNER, PARTNER_REGION).client("cognito-idp")
        return self._partner

    def sample(self, name: str) -> dict[str, Any]:
        """``events/<name>`` with the samples' pool and client ids replaced by moto's (nothing else)."""
        text = json.dumps(load_event(name))
        for sample_id in SAMPLE_IDS:
            if sample_id in text:
                text = text.replace(sample_id, self.live_id(sample_id))
        document: dict[str, Any] = json.loads(text)
        return document

    # -- the functions, called as Lambda calls them --

    def intake(self, event: dict[str, Any]) -> Any:
        return load_handler("intake")(event, LambdaContext.of("intake", account_id=HUB))

    def apply(self, event: dict[str, Any]) -> Any:
        return load_handler("apply")(event, LambdaContext.of("apply", account_id=HUB))

    def drift(self, event: dict[str, Any]) -> Any:
        return load_handler("drift")(event, LambdaContext.of("drift", account_id=HUB))

    def apply_queue(self) -> Any:
        """Poll the change queue once as the event source mapping does; delete what succeeded."""
        messages = self.queued()
        assert messages, "nothing was queued"
        answer = self.apply({"Records": [self.record(message) for message in messages]})
        failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return answer

    # -- what came out --

    def queued(self) -> list[dict[str, Any]]:
        """Every message on the change queue (received with its attributes, and visible again at once)."""
        found = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            MessageSystemAttributeNames=["All"],
            VisibilityTimeout=0,
        ).get("Messages", [])
        return [dict(message) for message in found]

    def record(self, message: dict[str, Any]) -> dict[str, Any]:
        """The Lambda SQS record of a received message."""
        attributes = message.get("Attributes", {})
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {key: str(attributes[key]) for key in _KEPT_ATTRIBUTES if key in attributes},
            "messageAttributes": {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{HUB}:poolpatch-ChangeQueue.fifo",
            "awsRegion": REGION,
        }

    def results(self) -> list[dict[str, Any]]:
        """The ``source: poolpatch`` events published since the last call (drained from the tap)."""
        events: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.tap_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return events
            for message in messages:
                events.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.tap_url, ReceiptHandle=message["ReceiptHandle"])

    def snapshot_keys(self) -> list[str]:
        """Every key below ``snapshots/`` in the bucket."""
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="snapshots/")
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def pool(self, sample_id: str = SAMPLE_POOL) -> dict[str, Any]:
        """The live pool a sample names, as DescribeUserPool returns it."""
        cognito = self.partner_cognito if sample_id == SAMPLE_PARTNER_POOL else self.cognito
        return dict(cognito.describe_user_pool(UserPoolId=self.live_id(sample_id))["UserPool"])

    def client(self, sample_id: str = SAMPLE_CLIENT) -> dict[str, Any]:
        """The live app client a sample names, as DescribeUserPoolClient returns it."""
        pool = SAMPLE_POOL if sample_id == SAMPLE_CLIENT else SAMPLE_OTHER_POOL
        described = self.cognito.describe_user_pool_client(
            UserPoolId=self.live_id(pool), ClientId=self.live_id(sample_id)
        )
        return dict(described["UserPoolClient"])


def _session_in(account: str, region: str) -> boto3.Session:
    """Credentials of ``account`` (moto maps an assumed role's keys to the role's account)."""
    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/unit-tests", RoleSessionName="unit-tests"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def _pool(cognito: CognitoIdentityProviderClient, name: str) -> str:
    """A pool whose settings differ from every sample's patch (so each change shows).

    Its password policy and triggers are the "before" values of events/result-applied.json.
    """
    created = cognito.create_user_pool(
        PoolName=name.replace("_", "-"),
        Policies={"PasswordPolicy": {"MinimumLength": 8, "RequireSymbols": False}},
        UserPoolTags={"legacy-owner": "identity-old", "team": "identity"},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": False},
        DeletionProtection="INACTIVE",
        LambdaConfig={"PreSignUp": PRE_SIGN_UP},
    )
    return created["UserPool"]["Id"]


def _client(cognito: CognitoIdentityProviderClient, pool_id: str, name: str) -> str:
    """An OAuth app client with other URLs, scopes and token validity than the samples'."""
    created = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=name,
        CallbackURLs=["https://old.example.com/auth/callback"],
        LogoutURLs=["https://old.example.com/signed-out"],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid"],
        AllowedOAuthFlowsUserPoolClient=True,
        SupportedIdentityProviders=["COGNITO"],
        AccessTokenValidity=60,
        IdTokenValidity=60,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes"},
    )
    return created["UserPoolClient"]["ClientId"]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """template.yaml's resources in the hub account and the functions' environment, under moto."""
    with mock_aws(), poolpatch_fake.installed():
        faults.reset()
        hub = _session_in(HUB, REGION)
        credentials = hub.get_credentials()
        assert credentials is not None
        # The functions build their sessions from the environment: they run in the hub account.
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
        monkeypatch.setenv("AWS_SESSION_TOKEN", credentials.token or "")

        s3 = hub.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        sqs = hub.client("sqs")
        dlq_url = sqs.create_queue(QueueName="poolpatch-ChangeDLQ.fifo", Attributes={"FifoQueue": "true"})[
            "QueueUrl"
        ]
        queue_url = sqs.create_queue(
            QueueName="poolpatch-ChangeQueue.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        )["QueueUrl"]
        tap_url = sqs.create_queue(QueueName="poolpatch-results-tap")["QueueUrl"]
        tap_arn = sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        hub.client("dynamodb").create_table(
            TableName="poolpatch-idempotency",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        work_url = sqs.create_queue(QueueName="poolpatch-DriftWorkQueue")["QueueUrl"]
        check_url = sqs.create_queue(
            QueueName="poolpatch-DriftCheckQueue.fifo", Attributes={"FifoQueue": "true", "DelaySeconds": "0"}
        )["QueueUrl"]
        create_drift_state_table(hub.client("dynamodb"), "poolpatch-drift-state")
        events = hub.client("events")
        events.create_event_bus(Name="poolpatch-bus")
        events.put_rule(
            Name="poolpatch-results",
            EventBusName="poolpatch-bus",
            EventPattern=json.dumps({"source": ["poolpatch"]}),
        )
        events.put_targets(
            Rule="poolpatch-results",
            EventBusName="poolpatch-bus",
            Targets=[
                {
                    "Id": "tap",
                    "Arn": tap_arn,
                    "InputTransformer": {"InputPathsMap": _EVENT_PATHS, "InputTemplate": _EVENT_TEMPLATE},
                }
            ],
        )
        for name, value in {
            "AWS_REGION": REGION,
            "EVENT_BUS_NAME": "poolpatch-bus",
            "SNAPSHOT_BUCKET": BUCKET,
            "CHANGE_QUEUE_URL": queue_url,
            "CHANGE_DLQ_URL": dlq_url,
            "IDEMPOTENCY_TABLE": "poolpatch-idempotency",
            "EVENT_SOURCES": SOURCE,
            "ALLOWED_ACCOUNT_IDS": f"{HUB},{PARTNER}",
            "TARGET_ROLE_NAME": "poolpatch-target",
            "TARGET_ROLE_EXTERNAL_ID": EXTERNAL_ID,
            "MAX_RECEIVE_COUNT": "5",
            "QUEUE_MAX_RECEIVE_COUNT": "50",
            "DRIFT_WORK_QUEUE_URL": work_url,
            "DRIFT_CHECK_QUEUE_URL": check_url,
            "DRIFT_STATE_TABLE": "poolpatch-drift-state",
            "DRIFT_READS_PER_SECOND": "1000",
            "DRIFT_CORRECTION_LIMIT_PERCENT": "100",
            "POWERTOOLS_SERVICE_NAME": "poolpatch",
            "POWERTOOLS_METRICS_NAMESPACE": "Poolpatch",
            "POWERTOOLS_TRACE_DISABLED": "1",
        }.items():
            monkeypatch.setenv(name, value)
        yield World(sqs, s3, hub.client("cognito-idp"), queue_url, tap_url, work_url, check_url)
        faults.reset()


@pytest.fixture(scope="module")
def result_validator() -> Any:
    """events/schema/result.json: what every published result must satisfy."""
    return Draft4Validator(load_schema("result"), format_checker=Draft4Validator.FORMAT_CHECKER)


def _problems(validator: Any, document: Any) -> list[str]:
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


def _scheduled_event() -> dict[str, Any]:
    """What the drift schedule (EventBridge Scheduler / a schedule rule) delivers."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": HUB,
        "time": "2025-06-03T00:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{HUB}:rule/poolpatch-drift"],
        "detail": {},
    }


# --------------------------------------------------------------------------- intake


@pytest.mark.parametrize("name", INTAKE_SAMPLES)
def test_intake_queues_the_eventbridge_sample_in_its_pools_group(world: World, name: str) -> None:
    # Given an EventBridge request sample exactly as written (intake makes no Cognito call)
    event = load_event(name)
    detail = copy.deepcopy(event["detail"])
    target = detail["target"]
    account = target.get("accountId", HUB)
    region = target.get("region", REGION)

    # When the intake function handles it
    answer = world.intake(event)

    # Then it is queued once, in the message group {account}/{region}/{pool}, with the target resolved
    queued = world.queued()
    assert [message["Attributes"]["MessageGroupId"] for message in queued] == [
        f"{account}/{region}/{target['userPoolId']}"
    ]
    assert answer["status"] == "queued"
    assert answer["requestId"] == detail["requestId"]
    assert answer["messageId"] == queued[0]["MessageId"]
    body = json.loads(queued[0]["Body"])
    assert body["target"] == {**target, "accountId": account, "region": region}
    if "expectedLastModifiedDate" in detail:  # the same instant, normalised
        assert datetime.fromisoformat(body.pop("expectedLastModifiedDate")) == datetime.fromisoformat(
            detail.pop("expectedLastModifiedDate")
        )
    assert {key: body.get(key) for key in detail if key != "target"} == {
        key: value for key, value in detail.items() if key != "target"
    }
    assert re.fullmatch(r"[0-9a-f]{64}", queued[0]["Attributes"]["MessageDeduplicationId"])
    # and nothing is published for an accepted request
    assert world.results() == []


def test_intake_queues_the_direct_invocation_sample(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    # Given the bare change request of a direct `lambda invoke`, as written
    request = load_event("direct-invoke")

    # When the intake function is invoked with it
    answer = world.intake(request)

    # Then it is queued in the pool's group of the function's own account and Region
    queued = world.queued()
    assert [message["Attributes"]["MessageGroupId"] for message in queued] == [
        f"{HUB}/{REGION}/{SAMPLE_POOL}"
    ]
    assert answer == {
        "status": "queued",
        "requestId": "chg-2025-06-06-verification-email",
        "messageId": queued[0]["MessageId"],
        "target": {"userPoolId": SAMPLE_POOL, "accountId": HUB, "region": REGION},
    }
    assert json.loads(queued[0]["Body"])["patch"] == request["patch"]
    assert world.results() == []
    # and one enqueued request is counted in the Poolpatch namespace
    assert _metric(capsys, "RequestsEnqueued") == [("Poolpatch", [1.0])]


def test_intake_rejects_the_invalid_sample_and_queues_nothing(world: World, result_validator: Any) -> None:
    # Given the invalid sample: a path-traversal pool id, and restore combined with patch
    event = load_event("eventbridge-invalid")

    # When the intake function handles it
    answer = world.intake(event)

    # Then it is rejected for the pool id, the rejection is published, and nothing is queued
    assert answer["status"] == "rejected"
    assert answer["requestId"] == "chg-2025-06-03-bad"
    assert answer["error"]["code"] == "InvalidRequest"
    assert answer["error"]["path"] == "/target/userPoolId"
    assert (answer["target"], answer["changes"]) == ({}, [])  # a hostile id never reaches the result's target
    published = world.results()
    assert [(e["source"], e["detail-type"], e["account"]) for e in published] == [
        ("poolpatch", "User Pool Change Rejected", HUB)
    ]
    assert published[0]["detail"] == answer
    assert _problems(result_validator, answer) == []
    assert world.queued() == []


def test_intake_rejects_an_event_from_a_source_not_in_event_sources(world: World) -> None:
    # Given the request sample sent under another source than EVENT_SOURCES (poolpatch.requests)
    event = load_event("eventbridge-request")
    event["source"] = "payments.requests"

    # When the intake function handles it
    answer = world.intake(event)

    # Then it is rejected AccessDenied, published as rejected, and nothing is queued
    assert answer["status"] == "rejected"
    assert answer["requestId"] == "chg-2025-06-03-password-policy"
    assert answer["error"]["code"] == "AccessDenied"
    published = world.results()
    assert [(e["detail-type"], e["detail"]["error"]["code"]) for e in published] == [
        ("User Pool Change Rejected", "AccessDenied")
    ]
    assert world.queued() == []


# --------------------------------------------------------------------------- intake, then apply


def test_request_sample_is_applied_with_snapshots_in_the_key_layout(
    world: World, result_validator: Any
) -> None:
    # Given the pool change sample, queued by intake
    event = world.sample("eventbridge-request")
    assert world.intake(event)["status"] == "queued"

    # When apply consumes the queue
    answer = world.apply_queue()

    # Then the record succeeded, the pool has the sample's values and its applied result is published
    assert answer == {"batchItemFailures": []}
    pool = world.pool()
    policy = pool["Policies"]["PasswordPolicy"]
    assert (policy["MinimumLength"], policy["RequireSymbols"], policy["PasswordHistorySize"]) == (14, True, 5)
    assert pool["LambdaConfig"] == {
        "PreSignUp": PRE_SIGN_UP,
        "PostConfirmation": "arn:aws:lambda:eu-west-1:111122223333:function:accounts-post-confirmation",
    }
    assert pool["UserPoolTags"] == {
        "legacy-owner": "identity-old",
        "team": "identity",
        "cost-center": "identity-platform",
    }
    published = world.results()
    assert [(e["detail-type"], e["detail"]["status"]) for e in published] == [
        ("User Pool Change Applied", "applied")
    ]
    result = published[0]["detail"]
    assert result["requestId"] == "chg-2025-06-03-password-policy"
    assert result["target"] == {"userPoolId": world.pool_id, "accountId": HUB, "region": REGION}
    # the changes of the result sample, whose pool started as this one (in path order there)
    assert _by_path(result["changes"]) == load_event("result-applied")["detail"]["changes"]
    assert result["verification"] == {"differences": []}
    assert _problems(result_validator, result) == []
    # and its before/after snapshots are in the bucket, keyed as design.md "Snapshots" says
    keys = world.snapshot_keys()
    assert _snapshot_subjects(keys) == [
        (HUB, REGION, world.pool_id, "pool", "chg-2025-06-03-password-policy", "after"),
        (HUB, REGION, world.pool_id, "pool", "chg-2025-06-03-password-policy", "before"),
    ]
    assert result["snapshots"] == {
        "before": f"s3://{BUCKET}/{keys[1]}",
        "after": f"s3://{BUCKET}/{keys[0]}",
    }


def test_plan_sample_is_refused_by_its_precondition_and_plans_with_the_live_date(world: World) -> None:
    # Given the plan sample (expectedLastModifiedDate 2025-06-02T16:04:11Z), and the pool's real date
    event = world.sample("eventbridge-plan")
    live_date = world.pool()["LastModifiedDate"]

    # When it goes through intake and apply as written, then again with the pool's LastModifiedDate
    world.intake(event)
    first = world.apply_queue()
    as_written = world.results()
    event["detail"]["expectedLastModifiedDate"] = live_date.astimezone(UTC).isoformat()
    world.intake(event)
    second = world.apply_queue()
    with_live_date = world.results()

    # Then the stale date is refused as PreconditionFailed, the live one gives a plan, and nothing is written
    assert first == second == {"batchItemFailures": []}
    assert [(e["detail"]["status"], e["detail"]["error"]["code"]) for e in as_written] == [
        ("rejected", "PreconditionFailed")
    ]
    assert as_written[0]["detail"]["error"]["path"] == "/expectedLastModifiedDate"
    assert [(e["detail-type"], e["detail"]["status"]) for e in with_live_date] == [
        ("User Pool Change Planned", "planned")
    ]
    assert {change["path"]: change.get("after") for change in with_live_date[0]["detail"]["changes"]} == {
        "/DeletionProtection": "ACTIVE",
        "/AdminCreateUserConfig/AllowAdminCreateUserOnly": True,
    }
    pool = world.pool()
    assert (pool["DeletionProtection"], pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"]) == (
        "INACTIVE",
        False,
    )
    assert pool["LastModifiedDate"] == live_date
    assert world.snapshot_keys() == []


def test_client_change_sample_is_applied_to_the_client(world: World) -> None:
    # Given the app client change sample, queued by intake
    event = world.sample("eventbridge-client-change")
    world.intake(event)

    # When apply consumes the queue
    answer = world.apply_queue()

    # Then the client has the sample's URLs and scopes, keeps its flows, and the snapshots are the client's
    assert answer == {"batchItemFailures": []}
    client = world.client()
    assert client["CallbackURLs"] == [
        "https://portal.example.com/auth/callback",
        "http://localhost:3000/auth/callback",
    ]
    assert client["LogoutURLs"] == [
        "https://portal.example.com/signed-out",
        "http://localhost:3000/signed-out",
    ]
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert [e["detail"]["status"] for e in world.results()] == ["applied"]
    subject = f"client-{world.live_id(SAMPLE_CLIENT)}"
    assert _snapshot_subjects(world.snapshot_keys()) == [
        (HUB, REGION, world.pool_id, subject, "chg-2025-06-03-portal-urls", "after"),
        (HUB, REGION, world.pool_id, subject, "chg-2025-06-03-portal-urls", "before"),
    ]


def test_cross_account_sample_changes_the_partner_pool_through_the_target_role(world: World) -> None:
    # Given the cross-account sample: a pool in 444455556666, eu-central-1 (an allowed account)
    event = world.sample("eventbridge-cross-account")
    world.intake(event)
    runtime = apply.runtime_for(settings.apply_settings(), HUB)  # the container the handler will reuse
    assume = tap(runtime.session.events, "sts", "AssumeRole")

    # When apply consumes the queue
    answer = world.apply_queue()

    # Then the partner pool changed, through the target role of that account
    assert answer == {"batchItemFailures": []}
    partner = world.pool(SAMPLE_PARTNER_POOL)
    assert partner["DeletionProtection"] == "ACTIVE"
    assert partner["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    published = world.results()
    assert [e["detail"]["status"] for e in published] == ["applied"]
    result = published[0]["detail"]
    partner_pool = world.live_id(SAMPLE_PARTNER_POOL)
    assert result["target"] == {"userPoolId": partner_pool, "accountId": PARTNER, "region": PARTNER_REGION}
    assert result["session"]["roleArn"] == f"arn:aws:iam::{PARTNER}:role/poolpatch-target"
    assert [
        (call["RoleArn"], call.get("ExternalId"), call.get("SourceIdentity")) for call in assume.params
    ] == [(f"arn:aws:iam::{PARTNER}:role/poolpatch-target", EXTERNAL_ID, "poolpatch")]
    # and its snapshots are in the hub's bucket under the partner's account and Region
    assert _snapshot_subjects(world.snapshot_keys()) == [
        (PARTNER, PARTNER_REGION, partner_pool, "pool", "chg-2025-06-03-frankfurt-lockdown", "after"),
        (PARTNER, PARTNER_REGION, partner_pool, "pool", "chg-2025-06-03-frankfurt-lockdown", "before"),
    ]


def test_add_attributes_sample_adds_the_custom_attributes(world: World) -> None:
    # Given the custom attributes sample, queued by intake
    event = world.sample("eventbridge-add-attributes")
    world.intake(event)

    # When apply consumes the queue
    answer = world.apply_queue()

    # Then the pool's schema holds the three attributes as the sample defines them
    assert answer == {"batchItemFailures": []}
    schema = {attribute["Name"]: attribute for attribute in world.pool()["SchemaAttributes"]}
    assert {name: (schema[name]["AttributeDataType"], schema[name]["Mutable"]) for name in CUSTOM} == {
        "custom:tier": ("String", True),
        "custom:loyalty_points": ("Number", True),
        "custom:crm_id": ("String", False),
    }
    assert schema["custom:crm_id"]["StringAttributeConstraints"] == {"MinLength": "8", "MaxLength": "64"}
    assert [e["detail"]["status"] for e in world.results()] == ["applied"]


def test_restore_sample_puts_back_the_before_snapshot_of_the_password_change(world: World) -> None:
    # Given the password policy change applied, and its before snapshot at the key the restore sample names
    world.intake(world.sample("eventbridge-request"))
    world.apply_queue()
    applied = world.results()[0]["detail"]
    restore = world.sample("eventbridge-restore")
    reference = restore["detail"]["restore"]["snapshot"]
    world.s3.copy_object(
        Bucket=BUCKET,
        Key=reference.removeprefix(f"s3://{BUCKET}/"),
        CopySource={"Bucket": BUCKET, "Key": applied["snapshots"]["before"].removeprefix(f"s3://{BUCKET}/")},
    )
    assert world.pool()["Policies"]["PasswordPolicy"]["MinimumLength"] == 14

    # When the restore sample goes through intake and apply
    queued = world.intake(restore)
    answer = world.apply_queue()

    # Then the pool is back to its settings before the change
    assert queued["status"] == "queued"
    assert answer == {"batchItemFailures": []}
    pool = world.pool()
    policy = pool["Policies"]["PasswordPolicy"]
    assert (policy["MinimumLength"], policy["RequireSymbols"]) == (8, False)
    assert pool["LambdaConfig"] == {"PreSignUp": PRE_SIGN_UP}
    assert "cost-center" not in pool["UserPoolTags"]
    published = world.results()
    assert [(e["detail"]["requestId"], e["detail"]["status"]) for e in published] == [
        ("rollback-chg-2025-06-03-password-policy", "applied")
    ]


def test_direct_invoke_sample_is_applied(world: World) -> None:
    # Given the direct-invocation sample, queued by intake
    request = world.sample("direct-invoke")
    world.intake(request)

    # When apply consumes the queue
    answer = world.apply_queue()

    # Then the verification message template is the sample's
    assert answer == {"batchItemFailures": []}
    template = world.pool()["VerificationMessageTemplate"]
    assert {key: template[key] for key in ("DefaultEmailOption", "EmailSubject", "EmailMessage")} == {
        "DefaultEmailOption": "CONFIRM_WITH_CODE",
        "EmailSubject": "Your Example verification code",
        "EmailMessage": "Your Example verification code is {####}. It expires in 24 hours.",
    }
    assert [e["detail"]["status"] for e in world.results()] == ["applied"]


# --------------------------------------------------------------------------- apply


def test_sqs_batch_sample_is_applied_in_order_per_pool(
    world: World, result_validator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the FIFO batch sample: two requests for one pool, one for a client of another pool
    event = world.sample("sqs-batch")

    # When the apply function gets it from the event source mapping
    answer = world.apply(event)

    # Then no record failed, and each result was published in the batch's order
    assert answer == {"batchItemFailures": []}
    published = world.results()
    assert [(e["detail-type"], e["detail"]["requestId"], e["detail"]["status"]) for e in published] == [
        ("User Pool Change Applied", "chg-2025-06-05-sms-auth-message", "applied"),
        ("User Pool Change Applied", "chg-2025-06-05-tags", "applied"),
        ("User Pool Change Applied", "chg-2025-06-05-admin-console-tokens", "applied"),
    ]
    assert [_problems(result_validator, e["detail"]) for e in published] == [[], [], []]
    # and the pools and the client have the sample's values
    pool = world.pool()
    assert pool["SmsAuthenticationMessage"] == "Your Example sign-in code is {####}"
    assert pool["UserPoolTags"] == {"team": "identity", "data-classification": "confidential"}
    client = world.client(SAMPLE_OTHER_CLIENT)
    assert (client["AccessTokenValidity"], client["IdTokenValidity"]) == (15, 15)
    assert client["TokenValidityUnits"]["AccessToken"] == client["TokenValidityUnits"]["IdToken"] == "minutes"
    assert world.pool(SAMPLE_OTHER_POOL)["UserPoolTags"] == {
        "legacy-owner": "identity-old",
        "team": "identity",
    }
    # and every record has its before and after snapshot under its target
    other_pool = world.live_id(SAMPLE_OTHER_POOL)
    client_subject = f"client-{world.live_id(SAMPLE_OTHER_CLIENT)}"
    assert _snapshot_subjects(world.snapshot_keys()) == sorted(
        (HUB, REGION, pool_id, subject, request_id, phase)
        for pool_id, subject, request_id in (
            (world.pool_id, "pool", "chg-2025-06-05-sms-auth-message"),
            (world.pool_id, "pool", "chg-2025-06-05-tags"),
            (other_pool, client_subject, "chg-2025-06-05-admin-console-tokens"),
        )
        for phase in ("before", "after")
    )
    assert _metric(capsys, "ChangesApplied") == [("Poolpatch", [1.0, 1.0, 1.0])]


def test_request_pool_file_sent_to_the_queue_as_the_readme_shows_is_applied(world: World) -> None:
    # Given request-pool.json sent to the change queue with the README's group and deduplication id
    body = world.sample("request-pool")
    world.sqs.send_message(
        QueueUrl=world.queue_url,
        MessageBody=json.dumps(body),
        MessageGroupId=f"111122223333/eu-west-1/{world.pool_id}",
        MessageDeduplicationId=hashlib.sha256((EVENTS_DIR / "request-pool.json").read_bytes()).hexdigest(),
    )

    # When apply consumes the queue
    answer = world.apply_queue()

    # Then the change is applied (the README's group is the one apply expects for the target)
    assert answer == {"batchItemFailures": []}
    assert world.pool()["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert [(e["detail"]["requestId"], e["detail"]["status"]) for e in world.results()] == [
        ("chg-2025-06-03-password-policy", "applied")
    ]


def test_apply_rejects_a_record_whose_group_is_not_its_targets(world: World) -> None:
    # Given the batch sample's first record, sent in the message group of another pool
    record = world.sample("sqs-batch")["Records"][0]
    record["attributes"]["MessageGroupId"] = f"{HUB}/{REGION}/{world.live_id(SAMPLE_OTHER_POOL)}"
    before = world.pool()

    # When the apply function gets it
    answer = world.apply({"Records": [record]})

    # Then it is rejected at /target, once (not retried), and the pool is not touched
    assert answer == {"batchItemFailures": []}
    published = world.results()
    assert [
        (e["detail"]["status"], e["detail"]["error"]["code"], e["detail"]["error"]["path"]) for e in published
    ] == [("rejected", "InvalidRequest", "/target")]
    assert published[0]["detail"]["requestId"] == "chg-2025-06-05-sms-auth-message"
    assert world.pool() == before
    assert world.snapshot_keys() == []


# --------------------------------------------------------------------------- drift


def _put_desired(world: World, name: str, body: str | dict[str, Any]) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    world.s3.put_object(Bucket=BUCKET, Key=f"desired/{name}", Body=text.encode())


def _run_drift_units(world: World) -> list[Any]:
    """Play DriftWorkQueue's event source mapping: each unit message through the handler, until empty."""
    answers = []
    while True:
        messages = world.sqs.receive_message(QueueUrl=world.work_url, MaxNumberOfMessages=1).get(
            "Messages", []
        )
        if not messages:
            return answers
        record = {
            **world.record(messages[0]),
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{HUB}:poolpatch-DriftWorkQueue",
        }
        answers.append(world.drift({"Records": [record]}))
        world.sqs.delete_message(QueueUrl=world.work_url, ReceiptHandle=messages[0]["ReceiptHandle"])


def _report(world: World, sweep_id: str) -> dict[str, Any]:
    body = world.s3.get_object(Bucket=BUCKET, Key=f"drift-reports/{sweep_id}/report.json")["Body"].read()
    report: dict[str, Any] = json.loads(body)
    lines = world.s3.get_object(Bucket=BUCKET, Key=f"drift-reports/{sweep_id}/targets.jsonl")["Body"].read()
    report["targets"] = [json.loads(line) for line in lines.decode().splitlines()]
    return report


def test_drift_sweeps_the_samples_from_the_scheduled_event(world: World) -> None:
    # Given the desired-state samples: the v1 document (report) and the two-Region baseline (correct)
    _put_desired(world, "customers.json", world.sample("desired-v1"))
    _put_desired(world, "security/password-baseline.json", load_event("desired-baseline"))
    pool_id = world.pool_id

    # When the schedule sample starts a sweep and its units run from the work queue
    started = world.drift(load_event("eventbridge-scheduled"))
    answers = _run_drift_units(world)

    # Then there is one unit per Region of the baseline (each followed by its bundle pass), and the report
    # lists the pool's drift
    assert started["units"] == 2
    assert [answer["batchItemFailures"] for answer in answers] == [[], [], [], []]
    report = _report(world, started["sweepId"])
    [line] = report["targets"]
    assert line["target"] == {"userPoolId": pool_id, "accountId": HUB, "region": REGION}
    decided = {entry["path"]: entry["document"] for entry in line["drift"]}
    assert decided["/AdminCreateUserConfig/AllowAdminCreateUserOnly"] == "customers-admin-only-sign-up"
    assert decided["/Policies/PasswordPolicy/MinimumLength"] == "password-baseline"
    # and the baseline's correction (only its pointers: the v1 document reports) is on the change queue
    assert line["status"] == "correction-queued"
    [queued] = world.queued()
    assert queued["Attributes"]["MessageGroupId"] == f"{HUB}/{REGION}/{pool_id}"
    correction = json.loads(queued["Body"])
    assert correction["patch"] == load_event("desired-baseline")["patch"]
    assert correction["requestedBy"] == "poolpatch-drift"
    published = [e["detail-type"] for e in world.results()]
    assert published == ["User Pool Drift Detected", "User Pool Drift Sweep Completed"]
    assert world.pool()["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    # and the checked pool's bundle is stored (design.md, "Drift": each pool's configuration history)
    [bundle] = world.s3.list_objects_v2(Bucket=BUCKET, Prefix="bundles/")["Contents"]
    assert re.fullmatch(rf"bundles/{HUB}/{REGION}/{pool_id}/[0-9]{{8}}T[0-9]{{6}}Z\.json", bundle["Key"])


def test_drift_reports_invalid_documents_and_never_applies_them(world: World) -> None:
    # Given a desired state that is not JSON, one with a hostile pool id, and "correct": "false"
    _put_desired(world, "broken.json", "{not json")
    hostile = {
        key: value for key, value in load_event("eventbridge-invalid")["detail"].items() if key != "restore"
    }
    _put_desired(world, "hostile.json", hostile)
    _put_desired(world, "string-bool.json", {**world.sample("desired-v1"), "correct": "false"})

    # When the schedule invokes the drift function
    started = world.drift(load_event("eventbridge-scheduled"))

    # Then the three are listed invalid, with the member at fault, and nothing was checked or queued
    assert started["units"] == 0
    report = _report(world, started["sweepId"])
    invalid = {d["key"]: d["error"]["path"] for d in report["documents"] if not d["valid"]}
    assert invalid == {
        "desired/broken.json": "",
        "desired/hostile.json": "/target/userPoolId",
        "desired/string-bool.json": "/correct",
    }
    assert world.queued() == []
    assert world.sqs.receive_message(QueueUrl=world.work_url).get("Messages", []) == []


def test_drift_queues_one_check_for_the_cloudtrail_sample_and_ignores_its_own_write(world: World) -> None:
    # Given the CloudTrail samples: a console write, and poolpatch's own write (sourceIdentity poolpatch)
    console = world.sample("eventbridge-cloudtrail-update-user-pool")
    own = world.sample("eventbridge-cloudtrail-poolpatch-write")

    # When both reach the drift function
    queued = world.drift(console)
    ignored = world.drift(own)

    # Then only the console write becomes a check, in the target's group
    assert queued == {"queued": {"accountId": HUB, "region": REGION, "userPoolId": world.pool_id}}
    assert ignored == {"ignored": "poolpatch's own write"}
    messages = world.sqs.receive_message(
        QueueUrl=world.check_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    # (one group per account and Region: an account's checks run one at a time, within its read pace)
    assert [m["Attributes"]["MessageGroupId"] for m in messages] == [f"{HUB}/{REGION}"]


# --------------------------------------------------------------------------- helpers


def _snapshot_subjects(keys: list[str]) -> list[tuple[str, ...]]:
    """(account, region, pool, subject, requestId, phase) of each key; fails on a key off the layout."""
    subjects = []
    for key in keys:
        match = SNAPSHOT_KEY.fullmatch(key)
        assert match, f"{key} is not in the snapshot key layout"
        subjects.append(match.group("account", "region", "pool", "subject", "request", "phase"))
    return sorted(subjects)


def _by_path(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(changes, key=lambda change: str(change["path"]))


def _metric(capsys: pytest.CaptureFixture[str], name: str) -> list[tuple[str, list[float]]]:
    """(namespace, values) of every EMF document on stdout that carries metric ``name``."""
    found = []
    for line in capsys.readouterr().out.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        if name in document:
            namespace = document["_aws"]["CloudWatchMetrics"][0]["Namespace"]
            values = document[name] if isinstance(document[name], list) else [document[name]]
            found.append((namespace, [float(value) for value in values]))
    return found
