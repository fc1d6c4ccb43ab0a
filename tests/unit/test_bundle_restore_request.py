"""A bundle restore as a change request (issue 9, "In the stack"): ``"restore": {"bundle": "s3://..."}``.

The parser and the scope rule are checked with good and hostile references; the stack path runs the intake and
apply handlers as Lambda calls them (the ``world`` of test_handlers: moto, the Cognito fake, the stack's
resources), on a pool whose bundle was exported with ``poolpatch export --all`` and stored at the drift
layout ``bundles/{accountId}/{region}/{userPoolId}/{stamp}.json``. Expected values come from raw boto3 reads
of the pool before it was changed, never from the code under test.
"""

from __future__ import annotations

import io
import json
from typing import Any, Final

import pytest
import test_handlers
from jsonschema import Draft4Validator
from test_handlers import BUCKET, HUB, REGION, SAMPLE_POOL, World

from helpers.events import load_schema
from poolpatch.adapters.snapshots import bundle_key, scoped_bundle_key
from poolpatch.cli import main
from poolpatch.errors import InvalidRequest
from poolpatch.request import Target, parse_request
from poolpatch_fake import seed

# The stack's world (and the per-test container reset) of test_handlers, reused as this module's fixtures.
world = test_handlers.world
_one_model_loader = test_handlers._one_model_loader
_fresh_containers = test_handlers._fresh_containers

POOL: Final = "eu-west-1_AbCdEf123"
OTHER_POOL: Final = "eu-west-1_GhIjKl456"
ACCOUNT: Final = "111122223333"
PREFIX: Final = f"bundles/{ACCOUNT}/{REGION}/{POOL}/"
GOOD: Final = f"s3://{BUCKET}/{PREFIX}20250604T060000Z.json"
TARGET: Final = Target(POOL, account_id=ACCOUNT, region=REGION)
OIDC_SECRET: Final = "oidc-secret-value-5d1a"


def _request(restore: Any, **members: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": "1",
        "requestId": "rollback-1",
        "target": {"userPoolId": POOL},
        "restore": restore,
    }
    document.update(members)
    return document


def _refused(document: Any) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(document)
    return caught.value


# --------------------------------------------------------------------------- parsing


def test_a_bundle_restore_parses_round_trips_and_is_hashed() -> None:
    # Given a bundle restore of a pool
    request = parse_request(_request({"bundle": GOOD}, reason="INC-317", mode="plan"))

    # When it is read, written back and hashed
    again = parse_request(request.to_dict())
    other = parse_request(_request({"bundle": GOOD.replace("0600", "0700")}))
    snapshot = parse_request(_request({"snapshot": GOOD}))

    # Then the bundle is its own member (the snapshot restore stays empty), the document round-trips, and the
    # content hash tells it from another bundle and from a snapshot restore of the same reference
    assert (request.restore_bundle, request.restore, request.mode) == (GOOD, None, "plan")
    assert request.to_dict()["restore"] == {"bundle": GOOD}
    assert again == request
    assert len({request.content_hash(), other.content_hash(), snapshot.content_hash()}) == 3
    assert (snapshot.restore, snapshot.restore_bundle) == (GOOD, None)
    assert parse_request(
        _request({"bundle": GOOD}, target={"userPoolId": POOL, "kind": "pool"})
    ).restore_bundle


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (_request({"bundle": GOOD, "snapshot": GOOD}), "/restore"),
        (_request({}), "/restore"),
        (_request({"bundle": ""}), "/restore/bundle"),
        (_request({"bundle": 7}), "/restore/bundle"),
        (_request({"bundle": "s3://b/k\n.json"}), "/restore/bundle"),
        (_request({"bundle": GOOD}, patch={"DeletionProtection": "ACTIVE"}), "/restore"),
        (
            _request({"bundle": GOOD}, target={"userPoolId": POOL, "clientId": "4r2uq8j1pmbfe0fmdqk9v2l5hn"}),
            "/target",
        ),
        (
            _request({"bundle": GOOD}, target={"userPoolId": POOL, "kind": "group", "name": "admins"}),
            "/target",
        ),
        (_request({"bundle": GOOD}, target={"userPoolId": POOL, "kind": "mfa"}), "/target"),
        (
            _request({"bundle": GOOD}, expectedLastModifiedDate="2025-06-04T06:00:00Z"),
            "/expectedLastModifiedDate",
        ),
    ],
    ids=[
        "snapshot-and-bundle",
        "neither",
        "empty",
        "not-a-string",
        "control-character",
        "with-patch",
        "client-target",
        "named-kind-target",
        "pool-level-kind-target",
        "precondition",
    ],
)
def test_a_malformed_bundle_restore_is_refused_at_its_member(document: dict[str, Any], path: str) -> None:
    # Given a bundle restore that breaks one rule; When it is parsed
    error = _refused(document)
    # Then it is InvalidRequest at the offending member, with a remedy
    assert error.path == path
    assert error.remedy


