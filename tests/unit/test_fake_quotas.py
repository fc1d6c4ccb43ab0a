"""The Cognito fake under a fleet scan: request-rate quotas, latency, the per-account call log and the fleet.

Quotas are per account per Region per category (cognito-api.md §7.1, cognito-surface.md §13) and answer
HTTP 400 ``TooManyRequestsException`` before touching state; the account is the one moto resolves from the
caller's credentials, so an STS assumed-role session counts against the role's account. Rates are injected
small, and the buckets read a clock the test moves (``clock``), so that no test waits and none depends on how
fast the machine serves a burst.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers.process import first_line
from poolpatch_fake import faults, fleet
from poolpatch_fake.server import CONTROL_PREFIX, FakeServer, configure, fetch_stats, reset_stats

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = [pytest.mark.integration]

REGION = "eu-west-1"
OTHER_REGION = "us-east-1"
ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_faults() -> Iterator[None]:
    faults.reset()
    yield
    faults.reset()


class ManualClock:
    """A monotonic clock that stands still until the test advances it (binary fractions keep sums exact)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    """The quota buckets' clock, stopped for the test (``_clean_faults`` puts ``time.monotonic`` back)."""
    stopped = ManualClock()
    faults.set_clock(stopped)
    return stopped


_clients: dict[tuple[str, str, str], CognitoIdentityProviderClient] = {}


def _cognito(server: FakeServer, account_id: str, region: str = REGION) -> CognitoIdentityProviderClient:
    """A client without retries in ``account_id``, through the read role as a drift scan would (cached: boto3
    clients are slow to make)."""
    key = (server.endpoint_url, account_id, region)
    if key not in _clients:
        session = fleet.account_credentials(
            server.endpoint_url, account_id, region, role_name=fleet.READ_ROLE_NAME
        )
        _clients[key] = session.client("cognito-idp", endpoint_url=server.endpoint_url, config=NO_RETRIES)
    return _clients[key]


def _pool(cognito: CognitoIdentityProviderClient) -> tuple[str, str]:
    pool_id = cognito.create_user_pool(PoolName="quota-test")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="quota-test")[
        "UserPoolClient"
    ]["ClientId"]
    return pool_id, client_id


def _outcomes(call: Any, times: int) -> list[str]:
    """Call ``call`` ``times`` times in a row: "ok" or the error code of each call."""
    outcomes = []
    for _ in range(times):
        try:
            call()
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
    return outcomes


# ----------------------------------------------------------------------------- quotas


