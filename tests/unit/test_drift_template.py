"""Fleet drift correction (issue 7) as deployed: the stack side of sweeps and targeted checks.

The drift function fans a sweep out per account and Region through DriftWorkQueue,
checks a pool 60 s after an out-of-band write through DriftCheckQueue.fifo (CloudTrail
events from this account's default bus and, forwarded by templates/drift-forwarder.yaml,
from the allowed accounts), keeps its state in DriftStateTable and writes reports under
drift-reports/. These tests state what the rendered templates grant, deny and wire, with
the renderer and IAM evaluator of test_template.py.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import pytest
from test_template import (
    ACCOUNT,
    ADMIN,
    APPLY_ROLE,
    DRIFT_ROLE,
    FORWARDER_TEMPLATE,
    KMS_KEY,
    OTHER_ACCOUNT,
    TEMPLATE,
    Render,
    Template,
    as_list,
    async_path_violations,
    decide,
    hub,
    load,
    props,
    queue_violations,
    request,
    resources,
)

# The Cognito user pool writes whose CloudTrail events trigger a targeted check.
POOL_WRITES: Final = frozenset(
    {
        "CreateUserPool",
        "UpdateUserPool",
        "DeleteUserPool",
        "CreateUserPoolClient",
        "UpdateUserPoolClient",
        "DeleteUserPoolClient",
        "AddCustomAttributes",
        "TagResource",
        "UntagResource",
        "SetUserPoolMfaConfig",
        "CreateUserPoolDomain",
        "UpdateUserPoolDomain",
        "DeleteUserPoolDomain",
        "CreateIdentityProvider",
        "UpdateIdentityProvider",
        "DeleteIdentityProvider",
        "CreateResourceServer",
        "UpdateResourceServer",
        "DeleteResourceServer",
        "CreateGroup",
        "UpdateGroup",
        "DeleteGroup",
        "SetRiskConfiguration",
        "SetUICustomization",
        "CreateManagedLoginBranding",
        "UpdateManagedLoginBranding",
        "DeleteManagedLoginBranding",
        "SetLogDeliveryConfiguration",
    }
)
CLOUDTRAIL: Final = "AWS API Call via CloudTrail"
DRIFT_QUEUES: Final = {"DriftWorkQueue": "DriftWorkDLQ", "DriftCheckQueue": "DriftCheckDLQ"}
CLOUDTRAIL_RULES: Final = ("OwnAccountPoolWrite", "ForwardedPoolWrite")
# Metrics the dashboard must show (namespace POWERTOOLS_METRICS_NAMESPACE, dimension service).
DASHBOARD_METRICS: Final = frozenset(
    {
        "ChangesApplied",
        "ChangesUnchanged",
        "ChangesPlanned",
        "ChangesRejected",
        "ChangesFailed",
        "VerificationMismatches",
        "DriftTargetsChecked",
        "DriftTargetsDrifted",
        "DriftCorrectionsQueued",
        "DriftCorrectionsSuppressed",
        "DriftSweepsHalted",
        "DriftThrottles",
        "DriftOldestUncheckedAge",
    }
)
BUCKET: Final = "<SnapshotBucket.Arn>"
HUB_BUS: Final = f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/poolpatch"
TWENTY_SIX_HOURS: Final = 26 * 3600


@pytest.fixture(scope="module")
def stack_template() -> Template:
    """The SAM stack."""
    return load(TEMPLATE)


@pytest.fixture(scope="module")
def forwarder_template() -> Template:
    """The drift forwarder StackSet template."""
    return load(FORWARDER_TEMPLATE)


def forwarder(template: Template, **overrides: Any) -> Render:
    """The forwarder rendered for the hub's bus unless overridden."""
    return Render(template, **{"HubEventBusArn": HUB_BUS, **overrides})


def drift_events(stack: Render) -> dict[str, dict[str, Any]]:
    """The drift function's event sources, resolved."""
    events: dict[str, dict[str, Any]] = stack.props("DriftFunction")["Events"]
    return events


def pattern_problems(pattern: dict[str, Any]) -> list[str]:
    """How an event pattern differs from "CloudTrail events of Cognito user pool writes"."""
    found = []
    if pattern.get("source") != ["aws.cognito-idp"]:
        found.append(f"source {pattern.get('source')}")
    if pattern.get("detail-type") != [CLOUDTRAIL]:
        found.append(f"detail-type {pattern.get('detail-type')}")
    detail = pattern.get("detail", {})
    if detail.get("eventSource") != ["cognito-idp.amazonaws.com"]:
        found.append(f"eventSource {detail.get('eventSource')}")
    names = detail.get("eventName", [])
    if len(names) != len(set(names)) or set(names) != POOL_WRITES:
        found.append(f"eventName {sorted(set(names) ^ POOL_WRITES)} differ, or repeats")
    # No filter on the caller: "anything-but" would drop writes without a source identity.
    if set(detail) != {"eventSource", "eventName"} or set(pattern) != {"source", "detail-type", "detail"}:
        found.append(f"extra filters {sorted(set(pattern) | set(detail))}")
    return found


