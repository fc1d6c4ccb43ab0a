"""Paced fleet reads (design.md, "Drift", "Sweeps": ``DriftReadsPerSecond`` per account, Region and quota
category): even spacing on a fake clock, categories side by side, and the botocore hooks over the fake."""

from __future__ import annotations

import itertools
import json
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.retries.standard import ExponentialBackoff
from moto import mock_aws
from moto.cognitoidp import models as moto_cognito

import poolpatch_fake
from poolpatch.adapters.fleet import CATEGORIES, Pacer
from poolpatch.kinds import KINDS
from poolpatch_fake import faults

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "eu-west-1"
#: moto imports the same RSA signing key for every new pool (~0.25 s each): import it once per module.
_KEYS: dict[str, Any] = {}
#: One boto3 session for the module: a client from it takes milliseconds, not 0.15 s.
_SESSIONS: list[boto3.session.Session] = []


@dataclass
class FakeClock:
    """A monotonic clock that only moves when slept on (or told to)."""

    now: float = 1000.0
    advance_on_sleep: bool = True
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.advance_on_sleep:
            self.now += seconds


def _pacer(rate: float, clock: FakeClock) -> Pacer:
    return Pacer(rate, clock=clock, sleep=clock.sleep)


# --------------------------------------------------------------------------------------------------
# Spacing on a fake clock
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1.0, 3.0, 4.0, 15.0])
def test_requests_of_one_category_are_spaced_by_one_over_rate(rate: float) -> None:
    # Given a pacer at `rate` per second and a clock that moves only when slept on
    clock = FakeClock()
    pacer = _pacer(rate, clock)
    # When six requests of one category arrive at once
    sent = []
    for _ in range(6):
        pacer.acquire("UserPoolRead")
        sent.append(clock.now)
    # Then the first goes at once and each next one 1/rate after the previous
    assert sent[0] == 1000.0
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    assert gaps == pytest.approx([1 / rate] * 5)
    assert clock.sleeps == pytest.approx([1 / rate] * 5)
    assert pacer.calls == {"UserPoolRead": 6}


def test_waits_accumulate_for_callers_that_have_not_slept_yet() -> None:
    # Given a clock that does not move while callers queue (concurrent callers reserve slots)
    clock = FakeClock(advance_on_sleep=False)
    pacer = _pacer(4.0, clock)
    # When four requests are made at the same instant
    waits = [pacer.acquire("UserPoolRead") for _ in range(4)]
    # Then each waits for its own slot: 0, 1/4, 2/4, 3/4 s
    assert waits == pytest.approx([0.0, 0.25, 0.5, 0.75])
    assert clock.sleeps == pytest.approx([0.25, 0.5, 0.75])


def test_two_categories_do_not_wait_for_each_other() -> None:
    clock = FakeClock(advance_on_sleep=False)
    pacer = _pacer(2.0, clock)
    # When requests of two categories interleave at one instant
    waits = [
        (category, pacer.acquire(category))
        for category in ("UserPoolRead", "UserPoolClientRead", "UserPoolRead", "UserPoolClientRead")
    ]
    # Then each category keeps its own schedule
    assert waits == [
        ("UserPoolRead", 0.0),
        ("UserPoolClientRead", 0.0),
        ("UserPoolRead", pytest.approx(0.5)),
        ("UserPoolClientRead", pytest.approx(0.5)),
    ]
    assert pacer.calls == {"UserPoolRead": 2, "UserPoolClientRead": 2}


@pytest.mark.parametrize(
    ("gap", "expected_wait"),
    [
        pytest.param(0.0, 0.5, id="immediately"),
        pytest.param(0.2, 0.3, id="part-of-the-interval"),
        pytest.param(0.5, 0.0, id="exactly-the-interval"),
        pytest.param(3.0, 0.0, id="long-after"),
    ],
)
def test_returned_wait_is_what_remains_of_the_interval(gap: float, expected_wait: float) -> None:
    # Given a request at rate 2/s, then time passing by `gap`
    clock = FakeClock()
    pacer = _pacer(2.0, clock)
    assert pacer.acquire("UserPoolRead") == 0.0
    clock.now += gap
    # When the next request of the category comes
    wait = pacer.acquire("UserPoolRead")
    # Then it waits for what remains of 1/rate since the previous slot, never a negative time
    assert wait == pytest.approx(expected_wait)
    assert clock.sleeps == ([pytest.approx(expected_wait)] if expected_wait else [])


def test_idle_time_does_not_bank_a_burst() -> None:
    # Given a pacer idle for a minute after one request
    clock = FakeClock(advance_on_sleep=False)
    pacer = _pacer(2.0, clock)
    pacer.acquire("UserPoolRead")
    clock.now += 60
    # When three requests then arrive together
    waits = [pacer.acquire("UserPoolRead") for _ in range(3)]
    # Then they are still spaced: no burst of saved-up slots
    assert waits == pytest.approx([0.0, 0.5, 1.0])


def test_concurrent_callers_each_get_their_own_slot() -> None:
    clock = FakeClock(advance_on_sleep=False)
    pacer = _pacer(10.0, clock)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            wait = pacer.acquire("UserPoolRead")
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(round(wait, 6) for wait in waits) == [round(index * 0.1, 6) for index in range(20)]
    assert pacer.calls == {"UserPoolRead": 20}


@pytest.mark.parametrize("rate", [0.0, -1.0, -0.001])
def test_non_positive_rate_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(rate)


def test_nan_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(math.nan)