def test_quota_throttles_per_account_region_and_category(server: FakeServer, clock: ManualClock) -> None:
    # Given a pool with a client in account A and in account B, and UserPoolRead at 5 RPS
    cognito_a, cognito_b = _cognito(server, ACCOUNT_A), _cognito(server, ACCOUNT_B)
    pool_a, client_a = _pool(cognito_a)
    pool_b, _ = _pool(cognito_b)
    cognito_a_elsewhere = _cognito(server, ACCOUNT_A, OTHER_REGION)
    pool_a_elsewhere, _ = _pool(cognito_a_elsewhere)
    faults.set_read_quotas({"UserPoolRead": 5})

    # When account A describes its pool 16 times in a row without retries
    outcomes = _outcomes(lambda: cognito_a.describe_user_pool(UserPoolId=pool_a), 16)

    # Then the first second's worth is served and the rest is throttled like the service
    assert outcomes == ["ok"] * 5 + ["TooManyRequestsException"] * 11
    with pytest.raises(ClientError) as excinfo:
        cognito_a.describe_user_pool(UserPoolId=pool_a)
    error: Any = excinfo.value.response
    assert (error["Error"]["Code"], error["Error"]["Message"]) == (
        "TooManyRequestsException",
        "Too many requests",
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400

    # And another account, another Region of the same account and another category are not throttled
    assert cognito_b.describe_user_pool(UserPoolId=pool_b)["UserPool"]["Id"] == pool_b
    assert (
        cognito_a_elsewhere.describe_user_pool(UserPoolId=pool_a_elsewhere)["UserPool"]["Id"]
        == pool_a_elsewhere
    )
    client = cognito_a.describe_user_pool_client(UserPoolId=pool_a, ClientId=client_a)["UserPoolClient"]
    assert client["ClientId"] == client_a


def test_throttled_write_touches_no_state(server: FakeServer, clock: ManualClock) -> None:
    # Given a pool and UserPoolUpdate at 1 RPS, its one token spent on a rename
    cognito = _cognito(server, ACCOUNT_A)
    pool_id, _ = _pool(cognito)
    faults.set_read_quotas({"UserPoolUpdate": 1})
    cognito.update_user_pool(UserPoolId=pool_id, PoolName="renamed-once")

    # When a second update follows at once
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool(UserPoolId=pool_id, PoolName="renamed-twice")

    # Then it is throttled and the pool keeps the first update
    assert excinfo.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == "renamed-once"


def test_default_rates_allow_one_second_burst_then_refill(clock: ManualClock) -> None:
    # Given the default quotas (UserPoolResourceRead: 20 RPS, a one-second bucket)
    faults.set_read_quotas()

    def admitted() -> bool:
        return faults.before_call("ListGroups", ACCOUNT_A, REGION, "eu-west-1_pool") is None

    # When 21 requests arrive at once, then one after 1/32 s (5/8 of a token) and one after another 1/32 s
    burst = [admitted() for _ in range(21)]
    clock.advance(1 / 32)
    too_soon = admitted()
    clock.advance(1 / 32)
    later = admitted()

    # Then 20 are served, the 21st is throttled, and the bucket refills at the rate, a whole token at a time
    assert burst == [True] * 20 + [False]
    assert (too_soon, later) == (False, True)
    assert faults.quota_stats()[ACCOUNT_A]["UserPoolResourceRead"] == {"accepted": 21, "throttled": 2}


def test_per_pool_cap_is_per_pool_and_operation(clock: ManualClock) -> None:
    # Given the service's 5-RPS cap per pool and operation turned on, at 2 for the test
    faults.set_read_quotas(per_pool_rate=2)

    def admitted(operation: str, pool_id: str) -> bool:
        return faults.before_call(operation, ACCOUNT_A, REGION, pool_id) is None

    # When one pool's clients are described three times at once
    first_pool = [admitted("DescribeUserPoolClient", "eu-west-1_one") for _ in range(3)]

    # Then the third is throttled, while another operation or another pool still passes
    assert first_pool == [True, True, False]
    assert admitted("ListUserPoolClients", "eu-west-1_one")
    assert admitted("DescribeUserPoolClient", "eu-west-1_two")
    # And pool-level throttles did not use the account's tokens (15 RPS: 3 + 1 + 1 taken, 2 pool-refused)
    assert faults.quota_stats()[ACCOUNT_A]["UserPoolClientRead"] == {"accepted": 4, "throttled": 1}


def test_operations_in_no_category_are_never_throttled() -> None:
    # Given every category at a tiny rate
    faults.set_read_quotas(dict.fromkeys(faults.DEFAULT_RATES, 0.5))

    # When an operation in no category is called repeatedly
    outcomes = [faults.before_call("GetLogDeliveryConfiguration", ACCOUNT_A, REGION) for _ in range(5)]

    # Then none is throttled, and the stats count them under "(none)"
    assert outcomes == [None] * 5
    assert faults.quota_stats()[ACCOUNT_A][faults.UNCATEGORIZED] == {"accepted": 5, "throttled": 0}


def test_quota_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="unknown quota category"):
        faults.set_read_quotas({"UserRead": 10})
    with pytest.raises(ValueError, match="positive"):
        faults.set_read_quotas({"UserPoolRead": 0})
    with pytest.raises(ValueError, match="positive"):
        faults.set_read_quotas(per_pool_rate=-1)
    with pytest.raises(ValueError, match="negative"):
        faults.set_latency(-1)
    assert faults.read_quotas() is None


def test_reset_clears_quotas_latency_and_stats(server: FakeServer, clock: ManualClock) -> None:
    # Given an account throttled on UserPoolRead, with latency on
    cognito = _cognito(server, ACCOUNT_A)
    pool_id, _ = _pool(cognito)
    faults.set_read_quotas({"UserPoolRead": 1})
    faults.set_latency(5)
    assert _outcomes(lambda: cognito.describe_user_pool(UserPoolId=pool_id), 2) == [
        "ok",
        "TooManyRequestsException",
    ]

    # When the faults are reset
    faults.reset()

    # Then nothing is throttled or delayed and the stats start again
    assert faults.read_quotas() is None
    assert faults.latency_ms() == 0
    assert faults.quota_stats() == {}
    assert _outcomes(lambda: cognito.describe_user_pool(UserPoolId=pool_id), 3) == ["ok"] * 3
    # And the buckets read the real clock again: at one request per 1024 s, moving the test's clock by
    # 2**20 s (a thousand tokens' worth) refills nothing
    faults.set_read_quotas({"UserPoolRead": 1 / 1024})
    first = faults.before_call("DescribeUserPool", ACCOUNT_A, REGION, pool_id)
    clock.advance(2**20)
    second = faults.before_call("DescribeUserPool", ACCOUNT_A, REGION, pool_id)
    assert first is None
    assert second is not None
    assert (second[0], json.loads(second[2])["__type"]) == (400, "TooManyRequestsException")