def metric_rows(body: dict[str, Any]) -> list[list[Any]]:
    """Every `metrics` row of every metric widget of a dashboard body."""
    return [
        row
        for widget in body["widgets"]
        if widget["type"] == "metric"
        for row in widget["properties"]["metrics"]
    ]


# ---------------------------------------------------------------------------
# Parameters and the function's environment
# ---------------------------------------------------------------------------
def test_drift_parameters_have_the_designed_defaults_and_bounds(stack_template: Template) -> None:
    # Given the stack's drift parameters
    spec = stack_template["Parameters"]
    # When their types, defaults and bounds are read
    bounds = {
        name: (
            spec[name]["Type"],
            spec[name]["Default"],
            spec[name].get("MinValue"),
            spec[name].get("MaxValue"),
        )
        for name in ("DriftReadsPerSecond", "DriftCorrectionLimitPercent", "DriftConcurrency")
    }
    # Then they are the design's: 3 reads/s (the quotas are 15-20 RPS, shared), a 10 % halt limit
    assert bounds == {
        "DriftReadsPerSecond": ("Number", 3, 1, 15),
        "DriftCorrectionLimitPercent": ("Number", 10, 0, 100),
        "DriftConcurrency": ("Number", 20, 2, 1000),
    }
    assert "15-20 RPS" in spec["DriftReadsPerSecond"]["Description"]
    assert spec["DriftCorrection"]["AllowedValues"] == ["Enabled", "Disabled"]
    assert spec["DriftCorrection"]["Default"] == "Enabled"
    assert spec["DesiredStatePrefix"]["Default"] == "desired/"


@pytest.mark.parametrize(
    ("prefix", "accepted"),
    [
        ("desired/", True),
        ("fleet/desired-state/", True),
        ("desired", False),
        ("/desired/", False),
        ("", False),
        ("snapshots/", False),
        ("drift-reports/", False),
        ("drift-reports/x/", False),
        ("bundles/", False),
    ],
)
def test_the_desired_state_prefix_stays_out_of_snapshots_and_reports(
    stack_template: Template, prefix: str, accepted: bool
) -> None:
    # Given the prefix parameter's pattern (CloudFormation matches it against the whole value)
    pattern = re.compile(stack_template["Parameters"]["DesiredStatePrefix"]["AllowedPattern"])
    # When a value is tried
    # Then only a folder-like prefix outside the write-once and report prefixes passes
    assert bool(pattern.fullmatch(prefix)) is accepted


def test_the_drift_function_gets_its_queues_table_and_guards(stack_template: Template) -> None:
    # Given the stack with defaults, and with correction off and other limits
    default = hub(stack_template)
    custom = hub(
        stack_template,
        DriftCorrection="Disabled",
        DriftReadsPerSecond=5,
        DriftCorrectionLimitPercent=0,
        DesiredStatePrefix="fleet/desired/",
    )
    # When the drift function's environment is resolved
    env, custom_env = default.environment("DriftFunction"), custom.environment("DriftFunction")
    # Then it names the drift queues and table, the read budget, the halt limit and the kill switch
    assert {k: env[k] for k in env if k.startswith(("DRIFT_", "DESIRED_"))} == {
        "DRIFT_WORK_QUEUE_URL": "<DriftWorkQueue>",
        "DRIFT_CHECK_QUEUE_URL": "<DriftCheckQueue>",
        "DRIFT_STATE_TABLE": "<DriftStateTable>",
        "DRIFT_READS_PER_SECOND": 3,
        "DRIFT_CORRECTION_LIMIT_PERCENT": 10,
        "DRIFT_CORRECTION": "enabled",
        "DRIFT_STORE_BUNDLES": "true",
        "DESIRED_STATE_PREFIX": "desired/",
    }
    assert custom_env["DRIFT_CORRECTION"] == "disabled"
    assert custom_env["DRIFT_READS_PER_SECOND"] == 5
    assert custom_env["DRIFT_CORRECTION_LIMIT_PERCENT"] == 0
    assert custom_env["DESIRED_STATE_PREFIX"] == "fleet/desired/"
    # and keeps what it had: the read-only role, the change queue, the bus, the bucket
    assert env["TARGET_ROLE_NAME"] == "poolpatch-target-read"
    assert env["CHANGE_QUEUE_URL"] == "<ChangeQueue>"
    assert env["SNAPSHOT_BUCKET"] == "<SnapshotBucket>"
    assert env["EVENT_BUS_NAME"] == "<EventBus>"
    assert env["ALLOWED_ACCOUNT_IDS"] == ACCOUNT
    # and runs up to Lambda's 15 minutes per unit (continuing in a new message near the end)
    function = default.props("DriftFunction")
    assert (function["Timeout"], function["MemorySize"]) == (900, 1024)


