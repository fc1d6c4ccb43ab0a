"""``poolpatch drift`` in-process, against moto with the faithful Cognito fake installed.

One sweep of desired-state documents against the caller's own account and Region (design.md, "Drift",
"CLI"): exit 0 all in sync, 2 drift found (corrected or not), 1 an invalid document or a target that
could not be checked. Without ``--correct`` nothing is written; with it, corrections of documents in mode
``correct`` run through the engine with before/after snapshots. Expected values come from the documents
and pools written here, or from the raw describe output, never from the code under test.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from helpers.cli import Run, cli
from helpers.events import EVENTS_DIR, load_event

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION: Final = "eu-west-1"
ACCOUNT: Final = "123456789012"  # moto's default account
OTHER_ACCOUNT: Final = "444455556666"
FAST: Final = ("--reads-per-second", "1000")
MIN_LENGTH: Final = "/Policies/PasswordPolicy/MinimumLength"
STATUSES: Final = (
    "in-sync",
    "drifted",
    "correction-queued",
    "corrected",
    "suppressed",
    "conflict",
    "ignored",
    "owned",
    "error",
)
SWEEP_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")


def min_length(value: int, **members: Any) -> dict[str, Any]:
    """A version 2 pool document setting the password's minimum length."""
    return {"version": "2", "patch": {"Policies": {"PasswordPolicy": {"MinimumLength": value}}}, **members}


def drift(desired: str | Path, *extra: str) -> Run:
    """``poolpatch drift --desired DESIRED`` (fast pacing) with ``extra`` options."""
    return cli("drift", "--desired", str(desired), *FAST, *extra)


def write_documents(folder: Path, documents: Mapping[str, Any]) -> Path:
    """Write ``{relative path: document}`` below ``folder`` (text as is, anything else as JSON)."""
    for relative, document in documents.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document if isinstance(document, str) else json.dumps(document))
    return folder


