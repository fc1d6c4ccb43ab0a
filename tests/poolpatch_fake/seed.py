"""A realistic user pool and OAuth app client to exercise poolpatch against the fake.

The settings are those a production pool typically carries and an omission would silently reset
(cognito-api.md §4): Lambda triggers including a V2_0 pre-token-generation trigger, SES email, a password
policy, tags (including a CloudFormation ``aws:`` tag that poolpatch must strip, §3 row 14), custom
attributes, optional MFA with SMS and TOTP, email auto-verification, deletion protection, a verification
template and an OAuth client with token validity units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_cognito_idp.type_defs import SmsConfigurationTypeTypeDef

__all__ = ["ACCOUNT_ID", "realistic_pool"]

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
