"""The promise, end to end on the realistic seeded pool: the engine over boto3, moto and the faithful fake.

The fake replaces whole configurations on update like the service (omitted members reset), returns the
legacy members the service returns and refuses what the service refuses, so these tests fail if the engine
ever leaves a setting out of a write, sends back a legacy member, or leaks the client secret.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from poolpatch.adapters.cognito import Boto3Cognito
from poolpatch.adapters.snapshots import LocalSnapshotStore
from poolpatch.engine import Engine, fixed
from poolpatch.request import parse_request
from poolpatch.result import Result
from poolpatch_fake import faults, seed

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "eu-west-1"
ACCOUNT = seed.ACCOUNT_ID
LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:acme-auth-"
KEPT_POOL_MEMBERS = (
    "LambdaConfig",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "MfaConfiguration",
    "AutoVerifiedAttributes",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "DeviceConfiguration",
    "AdminCreateUserConfig",
    "AccountRecoverySetting",
    "UserAttributeUpdateSettings",
    "UsernameAttributes",
    "UsernameConfiguration",
    "UserPoolTier",
    "SchemaAttributes",
)
KEPT_CLIENT_MEMBERS = (
    "ClientName",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AccessTokenValidity",
    "IdTokenValidity",
    "RefreshTokenValidity",
    "TokenValidityUnits",
    "ExplicitAuthFlows",
    "ReadAttributes",
    "WriteAttributes",
    "SupportedIdentityProviders",
    "LogoutURLs",
    "DefaultRedirectURI",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "AuthSessionValidity",
    "ClientSecret",
)


@dataclass
class Seeded:
    """The realistic pool and client, an engine over them with local snapshots."""

    cognito: CognitoIdentityProviderClient
    engine: Engine
    pool_id: str
    client_id: str
    snapshots: Path

    def run(self, patch: dict[str, Any] | None = None, *, client: bool = False, **members: Any) -> Result:
        """Run one request through the engine."""
        target = {"userPoolId": self.pool_id, **({"clientId": self.client_id} if client else {})}
        document: dict[str, Any] = {"version": "1", "requestId": "req-1", "target": target, **members}
        if patch is not None:
            document["patch"] = patch
        return self.engine.run(parse_request(document))

    def pool(self) -> dict[str, Any]:
        """The parsed DescribeUserPool object."""
        return dict(self.cognito.describe_user_pool(UserPoolId=self.pool_id)["UserPool"])

    def client(self) -> dict[str, Any]:
        """The parsed DescribeUserPoolClient object."""
        response = self.cognito.describe_user_pool_client(UserPoolId=self.pool_id, ClientId=self.client_id)
        return dict(response["UserPoolClient"])

    def snapshot_files(self) -> list[Path]:
        """Every file the snapshot store holds."""
        return sorted(path for path in self.snapshots.rglob("*") if path.is_file())


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    with mock_aws(), poolpatch_fake.installed():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool_id, client_id = seed.realistic_pool(cognito)
        port = Boto3Cognito(cognito, sleep=lambda _seconds: None)
        engine = Engine(fixed(port), LocalSnapshotStore(tmp_path), account_id=ACCOUNT, region=REGION)
        faults.reset()
        yield Seeded(cognito, engine, pool_id, client_id, tmp_path)
        faults.reset()


def _subset(document: dict[str, Any], members: tuple[str, ...]) -> dict[str, Any]:
    return {name: document.get(name) for name in members}


def test_password_policy_patch_keeps_every_other_pool_setting(seeded: Seeded) -> None:
    # Given the realistic pool: triggers incl. PreTokenGenerationConfig V2_0, SES, tags, MFA, verification
    before = seeded.pool()
    assert before["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    # When only the minimum password length changes
    result = seeded.run({"Policies": {"PasswordPolicy": {"MinimumLength": 14}}})
    # Then that is the only change, verified, and every other setting is exactly as before
    assert result.status == "applied", result.to_dict()
    assert result.to_dict()["changes"] == [
        {"path": "/Policies/PasswordPolicy/MinimumLength", "before": 12, "after": 14}
    ]
    assert result.differences == []
    after = seeded.pool()
    assert after["Policies"]["PasswordPolicy"] == {
        **before["Policies"]["PasswordPolicy"],
        "MinimumLength": 14,
    }
    assert _subset(after, KEPT_POOL_MEMBERS) == _subset(before, KEPT_POOL_MEMBERS)
    assert after["MfaConfiguration"] == "OPTIONAL"
    assert after["UserPoolTags"]["aws:cloudformation:stack-name"] == "acme-identity-prod"
    assert after["Name"] == "acme-customers-prod"
    assert after["DeletionProtection"] == "ACTIVE"


def test_callback_urls_patch_keeps_oauth_flows_scopes_tokens_and_auth_flows(seeded: Seeded) -> None:
    # Given the OAuth client with token validity in minutes
    before = seeded.client()
    urls = ["https://app.acme.example.com/auth/callback", "https://beta.acme.example.com/auth/callback"]
    # When only its callback URLs change
    result = seeded.run({"CallbackURLs": urls}, client=True)
    # Then the URLs changed and nothing else did (a replace-style update would have reset the rest)
    assert result.status == "applied", result.to_dict()
    assert [change["path"] for change in result.to_dict()["changes"]] == ["/CallbackURLs"]
    assert result.differences == []
    after = seeded.client()
    assert after["CallbackURLs"] == urls
    assert _subset(after, KEPT_CLIENT_MEMBERS) == _subset(before, KEPT_CLIENT_MEMBERS)
    assert after["TokenValidityUnits"] == {
        "AccessToken": "minutes",
        "IdToken": "minutes",
        "RefreshToken": "days",
    }
    assert after["AccessTokenValidity"] == 60


def test_removing_one_trigger_removes_only_that_trigger(seeded: Seeded) -> None:
    # Given five trigger settings
    before = seeded.pool()["LambdaConfig"]
    # When PostConfirmation is removed
    result = seeded.run({"LambdaConfig": {"PostConfirmation": None}})
    # Then it is gone and every other trigger, the V2_0 config included, is unchanged
    assert result.status == "applied", result.to_dict()
    assert result.differences == []
    after = seeded.pool()["LambdaConfig"]
    expected = {name: value for name, value in before.items() if name != "PostConfirmation"}
    assert after == expected
    assert "PostConfirmation" in before


def test_removing_the_pre_token_trigger_removes_both_representations_and_nothing_else(seeded: Seeded) -> None:
    # Given a pre-token-generation trigger held in both PreTokenGeneration and its V2_0 config
    before = seeded.pool()["LambdaConfig"]
    # When only the config is removed
    result = seeded.run({"LambdaConfig": {"PreTokenGenerationConfig": None}})
    # Then both representations are gone together (the service refuses them disagreeing), others stay
    assert result.status == "applied", result.to_dict()
    after = seeded.pool()["LambdaConfig"]
    assert "PreTokenGeneration" not in after
    assert "PreTokenGenerationConfig" not in after
    assert after == {k: v for k, v in before.items() if not k.startswith("PreTokenGeneration")}


def test_legacy_members_the_service_returns_do_not_break_the_write_back(seeded: Seeded) -> None:
    # Given Describe returns the legacy UnusedAccountValidityDays and *VerificationMessage members
    before = seeded.pool()
    assert before["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 7
    assert before["SmsVerificationMessage"] == before["VerificationMessageTemplate"]["SmsMessage"]
    # When an unrelated setting changes (the fake refuses both validity members together)
    result = seeded.run({"DeletionProtection": "INACTIVE"})
    # Then the write succeeds, verified, and the effective values are the modern ones, unchanged
    assert result.status == "applied", result.to_dict()
    assert result.differences == []
    after = seeded.pool()
    assert after["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 3
    assert after["VerificationMessageTemplate"] == before["VerificationMessageTemplate"]
    assert "UnusedAccountValidityDays" not in json.dumps(faults.calls())


def test_link_verification_pool_survives_the_legacy_code_style_message(seeded: Seeded) -> None:
    # Given a pool verifying email by link, for which Describe still returns a code-style legacy
    # EmailVerificationMessage (sending it back is "The message is invalid.")
    pool_id = seeded.cognito.create_user_pool(
        PoolName="acme-link",
        VerificationMessageTemplate={
            "DefaultEmailOption": "CONFIRM_WITH_LINK",
            "EmailMessageByLink": "Verify: {##Click here##}",
            "EmailSubjectByLink": "Verify your Acme account",
        },
    )["UserPool"]["Id"]
    assert (
        "{####}"
        in seeded.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["EmailVerificationMessage"]
    )
    request = {"version": "1", "requestId": "req-link", "target": {"userPoolId": pool_id}}
    # When an unrelated setting changes
    result = seeded.engine.run(parse_request({**request, "patch": {"UserPoolTags": {"team": "identity"}}}))
    # Then it is applied and the link template is intact
    assert result.status == "applied", result.to_dict()
    template = seeded.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"][
        "VerificationMessageTemplate"
    ]
    assert template["DefaultEmailOption"] == "CONFIRM_WITH_LINK"
    assert template["EmailMessageByLink"] == "Verify: {##Click here##}"


def test_snapshots_never_contain_the_client_secret(seeded: Seeded) -> None:
    # Given the confidential client and the secret value the fake returns
    secret = seeded.client()["ClientSecret"]
    assert len(secret) >= 16
    # When a client change is applied (before and after snapshots are written)
    result = seeded.run({"AuthSessionValidity": 10}, client=True)
    # Then neither snapshot, nor the result, holds the secret; the secret itself is unchanged
    assert result.status == "applied", result.to_dict()
    files = seeded.snapshot_files()
    assert [path.name for path in files] == ["after.json", "before.json"]
    for path in files:
        body = path.read_text()
        assert secret not in body
        assert "ClientSecret" not in json.loads(body)["description"]
    assert secret not in json.dumps(result.to_dict())
    assert seeded.client()["ClientSecret"] == secret


def test_no_op_is_one_describe_and_nothing_else(seeded: Seeded) -> None:
    # Given a patch that sets the current values
    patch = {"DeletionProtection": "ACTIVE", "Policies": {"PasswordPolicy": {"MinimumLength": 12}}}
    # When applied
    result = seeded.run(patch)
    # Then: unchanged, exactly one DescribeUserPool, no snapshot
    assert result.status == "unchanged", result.to_dict()
    assert faults.calls() == ["DescribeUserPool"]
    assert seeded.snapshot_files() == []


def test_a_change_is_describe_confirm_update_describe(seeded: Seeded) -> None:
    # Given a client change
    # When applied
    result = seeded.run({"EnableTokenRevocation": False}, client=True)
    # Then the service sees exactly the four calls of the algorithm (read, confirm, write, verify), and two
    # snapshots exist
    assert result.status == "applied", result.to_dict()
    assert faults.calls() == [
        "DescribeUserPoolClient",
        "DescribeUserPoolClient",
        "UpdateUserPoolClient",
        "DescribeUserPoolClient",
    ]
    assert len(seeded.snapshot_files()) == 2


def test_overlapping_write_is_retried_and_converges(seeded: Seeded) -> None:
    # Given Cognito refuses the first update as overlapping
    faults.inject("UpdateUserPool", "ConcurrentModificationException")
    # When a change is applied
    result = seeded.run({"UserPoolTags": {"team": "platform"}})
    # Then the adapter retried the whole document and the change is verified
    assert result.status == "applied", result.to_dict()
    assert faults.calls("UpdateUserPool") == ["UpdateUserPool", "UpdateUserPool"]
    assert result.differences == []
    assert seeded.pool()["UserPoolTags"]["team"] == "platform"


def test_restore_of_the_before_snapshot_brings_the_pool_back(seeded: Seeded) -> None:
    # Given a change that removed a trigger and renamed a tag
    original = seeded.pool()
    changed = seeded.run(
        {"LambdaConfig": {"CustomMessage": None}, "UserPoolTags": {"team": None, "owner": "x"}}
    )
    assert changed.status == "applied", changed.to_dict()
    # When its before snapshot is restored
    restored = seeded.run(requestId="req-2", restore={"snapshot": changed.snapshots["before"]})
    # Then the pool's settings are the original ones again
    assert restored.status == "applied", restored.to_dict()
    assert restored.differences == []
    after = seeded.pool()
    assert _subset(after, KEPT_POOL_MEMBERS) == _subset(original, KEPT_POOL_MEMBERS)


def test_custom_attributes_are_added_then_a_no_op(seeded: Seeded) -> None:
    # Given a new attribute definition
    attribute = {"Name": "plan", "AttributeDataType": "String", "Mutable": True}
    # When added twice
    first = seeded.run(addCustomAttributes=[attribute])
    second = seeded.run(requestId="req-2", addCustomAttributes=[attribute])
    # Then the first adds it (and verifies it), the second changes nothing
    assert first.status == "applied", first.to_dict()
    assert first.differences == []
    assert "custom:plan" in {item["Name"] for item in seeded.pool()["SchemaAttributes"]}
    assert second.status == "unchanged", second.to_dict()
    assert faults.calls("AddCustomAttributes") == ["AddCustomAttributes"]


def test_a_tag_with_an_empty_value_survives_an_unrelated_patch(seeded: Seeded) -> None:
    # Given a pool with a tag whose value is empty
    tags = {"legal-hold": "", "team": "identity"}
    pool_id = seeded.cognito.create_user_pool(PoolName="acme-tagged", UserPoolTags=tags)["UserPool"]["Id"]
    assert seeded.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolTags"] == tags
    request = {"version": "1", "requestId": "req-tags", "target": {"userPoolId": pool_id}}
    # When an unrelated setting changes
    result = seeded.engine.run(parse_request({**request, "patch": {"DeletionProtection": "ACTIVE"}}))
    # Then the tag is still there
    assert result.status == "applied", result.to_dict()
    assert seeded.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["UserPoolTags"] == tags