@dataclass(frozen=True)
class World:
    """moto with the fake installed, and a boto3 Cognito client to create and read pools."""

    cognito: CognitoIdentityProviderClient

    def pool(
        self, name: str = "drift-pool", *, minimum: int = 8, tags: Mapping[str, str] | None = None
    ) -> str:
        """Create a user pool with a minimum password length (and tags); return its id."""
        response = self.cognito.create_user_pool(
            PoolName=name,
            Policies={"PasswordPolicy": {"MinimumLength": minimum}},
            UserPoolTags=dict(tags or {}),
        )
        return response["UserPool"]["Id"]

    def client(self, pool_id: str, name: str, *, refresh_days: int = 30) -> str:
        """Create an app client; return its id."""
        response = self.cognito.create_user_pool_client(
            UserPoolId=pool_id, ClientName=name, RefreshTokenValidity=refresh_days
        )
        return response["UserPoolClient"]["ClientId"]

    def describe(self, pool_id: str) -> dict[str, Any]:
        """DescribeUserPool, raw."""
        return dict(self.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"])

    def minimum(self, pool_id: str) -> int:
        """The live minimum password length."""
        return int(self.describe(pool_id)["Policies"]["PasswordPolicy"]["MinimumLength"])


@pytest.fixture
def world() -> Iterator[World]:
    """moto + the fake, no pools yet (and no fault left over from another test)."""
    poolpatch_fake.faults.reset()
    try:
        with mock_aws(), poolpatch_fake.installed():
            yield World(boto3.client("cognito-idp", region_name=REGION))
    finally:
        poolpatch_fake.faults.reset()


@pytest.fixture
def desired(tmp_path: Path) -> Path:
    """An empty folder for desired-state documents."""
    folder = tmp_path / "desired"
    folder.mkdir()
    return folder


def files_under(root: Path) -> list[str]:
    """Relative paths of the files below ``root``, sorted."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def only_target(run: Run) -> dict[str, Any]:
    """The single target line of a JSON run."""
    targets = run.json()["targets"]
    assert len(targets) == 1, targets
    target: dict[str, Any] = targets[0]
    return target


def documents_by_key(run: Run) -> dict[str, dict[str, Any]]:
    """The JSON run's documents, by key."""
    return {document["key"]: document for document in run.json()["documents"]}


# --- exit codes and output --------------------------------------------------------------------------


def test_all_in_sync_exits_0(world: World, desired: Path) -> None:
    # Given a pool that already has the desired minimum length
    pool_id = world.pool(minimum=14)
    write_documents(desired, {"baseline.json": min_length(14)})

    # When drift runs
    run = drift(desired)

    # Then exit 0, the summary counts one target in sync, nothing on stderr
    assert run.code == 0, run.out + run.err
    assert "| in-sync | 1 |" in run.out
    assert pool_id not in run.out  # in-sync targets are counted, not listed
    assert run.err == ""


def test_drift_exits_2_and_the_summary_names_pool_pointer_live_and_desired(
    world: World, desired: Path
) -> None:
    # Given a pool with minimum length 8 and a document wanting 14
    pool_id = world.pool(minimum=8)
    write_documents(desired, {"baseline.json": min_length(14)})

    # When drift runs with text output
    run = drift(desired)

    # Then exit 2, and the summary lists the pool and the pointer with its live and desired values
    assert run.code == 2, run.out + run.err
    assert run.out.startswith("# poolpatch drift sweep ")
    assert f"`{ACCOUNT}/{REGION}/{pool_id}`" in run.out
    assert f"`{MIN_LENGTH}`: live `8`, desired `14` (baseline)" in run.out
    assert "| drifted | 1 |" in run.out
    assert "add --correct" in run.out


def test_json_output_has_exactly_sweep_totals_documents_targets(world: World, desired: Path) -> None:
    # Given a drifted pool and an in-sync pool under one document
    drifted = world.pool("drifted", minimum=8)
    in_sync = world.pool("in-sync", minimum=14)
    write_documents(desired, {"baseline.json": min_length(14)})
    live = world.describe(drifted)["Policies"]["PasswordPolicy"]["MinimumLength"]

    # When drift runs with JSON output
    run = drift(desired, "--output", "json")

    # Then stdout is exactly {sweepId, totals, documents, targets}
    assert run.code == 2, run.err
    body = run.json()
    assert set(body) == {"sweepId", "totals", "documents", "targets"}
    assert SWEEP_ID.fullmatch(body["sweepId"])
    # And the totals count every status, the targets and the throttled reads
    expected_totals = dict.fromkeys(STATUSES, 0) | {"drifted": 1, "in-sync": 1, "targets": 2, "throttled": 0}
    assert body["totals"] == expected_totals
    # And the document is listed valid, with its default name
    assert [(d["key"], d["name"], d["valid"], d["mode"]) for d in body["documents"]] == [
        ("baseline.json", "baseline", True, "report")
    ]
    # And each target line has its status, drift entries and deciding documents
    lines = {line["target"]["userPoolId"]: line for line in body["targets"]}
    assert set(lines) == {drifted, in_sync}
    assert lines[drifted]["target"] == {"userPoolId": drifted, "accountId": ACCOUNT, "region": REGION}
    assert lines[drifted]["status"] == "drifted"
    assert lines[drifted]["drift"] == [
        {"path": MIN_LENGTH, "desired": 14, "live": live, "document": "baseline"}
    ]
    assert lines[drifted]["documents"] == ["baseline"]
    assert (lines[in_sync]["status"], lines[in_sync]["drift"]) == ("in-sync", [])


# --- correction -------------------------------------------------------------------------------------


def test_correct_writes_through_the_engine_with_snapshots(
    world: World, desired: Path, tmp_path: Path
) -> None:
    # Given a drifted pool and a document in mode correct
    pool_id = world.pool(minimum=8)
    write_documents(desired, {"baseline.json": min_length(14, mode="correct")})
    snapshots = tmp_path / "snapshots-root"

    # When drift runs with --correct
    run = drift(desired, "--correct", "--snapshot-dir", str(snapshots), "--output", "json")

    # Then exit 2 (drift was found), and the target is corrected
    assert run.code == 2, run.err
    line = only_target(run)
    assert line["status"] == "corrected"
    assert line["drift"] == [{"path": MIN_LENGTH, "desired": 14, "live": 8, "document": "baseline"}]
    assert run.json()["totals"]["corrected"] == 1
    # And the live pool now has the desired value
    assert world.minimum(pool_id) == 14
    # And before/after snapshots were written below snapshots/{account}/{region}/{pool}/pool/
    files = files_under(snapshots)
    prefix = f"snapshots/{ACCOUNT}/{REGION}/{pool_id}/pool/"
    assert len(files) == 2, files
    assert all(name.startswith(prefix) for name in files)
    assert sorted(Path(name).name for name in files) == ["after.json", "before.json"]
    before = json.loads((snapshots / next(f for f in files if f.endswith("before.json"))).read_text())
    after = json.loads((snapshots / next(f for f in files if f.endswith("after.json"))).read_text())
    assert before["updateDocument"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert after["updateDocument"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert "baseline" in before["request"]["reason"]
    # And the line points at those snapshots
    references = line["correction"]["snapshots"]
    assert {
        Path(ref.removeprefix("file://")).relative_to(snapshots).as_posix() for ref in references.values()
    } == set(files)


def test_without_correct_nothing_is_written(world: World, desired: Path, tmp_path: Path) -> None:
    # Given a drifted pool and a document in mode correct
    pool_id = world.pool(minimum=8)
    write_documents(desired, {"baseline.json": min_length(14, mode="correct")})
    before = world.describe(pool_id)
    snapshots = tmp_path / "snapshots-root"

    # When drift runs without --correct
    run = drift(desired, "--snapshot-dir", str(snapshots), "--output", "json")

    # Then the drift is reported, exit 2
    assert run.code == 2, run.err
    line = only_target(run)
    assert line["status"] == "drifted"
    assert "correction" not in line
    # And the pool is untouched (value and LastModifiedDate), and no snapshot was written
    after = world.describe(pool_id)
    assert after["LastModifiedDate"] == before["LastModifiedDate"]
    assert after == before
    assert not snapshots.exists()


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(min_length(14, mode="report"), id="v2 mode report"),
        pytest.param(min_length(14), id="v2 default mode"),
        pytest.param(
            {"target": {"userPoolId": "POOL"}, "patch": min_length(14)["patch"], "correct": False},
            id="v1 correct false",
        ),
    ],
)
def test_a_report_document_is_never_corrected_even_with_correct(
    world: World, desired: Path, tmp_path: Path, document: dict[str, Any]
) -> None:
    # Given a drifted pool and a document that only reports
    pool_id = world.pool(minimum=8)
    document = json.loads(json.dumps(document).replace('"POOL"', json.dumps(pool_id)))
    write_documents(desired, {"report-only.json": document})
    before = world.describe(pool_id)
    snapshots = tmp_path / "snapshots-root"

    # When drift runs with --correct
    run = drift(desired, "--correct", "--snapshot-dir", str(snapshots), "--output", "json")

    # Then it is reported drifted, not corrected, and nothing is written
    assert run.code == 2, run.err
    assert only_target(run)["status"] == "drifted"
    assert world.describe(pool_id) == before
    assert not snapshots.exists()


def test_correct_corrects_an_app_client_with_client_snapshots(
    world: World, desired: Path, tmp_path: Path
) -> None:
    # Given a pool with two app clients, and a client document selecting one by name
    pool_id = world.pool(minimum=14)
    web = world.client(pool_id, "acme-web", refresh_days=30)
    other = world.client(pool_id, "acme-batch", refresh_days=30)
    write_documents(
        desired,
        {
            "clients.json": {
                "version": "2",
                "kind": "client",
                "selector": {"clientNames": ["acme-web"]},
                "patch": {"RefreshTokenValidity": 7},
                "mode": "correct",
            }
        },
    )
    snapshots = tmp_path / "snapshots-root"

    # When drift runs with --correct
    run = drift(desired, "--correct", "--snapshot-dir", str(snapshots), "--output", "json")

    # Then only the named client is a target, corrected, with snapshots below client-{clientId}/
    assert run.code == 2, run.err
    line = only_target(run)
    assert line["target"] == {"userPoolId": pool_id, "clientId": web, "accountId": ACCOUNT, "region": REGION}
    assert (line["kind"], line["status"]) == ("client", "corrected")
    assert line["drift"] == [
        {"path": "/RefreshTokenValidity", "desired": 7, "live": 30, "document": "clients"}
    ]
    clients = {
        client_id: world.cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)[
            "UserPoolClient"
        ]
        for client_id in (web, other)
    }
    assert (clients[web]["RefreshTokenValidity"], clients[other]["RefreshTokenValidity"]) == (7, 30)
    files = files_under(snapshots)
    assert len(files) == 2
    assert all(f.startswith(f"snapshots/{ACCOUNT}/{REGION}/{pool_id}/client-{web}/") for f in files)


