"""IAM grants for every configuration kind (design.md "Configuration kinds").

poolpatch reads and writes eleven kinds of user pool configuration. Every call goes
through a role of templates/target-account-role.yaml: the writer role (TargetRole,
assumed by the apply function) and the read-only role (ReadRole, "<RoleName>-read",
assumed by the drift function). The hub stack nests that template for its own account,
so same-account targets use the same roles and the functions' own policies grant no
Cognito action at all.

The kind table below is this test's own data, copied from design.md; it is not imported
from the engine. The resource types come from the Service Authorization Reference as
cfn-lint ships it (cfnlint/data/AdditionalSpecs/Policies.json), so a misspelt action or a
resource-scoped action granted on "*" (or the reverse) fails here.
"""

from __future__ import annotations

import json
from importlib import resources as package_data
from typing import Any, Final, NamedTuple

import pytest
from test_template import (
    ACCOUNT,
    OTHER_ACCOUNT,
    TARGET_TEMPLATE,
    TEMPLATE,
    Render,
    Template,
    as_list,
    decide,
    hub,
    load,
    props,
    target,
)


class Kind(NamedTuple):
    """One configuration kind: its read, its write(s), and what its rules read besides."""

    read: str
    writes: tuple[str, ...]
    also_reads: tuple[str, ...] = ()


# design.md "Configuration kinds": kind -> read, write.
KINDS: Final = {
    "pool": Kind("DescribeUserPool", ("UpdateUserPool", "AddCustomAttributes")),
    "client": Kind("DescribeUserPoolClient", ("UpdateUserPoolClient",)),
    "mfa": Kind("GetUserPoolMfaConfig", ("SetUserPoolMfaConfig",), ("DescribeUserPool",)),
    "domain": Kind("DescribeUserPoolDomain", ("UpdateUserPoolDomain",), ("GetUserPoolMfaConfig",)),
    "identityProvider": Kind("DescribeIdentityProvider", ("UpdateIdentityProvider",)),
    "resourceServer": Kind("DescribeResourceServer", ("UpdateResourceServer",)),
    "group": Kind("GetGroup", ("UpdateGroup",)),
    "riskConfiguration": Kind("DescribeRiskConfiguration", ("SetRiskConfiguration",), ("DescribeUserPool",)),
    "uiCustomization": Kind("GetUICustomization", ("SetUICustomization",), ("DescribeUserPool",)),
    "managedLoginBranding": Kind("DescribeManagedLoginBrandingByClient", ("UpdateManagedLoginBranding",)),
    "logDelivery": Kind(
        "GetLogDeliveryConfiguration", ("SetLogDeliveryConfiguration",), ("DescribeUserPool",)
    ),
}
# What a drift sweep lists and reads (the read-only role and nothing more).
DRIFT_SWEEP: Final = frozenset(
    {
        "ListUserPools",
        "DescribeUserPool",
        "ListUserPoolClients",
        "DescribeUserPoolClient",
        "ListTagsForResource",
        "GetUserPoolMfaConfig",
        "DescribeUserPoolDomain",
        "ListIdentityProviders",
        "DescribeIdentityProvider",
        "ListResourceServers",
        "DescribeResourceServer",
        "ListGroups",
        "GetGroup",
        "DescribeRiskConfiguration",
        "GetUICustomization",
        "DescribeManagedLoginBrandingByClient",
        "GetLogDeliveryConfiguration",
    }
)
# What a bundle restore (restore.bundle, apply --bundle; design.md "Whole-pool bundle, diff and clone")
# adds on the writer role: the listings of the live pool's export, and the create operation of every part
# kind a pool can lose (cognito-surface.md section 12). Never CreateUserPool, never a Delete.
BUNDLE_RESTORE: Final = frozenset(
    {
        "ListUserPoolClients",
        "ListIdentityProviders",
        "ListResourceServers",
        "ListGroups",
        "CreateResourceServer",
        "CreateGroup",
        "CreateIdentityProvider",
        "CreateUserPoolClient",
        "CreateUserPoolDomain",
        "CreateManagedLoginBranding",
    }
)
# What a logDelivery write needs on its destination: the Cognito developer guide, "Exporting
# logs from Amazon Cognito user pools" (exporting-quotas-and-usage.html), per destination.
LOG_DELIVERY: Final = frozenset(
    {
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "firehose:TagDeliveryStream",
        "iam:CreateServiceLinkedRole",
    }
)

