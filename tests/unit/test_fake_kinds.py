"""The fake's configuration kinds behave like the real service (cognito-surface.md §0-§9, §14).

One test per behaviour, each asserting on what the service returns (Describe/Get output or the error), so
removing the behaviour fails it. Sources are cited in each test and in the fake's docstrings.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

import poolpatch_fake
from poolpatch_fake import faults, seed

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "eu-west-1"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f6c2d3e-1111-2222-3333-444455556666"
LOG_GROUP = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/acme"
TOTP: Any = {"Enabled": True}
EMAIL_MFA: Any = {"Message": "Your code is {####}", "Subject": "Your code"}
PNG = seed.LOGO_PNG


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


def _pool(client: CognitoIdentityProviderClient, **settings: Any) -> str:
    return client.create_user_pool(PoolName="acme-test", **settings)["UserPool"]["Id"]


def _client(client: CognitoIdentityProviderClient, pool_id: str) -> str:
    return client.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]


def _plus_pool(client: CognitoIdentityProviderClient, mode: str = "AUDIT") -> str:
    return _pool(client, UserPoolTier="PLUS", UserPoolAddOns={"AdvancedSecurityMode": mode})


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _strip(response: Any) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


# --------------------------------------------------------------------------------------------- 1. MFA


def test_mfa_set_is_a_full_replace(cognito: CognitoIdentityProviderClient) -> None:
    # Given MFA OPTIONAL with TOTP and email
    pool_id = _pool(cognito)
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration=TOTP,
        EmailMfaConfiguration=EMAIL_MFA,
        MfaConfiguration="OPTIONAL",
    )

    # When a Set sends only the pool id (go-to-k/cdkd#791: moto rejects this)
    cognito.set_user_pool_mfa_config(UserPoolId=pool_id)

    # Then MFA is OFF and the factor blocks are gone (cognito-surface.md §2)
    assert _strip(cognito.get_user_pool_mfa_config(UserPoolId=pool_id)) == {"MfaConfiguration": "OFF"}


def test_mfa_get_returns_email_and_webauthn_exactly(cognito: CognitoIdentityProviderClient) -> None:
    # Given a Set with TOTP, email and WebAuthn (moto drops Email and WebAuthn, §14)
    pool_id = _pool(cognito)
    webauthn: Any = {"RelyingPartyId": "auth.acme.example.com", "UserVerification": "required"}
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration=TOTP,
        EmailMfaConfiguration=EMAIL_MFA,
        WebAuthnConfiguration=webauthn,
        MfaConfiguration="OPTIONAL",
    )

    # When read, Then exactly the stored blocks come back (no UserPoolId: Model GetUserPoolMfaConfigResponse)
    assert _strip(cognito.get_user_pool_mfa_config(UserPoolId=pool_id)) == {
        "SoftwareTokenMfaConfiguration": TOTP,
        "EmailMfaConfiguration": EMAIL_MFA,
        "WebAuthnConfiguration": webauthn,
        "MfaConfiguration": "OPTIONAL",
    }


def test_mfa_on_without_a_factor_is_rejected(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool
    pool_id = _pool(cognito)

    # When MFA ON is set with TOTP disabled and no SMS or email factor
    with pytest.raises(ClientError) as excinfo:
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": False}, MfaConfiguration="ON"
        )

    # Then the service's message (go-to-k/cdkd#1920)
    assert _error(excinfo) == (
        "InvalidParameterException",
        "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled.",
    )


def test_mfa_off_with_a_factor_is_rejected_but_webauthn_is_accepted(
    cognito: CognitoIdentityProviderClient,
) -> None:
    # Given a pool
    pool_id = _pool(cognito)

    # When MFA OFF is sent with TOTP enabled
    with pytest.raises(ClientError) as excinfo:
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id, SoftwareTokenMfaConfiguration=TOTP, MfaConfiguration="OFF"
        )

    # Then it is rejected, while OFF + WebAuthn alone is accepted (go-to-k/cdkd#1923)
    assert _error(excinfo)[0] == "InvalidParameterException"
    assert "can't turn off MFA and configure an MFA together" in _error(excinfo)[1]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, WebAuthnConfiguration={"UserVerification": "preferred"}, MfaConfiguration="OFF"
    )


def test_mfa_on_with_otp_first_factors_is_rejected(cognito: CognitoIdentityProviderClient) -> None:
    # Given an Essentials pool allowing EMAIL_OTP as a first factor
    pool_id = _pool(
        cognito, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}
    )

    # When MFA ON is set
    with pytest.raises(ClientError) as excinfo:
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id, SoftwareTokenMfaConfiguration=TOTP, MfaConfiguration="ON"
        )

    # Then it is rejected; OPTIONAL is accepted (go-to-k/cdkd#1975, #2069)
    assert _error(excinfo) == (
        "InvalidParameterException",
        "Only PASSWORD and WEB_AUTHN (if configured) can be enabled as an auth factor if MFA is enabled",
    )
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration=TOTP, MfaConfiguration="OPTIONAL"
    )


def test_mfa_on_with_single_factor_webauthn_first_factor_is_rejected(
    cognito: CognitoIdentityProviderClient,
) -> None:
    # Given a pool allowing WEB_AUTHN as a first factor
    pool_id = _pool(
        cognito, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}
    )

    # When MFA ON is set without MULTI_FACTOR_WITH_USER_VERIFICATION (omitted = SINGLE_FACTOR)
    with pytest.raises(ClientError) as excinfo:
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id, SoftwareTokenMfaConfiguration=TOTP, MfaConfiguration="ON"
        )

    # Then rejected (go-to-k/cdkd#2064); with the multi-factor configuration it is accepted
    assert _error(excinfo)[0] == "InvalidParameterException"
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration=TOTP,
        WebAuthnConfiguration={"FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"},
        MfaConfiguration="ON",
    )
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "ON"


def test_email_mfa_on_lite_is_unavailable(cognito: CognitoIdentityProviderClient) -> None:
    # Given a LITE pool
    pool_id = _pool(cognito, UserPoolTier="LITE")

    # When email MFA is configured
    with pytest.raises(ClientError) as excinfo:
        cognito.set_user_pool_mfa_config(
            UserPoolId=pool_id, EmailMfaConfiguration=EMAIL_MFA, MfaConfiguration="OPTIONAL"
        )

    # Then FeatureUnavailableInTierException (Model EmailMfaConfigType: Essentials or higher)
    assert _error(excinfo)[0] == "FeatureUnavailableInTierException"
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"


def test_mfa_state_is_shared_with_update_user_pool(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool created with MFA OFF
    pool_id = _pool(cognito)

    # When SetUserPoolMfaConfig turns it ON
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration=TOTP, MfaConfiguration="ON"
    )

    # Then DescribeUserPool says ON (one setting, §2), UpdateUserPool may keep it ON, and OFF -> ON through
    # UpdateUserPool is still refused (cognito-api.md §3 row 7)
    assert cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "ON"
    cognito.update_user_pool(UserPoolId=pool_id, MfaConfiguration="ON")
    cognito.update_user_pool(UserPoolId=pool_id, MfaConfiguration="OFF")
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool(UserPoolId=pool_id, MfaConfiguration="ON")
    assert _error(excinfo)[0] == "InvalidParameterException"


def test_mfa_set_does_not_move_the_pool_last_modified_date(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool (whether the service moves it is unconfirmed: the fake chooses not to)
    pool_id = _pool(cognito)
    before = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]

    # When MFA is set
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration=TOTP, MfaConfiguration="ON"
    )

    # Then the pool's LastModifiedDate is unchanged
    assert cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"] == before


# ------------------------------------------------------------------------------------------- 2. domains


def test_domain_describe_is_stable_and_complete(cognito: CognitoIdentityProviderClient) -> None:
    # Given a prefix domain on managed login version 2
    pool_id = _pool(cognito)
    created = cognito.create_user_pool_domain(Domain="acme-auth", UserPoolId=pool_id, ManagedLoginVersion=2)

    # When described twice
    first = cognito.describe_user_pool_domain(Domain="acme-auth")["DomainDescription"]
    second = cognito.describe_user_pool_domain(Domain="acme-auth")["DomainDescription"]

    # Then the same document, with the pool's account (moto: a random UUID per call) and the version (§1)
    assert first == second
    assert created["ManagedLoginVersion"] == 2
    assert first["AWSAccountId"] == seed.ACCOUNT_ID
    assert first["ManagedLoginVersion"] == 2
    assert first["Status"] == "ACTIVE"
    assert {"UserPoolId", "Domain", "CloudFrontDistribution", "S3Bucket", "Version"} <= set(first)
    assert "CustomDomainConfig" not in first


def test_unknown_domain_is_an_empty_description(cognito: CognitoIdentityProviderClient) -> None:
    # Given / When an unknown name is described, Then {} and no error (TF user_pool_domain.go, §1)
    assert cognito.describe_user_pool_domain(Domain="nobody-here")["DomainDescription"] == {}


def test_custom_domain_cannot_become_a_prefix_domain(cognito: CognitoIdentityProviderClient) -> None:
    # Given a custom domain
    pool_id = _pool(cognito)
    config: Any = {"CertificateArn": CERT, "SecurityPolicy": "TLS_V1_2_2021"}
    cognito.create_user_pool_domain(
        Domain="auth.acme.example.com",
        UserPoolId=pool_id,
        CustomDomainConfig=config,
    )

    # When updated without CustomDomainConfig
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool_domain(
            Domain="auth.acme.example.com", UserPoolId=pool_id, ManagedLoginVersion=1
        )

    # Then rejected (hashicorp/terraform-provider-aws#43248) and Describe still shows the certificate
    assert _error(excinfo) == ("InvalidParameterException", "Cannot convert custom domain to prefix domain.")
    described = cognito.describe_user_pool_domain(Domain="auth.acme.example.com")["DomainDescription"]
    assert described["CustomDomainConfig"] == config


def test_domain_update_with_another_pool_is_rejected(cognito: CognitoIdentityProviderClient) -> None:
    # Given a domain of pool A and a pool B
    pool_a, pool_b = _pool(cognito), _pool(cognito)
    cognito.create_user_pool_domain(Domain="acme-auth", UserPoolId=pool_a)

    # When B updates A's domain
    with pytest.raises(ClientError) as excinfo:
        cognito.update_user_pool_domain(Domain="acme-auth", UserPoolId=pool_b, ManagedLoginVersion=2)

    # Then InvalidParameterException and A's domain is unchanged (moto checks no UserPoolId, §14)
    assert _error(excinfo)[0] == "InvalidParameterException"
    assert (
        cognito.describe_user_pool_domain(Domain="acme-auth")["DomainDescription"]["ManagedLoginVersion"] == 1
    )


def test_domain_names_are_unique_across_pools(cognito: CognitoIdentityProviderClient) -> None:
    # Given a domain of pool A
    pool_a, pool_b = _pool(cognito), _pool(cognito)
    cognito.create_user_pool_domain(Domain="acme-auth", UserPoolId=pool_a)

    # When B creates the same name
    with pytest.raises(ClientError) as excinfo:
        cognito.create_user_pool_domain(Domain="acme-auth", UserPoolId=pool_b)

    # Then rejected (aws-samples/aws-cdk-examples#402); moto overwrote it
    assert _error(excinfo) == (
        "InvalidParameterException",
        "Domain already associated with another user pool.",
    )
    assert cognito.describe_user_pool_domain(Domain="acme-auth")["DomainDescription"]["UserPoolId"] == pool_a


def test_pool_holds_one_prefix_and_one_custom_domain(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool with a prefix and a custom domain
    pool_id = _pool(cognito)
    cognito.create_user_pool_domain(Domain="acme-auth", UserPoolId=pool_id)
    cognito.create_user_pool_domain(
        Domain="auth.acme.example.com", UserPoolId=pool_id, CustomDomainConfig={"CertificateArn": CERT}
    )

    # When a second prefix domain is created
    with pytest.raises(ClientError) as excinfo:
        cognito.create_user_pool_domain(Domain="acme-auth-2", UserPoolId=pool_id)

    # Then rejected, and DescribeUserPool shows both names (cognito-api.md §2.1)
    assert _error(excinfo)[0] == "InvalidParameterException"
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert (pool["Domain"], pool["CustomDomain"]) == ("acme-auth", "auth.acme.example.com")


def test_custom_domain_moves_the_passkey_relying_party(cognito: CognitoIdentityProviderClient) -> None:
    # Given passkeys configured on the prefix domain
    pool_id = _pool(cognito)
    cognito.create_user_pool_domain(Domain="acme-auth", UserPoolId=pool_id)
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        WebAuthnConfiguration={"RelyingPartyId": "acme-auth.auth.eu-west-1.amazoncognito.com"},
    )

    # When a custom domain is created
    cognito.create_user_pool_domain(
        Domain="auth.acme.example.com", UserPoolId=pool_id, CustomDomainConfig={"CertificateArn": CERT}
    )

    # Then the RP ID is the custom domain (Model CreateUserPoolDomainRequest.CustomDomainConfig, §1 trap)
    mfa = cognito.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert mfa["WebAuthnConfiguration"]["RelyingPartyId"] == "auth.acme.example.com"


# -------------------------------------------------------------------------------- 3. identity providers


def _oidc(cognito: CognitoIdentityProviderClient, pool_id: str, **extra: Any) -> None:
    cognito.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Workforce",
        ProviderType="OIDC",
        ProviderDetails={
            "client_id": "acme",
            "client_secret": "oidc-secret",
            "authorize_scopes": "openid email",
            "attributes_request_method": "GET",
            "oidc_issuer": "https://login.acme.example.com",
        },
        **extra,
    )


def test_idp_update_replaces_provider_details(cognito: CognitoIdentityProviderClient) -> None:
    # Given an OIDC provider
    pool_id = _pool(cognito)
    _oidc(cognito, pool_id)

    # When an update sends a ProviderDetails map without authorize_scopes
    cognito.update_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Workforce",
        ProviderDetails={
            "client_id": "acme-2",
            "client_secret": "s2",
            "oidc_issuer": "https://l.example.com",
        },
    )

    # Then the map was replaced whole (aws/aws-cdk#29494), plus the derived key
    details = cognito.describe_identity_provider(UserPoolId=pool_id, ProviderName="Workforce")[
        "IdentityProvider"
    ]["ProviderDetails"]
    assert details == {
        "client_id": "acme-2",
        "client_secret": "s2",
        "oidc_issuer": "https://l.example.com",
        "attributes_url_add_attributes": "false",
    }


def test_idp_update_keeps_omitted_maps_and_clears_empty_ones(cognito: CognitoIdentityProviderClient) -> None:
    # Given an OIDC provider with a mapping, identifiers and ACR mapping
    pool_id = _pool(cognito)
    _oidc(
        cognito,
        pool_id,
        AttributeMapping={"email": "email"},
        IdpIdentifiers=["acme.example.com"],
        AcrMapping={"Level1": "urn:acme:loa:1"},
    )

    # When an update omits AttributeMapping and AcrMapping and empties IdpIdentifiers
    cognito.update_identity_provider(UserPoolId=pool_id, ProviderName="Workforce", IdpIdentifiers=[])

    # Then omitted maps are kept, the empty one cleared (floci-io/floci#2858, §3)
    idp = cognito.describe_identity_provider(UserPoolId=pool_id, ProviderName="Workforce")["IdentityProvider"]
    assert idp["AttributeMapping"] == {"email": "email"}
    assert idp["AcrMapping"] == {"Level1": "urn:acme:loa:1"}
    assert "IdpIdentifiers" not in idp


def test_idp_update_moves_last_modified_date(cognito: CognitoIdentityProviderClient) -> None:
    # Given a provider
    pool_id = _pool(cognito)
    _oidc(cognito, pool_id)
    before = cognito.describe_identity_provider(UserPoolId=pool_id, ProviderName="Workforce")[
        "IdentityProvider"
    ]

    # When updated
    cognito.update_identity_provider(
        UserPoolId=pool_id, ProviderName="Workforce", AttributeMapping={"a": "b"}
    )

    # Then LastModifiedDate moved and CreationDate did not (moto never moves it, §14)
    after = cognito.describe_identity_provider(UserPoolId=pool_id, ProviderName="Workforce")[
        "IdentityProvider"
    ]
    assert after["LastModifiedDate"] > before["LastModifiedDate"]
    assert after["CreationDate"] == before["CreationDate"]


def test_duplicate_idp_is_rejected(cognito: CognitoIdentityProviderClient) -> None:
    # Given a provider
    pool_id = _pool(cognito)
    _oidc(cognito, pool_id)

    # When created again
    with pytest.raises(ClientError) as excinfo:
        _oidc(cognito, pool_id)

    # Then DuplicateProviderException (Model; moto overwrites, §14)
    assert _error(excinfo)[0] == "DuplicateProviderException"


def test_idp_describe_adds_derived_keys_and_returns_the_secret(
    cognito: CognitoIdentityProviderClient,
) -> None:
    # Given Google, SAML and SignInWithApple providers
    pool_id = _pool(cognito)
    cognito.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Google",
        ProviderType="Google",
        ProviderDetails={"client_id": "g", "client_secret": "google-secret", "authorize_scopes": "openid"},
    )
    cognito.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Okta",
        ProviderType="SAML",
        ProviderDetails={"MetadataURL": "https://acme.okta.com/app/metadata"},
    )
    cognito.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="SignInWithApple",
        ProviderType="SignInWithApple",
        ProviderDetails={"client_id": "a", "team_id": "t", "key_id": "k", "private_key": "PRIVATE"},
    )

    def details(name: str) -> dict[str, str]:
        response = cognito.describe_identity_provider(UserPoolId=pool_id, ProviderName=name)
        return dict(response["IdentityProvider"]["ProviderDetails"])

    # When described, Then the derived keys of §3's table, client_secret in plaintext, no private_key
    google = details("Google")
    assert google["client_secret"] == "google-secret"
    for key in ("attributes_url", "attributes_url_add_attributes", "authorize_url", "token_url"):
        assert key in google
    assert google["token_request_method"] == "POST"
    assert google["oidc_issuer"] == "https://accounts.google.com"
    saml = details("Okta")
    assert {"ActiveEncryptionCertificate", "SSORedirectBindingURI", "SLORedirectBindingURI"} <= set(saml)
    assert "private_key" not in details("SignInWithApple")


def test_idp_create_defaults_the_attribute_mapping(cognito: CognitoIdentityProviderClient) -> None:
    # Given / When a provider is created without AttributeMapping
    pool_id = _pool(cognito)
    _oidc(cognito, pool_id)

    # Then {"username": "sub"} is stored (moto, floci; §3)
    idp = cognito.describe_identity_provider(UserPoolId=pool_id, ProviderName="Workforce")["IdentityProvider"]
    assert idp["AttributeMapping"] == {"username": "sub"}


def test_list_identity_providers_pages_and_summarises(cognito: CognitoIdentityProviderClient) -> None:
    # Given three providers
    pool_id = _pool(cognito)
    for name in ("A", "B", "C"):
        cognito.create_identity_provider(
            UserPoolId=pool_id, ProviderName=name, ProviderType="OIDC", ProviderDetails={"client_id": name}
        )

    # When listed two per page
    first = cognito.list_identity_providers(UserPoolId=pool_id, MaxResults=2)
    second = cognito.list_identity_providers(UserPoolId=pool_id, MaxResults=2, NextToken=first["NextToken"])

    # Then pages of name, type and dates only (Model ProviderDescription); MaxResults is at most 60
    assert [p["ProviderName"] for p in first["Providers"] + second["Providers"]] == ["A", "B", "C"]
    assert "NextToken" not in second
    assert set(first["Providers"][0]) == {"ProviderName", "ProviderType", "LastModifiedDate", "CreationDate"}
    with pytest.raises(ClientError) as excinfo:
        cognito.list_identity_providers(UserPoolId=pool_id, MaxResults=61)
    assert _error(excinfo)[0] == "InvalidParameterException"


# ---------------------------------------------------------------------------------- 4. resource servers


def _server(cognito: CognitoIdentityProviderClient, pool_id: str, identifier: str = "https://api") -> None:
    cognito.create_resource_server(
        UserPoolId=pool_id,
        Identifier=identifier,
        Name="API",
        Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}],
    )


def test_resource_server_update_resets_omitted_scopes(cognito: CognitoIdentityProviderClient) -> None:
    # Given a server with a scope
    pool_id = _pool(cognito)
    _server(cognito, pool_id)

    # When an update sends only the name (moto has no UpdateResourceServer, §14)
    cognito.update_resource_server(UserPoolId=pool_id, Identifier="https://api", Name="API v2")

    # Then no scopes remain (API_UpdateResourceServer.html: omitted = default)
    server = cognito.describe_resource_server(UserPoolId=pool_id, Identifier="https://api")["ResourceServer"]
    assert server == {"UserPoolId": pool_id, "Identifier": "https://api", "Name": "API v2", "Scopes": []}


def test_resource_server_delete(cognito: CognitoIdentityProviderClient) -> None:
    # Given a server
    pool_id = _pool(cognito)
    _server(cognito, pool_id)

    # When deleted (moto has no DeleteResourceServer, §14)
    cognito.delete_resource_server(UserPoolId=pool_id, Identifier="https://api")

    # Then it is gone
    with pytest.raises(ClientError) as excinfo:
        cognito.describe_resource_server(UserPoolId=pool_id, Identifier="https://api")
    assert _error(excinfo)[0] == "ResourceNotFoundException"


def test_list_resource_servers_pages_and_knows_unknown_pools(cognito: CognitoIdentityProviderClient) -> None:
    # Given three servers
    pool_id = _pool(cognito)
    for index in range(3):
        _server(cognito, pool_id, f"https://api{index}")

    # When listed two per page
    first = cognito.list_resource_servers(UserPoolId=pool_id, MaxResults=2)
    second = cognito.list_resource_servers(UserPoolId=pool_id, MaxResults=2, NextToken=first["NextToken"])

    # Then full objects in pages; an unknown pool is ResourceNotFoundException (moto: KeyError, §4)
    servers = first["ResourceServers"] + second["ResourceServers"]
    assert [s["Identifier"] for s in servers] == ["https://api0", "https://api1", "https://api2"]
    assert servers[0]["Scopes"] == [{"ScopeName": "read", "ScopeDescription": "Read"}]
    with pytest.raises(ClientError) as excinfo:
        cognito.list_resource_servers(UserPoolId="eu-west-1_nope", MaxResults=50)
    assert _error(excinfo)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError):
        cognito.list_resource_servers(UserPoolId=pool_id, MaxResults=51)


# -------------------------------------------------------------------------------------------- 5. groups


def test_group_without_description_has_none(cognito: CognitoIdentityProviderClient) -> None:
    # Given / When a group created without a description
    pool_id = _pool(cognito)
    created = cognito.create_group(UserPoolId=pool_id, GroupName="staff")["Group"]

    # Then no invented Description "" (moto's default, §5) in Create, Get or List
    assert "Description" not in created
    assert "Description" not in cognito.get_group(UserPoolId=pool_id, GroupName="staff")["Group"]
    assert "Description" not in cognito.list_groups(UserPoolId=pool_id)["Groups"][0]


def test_group_update_keeps_omitted_members_and_moves_the_date(
    cognito: CognitoIdentityProviderClient,
) -> None:
    # Given a group with a role and precedence
    pool_id = _pool(cognito)
    role = "arn:aws:iam::123456789012:role/staff"
    cognito.create_group(UserPoolId=pool_id, GroupName="staff", RoleArn=role, Precedence=2)
    before = cognito.get_group(UserPoolId=pool_id, GroupName="staff")["Group"]

    # When an update sends only a description
    cognito.update_group(UserPoolId=pool_id, GroupName="staff", Description="Staff")

    # Then role and precedence are kept (§5) and LastModifiedDate moved
    after = cognito.get_group(UserPoolId=pool_id, GroupName="staff")["Group"]
    assert (after["RoleArn"], after["Precedence"], after["Description"]) == (role, 2, "Staff")
    assert after["LastModifiedDate"] > before["LastModifiedDate"]


def test_list_groups_pages(cognito: CognitoIdentityProviderClient) -> None:
    # Given three groups
    pool_id = _pool(cognito)
    for name in ("a", "b", "c"):
        cognito.create_group(UserPoolId=pool_id, GroupName=name)

    # When listed two per page
    first = cognito.list_groups(UserPoolId=pool_id, Limit=2)
    second = cognito.list_groups(UserPoolId=pool_id, Limit=2, NextToken=first["NextToken"])

    # Then pages, and Limit is at most 60 (§5, §13)
    assert [g["GroupName"] for g in first["Groups"] + second["Groups"]] == ["a", "b", "c"]
    assert "NextToken" not in second
    with pytest.raises(ClientError):
        cognito.list_groups(UserPoolId=pool_id, Limit=61)


# ------------------------------------------------------------------------------------------ 6. risk


RISK_CREDENTIALS: Any = {"EventFilter": ["SIGN_IN"], "Actions": {"EventAction": "BLOCK"}}
RISK_EXCEPTIONS: Any = {"BlockedIPRangeList": ["192.0.2.0/24"]}


def test_risk_set_with_only_the_pool_resets_to_defaults(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool-level risk configuration
    pool_id = _plus_pool(cognito)
    cognito.set_risk_configuration(
        UserPoolId=pool_id,
        CompromisedCredentialsRiskConfiguration=RISK_CREDENTIALS,
        RiskExceptionConfiguration=RISK_EXCEPTIONS,
    )

    # When Set sends only the pool id (API_SetRiskConfiguration.html)
    cognito.set_risk_configuration(UserPoolId=pool_id)

    # Then every block is gone
    risk = cognito.describe_risk_configuration(UserPoolId=pool_id)["RiskConfiguration"]
    assert set(risk) == {"UserPoolId", "LastModifiedDate"}


def test_risk_set_replaces_omitted_blocks(cognito: CognitoIdentityProviderClient) -> None:
    # Given two blocks
    pool_id = _plus_pool(cognito)
    cognito.set_risk_configuration(
        UserPoolId=pool_id,
        CompromisedCredentialsRiskConfiguration=RISK_CREDENTIALS,
        RiskExceptionConfiguration=RISK_EXCEPTIONS,
    )

    # When a Set sends one
    cognito.set_risk_configuration(UserPoolId=pool_id, RiskExceptionConfiguration=RISK_EXCEPTIONS)

    # Then the other is dropped (replace, §6)
    risk = cognito.describe_risk_configuration(UserPoolId=pool_id)["RiskConfiguration"]
    assert "CompromisedCredentialsRiskConfiguration" not in risk
    assert risk["RiskExceptionConfiguration"] == RISK_EXCEPTIONS


def test_risk_client_inherits_again_after_a_bare_set(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool configuration and a client override
    pool_id = _plus_pool(cognito)
    client_id = _client(cognito, pool_id)
    cognito.set_risk_configuration(UserPoolId=pool_id, RiskExceptionConfiguration=RISK_EXCEPTIONS)
    cognito.set_risk_configuration(
        UserPoolId=pool_id, ClientId=client_id, CompromisedCredentialsRiskConfiguration=RISK_CREDENTIALS
    )
    override = cognito.describe_risk_configuration(UserPoolId=pool_id, ClientId=client_id)[
        "RiskConfiguration"
    ]
    assert override["ClientId"] == client_id

    # When Set sends only the pool and client ids
    cognito.set_risk_configuration(UserPoolId=pool_id, ClientId=client_id)

    # Then the client reads the pool's configuration WITHOUT ClientId (inherited; the fake's choice, §6)
    inherited = cognito.describe_risk_configuration(UserPoolId=pool_id, ClientId=client_id)[
        "RiskConfiguration"
    ]
    assert "ClientId" not in inherited
    assert inherited["RiskExceptionConfiguration"] == RISK_EXCEPTIONS
    assert "CompromisedCredentialsRiskConfiguration" not in inherited


def test_risk_needs_threat_protection(cognito: CognitoIdentityProviderClient) -> None:
    # Given a PLUS pool with threat protection OFF
    pool_id = _plus_pool(cognito, mode="OFF")

    # When the risk configuration is set or read
    with pytest.raises(ClientError) as set_error:
        cognito.set_risk_configuration(UserPoolId=pool_id, RiskExceptionConfiguration=RISK_EXCEPTIONS)
    with pytest.raises(ClientError) as read_error:
        cognito.describe_risk_configuration(UserPoolId=pool_id)

    # Then UserPoolAddOnNotEnabledException (Model, §6)
    assert _error(set_error)[0] == "UserPoolAddOnNotEnabledException"
    assert _error(read_error)[0] == "UserPoolAddOnNotEnabledException"


# ------------------------------------------------------------------------------------ 7. classic UI


def test_ui_customization_needs_a_domain(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool without a domain
    pool_id = _pool(cognito)

    # When a customization is set
    with pytest.raises(ClientError) as excinfo:
        cognito.set_ui_customization(UserPoolId=pool_id, CSS=".x { color: red; }")

    # Then rejected (API_SetUICustomization.html)
    assert _error(excinfo) == ("InvalidParameterException", "Your user pool must have a domain.")


def test_ui_customization_replaces_css_and_logo(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool-level customization with CSS and a logo
    pool_id = _pool(cognito)
    cognito.create_user_pool_domain(Domain="acme-auth", UserPoolId=pool_id)
    cognito.set_ui_customization(UserPoolId=pool_id, CSS=".a { color: red; }", ImageFile=PNG)
    first = cognito.get_ui_customization(UserPoolId=pool_id)["UICustomization"]
    assert first["ImageUrl"].startswith("https://")
    assert first["ClientId"] == "ALL"

    # When a Set sends only new CSS
    cognito.set_ui_customization(UserPoolId=pool_id, CSS=".b { color: blue; }")

    # Then the logo is gone (replace; unconfirmed, §7) and the read carries no image bytes
    after = cognito.get_ui_customization(UserPoolId=pool_id)["UICustomization"]
    assert after["CSS"] == ".b { color: blue; }"
    assert "ImageUrl" not in after
    assert set(after) == {"UserPoolId", "ClientId", "CSS", "CSSVersion", "CreationDate", "LastModifiedDate"}
    assert after["LastModifiedDate"] > first["LastModifiedDate"]


def test_ui_customization_client_inherits_and_empty_is_empty(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool with a domain and a client, nothing customized
    pool_id = _pool(cognito)
    client_id = _client(cognito, pool_id)
    cognito.create_user_pool_domain(Domain="acme-auth", UserPoolId=pool_id)
    assert cognito.get_ui_customization(UserPoolId=pool_id)["UICustomization"] == {}

    # When the pool level is customized
    cognito.set_ui_customization(UserPoolId=pool_id, CSS=".a { color: red; }")

    # Then the client reads it with ClientId ALL (API_GetUICustomization.html)
    inherited = cognito.get_ui_customization(UserPoolId=pool_id, ClientId=client_id)["UICustomization"]
    assert (inherited["ClientId"], inherited["CSS"]) == ("ALL", ".a { color: red; }")


# ---------------------------------------------------------------------------------- 8. managed login


def _asset(category: str, mode: str, data: bytes) -> Any:
    return {"Category": category, "ColorMode": mode, "Extension": "PNG", "Bytes": data}


def test_branding_update_merges_settings_and_assets(cognito: CognitoIdentityProviderClient) -> None:
    # Given a style with two settings and one asset
    pool_id = _pool(cognito)
    client_id = _client(cognito, pool_id)
    branding_id = cognito.create_managed_login_branding(
        UserPoolId=pool_id,
        ClientId=client_id,
        Settings={"categories": {"global": {"colorSchemeMode": "LIGHT", "spacingDensity": "REGULAR"}}},
        Assets=[_asset("FORM_LOGO", "LIGHT", b"logo")],
    )["ManagedLoginBranding"]["ManagedLoginBrandingId"]

    # When an update changes one setting, replaces the asset's pair and adds a new pair
    cognito.update_managed_login_branding(
        UserPoolId=pool_id,
        ManagedLoginBrandingId=branding_id,
        Settings={"categories": {"global": {"colorSchemeMode": "DARK"}}},
        Assets=[_asset("FORM_LOGO", "LIGHT", b"logo2"), _asset("FAVICON_ICO", "DYNAMIC", b"ico")],
    )

    # Then settings merged (API_UpdateManagedLoginBranding.html) and assets keyed by (Category, ColorMode)
    style = cognito.describe_managed_login_branding(UserPoolId=pool_id, ManagedLoginBrandingId=branding_id)[
        "ManagedLoginBranding"
    ]
    assert style["Settings"] == {
        "categories": {"global": {"colorSchemeMode": "DARK", "spacingDensity": "REGULAR"}}
    }
    assert [(a["Category"], a["ColorMode"], a["Bytes"]) for a in style["Assets"]] == [
        ("FORM_LOGO", "LIGHT", b"logo2"),
        ("FAVICON_ICO", "DYNAMIC", b"ico"),
    ]
    assert style["UseCognitoProvidedValues"] is False
    assert "ClientId" not in style


def test_branding_cognito_values_reset_and_exclude_settings(cognito: CognitoIdentityProviderClient) -> None:
    # Given a customized style
    pool_id = _pool(cognito)
    client_id = _client(cognito, pool_id)
    branding_id = cognito.create_managed_login_branding(
        UserPoolId=pool_id,
        ClientId=client_id,
        Settings={"a": {"b": 1}},
        Assets=[_asset("FORM_LOGO", "LIGHT", b"x")],
    )["ManagedLoginBranding"]["ManagedLoginBrandingId"]

    # When UseCognitoProvidedValues comes with Settings, Then rejected (Model)
    with pytest.raises(ClientError) as excinfo:
        cognito.update_managed_login_branding(
            UserPoolId=pool_id, ManagedLoginBrandingId=branding_id, UseCognitoProvidedValues=True, Settings={}
        )
    assert _error(excinfo)[0] == "InvalidParameterException"

    # When it comes alone, Then the style reverts to the defaults
    cognito.update_managed_login_branding(
        UserPoolId=pool_id, ManagedLoginBrandingId=branding_id, UseCognitoProvidedValues=True
    )
    style = cognito.describe_managed_login_branding_by_client(UserPoolId=pool_id, ClientId=client_id)[
        "ManagedLoginBranding"
    ]
    assert (style["UseCognitoProvidedValues"], style["Settings"], style["Assets"]) == (True, {}, [])


def test_branding_one_style_per_client_and_by_client_lookup(cognito: CognitoIdentityProviderClient) -> None:
    # Given a style for client A and a client B without one
    pool_id = _pool(cognito)
    client_a, client_b = _client(cognito, pool_id), _client(cognito, pool_id)
    cognito.create_managed_login_branding(
        UserPoolId=pool_id, ClientId=client_a, UseCognitoProvidedValues=True
    )

    # When A gets a second style, or B is looked up
    with pytest.raises(ClientError) as exists:
        cognito.create_managed_login_branding(
            UserPoolId=pool_id, ClientId=client_a, UseCognitoProvidedValues=True
        )
    with pytest.raises(ClientError) as missing:
        cognito.describe_managed_login_branding_by_client(UserPoolId=pool_id, ClientId=client_b)

    # Then ManagedLoginBrandingExistsException and ResourceNotFoundException (§8)
    assert _error(exists)[0] == "ManagedLoginBrandingExistsException"
    assert _error(missing)[0] == "ResourceNotFoundException"


def test_branding_merged_resources_only_on_request(cognito: CognitoIdentityProviderClient) -> None:
    # Given a style with one customized setting
    pool_id = _pool(cognito)
    client_id = _client(cognito, pool_id)
    cognito.create_managed_login_branding(
        UserPoolId=pool_id,
        ClientId=client_id,
        Settings={"categories": {"global": {"colorSchemeMode": "DARK"}}},
    )

    def read(merged: bool) -> dict[str, Any]:
        response = cognito.describe_managed_login_branding_by_client(
            UserPoolId=pool_id, ClientId=client_id, ReturnMergedResources=merged
        )
        return dict(response["ManagedLoginBranding"]["Settings"])

    # When read without and with ReturnMergedResources
    # Then only customized values, or those over the defaults (Model ReturnMergedResources)
    assert read(False) == {"categories": {"global": {"colorSchemeMode": "DARK"}}}
    merged = read(True)
    assert merged["categories"]["global"]["colorSchemeMode"] == "DARK"
    assert "components" in merged


def test_branding_assets_are_blobs_on_the_wire(cognito: CognitoIdentityProviderClient) -> None:
    # Given a style with an asset, and the raw response body captured
    pool_id = _pool(cognito)
    client_id = _client(cognito, pool_id)
    cognito.create_managed_login_branding(
        UserPoolId=pool_id, ClientId=client_id, Assets=[_asset("FORM_LOGO", "LIGHT", PNG)]
    )
    raw: list[dict[str, Any]] = []
    cognito.meta.events.register(
        "after-call.cognito-idp.DescribeManagedLoginBrandingByClient",
        lambda http_response, **_: raw.append(json.loads(http_response.content)),
    )

    # When read
    style = cognito.describe_managed_login_branding_by_client(UserPoolId=pool_id, ClientId=client_id)

    # Then base64 on the wire, bytes after parsing (Model AssetType.Bytes is a blob)
    assert raw[0]["ManagedLoginBranding"]["Assets"][0]["Bytes"] == base64.b64encode(PNG).decode()
    assert style["ManagedLoginBranding"]["Assets"][0]["Bytes"] == PNG
    assert (
        faults.sent("CreateManagedLoginBranding")[0]["Assets"][0]["Bytes"] == base64.b64encode(PNG).decode()
    )


# ----------------------------------------------------------------------------------- 9. log delivery


def _cloudwatch(source: str = "userNotification", level: str = "ERROR") -> Any:
    return {
        "LogLevel": level,
        "EventSource": source,
        "CloudWatchLogsConfiguration": {"LogGroupArn": LOG_GROUP},
    }


def test_log_delivery_replaces_the_whole_list(cognito: CognitoIdentityProviderClient) -> None:
    # Given two entries on a PLUS pool
    pool_id = _pool(cognito, UserPoolTier="PLUS")
    cognito.set_log_delivery_configuration(
        UserPoolId=pool_id, LogConfigurations=[_cloudwatch(), _cloudwatch("userAuthEvents", "INFO")]
    )

    # When a Set sends one, then []
    cognito.set_log_delivery_configuration(UserPoolId=pool_id, LogConfigurations=[_cloudwatch()])
    one = cognito.get_log_delivery_configuration(UserPoolId=pool_id)["LogDeliveryConfiguration"]
    cognito.set_log_delivery_configuration(UserPoolId=pool_id, LogConfigurations=[])
    none = cognito.get_log_delivery_configuration(UserPoolId=pool_id)["LogDeliveryConfiguration"]

    # Then the list is replaced each time (§9)
    assert dict(one) == {"UserPoolId": pool_id, "LogConfigurations": [_cloudwatch()]}
    assert dict(none) == {"UserPoolId": pool_id, "LogConfigurations": []}


@pytest.mark.parametrize(
    ("tier", "configurations", "code"),
    [
        ("PLUS", [_cloudwatch(level="INFO")], "InvalidParameterException"),
        ("PLUS", [_cloudwatch("userAuthEvents", "ERROR")], "InvalidParameterException"),
        ("PLUS", [_cloudwatch(), _cloudwatch()], "InvalidParameterException"),
        (
            "PLUS",
            [
                {
                    "LogLevel": "ERROR",
                    "EventSource": "userNotification",
                    "S3Configuration": {"BucketArn": "arn:aws:s3:::acme-cognito-logs"},
                }
            ],
            "InvalidParameterException",
        ),
        ("ESSENTIALS", [_cloudwatch("userAuthEvents", "INFO")], "FeatureUnavailableInTierException"),
        (
            "ESSENTIALS",
            [
                {
                    "LogLevel": "INFO",
                    "EventSource": "userAuthEvents",
                    "FirehoseConfiguration": {
                        "StreamArn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/acme"
                    },
                }
            ],
            "FeatureUnavailableInTierException",
        ),
    ],
    ids=[
        "notification-info",
        "auth-events-error",
        "duplicate-source",
        "notification-s3",
        "auth-events-tier",
        "firehose-tier",
    ],
)
def test_log_delivery_rules(
    cognito: CognitoIdentityProviderClient, tier: str, configurations: list[Any], code: str
) -> None:
    # Given a pool on the tier
    pool_id = _pool(cognito, UserPoolTier=tier)

    # When an invalid configuration is set
    with pytest.raises(ClientError) as excinfo:
        cognito.set_log_delivery_configuration(UserPoolId=pool_id, LogConfigurations=configurations)

    # Then the Model LogConfigurationType rules reject it (§9) and nothing is stored
    assert _error(excinfo)[0] == code
    assert (
        cognito.get_log_delivery_configuration(UserPoolId=pool_id)["LogDeliveryConfiguration"][
            "LogConfigurations"
        ]
        == []
    )


# ---------------------------------------------------------------------------- sent bodies, faults, seed


def test_sent_records_write_bodies_only_and_reset_clears(cognito: CognitoIdentityProviderClient) -> None:
    # Given a group created and updated
    pool_id = _pool(cognito)
    cognito.create_group(UserPoolId=pool_id, GroupName="staff", Precedence=3)
    cognito.update_group(UserPoolId=pool_id, GroupName="staff", Description="Staff")
    cognito.get_group(UserPoolId=pool_id, GroupName="staff")

    # Then sent() holds exactly what each write sent, no reads; calls() still logs everything
    assert faults.sent("UpdateGroup") == [
        {"UserPoolId": pool_id, "GroupName": "staff", "Description": "Staff"}
    ]
    assert faults.sent("GetGroup") == []
    assert faults.calls("GetGroup") == ["GetGroup"]
    faults.reset()
    assert faults.sent("UpdateGroup") == []


def test_new_reads_go_through_fault_injection(cognito: CognitoIdentityProviderClient) -> None:
    # Given a fault armed for a new read
    pool_id = _pool(cognito)
    faults.inject("GetLogDeliveryConfiguration", "InternalErrorException", status=500)
    retry_free = boto3.client(
        "cognito-idp", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )

    # When it is called, Then the fault answers before the handler (the quota table knows the category)
    with pytest.raises(ClientError) as excinfo:
        retry_free.get_log_delivery_configuration(UserPoolId=pool_id)
    assert _error(excinfo)[0] == "InternalErrorException"
    assert faults.QUOTA_CATEGORIES["DescribeManagedLoginBrandingByClient"] == "UserPoolResourceRead"
    assert faults.QUOTA_CATEGORIES["UpdateResourceServer"] == "UserPoolResourceUpdate"
    assert "GetLogDeliveryConfiguration" not in faults.QUOTA_CATEGORIES  # no category (§13)


def test_uninstall_removes_added_handlers() -> None:
    # Given the fake installed, which adds handlers moto lacks
    from moto.cognitoidp.responses import CognitoIdpResponse

    with poolpatch_fake.installed():
        assert hasattr(CognitoIdpResponse, "update_resource_server")

    # Then uninstall removed them and restored moto's own
    assert not hasattr(CognitoIdpResponse, "update_resource_server")
    assert not hasattr(CognitoIdpResponse, "set_log_delivery_configuration")
    assert hasattr(CognitoIdpResponse, "list_groups")


def test_full_pool_populates_every_kind(cognito: CognitoIdentityProviderClient) -> None:
    # Given / When the full pool is seeded
    full = seed.full_pool(cognito, oidc_client_secret="oidc-secret-value")
    pool_id = full.user_pool_id

    # Then every kind reads back populated
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert (pool["UserPoolTier"], pool["UserPoolAddOns"]["AdvancedSecurityMode"], pool["Domain"]) == (
        "PLUS",
        "AUDIT",
        full.domain,
    )
    assert cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OPTIONAL"
    oidc = cognito.describe_identity_provider(UserPoolId=pool_id, ProviderName=full.identity_providers[0])
    assert oidc["IdentityProvider"]["ProviderDetails"]["client_secret"] == "oidc-secret-value"
    assert len(cognito.list_identity_providers(UserPoolId=pool_id)["Providers"]) == 2
    servers = cognito.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"]
    assert [s["ScopeName"] for s in servers[0]["Scopes"]] == list(full.scopes)
    admins = cognito.get_group(UserPoolId=pool_id, GroupName=full.groups[0])["Group"]
    assert admins["Precedence"] == 1
    assert "RoleArn" in admins
    risk = cognito.describe_risk_configuration(UserPoolId=pool_id, ClientId=full.client_id)
    assert risk["RiskConfiguration"]["ClientId"] == full.client_id
    assert "ImageUrl" in cognito.get_ui_customization(UserPoolId=pool_id)["UICustomization"]
    branding = cognito.describe_managed_login_branding_by_client(UserPoolId=pool_id, ClientId=full.client_id)
    assert branding["ManagedLoginBranding"]["ManagedLoginBrandingId"] == full.branding_id
    logs = cognito.get_log_delivery_configuration(UserPoolId=pool_id)["LogDeliveryConfiguration"]
    assert len(logs["LogConfigurations"]) == 1


# ------------------------------------------------------------------------------------------------ HTTP


@pytest.mark.integration
def test_new_operations_work_over_http() -> None:
    # Given the fake served by a moto server on 127.0.0.1
    from poolpatch_fake.server import FakeServer

    with FakeServer() as server:
        cognito = boto3.client(
            "cognito-idp",
            region_name=REGION,
            endpoint_url=server.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )
        pool_id = _pool(cognito)
        _server(cognito, pool_id)

        # When operations moto lacks are called over HTTP
        cognito.update_resource_server(UserPoolId=pool_id, Identifier="https://api", Name="API v2")
        cognito.set_log_delivery_configuration(UserPoolId=pool_id, LogConfigurations=[_cloudwatch()])
        with pytest.raises(ClientError) as excinfo:
            cognito.set_ui_customization(UserPoolId=pool_id, CSS=".a { color: red; }")

        # Then they answer with the service's semantics and errors, and sent() saw the bodies
        server_doc = cognito.describe_resource_server(UserPoolId=pool_id, Identifier="https://api")
        assert server_doc["ResourceServer"]["Scopes"] == []
        logs = cognito.get_log_delivery_configuration(UserPoolId=pool_id)["LogDeliveryConfiguration"]
        assert logs["LogConfigurations"] == [_cloudwatch()]
        assert _error(excinfo) == ("InvalidParameterException", "Your user pool must have a domain.")
        assert faults.sent("UpdateResourceServer")[-1]["Name"] == "API v2"