# ----------------------------------------------------------------------------- latency and stats


def test_latency_delays_every_request(server: FakeServer) -> None:
    # Given a pool and 150 ms of latency
    cognito = _cognito(server, ACCOUNT_A)
    pool_id, _ = _pool(cognito)
    faults.set_latency(150)

    # When the pool is described twice
    started = time.perf_counter()
    cognito.describe_user_pool(UserPoolId=pool_id)
    cognito.describe_user_pool(UserPoolId=pool_id)
    elapsed = time.perf_counter() - started

    # Then each call took at least the latency
    assert elapsed >= 2 * 0.150


def test_stats_count_accepted_and_throttled_per_account(server: FakeServer, clock: ManualClock) -> None:
    # Given pools in two accounts, stats zeroed, and UserPoolRead at 2 RPS
    cognito_a, cognito_b = _cognito(server, ACCOUNT_A), _cognito(server, ACCOUNT_B)
    pool_a, client_a = _pool(cognito_a)
    pool_b, _ = _pool(cognito_b)
    faults.reset_quota_stats()
    faults.set_read_quotas({"UserPoolRead": 2})

    # When account A describes its pool 6 times and its client once, and account B its pool once
    outcomes = _outcomes(lambda: cognito_a.describe_user_pool(UserPoolId=pool_a), 6)
    cognito_a.describe_user_pool_client(UserPoolId=pool_a, ClientId=client_a)
    cognito_b.describe_user_pool(UserPoolId=pool_b)

    # Then the stats, in-process and over HTTP, match what the callers saw
    assert outcomes == ["ok"] * 2 + ["TooManyRequestsException"] * 4
    expected = {
        ACCOUNT_A: {
            "UserPoolRead": {"accepted": 2, "throttled": 4},
            "UserPoolClientRead": {"accepted": 1, "throttled": 0},
        },
        ACCOUNT_B: {"UserPoolRead": {"accepted": 1, "throttled": 0}},
    }
    assert faults.quota_stats() == expected
    assert fetch_stats(server.endpoint_url) == expected
    # And DELETE zeroes them, answering what they held
    assert reset_stats(server.endpoint_url) == expected
    assert fetch_stats(server.endpoint_url) == {}


# ----------------------------------------------------------------------------- control API and command line


def test_configure_over_http(server: FakeServer) -> None:
    # When quotas and latency are set over HTTP
    config = configure(server.endpoint_url, read_quotas={"rates": {"UserPoolRead": 4}, "per_pool_rate": 5})

    # Then they are in force in the server's process; omitted settings stay as they were
    assert config["read_quotas"]["rates"]["UserPoolRead"] == 4
    assert config["read_quotas"]["per_pool_rate"] == 5
    assert faults.read_quotas() == config["read_quotas"]
    assert configure(server.endpoint_url, latency_ms=3) == {
        "read_quotas": config["read_quotas"],
        "latency_ms": 3,
    }
    assert configure(server.endpoint_url, read_quotas=True)["read_quotas"]["rates"] == faults.DEFAULT_RATES
    assert configure(server.endpoint_url, read_quotas=False, latency_ms=0) == {
        "read_quotas": None,
        "latency_ms": 0,
    }


@pytest.mark.parametrize(
    "document",
    [
        {"latency_ms": -1},
        {"latency_ms": "5"},
        {"read_quotas": {"rates": {"Nope": 1}}},
        {"read_quotas": 3},
        [1],
    ],
)
def test_bad_configuration_is_refused_and_changes_nothing(server: FakeServer, document: Any) -> None:
    # When a bad configuration is posted
    request = urllib.request.Request(
        f"{server.endpoint_url}{CONTROL_PREFIX}/config", data=json.dumps(document).encode(), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)

    # Then it is a 400 with a message, and quotas and latency are untouched
    assert excinfo.value.code == 400
    assert json.loads(excinfo.value.read())["message"]
    assert faults.read_quotas() is None
    assert faults.latency_ms() == 0