POOL: Final = f"arn:aws:cognito-idp:eu-west-1:{ACCOUNT}:userpool/eu-west-1_AbCdEf123"
FOREIGN_POOL: Final = f"arn:aws:cognito-idp:eu-west-1:{OTHER_ACCOUNT}:userpool/eu-west-1_AbCdEf123"
POOL_ARN_PATTERN: Final = f"arn:aws:cognito-idp:*:{ACCOUNT}:userpool/*"


def cognito(action: str) -> str:
    """The IAM action of a Cognito user pools API operation."""
    return f"cognito-idp:{action}"


def kind_reads(kind: Kind) -> set[str]:
    """Every read a kind's describe, rules and snapshot make."""
    return {cognito(a) for a in (kind.read, *kind.also_reads)}


def kind_writes(kind: Kind) -> set[str]:
    """A kind's write actions."""
    return {cognito(a) for a in kind.writes}


@pytest.fixture(scope="module")
def target_template() -> Template:
    """The target-account role template."""
    return load(TARGET_TEMPLATE)


@pytest.fixture(scope="module")
def stack_template() -> Template:
    """The SAM stack."""
    return load(TEMPLATE)


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """The Service Authorization Reference as cfn-lint ships it: prefix -> actions and resources."""
    text = package_data.files("cfnlint.data.AdditionalSpecs").joinpath("Policies.json").read_text("utf-8")
    policies: dict[str, Any] = json.loads(text)
    return policies


def resource_types(reference: dict[str, Any], action: str) -> list[str]:
    """The resource types an action takes (empty: only "*"); fails on an unknown action."""
    prefix, name = action.split(":", 1)
    actions = reference.get(prefix, {}).get("Actions", {})
    assert name.lower() in actions, f"{action} is not an IAM action"
    types: list[str] = actions[name.lower()].get("Resources", [])
    return types


def iam_resource(action: str) -> str:
    """The resource a call of this Cognito action is authorised on: the pool, or "*" without one."""
    return "*" if action in {cognito("DescribeUserPoolDomain"), cognito("ListUserPools")} else POOL


def allowed_actions(statements: list[dict[str, Any]]) -> set[str]:
    """Every action an Allow statement names."""
    return {str(a) for s in statements if s["Effect"] == "Allow" for a in as_list(s["Action"])}


# ---------------------------------------------------------------------------
# Every kind, on both roles
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(KINDS))
def test_the_writer_role_reads_and_writes_every_kind_of_this_account_only(
    target_template: Template, name: str
) -> None:
    # Given the writer role and one configuration kind
    statements = target(target_template).statements("TargetRole")
    kind = KINDS[name]
    # When the kind's reads and writes are evaluated on a pool of this account and of another
    # Then the role may make every one of them here ...
    for action in sorted(kind_reads(kind) | kind_writes(kind)):
        assert decide(statements, action, iam_resource(action), {}) == "Allow", action
    # ... and no write anywhere else
    for action in sorted(kind_writes(kind)):
        assert decide(statements, action, FOREIGN_POOL, {}) == "Implicit", action


@pytest.mark.parametrize("name", list(KINDS))
def test_the_read_role_reads_every_kind_and_writes_none(target_template: Template, name: str) -> None:
    # Given the read-only role and one configuration kind
    statements = target(target_template).statements("ReadRole")
    kind = KINDS[name]
    # When the kind's read and write are evaluated
    # Then it may read the kind and what its rules read, and every write is explicitly denied
    for action in sorted(kind_reads(kind)):
        assert decide(statements, action, iam_resource(action), {}) == "Allow", action
    for action in sorted(kind_writes(kind)):
        assert decide(statements, action, POOL, {}) == "Deny", action
        assert decide(statements, action, "*", {}) == "Deny", action


