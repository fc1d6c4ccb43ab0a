"""Unit tests for poolpatch.rules: normalisation (prepare) and cross-field rules (finalise).

Patches go through the real pipeline (``pipeline.plan_change``: project, prepare, keep redacted, explicit
defaults, merge, finalise, check) over Describe objects built from this file's fixtures; the expected
values are this file's own data, never what ``prepare`` or ``live_document`` return.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from typing import Any

import pytest

from poolpatch import pipeline, rules
from poolpatch.errors import ConflictingSettings, ImmutableSetting, InvalidValue, PoolpatchError
from poolpatch.kinds import Kind
from poolpatch.request import Target
from poolpatch.rules import RuleContext, explicit_defaults, finalise, prepare

# --------------------------------------------------------------------------------------------------
# Realistic fixtures: update documents as the engine projects them from Describe (legacy members
# included, because the update input still accepts them), and the Describe objects.
# --------------------------------------------------------------------------------------------------

ACCOUNT = "123456789012"
REGION = "eu-west-1"
POOL_ID = f"{REGION}_AbCdEf123"
KMS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _fn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


PRODUCTION_POOL: dict[str, Any] = {
    "PoolName": "customers-prod",
    "Policies": {
        "PasswordPolicy": {
            "MinimumLength": 12,
            "RequireUppercase": True,
            "RequireLowercase": True,
            "RequireNumbers": True,
            "RequireSymbols": False,
            "PasswordHistorySize": 5,
            "TemporaryPasswordValidityDays": 3,
        },
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]},
    },
    "DeletionProtection": "ACTIVE",
    "LambdaConfig": {
        "PreSignUp": _fn("pre-sign-up"),
        "PostConfirmation": _fn("post-confirmation"),
        "PreTokenGeneration": _fn("pre-token"),
        "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": _fn("pre-token")},
        "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": _fn("email-sender")},
        "KMSKeyID": KMS_ARN,
    },
    "AutoVerifiedAttributes": ["email"],
    "SmsVerificationMessage": "Your code is {####}",
    "EmailVerificationMessage": "Your code is {####}",
    "EmailVerificationSubject": "Your verification code",
    "VerificationMessageTemplate": {
        "SmsMessage": "Your code is {####}",
        "EmailMessage": "Welcome! Your code is {####}",
        "EmailSubject": "Verify your email",
        "EmailMessageByLink": "Please click the link below to verify your email address. {##Verify Email##}",
        "EmailSubjectByLink": "Your verification link",
        "DefaultEmailOption": "CONFIRM_WITH_CODE",
    },
    "SmsAuthenticationMessage": "Your sign-in code is {####}",
    "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []},
    "MfaConfiguration": "OPTIONAL",
    "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False},
    "EmailConfiguration": {
        "SourceArn": f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com",
        "ReplyToEmailAddress": "support@example.com",
        "EmailSendingAccount": "DEVELOPER",
        "From": "Example <no-reply@example.com>",
    },
    "SmsConfiguration": {
        "SnsCallerArn": f"arn:aws:iam::{ACCOUNT}:role/cognito-sms",
        "ExternalId": "d6b0c4a2-sms",
        "SnsRegion": REGION,
    },
    "UserPoolTags": {"team": "identity", "aws:cloudformation:stack-name": "identity-prod"},
    "AdminCreateUserConfig": {
        "AllowAdminCreateUserOnly": True,
        "UnusedAccountValidityDays": 7,
        "InviteMessageTemplate": {
            "SMSMessage": "Your username is {username} and temporary password is {####}.",
            "EmailMessage": "Your username is {username} and temporary password is {####}.",
            "EmailSubject": "Your temporary password",
        },
    },
    "UserPoolAddOns": {"AdvancedSecurityMode": "OFF"},
    "AccountRecoverySetting": {
        "RecoveryMechanisms": [
            {"Priority": 1, "Name": "verified_email"},
            {"Priority": 2, "Name": "verified_phone_number"},
        ]
    },
    "UserPoolTier": "ESSENTIALS",
    "KeyConfiguration": {"KeyType": "AWS_OWNED_KEY"},
    "IssuerConfiguration": {"Type": "ORIGINAL"},
    "AcrConfiguration": {
        "Level1": "urn:cognito:loa:1",
        "Level2": "urn:cognito:loa:2",
        "Level3": "urn:cognito:loa:3",
        "Level4": "urn:cognito:loa:4",
    },
}

# What UpdateUserPool must receive for PRODUCTION_POOL when a patch changes nothing else (this file's data):
# the Describe members without the legacy ones (cognito-api.md §3 rows 1-2), the unused by-link pair and
# the reserved aws: tag (§3 row 14); the meaningful empty list stays (§2.3).
PRODUCTION_POOL_SENT: dict[str, Any] = {
    **{
        key: value
        for key, value in PRODUCTION_POOL.items()
        if key not in ("SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject")
    },
    "VerificationMessageTemplate": {
        "SmsMessage": "Your code is {####}",
        "EmailMessage": "Welcome! Your code is {####}",
        "EmailSubject": "Verify your email",
        "DefaultEmailOption": "CONFIRM_WITH_CODE",
    },
    "UserPoolTags": {"team": "identity"},
    "AdminCreateUserConfig": {
        "AllowAdminCreateUserOnly": True,
        "InviteMessageTemplate": PRODUCTION_POOL["AdminCreateUserConfig"]["InviteMessageTemplate"],
    },
}

# An old pool: no TemporaryPasswordValidityDays, grandfathered LITE with threat protection, MFA off,
# by-link verification, empty blocks Describe returns for it, an empty SnsCallerArn.
LEGACY_LITE_POOL: dict[str, Any] = {
    "PoolName": "legacy-app",
    "Policies": {
        "PasswordPolicy": {
            "MinimumLength": 8,
            "RequireUppercase": True,
            "RequireLowercase": True,
            "RequireNumbers": True,
            "RequireSymbols": True,
        }
    },
    "LambdaConfig": {},
    "AutoVerifiedAttributes": [],
    "EmailVerificationMessage": "Click {##here##}",
    "EmailVerificationSubject": "Verify",
    "VerificationMessageTemplate": {
        "EmailMessageByLink": "Click {##here##}",
        "EmailSubjectByLink": "Verify",
        "DefaultEmailOption": "CONFIRM_WITH_LINK",
    },
    "MfaConfiguration": "OFF",
    "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
    "SmsConfiguration": {"SnsCallerArn": "", "ExternalId": "", "SnsRegion": REGION},
    "UserPoolTags": {},
    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False, "UnusedAccountValidityDays": 14},
    "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
    "UserPoolTier": "LITE",
}

WEB_CLIENT: dict[str, Any] = {
    "ClientName": "web",
    "RefreshTokenValidity": 30,
    "AccessTokenValidity": 60,
    "IdTokenValidity": 60,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    "ReadAttributes": ["email", "email_verified", "name"],
    "WriteAttributes": ["email", "name"],
    "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
    "SupportedIdentityProviders": ["COGNITO", "Google"],
    "CallbackURLs": ["https://app.example.com/callback", "http://localhost:3000/callback"],
    "LogoutURLs": ["https://app.example.com/"],
    "DefaultRedirectURI": "https://app.example.com/callback",
    "AllowedOAuthFlows": ["code"],
    "AllowedOAuthScopes": ["openid", "email", "profile"],
    "AllowedOAuthFlowsUserPoolClient": True,
    "PreventUserExistenceErrors": "ENABLED",
    "EnableTokenRevocation": True,
    "EnablePropagateAdditionalUserContextData": False,
    "AuthSessionValidity": 3,
    "RefreshTokenRotation": {"Feature": "DISABLED", "RetryGracePeriodSeconds": 0},
}

M2M_CLIENT: dict[str, Any] = {
    "ClientName": "m2m",
    "RefreshTokenValidity": 30,
    "AccessTokenValidity": 1,
    "IdTokenValidity": 1,
    "TokenValidityUnits": {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"},
    "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
    "SupportedIdentityProviders": ["COGNITO"],
    "AllowedOAuthFlows": ["client_credentials"],
    "AllowedOAuthScopes": ["orders/read"],
    "AllowedOAuthFlowsUserPoolClient": True,
    "EnableTokenRevocation": True,
    "AuthSessionValidity": 3,
}

# An old public client: Describe without TokenValidityUnits or IdTokenValidity, legacy auth flow.
LEGACY_CLIENT: dict[str, Any] = {
    "ClientName": "old-mobile",
    "RefreshTokenValidity": 30,
    "ExplicitAuthFlows": ["USER_PASSWORD_AUTH"],
    "AllowedOAuthFlows": [],
    "AllowedOAuthScopes": [],
    "CallbackURLs": [],
    "AllowedOAuthFlowsUserPoolClient": False,
}

CLIENT_SECRET = "s3cr3t-value-never-copied"  # a fake value, asserted absent from outputs


def _pool_description(document: Mapping[str, Any]) -> dict[str, Any]:
    described = {key: value for key, value in document.items() if key != "PoolName"}
    return {
        **described,
        "Id": POOL_ID,
        "Name": document["PoolName"],
        "Arn": f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{POOL_ID}",
        "SchemaAttributes": [{"Name": "email", "AttributeDataType": "String", "Required": True}],
        "EstimatedNumberOfUsers": 1200,
    }


def _client_description(document: Mapping[str, Any], *, secret: bool) -> dict[str, Any]:
    described = {**document, "UserPoolId": POOL_ID, "ClientId": "1example23456789"}
    if secret:
        described["ClientSecret"] = CLIENT_SECRET
    return described


def _merge(target: Any, patch: Any) -> Any:
    """RFC 7396 merge patch, to build this file's fixtures (never to compute what the engine sends)."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge(result.get(key), value)
    return result


