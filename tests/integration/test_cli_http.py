"""The installed ``poolpatch`` console script as a real process, against a FakeServer over HTTP.

One moto server with the faithful Cognito fake runs on 127.0.0.1 for the module; each test seeds its own
pool through boto3 and runs ``.venv/bin/poolpatch`` (found beside ``sys.executable``) with
``--endpoint-url`` or ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import boto3
import pytest

from poolpatch_fake import seed
from poolpatch_fake.server import FakeServer

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = [pytest.mark.integration]

REGION: Final = "eu-west-1"
POOLPATCH: Final = Path(sys.executable).parent / "poolpatch"
POST_AUTH: Final = f"arn:aws:lambda:{REGION}:123456789012:function:post-auth"
PATCH: Final[dict[str, Any]] = {
    "Policies": {"PasswordPolicy": {"MinimumLength": 14}},
    "UserPoolTags": {"owner": "platform"},
    "LambdaConfig": {"PostAuthentication": POST_AUTH},
}


@dataclass(frozen=True)
class Proc:
    """A finished ``poolpatch`` process."""

    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    """One FakeServer for the module."""
    with FakeServer() as running:
        yield running


@pytest.fixture
def cognito(server: FakeServer) -> CognitoIdentityProviderClient:
    """boto3 on the server."""
    return boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=server.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def pool(cognito: CognitoIdentityProviderClient) -> tuple[str, str]:
    """A freshly seeded realistic pool and client on the server."""
    return seed.realistic_pool(cognito)


def poolpatch(*argv: str, env: dict[str, str] | None = None) -> Proc:
    """Run the console script with the test environment (plus ``env``)."""
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    done = subprocess.run(
        [str(POOLPATCH), *argv], capture_output=True, text=True, env=environment, timeout=60, check=False
    )
    return Proc(done.returncode, done.stdout, done.stderr)


def test_console_script_is_installed() -> None:
    # Given the venv of this interpreter
    # When the script is looked for
    # Then it is there and executable
    assert POOLPATCH.is_file()
    assert os.access(POOLPATCH, os.X_OK)


def test_export_with_endpoint_url_option(server: FakeServer, pool: tuple[str, str]) -> None:
    # Given a seeded pool on the server
    pool_id, client_id = pool

    # When it and its client are exported with --endpoint-url
    exported = poolpatch("export", "--user-pool-id", pool_id, "--endpoint-url", server.endpoint_url)
    client = poolpatch(
        "export", "--user-pool-id", pool_id, "--client-id", client_id, "--endpoint-url", server.endpoint_url
    )

    # Then both are update-ready JSON, without the client secret
    assert exported.code == 0, exported.err
    assert json.loads(exported.out)["UserPoolId"] == pool_id
    assert json.loads(exported.out)["PoolName"] == "acme-customers-prod"
    assert client.code == 0, client.err
    assert json.loads(client.out)["ClientId"] == client_id
    assert "ClientSecret" not in client.out


def test_export_with_aws_endpoint_url_environment(server: FakeServer, pool: tuple[str, str]) -> None:
    # Given AWS_ENDPOINT_URL pointing at the server and no option
    pool_id, _ = pool

    # When the pool is exported
    run = poolpatch("export", "--user-pool-id", pool_id, env={"AWS_ENDPOINT_URL": server.endpoint_url})

    # Then the server answered
    assert run.code == 0, run.err
    assert json.loads(run.out)["UserPoolId"] == pool_id


def test_plan_exit_codes(server: FakeServer, pool: tuple[str, str]) -> None:
    # Given a seeded pool
    pool_id, _ = pool
    common = ["--user-pool-id", pool_id, "--endpoint-url", server.endpoint_url]

    # When a change and a no-op are planned with --detailed-exitcode
    changing = poolpatch("plan", *common, "--patch", json.dumps(PATCH), "--detailed-exitcode")
    no_op = poolpatch("plan", *common, "--patch", '{"MfaConfiguration": "OPTIONAL"}', "--detailed-exitcode")

    # Then 2 with a readable diff, 0 for the no-op
    assert changing.code == 2, changing.err
    assert "~ /Policies/PasswordPolicy/MinimumLength" in changing.out
    assert "+ /LambdaConfig/PostAuthentication" in changing.out
    assert "status: planned" in changing.out
    assert no_op.code == 0
    assert "status: unchanged" in no_op.out


def test_apply_pool_and_client(
    server: FakeServer, pool: tuple[str, str], cognito: CognitoIdentityProviderClient, tmp_path: Path
) -> None:
    # Given a seeded pool and client
    pool_id, client_id = pool
    before = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    client_before = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)[
        "UserPoolClient"
    ]
    common = ["--endpoint-url", server.endpoint_url, "--snapshot-dir", str(tmp_path)]
    client_patch = {"LogoutURLs": [*client_before["LogoutURLs"], "https://app.acme.example.com/bye"]}

    # When the pool patch and a client patch are applied through the console script
    applied = poolpatch("apply", "--user-pool-id", pool_id, "--patch", json.dumps(PATCH), *common)
    client = poolpatch(
        "apply", "--output", "json", "--user-pool-id", pool_id, "--client-id", client_id,
        "--patch", json.dumps(client_patch), *common,
    )  # fmt: skip

    # Then both exit 0, four snapshots exist, and everything not named survived
    assert applied.code == 0, applied.err
    assert "status: applied" in applied.out
    assert "verification: the live configuration equals the plan" in applied.out
    assert client.code == 0, client.err
    assert json.loads(client.out)["status"] == "applied"
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.json"))
    assert len(files) == 4
    assert all(re.match(rf"snapshots/123456789012/{REGION}/{re.escape(pool_id)}/", name) for name in files)
    after = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert after["LambdaConfig"] == {**before["LambdaConfig"], "PostAuthentication": POST_AUTH}
    assert after["EmailConfiguration"] == before["EmailConfiguration"]
    assert after["MfaConfiguration"] == "OPTIONAL"
    client_after = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert client_after["LogoutURLs"] == client_patch["LogoutURLs"]
    for member in ("AllowedOAuthFlows", "AllowedOAuthScopes", "CallbackURLs", "TokenValidityUnits"):
        assert client_after[member] == client_before[member], member
    secret = client_after["ClientSecret"]
    assert all(secret not in (tmp_path / name).read_text() for name in files)


def test_apply_rejected_exits_1(server: FakeServer, pool: tuple[str, str], tmp_path: Path) -> None:
    # Given an immutable member in the patch
    pool_id, _ = pool

    # When it is applied
    run = poolpatch(
        "apply", "--user-pool-id", pool_id, "--patch", '{"UsernameAttributes": ["phone_number"]}',
        "--endpoint-url", server.endpoint_url, "--snapshot-dir", str(tmp_path), "--output", "json",
    )  # fmt: skip

    # Then exit 1, a rejected result with the code, no snapshot
    assert run.code == 1
    result: dict[str, Any] = json.loads(run.out)
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "ImmutableSetting"
    assert not any(tmp_path.rglob("*.json"))


def test_resource_server_scope_added_through_kind_and_name(
    server: FakeServer, cognito: CognitoIdentityProviderClient, tmp_path: Path
) -> None:
    # Given a full pool's resource server, exported by the console script (Scopes is a list: a patch
    # replaces it whole, so the new scope is added to the exported ones)
    full = seed.full_pool(cognito, oidc_client_secret="oidc-secret-of-test-cli-http-4d1e")
    target = [
        "--user-pool-id", full.user_pool_id, "--kind", "resourceServer", "--name", full.resource_server,
        "--endpoint-url", server.endpoint_url,
    ]  # fmt: skip
    before = cognito.describe_resource_server(UserPoolId=full.user_pool_id, Identifier=full.resource_server)[
        "ResourceServer"
    ]
    exported = poolpatch("export", *target)
    assert exported.code == 0, exported.err
    new_scope = {"ScopeName": "refunds.write", "ScopeDescription": "Allows refunds.write"}
    patch = {"Scopes": [*json.loads(exported.out)["Scopes"], new_scope]}

    # When the patch is applied
    run = poolpatch(
        "apply", *target, "--patch", json.dumps(patch), "--snapshot-dir", str(tmp_path), "--output", "json"
    )

    # Then the raw DescribeResourceServer has the three scopes and the new one, the name kept; the
    # snapshots are under the percent-encoded Identifier
    assert run.code == 0, run.err
    result: dict[str, Any] = json.loads(run.out)
    assert result["status"] == "applied"
    assert result["target"]["kind"] == "resourceServer"
    assert result["target"]["name"] == full.resource_server
    assert result["verification"] == {"differences": []}
    after = cognito.describe_resource_server(UserPoolId=full.user_pool_id, Identifier=full.resource_server)[
        "ResourceServer"
    ]
    assert after["Scopes"] == [*before["Scopes"], new_scope]
    assert [scope["ScopeName"] for scope in before["Scopes"]] == list(full.scopes)
    assert after["Name"] == before["Name"]
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.json"))
    segment = "resource-server-https%3A%2F%2Fapi.partners.acme.example.com"
    assert len(files) == 2
    assert all(f"/{full.user_pool_id}/{segment}/" in name for name in files)


def test_usage_error_exits_1() -> None:
    # Given a command line without a change source
    # When the script runs
    run = poolpatch("apply", "--user-pool-id", "eu-west-1_x")

    # Then exit 1 (not argparse's 2, which means "changes planned")
    assert run.code == 1
    assert "usage: poolpatch" in run.err


def test_make_run_demo_passes(tmp_path: Path) -> None:
    # Given the walkthrough `make run` executes
    # When it runs as its own process (its own FakeServer on a free port)
    done = subprocess.run(
        [sys.executable, "-m", "poolpatch_fake.demo", "--no-color", "--snapshot-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    # Then every check passes, it says so, and the CLI's snapshots are where it was told to keep them:
    # before and after of the pool, the client, and (part 4) the mfa, resource server and identity provider
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"all \d+ checks PASS", done.stdout)
    assert "[FAIL]" not in done.stdout
    assert "\x1b[" not in done.stdout
    snapshots = list((tmp_path / "snapshots").rglob("*.json"))
    segments = sorted(path.parent.parent.name.split("-", 2)[0] for path in snapshots)
    assert segments == sorted(["pool", "client", "mfa", "resource", "idp"] * 2)
    # and (part 5) the clone's progress record, beside them
    assert [path.parent.name for path in (tmp_path / "clones").glob("*.json")] == ["clones"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clones", "snapshots"]