def test_the_writer_role_grants_the_kind_table_and_nothing_more(target_template: Template) -> None:
    # Given the writer role's grants
    statements = target(target_template).statements("TargetRole")
    actions = allowed_actions(statements)
    table = set().union(*(kind_reads(k) | kind_writes(k) for k in KINDS.values()))
    restore = {cognito(a) for a in BUNDLE_RESTORE}
    # When its Cognito actions are compared with the kind table and a bundle restore's needs
    # Then they are exactly the table's reads and writes and the bundle restore's listings and creates, each
    # named; nothing is deleted and no user pool is created
    assert {a for a in actions if a.startswith("cognito-idp:")} == table | restore
    assert not [a for a in actions if "*" in a], "wildcard action on the writer role"
    assert not [a for a in actions if a.startswith("cognito-idp:Delete")]
    assert cognito("CreateUserPool") not in actions
    # and everything else is what a logDelivery write needs on its destination
    assert actions - table - restore == LOG_DELIVERY
    assert all(s["Effect"] == "Allow" for s in statements)


def test_the_read_role_grants_the_drift_sweep_and_nothing_more(target_template: Template) -> None:
    # Given the read-only role's grants
    statements = target(target_template).statements("ReadRole")
    # When its allowed actions are listed
    # Then they are exactly the sweep's lists and reads (no log-delivery permission: reading
    # GetLogDeliveryConfiguration needs none), without a wildcard
    assert allowed_actions(statements) == {cognito(a) for a in DRIFT_SWEEP}
    assert {cognito(k.read) for k in KINDS.values()} <= allowed_actions(statements)
    for action in sorted(DRIFT_SWEEP):
        assert decide(statements, cognito(action), iam_resource(cognito(action)), {}) == "Allow", action


@pytest.mark.parametrize("role", ["TargetRole", "ReadRole"])
def test_every_action_exists_and_is_scoped_as_its_resource_type_allows(
    target_template: Template, reference: dict[str, Any], role: str
) -> None:
    # Given a role's Allow statements and the Service Authorization Reference
    statements = [s for s in target(target_template).statements(role) if s["Effect"] == "Allow"]
    # When each action's resource types are looked up
    for statement in statements:
        for action in as_list(statement["Action"]):
            types = resource_types(reference, str(action))
            # Then an action without a resource type is granted on "*" (the only value it takes),
            # and one with a resource type never is
            if not types:
                assert statement["Resource"] == "*", (statement["Sid"], action)
            else:
                assert statement["Resource"] != "*", (statement["Sid"], action)
            # and Cognito actions with a user pool resource are on this account's user pools
            if str(action).startswith("cognito-idp:") and types:
                assert statement["Resource"] == POOL_ARN_PATTERN, (statement["Sid"], action)


def test_log_delivery_grants_are_scoped_to_this_account(target_template: Template) -> None:
    # Given the writer role's log-delivery statements
    statements = target(target_template).statements("TargetRole")
    by_sid = {s["Sid"]: s for s in statements}
    bucket = "arn:aws:s3:::example-user-pool-logs"
    slr = (
        f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/delivery.logs.amazonaws.com/"
        "AWSServiceRoleForLogDelivery"
    )
    # When the destination calls are evaluated
    # Then bucket policies may change only on this account's buckets ...
    mine, theirs = {"aws:ResourceAccount": ACCOUNT}, {"aws:ResourceAccount": OTHER_ACCOUNT}
    assert decide(statements, "s3:PutBucketPolicy", bucket, mine) == "Allow"
    assert decide(statements, "s3:PutBucketPolicy", bucket, theirs) == "Implicit"
    assert decide(statements, "s3:PutObject", bucket + "/x", mine) == "Implicit"
    # ... the only role it may create is the log-delivery service-linked role
    service = {"iam:AWSServiceName": "delivery.logs.amazonaws.com"}
    assert decide(statements, "iam:CreateServiceLinkedRole", slr, service) == "Allow"
    assert decide(statements, "iam:CreateServiceLinkedRole", slr, {"iam:AWSServiceName": "ec2"}) == "Implicit"
    assert decide(statements, "iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/x", {}) == "Implicit"
    # ... and Firehose streams of this account may get only the LogDeliveryEnabled=true tag
    firehose = by_sid["LogDeliveryToFirehose"]
    assert firehose["Resource"] == f"arn:aws:firehose:*:{ACCOUNT}:deliverystream/*"
    assert firehose["Condition"] == {
        "StringEquals": {"aws:RequestTag/LogDeliveryEnabled": "true"},
        "ForAllValues:StringEquals": {"aws:TagKeys": ["LogDeliveryEnabled"]},
    }