def test_owned_pool_is_corrected_only_with_correct_owned(world: World, desired: Path, tmp_path: Path) -> None:
    # Given two drifted pools owned by a CloudFormation stack
    stack = {"aws:cloudformation:stack-name": "identity-prod"}
    plain = world.pool("owned-plain", minimum=8, tags={**stack, "doc": "plain"})
    allowed = world.pool("owned-allowed", minimum=8, tags={**stack, "doc": "allowed"})
    write_documents(
        desired,
        {
            "plain.json": min_length(14, mode="correct", selector={"poolTags": {"doc": "plain"}}),
            "allowed.json": min_length(
                14, mode="correct", correctOwned=True, selector={"poolTags": {"doc": "allowed"}}
            ),
        },
    )

    # When drift runs with --correct
    run = drift(desired, "--correct", "--snapshot-dir", str(tmp_path / "s"), "--output", "json")

    # Then the owned pool is reported owned and left alone; the one whose document allows it is corrected
    assert run.code == 2, run.err
    lines = {line["target"]["userPoolId"]: line for line in run.json()["targets"]}
    assert lines[plain]["status"] == "owned"
    assert lines[plain]["owner"] == {"type": "cloudformation", "stack": "identity-prod"}
    assert lines[allowed]["status"] == "corrected"
    assert (world.minimum(plain), world.minimum(allowed)) == (8, 14)