def _apply(
    kind: Kind,
    projected: Mapping[str, Any],
    patch: Mapping[str, Any],
    description: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Plan ``patch`` with the real pipeline (``pipeline.plan_change``) over the Describe object built
    from ``projected``. Returns (live, the document to send); raises the pipeline's first error."""
    if description is None:
        description = (
            _pool_description(projected) if kind == "pool" else _client_description(projected, secret=False)
        )
    target = Target(POOL_ID, None if kind == "pool" else "1example23456789", ACCOUNT, REGION, kind=kind)
    plan = pipeline.plan_change(target, description, patch)
    return plan.live, plan.desired


def _pool(**changes: Any) -> dict[str, Any]:
    return _merge(PRODUCTION_POOL, changes)  # type: ignore[no-any-return]


def _client(base: Mapping[str, Any] = WEB_CLIENT, **changes: Any) -> dict[str, Any]:
    return _merge(base, changes)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------


def test_rules_have_unique_names_and_cite_their_source() -> None:
    # Given the registry
    names = [rule.name for rule in rules.RULES]

    # Then every rule is named once, cites cognito-api.md and carries its source in its docstring
    assert len(names) == len(set(names))
    for rule in rules.RULES:
        assert rule.source.startswith("cognito-api.md")
        assert "cognito-api.md" in (inspect.getdoc(rule.func) or "")
        assert rule.kinds <= {"pool", "client"}


def test_prepare_rules_run_before_finalise_rules() -> None:
    # Given the registry order
    phases = [rule.phase for rule in rules.RULES]

    # Then all prepare rules come first and empty containers close each phase
    assert phases == sorted(phases, key=lambda phase: phase != "prepare")
    assert [r.name for r in rules.RULES if r.phase == "prepare"][-1] == "empty-containers"
    assert rules.RULES[-1].name == "empty-containers-final"


# --------------------------------------------------------------------------------------------------
# Pool, prepare
# --------------------------------------------------------------------------------------------------


def test_temporary_password_days_drops_legacy_and_keeps_modern_value() -> None:
    # Given a pool whose Describe returns both members (7 legacy, 3 modern)
    # When it is prepared
    doc = prepare("pool", PRODUCTION_POOL, _pool_description(PRODUCTION_POOL))

    # Then the legacy member is gone and the modern value is untouched
    assert "UnusedAccountValidityDays" not in doc["AdminCreateUserConfig"]
    assert doc["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert doc["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 3


def test_temporary_password_days_copies_legacy_value_when_modern_absent() -> None:
    # Given an old pool with only the legacy member (14 days)
    # When it is prepared
    doc = prepare("pool", LEGACY_LITE_POOL, _pool_description(LEGACY_LITE_POOL))

    # Then the effective value moves to the modern member
    assert doc["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 14
    assert "UnusedAccountValidityDays" not in doc["AdminCreateUserConfig"]


def test_temporary_password_days_leaves_a_pool_without_legacy_member_alone() -> None:
    # Given a document without the legacy member
    document = {"Policies": {"PasswordPolicy": {"MinimumLength": 10}}, "AdminCreateUserConfig": {}}

    # When the rule runs
    doc = rules.temporary_password_days(copy.deepcopy(document), {})

    # Then no TemporaryPasswordValidityDays is invented
    assert doc == document


def test_legacy_verification_members_dropped_and_template_wins() -> None:
    # Given legacy members that differ from the template
    # When the pool is prepared
    doc = prepare("pool", PRODUCTION_POOL, _pool_description(PRODUCTION_POOL))

    # Then the legacy members are gone and the template keeps its own values
    for legacy in ("SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject"):
        assert legacy not in doc
    assert doc["VerificationMessageTemplate"]["EmailMessage"] == "Welcome! Your code is {####}"
    assert doc["VerificationMessageTemplate"]["EmailSubject"] == "Verify your email"


def test_legacy_verification_members_fill_missing_template_members() -> None:
    # Given legacy members and a template without SmsMessage
    document = {"SmsVerificationMessage": "Code {####}", "VerificationMessageTemplate": {}}

    # When the rule runs
    doc = rules.legacy_verification_messages(document, {})

    # Then the template member is filled from the legacy one
    assert doc == {"VerificationMessageTemplate": {"SmsMessage": "Code {####}"}}


def test_legacy_verification_rule_without_legacy_members_changes_nothing() -> None:
    # Given a template-only document
    document = {"VerificationMessageTemplate": {"SmsMessage": "Code {####}"}}

    # When the rule runs
    doc = rules.legacy_verification_messages(copy.deepcopy(document), {})

    # Then it is unchanged
    assert doc == document


@pytest.mark.parametrize(
    ("option", "kept", "dropped"),
    [
        ("CONFIRM_WITH_CODE", ("EmailMessage", "EmailSubject"), ("EmailMessageByLink", "EmailSubjectByLink")),
        ("CONFIRM_WITH_LINK", ("EmailMessageByLink", "EmailSubjectByLink"), ("EmailMessage", "EmailSubject")),
        (None, ("EmailMessage", "EmailSubject"), ("EmailMessageByLink", "EmailSubjectByLink")),
    ],
)
def test_verification_email_pair_keeps_only_the_matching_pair(
    option: str | None, kept: tuple[str, str], dropped: tuple[str, str]
) -> None:
    # Given a template holding both pairs (option absent means by code)
    template = dict(PRODUCTION_POOL["VerificationMessageTemplate"])
    template.pop("DefaultEmailOption")
    if option:
        template["DefaultEmailOption"] = option

    # When the rule runs
    doc = rules.verification_email_pair({"VerificationMessageTemplate": template}, {})

    # Then only the matching pair is left, SMS untouched
    result = doc["VerificationMessageTemplate"]
    assert all(member in result for member in kept)
    assert not any(member in result for member in dropped)
    assert result["SmsMessage"] == "Your code is {####}"


def test_aws_tags_are_dropped_and_others_kept() -> None:
    # Given tags including reserved ones in either case
    document = {"UserPoolTags": {"team": "identity", "aws:cloudformation:stack-id": "x", "AWS:other": "y"}}

    # When the rule runs
    doc = rules.aws_tags(document, {})

    # Then only the user's tags remain
    assert doc["UserPoolTags"] == {"team": "identity"}


def test_aws_tags_rule_keeps_user_tags_untouched() -> None:
    # Given only user tags
    document = {"UserPoolTags": {"team": "identity", "cost-centre": "42"}}

    # When the rule runs
    doc = rules.aws_tags(copy.deepcopy(document), {})

    # Then nothing changes
    assert doc == document


def test_empty_containers_are_stripped_recursively() -> None:
    # Given empties at several depths
    document = {
        "LambdaConfig": {},
        "AutoVerifiedAttributes": [],
        "EmailConfiguration": {
            "EmailSendingAccount": "COGNITO_DEFAULT",
            "From": "",
            "ReplyToEmailAddress": None,
        },
        "AdminCreateUserConfig": {"InviteMessageTemplate": {"SMSMessage": ""}},
        "AccountRecoverySetting": {"RecoveryMechanisms": []},
    }

    # When the rule runs
    doc = rules.empty_containers(document, {})

    # Then only the non-empty value survives
    assert doc == {"EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"}}


def test_empty_containers_keeps_meaningful_empties_and_falsy_values() -> None:
    # Given the two documented meaningful empties, plus False and 0
    document = {
        "SmsConfiguration": {"SnsCallerArn": "", "ExternalId": ""},
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []},
        "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": False},
        "RefreshTokenRotation": {"RetryGracePeriodSeconds": 0},
    }

    # When the rule runs
    doc = rules.empty_containers(document, {})

    # Then they are all kept except the empty ExternalId
    assert doc == {
        "SmsConfiguration": {"SnsCallerArn": ""},
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []},
        "DeviceConfiguration": {"ChallengeRequiredOnNewDevice": False},
        "RefreshTokenRotation": {"RetryGracePeriodSeconds": 0},
    }


