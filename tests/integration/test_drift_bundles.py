"""Each pool's configuration history kept by the drift sweeps (issue 9; design.md, "Drift"), through the real
handlers on the moto server and the Cognito fake.

A scheduled sweep starts from the schedule event; its units run from ``DriftWorkQueue`` and, when done, queue
their bundle pass there too, which stores the bundle of every pool the unit checked under
``bundles/{accountId}/{region}/{userPoolId}/{yyyymmddTHHMMSSZ}.json`` when it differs from the newest one.
Expected values come from the test's own pools and documents, and from the fake's describe output.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from moto.moto_api._internal.models import moto_api_backend

from helpers.surface import EXPORT_READS
from poolpatch.adapters.snapshots import S3SnapshotStore
from poolpatch.errors import SnapshotFailed
from poolpatch_fake import faults, seed
from poolpatch_fake.stack import ACCOUNT_ID, REGION, EmbeddedStack

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from tests.integration.conftest import StackFactory

BUNDLE_KEY = re.compile(
    r"bundles/(?P<account>[0-9]{12})/(?P<region>[a-z0-9-]+)/(?P<pool>[\w-]+_[0-9A-Za-z]+)/"
    r"(?P<stamp>[0-9]{8}T[0-9]{6}Z)\.json"
)
OIDC_SECRET = "oidc-secret-never-stored"
BASELINE = {
    "version": "2",
    "name": "baseline",
    "patch": {"Policies": {"PasswordPolicy": {"MinimumLength": 14}}},
    "mode": "report",
}


@pytest.fixture
def stack(make_stack: StackFactory) -> EmbeddedStack:
    """A stack over an empty moto backend (pools of earlier tests would be swept too)."""
    moto_api_backend.reset()
    faults.reset()
    return make_stack(drift_correction_limit_percent=100)


@pytest.fixture
def cognito(stack: EmbeddedStack) -> CognitoIdentityProviderClient:
    client: CognitoIdentityProviderClient = stack.client("cognito-idp")
    return client


def simple_pool(cognito: CognitoIdentityProviderClient, name: str, *, length: int = 14) -> str:
    """A pool with one group (its bundle's last listed part)."""
    pool_id = cognito.create_user_pool(PoolName=name, Policies={"PasswordPolicy": {"MinimumLength": length}})[
        "UserPool"
    ]["Id"]
    cognito.create_group(UserPoolId=pool_id, GroupName="staff", Description=f"Staff of {name}")
    return pool_id


def stored_bundles(stack: EmbeddedStack) -> dict[str, list[str]]:
    """Pool id -> its bundles' keys, oldest first; every key under bundles/ must be of the layout."""
    out: dict[str, list[str]] = {}
    for key in stack.snapshot_keys("bundles/"):
        match = BUNDLE_KEY.fullmatch(key)
        assert match, f"{key} is not in the bundle key layout"
        assert match.group("account", "region") == (ACCOUNT_ID, REGION)
        out.setdefault(match.group("pool"), []).append(key)
    return {pool: sorted(keys) for pool, keys in out.items()}


def read(stack: EmbeddedStack, key: str) -> dict[str, Any]:
    body = stack.client("s3").get_object(Bucket=stack.bucket, Key=key)["Body"].read()
    document: dict[str, Any] = json.loads(body)
    return document


def statuses(stack: EmbeddedStack, sweep_id: str) -> dict[str, str]:
    return {
        line["target"]["userPoolId"]: line["status"]
        for line in stack.drift_report(sweep_id)["targets"]
        if "clientId" not in line["target"]
    }


def next_second() -> None:
    """Wait for the next UTC second, so two sweeps' bundles of one pool get different keys."""
    start = datetime.now(UTC).replace(microsecond=0)
    for _ in range(30):
        if datetime.now(UTC).replace(microsecond=0) > start:
            return
        time.sleep(0.05)
    raise AssertionError("the clock did not move")


def bundle_errors(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The ``Code`` of every ``DriftBundleErrors`` metric printed (EMF documents on stdout)."""
    codes = []
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            if "DriftBundleErrors" in document:
                codes.append(str(document["Code"]))
    return codes


def test_each_sweep_stores_a_pool_s_bundle_only_when_it_changed(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a pool with every configuration kind, a plain pool, and a report-mode baseline for both
    full = seed.full_pool(cognito, oidc_client_secret=OIDC_SECRET)
    plain = simple_pool(cognito, "plain", length=8)
    stack.put_desired("baseline.json", BASELINE)
    faults.reset()

    # When the first scheduled sweep runs
    started = datetime.now(UTC).replace(microsecond=0)
    first = stack.drift_sweep()

    # Then each pool has one bundle at bundles/{account}/{region}/{pool}/{time}.json, captured in the sweep
    history = stored_bundles(stack)
    assert set(history) == {full.user_pool_id, plain}
    assert all(len(keys) == 1 for keys in history.values())
    stamp = BUNDLE_KEY.fullmatch(history[full.user_pool_id][0])
    assert stamp is not None
    assert started <= datetime.strptime(stamp.group("stamp"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    # ... holding the pool's configuration as the service describes it, and never a secret
    bundle = read(stack, history[full.user_pool_id][0])
    assert bundle["source"]["userPoolId"] == full.user_pool_id
    listed = cognito.list_groups(UserPoolId=full.user_pool_id)["Groups"]
    assert {g["GroupName"]: g["Description"] for g in listed} == {
        name: part["Description"] for name, part in bundle["groups"].items()
    }
    assert set(bundle["clients"]) == {full.client_id, full.other_client_id}
    assert set(bundle["identityProviders"]) == set(full.identity_providers)
    assert OIDC_SECRET not in json.dumps(bundle)
    # ... made with the reads of an export only
    assert set(faults.calls()) - {"ListUserPools"} <= EXPORT_READS
    # and the drift report is the sweep's as ever
    assert statuses(stack, first) == {full.user_pool_id: "in-sync", plain: "drifted"}

    # When a second sweep finds nothing changed
    next_second()
    stack.drift_sweep()
    # Then no bundle is added
    assert stored_bundles(stack) == history

    # When a group's description is changed out of band, and the next sweep runs
    cognito.update_group(
        UserPoolId=full.user_pool_id, GroupName=full.groups[0], Description="Partner administrators (EMEA)"
    )
    next_second()
    stack.drift_sweep()

    # Then the pool has a second, newer bundle with the new description; the plain pool still has one
    after = stored_bundles(stack)
    assert after[plain] == history[plain]
    assert after[full.user_pool_id][0] == history[full.user_pool_id][0]
    assert len(after[full.user_pool_id]) == 2
    newer = read(stack, after[full.user_pool_id][1])
    assert newer["groups"][full.groups[0]]["Description"] == "Partner administrators (EMEA)"
    # ... and everything else as it was (its source aside)
    older = read(stack, after[full.user_pool_id][0])
    older["groups"][full.groups[0]]["Description"] = "Partner administrators (EMEA)"
    del newer["source"], older["source"]
    assert newer == older
    assert bundle_errors(capsys) == []


def _fail_first_log_delivery_read(_: pytest.MonkeyPatch, __: str) -> None:
    # GetLogDeliveryConfiguration is read by the bundle only (the baseline is of kind pool): the first one
    # is the first pool's, in id order.
    faults.inject("GetLogDeliveryConfiguration", "AccessDeniedException", message="injected")


def _fail_writes_of(monkeypatch: pytest.MonkeyPatch, pool_id: str) -> None:
    write = S3SnapshotStore.write_document

    def failing(self: S3SnapshotStore, key: str, document: Mapping[str, Any]) -> str:
        if f"/{pool_id}/" in key:
            raise SnapshotFailed(f"Could not write s3://{self.bucket}/{key}: injected")
        return write(self, key, document)

    monkeypatch.setattr(S3SnapshotStore, "write_document", failing)


Failure = tuple[Callable[[pytest.MonkeyPatch, str], None], str]


@pytest.mark.parametrize(
    "failure",
    [(_fail_first_log_delivery_read, "AccessDenied"), (_fail_writes_of, "SnapshotFailed")],
    ids=["read-fails", "store-fails"],
)
def test_a_pool_whose_bundle_fails_keeps_its_drift_line_and_the_others_are_stored(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: Failure,
) -> None:
    fail, code = failure
    # Given two pools below the baseline, the first of which (in id order) cannot have its bundle stored
    first, second = sorted([simple_pool(cognito, "a", length=8), simple_pool(cognito, "b", length=8)])
    stack.put_desired("baseline.json", BASELINE)
    fail(monkeypatch, first)

    # When the sweep runs
    responses = [stack.run_drift(), *stack.run_drift_work()]
    sweep_id = responses[0]["sweepId"]

    # Then both drift lines are as the pools are, and no record failed
    assert statuses(stack, sweep_id) == {first: "drifted", second: "drifted"}
    report = stack.drift_report(sweep_id)
    assert report["totals"]["error"] == 0
    assert [r["batchItemFailures"] for r in responses[1:]] == [[]] * (len(responses) - 1)
    # ... the other pool's bundle is stored, and the failure is counted by its code
    assert set(stored_bundles(stack)) == {second}
    assert bundle_errors(capsys) == [code]

    # And once the failure is gone, the next sweep stores the missing bundle
    faults.reset()
    monkeypatch.undo()
    stack.drift_sweep()
    assert set(stored_bundles(stack)) == {first, second}


class Budget:
    """Time left in one invocation: plenty for ``calls`` checks of the clock, then 1 s (the function's
    margin is 60 s)."""

    def __init__(self, calls: int) -> None:
        self.left = calls

    def __call__(self) -> int:
        self.left -= 1
        return 900_000 if self.left >= 0 else 1_000


def test_a_bundle_pass_stops_before_the_deadline_and_continues_to_the_end(
    caplog: pytest.LogCaptureFixture,
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
) -> None:
    # Given four pools (each bundle is eight looks at the clock: one before the pool, one per read)
    names = {simple_pool(cognito, f"p{index}"): f"p{index}" for index in range(4)}
    pools = sorted(names)
    stack.put_desired("baseline.json", BASELINE)

    # When each invocation has time for twelve looks (one bundle and part of the next)
    stack.run_drift()
    responses = stack.run_drift_work(budget=lambda: Budget(12))

    # Then every pool has exactly one bundle, complete (its group is among the last parts read) ...
    history = stored_bundles(stack)
    assert sorted(history) == pools
    for pool in pools:
        [key] = history[pool]
        assert read(stack, key)["groups"] == {"staff": {"Description": f"Staff of {names[pool]}"}}
    # ... made over several invocations, each stopping before the deadline and continuing after the last
    # pool it finished
    passes = [record for record in caplog.records if record.getMessage() == "drift bundle pass"]
    assert [getattr(p, "continues_after", None) for p in passes] == [pools[0], pools[1], pools[2], None]
    assert [getattr(p, "failed", None) for p in passes] == [{}, {}, {}, {}]
    assert all(r["batchItemFailures"] == [] for r in responses)


def test_a_pool_too_large_for_one_invocation_is_recorded_and_passed(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two pools whose bundles need eight looks at the clock each
    pools = sorted(simple_pool(cognito, f"p{index}") for index in range(2))
    stack.put_desired("baseline.json", BASELINE)

    # When each invocation has time for five only
    stack.run_drift()
    responses = stack.run_drift_work(budget=lambda: Budget(5), max_invocations=50)

    # Then the work queue drains: each pool's bundle is recorded as out of time and passed, none stored
    assert len(responses) < 50
    assert stored_bundles(stack) == {}
    assert bundle_errors(capsys) == ["OutOfTime"] * len(pools)


def test_turned_off_no_bundle_is_read_or_stored(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a pool, a baseline, and DRIFT_STORE_BUNDLES=false
    pool = simple_pool(cognito, "quiet", length=8)
    stack.put_desired("baseline.json", BASELINE)
    faults.reset()
    with stack.environment(DRIFT_STORE_BUNDLES="false"):
        # When a sweep runs
        sweep_id = stack.drift_sweep()
    # Then the pool is checked, no bundle is stored, and none of the export's extra reads is made
    assert statuses(stack, sweep_id) == {pool: "drifted"}
    assert stored_bundles(stack) == {}
    assert set(faults.calls()) == {"ListUserPools", "DescribeUserPool"}