# --------------------------------------------------------------------------- scope


@pytest.mark.parametrize(
    "reference",
    [GOOD, f"{PREFIX}20250604T060000Z.json", f"s3://{BUCKET}/{PREFIX}manual/before-INC-317.json"],
    ids=["s3-reference", "bare-key", "nested-key"],
)
def test_the_pools_own_bundles_are_in_scope(reference: str) -> None:
    # Given a reference to a bundle below the pool's own prefix in the snapshot bucket
    # When it is scoped; Then its key is the part after the bucket
    assert scoped_bundle_key(reference, bucket=BUCKET, target=TARGET) == reference.removeprefix(
        f"s3://{BUCKET}/"
    )


def test_the_drift_layout_is_in_scope() -> None:
    # Given the key drift stores a pool's bundle under (the key layout's own function)
    from datetime import UTC, datetime

    key = bundle_key(ACCOUNT, REGION, POOL, datetime(2025, 6, 4, 6, tzinfo=UTC))
    # When it is scoped as a request reference; Then it is accepted as it is
    assert scoped_bundle_key(f"s3://{BUCKET}/{key}", bucket=BUCKET, target=TARGET) == key


@pytest.mark.parametrize(
    "reference",
    [
        f"s3://other-bucket/{PREFIX}20250604T060000Z.json",
        f"s3://{BUCKET}/bundles/{ACCOUNT}/{REGION}/{OTHER_POOL}/20250604T060000Z.json",
        f"s3://{BUCKET}/bundles/{ACCOUNT}/{REGION}/{POOL}x/20250604T060000Z.json",
        f"s3://{BUCKET}/bundles/444455556666/{REGION}/{POOL}/20250604T060000Z.json",
        f"s3://{BUCKET}/bundles/{ACCOUNT}/eu-central-1/{POOL}/20250604T060000Z.json",
        f"s3://{BUCKET}/{PREFIX}../{OTHER_POOL}/20250604T060000Z.json",
        f"s3://{BUCKET}/{PREFIX}./20250604T060000Z.json",
        f"s3://{BUCKET}/{PREFIX}/20250604T060000Z.json",
        f"s3://{BUCKET}/{PREFIX}20250604T060000Z.txt",
        f"s3://{BUCKET}/{PREFIX}",
        f"s3://{BUCKET}/snapshots/{ACCOUNT}/{REGION}/{POOL}/pool/20250604T060000Z-r/before.json",
        f"file:///tmp/{PREFIX}20250604T060000Z.json",
        f"https://{BUCKET}.s3.amazonaws.com/{PREFIX}20250604T060000Z.json",
        f"s3://{BUCKET}",
    ],
    ids=[
        "other-bucket",
        "other-pools-prefix",
        "pool-id-prefix-of-another",
        "other-account",
        "other-region",
        "dot-dot",
        "dot",
        "empty-segment",
        "not-json",
        "the-prefix-itself",
        "a-snapshot",
        "file",
        "https",
        "bucket-only",
    ],
)
def test_a_reference_outside_the_pools_bundles_is_refused(reference: str) -> None:
    # Given a hostile or misdirected reference; When it is scoped
    with pytest.raises(InvalidRequest) as caught:
        scoped_bundle_key(reference, bucket=BUCKET, target=TARGET)
    # Then it is InvalidRequest at /restore/bundle, naming where the pool's bundles are
    assert caught.value.path == "/restore/bundle"
    assert f"s3://{BUCKET}/" in (caught.value.remedy or "") or "s3://" in (caught.value.remedy or "")


# --------------------------------------------------------------------------- the stack


@pytest.fixture(scope="module")
def result_validator() -> Any:
    """events/schema/result.json."""
    return Draft4Validator(load_schema("result"), format_checker=Draft4Validator.FORMAT_CHECKER)


def _export(pool_id: str) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["export", "--user-pool-id", pool_id, "--all", "--region", REGION], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def _stored_full_pool(world: World) -> tuple[seed.FullPool, dict[str, Any]]:
    """A full pool as the sample's pool, its exported bundle stored where the sample's reference points."""
    full = seed.full_pool(world.cognito, oidc_client_secret=OIDC_SECRET)
    world.live[SAMPLE_POOL] = full.user_pool_id
    event = world.sample("eventbridge-restore-bundle")
    key = event["detail"]["restore"]["bundle"].removeprefix(f"s3://{BUCKET}/")
    assert key.startswith(f"bundles/{HUB}/{REGION}/{full.user_pool_id}/")
    world.s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(_export(full.user_pool_id)).encode())
    return full, event