def test_prepare_legacy_pool_gives_the_expected_write_ready_document() -> None:
    # Given an old LITE pool
    # When it is prepared
    doc = prepare("pool", LEGACY_LITE_POOL, _pool_description(LEGACY_LITE_POOL))

    # Then the whole write-ready document is as expected
    assert doc == {
        "PoolName": "legacy-app",
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": 14,
            }
        },
        "VerificationMessageTemplate": {
            "EmailMessageByLink": "Click {##here##}",
            "EmailSubjectByLink": "Verify",
            "DefaultEmailOption": "CONFIRM_WITH_LINK",
        },
        "MfaConfiguration": "OFF",
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        "SmsConfiguration": {"SnsCallerArn": "", "SnsRegion": REGION},
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
        "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"},
        "UserPoolTier": "LITE",
    }


@pytest.mark.parametrize("pool", [PRODUCTION_POOL, LEGACY_LITE_POOL], ids=["production", "legacy-lite"])
def test_prepare_pool_is_idempotent_and_pure(pool: dict[str, Any]) -> None:
    # Given a realistic projected pool and a pristine copy of it
    original = copy.deepcopy(pool)
    description = _pool_description(pool)

    # When it is prepared twice
    once = prepare("pool", pool, description)
    twice = prepare("pool", once, description)

    # Then the second pass changes nothing and the input is untouched
    assert twice == once
    assert pool == original


def test_prepare_after_a_write_matches_the_finalised_document() -> None:
    # Given a finalised document and the service describing it back with the legacy members again
    _, sent = _apply("pool", PRODUCTION_POOL, {"DeletionProtection": "INACTIVE"})
    redescribed = {
        **sent,
        "SmsVerificationMessage": "Your code is {####}",
        "AdminCreateUserConfig": {**sent["AdminCreateUserConfig"], "UnusedAccountValidityDays": 7},
        "UserPoolTags": {**sent["UserPoolTags"], "aws:cloudformation:stack-name": "identity-prod"},
    }

    # When verification prepares the new description
    verified = prepare("pool", redescribed, _pool_description(redescribed))

    # Then it equals what was sent: no spurious differences
    assert verified == sent


# --------------------------------------------------------------------------------------------------
# Client, prepare
# --------------------------------------------------------------------------------------------------


def test_client_prepare_fills_missing_units_and_numbers_with_service_defaults() -> None:
    # Given an old client without units and without access/ID numbers
    # When it is prepared
    doc = prepare("client", LEGACY_CLIENT, _client_description(LEGACY_CLIENT, secret=False))

    # Then the meaning is spelled out: 1 hour, 1 hour, 30 days
    assert doc["AccessTokenValidity"] == 1
    assert doc["IdTokenValidity"] == 1
    assert doc["RefreshTokenValidity"] == 30
    assert doc["TokenValidityUnits"] == {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}


def test_client_prepare_missing_number_takes_default_number_and_unit() -> None:
    # Given a number missing while its unit is minutes
    document = {"RefreshTokenValidity": 30, "TokenValidityUnits": {"AccessToken": "minutes"}}

    # When the rule runs
    doc = rules.token_validity_units(document, {})

    # Then the default is 1 hour, not 1 minute
    assert (doc["AccessTokenValidity"], doc["TokenValidityUnits"]["AccessToken"]) == (1, "hours")


def test_client_prepare_keeps_complete_token_settings() -> None:
    # Given a client with numbers and units
    # When it is prepared
    doc = prepare("client", WEB_CLIENT, _client_description(WEB_CLIENT, secret=True))

    # Then nothing about tokens changes, and the whole client is unchanged
    assert doc == WEB_CLIENT


def test_client_prepare_never_derives_publish_secrets() -> None:
    # Given a document that somehow carries PublishSecretsInAWSSecretsManager
    document = {**M2M_CLIENT, "PublishSecretsInAWSSecretsManager": False}

    # When it is prepared
    doc = prepare("client", document, _client_description(M2M_CLIENT, secret=True))

    # Then the member is gone (False would delete the secret)
    assert "PublishSecretsInAWSSecretsManager" not in doc


def test_client_prepare_does_not_apply_pool_rules() -> None:
    # Given a client-shaped document with a key a pool rule would rewrite
    document = {**M2M_CLIENT, "UserPoolTags": {"aws:x": "y"}}

    # When it is prepared as a client
    doc = prepare("client", document, {})

    # Then the pool-only tag rule did not run
    assert doc["UserPoolTags"] == {"aws:x": "y"}


@pytest.mark.parametrize("client", [WEB_CLIENT, M2M_CLIENT, LEGACY_CLIENT], ids=["web", "m2m", "legacy"])
def test_prepare_client_is_idempotent_and_pure(client: dict[str, Any]) -> None:
    # Given a realistic projected client
    original = copy.deepcopy(client)
    description = _client_description(client, secret=True)

    # When it is prepared twice
    once = prepare("client", client, description)
    twice = prepare("client", once, description)

    # Then the second pass changes nothing, the input is untouched and no secret was copied
    assert twice == once
    assert client == original
    assert CLIENT_SECRET not in repr(once)


# --------------------------------------------------------------------------------------------------
# Pool, finalise
# --------------------------------------------------------------------------------------------------


def test_unrelated_pool_patch_changes_only_the_patched_member() -> None:
    # Given a realistic pool and a patch touching one member
    # When it goes through the rules
    _, sent = _apply("pool", PRODUCTION_POOL, {"SmsAuthenticationMessage": "Code: {####}"})

    # Then the whole write-ready pool is sent, with only that member changed
    assert sent == {**PRODUCTION_POOL_SENT, "SmsAuthenticationMessage": "Code: {####}"}


def test_finalise_does_not_modify_its_inputs() -> None:
    # Given a merged document
    live = prepare("pool", PRODUCTION_POOL, _pool_description(PRODUCTION_POOL))
    patch = {"LambdaConfig": {"PreTokenGeneration": _fn("pre-token-v2")}}
    merged = _merge(live, patch)
    frozen = copy.deepcopy(merged)

    # When finalised
    finalise("pool", merged, RuleContext("pool", live, patch, _pool_description(PRODUCTION_POOL)))

    # Then the merged document is untouched
    assert merged == frozen


def test_patch_setting_unused_account_validity_days_is_refused() -> None:
    # Given a patch using the legacy member
    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", PRODUCTION_POOL, {"AdminCreateUserConfig": {"UnusedAccountValidityDays": 10}})

    # Then the error points at it and names the replacement
    assert caught.value.path == "/AdminCreateUserConfig/UnusedAccountValidityDays"
    assert "/Policies/PasswordPolicy/TemporaryPasswordValidityDays" in (caught.value.remedy or "")