@pytest.mark.parametrize(("tag", "status"), [("ignore", "ignored"), ("report", "drifted")])
def test_drift_tag_guards_the_pool(
    world: World, desired: Path, tmp_path: Path, tag: str, status: str
) -> None:
    # Given a drifted pool tagged poolpatch:drift
    pool_id = world.pool(minimum=8, tags={"poolpatch:drift": tag})
    write_documents(desired, {"baseline.json": min_length(14, mode="correct")})
    before = world.describe(pool_id)

    # When drift runs with --correct
    run = drift(desired, "--correct", "--snapshot-dir", str(tmp_path / "s"), "--output", "json")

    # Then "ignore" skips it, "report" reports it; neither is written
    assert only_target(run)["status"] == status
    assert world.describe(pool_id) == before
    assert run.code == (0 if tag == "ignore" else 2), run.err


def test_conflict_is_reported_and_never_corrected(world: World, desired: Path, tmp_path: Path) -> None:
    # Given two account-wide documents setting the same pointer to different values, both correcting
    pool_id = world.pool(minimum=8)
    write_documents(
        desired, {"a.json": min_length(12, mode="correct"), "b.json": min_length(16, mode="correct")}
    )
    before = world.describe(pool_id)

    # When drift runs with --correct
    run = drift(desired, "--correct", "--snapshot-dir", str(tmp_path / "s"), "--output", "json")

    # Then the pointer is a conflict naming both documents; nothing is written; exit 2
    assert run.code == 2, run.err
    line = only_target(run)
    assert line["status"] == "conflict"
    assert line["conflicts"][0]["path"] == MIN_LENGTH
    assert sorted(line["conflicts"][0]["documents"]) == ["a", "b"]
    assert world.describe(pool_id) == before


def test_a_document_naming_the_pool_wins_over_an_account_wide_one(world: World, desired: Path) -> None:
    # Given an account-wide document (12) and a document naming the pool (16)
    pool_id = world.pool(minimum=8)
    write_documents(
        desired,
        {
            "wide.json": min_length(12),
            "named.json": min_length(16, selector={"userPoolIds": [pool_id]}),
        },
    )

    # When drift runs
    run = drift(desired, "--output", "json")

    # Then the named document decides, without a conflict
    line = only_target(run)
    assert line["status"] == "drifted"
    assert line["drift"] == [{"path": MIN_LENGTH, "desired": 16, "live": 8, "document": "named"}]


def test_correct_with_snapshot_bucket_writes_snapshots_to_s3(world: World, desired: Path) -> None:
    # Given a drifted pool, a correcting document and a snapshot bucket
    pool_id = world.pool(minimum=8)
    write_documents(desired, {"baseline.json": min_length(14, mode="correct")})
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="poolpatch-snapshots-test", CreateBucketConfiguration={"LocationConstraint": REGION}
    )

    # When drift runs with --correct --snapshot-bucket
    run = drift(desired, "--correct", "--snapshot-bucket", "poolpatch-snapshots-test", "--output", "json")

    # Then the before/after snapshots are in the bucket under the target's prefix, and the pool is corrected
    assert run.code == 2, run.err
    assert only_target(run)["status"] == "corrected"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="poolpatch-snapshots-test").get("Contents", []))
    assert len(keys) == 2, keys
    assert all(key.startswith(f"snapshots/{ACCOUNT}/{REGION}/{pool_id}/pool/") for key in keys)
    assert sorted(key.rsplit("/", 1)[1] for key in keys) == ["after.json", "before.json"]
    assert world.minimum(pool_id) == 14


def test_a_correction_that_fails_exits_1_with_its_error(world: World, desired: Path, tmp_path: Path) -> None:
    # Given a drifted pool whose next UpdateUserPool is refused by the service
    pool_id = world.pool(minimum=8)
    write_documents(desired, {"baseline.json": min_length(14, mode="correct")})
    poolpatch_fake.faults.inject("UpdateUserPool", "NotAuthorizedException", message="not allowed to update")

    # When drift runs with --correct
    run = drift(desired, "--correct", "--snapshot-dir", str(tmp_path / "s"), "--output", "json")

    # Then exit 1, the failure is on stderr, the line keeps its drift and records the failed correction
    assert run.code == 1
    assert "error: correction drift-" in run.err
    line = only_target(run)
    assert line["status"] != "corrected"
    assert line["drift"] == [{"path": MIN_LENGTH, "desired": 14, "live": 8, "document": "baseline"}]
    assert line["correction"]["error"]["code"]
    assert line["correction"]["status"] in ("rejected", "failed")
    assert world.minimum(pool_id) == 8