def test_the_writer_role_may_restore_a_bundle_on_this_accounts_pools_only(target_template: Template) -> None:
    # Given the writer role and the read role
    writer = target(target_template).statements("TargetRole")
    reader = target(target_template).statements("ReadRole")
    # When a bundle restore's listings and creates are evaluated on a pool here and in another account
    for action in sorted(cognito(a) for a in BUNDLE_RESTORE):
        # Then the writer may make them here only, and the read role may never create
        assert decide(writer, action, POOL, {}) == "Allow", action
        assert decide(writer, action, FOREIGN_POOL, {}) == "Implicit", action
        if ":Create" in action:
            assert decide(reader, action, POOL, {}) == "Deny", action


# ---------------------------------------------------------------------------
# Same-account targets: the hub's functions reach every kind through the nested roles
# ---------------------------------------------------------------------------
def test_same_account_targets_use_the_nested_roles_for_every_kind(
    stack_template: Template, target_template: Template
) -> None:
    # Given the hub stack for its own account only, and the target roles it nests for it
    stack = hub(stack_template)
    nested = props(stack.resources()["TargetAccountRoles"])
    roles = Render(target_template, **nested["Parameters"])
    apply, drift = stack.statements("ApplyFunctionRole"), stack.statements("DriftFunctionRole")
    # When the functions' own grants and the nested roles are evaluated in this account
    same_account = {"aws:ResourceAccount": ACCOUNT}
    writer = f"arn:aws:iam::{ACCOUNT}:role/{roles.props('TargetRole')['RoleName']}"
    reader = f"arn:aws:iam::{ACCOUNT}:role/{roles.props('ReadRole')['RoleName']}"
    # Then the functions call no Cognito action themselves (SourceIdentity "poolpatch" on every call) ...
    for statements in (apply, drift):
        assert not [a for a in allowed_actions(statements) if a.startswith(("cognito-idp:", "*"))]
    # ... apply assumes the nested writer role and drift the nested read role, in this account
    assert decide(apply, "sts:AssumeRole", writer, same_account) == "Allow"
    assert decide(drift, "sts:AssumeRole", reader, same_account) == "Allow"
    assert decide(drift, "sts:AssumeRole", writer, same_account) == "Implicit"
    assert nested["Parameters"]["HubApplyRoleName"] == "<ApplyFunctionRole>"
    assert nested["Parameters"]["HubDriftRoleName"] == "<DriftFunctionRole>"
    # ... and those roles grant every kind: reads and writes to apply, reads only to drift
    writer_statements, reader_statements = roles.statements("TargetRole"), roles.statements("ReadRole")
    for name, kind in KINDS.items():
        for action in sorted(kind_reads(kind) | kind_writes(kind)):
            assert decide(writer_statements, action, iam_resource(action), {}) == "Allow", (name, action)
        for action in sorted(kind_reads(kind)):
            assert decide(reader_statements, action, iam_resource(action), {}) == "Allow", (name, action)
        for action in sorted(kind_writes(kind)):
            assert decide(reader_statements, action, POOL, {}) == "Deny", (name, action)