def test_patch_setting_legacy_verification_member_is_refused() -> None:
    # Given a patch using a legacy verification member
    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", PRODUCTION_POOL, {"EmailVerificationSubject": "Hello"})

    # Then the remedy names the template member
    assert caught.value.path == "/EmailVerificationSubject"
    assert "/VerificationMessageTemplate/EmailSubject" in (caught.value.remedy or "")


def test_patch_removing_legacy_members_is_accepted_as_a_no_op() -> None:
    # Given a patch removing legacy members
    patch = {"SmsVerificationMessage": None, "AdminCreateUserConfig": {"UnusedAccountValidityDays": None}}

    # When finalised
    _, sent = _apply("pool", PRODUCTION_POOL, patch)

    # Then the document is the write-ready pool, unchanged
    assert sent == PRODUCTION_POOL_SENT


def test_patch_setting_an_aws_tag_is_refused() -> None:
    # Given a patch adding a reserved tag
    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", PRODUCTION_POOL, {"UserPoolTags": {"aws:owner": "me"}})

    # Then the path names the tag key
    assert caught.value.path == "/UserPoolTags/aws:owner"


def test_patch_changing_user_tags_keeps_reserved_tags_out() -> None:
    # Given a patch changing a user tag and removing a reserved one
    patch = {"UserPoolTags": {"team": "platform", "aws:cloudformation:stack-name": None}}

    # When finalised
    _, sent = _apply("pool", PRODUCTION_POOL, patch)

    # Then only user tags are sent
    assert sent["UserPoolTags"] == {"team": "platform"}


def test_switching_default_email_option_drops_the_other_pair() -> None:
    # Given a by-code pool switched to by-link with a new link message
    patch = {
        "VerificationMessageTemplate": {
            "DefaultEmailOption": "CONFIRM_WITH_LINK",
            "EmailMessageByLink": "Verify here: {##Verify##}",
            "EmailSubjectByLink": "Verify",
        }
    }

    # When finalised
    _, sent = _apply("pool", PRODUCTION_POOL, patch)

    # Then only the by-link pair is sent
    template = sent["VerificationMessageTemplate"]
    assert template["EmailMessageByLink"] == "Verify here: {##Verify##}"
    assert "EmailMessage" not in template
    assert "EmailSubject" not in template


def test_patch_setting_the_unused_email_pair_conflicts() -> None:
    # Given a by-code pool and a patch setting the by-link message only
    patch = {"VerificationMessageTemplate": {"EmailMessageByLink": "Verify: {##Verify##}"}}

    # When finalised
    with pytest.raises(ConflictingSettings) as caught:
        _apply("pool", PRODUCTION_POOL, patch)

    # Then the remedy says to switch DefaultEmailOption
    assert caught.value.path == "/VerificationMessageTemplate/EmailMessageByLink"
    assert "CONFIRM_WITH_LINK" in (caught.value.remedy or "")


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        (
            {"VerificationMessageTemplate": {"SmsMessage": "Your code is 1234"}},
            "/VerificationMessageTemplate/SmsMessage",
        ),
        (
            {"VerificationMessageTemplate": {"EmailMessage": "Your code"}},
            "/VerificationMessageTemplate/EmailMessage",
        ),
        ({"SmsAuthenticationMessage": "Sign-in code"}, "/SmsAuthenticationMessage"),
    ],
)
def test_code_messages_without_placeholder_are_refused(patch: dict[str, Any], path: str) -> None:
    # Given a patch setting a by-code text without {####}
    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", PRODUCTION_POOL, patch)

    # Then the message's path is reported
    assert caught.value.path == path


def test_link_message_without_link_placeholder_is_refused() -> None:
    # Given a by-link pool and a by-link message holding only a code placeholder
    patch = {"VerificationMessageTemplate": {"EmailMessageByLink": "Your code is {####}"}}

    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", LEGACY_LITE_POOL, patch)

    # Then the by-link member is reported
    assert caught.value.path == "/VerificationMessageTemplate/EmailMessageByLink"


def test_placeholders_of_untouched_live_messages_are_not_checked() -> None:
    # Given a live pool whose SMS authentication text lacks the placeholder
    pool = _pool(SmsAuthenticationMessage="Your code follows")

    # When an unrelated patch is finalised
    _, sent = _apply("pool", pool, {"DeletionProtection": "INACTIVE"})

    # Then it goes through with the live text
    assert sent["SmsAuthenticationMessage"] == "Your code follows"


def test_setting_pre_token_arn_updates_the_config_keeping_the_live_version() -> None:
    # Given a pool with a V2_0 pre-token trigger
    # When the patch changes only the legacy ARN member
    _, sent = _apply("pool", PRODUCTION_POOL, {"LambdaConfig": {"PreTokenGeneration": _fn("pre-token-2")}})

    # Then the config follows with the live version
    assert sent["LambdaConfig"]["PreTokenGenerationConfig"] == {
        "LambdaArn": _fn("pre-token-2"),
        "LambdaVersion": "V2_0",
    }


def test_setting_pre_token_arn_without_live_config_defaults_to_v1() -> None:
    # Given a pool without any pre-token trigger
    # When the patch sets the ARN
    _, sent = _apply("pool", LEGACY_LITE_POOL, {"LambdaConfig": {"PreTokenGeneration": _fn("pre-token")}})

    # Then both members are sent, version V1_0
    assert sent["LambdaConfig"] == {
        "PreTokenGeneration": _fn("pre-token"),
        "PreTokenGenerationConfig": {"LambdaArn": _fn("pre-token"), "LambdaVersion": "V1_0"},
    }


@pytest.mark.parametrize("member", ["PreTokenGeneration", "PreTokenGenerationConfig"])
def test_removing_either_pre_token_member_removes_both(member: str) -> None:
    # Given a pool with both members
    # When the patch removes one
    _, sent = _apply("pool", PRODUCTION_POOL, {"LambdaConfig": {member: None}})

    # Then both are gone and the other triggers stay
    assert "PreTokenGeneration" not in sent["LambdaConfig"]
    assert "PreTokenGenerationConfig" not in sent["LambdaConfig"]
    assert sent["LambdaConfig"]["PreSignUp"] == _fn("pre-sign-up")


def test_setting_pre_token_config_updates_the_arn() -> None:
    # Given a pool on V2_0
    patch = {"LambdaConfig": {"PreTokenGenerationConfig": {"LambdaArn": _fn("v3"), "LambdaVersion": "V3_0"}}}

    # When the patch sets the config
    _, sent = _apply("pool", PRODUCTION_POOL, patch)

    # Then the legacy member follows
    assert sent["LambdaConfig"]["PreTokenGeneration"] == _fn("v3")


def test_pre_token_members_with_different_arns_conflict() -> None:
    # Given a patch giving the two members different ARNs
    patch = {
        "LambdaConfig": {
            "PreTokenGeneration": _fn("a-function"),
            "PreTokenGenerationConfig": {"LambdaArn": _fn("b-function"), "LambdaVersion": "V2_0"},
        }
    }

    # When finalised
    with pytest.raises(ConflictingSettings) as caught:
        _apply("pool", PRODUCTION_POOL, patch)

    # Then the config's ARN is reported
    assert caught.value.path == "/LambdaConfig/PreTokenGenerationConfig/LambdaArn"


def test_pre_token_both_named_with_version_only_takes_the_arn() -> None:
    # Given a patch naming the ARN and only the version of the config
    patch = {
        "LambdaConfig": {
            "PreTokenGeneration": _fn("new-token"),
            "PreTokenGenerationConfig": {"LambdaVersion": "V3_0"},
        }
    }

    # When finalised
    _, sent = _apply("pool", PRODUCTION_POOL, patch)

    # Then the config carries the new ARN and version
    assert sent["LambdaConfig"]["PreTokenGenerationConfig"] == {
        "LambdaArn": _fn("new-token"),
        "LambdaVersion": "V3_0",
    }