def test_a_failed_correction_is_not_reported_as_queued(world: World, desired: Path, tmp_path: Path) -> None:
    # Given a drifted pool whose next UpdateUserPool is refused by the service
    world.pool(minimum=8)
    write_documents(desired, {"baseline.json": min_length(14, mode="correct")})
    poolpatch_fake.faults.inject("UpdateUserPool", "NotAuthorizedException", message="not allowed to update")

    # When drift runs with --correct
    run = drift(desired, "--correct", "--snapshot-dir", str(tmp_path / "s"), "--output", "json")

    # Then the target is still drifted (nothing was queued, nothing corrected)
    assert only_target(run)["status"] == "drifted"
    assert run.json()["totals"]["correction-queued"] == 0


def test_a_target_that_cannot_be_checked_exits_1(world: World, desired: Path) -> None:
    # Given a pool whose describe is refused
    pool_id = world.pool(minimum=8)
    write_documents(desired, {"baseline.json": min_length(14)})
    poolpatch_fake.faults.inject("DescribeUserPool", "NotAuthorizedException", message="no describe for you")

    # When drift runs (JSON)
    run = drift(desired, "--output", "json")

    # Then exit 1, the target is listed as an error with its code and message
    assert run.code == 1
    line = only_target(run)
    assert line["target"]["userPoolId"] == pool_id
    assert line["status"] == "error"
    assert "no describe for you" in line["error"]["message"]
    assert run.json()["totals"]["error"] == 1


# --- invalid documents ------------------------------------------------------------------------------


def test_invalid_document_exits_1_and_is_listed_with_its_error(world: World, desired: Path) -> None:
    # Given a valid drifted document and one with "mode": "false"
    pool_id = world.pool(minimum=8)
    write_documents(
        desired, {"good.json": min_length(14), "bad.json": min_length(14, mode="false", name="bad-one")}
    )
    before = world.describe(pool_id)

    # When drift runs (JSON, then text)
    run = drift(desired, "--output", "json")
    text = drift(desired)

    # Then exit 1 (an invalid document outranks drift), and the document is listed with its error
    assert (run.code, text.code) == (1, 1)
    documents = documents_by_key(run)
    assert documents["bad.json"]["valid"] is False
    assert documents["bad.json"]["name"] == "bad-one"
    assert documents["bad.json"]["error"]["code"] == "InvalidRequest"
    assert documents["bad.json"]["error"]["path"] == "/mode"
    assert documents["good.json"]["valid"] is True
    # And the valid document still ran; the invalid one was never applied
    assert only_target(run)["drift"][0]["document"] == "good"
    assert "## Invalid documents" in text.out
    assert "`bad.json`: InvalidRequest at `/mode`" in text.out
    assert world.describe(pool_id) == before


def test_duplicate_names_make_both_documents_invalid(world: World, desired: Path) -> None:
    # Given two documents with the same name
    world.pool(minimum=8)
    write_documents(
        desired, {"a.json": min_length(14, name="same"), "team/b.json": min_length(12, name="same")}
    )

    # When drift runs
    run = drift(desired, "--output", "json")

    # Then both are invalid (neither silently wins), nothing is checked, exit 1
    assert run.code == 1
    documents = documents_by_key(run)
    assert {key: d["valid"] for key, d in documents.items()} == {"a.json": False, "team/b.json": False}
    assert all(d["error"]["path"] == "/name" for d in documents.values())
    assert run.json()["targets"] == []


def test_only_json_files_are_documents_and_upper_case_json_is_reported(world: World, desired: Path) -> None:
    # Given a folder with a document, a README, notes, a backup and a .JSON file
    world.pool(minimum=14)
    write_documents(
        desired,
        {
            "baseline.json": min_length(14),
            "README.md": "# desired state\n",
            "notes.txt": json.dumps(min_length(99)),
            "baseline.json.bak": json.dumps(min_length(99)),
            "sub/LEGACY.JSON": min_length(14),
        },
    )

    # When drift runs
    run = drift(desired, "--output", "json")

    # Then only *.json is read; .JSON is reported invalid (exit 1); the others are ignored
    assert run.code == 1
    documents = documents_by_key(run)
    assert set(documents) == {"baseline.json", "sub/LEGACY.JSON"}
    assert documents["baseline.json"]["valid"] is True
    assert documents["sub/LEGACY.JSON"]["valid"] is False
    assert ".json" in documents["sub/LEGACY.JSON"]["error"]["message"]
    assert only_target(run)["status"] == "in-sync"


def test_reads_per_second_zero_is_refused(world: World, desired: Path) -> None:
    # Given a valid folder
    write_documents(desired, {"baseline.json": min_length(14)})

    # When drift runs with a read rate of 0 or below
    runs = [cli("drift", "--desired", str(desired), "--reads-per-second", rate) for rate in ("0", "-2.5")]

    # Then each exits 1 with the option named, and prints no report
    for run in runs:
        assert run.code == 1
        assert "--reads-per-second" in run.err
        assert run.out == ""


def test_missing_desired_path_exits_1(world: World, tmp_path: Path) -> None:
    # Given a path that does not exist
    # When drift runs on it
    run = drift(tmp_path / "nowhere.json")

    # Then exit 1 with the path named
    assert run.code == 1
    assert "nowhere.json" in run.err
    assert run.out == ""


