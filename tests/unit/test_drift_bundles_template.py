"""The stack side of each pool's stored bundles (issue 9): after each unit of a scheduled sweep the drift
function reads the bundle of every pool the unit checked and stores it under
``s3://<bucket>/bundles/{accountId}/{region}/{userPoolId}/{yyyymmddTHHMMSSZ}.json`` when it changed.

These tests state what the rendered templates grant and wire for that, with the renderer and IAM evaluator
of test_template.py: the drift role's S3 access below ``bundles/`` (and nothing more), the switch that turns
it off, the read-only target role's Cognito reads an export makes, and the dashboard's signals.
"""

from __future__ import annotations

import json
from typing import Any, Final

import pytest
from test_template import (
    ACCOUNT,
    DRIFT_ROLE,
    TARGET_TEMPLATE,
    TEMPLATE,
    Template,
    decide,
    hub,
    load,
    props,
    request,
    target,
)

from helpers.surface import EXPORT_READS

BUCKET: Final = "<SnapshotBucket.Arn>"
BUNDLE: Final = f"bundles/{ACCOUNT}/eu-west-1/eu-west-1_AbCdEf123/20250314T092653Z.json"
POOL_PREFIX: Final = f"bundles/{ACCOUNT}/eu-west-1/eu-west-1_AbCdEf123/"
POOL: Final = f"arn:aws:cognito-idp:eu-west-1:{ACCOUNT}:userpool/eu-west-1_AbCdEf123"


@pytest.fixture(scope="module")
def stack_template() -> Template:
    return load(TEMPLATE)


@pytest.fixture(scope="module")
def target_template() -> Template:
    return load(TARGET_TEMPLATE)


def test_bundles_are_on_by_default_and_can_be_turned_off(stack_template: Template) -> None:
    # Given the parameter and the stack rendered with it on (default) and off
    parameter = stack_template["Parameters"]["DriftStoreBundles"]
    on = hub(stack_template).environment("DriftFunction")
    off = hub(stack_template, DriftStoreBundles="Disabled").environment("DriftFunction")
    # When the drift function's environment is read
    # Then DRIFT_STORE_BUNDLES follows it, and the parameter says where bundles go and what they cost
    assert (parameter["Default"], parameter["AllowedValues"]) == ("Enabled", ["Enabled", "Disabled"])
    assert (on["DRIFT_STORE_BUNDLES"], off["DRIFT_STORE_BUNDLES"]) == ("true", "false")
    assert "bundles/" in parameter["Description"]
    assert "DriftReadsPerSecond" in parameter["Description"]


def test_drift_reads_and_writes_bundles_below_their_prefix_only(stack_template: Template) -> None:
    # Given the drift role with bundles on and off
    on = hub(stack_template).statements("DriftFunctionRole")
    off = hub(stack_template, DriftStoreBundles="Disabled").statements("DriftFunctionRole")

    def s3(action: str, key: str, role: list[dict[str, Any]]) -> str:
        return decide(role, action, f"{BUCKET}/{key}", {})

    def lists(prefix: str, role: list[dict[str, Any]]) -> str:
        return decide(role, "s3:ListBucket", BUCKET, {"s3:prefix": prefix})

    # When S3 calls on bundles are evaluated
    # Then with bundles on it lists a pool's bundles, reads the newest and writes a new one; never deletes
    assert s3("s3:GetObject", BUNDLE, on) == s3("s3:PutObject", BUNDLE, on) == "Allow"
    assert lists(POOL_PREFIX, on) == "Allow"
    assert s3("s3:DeleteObject", BUNDLE, on) == "Implicit"
    # ... and the grant does not reach the snapshots or anything else
    assert s3("s3:PutObject", "snapshots/x/after.json", on) == "Implicit"
    assert s3("s3:GetObject", "clones/r-1.json", on) == "Implicit"
    assert lists("snapshots/", on) == lists("", on) == "Implicit"
    # and with bundles off, nothing below bundles/ is allowed, while documents and reports still are
    assert s3("s3:GetObject", BUNDLE, off) == s3("s3:PutObject", BUNDLE, off) == "Implicit"
    assert lists(POOL_PREFIX, off) == "Implicit"
    assert lists("desired/", off) == lists("drift-reports/x/", off) == "Allow"


def test_a_bundle_is_not_a_write_once_snapshot(stack_template: Template) -> None:
    # Given the snapshot bucket's policy
    policy = props(hub(stack_template).resources()["SnapshotBucketPolicy"])["PolicyDocument"]["Statement"]
    # When drift writes a bundle (a plain PutObject, no If-None-Match)
    # Then the bucket policy does not deny it
    assert decide(policy, "s3:PutObject", f"{BUCKET}/{BUNDLE}", request(DRIFT_ROLE)) == "Implicit"


def test_the_read_role_allows_every_read_of_an_export(target_template: Template) -> None:
    # Given the read-only role drift assumes in every account
    statements = target(target_template).statements("ReadRole")
    # When each read a bundle makes is evaluated (DescribeUserPoolDomain has no resource type: "*")
    # Then each is allowed
    for operation in sorted(EXPORT_READS):
        resource = "*" if operation == "DescribeUserPoolDomain" else POOL
        assert decide(statements, f"cognito-idp:{operation}", resource, {}) == "Allow", operation


def test_the_dashboard_shows_bundles_stored_and_bundle_errors_by_code(stack_template: Template) -> None:
    # Given the operations dashboard as deployed
    body = json.loads(hub(stack_template).props("OperationsDashboard")["DashboardBody"])
    rows = [row for widget in body["widgets"] for row in widget["properties"]["metrics"]]
    # When its rows are read
    named = {row[1] for row in rows if isinstance(row[0], str) and row[0] == "Poolpatch"}
    expressions = [row[0]["expression"] for row in rows if isinstance(row[0], dict)]
    # Then it shows the bundles stored and the bundle errors by code
    assert "DriftBundlesStored" in named
    assert any("DriftBundleErrors" in e and "Code" in e for e in expressions)
