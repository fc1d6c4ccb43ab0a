"""The Cognito fake over HTTP: a FakeServer on 127.0.0.1 and boto3 with ``endpoint_url``.

Errors must arrive as AWS JSON-1.1 errors (``__type``, ``message``, HTTP 400) so boto3 raises
``ClientError`` with the service's code (cognito-api.md §7.3); faults injected in this process apply to the
server thread.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers.process import first_line
from poolpatch_fake import faults, seed
from poolpatch_fake.server import FakeServer

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = [pytest.mark.integration]

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


@pytest.fixture
def cognito(server: FakeServer) -> Iterator[CognitoIdentityProviderClient]:
    faults.reset()
    yield boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=server.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    faults.reset()


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response: Any = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_server_binds_loopback(server: FakeServer) -> None:
    # Given / When a started server
    # Then its endpoint is on 127.0.0.1 with a real port
    assert server.endpoint_url.startswith("http://127.0.0.1:")
    assert int(server.endpoint_url.rsplit(":", 1)[1]) > 0


def test_client_update_replaces_over_http(cognito: CognitoIdentityProviderClient) -> None:
    # Given the realistic pool and OAuth client
    pool_id, client_id = seed.realistic_pool(cognito)

    # When an update sends only the client name
    cognito.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, ClientName="acme-web")

    # Then omitted settings are at their defaults (cognito-api.md §4.2)
    client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert client["PreventUserExistenceErrors"] == "LEGACY"
    assert "CallbackURLs" not in client


def test_pool_update_resets_triggers_and_moves_last_modified(cognito: CognitoIdentityProviderClient) -> None:
    # Given the realistic pool
    pool_id, _ = seed.realistic_pool(cognito)
    before = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]

    # When an update omits LambdaConfig
    cognito.update_user_pool(UserPoolId=pool_id, MfaConfiguration="OPTIONAL", DeletionProtection="ACTIVE")

    # Then every trigger is unassigned, create-only settings stay and LastModifiedDate moved (§4.1, §8)
    after = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert after["LambdaConfig"] == {}
    assert after["UsernameAttributes"] == ["email"]
    assert after["LastModifiedDate"] > before["LastModifiedDate"]


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        pytest.param({"MfaConfiguration": "ON"}, "InvalidParameterException", id="mfa-off-to-on"),
        pytest.param(
            {"UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"}},
            "FeatureUnavailableInTierException",
            id="tier",
        ),
        pytest.param({"UserPoolTags": {"aws:owner": "x"}}, "UserPoolTaggingException", id="aws-tag"),
    ],
)
def test_service_errors_arrive_as_json_errors(
    cognito: CognitoIdentityProviderClient, settings: dict[str, Any], code: str
) -> None:
    # Given a pool with MFA OFF on the ESSENTIALS tier
    pool_id = cognito.create_user_pool(PoolName="acme-http")["UserPool"]["Id"]

    # When an update breaks a service rule (cognito-api.md §3 rows 7, 8, 14)
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool(UserPoolId=pool_id, **settings)

    # Then boto3 raises ClientError with the service's code and HTTP 400
    assert _code(excinfo)[0] == code
    assert _code(excinfo)[2] == 400


def test_injected_fault_over_http(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool and an injected throttling fault
    pool_id = cognito.create_user_pool(PoolName="acme-http")["UserPool"]["Id"]
    faults.inject("DescribeUserPool", "TooManyRequestsException", message="Rate exceeded")

    # When the pool is described twice
    with pytest.raises(ClientError) as excinfo:
        cognito.describe_user_pool(UserPoolId=pool_id)
    second = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]

    # Then the first call failed with that code and message, the second worked, both were logged
    assert _code(excinfo) == ("TooManyRequestsException", "Rate exceeded", 400)
    assert second["Id"] == pool_id
    assert faults.calls("DescribeUserPool") == ["DescribeUserPool", "DescribeUserPool"]


def test_injected_server_error_status_over_http(cognito: CognitoIdentityProviderClient) -> None:
    # Given an InternalErrorException fault with HTTP 500
    pool_id = cognito.create_user_pool(PoolName="acme-http")["UserPool"]["Id"]
    faults.inject("UpdateUserPool", "InternalErrorException", status=500)

    # When the pool is updated
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool(UserPoolId=pool_id, PoolName="renamed")

    # Then the status is 500 and the update did not happen
    assert _code(excinfo)[0::2] == ("InternalErrorException", 500)
    assert cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == "acme-http"


def test_raw_member_over_http(cognito: CognitoIdentityProviderClient) -> None:
    # Given a raw member armed for DescribeUserPoolClient
    pool_id, client_id = seed.realistic_pool(cognito)
    faults.add_raw_member("DescribeUserPoolClient", "/UserPoolClient/FutureSetting", {"Enabled": True})
    raw: list[bytes] = []
    cognito.meta.events.register(
        "after-call.cognito-idp.DescribeUserPoolClient",
        lambda http_response, **_: raw.append(http_response.content),
    )

    # When the client is described
    parsed = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]

    # Then the wire carries the member and botocore dropped it
    assert b'"FutureSetting"' in raw[0]
    assert "FutureSetting" not in parsed


def test_server_module_prints_endpoint_and_stops_by_itself() -> None:
    # Given the server run as a process with a short lifetime
    process = subprocess.Popen(
        [sys.executable, "-m", "poolpatch_fake.server", "--port", "0", "--max-seconds", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )

    # When its first line is read and it is left alone
    endpoint_url = first_line(process)
    return_code = process.wait(timeout=60)

    # Then it printed a loopback endpoint and exited cleanly on its own
    assert endpoint_url.startswith("http://127.0.0.1:")
    assert return_code == 0