def test_pre_token_rule_ignores_patches_of_other_triggers() -> None:
    # Given a live pool whose two members disagree (a pre-existing quirk)
    pool = _pool(LambdaConfig={"PreTokenGeneration": _fn("old-name")})

    # When the patch changes another trigger
    _, sent = _apply("pool", pool, {"LambdaConfig": {"PostConfirmation": _fn("post-2")}})

    # Then the pre-token members are left as they were
    assert sent["LambdaConfig"]["PreTokenGeneration"] == _fn("old-name")
    assert (
        sent["LambdaConfig"]["PreTokenGenerationConfig"]
        == PRODUCTION_POOL["LambdaConfig"]["PreTokenGenerationConfig"]
    )


def test_adding_a_custom_sender_without_kms_key_conflicts() -> None:
    # Given a pool without custom senders or key
    patch = {"LambdaConfig": {"CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": _fn("sms-sender")}}}

    # When a sender is added alone
    with pytest.raises(ConflictingSettings) as caught:
        _apply("pool", LEGACY_LITE_POOL, patch)

    # Then the key is named
    assert caught.value.path == "/LambdaConfig/KMSKeyID"


def test_removing_kms_key_while_a_sender_remains_conflicts() -> None:
    # Given a pool with a custom email sender
    # When the key is removed
    with pytest.raises(ConflictingSettings) as caught:
        _apply("pool", PRODUCTION_POOL, {"LambdaConfig": {"KMSKeyID": None}})

    # Then the remedy explains both ways out
    assert "remove the custom sender" in (caught.value.remedy or "")


def test_kms_key_must_be_a_key_arn() -> None:
    # Given a patch using an alias ARN
    alias = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/cognito"

    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", PRODUCTION_POOL, {"LambdaConfig": {"KMSKeyID": alias}})

    # Then the key is reported
    assert caught.value.path == "/LambdaConfig/KMSKeyID"


def test_sender_with_key_passes_and_gets_v1_version() -> None:
    # Given a patch adding a sender without LambdaVersion, with a key
    patch = {"LambdaConfig": {"CustomSMSSender": {"LambdaArn": _fn("sms-sender")}, "KMSKeyID": KMS_ARN}}

    # When finalised
    _, sent = _apply("pool", LEGACY_LITE_POOL, patch)

    # Then the sender gets V1_0 and the key stays
    assert sent["LambdaConfig"]["CustomSMSSender"] == {
        "LambdaArn": _fn("sms-sender"),
        "LambdaVersion": "V1_0",
    }
    assert sent["LambdaConfig"]["KMSKeyID"] == KMS_ARN


def test_sender_with_other_version_is_refused() -> None:
    # Given a patch setting a sender version other than V1_0
    patch = {"LambdaConfig": {"CustomEmailSender": {"LambdaVersion": "V2_0"}}}

    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", PRODUCTION_POOL, patch)

    # Then the version is reported
    assert caught.value.path == "/LambdaConfig/CustomEmailSender/LambdaVersion"


def test_removing_sender_and_key_together_is_allowed() -> None:
    # Given a patch removing the sender and the key
    patch = {"LambdaConfig": {"CustomEmailSender": None, "KMSKeyID": None}}

    # When finalised
    _, sent = _apply("pool", PRODUCTION_POOL, patch)

    # Then both are gone
    assert "CustomEmailSender" not in sent["LambdaConfig"]
    assert "KMSKeyID" not in sent["LambdaConfig"]


def test_tier_is_restored_when_the_patch_does_not_name_it() -> None:
    # Given a merged document whose tier some step changed
    live = prepare("pool", PRODUCTION_POOL, _pool_description(PRODUCTION_POOL))
    merged = {**live, "UserPoolTier": "PLUS"}
    ctx = RuleContext("pool", live, {"DeletionProtection": "ACTIVE"}, _pool_description(PRODUCTION_POOL))

    # When the rule runs
    doc = rules.tier_never_side_effect(merged, ctx)

    # Then the live tier is back
    assert doc["UserPoolTier"] == "ESSENTIALS"


def test_tier_named_by_the_patch_is_sent() -> None:
    # Given a patch raising the tier
    # When finalised
    _, sent = _apply("pool", PRODUCTION_POOL, {"UserPoolTier": "PLUS"})

    # Then it is sent
    assert sent["UserPoolTier"] == "PLUS"


def test_removing_the_tier_is_refused() -> None:
    # Given a patch removing the tier
    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", PRODUCTION_POOL, {"UserPoolTier": None})

    # Then the remedy asks for an explicit tier
    assert caught.value.path == "/UserPoolTier"
    assert "ESSENTIALS" in (caught.value.remedy or "")


def test_threat_protection_on_essentials_conflicts() -> None:
    # Given an ESSENTIALS pool
    # When the patch turns threat protection on
    with pytest.raises(ConflictingSettings) as caught:
        _apply("pool", PRODUCTION_POOL, {"UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"}})

    # Then the add-ons are reported with the tier remedy
    assert caught.value.path == "/UserPoolAddOns"
    assert "PLUS" in (caught.value.remedy or "")