# ---------------------------------------------------------------------------
# Queues, event sources and the state table
# ---------------------------------------------------------------------------
def test_sweep_units_use_a_standard_queue_and_checks_a_delayed_fifo_queue(stack_template: Template) -> None:
    # Given the two drift queues and their DLQs
    stack = hub(stack_template)
    work, work_dlq = stack.props("DriftWorkQueue"), stack.props("DriftWorkDLQ")
    check, check_dlq = stack.props("DriftCheckQueue"), stack.props("DriftCheckDLQ")
    # When their settings are resolved
    # Then units go to a standard queue and checks to a FIFO queue whose delay is the 60 s debounce
    assert "FifoQueue" not in work
    assert "FifoQueue" not in work_dlq
    assert check["FifoQueue"] is check_dlq["FifoQueue"] is True
    assert check["DelaySeconds"] == 60
    assert check["ContentBasedDeduplication"] is False
    # and both redrive to their own DLQ after 3 receives, never before a unit can have finished
    timeout = stack.props("DriftFunction")["Timeout"]
    for queue, dlq in DRIFT_QUEUES.items():
        settings = stack.props(queue)
        assert settings["RedrivePolicy"] == {"deadLetterTargetArn": f"<{dlq}.Arn>", "maxReceiveCount": 3}
        assert settings["VisibilityTimeout"] >= 6 * timeout, queue
    assert queue_violations(stack_template) == []


@pytest.mark.parametrize("kms_key", ["", KMS_KEY], ids=["sse-sqs", "customer-key"])
def test_drift_queues_are_encrypted_and_tls_only(stack_template: Template, kms_key: str) -> None:
    # Given the stack without and with a customer-managed key
    stack = hub(stack_template, KmsKeyArn=kms_key)
    for queue in [*DRIFT_QUEUES, *DRIFT_QUEUES.values()]:
        # When the queue's settings and policy are resolved
        settings, policy, arn = stack.props(queue), stack.queue_policy(queue), f"<{queue}.Arn>"
        plain_http = request(DRIFT_ROLE, **{"aws:SecureTransport": "false"})
        # Then it is encrypted with the key, or SSE-SQS, and refuses every request without TLS
        if kms_key:
            assert settings["KmsMasterKeyId"] == kms_key, queue
        else:
            assert settings["SqsManagedSseEnabled"] is True, queue
        assert decide(policy, "sqs:SendMessage", arn, plain_http) == "Deny", queue
        assert decide(policy, "sqs:ReceiveMessage", arn, plain_http) == "Deny", queue
        assert decide(policy, "sqs:SendMessage", arn, request(DRIFT_ROLE)) == "Implicit", queue


@pytest.mark.parametrize("concurrency", [None, 50], ids=["default", "custom"])
def test_drift_consumes_both_queues_one_record_at_a_time(
    stack_template: Template, concurrency: int | None
) -> None:
    # Given the stack with the default and a custom DriftConcurrency
    stack = hub(stack_template, **({"DriftConcurrency": concurrency} if concurrency else {}))
    events = drift_events(stack)
    # When its SQS event sources are read
    sqs = {name: event["Properties"] for name, event in events.items() if event["Type"] == "SQS"}
    # Then it consumes each drift queue singly, reporting item failures, at bounded concurrency
    assert {name: source["Queue"] for name, source in sqs.items()} == {
        "SweepUnitQueued": "<DriftWorkQueue.Arn>",
        "TargetCheckQueued": "<DriftCheckQueue.Arn>",
    }
    for source in sqs.values():
        assert source["BatchSize"] == 1
        assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert source["ScalingConfig"] == {"MaximumConcurrency": concurrency or 20}
    # and the scheduled sweep stays
    assert events["DriftSchedule"]["Type"] == "Schedule"
    assert events["DriftSchedule"]["Properties"]["Schedule"] == "rate(1 day)"


