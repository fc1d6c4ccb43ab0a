"""A realistic user pool and OAuth app client to exercise poolpatch against the fake.

``full_pool`` seeds a second, richer pool with every configuration kind of cognito-surface.md §0 populated.

The settings are those a production pool typically carries and an omission would silently reset
(cognito-api.md §4): Lambda triggers including a V2_0 pre-token-generation trigger, SES email, a password
policy, tags (including a CloudFormation ``aws:`` tag that poolpatch must strip, §3 row 14), custom
attributes, optional MFA with SMS and TOTP, email auto-verification, deletion protection, a verification
template and an OAuth client with token validity units.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import SmsConfigurationTypeTypeDef

__all__ = ["ACCOUNT_ID", "FullPool", "full_pool", "realistic_pool"]

ACCOUNT_ID = "123456789012"


def realistic_pool(cognito_client: CognitoIdentityProviderClient) -> tuple[str, str]:
    """Create the realistic pool and its OAuth app client; return ``(user_pool_id, client_id)``."""
    region = cognito_client.meta.region_name

    def lambda_arn(name: str) -> str:
        return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:acme-auth-{name}"

    sms_configuration: SmsConfigurationTypeTypeDef = {
        "SnsCallerArn": f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/acme-customers-cognito-sms",
        "ExternalId": "acme-customers-prod-7c1e",
        "SnsRegion": region,
    }
    sms_authentication_message = "Your Acme sign-in code is {####}"
    pool = cognito_client.create_user_pool(
        PoolName="acme-customers-prod",
        Policies={
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
        DeletionProtection="ACTIVE",
        LambdaConfig={
            "PreSignUp": lambda_arn("pre-sign-up"),
            "PostConfirmation": lambda_arn("post-confirmation"),
            "CustomMessage": lambda_arn("custom-message"),
            "PreTokenGeneration": lambda_arn("pre-token-generation"),
            "PreTokenGenerationConfig": {
                "LambdaVersion": "V2_0",
                "LambdaArn": lambda_arn("pre-token-generation"),
            },
        },
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        VerificationMessageTemplate={
            "SmsMessage": "Your Acme verification code is {####}",
            "EmailMessage": "Welcome to Acme. Your verification code is {####}.",
            "EmailSubject": "Verify your Acme account",
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
        },
        SmsAuthenticationMessage=sms_authentication_message,
        MfaConfiguration="OPTIONAL",
        DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
        EmailConfiguration={
            "SourceArn": f"arn:aws:ses:{region}:{ACCOUNT_ID}:identity/acme.example.com",
            "ReplyToEmailAddress": "support@acme.example.com",
            "EmailSendingAccount": "DEVELOPER",
            "From": "Acme <no-reply@acme.example.com>",
            "ConfigurationSet": "acme-auth-emails",
        },
        SmsConfiguration=sms_configuration,
        UserPoolTags={
            "team": "identity",
            "environment": "prod",
            "cost-center": "cc-1042",
            "aws:cloudformation:stack-name": "acme-identity-prod",
        },
        AdminCreateUserConfig={
            "AllowAdminCreateUserOnly": False,
            "InviteMessageTemplate": {
                "SMSMessage": "Your Acme username is {username} and temporary password is {####}",
                "EmailMessage": "Your Acme username is {username} and temporary password is {####}.",
                "EmailSubject": "Your Acme account",
            },
        },
        Schema=[
            {
                "Name": "email",
                "AttributeDataType": "String",
                "Mutable": True,
                "Required": True,
            },
            {
                "Name": "tier",
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"},
            },
            {
                "Name": "tenant_id",
                "AttributeDataType": "String",
                "Mutable": False,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
            },
        ],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        UserAttributeUpdateSettings={"AttributesRequireVerificationBeforeUpdate": ["email"]},
        UserPoolTier="ESSENTIALS",
    )
    user_pool_id = pool["UserPool"]["Id"]
    cognito_client.set_user_pool_mfa_config(
        UserPoolId=user_pool_id,
        SmsMfaConfiguration={
            "SmsAuthenticationMessage": sms_authentication_message,
            "SmsConfiguration": sms_configuration,
        },
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )
    client = cognito_client.create_user_pool_client(
        UserPoolId=user_pool_id,
        ClientName="acme-web",
        GenerateSecret=True,
        RefreshTokenValidity=30,
        AccessTokenValidity=60,
        IdTokenValidity=60,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
        ReadAttributes=["email", "email_verified", "name", "custom:tier", "custom:tenant_id"],
        WriteAttributes=["email", "name"],
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        SupportedIdentityProviders=["COGNITO"],
        CallbackURLs=["https://app.acme.example.com/auth/callback", "http://localhost:3000/auth/callback"],
        LogoutURLs=["https://app.acme.example.com/signed-out"],
        DefaultRedirectURI="https://app.acme.example.com/auth/callback",
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", "profile"],
        AllowedOAuthFlowsUserPoolClient=True,
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=True,
        EnablePropagateAdditionalUserContextData=False,
        AuthSessionValidity=5,
    )
    return user_pool_id, client["UserPoolClient"]["ClientId"]


# A 1x1 transparent PNG: the classic hosted UI logo and the managed login form logo.
LOGO_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@dataclass(frozen=True)
class FullPool:
    """What ``full_pool`` created: the identifiers each kind is addressed by (design.md "Configuration
    kinds")."""

    user_pool_id: str
    client_id: str  # the OAuth client with a classic UI customization and a branding style
    other_client_id: str  # a second client without its own customization, risk config or style
    domain: str  # the prefix domain
    identity_providers: tuple[str, ...]  # (OIDC provider, Google provider)
    resource_server: str  # its Identifier
    scopes: tuple[str, ...]  # the resource server's scope names
    groups: tuple[str, ...]  # (group with RoleArn and Precedence, group with a description only)
    branding_id: str  # the client's ManagedLoginBrandingId


def full_pool(
    cognito_client: CognitoIdentityProviderClient,
    *,
    oidc_client_secret: str,
    google_client_secret: str = "GOCSPX-fake-google-secret",
    pool_name: str = "acme-partners-prod",
    domain_prefix: str | None = None,
) -> FullPool:
    """Create a pool on the Plus tier with every configuration kind populated and return its identifiers.

    Kinds: MFA (TOTP and email, OPTIONAL), a prefix domain on managed login version 2 (``domain_prefix``,
    default derived from the pool id so that pools never collide), an OIDC identity provider whose
    ``client_secret`` is ``oidc_client_secret`` and a Google one, a resource server with three scopes, two
    groups (one with ``RoleArn`` and ``Precedence``), threat protection in AUDIT mode with a pool-level and a
    client-level risk configuration, a pool-level classic UI customization (CSS and logo) and one for the
    client, a managed login branding style for the client, and log delivery with one CloudWatch entry.
    """
    region = cognito_client.meta.region_name
    pool = cognito_client.create_user_pool(
        PoolName=pool_name,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 14,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": 2,
            },
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]},
        },
        DeletionProtection="ACTIVE",
        AutoVerifiedAttributes=["email"],
        UsernameAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        EmailConfiguration={
            "SourceArn": f"arn:aws:ses:{region}:{ACCOUNT_ID}:identity/partners.acme.example.com",
            "EmailSendingAccount": "DEVELOPER",
            "From": "Acme Partners <no-reply@partners.acme.example.com>",
        },
        UserPoolTags={"team": "identity", "environment": "prod"},
        UserPoolTier="PLUS",
        UserPoolAddOns={"AdvancedSecurityMode": "AUDIT"},
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
    )
    user_pool_id = pool["UserPool"]["Id"]
    cognito_client.set_user_pool_mfa_config(
        UserPoolId=user_pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        EmailMfaConfiguration={
            "Message": "Your Acme Partners sign-in code is {####}",
            "Subject": "Your Acme Partners sign-in code",
        },
        MfaConfiguration="OPTIONAL",
    )
    domain = domain_prefix or f"acme-partners-{user_pool_id.split('_', 1)[-1].lower()}"
    cognito_client.create_user_pool_domain(Domain=domain, UserPoolId=user_pool_id, ManagedLoginVersion=2)

    oidc, google = "AcmeWorkforce", "Google"
    cognito_client.create_identity_provider(
        UserPoolId=user_pool_id,
        ProviderName=oidc,
        ProviderType="OIDC",
        ProviderDetails={
            "client_id": "acme-partners-portal",
            "client_secret": oidc_client_secret,
            "authorize_scopes": "openid email profile",
            "attributes_request_method": "GET",
            "oidc_issuer": "https://login.acme.example.com",
        },
        AttributeMapping={"email": "email", "name": "name", "username": "sub"},
        IdpIdentifiers=["acme.example.com"],
    )
    cognito_client.create_identity_provider(
        UserPoolId=user_pool_id,
        ProviderName=google,
        ProviderType="Google",
        ProviderDetails={
            "client_id": "1234567890-acme.apps.googleusercontent.com",
            "client_secret": google_client_secret,
            "authorize_scopes": "openid email profile",
        },
        AttributeMapping={"email": "email", "username": "sub"},
    )
    identifier = "https://api.partners.acme.example.com"
    scopes = ("orders.read", "orders.write", "invoices.read")
    cognito_client.create_resource_server(
        UserPoolId=user_pool_id,
        Identifier=identifier,
        Name="Acme Partners API",
        Scopes=[{"ScopeName": name, "ScopeDescription": f"Allows {name}"} for name in scopes],
    )
    admins, viewers = "partner-admins", "partner-viewers"
    cognito_client.create_group(
        UserPoolId=user_pool_id,
        GroupName=admins,
        Description="Partner administrators",
        RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/acme-partner-admins",
        Precedence=1,
    )
    cognito_client.create_group(UserPoolId=user_pool_id, GroupName=viewers, Description="Read-only partners")

    client = cognito_client.create_user_pool_client(
        UserPoolId=user_pool_id,
        ClientName="acme-partners-portal",
        GenerateSecret=True,
        SupportedIdentityProviders=["COGNITO", oidc, google],
        CallbackURLs=["https://partners.acme.example.com/auth/callback"],
        LogoutURLs=["https://partners.acme.example.com/signed-out"],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email", *(f"{identifier}/{name}" for name in scopes)],
        AllowedOAuthFlowsUserPoolClient=True,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]["ClientId"]
    other = cognito_client.create_user_pool_client(
        UserPoolId=user_pool_id, ClientName="acme-partners-cli", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )["UserPoolClient"]["ClientId"]

    notify: Any = {
        "From": "security@partners.acme.example.com",
        "SourceArn": f"arn:aws:ses:{region}:{ACCOUNT_ID}:identity/partners.acme.example.com",
    }
    cognito_client.set_risk_configuration(
        UserPoolId=user_pool_id,
        CompromisedCredentialsRiskConfiguration={
            "EventFilter": ["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"],
            "Actions": {"EventAction": "BLOCK"},
        },
        AccountTakeoverRiskConfiguration={
            "NotifyConfiguration": notify,
            "Actions": {
                "LowAction": {"Notify": False, "EventAction": "NO_ACTION"},
                "MediumAction": {"Notify": True, "EventAction": "MFA_IF_CONFIGURED"},
                "HighAction": {"Notify": True, "EventAction": "BLOCK"},
            },
        },
        RiskExceptionConfiguration={"SkippedIPRangeList": ["10.0.0.0/8"]},
    )
    cognito_client.set_risk_configuration(
        UserPoolId=user_pool_id,
        ClientId=client,
        CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "NO_ACTION"}},
    )
    cognito_client.set_ui_customization(
        UserPoolId=user_pool_id, CSS=".banner-customizable { background-color: #0b3d91; }", ImageFile=LOGO_PNG
    )
    cognito_client.set_ui_customization(
        UserPoolId=user_pool_id,
        ClientId=client,
        CSS=".submitButton-customizable { background-color: #0b3d91; }",
    )
    branding = cognito_client.create_managed_login_branding(
        UserPoolId=user_pool_id,
        ClientId=client,
        Settings={
            "components": {"primaryButton": {"lightMode": {"defaults": {"backgroundColor": "0b3d91ff"}}}},
            "categories": {"global": {"colorSchemeMode": "LIGHT"}},
        },
        Assets=[{"Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": LOGO_PNG}],
    )["ManagedLoginBranding"]["ManagedLoginBrandingId"]
    log_group = f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:/aws/vendedlogs/acme-partners"
    cognito_client.set_log_delivery_configuration(
        UserPoolId=user_pool_id,
        LogConfigurations=[
            {
                "LogLevel": "ERROR",
                "EventSource": "userNotification",
                "CloudWatchLogsConfiguration": {"LogGroupArn": log_group},
            }
        ],
    )
    return FullPool(
        user_pool_id=user_pool_id,
        client_id=client,
        other_client_id=other,
        domain=domain,
        identity_providers=(oidc, google),
        resource_server=identifier,
        scopes=scopes,
        groups=(admins, viewers),
        branding_id=branding,
    )