# --- where the documents come from ------------------------------------------------------------------


def test_desired_as_a_single_file(world: World, desired: Path) -> None:
    # Given one document file in a folder with another one
    pool_id = world.pool(minimum=8)
    write_documents(desired, {"prod-baseline.json": min_length(14), "other.json": min_length(99)})

    # When drift runs on the file alone
    run = drift(desired / "prod-baseline.json", "--output", "json")

    # Then only that document is read, named after the file
    assert run.code == 2, run.err
    assert [(d["key"], d["name"]) for d in run.json()["documents"]] == [
        ("prod-baseline.json", "prod-baseline")
    ]
    assert only_target(run)["target"]["userPoolId"] == pool_id


@pytest.mark.parametrize("scheme", ["", "file://"])
def test_desired_as_a_nested_folder_names_documents_by_relative_path(
    world: World, desired: Path, scheme: str
) -> None:
    # Given documents at several depths of a folder
    world.pool(minimum=8)
    write_documents(
        desired,
        {
            "base.json": min_length(14),
            "teams/identity/strict.json": min_length(14, mode="report"),
            "teams/named.json": min_length(14, name="explicit-name"),
        },
    )

    # When drift runs on the folder (as a path or file://)
    run = drift(f"{scheme}{desired}", "--output", "json")

    # Then every document is read; default names are the relative paths without .json
    assert run.code == 2, run.err
    names = {d["key"]: d["name"] for d in run.json()["documents"]}
    assert names == {
        "base.json": "base",
        "teams/identity/strict.json": "teams/identity/strict",
        "teams/named.json": "explicit-name",
    }


def test_desired_as_a_file_url(world: World, desired: Path) -> None:
    # Given one document
    world.pool(minimum=14)
    write_documents(desired, {"baseline.json": min_length(14)})

    # When drift runs on file://PATH of the file
    run = drift(f"file://{desired / 'baseline.json'}", "--output", "json")

    # Then it is read and the pool is in sync
    assert run.code == 0, run.err
    assert [d["name"] for d in run.json()["documents"]] == ["baseline"]
    assert only_target(run)["status"] == "in-sync"


@pytest.fixture
def bucket(world: World) -> str:
    """A moto S3 bucket with documents below desired/ and a look-alike prefix beside it."""
    s3 = boto3.client("s3", region_name=REGION)
    name = "poolpatch-desired-test"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=name, Key="desired/baseline.json", Body=json.dumps(min_length(14)).encode())
    s3.put_object(Bucket=name, Key="desired/prod/tags.json", Body=json.dumps(min_length(14)).encode())
    s3.put_object(Bucket=name, Key="desired/README.md", Body=b"not a document")
    s3.put_object(Bucket=name, Key="desired-archive/old.json", Body=json.dumps(min_length(6)).encode())
    return name


def test_desired_from_s3_prefix(world: World, bucket: str) -> None:
    # Given documents below s3://bucket/desired/ (nested, and a README)
    pool_id = world.pool(minimum=8)

    # When drift runs on the prefix
    run = drift(f"s3://{bucket}/desired/", "--output", "json")

    # Then the documents below the prefix are read, named by the key below the prefix
    assert run.code == 2, run.err
    names = {d["key"]: d["name"] for d in run.json()["documents"]}
    assert names == {"desired/baseline.json": "baseline", "desired/prod/tags.json": "prod/tags"}
    line = only_target(run)
    assert line["target"]["userPoolId"] == pool_id
    assert line["documents"] == ["baseline", "prod/tags"]


def test_desired_from_s3_prefix_without_a_final_slash_is_the_same_folder(world: World, bucket: str) -> None:
    # Given the same documents
    world.pool(minimum=8)

    # When drift runs on the prefix written without its final slash, as `aws s3 sync` accepts it
    run = drift(f"s3://{bucket}/desired", "--output", "json")

    # Then it reads the same documents with the same names as s3://bucket/desired/
    names = {d["key"]: d["name"] for d in run.json()["documents"]}
    assert names == {"desired/baseline.json": "baseline", "desired/prod/tags.json": "prod/tags"}


def test_desired_from_one_s3_document_is_named_by_its_file(world: World, bucket: str) -> None:
    # Given one document in S3, named by nothing but its key
    world.pool(minimum=8)

    # When drift runs on that one object
    run = drift(f"s3://{bucket}/desired/prod/tags.json", "--output", "json")

    # Then it is the only document, named by its file, and valid
    assert [(d["key"], d["name"], d["valid"]) for d in run.json()["documents"]] == [
        ("desired/prod/tags.json", "tags", True)
    ]
    assert run.code == 2, run.err