@pytest.mark.parametrize("kms_key", ["", KMS_KEY], ids=["aws-managed", "customer-key"])
def test_drift_state_table_layout(stack_template: Template, kms_key: str) -> None:
    # Given the drift state table without and with a customer-managed key
    resource = hub(stack_template, KmsKeyArn=kms_key).resources()["DriftStateTable"]
    table = props(resource)
    # When its layout and protections are read
    # Then it has the pk/sk keys the function uses, expires through `expires`, and is protected
    assert resource["Type"] == "AWS::DynamoDB::Table"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["AttributeDefinitions"] == [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    expected = (
        {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key} if kms_key else {"SSEEnabled": True}
    )
    assert table["SSESpecification"] == expected


# ---------------------------------------------------------------------------
# CloudTrail rules and the bus policy
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("bus", ["", "shared"], ids=["dedicated-bus", "named-bus"])
def test_cognito_writes_on_both_buses_invoke_drift(stack_template: Template, bus: str) -> None:
    # Given the stack on its own bus and on a named one
    stack = hub(stack_template, EventBusName=bus)
    events = drift_events(stack)
    # When the drift function's EventBridge rules are read
    rules = {name: events[name]["Properties"] for name in CLOUDTRAIL_RULES}
    # Then one watches this account's default bus and one the poolpatch bus (forwarded events) ...
    assert {name: events[name]["Type"] for name in CLOUDTRAIL_RULES} == dict.fromkeys(
        CLOUDTRAIL_RULES, "EventBridgeRule"
    )
    assert rules["OwnAccountPoolWrite"]["EventBusName"] == "default"
    assert rules["ForwardedPoolWrite"]["EventBusName"] == (bus or "<EventBus>")
    for name, rule in rules.items():
        # ... both matching exactly the CloudTrail events of Cognito user pool writes
        assert pattern_problems(rule["Pattern"]) == [], name
        # ... retrying into the rule-delivery DLQ
        assert rule["DeadLetterConfig"] == {"Arn": "<RuleDeliveryDLQ.Arn>"}
        assert set(rule["RetryPolicy"]) == {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}
    assert async_path_violations(stack_template) == []


def test_only_the_drift_rules_may_dead_letter_into_the_rule_delivery_dlq(stack_template: Template) -> None:
    # Given the rule-delivery DLQ's policy
    policy = hub(stack_template).queue_policy("RuleDeliveryDLQ")

    def deliver(rule: str) -> str:
        context = {"aws:PrincipalServiceName": "events.amazonaws.com", "aws:SourceArn": f"<{rule}.Arn>"}
        return decide(policy, "sqs:SendMessage", "<RuleDeliveryDLQ.Arn>", request(None, **context))

    # When EventBridge delivers a dead letter for each rule, and for a foreign one
    # Then the new CloudTrail rules may, as the request rule and the schedule may, and no other
    for rule in CLOUDTRAIL_RULES:
        assert deliver(f"DriftFunction{rule}") == "Allow", rule
    assert deliver("DriftFunctionDriftSchedule") == deliver("IntakeFunctionChangeRequested") == "Allow"
    assert deliver("SomeoneElsesRule") == "Implicit"


def test_allowed_accounts_may_forward_only_cognito_cloudtrail_events(stack_template: Template) -> None:
    # Given the dedicated bus with two allowed accounts
    stack = hub(stack_template, AllowedAccountIds=f"{OTHER_ACCOUNT},333333333333")
    policy = props(stack.resources()["EventBusForwardedPoolWritesPolicy"])
    statement = policy["Statement"]

    def put(account: str, source: str, detail_type: str) -> str:
        context = {"aws:PrincipalArn": account, "events:source": source, "events:detail-type": detail_type}
        return decide([statement], "events:PutEvents", "<EventBus.Arn>", context)

    # When the allowed accounts and a stranger put events on the bus
    # Then the allowed accounts may forward CloudTrail events of source aws.cognito-idp, nothing else
    assert policy["EventBusName"] == "<EventBus>"
    assert policy["StatementId"] != props(stack.resources()["EventBusAllowedAccountsPolicy"])["StatementId"]
    assert statement["Principal"] == {"AWS": [OTHER_ACCOUNT, "333333333333"]}
    assert statement["Condition"] == {
        "StringEquals": {"events:source": "aws.cognito-idp", "events:detail-type": CLOUDTRAIL}
    }
    assert put(OTHER_ACCOUNT, "aws.cognito-idp", CLOUDTRAIL) == "Allow"
    assert put("333333333333", "aws.cognito-idp", CLOUDTRAIL) == "Allow"
    assert put("999999999999", "aws.cognito-idp", CLOUDTRAIL) == "Implicit"
    assert put(OTHER_ACCOUNT, "aws.ec2", CLOUDTRAIL) == "Implicit"
    assert put(OTHER_ACCOUNT, "aws.cognito-idp", "User Pool Change Requested") == "Implicit"
    assert put(OTHER_ACCOUNT, "poolpatch", "User Pool Drift Detected") == "Implicit"
    # and with no other account, or on a named bus (not the stack's to open), there is no such policy
    assert "EventBusForwardedPoolWritesPolicy" not in hub(stack_template).resources()
    named = hub(stack_template, EventBusName="shared", AllowedAccountIds=OTHER_ACCOUNT)
    assert "EventBusForwardedPoolWritesPolicy" not in named.resources()


# ---------------------------------------------------------------------------
# The drift role: least privilege, scoped
# ---------------------------------------------------------------------------
def test_drift_reads_documents_and_writes_only_reports(stack_template: Template) -> None:
    # Given the drift role with the default and with a custom desired-state prefix
    statements = hub(stack_template).statements("DriftFunctionRole")
    custom = hub(stack_template, DesiredStatePrefix="fleet/desired/").statements("DriftFunctionRole")

    def s3(action: str, key: str, role: list[dict[str, Any]] = statements) -> str:
        return decide(role, action, f"{BUCKET}/{key}", {})

    def lists(prefix: str | None, role: list[dict[str, Any]] = statements) -> str:
        return decide(role, "s3:ListBucket", BUCKET, {"s3:prefix": prefix} if prefix is not None else {})

    # When S3 calls are evaluated
    # Then it reads desired-state documents and reads and writes reports, nothing else
    assert s3("s3:GetObject", "desired/prod/baseline.json") == "Allow"
    assert s3("s3:GetObject", "drift-reports/20250101T000000Z-0123abcd/report.json") == "Allow"
    assert s3("s3:PutObject", "drift-reports/20250101T000000Z-0123abcd/targets.jsonl") == "Allow"
    assert s3("s3:PutObject", "desired/prod/baseline.json") == "Implicit"
    assert s3("s3:GetObject", f"snapshots/{ACCOUNT}/eu-west-1/p/pool/x/before.json") == "Implicit"
    assert s3("s3:PutObject", "snapshots/x/after.json") == "Implicit"
    assert s3("s3:DeleteObject", "drift-reports/x/report.json") == "Implicit"
    assert lists("desired/") == lists("drift-reports/20250101T000000Z-0123abcd/") == "Allow"
    assert lists("snapshots/") == lists(None) == lists("") == "Implicit"
    # and follows DesiredStatePrefix
    assert s3("s3:GetObject", "fleet/desired/a.json", custom) == "Allow"
    assert s3("s3:GetObject", "desired/a.json", custom) == "Implicit"
    assert lists("fleet/desired/", custom) == "Allow"
    assert lists("desired/", custom) == "Implicit"


def test_drift_may_overwrite_reports_while_snapshots_stay_write_once(stack_template: Template) -> None:
    # Given the snapshot bucket's policy
    stack = hub(stack_template)
    policy = props(stack.resources()["SnapshotBucketPolicy"])["PolicyDocument"]["Statement"]
    report = f"{BUCKET}/drift-reports/20250101T000000Z-0123abcd/report.json"
    snapshot = f"{BUCKET}/snapshots/{ACCOUNT}/eu-west-1/eu-west-1_A/pool/20250101T000000Z-r/before.json"
    # When drift rewrites a report of a redelivered unit (no If-None-Match), and anyone a snapshot
    # Then the report write is not denied, while the snapshot overwrite still is
    assert decide(policy, "s3:PutObject", report, request(DRIFT_ROLE)) == "Implicit"
    assert decide(policy, "s3:PutObject", snapshot, request(DRIFT_ROLE)) == "Deny"
    assert decide(policy, "s3:PutObject", snapshot, request(APPLY_ROLE)) == "Deny"


def test_drift_uses_only_its_table_and_queues(stack_template: Template) -> None:
    # Given the drift role
    statements = hub(stack_template).statements("DriftFunctionRole")

    def may(action: str, resource: str) -> str:
        return decide(statements, action, resource, request(DRIFT_ROLE))

    # When DynamoDB and SQS calls are evaluated
    # Then it reads and writes its own state table only, without managing it
    for action in ("GetItem", "PutItem", "UpdateItem", "Query", "BatchWriteItem"):
        assert may(f"dynamodb:{action}", "<DriftStateTable.Arn>") == "Allow", action
        assert may(f"dynamodb:{action}", "<IdempotencyTable.Arn>") == "Implicit", action
    # (only the calls drift makes: no Scan, no BatchGetItem, no DeleteItem outside a batch)
    for action in ("Scan", "BatchGetItem", "DeleteItem"):
        assert may(f"dynamodb:{action}", "<DriftStateTable.Arn>") == "Implicit", action
    assert may("dynamodb:DeleteTable", "<DriftStateTable.Arn>") == "Implicit"
    # and sends units, checks and corrections, consumes only the drift queues, touches no DLQ
    for queue in ("DriftWorkQueue", "DriftCheckQueue", "ChangeQueue"):
        assert may("sqs:SendMessage", f"<{queue}.Arn>") == "Allow", queue
    for queue in DRIFT_QUEUES:
        for action in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes", "ChangeMessageVisibility"):
            assert may(f"sqs:{action}", f"<{queue}.Arn>") == "Allow", (queue, action)
        assert may("sqs:PurgeQueue", f"<{queue}.Arn>") == "Implicit", queue
    assert may("sqs:ReceiveMessage", "<ChangeQueue.Arn>") == "Implicit"
    for dlq in ("ChangeDLQ", *DRIFT_QUEUES.values()):
        assert may("sqs:SendMessage", f"<{dlq}.Arn>") == "Implicit", dlq
    # and publishes only poolpatch events on the stack's bus
    publish = {"events:source": "poolpatch"}
    assert decide(statements, "events:PutEvents", "<EventBus.Arn>", publish) == "Allow"
    assert decide(statements, "events:PutEvents", "<EventBus.Arn>", {"events:source": "aws.cognito-idp"}) == (
        "Implicit"
    )
    # and no grant but X-Ray's names every resource
    wildcards = [s["Sid"] for s in statements if "*" in as_list(s.get("Resource", "*"))]
    assert wildcards == ["WriteTraces"]


def test_drift_may_use_the_customer_key_for_its_table(stack_template: Template) -> None:
    # Given the drift role with a customer-managed key
    statements = hub(stack_template, KmsKeyArn=KMS_KEY).statements("DriftFunctionRole")
    # When KMS calls through each service it uses are evaluated
    # Then DynamoDB (the state table), SQS and S3 may use the key, and direct calls may not
    for service in ("dynamodb", "sqs", "s3"):
        via = {"kms:ViaService": f"{service}.eu-west-1.amazonaws.com"}
        assert decide(statements, "kms:Decrypt", KMS_KEY, via) == "Allow", service
        assert decide(statements, "kms:GenerateDataKey", KMS_KEY, via) == "Allow", service
    assert decide(statements, "kms:Decrypt", KMS_KEY, {}) == "Implicit"


# ---------------------------------------------------------------------------
# Alarms and the dashboard
# ---------------------------------------------------------------------------
def test_failed_sweeps_checks_and_invocations_alarm(stack_template: Template) -> None:
    # Given the stack's alarms
    stack = hub(stack_template)
    alarms = {
        name: props(res) for name, res in stack.resources().items() if res["Type"] == "AWS::CloudWatch::Alarm"
    }
    # When the drift alarms are read
    # Then a message in either drift DLQ alarms at once, to the alarm topic, like every DLQ
    for dlq in DRIFT_QUEUES.values():
        alarm = alarms[f"{dlq}Alarm"]
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
        assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": f"<{dlq}.QueueName>"}]
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
        assert alarm["AlarmActions"] == alarm["OKActions"] == ["<AlarmTopic>"]
    # and so does any drift function error
    errors = alarms["DriftFunctionErrorsAlarm"]
    assert (errors["Namespace"], errors["MetricName"], errors["Statistic"]) == ("AWS/Lambda", "Errors", "Sum")
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": "<DriftFunction>"}]
    assert (errors["Threshold"], errors["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert errors["AlarmActions"] == ["<AlarmTopic>"]


def test_a_target_unchecked_for_26_hours_or_no_sweep_at_all_alarms(stack_template: Template) -> None:
    # Given the overdue-sweep alarm and the functions' Powertools settings
    stack = hub(stack_template)
    alarm = stack.props("DriftSweepOverdueAlarm")
    powertools = stack.value(stack_template["Globals"]["Function"]["Environment"]["Variables"])
    # When its metric, window and missing-data treatment are read
    # Then it watches the metric Powertools publishes (namespace, and its one `service` dimension) ...
    assert alarm["Namespace"] == powertools["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["MetricName"] == "DriftOldestUncheckedAge"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": powertools["POWERTOOLS_SERVICE_NAME"]}]
    # ... alarms when the worst age reported in the last 26 h exceeds 26 h ...
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Maximum",
        TWENTY_SIX_HOURS,
        "GreaterThanThreshold",
    )
    assert alarm["Period"] * alarm["EvaluationPeriods"] == TWENTY_SIX_HOURS
    # ... and when no sweep completed in those 26 h at all
    assert alarm["TreatMissingData"] == "breaching"
    assert alarm["AlarmActions"] == ["<AlarmTopic>"]


def test_the_operations_dashboard_shows_changes_dead_letters_and_drift(stack_template: Template) -> None:
    # Given the dashboard as deployed (its body resolved by Fn::Sub)
    stack = hub(stack_template)
    dashboard = stack.props("OperationsDashboard")
    # When its body is parsed
    body = json.loads(dashboard["DashboardBody"])
    rows = metric_rows(body)
    named = [row for row in rows if isinstance(row[0], str)]
    expressions = [row[0]["expression"] for row in rows if isinstance(row[0], dict)]
    poolpatch = {row[1] for row in named if row[0] == "Poolpatch"}
    # Then it is valid JSON with every required metric, in the Powertools namespace and dimension
    assert poolpatch >= DASHBOARD_METRICS
    assert all(row[2:4] == ["service", "poolpatch"] for row in named if row[0] == "Poolpatch")
    assert all("." not in row[:4] for row in named), "full rows, no '.' shorthand"
    # ... the depth of the change DLQ and of the drift DLQs ...
    queues = {
        row[3] for row in named if row[:3] == ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName"]
    }
    assert queues >= {"<ChangeDLQ.QueueName>", "<DriftWorkDLQ.QueueName>", "<DriftCheckDLQ.QueueName>"}
    # ... drift errors by code through a SEARCH on the metric's Code dimension ...
    assert any("SEARCH(" in e and "DriftErrors" in e and "Code" in e for e in expressions)
    # ... in the stack's Region
    assert {w["properties"]["region"] for w in body["widgets"]} == {"eu-west-1"}
    # and the stack outputs its name and console address
    outputs = stack.outputs()
    assert outputs["OperationsDashboardName"] == "<OperationsDashboard>"
    assert "#dashboards/dashboard/<OperationsDashboard>" in outputs["OperationsDashboardUrl"]
    assert dashboard["DashboardName"] == "poolpatch-eu-west-1-operations"


@pytest.mark.parametrize("bus", ["", "shared"], ids=["dedicated-bus", "named-bus"])
def test_the_stack_outputs_the_forwarder_parameters(stack_template: Template, bus: str) -> None:
    # Given the stack on its own bus and on a named one
    outputs = hub(stack_template, EventBusName=bus).outputs()
    # When the forwarder's parameter output is read
    arn = f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/shared" if bus else "<EventBus.Arn>"
    # Then it names the bus the forwarded events must reach
    assert outputs["DriftForwarderStackSetParameters"] == f"HubEventBusArn={arn}"
    assert {"DriftWorkQueueUrl", "DriftCheckQueueUrl", "DriftStateTableName"} <= set(outputs)


# ---------------------------------------------------------------------------
# The drift forwarder (templates/drift-forwarder.yaml)
# ---------------------------------------------------------------------------
def test_the_forwarder_sends_cognito_writes_to_the_hub_bus(forwarder_template: Template) -> None:
    # Given the forwarder rendered for a hub bus
    stack = forwarder(forwarder_template)
    rule = stack.props("CognitoWriteForwardRule")
    # When its rule is read
    (target,) = rule["Targets"]
    # Then it watches this account's default bus for the hub's pattern and targets the hub bus ...
    assert rule["EventBusName"] == "default"
    assert rule["State"] == "ENABLED"
    assert pattern_problems(rule["EventPattern"]) == []
    assert target["Arn"] == HUB_BUS
    assert target["RoleArn"] == "<ForwardRole.Arn>"
    # ... retrying into an alarmed DLQ, as every async path of poolpatch does
    assert target["DeadLetterConfig"] == {"Arn": "<ForwardDLQ.Arn>"}
    assert set(target["RetryPolicy"]) == {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}
    assert queue_violations(forwarder_template) == []
    assert async_path_violations(forwarder_template) == []


def test_the_forwarder_matches_the_hub_rules_exactly(
    stack_template: Template, forwarder_template: Template
) -> None:
    # Given the hub's two CloudTrail rules and the forwarder's rule, unrendered
    events = props(stack_template["Resources"]["DriftFunction"])["Events"]
    hub_patterns = [events[name]["Properties"]["Pattern"] for name in CLOUDTRAIL_RULES]
    forward = props(forwarder_template["Resources"]["CognitoWriteForwardRule"])["EventPattern"]
    # When they are compared
    # Then all three are the same pattern, so whatever the hub checks, a target account forwards
    assert hub_patterns == [forward, forward]


def test_the_forwarder_role_may_only_put_events_on_the_hub_bus(forwarder_template: Template) -> None:
    # Given the forwarder's role
    stack = forwarder(forwarder_template)
    role = stack.props("ForwardRole")
    statements = stack.statements("ForwardRole")
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    eventbridge = {"aws:PrincipalServiceName": "events.amazonaws.com", "aws:SourceAccount": ACCOUNT}
    # When its trust and permissions are evaluated
    # Then only EventBridge of this account assumes it ...
    assert decide(trust, "sts:AssumeRole", "*", eventbridge) == "Allow"
    assert (
        decide(trust, "sts:AssumeRole", "*", {**eventbridge, "aws:SourceAccount": OTHER_ACCOUNT})
        == "Implicit"
    )
    assert decide(
        trust, "sts:AssumeRole", "*", {"aws:PrincipalArn": ADMIN, "aws:SourceAccount": ACCOUNT}
    ) == ("Implicit")
    # ... and it may put events on the hub bus and do nothing else
    allowed = {str(a) for s in statements if s["Effect"] == "Allow" for a in as_list(s["Action"])}
    assert allowed == {"events:PutEvents"}
    assert decide(statements, "events:PutEvents", HUB_BUS, {}) == "Allow"
    other_bus = f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/default"
    assert decide(statements, "events:PutEvents", other_bus, {}) == "Implicit"
    assert not role.get("ManagedPolicyArns")
    assert "RoleName" not in role, "one stack per Region: IAM names are global"


def test_the_forwarder_dlq_takes_dead_letters_of_its_rule_only_over_tls(forwarder_template: Template) -> None:
    # Given the forwarder's DLQ, its policy and alarm, without and with an alarm topic
    stack = forwarder(forwarder_template)
    topic = f"arn:aws:sns:eu-west-1:{ACCOUNT}:ops"
    with_topic = forwarder(forwarder_template, AlarmTopicArn=topic)
    policy = stack.queue_policy("ForwardDLQ")

    def deliver(rule: str, secure: str = "true") -> str:
        context = {
            "aws:PrincipalServiceName": "events.amazonaws.com",
            "aws:SourceArn": rule,
            "aws:SecureTransport": secure,
        }
        return decide(policy, "sqs:SendMessage", "<ForwardDLQ.Arn>", context)

    # When EventBridge delivers dead letters, for this rule and another, with and without TLS
    # Then only this rule's dead letters over TLS are accepted
    assert deliver("<CognitoWriteForwardRule.Arn>") == "Allow"
    assert deliver("<OtherRule.Arn>") == "Implicit"
    assert deliver("<CognitoWriteForwardRule.Arn>", secure="false") == "Deny"
    assert stack.props("ForwardDLQ")["SqsManagedSseEnabled"] is True
    # and the DLQ alarms on its first message, notifying the topic when one is given
    alarm = stack.props("ForwardDLQAlarm")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": "<ForwardDLQ.QueueName>"}]
    assert "AlarmActions" not in alarm
    assert with_topic.props("ForwardDLQAlarm")["AlarmActions"] == [topic]


@pytest.mark.parametrize(
    ("arn", "accepted"),
    [
        (HUB_BUS, True),
        ("arn:aws-cn:events:cn-north-1:111111111111:event-bus/poolpatch-prod", True),
        ("arn:aws:events:eu-west-1:111111111111:rule/poolpatch", False),
        ("poolpatch", False),
        ("", False),
    ],
)
def test_the_forwarder_needs_a_hub_bus_arn(forwarder_template: Template, arn: str, accepted: bool) -> None:
    # Given the forwarder's only required parameter
    spec = forwarder_template["Parameters"]["HubEventBusArn"]
    # When a value is tried against its pattern
    # Then only an event bus ARN passes, and there is no default
    assert "Default" not in spec
    assert bool(re.fullmatch(spec["AllowedPattern"], arn)) is accepted


def test_the_forwarder_documents_cloudtrail_and_the_stackset(forwarder_template: Template) -> None:
    # Given the forwarder's description
    description = forwarder_template["Description"]
    # When it is read
    # Then it says CloudTrail must be on and how it is deployed
    assert "CloudTrail must be on" in description
    assert "AWS API Call via CloudTrail" in description
    assert "service-managed StackSet" in description
    assert "every Region" in description
    assert resources(forwarder_template, "AWS::Events::Rule").keys() == {"CognitoWriteForwardRule"}


def test_drift_reports_expire_and_snapshots_do_not(stack_template: Template) -> None:
    rules = stack_template["Resources"]["SnapshotBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = [rule for rule in rules if "ExpirationInDays" in rule]
    assert [(rule["Prefix"], rule["ExpirationInDays"]) for rule in expiring] == [
        ("drift-reports/", {"Ref": "DriftReportRetentionDays"})
    ]