def test_categories_follow_the_service_quota_categories() -> None:
    # Every paced operation is in the fake's (the service's) category of that operation
    assert {operation: faults.QUOTA_CATEGORIES[operation] for operation in CATEGORIES} == CATEGORIES
    assert CATEGORIES["DescribeUserPool"] == CATEGORIES["ListUserPools"] == "UserPoolRead"
    assert CATEGORIES["DescribeUserPoolClient"] == CATEGORIES["ListUserPoolClients"] == "UserPoolClientRead"
    assert "UpdateUserPool" not in CATEGORIES


def test_every_read_of_every_kind_is_paced_in_its_category() -> None:
    # Given the read and list operations of every configuration kind drift reads
    reads = {entry.read for entry in KINDS.values()} | {
        entry.list_operation for entry in KINDS.values() if entry.list_operation
    }
    # Then each is paced in the category the service counts it in (cognito-surface.md §13), and the one
    # the quota page lists under no category is not paced
    assert {operation: CATEGORIES.get(operation) for operation in reads} == {
        operation: faults.QUOTA_CATEGORIES.get(operation) for operation in reads
    }
    unlisted = sorted(operation for operation in reads if operation not in faults.QUOTA_CATEGORIES)
    assert unlisted == ["GetLogDeliveryConfiguration"]
    for operation in ("GetUserPoolMfaConfig", "ListGroups", "GetGroup", "DescribeIdentityProvider"):
        assert CATEGORIES[operation] == "UserPoolResourceRead"


# --------------------------------------------------------------------------------------------------
# install() on a botocore client over the fake
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def cognito_factory(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    real = moto_cognito.jwk

    def import_key(data: Any) -> Any:
        text = json.dumps(data, sort_keys=True, default=str)
        if text not in _KEYS:
            _KEYS[text] = real.RSAKey.import_key(data)
        return _KEYS[text]

    monkeypatch.setattr(moto_cognito, "jwk", SimpleNamespace(RSAKey=SimpleNamespace(import_key=import_key)))
    if not _SESSIONS:
        _SESSIONS.append(boto3.session.Session())
    with mock_aws(), poolpatch_fake.installed():
        faults.reset()

        def make(config: Config | None = None) -> CognitoIdentityProviderClient:
            return _SESSIONS[0].client("cognito-idp", region_name=REGION, config=config)

        yield make
        faults.reset()


def test_install_paces_reads_by_category_and_leaves_other_operations(cognito_factory: Any) -> None:
    # Given a paced client (fake clock: no real waiting)
    cognito = cognito_factory()
    clock = FakeClock()
    pacer = _pacer(5.0, clock)
    pacer.install(cognito)
    # When it writes (not paced) and reads pools and clients
    pool = cognito.create_user_pool(PoolName="p")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
    cognito.update_user_pool(UserPoolId=pool, DeletionProtection="INACTIVE")
    assert pacer.calls == {}
    cognito.list_user_pools(MaxResults=10)
    cognito.describe_user_pool(UserPoolId=pool)
    cognito.describe_user_pool(UserPoolId=pool)
    cognito.describe_user_pool_client(UserPoolId=pool, ClientId=client)
    cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=10)
    # Then each read was paced in its category; the writes were not
    assert pacer.calls == {"UserPoolRead": 3, "UserPoolClientRead": 2}
    assert clock.sleeps == pytest.approx([0.2, 0.2, 0.2])
    assert pacer.throttled == 0
    assert faults.calls() == [
        "CreateUserPool",
        "CreateUserPoolClient",
        "UpdateUserPool",
        "ListUserPools",
        "DescribeUserPool",
        "DescribeUserPool",
        "DescribeUserPoolClient",
        "ListUserPoolClients",
    ]


def test_operations_outside_the_categories_are_not_paced(cognito_factory: Any) -> None:
    cognito = cognito_factory()
    pool = cognito.create_user_pool(PoolName="p")["UserPool"]["Id"]
    clock = FakeClock()
    pacer = _pacer(1.0, clock)
    pacer.install(cognito)
    for _ in range(3):
        cognito.get_user_pool_mfa_config(UserPoolId=pool)  # UserPoolResourceRead: paced
        cognito.admin_create_user(UserPoolId=pool, Username=f"u{len(clock.sleeps)}")  # not a category
    assert pacer.calls == {"UserPoolResourceRead": 3}
    assert clock.sleeps == pytest.approx([1.0, 1.0])


def test_throttled_attempts_are_paced_and_counted(
    cognito_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a client allowing a second attempt, without botocore's real backoff sleep
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda _self, _context: 0)
    cognito = cognito_factory(Config(retries={"mode": "standard", "total_max_attempts": 3}))
    pool = cognito.create_user_pool(PoolName="p")["UserPool"]["Id"]
    clock = FakeClock()
    pacer = _pacer(3.0, clock)
    pacer.install(cognito)
    # And the service throttling the next two DescribeUserPool attempts
    faults.inject("DescribeUserPool", "TooManyRequestsException", times=2)
    # When the pool is described
    described = cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
    # Then the third attempt answered; every attempt was paced and both throttles counted
    assert described["Id"] == pool
    assert faults.calls("DescribeUserPool") == ["DescribeUserPool"] * 3
    assert pacer.calls == {"UserPoolRead": 3}
    assert pacer.throttled == 2
    assert clock.sleeps == pytest.approx([1 / 3, 1 / 3])


def test_other_errors_are_not_counted_as_throttling(cognito_factory: Any) -> None:
    cognito = cognito_factory()
    pacer = _pacer(3.0, FakeClock())
    pacer.install(cognito)
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        cognito.describe_user_pool(UserPoolId="eu-west-1_Missing1")
    assert pacer.throttled == 0
    assert pacer.calls == {"UserPoolRead": 1}