def test_desired_from_a_missing_bucket_exits_1(world: World) -> None:
    # Given no bucket
    # When drift runs on it
    run = drift("s3://poolpatch-no-such-bucket/desired/")

    # Then exit 1 with the location named
    assert run.code == 1
    assert "s3://poolpatch-no-such-bucket/desired/" in run.err


def test_a_named_file_that_is_not_json_is_not_silently_in_sync(world: World, desired: Path) -> None:
    # Given a drifted pool and a document saved as .txt
    world.pool(minimum=8)
    write_documents(desired, {"notes.txt": min_length(14)})

    # When drift runs on that file by name
    run = drift(desired / "notes.txt", "--output", "json")

    # Then the run does not claim all is in sync: exit 1, the file named with the remedy
    assert run.code == 1
    assert "notes.txt is not a desired-state document (*.json)" in run.err
    assert "Name a .json document" in run.err


# --- scope: own account and Region only -------------------------------------------------------------


def test_documents_for_other_accounts_or_regions_are_valid_and_cover_nothing(
    world: World, desired: Path
) -> None:
    # Given a drifted pool, and documents that select another account or another Region only
    world.pool(minimum=8)
    write_documents(
        desired,
        {
            "other-account.json": min_length(14, selector={"accountIds": [OTHER_ACCOUNT]}),
            "other-region.json": min_length(14, selector={"regions": ["eu-central-1"]}),
            "v1-other-account.json": {
                "target": {"userPoolId": "eu-west-1_AbCdEf123", "accountId": OTHER_ACCOUNT},
                "patch": {"DeletionProtection": "ACTIVE"},
            },
        },
    )

    # When drift runs
    run = drift(desired, "--output", "json")

    # Then every document is valid, no target is checked, exit 0
    assert run.code == 0, run.out + run.err
    assert all(d["valid"] for d in run.json()["documents"])
    assert len(run.json()["documents"]) == 3
    assert run.json()["targets"] == []
    assert run.json()["totals"]["targets"] == 0


def test_every_allowed_account_means_the_own_account(world: World, desired: Path) -> None:
    # Given a document for every allowed account ("*")
    pool_id = world.pool(minimum=8)
    write_documents(desired, {"fleet.json": min_length(14, selector={"accountIds": ["*"]})})

    # When drift runs
    run = drift(desired, "--output", "json")

    # Then the own account's pool is checked
    assert run.code == 2, run.err
    assert only_target(run)["target"] == {"userPoolId": pool_id, "accountId": ACCOUNT, "region": REGION}


# --- report files -----------------------------------------------------------------------------------


def test_report_dir_files_agree_with_the_printed_json(world: World, desired: Path, tmp_path: Path) -> None:
    # Given a drifted pool, an in-sync pool and an invalid document
    drifted = world.pool("drifted", minimum=8)
    world.pool("in-sync", minimum=14)
    write_documents(desired, {"baseline.json": min_length(14), "broken.json": "{not json"})
    reports = tmp_path / "reports"

    # When drift runs with --report-dir and JSON output
    run = drift(desired, "--report-dir", str(reports), "--output", "json")

    # Then the three files are written in a folder named after the sweep, and stderr says where
    body = run.json()
    folder = reports / body["sweepId"]
    assert files_under(reports) == [
        f"{body['sweepId']}/{n}" for n in ("report.json", "summary.md", "targets.jsonl")
    ]
    assert str(folder) in run.err
    # And report.json has the same sweep, totals and documents as the printed JSON
    report = json.loads((folder / "report.json").read_text())
    assert report["sweepId"] == body["sweepId"]
    assert report["trigger"] == "cli"
    assert report["totals"] == body["totals"]
    assert report["documents"] == body["documents"]
    # And targets.jsonl has one line per printed target, equal to it
    lines = [json.loads(line) for line in (folder / "targets.jsonl").read_text().splitlines()]
    assert lines == body["targets"]
    # And summary.md is the summary for people: the sweep, the drifted pool, the invalid document
    summary = (folder / "summary.md").read_text()
    assert summary.startswith(f"# poolpatch drift sweep {body['sweepId']}")
    assert f"`{ACCOUNT}/{REGION}/{drifted}`" in summary
    assert f"`{MIN_LENGTH}`: live `8`, desired `14` (baseline)" in summary
    assert "`broken.json`" in summary
    assert run.code == 1


def test_report_dir_summary_is_the_text_output(world: World, desired: Path, tmp_path: Path) -> None:
    # Given a drifted pool
    world.pool(minimum=8)
    write_documents(desired, {"baseline.json": min_length(14)})
    reports = tmp_path / "reports"

    # When drift runs with --report-dir and text output
    run = drift(desired, "--report-dir", str(reports))

    # Then summary.md is exactly what was printed
    (summary,) = reports.glob("*/summary.md")
    assert summary.read_text() == run.out


# --- the samples in events/ -------------------------------------------------------------------------