def test_additional_flows_count_as_threat_protection() -> None:
    # Given a patch enabling only custom-auth threat protection
    patch = {"UserPoolAddOns": {"AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "AUDIT"}}}

    # When finalised on ESSENTIALS
    with pytest.raises(ConflictingSettings):
        _apply("pool", PRODUCTION_POOL, patch)


def test_threat_protection_with_plus_in_the_same_patch_passes() -> None:
    # Given a patch raising the tier and enabling threat protection
    patch = {"UserPoolTier": "PLUS", "UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}}

    # When finalised
    _, sent = _apply("pool", PRODUCTION_POOL, patch)

    # Then both are sent
    assert (sent["UserPoolTier"], sent["UserPoolAddOns"]["AdvancedSecurityMode"]) == ("PLUS", "ENFORCED")


def test_grandfathered_lite_pool_with_threat_protection_passes_unrelated_patch() -> None:
    # Given a LITE pool that already enforces threat protection
    # When an unrelated patch is finalised
    _, sent = _apply("pool", LEGACY_LITE_POOL, {"PoolName": "legacy-app-renamed"})

    # Then the add-ons are sent unchanged
    assert sent["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}


def test_lowering_the_tier_under_threat_protection_conflicts() -> None:
    # Given a PLUS pool with threat protection on
    pool = _pool(UserPoolTier="PLUS", UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"})

    # When the patch lowers the tier
    with pytest.raises(ConflictingSettings) as caught:
        _apply("pool", pool, {"UserPoolTier": "ESSENTIALS"})

    # Then the tier is reported
    assert caught.value.path == "/UserPoolTier"


@pytest.mark.parametrize("value", ["ON", "OPTIONAL"])
def test_turning_mfa_on_is_immutable_here(value: str) -> None:
    # Given a pool with MFA off
    # When the patch turns it on
    with pytest.raises(ImmutableSetting) as caught:
        _apply("pool", LEGACY_LITE_POOL, {"MfaConfiguration": value})

    # Then the remedy is SetUserPoolMfaConfig
    assert caught.value.path == "/MfaConfiguration"
    assert "SetUserPoolMfaConfig" in (caught.value.remedy or "")


def test_mfa_changes_between_on_states_pass() -> None:
    # Given a pool with MFA optional
    # When the patch makes it required
    _, sent = _apply("pool", PRODUCTION_POOL, {"MfaConfiguration": "ON"})

    # Then it is sent
    assert sent["MfaConfiguration"] == "ON"


def test_phone_verification_without_sms_configuration_conflicts() -> None:
    # Given a pool with SMS configuration
    # When the patch removes it while phone numbers are auto-verified
    with pytest.raises(ConflictingSettings) as caught:
        _apply(
            "pool",
            PRODUCTION_POOL,
            {"AutoVerifiedAttributes": ["email", "phone_number"], "SmsConfiguration": None},
        )

    # Then SmsConfiguration is reported
    assert caught.value.path == "/SmsConfiguration"


def test_phone_verification_with_sms_configuration_passes() -> None:
    # Given a pool with SMS configuration
    # When the patch adds phone verification
    _, sent = _apply("pool", PRODUCTION_POOL, {"AutoVerifiedAttributes": ["email", "phone_number"]})

    # Then it is sent
    assert sent["AutoVerifiedAttributes"] == ["email", "phone_number"]


def test_device_configuration_passes_through_unless_patched() -> None:
    # Given a merged document where a step dropped DeviceConfiguration, and one where a step added it
    live = prepare("pool", PRODUCTION_POOL, _pool_description(PRODUCTION_POOL))
    ctx = RuleContext("pool", live, {}, _pool_description(PRODUCTION_POOL))
    lite_live = prepare("pool", LEGACY_LITE_POOL, _pool_description(LEGACY_LITE_POOL))
    lite_ctx = RuleContext("pool", lite_live, {}, _pool_description(LEGACY_LITE_POOL))

    # When the rule runs
    dropped = rules.device_configuration_pass_through(
        {k: v for k, v in live.items() if k != "DeviceConfiguration"}, ctx
    )
    added = rules.device_configuration_pass_through({**lite_live, "DeviceConfiguration": {}}, lite_ctx)

    # Then the live state, including absence, is restored
    assert dropped["DeviceConfiguration"] == PRODUCTION_POOL["DeviceConfiguration"]
    assert "DeviceConfiguration" not in added


def test_device_configuration_removed_by_the_patch_is_removed() -> None:
    # Given a pool remembering devices
    # When the patch removes DeviceConfiguration
    _, sent = _apply("pool", PRODUCTION_POOL, {"DeviceConfiguration": None})

    # Then it is not sent (deactivated)
    assert "DeviceConfiguration" not in sent


def test_dcr_configuration_without_enable_status_is_refused() -> None:
    # Given a pool without DCR
    # When the patch sends a block without EnableStatus
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", PRODUCTION_POOL, {"DcrConfiguration": {"OpenDcrEnabled": False}})

    # Then EnableStatus is reported
    assert caught.value.path == "/DcrConfiguration/EnableStatus"


def test_removing_dcr_configuration_is_refused() -> None:
    # Given a pool with DCR
    pool = _pool(DcrConfiguration={"EnableStatus": "Enabled"})

    # When the patch removes the block
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", pool, {"DcrConfiguration": None})

    # Then the remedy is an explicit Disabled
    assert "Disabled" in (caught.value.remedy or "")


def test_dcr_change_keeping_live_enable_status_passes() -> None:
    # Given a pool with DCR enabled
    pool = _pool(DcrConfiguration={"EnableStatus": "Enabled", "OpenDcrEnabled": False})

    # When the patch changes one member
    _, sent = _apply("pool", pool, {"DcrConfiguration": {"AllowedScopes": ["orders/read"]}})

    # Then the full block is sent with its EnableStatus
    assert sent["DcrConfiguration"] == {
        "EnableStatus": "Enabled",
        "OpenDcrEnabled": False,
        "AllowedScopes": ["orders/read"],
    }


def test_dcr_empty_grant_types_are_refused() -> None:
    # Given a patch setting an empty grant type list
    patch = {"DcrConfiguration": {"EnableStatus": "Enabled", "AuthenticatedGrantTypes": []}}

    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("pool", PRODUCTION_POOL, patch)

    # Then the member is reported
    assert caught.value.path == "/DcrConfiguration/AuthenticatedGrantTypes"


def test_removing_every_trigger_sends_no_empty_lambda_config() -> None:
    # Given a pool with a single trigger
    pool = _pool(LambdaConfig=None)
    pool["LambdaConfig"] = {"PreSignUp": _fn("pre-sign-up")}

    # When the patch removes it
    _, sent = _apply("pool", pool, {"LambdaConfig": {"PreSignUp": None}})

    # Then no empty LambdaConfig is sent
    assert "LambdaConfig" not in sent


def test_empty_value_written_by_the_patch_is_sent_as_written() -> None:
    # Given patches writing empties whose meaning differs from omission
    pool_patch: dict[str, Any] = {
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []}
    }
    client_patch: dict[str, Any] = {"ReadAttributes": []}
    pool = _pool(UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]})

    # When finalised
    _, pool_sent = _apply("pool", pool, pool_patch)
    _, client_sent = _apply("client", WEB_CLIENT, client_patch)

    # Then the empties are sent (an omitted ReadAttributes would mean "all standard attributes")
    assert pool_sent["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": []}
    assert client_sent["ReadAttributes"] == []


# --------------------------------------------------------------------------------------------------
# Client, finalise
# --------------------------------------------------------------------------------------------------


def test_unrelated_client_patch_changes_only_the_patched_member() -> None:
    # Given a realistic client
    # When the patch renames it
    _, sent = _apply("client", WEB_CLIENT, {"ClientName": "web-2"})

    # Then the whole client is sent as described, with only the name changed
    assert sent == {**WEB_CLIENT, "ClientName": "web-2"}


def test_token_number_without_matching_unit_is_refused() -> None:
    # Given a client on hours (M2M)
    # When the patch sends 60 meaning minutes but without the unit
    with pytest.raises(InvalidValue) as caught:
        _apply("client", M2M_CLIENT, {"AccessTokenValidity": 60})

    # Then the number is reported with the converted meaning
    assert caught.value.path == "/AccessTokenValidity"
    assert "60 hours" in caught.value.message


def test_token_number_with_its_unit_passes() -> None:
    # Given a client on hours
    # When the patch sends 60 minutes
    _, sent = _apply(
        "client", M2M_CLIENT, {"AccessTokenValidity": 60, "TokenValidityUnits": {"AccessToken": "minutes"}}
    )

    # Then both travel together, other units kept
    assert sent["AccessTokenValidity"] == 60
    assert sent["TokenValidityUnits"] == {
        "AccessToken": "minutes",
        "IdToken": "hours",
        "RefreshToken": "days",
    }


def test_removing_units_reinterprets_live_numbers_and_is_refused() -> None:
    # Given a client whose access token lasts 60 minutes
    # When the patch removes TokenValidityUnits (so 60 would mean hours)
    with pytest.raises(InvalidValue) as caught:
        _apply("client", WEB_CLIENT, {"TokenValidityUnits": None})

    # Then the first number that breaks its range is reported
    assert caught.value.path == "/AccessTokenValidity"


@pytest.mark.parametrize(("days", "ok"), [(3650, True), (3651, False)])
def test_refresh_token_range_is_checked_in_days(days: int, ok: bool) -> None:
    # Given a patch setting the refresh token validity
    patch = {"RefreshTokenValidity": days}

    # When finalised
    if ok:
        _, sent = _apply("client", WEB_CLIENT, patch)
        # Then the upper bound passes
        assert sent["RefreshTokenValidity"] == days
    else:
        with pytest.raises(InvalidValue) as caught:
            _apply("client", WEB_CLIENT, patch)
        # Then one day more is refused
        assert caught.value.path == "/RefreshTokenValidity"


def test_access_token_below_five_minutes_is_refused() -> None:
    # Given a minutes-based client
    # When the patch sets 4 minutes
    with pytest.raises(InvalidValue) as caught:
        _apply("client", WEB_CLIENT, {"IdTokenValidity": 4})

    # Then the ID token is reported
    assert caught.value.path == "/IdTokenValidity"


def test_out_of_range_live_token_not_touched_does_not_block() -> None:
    # Given a live client with a value outside the documented range (pre-existing)
    client = _client(AccessTokenValidity=2)

    # When the patch changes something else
    _, sent = _apply("client", client, {"ClientName": "renamed"})

    # Then it goes through unchanged
    assert sent["AccessTokenValidity"] == 2


def test_removing_a_token_number_resets_it_to_the_default_with_its_unit() -> None:
    # Given a minutes-based client
    # When the patch removes the access token number
    _, sent = _apply("client", WEB_CLIENT, {"AccessTokenValidity": None})

    # Then 1 hour is sent explicitly
    assert (sent["AccessTokenValidity"], sent["TokenValidityUnits"]["AccessToken"]) == (1, "hours")
    assert sent["TokenValidityUnits"]["IdToken"] == "minutes"


@pytest.mark.parametrize(("minutes", "ok"), [(15, True), (2, False), (16, False)])
def test_auth_session_validity_range(minutes: int, ok: bool) -> None:
    # Given a patch setting the session validity
    patch = {"AuthSessionValidity": minutes}

    # When finalised
    if ok:
        _, sent = _apply("client", WEB_CLIENT, patch)
        # Then a value in range passes
        assert sent["AuthSessionValidity"] == minutes
    else:
        with pytest.raises(InvalidValue) as caught:
            _apply("client", WEB_CLIENT, patch)
        # Then a value out of range is refused
        assert caught.value.path == "/AuthSessionValidity"


def test_code_flow_without_callback_urls_conflicts() -> None:
    # Given a code flow client
    # When the patch removes the callback URLs (and the default redirect)
    with pytest.raises(ConflictingSettings) as caught:
        _apply("client", WEB_CLIENT, {"CallbackURLs": None, "DefaultRedirectURI": None})

    # Then CallbackURLs is reported
    assert caught.value.path == "/CallbackURLs"


def test_client_credentials_must_be_the_only_flow() -> None:
    # Given an M2M client
    # When the patch adds code to it
    with pytest.raises(ConflictingSettings) as caught:
        _apply("client", M2M_CLIENT, {"AllowedOAuthFlows": ["client_credentials", "code"]})

    # Then the flows are reported
    assert caught.value.path == "/AllowedOAuthFlows"


def test_openid_scope_with_client_credentials_conflicts() -> None:
    # Given an M2M client
    # When the patch adds openid
    with pytest.raises(ConflictingSettings) as caught:
        _apply("client", M2M_CLIENT, {"AllowedOAuthScopes": ["orders/read", "openid"]})

    # Then the scopes are reported
    assert caught.value.path == "/AllowedOAuthScopes"


def test_unknown_oauth_flow_is_refused() -> None:
    # Given a patch using the response type name instead of the flow
    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("client", WEB_CLIENT, {"AllowedOAuthFlows": ["code", "token"]})

    # Then the offending entry is reported and the remedy explains it
    assert caught.value.path == "/AllowedOAuthFlows/1"
    assert "implicit" in (caught.value.remedy or "")


def test_pre_existing_oauth_quirk_does_not_block_unrelated_change() -> None:
    # Given a live M2M client that (somehow) has openid
    client = _client(M2M_CLIENT, AllowedOAuthScopes=["openid"])

    # When the patch only changes the name
    _, sent = _apply("client", client, {"ClientName": "m2m-renamed"})

    # Then it passes unchanged
    assert sent["AllowedOAuthScopes"] == ["openid"]


@pytest.mark.parametrize(
    "url",
    [
        "http://app.example.com/callback",
        "https://app.example.com/callback#token",
        "/callback",
        "https:///callback",
    ],
)
def test_bad_new_callback_url_is_refused(url: str) -> None:
    # Given a patch adding a bad callback URL
    patch = {"CallbackURLs": [*WEB_CLIENT["CallbackURLs"], url]}

    # When finalised
    with pytest.raises(InvalidValue) as caught:
        _apply("client", WEB_CLIENT, patch)

    # Then its index is reported
    assert caught.value.path == "/CallbackURLs/2"


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example.com/cb?x=1",
        "http://localhost:8080/cb",
        "http://127.0.0.1/cb",
        "http://[::1]:3000/cb",
        "myapp://callback",
    ],
)
def test_acceptable_callback_urls_pass(url: str) -> None:
    # Given a patch adding an acceptable URL
    patch = {"CallbackURLs": [*WEB_CLIENT["CallbackURLs"], url]}

    # When finalised
    _, sent = _apply("client", WEB_CLIENT, patch)

    # Then it is sent
    assert sent["CallbackURLs"][-1] == url


