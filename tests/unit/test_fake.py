"""The Cognito fake behaves like the real service where moto 5.2.5 does not (cognito-api.md §10).

Each test names the behaviour and its source; the ``plain_moto`` tests show moto itself differs, which is
why the fake exists.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

import poolpatch_fake
from poolpatch_fake import faults, seed

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "eu-west-1"
LAMBDA_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:acme-auth-pre-sign-up"


@pytest.fixture(autouse=True)
def _fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    faults.reset()
    yield
    faults.reset()


@pytest.fixture
def cognito() -> Iterator[CognitoIdentityProviderClient]:
    with mock_aws(), poolpatch_fake.installed():
        yield boto3.client("cognito-idp", region_name=REGION)


@pytest.fixture
def plain_moto() -> Iterator[CognitoIdentityProviderClient]:
    assert not poolpatch_fake.is_installed()
    with mock_aws():
        yield boto3.client("cognito-idp", region_name=REGION)


def _pool(client: CognitoIdentityProviderClient, **settings: Any) -> str:
    return client.create_user_pool(PoolName="acme-test", **settings)["UserPool"]["Id"]


def _describe(client: CognitoIdentityProviderClient, pool_id: str) -> dict[str, Any]:
    return dict(client.describe_user_pool(UserPoolId=pool_id)["UserPool"])


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


# ----------------------------------------------------------------------------- 1. client update replaces


def test_client_update_resets_every_omitted_setting(cognito: CognitoIdentityProviderClient) -> None:
    # Given the realistic OAuth client (secret, URLs, flows, scopes, token units, ENABLED errors)
    pool_id, client_id = seed.realistic_pool(cognito)
    before = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]

    # When an update sends only the scopes (boto/boto3#1607)
    cognito.update_user_pool_client(
        UserPoolId=pool_id, ClientId=client_id, AllowedOAuthScopes=["openid", "email"]
    )

    # Then everything omitted is at its default (cognito-api.md §4.2) and unset members are absent
    after = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert after["ExplicitAuthFlows"] == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_CUSTOM_AUTH",
    ]
    assert after["AllowedOAuthFlowsUserPoolClient"] is False
    assert after["PreventUserExistenceErrors"] == "LEGACY"
    assert after["RefreshTokenValidity"] == 30
    assert after["AllowedOAuthScopes"] == ["openid", "email"]
    for cleared in (
        "ClientName",
        "AccessTokenValidity",
        "IdTokenValidity",
        "TokenValidityUnits",
        "CallbackURLs",
        "LogoutURLs",
        "DefaultRedirectURI",
        "AllowedOAuthFlows",
        "SupportedIdentityProviders",
        "ReadAttributes",
        "WriteAttributes",
    ):
        assert cleared not in after, cleared
    # and the create-only secret is kept
    assert after["ClientSecret"] == before["ClientSecret"]
    assert after["CreationDate"] == before["CreationDate"]


def test_plain_moto_merges_client_updates(plain_moto: CognitoIdentityProviderClient) -> None:
    # Given a plain-moto client with explicit auth flows
    pool_id = _pool(plain_moto)
    client_id = plain_moto.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]

    # When an update omits them
    plain_moto.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, ClientName="web")

    # Then moto kept them (merge), unlike the service: the reason for the fake
    after = plain_moto.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert after["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH"]
    assert "LastModifiedDate" not in after


# -------------------------------------------------------------------------------- 2. pool update replaces


def test_pool_update_resets_every_omitted_member(cognito: CognitoIdentityProviderClient) -> None:
    # Given the realistic pool
    pool_id, _ = seed.realistic_pool(cognito)

    # When an update sends only the tier and add-ons (aws-samples/iam-identity-center-team#359)
    cognito.update_user_pool(UserPoolId=pool_id, UserPoolAddOns={"AdvancedSecurityMode": "OFF"})

    # Then omitted members are reset (cognito-api.md §1, §4.1)
    after = _describe(cognito, pool_id)
    assert after["LambdaConfig"] == {}
    assert "AutoVerifiedAttributes" not in after
    assert "DeviceConfiguration" not in after
    assert "SmsConfiguration" not in after
    assert after["DeletionProtection"] == "INACTIVE"
    assert after["MfaConfiguration"] == "OFF"
    assert after["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert after["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert after["VerificationMessageTemplate"]["EmailSubject"] == "Your verification code"
    # and user tags are removed; the service's own aws: tag stays
    assert after["UserPoolTags"] == {"aws:cloudformation:stack-name": "acme-identity-prod"}


def test_pool_update_keeps_exceptions_and_create_only_settings(
    cognito: CognitoIdentityProviderClient,
) -> None:
    # Given a pool with a tier, DCR, update settings and create-only settings
    pool_id = _pool(
        cognito,
        UsernameAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        UserPoolTier="PLUS",
        DcrConfiguration={"EnableStatus": "Enabled", "OpenDcrEnabled": False},
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
        Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
    )
    before = _describe(cognito, pool_id)

    # When an update omits all of them
    cognito.update_user_pool(UserPoolId=pool_id)

    # Then UserPoolTier, DcrConfiguration, UserAttributeUpdateSettings are unchanged (§1 exceptions) and the
    # create-only members survive (§6; moto drops UsernameAttributes, §10)
    after = _describe(cognito, pool_id)
    for member in (
        "UserPoolTier",
        "DcrConfiguration",
        "UserAttributeUpdateSettings",
        "UsernameAttributes",
        "UsernameConfiguration",
        "SchemaAttributes",
        "Id",
        "Arn",
        "CreationDate",
        "Name",
    ):
        assert after[member] == before[member], member
    assert after["UserPoolTier"] == "PLUS"


def test_pool_update_renames_only_with_pool_name(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool
    pool_id = _pool(cognito)

    # When it is updated with and then without PoolName
    cognito.update_user_pool(UserPoolId=pool_id, PoolName="acme-renamed")
    cognito.update_user_pool(UserPoolId=pool_id)

    # Then the name changed once and stayed (cognito-api.md §2.1, §4.1)
    assert _describe(cognito, pool_id)["Name"] == "acme-renamed"


def test_pool_update_stores_newer_members(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool created without newer members: the tier defaults to ESSENTIALS (Model UserPoolTier)
    pool_id = _pool(cognito)
    assert _describe(cognito, pool_id)["UserPoolTier"] == "ESSENTIALS"

    # When an update sends newer members (cognito-api.md §5)
    newer: dict[str, Any] = {
        "UserPoolTier": "PLUS",
        "KeyConfiguration": {"KeyType": "AWS_OWNED_KEY"},
        "IssuerConfiguration": {"Type": "UPDATED"},
        "AcrConfiguration": {"Level1": {"AcrValue": "urn:acme:loa:1"}},
        "DcrConfiguration": {"EnableStatus": "Disabled"},
        "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
    }
    cognito.update_user_pool(UserPoolId=pool_id, **newer)

    # Then Describe returns them as sent
    after = _describe(cognito, pool_id)
    for member, value in newer.items():
        if member != "Policies":
            assert after[member] == value, member
    assert after["Policies"]["SignInPolicy"] == newer["Policies"]["SignInPolicy"]


def test_plain_moto_drops_username_attributes_on_update(plain_moto: CognitoIdentityProviderClient) -> None:
    # Given a plain-moto pool with UsernameAttributes
    pool_id = _pool(plain_moto, UsernameAttributes=["email"])

    # When it is updated
    plain_moto.update_user_pool(UserPoolId=pool_id)

    # Then moto lost a create-only setting (cognito-api.md §10)
    assert "UsernameAttributes" not in _describe(plain_moto, pool_id)


# ------------------------------------------------------------------------------------ 3. LastModifiedDate


def test_last_modified_date_strictly_increases_on_every_write(cognito: CognitoIdentityProviderClient) -> None:
    # Given the realistic pool and client
    pool_id, client_id = seed.realistic_pool(cognito)
    stamps = [_describe(cognito, pool_id)["LastModifiedDate"]]
    client_stamps = [
        cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"][
            "LastModifiedDate"
        ]
    ]

    # When writes follow each other within the same millisecond
    for _ in range(3):
        cognito.update_user_pool(UserPoolId=pool_id, MfaConfiguration="OPTIONAL")
        stamps.append(_describe(cognito, pool_id)["LastModifiedDate"])
        updated = cognito.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
        client_stamps.append(updated["UserPoolClient"]["LastModifiedDate"])
    cognito.add_custom_attributes(
        UserPoolId=pool_id, CustomAttributes=[{"Name": "plan", "AttributeDataType": "String"}]
    )
    stamps.append(_describe(cognito, pool_id)["LastModifiedDate"])

    # Then every value is later than the one before (cognito-api.md §8; moto never moves it, §10)
    assert all(a < b for a, b in itertools.pairwise(stamps)), stamps
    assert all(a < b for a, b in itertools.pairwise(client_stamps)), client_stamps


def test_plain_moto_never_moves_last_modified_date(plain_moto: CognitoIdentityProviderClient) -> None:
    # Given a plain-moto pool
    pool_id = _pool(plain_moto)
    before = _describe(plain_moto, pool_id)["LastModifiedDate"]

    # When it is updated
    plain_moto.update_user_pool(UserPoolId=pool_id, DeletionProtection="ACTIVE")

    # Then moto's LastModifiedDate did not move
    assert _describe(plain_moto, pool_id)["LastModifiedDate"] == before


# -------------------------------------------------------------------------------------- 4. legacy members


def test_describe_returns_legacy_members(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool with a temporary-password validity and a custom template
    pool_id = _pool(
        cognito,
        Policies={"PasswordPolicy": {"MinimumLength": 10, "TemporaryPasswordValidityDays": 3}},
        VerificationMessageTemplate={
            "SmsMessage": "Acme code {####}",
            "EmailMessage": "Acme code {####}",
            "EmailSubject": "Acme verification",
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
        },
    )

    # When it is described
    pool = _describe(cognito, pool_id)

    # Then the legacy members are there like on the service (cognito-api.md §3 rows 1-2)
    assert pool["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 7
    assert pool["SmsVerificationMessage"] == "Acme code {####}"
    assert pool["EmailVerificationMessage"] == "Acme code {####}"
    assert pool["EmailVerificationSubject"] == "Acme verification"


def test_update_with_both_validity_fields_is_rejected(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool, described
    pool_id = _pool(cognito)
    pool = _describe(cognito, pool_id)

    # When both the legacy and the new validity are sent (verbatim write-back)
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool(
            UserPoolId=pool_id,
            AdminCreateUserConfig=pool["AdminCreateUserConfig"],
            Policies=pool["Policies"],
        )

    # Then the service's error comes back (cognito-api.md §3 row 1) and nothing changed
    assert _error(excinfo) == (
        "InvalidParameterException",
        "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays",
    )
    assert _describe(cognito, pool_id)["LastModifiedDate"] == pool["LastModifiedDate"]


# ------------------------------------------------------------------------------- 5. verification messages


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(
            {
                "VerificationMessageTemplate": {
                    "DefaultEmailOption": "CONFIRM_WITH_LINK",
                    "EmailMessageByLink": "Verify: {##Click##}",
                },
                "EmailVerificationMessage": "Your verification code is {####}. ",
            },
            "The message is invalid.",
            id="link-option-with-code-style-legacy-message",
        ),
        pytest.param(
            {
                "VerificationMessageTemplate": {
                    "DefaultEmailOption": "CONFIRM_WITH_CODE",
                    "EmailMessage": "Code {####}",
                    "EmailMessageByLink": "Verify: {##Click##}",
                }
            },
            None,
            id="both-email-messages",
        ),
        pytest.param(
            {"VerificationMessageTemplate": {"EmailMessage": "No code"}}, None, id="code-placeholder"
        ),
        pytest.param({"VerificationMessageTemplate": {"SmsMessage": "No code"}}, None, id="sms-placeholder"),
        pytest.param(
            {
                "VerificationMessageTemplate": {
                    "DefaultEmailOption": "CONFIRM_WITH_LINK",
                    "EmailMessageByLink": "Verify: {####}",
                }
            },
            None,
            id="link-placeholder",
        ),
    ],
)
def test_invalid_verification_messages_are_rejected(
    cognito: CognitoIdentityProviderClient, settings: dict[str, Any], message: str | None
) -> None:
    # Given a pool
    pool_id = _pool(cognito)

    # When an update breaks a verification-message rule (cognito-api.md §3 rows 2-3)
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool(UserPoolId=pool_id, **settings)

    # Then it is rejected as InvalidParameterException
    code, text = _error(excinfo)
    assert code == "InvalidParameterException"
    if message is not None:
        assert text == message


def test_link_template_without_legacy_message_is_accepted(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool
    pool_id = _pool(cognito)

    # When a by-link template is sent alone
    cognito.update_user_pool(
        UserPoolId=pool_id,
        VerificationMessageTemplate={
            "DefaultEmailOption": "CONFIRM_WITH_LINK",
            "EmailMessageByLink": "{##Go##}",
        },
    )

    # Then it is stored, while Describe mirrors a code-style legacy message (the §3 row 2 trap)
    pool = _describe(cognito, pool_id)
    assert pool["VerificationMessageTemplate"]["EmailMessageByLink"] == "{##Go##}"
    assert "{####}" in pool["EmailVerificationMessage"]


# ----------------------------------------------------------------------------------- 6. token validity


@pytest.mark.parametrize(
    ("settings", "accepted"),
    [
        pytest.param({"AccessTokenValidity": 60}, False, id="60-without-units-is-60-hours"),
        pytest.param(
            {"AccessTokenValidity": 60, "TokenValidityUnits": {"AccessToken": "minutes"}},
            True,
            id="60-minutes",
        ),
        pytest.param({"IdTokenValidity": 24}, True, id="24-hours"),
        pytest.param({"IdTokenValidity": 4, "TokenValidityUnits": {"IdToken": "minutes"}}, False, id="4-min"),
        pytest.param({"RefreshTokenValidity": 3651}, False, id="refresh-over-ten-years"),
        pytest.param({"RefreshTokenValidity": 0}, True, id="refresh-zero-means-30-days"),
    ],
)
def test_token_validity_ranges_use_units(
    cognito: CognitoIdentityProviderClient, settings: dict[str, Any], accepted: bool
) -> None:
    # Given a client
    pool_id = _pool(cognito)
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]

    # When token validity is updated (omitted units: hours / hours / days; cognito-api.md §3 row 21)
    try:
        cognito.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **settings)
        outcome = "accepted"
    except ClientError as error:
        outcome = error.response["Error"]["Message"]

    # Then only in-range values are accepted
    assert outcome == ("accepted" if accepted else "Invalid range for token validity")


# ----------------------------------------------------------------------------------------- 7. OAuth rules


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        pytest.param(
            {"CallbackURLs": ["https://a.example.com/cb"], "DefaultRedirectURI": "https://b.example.com/cb"},
            "InvalidParameterException",
            id="default-redirect-not-a-callback",
        ),
        pytest.param(
            {"AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True},
            "InvalidOAuthFlowException",
            id="code-without-callbacks",
        ),
        pytest.param(
            {
                "AllowedOAuthFlows": ["client_credentials", "code"],
                "CallbackURLs": ["https://a.example.com/cb"],
            },
            "InvalidOAuthFlowException",
            id="client-credentials-not-alone",
        ),
        pytest.param(
            {"AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": ["openid"]},
            "InvalidOAuthFlowException",
            id="client-credentials-with-openid",
        ),
        pytest.param({"AllowedOAuthFlows": ["token"]}, "InvalidParameterException", id="unknown-flow"),
    ],
)
def test_oauth_rules_are_enforced(
    cognito: CognitoIdentityProviderClient, settings: dict[str, Any], code: str
) -> None:
    # Given a client
    pool_id = _pool(cognito)
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]

    # When an update breaks an OAuth rule (cognito-api.md §3.1)
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **settings)

    # Then the service's error code comes back and the client is unchanged
    assert _error(excinfo)[0] == code
    client = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert client["ClientName"] == "web"


# --------------------------------------------------------------------------------------------- 8. MFA


def test_mfa_cannot_be_turned_on_through_update(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool created with MFA OFF
    pool_id = _pool(cognito)

    # When UpdateUserPool asks for OPTIONAL
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool(UserPoolId=pool_id, MfaConfiguration="OPTIONAL")

    # Then it is rejected (cognito-api.md §3 row 7)
    assert _error(excinfo) == (
        "InvalidParameterException",
        "Cannot turn MFA functionality ON, once the user pool has been created.",
    )


def test_mfa_can_move_between_on_and_optional(cognito: CognitoIdentityProviderClient) -> None:
    # Given the realistic pool with MFA OPTIONAL
    pool_id, _ = seed.realistic_pool(cognito)

    # When UpdateUserPool sets ON
    cognito.update_user_pool(UserPoolId=pool_id, MfaConfiguration="ON")

    # Then Describe and GetUserPoolMfaConfig agree
    assert _describe(cognito, pool_id)["MfaConfiguration"] == "ON"
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "ON"


# ---------------------------------------------------------------------------------------- 9. tier, tags


def test_threat_protection_needs_plus_tier(cognito: CognitoIdentityProviderClient) -> None:
    # Given an ESSENTIALS pool
    pool_id = _pool(cognito)

    # When threat protection is enabled without raising the tier
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool(UserPoolId=pool_id, UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"})

    # Then FeatureUnavailableInTierException (cognito-api.md §3 row 8); with PLUS in the same request it works
    assert _error(excinfo)[0] == "FeatureUnavailableInTierException"
    cognito.update_user_pool(
        UserPoolId=pool_id, UserPoolTier="PLUS", UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"}
    )
    assert _describe(cognito, pool_id)["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}


def test_aws_tag_keys_are_reserved(cognito: CognitoIdentityProviderClient) -> None:
    # Given the realistic pool, whose Describe shows an aws: tag
    pool_id, _ = seed.realistic_pool(cognito)
    tags = _describe(cognito, pool_id)["UserPoolTags"]

    # When the tags are written back verbatim
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool(UserPoolId=pool_id, UserPoolTags=tags)

    # Then the reserved key is rejected (cognito-api.md §3 row 14)
    assert _error(excinfo)[0] == "UserPoolTaggingException"


# ----------------------------------------------------------------------------------- 10. custom attributes


def test_custom_attributes_are_limited_to_fifty(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool with 48 custom attributes
    pool_id = _pool(cognito)
    for start in (0, 25):
        count = 25 if start == 0 else 23
        cognito.add_custom_attributes(
            UserPoolId=pool_id,
            CustomAttributes=[
                {"Name": f"a{i}", "AttributeDataType": "String"} for i in range(start, start + count)
            ],
        )

    # When three more are added
    with pytest.raises(ClientError) as excinfo:
        cognito.add_custom_attributes(
            UserPoolId=pool_id,
            CustomAttributes=[{"Name": f"b{i}", "AttributeDataType": "String"} for i in range(3)],
        )

    # Then the 50-per-pool quota rejects them all (cognito-api.md §6)
    assert _error(excinfo)[0] == "InvalidParameterException"
    names = [a["Name"] for a in _describe(cognito, pool_id)["SchemaAttributes"]]
    assert sum(name.startswith("custom:") for name in names) == 48


def test_custom_attribute_rules(cognito: CognitoIdentityProviderClient) -> None:
    # Given the realistic pool with custom:tier
    pool_id, _ = seed.realistic_pool(cognito)

    # When an existing name is re-added, or a name is longer than 20 characters
    with pytest.raises(ClientError) as existing:
        cognito.add_custom_attributes(
            UserPoolId=pool_id, CustomAttributes=[{"Name": "tier", "AttributeDataType": "String"}]
        )
    with pytest.raises(ClientError) as too_long:
        cognito.add_custom_attributes(
            UserPoolId=pool_id, CustomAttributes=[{"Name": "x" * 21, "AttributeDataType": "String"}]
        )

    # Then both are InvalidParameterException (cognito-api.md §6)
    assert _error(existing)[0] == "InvalidParameterException"
    assert _error(too_long)[0] == "InvalidParameterException"


def test_schema_always_holds_the_standard_attributes(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool created with only custom attributes in Schema (moto then keeps only those)
    pool_id = _pool(cognito, Schema=[{"Name": "tier", "AttributeDataType": "String"}])

    # When it is described
    names = [a["Name"] for a in _describe(cognito, pool_id)["SchemaAttributes"]]

    # Then the standard attributes come first, as on the service (hashicorp/terraform-provider-aws#38096)
    assert names[0] == "sub"
    assert {"email", "phone_number", "birthdate"} <= set(names)
    assert names[-1] == "custom:tier"


# ------------------------------------------------------------------------------------------ fault injection


def test_injected_fault_fails_before_touching_state(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool and two ConcurrentModificationException faults armed for UpdateUserPool
    pool_id = _pool(cognito)
    faults.inject("UpdateUserPool", "ConcurrentModificationException", times=2, message="Only one request")

    # When UpdateUserPool is called three times
    outcomes = []
    for _ in range(3):
        try:
            cognito.update_user_pool(UserPoolId=pool_id, DeletionProtection="ACTIVE", PoolName="x")
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
            assert _describe(cognito, pool_id)["Name"] == "acme-test"

    # Then two calls failed without effect, the third worked, and the log shows them in order
    assert outcomes == ["ConcurrentModificationException", "ConcurrentModificationException", "ok"]
    assert faults.calls("UpdateUserPool") == ["UpdateUserPool"] * 3
    assert faults.calls()[:3] == ["CreateUserPool", "UpdateUserPool", "DescribeUserPool"]


def test_raw_member_reaches_the_wire_but_not_the_parsed_response(
    cognito: CognitoIdentityProviderClient,
) -> None:
    # Given a raw member botocore's model does not know
    pool_id = _pool(cognito, LambdaConfig={"PreSignUp": LAMBDA_ARN})
    faults.add_raw_member("DescribeUserPool", "/UserPool/LambdaConfig/FutureTrigger", LAMBDA_ARN)
    raw: list[dict[str, Any]] = []
    cognito.meta.events.register(
        "after-call.cognito-idp.DescribeUserPool",
        lambda http_response, **_: raw.append(json.loads(http_response.content)),
    )

    # When the pool is described twice
    first = _describe(cognito, pool_id)
    _describe(cognito, pool_id)

    # Then the first raw body carries it, botocore dropped it, and it was armed only once
    assert raw[0]["UserPool"]["LambdaConfig"]["FutureTrigger"] == LAMBDA_ARN
    assert "FutureTrigger" not in first["LambdaConfig"]
    assert "FutureTrigger" not in raw[1]["UserPool"]["LambdaConfig"]


def test_reset_disarms_faults(cognito: CognitoIdentityProviderClient) -> None:
    # Given an armed fault
    pool_id = _pool(cognito)
    faults.inject("DescribeUserPool", "InternalErrorException", status=500)

    # When faults are reset
    faults.reset()

    # Then the call succeeds and the log is empty before it
    assert faults.calls() == []
    assert _describe(cognito, pool_id)["Id"] == pool_id


# ---------------------------------------------------------------------------------------- install, seed


def test_installed_restores_plain_moto() -> None:
    # Given the fake is not installed
    assert not poolpatch_fake.is_installed()

    # When installed twice (idempotent) inside installed()
    with poolpatch_fake.installed():
        poolpatch_fake.install()
        inside = poolpatch_fake.is_installed()

    # Then it was active inside and plain moto is back afterwards
    assert inside
    assert not poolpatch_fake.is_installed()


def test_faithful_write_back_of_the_realistic_pool_changes_nothing(
    cognito: CognitoIdentityProviderClient,
) -> None:
    # Given the realistic pool, described
    pool_id, _ = seed.realistic_pool(cognito)
    before = _describe(cognito, pool_id)
    assert before["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    assert before["EmailConfiguration"]["EmailSendingAccount"] == "DEVELOPER"

    # When it is written back the way cognito-api.md §2.1 prescribes
    request = {k: v for k, v in before.items() if k in _update_members(cognito)}
    request["AdminCreateUserConfig"] = {
        k: v for k, v in before["AdminCreateUserConfig"].items() if k != "UnusedAccountValidityDays"
    }
    request["UserPoolTags"] = {k: v for k, v in before["UserPoolTags"].items() if not k.startswith("aws:")}
    for legacy in ("SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject"):
        request.pop(legacy)
    cognito.update_user_pool(UserPoolId=pool_id, **request)

    # Then only LastModifiedDate moved
    after = _describe(cognito, pool_id)
    assert after.pop("LastModifiedDate") > before.pop("LastModifiedDate")
    assert after == before


def _update_members(client: CognitoIdentityProviderClient) -> set[str]:
    shape = client.meta.service_model.operation_model("UpdateUserPool").input_shape
    assert shape is not None
    return set(shape.members) - {"UserPoolId", "PoolName"}
