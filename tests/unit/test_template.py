"""Invariants of the SAM stack (template.yaml) and the target-account role template.

These are poolpatch's guardrails as code: every function logs to its own log
group with retention, every queue redrives or is an alarmed DLQ, every
asynchronous path fails somewhere visible, IAM is least-privilege (no wildcard
resource on a Cognito write, PutEvents conditioned on events:source), the
snapshot bucket is private and TLS-only, the function environment matches the
design's contract, the embedded request schema equals events/schema, and
cfn-lint reports nothing on either template.

Each checker returns a list of violations; the tests assert it is empty for the
real templates, and a few tests feed deliberately broken copies to prove the
checkers are not vacuous.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint, lint_file
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
TARGET_TEMPLATE = ROOT / "templates" / "target-account-role.yaml"
SCHEMA_FILE = ROOT / "events" / "schema" / "change-request.json"

CONTRACT_ENV = frozenset(
    {
        "SNAPSHOT_BUCKET",
        "CHANGE_QUEUE_URL",
        "EVENT_BUS_NAME",
        "IDEMPOTENCY_TABLE",
        "ALLOWED_ACCOUNT_IDS",
        "TARGET_ROLE_NAME",
        "TARGET_ROLE_EXTERNAL_ID",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
    }
)
COGNITO_ACTIONS = frozenset(
    {
        "cognito-idp:DescribeUserPool",
        "cognito-idp:DescribeUserPoolClient",
        "cognito-idp:UpdateUserPool",
        "cognito-idp:UpdateUserPoolClient",
        "cognito-idp:AddCustomAttributes",
    }
)
ASYNC_EVENT_TYPES = frozenset({"EventBridgeRule", "Schedule", "CloudWatchEvent"})
FUNCTIONS = {"IntakeFunction": "intake", "ApplyFunction": "apply", "DriftFunction": "drift"}

Template = dict[str, Any]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def load(path: Path) -> Template:
    """Load a CloudFormation/SAM template, short-form tags (!Ref, !GetAtt, ...) included."""
    template: Template = cfn_yaml.load(str(path))
    return template


@pytest.fixture(scope="module")
def template() -> Template:
    """The SAM stack."""
    return load(TEMPLATE)


@pytest.fixture(scope="module")
def target_template() -> Template:
    """The target-account role template."""
    return load(TARGET_TEMPLATE)


def resources(template: Template, type_: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource for every resource of one type."""
    return {name: res for name, res in template["Resources"].items() if res.get("Type") == type_}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource's Properties (empty when absent)."""
    properties: dict[str, Any] = resource.get("Properties", {})
    return properties