def test_existing_callback_urls_are_not_rechecked() -> None:
    # Given a live client holding an HTTP URL the service accepted long ago
    client = _client(CallbackURLs=["http://legacy.example.com/cb", "https://app.example.com/callback"])

    # When the patch adds another URL
    patch = {"CallbackURLs": [*client["CallbackURLs"], "https://new.example.com/cb"]}
    _, sent = _apply("client", client, patch)

    # Then the write goes through
    assert len(sent["CallbackURLs"]) == 3


def test_default_redirect_uri_must_be_a_callback_url() -> None:
    # Given a client
    # When the patch points the default redirect elsewhere
    with pytest.raises(ConflictingSettings) as caught:
        _apply("client", WEB_CLIENT, {"DefaultRedirectURI": "https://other.example.com/cb"})

    # Then the default redirect is reported
    assert caught.value.path == "/DefaultRedirectURI"


def test_removing_the_default_redirect_from_callbacks_conflicts() -> None:
    # Given a client whose default redirect is its first callback
    # When the patch drops that callback
    with pytest.raises(ConflictingSettings) as caught:
        _apply("client", WEB_CLIENT, {"CallbackURLs": ["http://localhost:3000/callback"]})

    # Then the default redirect is reported
    assert caught.value.path == "/DefaultRedirectURI"


def test_default_redirect_uri_among_callbacks_passes() -> None:
    # Given a client
    # When the patch selects the other callback URL
    _, sent = _apply("client", WEB_CLIENT, {"DefaultRedirectURI": "http://localhost:3000/callback"})

    # Then it is sent
    assert sent["DefaultRedirectURI"] == "http://localhost:3000/callback"


def test_context_data_without_secret_conflicts() -> None:
    # Given a public client (no secret in the description)
    # When the patch turns context data propagation on
    with pytest.raises(ConflictingSettings) as caught:
        _apply("client", WEB_CLIENT, {"EnablePropagateAdditionalUserContextData": True})

    # Then the remedy is a new client with a secret
    assert "GenerateSecret" in (caught.value.remedy or "")


def test_context_data_with_secret_passes_without_copying_it() -> None:
    # Given a confidential client
    description = _client_description(WEB_CLIENT, secret=True)

    # When the patch turns context data propagation on
    _, sent = _apply("client", WEB_CLIENT, {"EnablePropagateAdditionalUserContextData": True}, description)

    # Then it is sent and the secret appears nowhere
    assert sent["EnablePropagateAdditionalUserContextData"] is True
    assert CLIENT_SECRET not in repr(sent)


def test_legacy_and_allow_auth_flows_do_not_mix() -> None:
    # Given a client using ALLOW_* flows
    patch = {"ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "USER_PASSWORD_AUTH"]}

    # When the patch mixes in a legacy flow
    with pytest.raises(ConflictingSettings) as caught:
        _apply("client", WEB_CLIENT, patch)

    # Then the flows are reported
    assert caught.value.path == "/ExplicitAuthFlows"


def test_legacy_client_keeps_its_legacy_flows_on_unrelated_change() -> None:
    # Given an old client with a legacy flow
    # When an unrelated patch is finalised
    _, sent = _apply("client", LEGACY_CLIENT, {"ClientName": "old-mobile-2"})

    # Then the legacy flow is sent as it was
    assert sent["ExplicitAuthFlows"] == ["USER_PASSWORD_AUTH"]


def test_publish_secrets_sent_only_when_the_patch_names_it() -> None:
    # Given a confidential client
    description = _client_description(M2M_CLIENT, secret=True)

    # When one patch names it and another does not (with a merged document that carries it)
    _, named = _apply("client", M2M_CLIENT, {"PublishSecretsInAWSSecretsManager": True}, description)
    live = prepare("client", M2M_CLIENT, description)
    ctx = RuleContext("client", live, {"ClientName": "x"}, description)
    unnamed = finalise("client", {**live, "PublishSecretsInAWSSecretsManager": False}, ctx)

    # Then only the first sends it
    assert named["PublishSecretsInAWSSecretsManager"] is True
    assert "PublishSecretsInAWSSecretsManager" not in unnamed


def test_every_rule_error_has_path_and_remedy() -> None:
    # Given a handful of failing patches across rules
    cases: list[tuple[Kind, dict[str, Any], dict[str, Any]]] = [
        ("pool", PRODUCTION_POOL, {"UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"}}),
        ("pool", LEGACY_LITE_POOL, {"MfaConfiguration": "ON"}),
        ("pool", PRODUCTION_POOL, {"LambdaConfig": {"KMSKeyID": None}}),
        ("client", WEB_CLIENT, {"AccessTokenValidity": 2000}),
        ("client", M2M_CLIENT, {"AllowedOAuthScopes": ["openid"]}),
    ]
    for kind, document, patch in cases:
        # When finalised
        with pytest.raises(PoolpatchError) as caught:
            _apply(kind, document, patch)

        # Then the error carries a JSON Pointer and a remedy
        assert (caught.value.path or "").startswith("/")
        assert caught.value.remedy