def test_the_bundle_restore_sample_recreates_a_resource_server_and_restores_a_group(
    world: World, result_validator: Any
) -> None:
    # Given the sample's pool stored as a bundle, then its resource server deleted and a group's description
    # changed (what they were is read raw first)
    full, event = _stored_full_pool(world)
    pool_id = full.user_pool_id
    server = world.cognito.describe_resource_server(UserPoolId=pool_id, Identifier=full.resource_server)
    group = world.cognito.get_group(UserPoolId=pool_id, GroupName=full.groups[1])["Group"]
    world.cognito.delete_resource_server(UserPoolId=pool_id, Identifier=full.resource_server)
    world.cognito.update_group(UserPoolId=pool_id, GroupName=full.groups[1], Description="edited by hand")

    # When the sample goes through intake and apply
    queued = world.intake(event)
    answer = world.apply_queue()

    # Then the resource server is back as it was, and so is the group
    assert queued["status"] == "queued"
    assert answer == {"batchItemFailures": []}
    restored = world.cognito.describe_resource_server(UserPoolId=pool_id, Identifier=full.resource_server)
    assert restored["ResourceServer"] == server["ResourceServer"]
    now = world.cognito.get_group(UserPoolId=pool_id, GroupName=full.groups[1])["Group"]
    assert now.get("Description") == group.get("Description")
    assert (now.get("Precedence"), now.get("RoleArn")) == (group.get("Precedence"), group.get("RoleArn"))
    # and one result is published for the request: applied, the server recreated, the group a part with its
    # own snapshots (stored, under a per-part request id), nothing extra, valid against the result schema
    published = [entry["detail"] for entry in world.results()]
    assert [(d["requestId"], d["status"]) for d in published] == [(event["detail"]["requestId"], "applied")]
    detail = published[0]
    assert detail["recreated"] == [
        {"kind": "resourceServer", "id": full.resource_server, "newId": full.resource_server}
    ]
    assert detail["extra"] == []
    touched = {(p["kind"], p["id"]): p for p in detail["parts"] if p["status"] != "unchanged"}
    assert set(touched) == {("resourceServer", full.resource_server), ("group", full.groups[1])}
    group_part = touched[("group", full.groups[1])]
    assert group_part["status"] == "applied"
    assert {c["path"] for c in group_part["changes"]} == {"/Description"}
    request_id = event["detail"]["requestId"]
    for phase in ("before", "after"):
        reference = group_part["snapshots"][phase]
        key = reference.removeprefix(f"s3://{BUCKET}/")
        assert key.startswith(f"snapshots/{HUB}/{REGION}/{pool_id}/")
        assert f"-{request_id}." in key
        stored = json.loads(world.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        assert stored["target"]["userPoolId"] == pool_id
    assert _problems(result_validator, detail) == []
    assert OIDC_SECRET not in json.dumps(detail)


def test_a_second_restore_of_the_same_bundle_changes_nothing(world: World) -> None:
    # Given the pool as its stored bundle has it
    full, event = _stored_full_pool(world)
    world.cognito.delete_resource_server(UserPoolId=full.user_pool_id, Identifier=full.resource_server)
    world.intake(event)
    world.apply_queue()
    world.results()

    # When the bundle is restored again under a new request id
    again = json.loads(json.dumps(event))
    again["detail"]["requestId"] = "rollback-2025-06-04-again"
    world.intake(again)
    world.apply_queue()

    # Then nothing is created or written: unchanged, every part unchanged
    detail = world.results()[0]["detail"]
    assert (detail["status"], detail["recreated"]) == ("unchanged", [])
    assert {p["status"] for p in detail["parts"]} == {"unchanged"}


def test_a_part_that_cannot_be_applied_makes_the_result_rejected_with_its_error(
    world: World, result_validator: Any
) -> None:
    # Given a stored bundle whose create-only setting differs from the pool's (seed.full_pool creates the pool
    # with CaseSensitive false), and a group description changed since
    full, event = _stored_full_pool(world)
    key = event["detail"]["restore"]["bundle"].removeprefix(f"s3://{BUCKET}/")
    bundle = json.loads(world.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    bundle["createOnly"]["UsernameConfiguration"] = {"CaseSensitive": True}
    world.s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(bundle).encode())
    group = world.cognito.get_group(UserPoolId=full.user_pool_id, GroupName=full.groups[1])["Group"]
    world.cognito.update_group(UserPoolId=full.user_pool_id, GroupName=full.groups[1], Description="edited")

    # When the request goes through intake and apply
    world.intake(event)
    answer = world.apply_queue()

    # Then the other parts are still restored, but the one result is rejected (never retried) with the
    # create-only part's error, named after that part
    assert answer == {"batchItemFailures": []}
    now = world.cognito.get_group(UserPoolId=full.user_pool_id, GroupName=full.groups[1])["Group"]
    assert now.get("Description") == group.get("Description")
    (detail,) = [entry["detail"] for entry in world.results()]
    assert (detail["status"], detail["error"]["code"]) == ("rejected", "ImmutableSetting")
    assert detail["error"]["message"].startswith("pool createOnly: ")
    assert [p["status"] for p in detail["parts"] if p["id"] == "createOnly"] == ["rejected"]
    assert _problems(result_validator, detail) == []


@pytest.mark.parametrize(
    ("restore", "target", "path"),
    [
        (
            {"bundle": "s3://someone-elses-bucket/bundles/{hub}/{region}/{pool}/x.json"},
            None,
            "/restore/bundle",
        ),
        ({"bundle": "s3://{bucket}/bundles/{hub}/{region}/eu-west-1_Other1/x.json"}, None, "/restore/bundle"),
        (
            {"bundle": "s3://{bucket}/bundles/{hub}/{region}/{pool}/../eu-west-1_Other1/x.json"},
            None,
            "/restore/bundle",
        ),
        ({"bundle": "s3://{bucket}/bundles/{hub}/{region}/{pool}/x.json", "snapshot": "x"}, None, "/restore"),
        (
            {"bundle": "s3://{bucket}/bundles/{hub}/{region}/{pool}/x.json"},
            {"userPoolId": "{pool}", "clientId": "4r2uq8j1pmbfe0fmdqk9v2l5hn"},
            "/target",
        ),
    ],
    ids=["other-bucket", "other-pool", "dot-dot", "snapshot-and-bundle", "client-target"],
)
def test_intake_rejects_a_hostile_bundle_restore_and_queues_nothing(
    world: World, restore: dict[str, str], target: dict[str, str] | None, path: str
) -> None:
    # Given the sample with a hostile reference or target
    event = world.sample("eventbridge-restore-bundle")
    names = {"hub": HUB, "region": REGION, "pool": world.pool_id, "bucket": BUCKET}
    event["detail"]["restore"] = {key: value.format(**names) for key, value in restore.items()}
    if target is not None:
        event["detail"]["target"] = {key: value.format(**names) for key, value in target.items()}

    # When intake handles it
    answer = world.intake(event)

    # Then it is rejected at the member, published as such, and nothing is queued
    assert (answer["status"], answer["error"]["code"], answer["error"].get("path")) == (
        "rejected",
        "InvalidRequest",
        path,
    )
    assert world.queued() == []
    assert [e["detail"]["status"] for e in world.results()] == ["rejected"]


def test_apply_checks_the_scope_again_and_reports_a_missing_bundle(world: World) -> None:
    # Given two bundle restores sent to the queue directly (not through intake): one for another pool's
    # bundles, one for a bundle of the pool that does not exist
    pool_id = world.pool_id
    group = f"{HUB}/{REGION}/{pool_id}"
    for request_id, key in (
        ("foreign", f"bundles/{HUB}/{REGION}/eu-west-1_Other1/20250604T060000Z.json"),
        ("missing", f"bundles/{HUB}/{REGION}/{pool_id}/20250604T060000Z.json"),
    ):
        body = {
            "version": "1",
            "requestId": request_id,
            "target": {"userPoolId": pool_id, "accountId": HUB, "region": REGION},
            "restore": {"bundle": f"s3://{BUCKET}/{key}"},
        }
        world.sqs.send_message(
            QueueUrl=world.queue_url,
            MessageBody=json.dumps(body),
            MessageGroupId=group,
            MessageDeduplicationId=request_id,
        )

    # When apply takes them
    answer = world.apply_queue()

    # Then both are rejected (never retried), the first by scope, the second as not found, both at the member
    assert answer == {"batchItemFailures": []}
    errors = {
        e["detail"]["requestId"]: (e["detail"]["status"], e["detail"]["error"]) for e in world.results()
    }
    assert {rid: (status, error["code"], error.get("path")) for rid, (status, error) in errors.items()} == {
        "foreign": ("rejected", "InvalidRequest", "/restore/bundle"),
        "missing": ("rejected", "NotFound", "/restore/bundle"),
    }


def _problems(validator: Any, document: Any) -> list[str]:
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


def test_apply_may_read_the_stored_bundles_and_never_write_them() -> None:
    # Given the apply function's grants in the hub stack
    from test_template import TEMPLATE, decide, hub, load

    apply = hub(load(TEMPLATE)).statements("ApplyFunctionRole")
    key = f"<SnapshotBucket.Arn>/{PREFIX}20250604T060000Z.json"
    # When a stored bundle is read and written
    # Then it may read it (a bundle restore) but never write or delete it
    assert decide(apply, "s3:GetObject", key, {}) == "Allow"
    assert decide(apply, "s3:PutObject", key, {"s3:if-none-match": "*"}) == "Implicit"
    assert decide(apply, "s3:DeleteObject", key, {}) == "Implicit"