def target_of(value: Any) -> str | None:
    """The logical id a `Ref`/`GetAtt` points at, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            return str(att[0] if isinstance(att, list) else str(att).split(".", 1)[0])
    return None


def as_list(value: Any) -> list[Any]:
    """A policy element that may be one item or a list, as a list."""
    return value if isinstance(value, list) else [value]


def function_setting(template: Template, function: dict[str, Any], key: str) -> Any:
    """A function property, falling back to Globals.Function."""
    return props(function).get(key, template.get("Globals", {}).get("Function", {}).get(key))


def policy_statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """(owner, statement) for every identity-policy statement in the template."""
    for name, res in template["Resources"].items():
        documents: list[Any] = []
        if res.get("Type") == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props(res).get("Policies", [])]
        elif res.get("Type") in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents = [props(res)["PolicyDocument"]]
        elif res.get("Type") == "AWS::Serverless::Function":
            documents = [p for p in as_list(props(res).get("Policies", [])) if isinstance(p, dict)]
        for document in documents:
            for statement in as_list(document.get("Statement", [])):
                yield name, statement


def resource_text(resource: Any) -> str:
    """An IAM Resource element as text (the Fn::Sub pattern for substitutions)."""
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    if isinstance(resource, dict):
        return json.dumps(resource)
    return str(resource)


# ---------------------------------------------------------------------------
# Checkers: each returns the list of violations
# ---------------------------------------------------------------------------
def log_group_violations(template: Template) -> list[str]:
    """Functions without their own log group with retention."""
    found = []
    groups = resources(template, "AWS::Logs::LogGroup")
    for name, function in resources(template, "AWS::Serverless::Function").items():
        group = target_of(props(function).get("LoggingConfig", {}).get("LogGroup"))
        if group not in groups:
            found.append(f"{name}: LoggingConfig.LogGroup does not name a log group of this template")
        elif "RetentionInDays" not in props(groups[group]):
            found.append(f"{name}: log group {group} has no RetentionInDays")
    return found


def dead_letter_targets(template: Template) -> set[str]:
    """Queues used as a DLQ: redrive targets, rule DeadLetterConfig, on-failure destinations."""
    targets: set[str] = set()
    for queue in resources(template, "AWS::SQS::Queue").values():
        redrive = props(queue).get("RedrivePolicy")
        if redrive:
            targets.add(str(target_of(redrive.get("deadLetterTargetArn"))))
    for function in resources(template, "AWS::Serverless::Function").values():
        for event in props(function).get("Events", {}).values():
            dlq = event.get("Properties", {}).get("DeadLetterConfig", {}).get("Arn")
            if dlq:
                targets.add(str(target_of(dlq)))
        on_failure = props(function).get("EventInvokeConfig", {}).get("DestinationConfig", {})
        destination = on_failure.get("OnFailure", {}).get("Destination")
        if destination:
            targets.add(str(target_of(destination)))
    for rule in resources(template, "AWS::Events::Rule").values():
        for rule_target in props(rule).get("Targets", []):
            dlq = rule_target.get("DeadLetterConfig", {}).get("Arn")
            if dlq:
                targets.add(str(target_of(dlq)))
    return targets


def queue_violations(template: Template) -> list[str]:
    """Queues that neither redrive nor are a DLQ alarming on its first message; unencrypted queues."""
    found = []
    queues = resources(template, "AWS::SQS::Queue")
    dlqs = dead_letter_targets(template)
    alarmed = {
        target_of(dimension["Value"])
        for alarm in resources(template, "AWS::CloudWatch::Alarm").values()
        if props(alarm).get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and props(alarm).get("Threshold", 2) <= 1
        and props(alarm).get("AlarmActions")
        for dimension in props(alarm).get("Dimensions", [])
        if dimension.get("Name") == "QueueName"
    }
    for name, queue in queues.items():
        properties = props(queue)
        if not (properties.get("SqsManagedSseEnabled") or properties.get("KmsMasterKeyId")):
            found.append(f"{name}: no server-side encryption")
        redrive = properties.get("RedrivePolicy")
        if redrive:
            if target_of(redrive.get("deadLetterTargetArn")) not in queues:
                found.append(f"{name}: redrives to a queue outside this template")
        elif name not in dlqs:
            found.append(f"{name}: neither redrives nor is a dead-letter queue")
        elif name not in alarmed:
            found.append(f"{name}: dead-letter queue without an alarm on its first message")
    return found


def cognito_write_violations(template: Template) -> list[str]:
    """Allow statements granting a Cognito write on a wildcard resource or with a wildcard action."""
    found = []
    for owner, statement in policy_statements(template):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in as_list(statement.get("Action", []))]
        cognito = [a for a in actions if a.lower().startswith("cognito-idp:") or a == "*"]
        writes = [a for a in cognito if not a.split(":", 1)[-1].startswith(("Describe", "List", "Get"))]
        if not writes:
            continue
        if any("*" in a for a in writes):
            found.append(f"{owner}: wildcard Cognito action {writes}")
        for resource in as_list(statement.get("Resource", "*")):
            text = resource_text(resource)
            if text.strip() == "*" or ":userpool/" not in text:
                found.append(f"{owner}: Cognito write {writes} on resource {text!r}")
    return found


def put_events_violations(template: Template) -> list[str]:
    """events:PutEvents granted without an events:source condition or on every bus."""
    found = []
    for owner, statement in policy_statements(template):
        actions = [str(a) for a in as_list(statement.get("Action", []))]
        if statement.get("Effect") != "Allow" or not any(
            a in {"events:PutEvents", "events:*"} for a in actions
        ):
            continue
        source = statement.get("Condition", {}).get("StringEquals", {}).get("events:source")
        if source != "poolpatch":
            found.append(f"{owner}: PutEvents without Condition StringEquals events:source = poolpatch")
        if any(resource_text(r).strip() == "*" for r in as_list(statement.get("Resource", "*"))):
            found.append(f"{owner}: PutEvents on every bus")
    return found


def async_path_violations(template: Template) -> list[str]:
    """EventBridge targets without RetryPolicy/DeadLetterConfig; async functions without on-failure."""
    found = []
    for name, function in resources(template, "AWS::Serverless::Function").items():
        events = props(function).get("Events", {})
        async_events = {k: v for k, v in events.items() if v.get("Type") in ASYNC_EVENT_TYPES}
        for event_name, event in async_events.items():
            event_props = event.get("Properties", {})
            for key in ("RetryPolicy", "DeadLetterConfig"):
                if key not in event_props:
                    found.append(f"{name}.{event_name}: no {key}")
        on_failure = props(function).get("EventInvokeConfig", {}).get("DestinationConfig", {})
        if async_events and "OnFailure" not in on_failure:
            found.append(
                f"{name}: invoked asynchronously without an EventInvokeConfig on-failure destination"
            )
    for name, rule in resources(template, "AWS::Events::Rule").items():
        for rule_target in props(rule).get("Targets", []):
            for key in ("RetryPolicy", "DeadLetterConfig"):
                if key not in rule_target:
                    found.append(f"{name}: target {rule_target.get('Id')} has no {key}")
    return found


def eventbridge_dlq_policy_violations(template: Template) -> list[str]:
    """Rule DLQs whose queue policy lets events.amazonaws.com send without aws:SourceArn."""
    found = []
    rule_dlqs = set()
    for function in resources(template, "AWS::Serverless::Function").values():
        for event in props(function).get("Events", {}).values():
            if event.get("Type") in ASYNC_EVENT_TYPES:
                rule_dlqs.add(target_of(event.get("Properties", {}).get("DeadLetterConfig", {}).get("Arn")))
    policies = resources(template, "AWS::SQS::QueuePolicy").values()
    for dlq in sorted(str(q) for q in rule_dlqs):
        grants = [
            statement
            for policy in policies
            if dlq in {target_of(q) for q in props(policy).get("Queues", [])}
            for statement in as_list(props(policy)["PolicyDocument"]["Statement"])
            if statement.get("Effect") == "Allow"
            and statement.get("Principal", {}).get("Service") == "events.amazonaws.com"
        ]
        if not grants:
            found.append(f"{dlq}: no queue policy lets EventBridge deliver dead letters")
        for statement in grants:
            conditions = statement.get("Condition", {})
            if not any("aws:SourceArn" in block for block in conditions.values()):
                found.append(f"{dlq}: events.amazonaws.com may send without an aws:SourceArn condition")
    return found


# ---------------------------------------------------------------------------
# Tests: the SAM stack
# ---------------------------------------------------------------------------
def test_every_function_has_its_own_log_group_with_retention(template: Template) -> None:
    # Given the SAM stack
    # When every function's log destination is resolved
    violations = log_group_violations(template)
    # Then each writes to an explicit log group of the stack with a retention
    assert violations == []
    assert len(resources(template, "AWS::Serverless::Function")) == len(FUNCTIONS)


def test_every_queue_redrives_or_is_an_alarmed_dead_letter_queue(template: Template) -> None:
    # Given the SAM stack
    # When every queue is classified
    violations = queue_violations(template)
    # Then each is encrypted and either redrives or is a DLQ alarming on its first message
    assert violations == []


def test_no_cognito_write_action_on_a_wildcard_resource(
    template: Template, target_template: Template
) -> None:
    # Given both templates
    # When every Allow statement with a Cognito write is inspected
    violations = cognito_write_violations(template) + cognito_write_violations(target_template)
    # Then each names user pool ARNs, never "*"
    assert violations == []


def test_visibility_timeout_is_at_least_six_times_the_consumer_timeout(template: Template) -> None:
    # Given every SQS event source of every function
    queues = resources(template, "AWS::SQS::Queue")
    checked = 0
    for name, function in resources(template, "AWS::Serverless::Function").items():
        for event in props(function).get("Events", {}).values():
            if event.get("Type") != "SQS":
                continue
            queue = str(target_of(event["Properties"]["Queue"]))
            # When the queue's visibility timeout is compared with the function timeout
            timeout = int(function_setting(template, function, "Timeout"))
            visibility = int(props(queues[queue])["VisibilityTimeout"])
            # Then a message is never redelivered while a batch can still be running
            assert visibility >= 6 * timeout, (
                f"{queue} visibility {visibility} < 6 x {name} timeout {timeout}"
            )
            checked += 1
    assert checked == 1


def test_apply_consumes_change_queue_fifo_in_partial_batches(template: Template) -> None:
    # Given the apply function's event source and the queue
    event = props(template["Resources"]["ApplyFunction"])["Events"]["ChangeQueued"]
    queue = props(template["Resources"]["ChangeQueue"])
    dlq = props(template["Resources"]["ChangeDLQ"])
    # When the consumption settings are read
    # Then batches of 10 report item failures, and the FIFO queue dedupes on requestId
    assert event["Type"] == "SQS"
    assert target_of(event["Properties"]["Queue"]) == "ChangeQueue"
    assert event["Properties"]["BatchSize"] == 10
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert queue["FifoQueue"] is True
    assert queue["ContentBasedDeduplication"] is False
    assert queue["RedrivePolicy"]["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
    assert template["Parameters"]["MaxReceiveCount"]["Default"] == 5
    assert target_of(queue["RedrivePolicy"]["deadLetterTargetArn"]) == "ChangeDLQ"
    assert dlq["FifoQueue"] is True


def test_put_events_is_conditioned_on_the_poolpatch_source(template: Template) -> None:
    # Given the SAM stack
    # When every PutEvents grant is inspected
    violations = put_events_violations(template)
    publishers = {
        owner for owner, s in policy_statements(template) if "events:PutEvents" in as_list(s["Action"])
    }
    # Then every function publishes only with source "poolpatch", on one bus
    assert violations == []
    assert publishers == {"IntakeFunctionRole", "ApplyFunctionRole", "DriftFunctionRole"}


def test_every_async_path_retries_and_fails_somewhere_visible(template: Template) -> None:
    # Given the SAM stack
    # When every EventBridge target and asynchronously invoked function is inspected
    violations = async_path_violations(template) + eventbridge_dlq_policy_violations(template)
    # Then rules retry into a DLQ (writable by EventBridge only for these rules) and functions have on-failure
    assert violations == []


def test_request_rule_matches_change_requested_events(template: Template) -> None:
    # Given the intake function's rule
    event = props(template["Resources"]["IntakeFunction"])["Events"]["ChangeRequested"]
    # When its pattern is read
    pattern = event["Properties"]["Pattern"]
    # Then it matches the request detail-type from the configured sources on the configured bus
    assert event["Type"] == "EventBridgeRule"
    assert pattern["detail-type"] == ["User Pool Change Requested"]
    assert pattern["source"] == {"Ref": "EventSources"}
    assert event["Properties"]["EventBusName"] == {"Ref": "EventBusName"}


def test_function_environment_matches_the_contract(template: Template) -> None:
    # Given the Globals and each function
    global_env = template["Globals"]["Function"]["Environment"]["Variables"]
    for name in FUNCTIONS:
        own = props(template["Resources"][name]).get("Environment", {}).get("Variables", {})
        # When the effective environment is merged as SAM merges it
        names = set(global_env) | set(own)
        # Then the variable names are exactly the design's contract (apply adds MAX_RECEIVE_COUNT)
        extension = {"MAX_RECEIVE_COUNT"} if name == "ApplyFunction" else set()
        assert names == CONTRACT_ENV | extension, name
    assert global_env["POWERTOOLS_SERVICE_NAME"] == "poolpatch"
    assert global_env["POWERTOOLS_METRICS_NAMESPACE"] == "Poolpatch"


def test_functions_share_runtime_architecture_tracing_and_layer(template: Template) -> None:
    # Given every function
    for name, folder in FUNCTIONS.items():
        function = template["Resources"][name]
        # When its effective settings are read
        # Then it is a thin python3.13/arm64 handler over the engine layer, traced, with JSON logs
        assert function_setting(template, function, "Runtime") == "python3.13"
        assert function_setting(template, function, "Architectures") == ["arm64"]
        assert function_setting(template, function, "Tracing") == "Active"
        assert function_setting(template, function, "Handler") == "app.lambda_handler"
        assert function_setting(template, function, "Layers") == [{"Ref": "PoolpatchLayer"}]
        assert template["Globals"]["Function"]["LoggingConfig"]["LogFormat"] == "JSON"
        assert props(function)["CodeUri"] == f"functions/{folder}/"
        assert target_of(props(function)["Role"]) == f"{name}Role", "explicit least-privilege role"
    layer = template["Resources"]["PoolpatchLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    assert props(layer)["ContentUri"] == "layers/poolpatch/"


def test_function_roles_log_only_to_their_own_log_group(template: Template) -> None:
    # Given every function role
    for name in FUNCTIONS:
        statements = [s for owner, s in policy_statements(template) if owner == f"{name}Role"]
        # When its logs grants are collected
        logs = [s for s in statements if any(str(a).startswith("logs:") for a in as_list(s["Action"]))]
        # Then the only logs grant is on the function's own log group
        assert [target_of(s["Resource"]) for s in logs] == [name.replace("Function", "LogGroup")]
        assert not props(template["Resources"][f"{name}Role"]).get("ManagedPolicyArns")


def test_snapshot_bucket_is_private_versioned_encrypted_and_tls_only(template: Template) -> None:
    # Given the snapshot bucket and its policy
    bucket = props(template["Resources"]["SnapshotBucket"])
    (policy,) = (
        props(p)
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if target_of(props(p)["Bucket"])
    )
    # When its protections are read
    denies_plain_http = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    # Then public access is blocked on all four switches and non-TLS requests are denied
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert len(denies_plain_http) == 1
    denied = [resource_text(r) for r in denies_plain_http[0]["Resource"]]
    assert target_of(denies_plain_http[0]["Resource"][0]) == "SnapshotBucket"
    assert "${SnapshotBucket.Arn}/*" in denied
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert any("NoncurrentVersionExpiration" in r for r in bucket["LifecycleConfiguration"]["Rules"])


def test_idempotency_table_matches_powertools_layout(template: Template) -> None:
    # Given the idempotency table
    table = props(template["Resources"]["IdempotencyTable"])
    # When its key, TTL and protections are read
    # Then they are what Powertools' DynamoDBPersistenceLayer uses by default
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True


def test_embedded_request_schema_equals_the_schema_file(template: Template) -> None:
    # Given the schema registered in the stack and the repository's schema file
    if not SCHEMA_FILE.exists():
        pytest.skip(f"{SCHEMA_FILE.relative_to(ROOT)} is not written yet; nothing to compare with")
    schema = props(template["Resources"]["ChangeRequestSchema"])
    # When both are parsed as JSON
    embedded = json.loads(schema["Content"])
    on_disk = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # Then they are the same document (CloudFormation cannot read the file, so the template carries a copy)
    assert embedded == on_disk, (
        "template.yaml ChangeRequestSchema.Content differs from events/schema/change-request.json: "
        "paste the file's JSON under `Content: |`, indented 8 spaces"
    )
    assert schema["Type"] == "JSONSchemaDraft4"
    assert on_disk["$schema"] == "http://json-schema.org/draft-04/schema#"


@pytest.mark.parametrize("path", [TEMPLATE, TARGET_TEMPLATE], ids=lambda p: p.name)
def test_cfn_lint_reports_nothing(path: Path) -> None:
    # Given a template, linted with informational checks on (as .cfnlintrc.yaml asks)
    # When cfn-lint runs on it
    matches = lint_file(path, config=ManualArgs(include_checks=["I"]))
    # Then there are no findings at all
    assert [f"{m.rule.id} {m.message} ({m.linenumber})" for m in matches] == []


# ---------------------------------------------------------------------------
# Tests: the target-account role
# ---------------------------------------------------------------------------
def test_target_role_trusts_exactly_the_hub_roles_with_external_id_and_source_identity(
    target_template: Template,
) -> None:
    # Given the target role's trust policy
    role = props(target_template["Resources"]["TargetRole"])
    statements = {s["Sid"]: s for s in role["AssumeRolePolicyDocument"]["Statement"]}
    assume, source_identity = statements["HubFunctionsAssume"], statements["HubFunctionsSetSourceIdentity"]
    # When its principals and conditions are read
    with_drift, apply_only = assume["Principal"]["AWS"]["Fn::If"][1:]
    assume_with_org, assume_without_org = assume["Condition"]["Fn::If"][1:]
    identity_with_org, identity_without_org = source_identity["Condition"]["Fn::If"][1:]
    # Then the principals are exact hub role ARNs, never an account root or "*"
    assert [resource_text(p) for p in apply_only] == [
        "arn:${AWS::Partition}:iam::${HubAccountId}:role/${HubApplyRoleName}"
    ]
    assert [resource_text(p) for p in with_drift][1].endswith(":role/${HubDriftRoleName}")
    assert source_identity["Principal"] == assume["Principal"]
    # and assuming needs the external id, setting the source identity needs "poolpatch"
    assert assume["Action"] == "sts:AssumeRole"
    assert assume_without_org == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert assume_with_org["StringEquals"]["aws:PrincipalOrgID"] == {"Ref": "OrganizationId"}
    assert source_identity["Action"] == "sts:SetSourceIdentity"
    assert identity_without_org == {"StringEquals": {"sts:SourceIdentity": "poolpatch"}}
    assert identity_with_org["StringEquals"]["sts:SourceIdentity"] == "poolpatch"
    assert target_template["Parameters"]["ExternalId"]["NoEcho"] is True


def test_target_role_may_only_describe_and_update_user_pools(target_template: Template) -> None:
    # Given the target role's permission policies
    role = props(target_template["Resources"]["TargetRole"])
    # When every statement is read
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    # Then the only grant is the five Cognito actions on this account's user pools
    assert len(statements) == 1
    assert set(statements[0]["Action"]) == COGNITO_ACTIONS
    assert resource_text(statements[0]["Resource"]) == (
        "arn:${AWS::Partition}:cognito-idp:*:${AWS::AccountId}:userpool/*"
    )
    assert not role.get("ManagedPolicyArns")


def test_apply_role_reaches_target_accounts_only_through_the_target_role(template: Template) -> None:
    # Given the apply and drift roles
    for owner in ("ApplyFunctionRole", "DriftFunctionRole"):
        statements = [s for name, s in policy_statements(template) if name == owner]
        # When their STS grants are read
        sts = [s for s in statements if any(str(a).startswith("sts:") for a in as_list(s["Action"]))]
        # Then they may assume (with a source identity) only the named target role
        assert len(sts) == 1
        assert sorted(sts[0]["Action"]) == ["sts:AssumeRole", "sts:SetSourceIdentity"]
        assert resource_text(sts[0]["Resource"]) == "arn:${AWS::Partition}:iam::*:role/${TargetRoleName}"


# ---------------------------------------------------------------------------
# The checkers catch what they guard against
# ---------------------------------------------------------------------------
def test_checkers_flag_broken_templates(template: Template) -> None:
    # Given copies of the stack, each with one invariant broken
    broken = copy.deepcopy(template)
    res = broken["Resources"]
    del props(res["IntakeFunction"])["LoggingConfig"]
    del props(res["ChangeQueue"])["RedrivePolicy"]
    del props(res["DriftFunction"])["Events"]["DriftSchedule"]["Properties"]["RetryPolicy"]
    apply_statements = props(res["ApplyFunctionRole"])["Policies"][0]["PolicyDocument"]["Statement"]
    for statement in apply_statements:
        if statement["Sid"] == "ChangeOwnAccountPools":
            statement["Resource"] = "*"
        if statement["Sid"] == "PublishResults":
            del statement["Condition"]
    # When the checkers run on them
    # Then each broken invariant is reported
    assert log_group_violations(broken) == [
        "IntakeFunction: LoggingConfig.LogGroup does not name a log group of this template"
    ]
    assert "ChangeQueue: neither redrives nor is a dead-letter queue" in queue_violations(broken)
    assert async_path_violations(broken) == ["DriftFunction.DriftSchedule: no RetryPolicy"]
    assert len(cognito_write_violations(broken)) == 1
    assert put_events_violations(broken) == [
        "ApplyFunctionRole: PutEvents without Condition StringEquals events:source = poolpatch"
    ]


def test_cfn_lint_api_reports_a_broken_template() -> None:
    # Given a template with an invalid property value
    broken = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 99999\n"
    # When it is linted through the same API
    matches = lint(broken)
    # Then the finding is reported, so an empty result above means a clean template
    assert matches


def test_apply_knows_the_queue_receive_limit(template: Template) -> None:
    # Given the apply function's environment and the change queue's redrive policy
    apply_env = props(template["Resources"]["ApplyFunction"])["Environment"]["Variables"]
    redrive = props(template["Resources"]["ChangeQueue"])["RedrivePolicy"]
    # Then both come from the same parameter, so the last receive is the one that publishes `failed`
    assert apply_env["MAX_RECEIVE_COUNT"] == redrive["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
