"""The rules of the configuration kinds (poolpatch.kind_rules), each driven through the real pipeline.

Every test calls :func:`poolpatch.pipeline.plan_change` with a parsed read shaped as the service returns it
(cognito-surface.md §1-§9) and, where a rule reads another kind, ``context={"pool": {...}}``; it asserts the
refusal (code, pointer, remedy), the adjustment (the document to send) or the warning the rule's docstring
promises, and, where the rule says so, that a pre-existing quirk of the live state does not block an
unrelated change. Removing any rule from ``KIND_RULES`` makes at least one test here fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from poolpatch.errors import ConflictingSettings, ImmutableSetting, InvalidValue, PoolpatchError
from poolpatch.kinds import Kind
from poolpatch.pipeline import Plan, plan_change
from poolpatch.request import Target

ACCOUNT = "123456789012"
REGION = "eu-west-1"
POOL_ID = f"{REGION}_AbCdEf123"
CLIENT_ID = "1example23456789abcdefghij"
SES = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/acme.example.com"
LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/acme"
BUCKET = "arn:aws:s3:::acme-cognito-logs"
CERT = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0f6c2d3e-1111-2222-3333-444455556666"
NEW_CERT = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/9a8b7c6d-1111-2222-3333-444455556666"
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
TOTP: dict[str, Any] = {"Enabled": True}
EMAIL_MFA: dict[str, Any] = {"Message": "Your code is {####}", "Subject": "Your code"}
SMS_MFA: dict[str, Any] = {
    "SmsAuthenticationMessage": "Your code is {####}",
    "SmsConfiguration": {"SnsCallerArn": f"arn:aws:iam::{ACCOUNT}:role/sns", "ExternalId": "x"},
}


def _target(kind: Kind, *, name: str | None = None, client_id: str | None = None) -> Target:
    return Target(POOL_ID, client_id, ACCOUNT, REGION, kind=kind, name=name)


def _plan(
    kind: Kind,
    parsed: Mapping[str, Any],
    patch: Mapping[str, Any],
    *,
    pool: Mapping[str, Any] | None = None,
    name: str | None = None,
    client_id: str | None = None,
) -> Plan:
    context: dict[Kind, Mapping[str, Any]] | None = {"pool": pool} if pool is not None else None
    return plan_change(_target(kind, name=name, client_id=client_id), parsed, patch, context=context)


def _refused(
    error: type[PoolpatchError],
    kind: Kind,
    parsed: Mapping[str, Any],
    patch: Mapping[str, Any],
    **options: Any,
) -> PoolpatchError:
    with pytest.raises(error) as excinfo:
        _plan(kind, parsed, patch, **options)
    return excinfo.value


def _paths(plan: Plan) -> list[str]:
    return [change.path for change in plan.changes]


def _pool(**members: Any) -> dict[str, Any]:
    """A DescribeUserPool object with the members these rules read (Essentials, SES email)."""
    return {
        "Id": POOL_ID,
        "Name": "acme",
        "UserPoolTier": "ESSENTIALS",
        "EmailConfiguration": {"EmailSendingAccount": "DEVELOPER", "SourceArn": SES},
        "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}},
        **members,
    }


def _sign_in(*factors: str) -> dict[str, Any]:
    return {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", *factors]}}


# --- mfa (cognito-surface.md §2) -----------------------------------------------------------------------


def test_mfa_off_is_written_without_factor_blocks_and_the_plan_shows_them_go() -> None:
    # Given MFA OFF whose read still carries SMS settings and a disabled TOTP block
    parsed = {
        "MfaConfiguration": "OFF",
        "SmsMfaConfiguration": SMS_MFA,
        "SoftwareTokenMfaConfiguration": {"Enabled": False},
    }
    webauthn = {
        "WebAuthnConfiguration": {"RelyingPartyId": "auth.acme.example.com", "UserVerification": "preferred"}
    }

    # When an unrelated member (passkeys, accepted with OFF) is patched; and when MFA is turned on again
    plan = _plan("mfa", parsed, webauthn)
    back_on = _plan("mfa", parsed, {"MfaConfiguration": "OPTIONAL"})

    # Then the document to send has no factor block, and the plan shows the blocks going with the patched
    # member; turned on again, the read's SMS settings are kept (the write replaces everything)
    assert plan.desired == {"MfaConfiguration": "OFF", **webauthn}
    assert _paths(plan) == [
        "/SmsMfaConfiguration",
        "/SoftwareTokenMfaConfiguration",
        "/WebAuthnConfiguration",
    ]
    assert back_on.desired["SmsMfaConfiguration"] == SMS_MFA


def test_mfa_off_with_a_factor_in_the_same_patch_is_refused() -> None:
    # Given MFA OPTIONAL with TOTP
    parsed = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": TOTP}

    # When MFA is turned OFF while the patch enables email MFA
    error = _refused(
        ConflictingSettings, "mfa", parsed, {"MfaConfiguration": "OFF", "EmailMfaConfiguration": EMAIL_MFA}
    )

    # Then the factor is named
    assert error.path == "/EmailMfaConfiguration"
    assert "OPTIONAL" in (error.remedy or "")


def test_mfa_off_drops_the_live_factor_blocks() -> None:
    # Given MFA OPTIONAL with TOTP and email
    parsed = {
        "MfaConfiguration": "OPTIONAL",
        "SoftwareTokenMfaConfiguration": TOTP,
        "EmailMfaConfiguration": EMAIL_MFA,
    }

    # When MFA alone is turned OFF
    plan = _plan("mfa", parsed, {"MfaConfiguration": "OFF"})

    # Then the write sends no factor with OFF (the service refuses both together)
    assert plan.desired == {"MfaConfiguration": "OFF"}
    assert sorted(_paths(plan)) == [
        "/EmailMfaConfiguration",
        "/MfaConfiguration",
        "/SoftwareTokenMfaConfiguration",
    ]


def test_mfa_on_without_a_factor_is_refused() -> None:
    # Given MFA OFF and no factor
    parsed = {"MfaConfiguration": "OFF"}

    # When MFA is turned ON alone
    error = _refused(ConflictingSettings, "mfa", parsed, {"MfaConfiguration": "ON"})

    # Then the remedy gives the factor to add
    assert error.path == "/MfaConfiguration"
    assert '"SoftwareTokenMfaConfiguration": {"Enabled": true}' in (error.remedy or "")
    # ... and with a factor it is planned
    plan = _plan("mfa", parsed, {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": TOTP})
    assert plan.desired == {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": TOTP}


@pytest.mark.parametrize("factor", ["EMAIL_OTP", "SMS_OTP"])
def test_mfa_on_refused_while_otp_is_a_first_factor(factor: str) -> None:
    # Given a pool offering an OTP first factor, and MFA OPTIONAL with TOTP
    pool = _pool(Policies=_sign_in(factor))
    parsed = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": TOTP}

    # When MFA is turned ON
    error = _refused(ConflictingSettings, "mfa", parsed, {"MfaConfiguration": "ON"}, pool=pool)

    # Then the first factor is named, with the pool change to make first
    assert error.path == "/MfaConfiguration"
    assert factor in error.message
    assert "AllowedFirstAuthFactors" in (error.remedy or "")
    # ... while OPTIONAL stays accepted, and without the pool's state nothing is checked
    optional = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": TOTP}
    assert _plan("mfa", {"MfaConfiguration": "OFF"}, optional, pool=pool).desired == optional
    assert _plan("mfa", parsed, {"MfaConfiguration": "ON"}).desired["MfaConfiguration"] == "ON"


def test_mfa_on_with_passkey_first_factor_needs_multi_factor_passkeys() -> None:
    # Given a pool offering WEB_AUTHN as a first factor
    pool = _pool(Policies=_sign_in("WEB_AUTHN"))
    parsed = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": TOTP}

    # When MFA is turned ON without, then with, multi-factor passkeys
    error = _refused(ConflictingSettings, "mfa", parsed, {"MfaConfiguration": "ON"}, pool=pool)
    multi = {"FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION", "UserVerification": "required"}
    plan = _plan("mfa", parsed, {"MfaConfiguration": "ON", "WebAuthnConfiguration": multi}, pool=pool)

    # Then the first is refused at the factor configuration, the second planned
    assert error.path == "/WebAuthnConfiguration/FactorConfiguration"
    assert plan.desired["WebAuthnConfiguration"] == multi


def test_mfa_on_with_otp_first_factor_does_not_block_an_unrelated_mfa_change() -> None:
    # Given MFA already ON while the pool offers EMAIL_OTP first (a state the rule would refuse to create)
    pool = _pool(Policies=_sign_in("EMAIL_OTP"))
    parsed = {
        "MfaConfiguration": "ON",
        "SoftwareTokenMfaConfiguration": TOTP,
        "EmailMfaConfiguration": EMAIL_MFA,
    }

    # When only the email MFA subject changes
    plan = _plan("mfa", parsed, {"EmailMfaConfiguration": {"Subject": "Acme code"}}, pool=pool)

    # Then it is planned
    assert _paths(plan) == ["/EmailMfaConfiguration/Subject"]


def test_passkey_downgrade_while_mfa_required_is_refused() -> None:
    # Given MFA ON with multi-factor passkeys, and WEB_AUTHN a first factor of the pool
    parsed = {
        "MfaConfiguration": "ON",
        "SoftwareTokenMfaConfiguration": TOTP,
        "WebAuthnConfiguration": {
            "RelyingPartyId": "auth.acme.example.com",
            "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION",
        },
    }
    pool = _pool(Policies=_sign_in("WEB_AUTHN"))

    # When a patch makes passkeys single-factor without touching MfaConfiguration
    error = _refused(
        ConflictingSettings,
        "mfa",
        parsed,
        {"WebAuthnConfiguration": {"FactorConfiguration": "SINGLE_FACTOR"}},
        pool=pool,
    )

    # Then it is refused at the factor configuration
    assert error.path == "/WebAuthnConfiguration/FactorConfiguration"


def test_multi_factor_passkeys_need_essentials() -> None:
    # Given MFA OPTIONAL with TOTP on a LITE pool and on an Essentials pool
    parsed = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": TOTP}
    patch = {"WebAuthnConfiguration": {"FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}}

    # When passkeys become a multi-factor method
    error = _refused(ConflictingSettings, "mfa", parsed, patch, pool=_pool(UserPoolTier="LITE"))
    plan = _plan("mfa", parsed, patch, pool=_pool())

    # Then LITE refuses at the factor configuration; Essentials plans it
    assert error.path == "/WebAuthnConfiguration/FactorConfiguration"
    assert plan.desired["WebAuthnConfiguration"] == patch["WebAuthnConfiguration"]


def test_email_mfa_refused_on_lite_and_without_ses() -> None:
    # Given MFA OPTIONAL with TOTP, on a Lite pool and on a pool sending with Cognito's own email
    parsed = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": TOTP}
    patch = {"EmailMfaConfiguration": EMAIL_MFA}
    lite = _pool(UserPoolTier="LITE")
    cognito_email = _pool(EmailConfiguration={"EmailSendingAccount": "COGNITO_DEFAULT"})

    # When email MFA is enabled
    on_lite = _refused(ConflictingSettings, "mfa", parsed, patch, pool=lite)
    without_ses = _refused(ConflictingSettings, "mfa", parsed, patch, pool=cognito_email)

    # Then both are refused at the email block, each with the pool change to make
    assert on_lite.path == without_ses.path == "/EmailMfaConfiguration"
    assert "ESSENTIALS" in (on_lite.remedy or "")
    assert "DEVELOPER" in (without_ses.remedy or "")
    # ... and on an Essentials pool with SES it is planned
    assert _paths(_plan("mfa", parsed, patch, pool=_pool())) == ["/EmailMfaConfiguration"]


def test_live_email_mfa_without_ses_does_not_block_an_unrelated_change() -> None:
    # Given email MFA already on while the pool sends with Cognito's own email
    pool = _pool(EmailConfiguration={"EmailSendingAccount": "COGNITO_DEFAULT"})
    parsed = {
        "MfaConfiguration": "OPTIONAL",
        "SoftwareTokenMfaConfiguration": TOTP,
        "EmailMfaConfiguration": EMAIL_MFA,
    }

    # When only TOTP is turned off
    plan = _plan("mfa", parsed, {"SoftwareTokenMfaConfiguration": {"Enabled": False}}, pool=pool)

    # Then it is planned, email MFA kept
    assert plan.desired["EmailMfaConfiguration"] == EMAIL_MFA


# --- domain (cognito-surface.md §1) -------------------------------------------------------------------

PREFIX: dict[str, Any] = {
    "UserPoolId": POOL_ID,
    "Domain": "acme-auth",
    "AWSAccountId": ACCOUNT,
    "Status": "ACTIVE",
    "ManagedLoginVersion": 1,
}
CUSTOM: dict[str, Any] = {
    "UserPoolId": POOL_ID,
    "Domain": "auth.acme.example.com",
    "Status": "ACTIVE",
    "ManagedLoginVersion": 2,
    "CustomDomainConfig": {"CertificateArn": CERT, "SecurityPolicy": "TLS_V1_2_2021"},
}


def test_prefix_domain_cannot_get_a_certificate() -> None:
    # Given a prefix domain
    # When a certificate is patched in
    error = _refused(
        ImmutableSetting, "domain", PREFIX, {"CustomDomainConfig": {"CertificateArn": CERT}}, name="acme-auth"
    )

    # Then it is immutable, with the delete-and-create remedy
    assert error.path == "/CustomDomainConfig"
    assert "CreateUserPoolDomain" in (error.remedy or "")


def test_custom_domain_cannot_lose_its_certificate_but_can_rotate_it() -> None:
    # Given a custom domain
    name = "auth.acme.example.com"

    # When its CustomDomainConfig is removed, then only its certificate is replaced
    error = _refused(ImmutableSetting, "domain", CUSTOM, {"CustomDomainConfig": None}, name=name)
    plan = _plan("domain", CUSTOM, {"CustomDomainConfig": {"CertificateArn": NEW_CERT}}, name=name)

    # Then the removal is refused and the rotation planned with the security policy kept
    assert error.path == "/CustomDomainConfig"
    assert plan.desired["CustomDomainConfig"] == {
        "CertificateArn": NEW_CERT,
        "SecurityPolicy": "TLS_V1_2_2021",
    }


def test_routing_on_a_prefix_domain_is_refused() -> None:
    # Given a prefix domain
    routing = {"Failover": {"SecondaryRegion": "eu-central-1", "PrimaryRoute53HealthCheckId": "hc-1"}}

    # When failover routing is patched in
    error = _refused(ConflictingSettings, "domain", PREFIX, {"Routing": routing}, name="acme-auth")

    # Then Routing is named
    assert error.path == "/Routing"


def test_managed_login_version_2_warns_about_branding_styles() -> None:
    # Given a prefix domain on the classic hosted UI
    # When it moves to managed login
    plan = _plan("domain", PREFIX, {"ManagedLoginVersion": 2}, name="acme-auth")

    # Then the plan warns that clients need a branding style
    assert any("branding style" in warning for warning in plan.warnings)
    # ... a change that leaves the version alone does not
    unchanged = _plan(
        "domain", CUSTOM, {"CustomDomainConfig": {"CertificateArn": NEW_CERT}}, name=CUSTOM["Domain"]
    )
    assert not any("branding style" in warning for warning in unchanged.warnings)


# --- identity providers (cognito-surface.md §3) -------------------------------------------------------

OIDC = {
    "UserPoolId": POOL_ID,
    "ProviderName": "Acme",
    "ProviderType": "OIDC",
    "ProviderDetails": {
        "client_id": "acme",
        "client_secret": "not-a-real-secret-oidc",
        "authorize_scopes": "openid email",
        "attributes_request_method": "GET",
        "oidc_issuer": "https://login.acme.example.com",
        "attributes_url_add_attributes": "false",
    },
    "AttributeMapping": {"email": "email", "username": "sub"},
}
GOOGLE = {
    "UserPoolId": POOL_ID,
    "ProviderName": "Google",
    "ProviderType": "Google",
    "ProviderDetails": {
        "client_id": "123-acme.apps.googleusercontent.com",
        "client_secret": "not-a-real-secret-google",
        "authorize_scopes": "openid email",
        "attributes_url": "https://people.googleapis.com/v1/people/me?personFields=",
        "attributes_url_add_attributes": "true",
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://www.googleapis.com/oauth2/v4/token",
        "token_request_method": "POST",
        "oidc_issuer": "https://accounts.google.com",
    },
    "AttributeMapping": {"email": "email", "username": "sub"},
}
APPLE = {
    "UserPoolId": POOL_ID,
    "ProviderName": "SignInWithApple",
    "ProviderType": "SignInWithApple",
    "ProviderDetails": {
        "client_id": "com.acme.web",
        "team_id": "TEAM123456",
        "key_id": "KEY1234567",
        "authorize_scopes": "email name",
        "authorize_url": "https://appleid.apple.com/auth/authorize",
        "token_url": "https://appleid.apple.com/auth/token",
        "oidc_issuer": "https://appleid.apple.com",
    },
    "AttributeMapping": {"email": "email", "username": "sub"},
}
SAML = {
    "UserPoolId": POOL_ID,
    "ProviderName": "Okta",
    "ProviderType": "SAML",
    "ProviderDetails": {
        "MetadataURL": "https://acme.okta.com/app/metadata",
        "ActiveEncryptionCertificate": "MIIC",
    },
}


@pytest.mark.parametrize(
    ("parsed", "derived"),
    [
        (OIDC, {"attributes_url_add_attributes"}),
        (
            GOOGLE,
            {
                "attributes_url",
                "attributes_url_add_attributes",
                "authorize_url",
                "token_url",
                "token_request_method",
                "oidc_issuer",
            },
        ),
        (SAML, {"ActiveEncryptionCertificate"}),
    ],
    ids=["OIDC", "Google", "SAML"],
)
def test_idp_derived_details_are_not_written_back(parsed: dict[str, Any], derived: set[str]) -> None:
    # Given a provider whose read carries keys the service derives
    details: Mapping[str, Any] = parsed["ProviderDetails"]
    # When only its attribute mapping changes
    plan = _plan(
        "identityProvider", parsed, {"AttributeMapping": {"email": "email"}}, name=parsed["ProviderName"]
    )

    # Then the document to send has every written key and none of the derived ones, unchanged otherwise
    assert plan.desired["ProviderDetails"] == {k: v for k, v in details.items() if k not in derived}
    assert all(change.path.startswith("/AttributeMapping") for change in plan.changes)


def test_apple_write_without_private_key_is_refused() -> None:
    # Given a Sign in with Apple provider (its private_key is never read back)
    # When only the attribute mapping changes, then with the key sent
    error = _refused(
        ConflictingSettings,
        "identityProvider",
        APPLE,
        {"AttributeMapping": {"email": "email"}},
        name="SignInWithApple",
    )
    key = "-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----"
    plan = _plan("identityProvider", APPLE, {"ProviderDetails": {"private_key": key}}, name="SignInWithApple")

    # Then the first is refused at the key, the second sends the key with the other details kept
    assert error.path == "/ProviderDetails/private_key"
    assert plan.desired["ProviderDetails"] == {
        "client_id": "com.acme.web",
        "team_id": "TEAM123456",
        "key_id": "KEY1234567",
        "authorize_scopes": "email name",
        "private_key": key,
    }


def test_acr_mapping_only_on_oidc() -> None:
    # Given a SAML and an OIDC provider
    acr = {"AcrMapping": {"Level1": "urn:acme:loa:1"}}

    # When an ACR mapping is patched in
    error = _refused(ConflictingSettings, "identityProvider", SAML, acr, name="Okta")
    plan = _plan("identityProvider", OIDC, acr, name="Acme")

    # Then SAML is refused, OIDC planned
    assert error.path == "/AcrMapping"
    assert plan.desired["AcrMapping"] == acr["AcrMapping"]


def test_identity_provider_details_cannot_be_removed() -> None:
    # Given an OIDC provider
    parsed = {"ProviderName": "Acme", "ProviderType": "OIDC", "ProviderDetails": {"client_id": "acme"}}

    # When the patch removes ProviderDetails; then only one key of it
    with pytest.raises(ImmutableSetting) as excinfo:
        _plan("identityProvider", parsed, {"ProviderDetails": None}, name="Acme")
    plan = _plan("identityProvider", parsed, {"ProviderDetails": {"client_id": None}}, name="Acme")

    # Then the whole map is refused at its pointer; a single key goes
    assert excinfo.value.path == "/ProviderDetails"
    assert plan.desired["ProviderDetails"] == {}


# --- resource servers (cognito-surface.md §4, cognito-api.md §3.1) -----------------------------------

SERVER: dict[str, Any] = {
    "UserPoolId": POOL_ID,
    "Identifier": "https://api.acme.example.com",
    "Name": "Acme API",
    "Scopes": [
        {"ScopeName": "orders.read", "ScopeDescription": "Read orders"},
        {"ScopeName": "orders.write", "ScopeDescription": "Write orders"},
    ],
}


def test_resource_server_managed_by_cognito_is_refused() -> None:
    # Given a resource server Amazon Cognito manages
    managed = {**SERVER, "ManagedBy": "AmazonCognito"}

    # When it is renamed
    error = _refused(ImmutableSetting, "resourceServer", managed, {"Name": "Mine"}, name=SERVER["Identifier"])

    # Then it is refused as not the caller's
    assert "AmazonCognito" in error.message
    # ... while an own server is planned
    assert _paths(_plan("resourceServer", SERVER, {"Name": "Mine"}, name=SERVER["Identifier"])) == ["/Name"]


def test_removed_scope_is_warned_about() -> None:
    # Given two scopes
    # When one is dropped, then one is added
    dropped = _plan("resourceServer", SERVER, {"Scopes": SERVER["Scopes"][:1]}, name=SERVER["Identifier"])
    added = _plan(
        "resourceServer",
        SERVER,
        {"Scopes": [*SERVER["Scopes"], {"ScopeName": "invoices.read", "ScopeDescription": "Read invoices"}]},
        name=SERVER["Identifier"],
    )

    # Then only the removal warns, naming the scope and the client error it would cause
    assert len(dropped.warnings) == 1
    assert "orders.write" in dropped.warnings[0]
    assert "ScopeDoesNotExistException" in dropped.warnings[0]
    assert added.warnings == ()


# --- groups (cognito-surface.md §5) -------------------------------------------------------------------

GROUP = {
    "GroupName": "admins",
    "UserPoolId": POOL_ID,
    "Description": "Administrators",
    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/admins",
    "Precedence": 1,
}


@pytest.mark.parametrize("member", ["RoleArn", "Precedence"])
def test_group_role_and_precedence_cannot_be_removed(member: str) -> None:
    # Given a group with a role and a precedence
    # When one is removed
    error = _refused(ImmutableSetting, "group", GROUP, {member: None}, name="admins")

    # Then it is refused at that member
    assert error.path == f"/{member}"


def test_removing_an_absent_group_role_is_not_blocked() -> None:
    # Given a group without role or precedence
    bare = {"GroupName": "viewers", "UserPoolId": POOL_ID, "Description": "Viewers"}

    # When the patch removes the role it does not have and changes the description
    plan = _plan("group", bare, {"RoleArn": None, "Description": "Read-only"}, name="viewers")

    # Then it is planned
    assert plan.desired == {"Description": "Read-only"}


# --- risk configuration (cognito-surface.md §6) ------------------------------------------------------

RISK = {
    "UserPoolId": POOL_ID,
    "CompromisedCredentialsRiskConfiguration": {"Actions": {"EventAction": "BLOCK"}},
}


def test_risk_configuration_needs_threat_protection() -> None:
    # Given a pool with threat protection off, and one in AUDIT mode
    off = _pool(UserPoolTier="PLUS", UserPoolAddOns={"AdvancedSecurityMode": "OFF"})
    audit = _pool(UserPoolTier="PLUS", UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"})
    patch = {"RiskExceptionConfiguration": {"SkippedIPRangeList": ["10.0.0.0/8"]}}

    # When a risk setting changes on each
    error = _refused(ConflictingSettings, "riskConfiguration", RISK, patch, pool=off)
    plan = _plan("riskConfiguration", RISK, patch, pool=audit)

    # Then the first is refused with the pool change to make, the second planned
    assert '"AdvancedSecurityMode": "AUDIT"' in (error.remedy or "")
    assert _paths(plan) == ["/RiskExceptionConfiguration"]


# --- classic hosted UI (cognito-surface.md §7) --------------------------------------------------------

UI = {
    "UserPoolId": POOL_ID,
    "ClientId": "ALL",
    "CSS": ".banner-customizable { color: red; }",
    "CSSVersion": "1",
}


def test_ui_customization_needs_a_domain() -> None:
    # Given a pool without a domain, and one with a prefix domain
    patch = {"CSS": ".banner-customizable { color: blue; }"}

    # When the CSS changes on each
    error = _refused(ConflictingSettings, "uiCustomization", UI, patch, pool=_pool())
    plan = _plan("uiCustomization", UI, patch, pool=_pool(Domain="acme-auth"))

    # Then the first is refused, the second planned
    assert "CreateUserPoolDomain" in (error.remedy or "")
    assert plan.desired == patch


def test_ui_logo_must_be_sent_again_or_removed_explicitly() -> None:
    # Given a customization with a logo (read as ImageUrl only)
    with_logo = {**UI, "ImageUrl": "https://cdn.example.com/ALL/assets/images/image.png"}
    css = {"CSS": ".banner-customizable { color: blue; }"}

    # When only the CSS changes; then with the logo sent again; then with the logo removed
    error = _refused(ConflictingSettings, "uiCustomization", with_logo, css)
    resent = _plan("uiCustomization", with_logo, {**css, "ImageFile": PNG_B64})
    removed = _plan("uiCustomization", with_logo, {**css, "ImageFile": None})

    # Then the first is refused at ImageFile; the others send the CSS with or without the logo
    assert error.path == "/ImageFile"
    assert resent.desired == {**css, "ImageFile": PNG_B64}
    assert removed.desired == css


def test_removing_the_logo_alone_is_a_change_the_plan_shows() -> None:
    # Given a customization with a logo (the read shows only its ImageUrl)
    url = "https://cdn.example.com/ALL/assets/images/image.png"
    with_logo = {**UI, "ImageUrl": url}

    # When the patch only removes the logo
    plan = _plan("uiCustomization", with_logo, {"ImageFile": None})

    # Then the plan shows the logo (by its URL) going, though neither document holds ImageFile
    assert [(change.path, change.before) for change in plan.changes] == [("/ImageFile", url)]
    assert plan.desired == {"CSS": UI["CSS"]}


def test_client_level_setting_warns_that_the_client_stops_inheriting() -> None:
    # Given an app client without a customization of its own (its read is the pool's: own read empty)
    # When it gets its own CSS; and when a client that has its own changes it
    inherited = _plan("uiCustomization", {}, {"CSS": ".a { color: red; }"}, client_id=CLIENT_ID)
    own = _plan("uiCustomization", {**UI, "ClientId": CLIENT_ID}, {"CSS": ".a {}"}, client_id=CLIENT_ID)

    # Then only the first warns that the client stops inheriting the pool's customization
    assert any("stops inheriting" in warning for warning in inherited.warnings)
    assert not any("stops inheriting" in warning for warning in own.warnings)


def test_ui_without_logo_needs_no_image_file() -> None:
    # Given a customization without a logo
    # When only the CSS changes
    plan = _plan("uiCustomization", UI, {"CSS": ".x{}"}, client_id=CLIENT_ID)

    # Then it is planned
    assert plan.desired == {"CSS": ".x{}"}


# --- managed login branding (cognito-surface.md §8) ---------------------------------------------------

LOGO = {"Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": PNG_B64}
BRANDING = {
    "ManagedLoginBrandingId": "0c1d2e3f-1111-2222-3333-444455556666",
    "UserPoolId": POOL_ID,
    "UseCognitoProvidedValues": False,
    "Settings": {"categories": {"global": {"colorSchemeMode": "LIGHT"}}},
    "Assets": [LOGO],
}


def _branding(patch: Mapping[str, Any]) -> Plan:
    return _branding_of(BRANDING, patch)


def _branding_of(read: Mapping[str, Any], patch: Mapping[str, Any]) -> Plan:
    return _plan("managedLoginBranding", read, patch, client_id=CLIENT_ID)


def test_branding_setting_cannot_be_removed() -> None:
    # Given a style with a color scheme setting
    # When the patch removes it
    with pytest.raises(ConflictingSettings) as excinfo:
        _branding({"Settings": {"categories": {"global": {"colorSchemeMode": None}}}})

    # Then the removal is refused at its pointer (the update would keep it)
    assert excinfo.value.path == "/Settings/categories/global/colorSchemeMode"


def test_branding_asset_cannot_be_dropped_but_one_can_be_added() -> None:
    # Given a style with a light form logo
    dark = {**LOGO, "ColorMode": "DARK"}

    # When the asset list drops it; then when it adds a dark one beside it
    with pytest.raises(ConflictingSettings) as excinfo:
        _branding({"Assets": [dark]})
    plan = _branding({"Assets": [LOGO, dark]})

    # Then the drop is refused, the addition planned (assets listed by Category, then ColorMode)
    assert excinfo.value.path == "/Assets"
    assert plan.desired["Assets"] == [dark, LOGO]


def test_customizing_a_style_on_cognito_values_leaves_them() -> None:
    # Given a style on Cognito's values (no Settings or Assets of its own)
    on_defaults = {
        "ManagedLoginBrandingId": BRANDING["ManagedLoginBrandingId"],
        "UseCognitoProvidedValues": True,
    }
    settings = {"categories": {"global": {"colorSchemeMode": "DARK"}}}

    # When a patch sends Settings without naming UseCognitoProvidedValues
    plan = _branding_of(on_defaults, {"Settings": settings})

    # Then the style leaves Cognito's values (the service refuses both together) and the plan shows it
    assert plan.desired == {"UseCognitoProvidedValues": False, "Settings": settings}
    assert "/UseCognitoProvidedValues" in _paths(plan)


def test_branding_cognito_defaults_take_no_settings() -> None:
    # Given a customized style
    # When it reverts to the defaults with settings; then alone
    with pytest.raises(ConflictingSettings) as excinfo:
        _branding({"UseCognitoProvidedValues": True, "Settings": {"categories": {}}})
    plan = _branding({"UseCognitoProvidedValues": True})

    # Then the first is refused; the second sends the flag without Settings or Assets
    assert excinfo.value.path == "/UseCognitoProvidedValues"
    assert plan.desired == {"UseCognitoProvidedValues": True}


def test_branding_asset_pairs_are_unique_and_kept_in_key_order() -> None:
    # Given a style with a light form logo
    dark = {**LOGO, "ColorMode": "DARK"}
    favicon = {**LOGO, "Category": "FAVICON_ICO", "Extension": "ICO"}

    # When a patch lists one (Category, ColorMode) pair twice; then lists new assets out of order
    with pytest.raises(InvalidValue) as excinfo:
        _branding({"Assets": [LOGO, dark, {**dark, "Extension": "JPEG"}]})
    plan = _branding({"Assets": [LOGO, favicon, dark]})

    # Then the duplicate is refused at its index; the document lists assets by (Category, ColorMode)
    assert excinfo.value.path == "/Assets/2"
    assert plan.desired["Assets"] == [favicon, dark, LOGO]


# --- log delivery (cognito-surface.md §9) -------------------------------------------------------------

NOTIFICATION_ERRORS = {
    "LogLevel": "ERROR",
    "EventSource": "userNotification",
    "CloudWatchLogsConfiguration": {"LogGroupArn": LOG_GROUP},
}
AUTH_EVENTS_S3 = {
    "LogLevel": "INFO",
    "EventSource": "userAuthEvents",
    "S3Configuration": {"BucketArn": BUCKET},
}
LOGS = {"UserPoolId": POOL_ID, "LogConfigurations": [NOTIFICATION_ERRORS]}


def test_log_delivery_entry_per_source_once() -> None:
    # Given one userNotification entry
    # When the list names the source twice
    error = _refused(InvalidValue, "logDelivery", LOGS, {"LogConfigurations": [NOTIFICATION_ERRORS] * 2})

    # Then the second is named
    assert error.path == "/LogConfigurations/1/EventSource"


def test_log_delivery_levels_per_source() -> None:
    # Given log delivery
    info = {**NOTIFICATION_ERRORS, "LogLevel": "INFO"}
    auth_error = {**AUTH_EVENTS_S3, "LogLevel": "ERROR"}
    to_s3 = {"LogLevel": "ERROR", "EventSource": "userNotification", "S3Configuration": {"BucketArn": BUCKET}}

    # When userNotification logs INFO, or goes to S3; or userAuthEvents logs ERROR
    wrong_level = _refused(ConflictingSettings, "logDelivery", LOGS, {"LogConfigurations": [info]})
    wrong_place = _refused(ConflictingSettings, "logDelivery", LOGS, {"LogConfigurations": [to_s3]})
    auth_level = _refused(ConflictingSettings, "logDelivery", LOGS, {"LogConfigurations": [auth_error]})

    # Then each is refused where it is wrong
    assert wrong_level.path == "/LogConfigurations/0/LogLevel"
    assert wrong_place.path == "/LogConfigurations/0"
    assert auth_level.path == "/LogConfigurations/0/LogLevel"


def test_user_activity_logs_and_s3_need_plus() -> None:
    # Given an Essentials pool and a Plus pool
    patch = {"LogConfigurations": [NOTIFICATION_ERRORS, AUTH_EVENTS_S3]}

    # When user activity logs to S3 are added on each
    error = _refused(ConflictingSettings, "logDelivery", LOGS, patch, pool=_pool())
    plan = _plan("logDelivery", LOGS, patch, pool=_pool(UserPoolTier="PLUS"))

    # Then Essentials is refused with the tier change to make, Plus planned
    assert error.path == "/LogConfigurations/1"
    assert "PLUS" in (error.remedy or "")
    assert plan.desired == patch
