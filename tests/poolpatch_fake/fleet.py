"""A fleet of user pools across accounts on a fake server, for fleet-scan benchmarks and tests.

Each target account gets poolpatch's two target roles (``poolpatch-target`` and ``poolpatch-target-read``,
templates/target-account-role.yaml) created in moto IAM, so their names exist, and is reached like the hub
reaches it: with STS assumed-role credentials, which moto maps to the role's account (the fake's quotas and
stats key on that account). ``seed_fleet`` creates the pools and app clients in parallel threads; run it with
the server's quotas off (``faults.clear_read_quotas()`` or ``server.configure(url, read_quotas=False)``),
or thousands of creates queue behind the 15-RPS write quotas.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

__all__ = ["HUB_ACCOUNT_ID", "READ_ROLE_NAME", "TARGET_ROLE_NAME", "account_credentials", "seed_fleet"]

#: moto's default account, whose static test credentials assume the target roles.
HUB_ACCOUNT_ID = "123456789012"
TARGET_ROLE_NAME = "poolpatch-target"
READ_ROLE_NAME = "poolpatch-target-read"

#: moto's static test credentials (any key not issued by moto IAM or STS is in the default account).
HUB_ACCESS_KEY_ID = "testing"
HUB_SECRET_ACCESS_KEY = "testing"


def account_credentials(
    endpoint_url: str,
    account_id: str,
    region: str,
    *,
    role_name: str = TARGET_ROLE_NAME,
    session_name: str = "poolpatch-fleet",
) -> boto3.Session:
    """A boto3 Session in ``account_id`` (``region``): assume ``role_name`` there through the fake's STS.

    The session's clients still need ``endpoint_url=`` to reach the fake server.
    """
    sts = boto3.client(
        "sts",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=HUB_ACCESS_KEY_ID,
        aws_secret_access_key=HUB_SECRET_ACCESS_KEY,
    )
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}", RoleSessionName=session_name
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def _create_target_roles(endpoint_url: str, session: boto3.Session) -> None:
    """Create the two target roles in the session's account (moto IAM; already there is fine)."""
    iam = session.client("iam", endpoint_url=endpoint_url)
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{HUB_ACCOUNT_ID}:root"},
                    "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
                }
            ],
        }
    )
    for role_name in (TARGET_ROLE_NAME, READ_ROLE_NAME):
        try:
            iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)
        except ClientError as error:
            if error.response["Error"]["Code"] != "EntityAlreadyExists":
                raise


def _create_pool(
    cognito: CognitoIdentityProviderClient,
    name: str,
    clients_per_pool: int,
    tags: Mapping[str, str],
) -> dict[str, Any]:
    pool = cognito.create_user_pool(
        PoolName=name,
        Policies={"PasswordPolicy": {"MinimumLength": 8}},
        UserPoolTags=dict(tags),
    )["UserPool"]
    pool_id = pool["Id"]
    client_ids = [
        cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=f"{name}-client-{index}")[
            "UserPoolClient"
        ]["ClientId"]
        for index in range(clients_per_pool)
    ]
    return {"user_pool_id": pool_id, "name": name, "client_ids": client_ids}


def seed_fleet(
    endpoint_url: str,
    *,
    accounts: list[str],
    region: str,
    pools_per_account: int,
    clients_per_pool: int,
    tags: dict[str, str] | None = None,
    workers: int = 8,
) -> dict[str, list[dict[str, Any]]]:
    """Create ``pools_per_account`` user pools with ``clients_per_pool`` app clients each in every account.

    Pools are named ``fleet-<account>-<NNNN>`` with a minimum password length of 8 and ``tags``; clients
    ``<pool>-client-<n>``. Returns, per account, its pools in name order as ``{"user_pool_id", "name",
    "client_ids"}``. Creates run in ``workers`` threads, through each account's ``poolpatch-target`` role.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    config = Config(
        max_pool_connections=max(workers, 10),
        retries={"mode": "standard", "total_max_attempts": 10},
    )
    cognitos: dict[str, CognitoIdentityProviderClient] = {}
    for account_id in accounts:
        session = account_credentials(endpoint_url, account_id, region)
        _create_target_roles(endpoint_url, session)
        cognitos[account_id] = session.client("cognito-idp", endpoint_url=endpoint_url, config=config)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seed-fleet") as executor:
        futures = {
            account_id: [
                executor.submit(
                    _create_pool,
                    cognitos[account_id],
                    f"fleet-{account_id}-{index:04d}",
                    clients_per_pool,
                    tags or {},
                )
                for index in range(pools_per_account)
            ]
            for account_id in accounts
        }
        return {
            account_id: [future.result() for future in pending] for account_id, pending in futures.items()
        }