def test_unknown_control_route_is_404_and_moto_still_serves(server: FakeServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(f"{server.endpoint_url}{CONTROL_PREFIX}/nope", timeout=10)
    assert excinfo.value.code == 404
    assert (
        _cognito(server, ACCOUNT_A).list_user_pools(MaxResults=1)["ResponseMetadata"]["HTTPStatusCode"] == 200
    )


def test_server_module_flags_turn_on_quotas_and_latency() -> None:
    # Given a server process started with quotas, a rate override and latency
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "poolpatch_fake.server",
            "--read-quotas",
            "--rate",
            "UserPoolRead=2",
            "--latency-ms",
            "7",
            "--max-seconds",
            "600",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint_url = first_line(process)

        # When its configuration is read over HTTP
        with urllib.request.urlopen(f"{endpoint_url}{CONTROL_PREFIX}/config", timeout=10) as response:
            config = json.loads(response.read())

        # Then the flags are in force, other categories at their defaults
        assert config["latency_ms"] == 7
        assert config["read_quotas"]["rates"] == {**faults.DEFAULT_RATES, "UserPoolRead": 2}
        assert fetch_stats(endpoint_url) == {}
    finally:
        process.terminate()
        assert process.wait(timeout=60) == 0


# ----------------------------------------------------------------------------- fleet


def test_seed_fleet_builds_pools_and_clients_in_each_account(server: FakeServer) -> None:
    # When a fleet of 3 pools with 2 clients each is seeded in two accounts
    tags = {"team": "identity", "env": "bench"}
    fleet_pools = fleet.seed_fleet(
        server.endpoint_url,
        accounts=[ACCOUNT_A, ACCOUNT_B],
        region=REGION,
        pools_per_account=3,
        clients_per_pool=2,
        tags=tags,
        workers=4,
    )

    # Then each account holds exactly what was returned for it, readable through its own read role
    assert sorted(fleet_pools) == [ACCOUNT_A, ACCOUNT_B]
    for account_id, pools in fleet_pools.items():
        assert [pool["name"] for pool in pools] == [f"fleet-{account_id}-{index:04d}" for index in range(3)]
        cognito = _cognito(server, account_id)
        for pool in pools:
            described = cognito.describe_user_pool(UserPoolId=pool["user_pool_id"])["UserPool"]
            assert described["UserPoolTags"] == tags
            assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
            listed = cognito.list_user_pool_clients(UserPoolId=pool["user_pool_id"])["UserPoolClients"]
            assert sorted(client["ClientId"] for client in listed) == sorted(pool["client_ids"])
            assert len(pool["client_ids"]) == 2
        own = {pool["Id"] for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]}
        assert {pool["user_pool_id"] for pool in pools} <= own
        other = ACCOUNT_B if account_id == ACCOUNT_A else ACCOUNT_A
        assert not own & {pool["user_pool_id"] for pool in fleet_pools[other]}

    # And both target roles exist in both accounts, and the creates were counted against each account
    stats = faults.quota_stats()
    for account_id in (ACCOUNT_A, ACCOUNT_B):
        iam = fleet.account_credentials(server.endpoint_url, account_id, REGION).client(
            "iam", endpoint_url=server.endpoint_url
        )
        for role_name in (fleet.TARGET_ROLE_NAME, fleet.READ_ROLE_NAME):
            assert (
                iam.get_role(RoleName=role_name)["Role"]["Arn"]
                == f"arn:aws:iam::{account_id}:role/{role_name}"
            )
        assert stats[account_id]["UserPoolUpdate"]["accepted"] >= 3
        assert stats[account_id]["UserPoolClientUpdate"]["accepted"] >= 6


def test_account_credentials_map_to_the_role_account(server: FakeServer) -> None:
    # When a session is made for account B
    session = fleet.account_credentials(server.endpoint_url, ACCOUNT_B, REGION)

    # Then STS and the fake both see account B
    sts = session.client("sts", endpoint_url=server.endpoint_url)
    assert sts.get_caller_identity()["Account"] == ACCOUNT_B
    session.client("cognito-idp", endpoint_url=server.endpoint_url).list_user_pools(MaxResults=1)
    assert ACCOUNT_B in faults.quota_stats()
    # And plain test credentials stay in moto's default account
    hub = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=server.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    hub.list_user_pools(MaxResults=1)
    assert fleet.HUB_ACCOUNT_ID in faults.quota_stats()