def test_sample_documents_find_the_drift_of_the_detected_sample(world: World, desired: Path) -> None:
    # Given the pool as the console user of the CloudTrail sample left it (its request parameters)
    written = load_event("eventbridge-cloudtrail-update-user-pool")["detail"]["requestParameters"]
    policy = written["policies"]["passwordPolicy"]
    pool_id = world.cognito.create_user_pool(
        PoolName="acme-customers-prod",
        Policies={
            "PasswordPolicy": {
                "MinimumLength": policy["minimumLength"],
                "RequireUppercase": policy["requireUppercase"],
                "RequireLowercase": policy["requireLowercase"],
                "RequireNumbers": policy["requireNumbers"],
                "RequireSymbols": policy["requireSymbols"],
                "TemporaryPasswordValidityDays": policy["temporaryPasswordValidityDays"],
            }
        },
        DeletionProtection=written["deletionProtection"],
        AdminCreateUserConfig={
            "AllowAdminCreateUserOnly": written["adminCreateUserConfig"]["allowAdminCreateUserOnly"]
        },
        UserPoolTags=written["userPoolTags"],
    )["UserPool"]["Id"]
    # And the baseline and production sample documents
    for name in ("desired-baseline", "desired-prod-tags"):
        shutil.copy(EVENTS_DIR / f"{name}.json", desired / f"{name}.json")

    # When drift runs
    run = drift(desired, "--output", "json")

    # Then the target line carries the drift of the Drift Detected sample
    detected = load_event("drift-detected")["detail"]
    line = only_target(run)
    assert line["target"]["userPoolId"] == pool_id
    assert (line["kind"], line["status"]) == (detected["kind"], detected["status"])
    assert sorted(line["drift"], key=lambda e: e["path"]) == sorted(
        detected["drift"], key=lambda e: e["path"]
    )
    assert line["documents"] == detected["documents"]
    assert run.code == 2


# -- kinds beyond pools and app clients --------------------------------------------------------------

OIDC_SECRET: Final = "oidc-test-secret-not-real"  # the fake's stored value, never a real credential


def test_group_and_identity_provider_drift_is_corrected_and_the_secret_kept(
    world: World, desired: Path, tmp_path: Path
) -> None:
    # Given a pool with groups and an OIDC provider holding a client_secret, and documents in mode correct
    from poolpatch_fake import seed

    pool = seed.full_pool(world.cognito, oidc_client_secret=OIDC_SECRET)
    oidc, group = pool.identity_providers[0], pool.groups[0]
    write_documents(
        desired,
        {
            "groups.json": {
                "version": "2",
                "kind": "group",
                "selector": {"names": [group]},
                "patch": {"Precedence": 5},
                "mode": "correct",
            },
            "idp.json": {
                "version": "2",
                "kind": "identityProvider",
                "selector": {"names": [oidc]},
                "patch": {"ProviderDetails": {"authorize_scopes": "openid email"}},
                "mode": "correct",
            },
        },
    )
    before = world.cognito.describe_identity_provider(UserPoolId=pool.user_pool_id, ProviderName=oidc)
    assert before["IdentityProvider"]["ProviderDetails"]["authorize_scopes"] == "openid email profile"
    poolpatch_fake.faults.reset()
    snapshots = tmp_path / "snapshots"

    # When drift runs with --correct
    run = drift(desired, "--correct", "--snapshot-dir", str(snapshots), "--output", "json")

    # Then both targets drifted and were corrected through the engine
    assert run.code == 2, run.err
    targets = {(t["target"]["kind"], t["target"]["name"]): t for t in run.json()["targets"]}
    assert {key: t["status"] for key, t in targets.items()} == {
        ("group", group): "corrected",
        ("identityProvider", oidc): "corrected",
    }
    assert targets[("group", group)]["drift"] == [
        {"path": "/Precedence", "desired": 5, "live": 1, "document": "groups"}
    ]
    # And the live group and provider have the desired values
    live_group = world.cognito.get_group(UserPoolId=pool.user_pool_id, GroupName=group)["Group"]
    assert live_group["Precedence"] == 5
    after = world.cognito.describe_identity_provider(UserPoolId=pool.user_pool_id, ProviderName=oidc)
    details = after["IdentityProvider"]["ProviderDetails"]
    assert details["authorize_scopes"] == "openid email"
    # And the provider's write carried the whole map, the secret kept as it was
    [sent] = poolpatch_fake.faults.sent("UpdateIdentityProvider")
    assert sent["ProviderDetails"]["client_secret"] == OIDC_SECRET
    assert details["client_secret"] == OIDC_SECRET
    # And the secret appears in no output and no snapshot
    assert OIDC_SECRET not in run.out + run.err
    written = [path.read_text() for path in snapshots.rglob("*") if path.is_file()]
    assert written, "the corrections wrote snapshots"
    assert all(OIDC_SECRET not in text for text in written)
