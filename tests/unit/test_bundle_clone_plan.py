"""``plan_clone`` on hand-written bundles (pure): what each step sends and what is reported as not carried.
Expected values are the tests' own data."""

from __future__ import annotations

from typing import Any

from poolpatch.bundle.clone import CLONE_OF_TAG, CLONE_REQUEST_TAG, NEW_POOL, Secrets, plan_clone

FUNCTION = "arn:aws:lambda:eu-west-1:111111111111:function:tokens"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def bundle(**parts: Any) -> dict[str, Any]:
    return {
        "version": "1",
        "kind": "poolBundle",
        "source": {"accountId": "111111111111", "region": "eu-west-1", "userPoolId": "eu-west-1_Source"},
        "createOnly": {},
        "pool": {"PoolName": "source", "UserPoolTags": {"team": "id", "aws:cloudformation:stack-name": "s"}},
        **parts,
    }


def planned(source: dict[str, Any], **options: Any) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    plan = plan_clone(source, pool_name="copy", request_id="req-1", **options)
    return {step.key: step.params for step in plan.steps}, {
        item["part"]: item["reason"] for item in plan.not_carried
    }


def test_the_pool_is_created_with_its_tags_and_the_clone_tags_but_never_aws_ones() -> None:
    steps, skipped = planned(bundle())
    assert steps["pool"]["PoolName"] == "copy"
    assert steps["pool"]["UserPoolTags"] == {
        "team": "id",
        CLONE_OF_TAG: "eu-west-1_Source",
        CLONE_REQUEST_TAG: "req-1",
    }
    assert "pool/UserPoolTags/aws:cloudformation:stack-name" in skipped
    assert {"users", "pool/identity"} <= set(skipped)


def test_one_permission_notice_per_function_and_none_for_the_kms_key() -> None:
    config = {
        "PreTokenGeneration": FUNCTION,
        "PreTokenGenerationConfig": {"LambdaArn": FUNCTION, "LambdaVersion": "V2_0"},
        "KMSKeyID": KEY,
    }
    _, skipped = planned(bundle(pool={"PoolName": "source", "LambdaConfig": config}))
    notices = [part for part, reason in skipped.items() if FUNCTION in reason]
    assert notices == ["pool/LambdaConfig/PreTokenGeneration"]
    assert "add-permission" not in skipped["pool/LambdaConfig/KMSKeyID"]


def test_scopes_of_a_resource_server_not_in_the_bundle_are_dropped_and_reported() -> None:
    clients = {
        "c1": {
            "ClientName": "web",
            "GenerateSecret": False,
            "document": {
                "ClientName": "web",
                "AllowedOAuthScopes": ["openid", "https://api/read", "https://managed/all"],
            },
        }
    }
    steps, skipped = planned(
        bundle(
            clients=clients,
            resourceServers={
                "https://api": {"Name": "api", "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}]}
            },
        )
    )
    assert steps["client/c1"]["AllowedOAuthScopes"] == ["openid", "https://api/read"]
    assert "https://managed/all" in skipped["clients/c1/AllowedOAuthScopes"]


def test_the_passkey_relying_party_of_the_source_is_not_copied() -> None:
    mfa = {
        "MfaConfiguration": "OPTIONAL",
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "WebAuthnConfiguration": {
            "RelyingPartyId": "source.auth.eu-west-1.amazoncognito.com",
            "UserVerification": "preferred",
        },
    }
    steps, skipped = planned(bundle(mfa=mfa))
    assert steps["mfa/mfa"]["WebAuthnConfiguration"] == {"UserVerification": "preferred"}
    assert steps["mfa/mfa"]["UserPoolId"] == NEW_POOL
    assert "mfa/WebAuthnConfiguration/RelyingPartyId" in skipped


def test_identity_providers_need_their_secrets_apple_its_key_and_saml_a_new_trust() -> None:
    providers = {
        "Apple": {
            "ProviderType": "SignInWithApple",
            "document": {"ProviderDetails": {"client_id": "a", "team_id": "t", "key_id": "k"}},
        },
        "Corp": {
            "ProviderType": "SAML",
            "document": {"ProviderDetails": {"MetadataURL": "https://idp/metadata"}},
        },
        "Oidc": {
            "ProviderType": "OIDC",
            "document": {"ProviderDetails": {"client_id": "o", "client_secret": "<redacted>"}},
        },
    }
    clients = {
        "c1": {
            "ClientName": "web",
            "GenerateSecret": False,
            "document": {
                "ClientName": "web",
                "SupportedIdentityProviders": ["COGNITO", "Apple", "Corp", "Oidc"],
            },
        }
    }
    steps, skipped = planned(
        bundle(identityProviders=providers, clients=clients),
        secrets=Secrets(identity_providers={"Oidc": {"client_secret": "s3cr3t"}}),
    )
    assert "identityProvider/Apple" not in steps
    assert "private_key" in skipped["identityProviders/Apple"]
    assert "identityProviders/Corp/trust" in skipped
    assert "identityProvider/Corp" in steps
    assert steps["identityProvider/Oidc"]["ProviderDetails"]["client_secret"] == "s3cr3t"
    assert steps["client/c1"]["SupportedIdentityProviders"] == ["COGNITO", "Corp", "Oidc"]
    shown = next(
        step.shown()
        for step in plan_clone(
            bundle(identityProviders=providers),
            pool_name="copy",
            request_id="r",
            secrets=Secrets(identity_providers={"Oidc": {"client_secret": "s3cr3t"}}),
        ).steps
        if step.id == "Oidc"
    )
    assert shown["input"]["ProviderDetails"]["client_secret"] == "<redacted>"


def test_a_domain_prefix_without_a_domain_in_the_bundle_still_gives_the_clone_one_before_its_settings() -> (
    None
):
    steps = plan_clone(
        bundle(uiCustomizations={"pool": {"CSS": ".x{}"}}),
        pool_name="copy",
        request_id="r",
        domain_prefix="copy-login",
    ).steps
    assert [step.operation for step in steps][-2:] == ["CreateUserPoolDomain", "SetUICustomization"]