# --------------------------------------------------------------------------------------------------
# explicit_defaults
# --------------------------------------------------------------------------------------------------


def test_pool_explicit_defaults_for_removed_members() -> None:
    # Given a patch removing members the service keeps when omitted
    patch = {
        "MfaConfiguration": None,
        "DeletionProtection": None,
        "Policies": None,
        "UserAttributeUpdateSettings": None,
        "LambdaConfig": None,
    }

    # When the defaults are computed
    defaults = explicit_defaults("pool", patch)

    # Then each gets its documented default, and LambdaConfig (omission resets) none
    assert defaults == {
        "MfaConfiguration": "OFF",
        "DeletionProtection": "INACTIVE",
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": 7,
                "PasswordHistorySize": None,
            }
        },
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []},
    }


def test_explicit_defaults_ignore_members_that_are_set() -> None:
    # Given a patch setting values
    patch = {"MfaConfiguration": "ON", "DeletionProtection": "ACTIVE"}

    # When the defaults are computed
    # Then there are none
    assert explicit_defaults("pool", patch) == {}


def test_explicit_default_for_removed_password_policy_keeps_sign_in_policy() -> None:
    # Given a patch removing only the password policy and changing the sign-in policy
    patch = {"Policies": {"PasswordPolicy": None, "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}}}

    # When the defaults are computed and applied to a live pool
    defaults = explicit_defaults("pool", patch)
    _, sent = _apply("pool", PRODUCTION_POOL, patch)

    # Then the default policy replaces the null, the sign-in policy is kept, and it reaches the write
    assert defaults["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD"]}
    assert sent["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert "PasswordHistorySize" not in sent["Policies"]["PasswordPolicy"]


def test_explicit_defaults_show_as_the_new_value_after_finalise() -> None:
    # Given a pool with deletion protection on
    # When the patch removes it
    _, sent = _apply("pool", PRODUCTION_POOL, {"DeletionProtection": None, "MfaConfiguration": None})

    # Then the explicit defaults are what gets sent
    assert (sent["DeletionProtection"], sent["MfaConfiguration"]) == ("INACTIVE", "OFF")


def test_client_explicit_defaults() -> None:
    # Given a client patch removing token revocation and the name
    # When the defaults are computed
    defaults = explicit_defaults("client", {"EnableTokenRevocation": None, "ClientName": None})

    # Then token revocation is explicitly on, nothing else is defaulted
    assert defaults == {"EnableTokenRevocation": True}


def test_tag_limit_refuses_a_patch_that_leaves_more_than_fifty_tags() -> None:
    # Given a pool with 49 tags and a patch adding two
    live = {"UserPoolTags": {f"t{i}": "v" for i in range(49)}}
    patch = {"UserPoolTags": {"a": "1", "b": "2"}}
    merged = {"UserPoolTags": {**live["UserPoolTags"], **patch["UserPoolTags"]}}
    # When the rule runs / Then InvalidValue at /UserPoolTags naming the limit
    with pytest.raises(InvalidValue, match="50") as caught:
        rules.tag_limit(merged, RuleContext("pool", live, patch, {}))
    assert caught.value.path == "/UserPoolTags"


def test_tag_limit_ignores_patches_that_do_not_touch_tags() -> None:
    live = {"UserPoolTags": {f"t{i}": "v" for i in range(51)}}
    assert (
        rules.tag_limit(copy.deepcopy(live), RuleContext("pool", live, {"MfaConfiguration": "OFF"}, {}))
        == live
    )


def test_empty_tag_values_survive_prepare() -> None:
    # Given a live pool whose tag has an empty value (values are 0-256 characters)
    document = {"UserPoolTags": {"legal-hold": "", "team": "identity"}, "EmailConfiguration": {"From": ""}}
    # When prepared / Then the tag stays and other empty strings still go
    prepared = prepare("pool", document, {})
    assert prepared["UserPoolTags"] == {"legal-hold": "", "team": "identity"}
    assert "EmailConfiguration" not in prepared


@pytest.mark.parametrize(
    ("kind", "document", "member", "sent_value"),
    [
        ("pool", PRODUCTION_POOL, "MfaConfiguration", "OFF"),
        ("pool", PRODUCTION_POOL, "DeletionProtection", "INACTIVE"),
        (
            "pool",
            _pool(UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]}),
            "UserAttributeUpdateSettings",
            {"AttributesRequireVerificationBeforeUpdate": []},
        ),
        (
            "pool",
            PRODUCTION_POOL,
            "Policies",
            {
                "PasswordPolicy": {
                    "MinimumLength": 8,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                    "TemporaryPasswordValidityDays": 7,
                },
                "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]},
            },
        ),
        ("client", _client(EnableTokenRevocation=False), "EnableTokenRevocation", True),
    ],
)
def test_removing_a_member_the_service_keeps_sends_its_documented_default(
    kind: Kind, document: dict[str, Any], member: str, sent_value: Any
) -> None:
    # Given a live pool or client holding a value where omission keeps it (cognito-api.md §1, §4.1)
    # When a patch removes the member
    _, sent = _apply(kind, document, {member: None})

    # Then the documented default is sent, not an omission the service would ignore
    assert sent[member] == sent_value


@pytest.mark.parametrize(
    ("kind", "name", "read", "member", "sent_value"),
    [
        (
            "identityProvider",
            "Acme",
            {
                "ProviderType": "OIDC",
                "ProviderDetails": {"client_id": "a"},
                "AttributeMapping": {"email": "mail"},
            },
            "AttributeMapping",
            {},
        ),
        (
            "identityProvider",
            "Acme",
            {
                "ProviderType": "OIDC",
                "ProviderDetails": {"client_id": "a"},
                "IdpIdentifiers": ["acme.example"],
            },
            "IdpIdentifiers",
            [],
        ),
        (
            "identityProvider",
            "Acme",
            {
                "ProviderType": "OIDC",
                "ProviderDetails": {"client_id": "a"},
                "AcrMapping": {"acr": "urn:loa:1"},
            },
            "AcrMapping",
            {},
        ),
        ("group", "admins", {"GroupName": "admins", "Description": "Administrators"}, "Description", ""),
        (
            "logDelivery",
            None,
            {"LogConfigurations": [{"LogLevel": "ERROR", "EventSource": "userNotification"}]},
            "LogConfigurations",
            [],
        ),
    ],
)
def test_removing_a_member_other_kinds_keep_sends_it_empty(
    kind: Kind, name: str | None, read: dict[str, Any], member: str, sent_value: Any
) -> None:
    # Given an identity provider or group holding a value its update keeps when omitted (cognito-surface.md
    # §3: omitted = kept, empty = cleared; §5: UpdateGroup keeps omitted members), or the log delivery list
    # (required; §9: [] removes every delivery)
    target = Target(POOL_ID, None, ACCOUNT, REGION, kind=kind, name=name)

    # When a patch removes the member
    plan = pipeline.plan_change(target, read, {member: None})

    # Then the empty value is sent, replacing the live one (never merged into it), and the plan shows
    # every live entry going
    live = read[member]
    removed = [f"/{member}/{key}" for key in live] if isinstance(live, dict) else [f"/{member}"]
    assert plan.desired[member] == sent_value
    assert [change.path for change in plan.changes] == removed
