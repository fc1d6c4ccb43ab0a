"""The botocore service-model layer: projection, unknown-field guard, validation, classification, skeleton."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import subprocess
import sys
import unicodedata
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ParamValidationError
from botocore.model import ServiceModel, Shape
from botocore.validate import validate_parameters

from poolpatch import model
from poolpatch.errors import ImmutableSetting, ReadOnlyField, UnknownField
from poolpatch.model import (
    ID_MEMBERS,
    Kind,
    check_document,
    check_shape,
    classify_member,
    closest,
    describe_shape,
    json_default,
    project,
    service_model,
    skeleton,
    unknown_members,
    update_members,
    update_shape,
)

POOL_ID = "eu-west-1_AbCdEf123"
CLIENT_ID = "4tq5example1clientid2abc"
SECRET = "s3cr3tV4lu3Th4tMustN3v3rL34kAnywh3re000000"
WHEN = dt.datetime(2026, 3, 1, 12, 30, 15, 822000, tzinfo=dt.UTC)
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:{}"


def pool_description() -> dict[str, Any]:
    """A DescribeUserPool ``UserPool`` as botocore parses it: every legacy and read-only member present."""
    return {
        "Id": POOL_ID,
        "Name": "customers",
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": False,
                "PasswordHistorySize": 3,
                "TemporaryPasswordValidityDays": 7,
            },
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]},
        },
        "DeletionProtection": "ACTIVE",
        "LambdaConfig": {
            "PreSignUp": ARN.format("pre-signup"),
            "PreTokenGeneration": ARN.format("pre-token"),
            "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": ARN.format("pre-token")},
            "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": ARN.format("sms-sender")},
            "KMSKeyID": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        },
        "Status": "Enabled",
        "LastModifiedDate": WHEN,
        "CreationDate": WHEN,
        "SchemaAttributes": [
            {"Name": "sub", "AttributeDataType": "String", "Mutable": False, "Required": True},
            {"Name": "custom:tier", "AttributeDataType": "String", "Mutable": True, "Required": False},
        ],
        "AutoVerifiedAttributes": ["email"],
        "UsernameAttributes": ["email"],
        "SmsVerificationMessage": "Your code is {####}",
        "EmailVerificationMessage": "Your code is {####}",
        "EmailVerificationSubject": "Your code",
        "VerificationMessageTemplate": {
            "SmsMessage": "Your code is {####}",
            "EmailMessage": "Your code is {####}",
            "EmailSubject": "Your code",
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
        },
        "SmsAuthenticationMessage": "Sign-in code {####}",
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
        "MfaConfiguration": "OPTIONAL",
        "DeviceConfiguration": {
            "ChallengeRequiredOnNewDevice": True,
            "DeviceOnlyRememberedOnUserPrompt": True,
        },
        "EstimatedNumberOfUsers": 1042,
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
        "SmsConfiguration": {
            "SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms",
            "ExternalId": "external-id",
            "SnsRegion": "eu-west-1",
        },
        "UserPoolTags": {"team": "identity", "aws:cloudformation:stack-name": "auth"},
        "SmsConfigurationFailure": "SNSSandbox",
        "EmailConfigurationFailure": "",
        "Domain": "customers-auth",
        "CustomDomain": "auth.example.com",
        "AdminCreateUserConfig": {
            "AllowAdminCreateUserOnly": True,
            "UnusedAccountValidityDays": 7,
            "InviteMessageTemplate": {"EmailSubject": "Welcome"},
        },
        "UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"},
        "UsernameConfiguration": {"CaseSensitive": False},
        "Arn": f"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/{POOL_ID}",
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        "UserPoolTier": "ESSENTIALS",
        "KeyConfiguration": {"KeyType": "AWS_OWNED_KEY"},
        "IssuerConfiguration": {"Type": "ORIGINAL"},
        "AcrConfiguration": {"Level1": {"AcrValue": "urn:cognito:loa:1"}},
    }


def client_description() -> dict[str, Any]:
    """A DescribeUserPoolClient ``UserPoolClient`` of a confidential client, as botocore parses it."""
    return {
        "UserPoolId": POOL_ID,
        "ClientName": "web",
        "ClientId": CLIENT_ID,
        "ClientSecret": SECRET,
        "ClientSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cognito-web-AbCdEf",
        "LastModifiedDate": WHEN,
        "CreationDate": WHEN,
        "RefreshTokenValidity": 30,
        "AccessTokenValidity": 60,
        "IdTokenValidity": 60,
        "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
        "ReadAttributes": ["email", "email_verified"],
        "WriteAttributes": ["email"],
        "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
        "SupportedIdentityProviders": ["COGNITO"],
        "CallbackURLs": ["https://app.example.com/callback"],
        "LogoutURLs": ["https://app.example.com/"],
        "DefaultRedirectURI": "https://app.example.com/callback",
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": ["openid", "email"],
        "AllowedOAuthFlowsUserPoolClient": True,
        "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": True,
        "EnablePropagateAdditionalUserContextData": False,
        "AuthSessionValidity": 3,
        "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10},
        "ClientType": "REGULAR",
    }


def raw(description: dict[str, Any]) -> dict[str, Any]:
    """The JSON the service sent for a description: timestamps are epoch numbers."""
    text = json.dumps(description, default=lambda value: value.timestamp())
    decoded: dict[str, Any] = json.loads(text)
    return decoded


def with_ids(kind: Kind, document: dict[str, Any]) -> dict[str, Any]:
    ids = {"UserPoolId": POOL_ID, "ClientId": CLIENT_ID}
    return {**{name: ids[name] for name in ID_MEMBERS[kind]}, **document}


def walk(value: Any) -> list[Any]:
    """Every key and value anywhere in a nested document."""
    found: list[Any] = [value]
    if isinstance(value, dict):
        for key, item in value.items():
            found += [key, *walk(item)]
    elif isinstance(value, list):
        for item in value:
            found += walk(item)
    return found


def codes_and_paths(errors: list[Any]) -> list[tuple[str, str | None]]:
    return [(error.code, error.path) for error in errors]


# --- the model ---


def test_importing_the_module_loads_no_botocore() -> None:
    # Given a fresh interpreter
    code = "import sys, poolpatch.model; print(sorted(m for m in sys.modules if m.startswith('botocore')))"
    # When poolpatch.model is imported
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # Then botocore (and so the service model) is not even imported
    assert out.strip() == "[]"


def test_service_model_is_loaded_once_without_a_client(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a session that fails if anything creates a client
    def no_client(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a client was created")

    monkeypatch.setattr(botocore.session.Session, "create_client", no_client)
    service_model.cache_clear()
    # When the model is asked for twice
    first, second = service_model(), service_model()
    # Then it is the cognito-idp model, loaded once
    assert first is second
    assert first.service_name == "cognito-idp"


def test_update_members_are_the_update_input_minus_ids() -> None:
    # Given the model's update inputs
    for kind, operation in (("pool", "UpdateUserPool"), ("client", "UpdateUserPoolClient")):
        input_shape = service_model().operation_model(operation).input_shape
        assert input_shape is not None
        # When the update members are listed
        members = update_members(kind)
        # Then they are exactly the input members without the ids
        assert set(members) == set(input_shape.members) - set(ID_MEMBERS[kind])  # type: ignore[index]
        assert "PoolName" in update_members("pool")
        assert "UserPoolId" not in members


def test_shapes_come_from_the_operations() -> None:
    # When the shapes are resolved / Then they are the model's own
    assert update_shape("pool").name == "UpdateUserPoolRequest"
    assert update_shape("client").name == "UpdateUserPoolClientRequest"
    assert describe_shape("pool").name == "UserPoolType"
    assert describe_shape("client").name == "UserPoolClientType"


# --- projection ---


def test_pool_projection_renames_name_and_drops_read_only_members() -> None:
    # Given a full pool description
    description = pool_description()
    # When it is projected
    document = project("pool", description)
    # Then Name became PoolName, and only update members remain
    assert document["PoolName"] == "customers"
    assert set(document) <= set(update_members("pool"))
    for dropped in (
        "Id",
        "Name",
        "Arn",
        "Status",
        "CreationDate",
        "LastModifiedDate",
        "SchemaAttributes",
        "AliasAttributes",
        "UsernameAttributes",
        "UsernameConfiguration",
        "EstimatedNumberOfUsers",
        "Domain",
        "CustomDomain",
        "SmsConfigurationFailure",
        "EmailConfigurationFailure",
    ):
        assert dropped not in document
    assert not any(isinstance(item, dt.datetime) for item in walk(document))


def test_pool_projection_keeps_nested_blocks_without_normalising() -> None:
    # Given a pool with V2 pre-token generation, a custom SMS sender, a legacy field and an aws: tag
    description = pool_description()
    # When it is projected
    document = project("pool", description)
    # Then the nested blocks are whole, and semantic normalisation is left to the rules module
    assert document["LambdaConfig"] == description["LambdaConfig"]
    assert document["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    assert document["LambdaConfig"]["CustomSMSSender"]["LambdaArn"] == ARN.format("sms-sender")
    assert document["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 7
    assert document["UserPoolTags"]["aws:cloudformation:stack-name"] == "auth"
    assert document["SmsVerificationMessage"] == "Your code is {####}"


@pytest.mark.parametrize(
    ("kind", "description"), [("pool", pool_description()), ("client", client_description())]
)
def test_projection_keeps_every_update_member_present_in_describe(
    kind: Kind, description: dict[str, Any]
) -> None:
    # Given a description holding (almost) every member
    sources = {"PoolName": "Name"}
    # When it is projected
    document = project(kind, description)
    # Then every update member Describe returned is kept, with its value
    expected = {
        name
        for name in update_members(kind)
        if sources.get(name, name) in description and name != "ClientSecret"
    }
    assert set(document) == expected
    for name in expected:
        assert document[name] == description[sources.get(name, name)]


@pytest.mark.parametrize(
    ("kind", "description"), [("pool", pool_description()), ("client", client_description())]
)
def test_projected_document_passes_botocores_validator(kind: Kind, description: dict[str, Any]) -> None:
    # Given a projected description
    document = project(kind, description)
    # When botocore validates it as the update input, ids added / Then it raises nothing
    validate_parameters(with_ids(kind, document), update_shape(kind))


def test_verbatim_description_fails_botocores_validator() -> None:
    # Given a description copied verbatim (the bug projection prevents)
    # When botocore validates it / Then it refuses the Describe-only members
    with pytest.raises(ParamValidationError, match="Name"):
        validate_parameters(with_ids("pool", pool_description()), update_shape("pool"))


def test_client_projection_never_carries_the_secret() -> None:
    # Given a confidential client's description
    description = client_description()
    # When it is projected
    document = project("client", description)
    # Then the secret is nowhere, nor are ids and output-only members
    assert "ClientSecret" not in walk(document)
    assert SECRET not in json.dumps(document)
    for dropped in (
        "UserPoolId",
        "ClientId",
        "ClientSecretArn",
        "ClientType",
        "CreationDate",
        "LastModifiedDate",
    ):
        assert dropped not in document
    assert document["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}


def test_projection_returns_deep_copies() -> None:
    # Given a description and its projection
    description = pool_description()
    document = project("pool", description)
    # When the projection is changed in depth
    document["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"] = "V3_0"
    document["AutoVerifiedAttributes"].append("phone_number")
    # Then the description is untouched
    assert description == pool_description()


def test_projection_drops_unknown_nested_members_datetimes_and_nulls() -> None:
    # Given a description with members the update shape does not know, a nested datetime and a null
    description = pool_description()
    description["LambdaConfig"]["NewTrigger"] = ARN.format("new")
    description["DeviceConfiguration"]["ChallengeRequiredOnNewDevice"] = WHEN
    description["MfaConfiguration"] = None
    # When it is projected
    document = project("pool", description)
    # Then none of them survive
    assert "NewTrigger" not in document["LambdaConfig"]
    assert document["DeviceConfiguration"] == {"DeviceOnlyRememberedOnUserPrompt": True}
    assert "MfaConfiguration" not in document


# --- unknown-field guard ---


@pytest.mark.parametrize(
    ("kind", "description"), [("pool", pool_description()), ("client", client_description())]
)
def test_unknown_members_finds_nothing_in_a_known_response(kind: Kind, description: dict[str, Any]) -> None:
    # Given a raw response the local model knows entirely
    # When it is checked / Then nothing is reported
    assert unknown_members(kind, raw(description)) == []


def test_unknown_members_finds_top_level_and_nested_extras() -> None:
    # Given a raw pool response from a newer service model
    response = raw(pool_description())
    response["FutureSetting"] = {"Enabled": True}
    response["LambdaConfig"]["NewTrigger"] = ARN.format("new")
    response["Policies"]["PasswordPolicy"]["RequireEmoji"] = True
    response["AccountRecoverySetting"]["RecoveryMechanisms"][0]["Weight"] = 3
    response["AcrConfiguration"]["Level1"]["Label"] = "basic"
    response["a/b~c"] = 1
    # When it is checked
    found = unknown_members("pool", response)
    # Then every extra is reported as a JSON Pointer (and nothing known is)
    assert sorted(found) == sorted(
        [
            "/FutureSetting",
            "/LambdaConfig/NewTrigger",
            "/Policies/PasswordPolicy/RequireEmoji",
            "/AccountRecoverySetting/RecoveryMechanisms/0/Weight",
            "/AcrConfiguration/Level1/Label",
            "/a~1b~0c",
        ]
    )


def test_unknown_members_on_a_client_response() -> None:
    # Given a raw client response with a new block
    response = raw(client_description())
    response["TokenValidityUnits"]["DeviceToken"] = "days"
    # When it is checked / Then the nested extra is found
    assert unknown_members("client", response) == ["/TokenValidityUnits/DeviceToken"]


# --- check_document ---


@pytest.mark.parametrize(
    ("kind", "description"), [("pool", pool_description()), ("client", client_description())]
)
def test_projected_document_is_valid_and_complete(kind: Kind, description: dict[str, Any]) -> None:
    # Given a projected description / When it is checked as a complete document / Then no error
    assert check_document(kind, project(kind, description), partial=False) == []


def test_enum_violation_names_the_allowed_values() -> None:
    # When an enum member gets a value outside the enum
    errors = check_document("pool", {"MfaConfiguration": "MAYBE"}, partial=True)
    # Then one InvalidValue at its path names the constraint and the allowed values
    assert codes_and_paths(errors) == [("InvalidValue", "/MfaConfiguration")]
    assert "enum" in errors[0].message
    assert "OFF, ON, OPTIONAL" in errors[0].message


@pytest.mark.parametrize(
    ("patch", "path", "fragment"),
    [
        ({"PoolName": ""}, "/PoolName", "between 1 and 128 characters"),
        ({"SmsAuthenticationMessage": "{####}" + "x" * 140}, "/SmsAuthenticationMessage", "6 and 140"),
        (
            {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": []}}},
            "/Policies/SignInPolicy/AllowedFirstAuthFactors",
            "between 1 and 5 items",
        ),
        ({"UserPoolTags": {f"k{i}": "v" for i in range(51)}}, "/UserPoolTags", None),
        (
            {"AcrConfiguration": {f"Level{i}": {"AcrValue": "x"} for i in range(1, 6)}},
            "/AcrConfiguration",
            "between 0 and 4 entries",
        ),
    ],
)
def test_length_violations(patch: dict[str, Any], path: str, fragment: str | None) -> None:
    # When a string, list or map breaks its length constraint
    errors = check_document("pool", patch, partial=True)
    # Then it is reported at its path with the allowed range (tag maps have no model limit: no error)
    if fragment is None:
        assert errors == []
        return
    assert [error.path for error in errors if "length constraint" in error.message] == [path]
    assert fragment in errors[0].message


def test_integer_range_violation() -> None:
    # When a password length is below the model's minimum
    errors = check_document("pool", {"Policies": {"PasswordPolicy": {"MinimumLength": 3}}}, partial=True)
    # Then the range is named
    assert codes_and_paths(errors) == [("InvalidValue", "/Policies/PasswordPolicy/MinimumLength")]
    assert "between 6 and 99" in errors[0].message
    assert "range constraint" in errors[0].message


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({"PoolName": "bad!name"}, "/PoolName"),
        ({"LambdaConfig": {"PreSignUp": "lambda-function-called-presignup"}}, "/LambdaConfig/PreSignUp"),
        ({"SmsVerificationMessage": "Your code is ####"}, "/SmsVerificationMessage"),
        ({"AcrConfiguration": {"Level9": {"AcrValue": "urn:x"}}}, "/AcrConfiguration/Level9"),
    ],
)
def test_pattern_violations(patch: dict[str, Any], path: str) -> None:
    # When a value (or a map key) breaks the model's pattern
    errors = check_document("pool", patch, partial=True)
    # Then it is an InvalidValue naming the pattern constraint
    assert codes_and_paths(errors) == [("InvalidValue", path)]
    assert "pattern constraint" in errors[0].message


@pytest.mark.parametrize(
    ("patch", "path", "expected"),
    [
        ({"PoolName": 42}, "/PoolName", "a string"),
        ({"AutoVerifiedAttributes": "email"}, "/AutoVerifiedAttributes", "a list"),
        ({"LambdaConfig": ["arn"]}, "/LambdaConfig", "an object"),
        ({"UserPoolTags": {"team": 7}}, "/UserPoolTags/team", "a string"),
        (
            {"DeviceConfiguration": {"ChallengeRequiredOnNewDevice": "yes"}},
            "/DeviceConfiguration/ChallengeRequiredOnNewDevice",
            "a boolean",
        ),
        (
            {"Policies": {"PasswordPolicy": {"MinimumLength": "12"}}},
            "/Policies/PasswordPolicy/MinimumLength",
            "an integer",
        ),
    ],
)
def test_type_violations(patch: dict[str, Any], path: str, expected: str) -> None:
    # When a member gets the wrong JSON type
    errors = check_document("pool", patch, partial=True)
    # Then the expected type is named
    assert codes_and_paths(errors) == [("InvalidValue", path)]
    assert f"must be {expected}" in errors[0].message


def test_a_boolean_is_not_an_integer() -> None:
    # When an integer member gets a boolean (which Python, and botocore, count as an int)
    errors = check_document("client", {"RefreshTokenValidity": True}, partial=True)
    # Then it is refused
    assert codes_and_paths(errors) == [("InvalidValue", "/RefreshTokenValidity")]
    assert "must be an integer, not a boolean" in errors[0].message


def test_nested_list_item_errors_have_their_index_in_the_path() -> None:
    # When the second recovery mechanism has a bad name
    patch = {
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}, {"Priority": 3, "Name": "sms"}]
        }
    }
    errors = check_document("pool", patch, partial=True)
    # Then each error points into the list item
    assert sorted(codes_and_paths(errors)) == [
        ("InvalidValue", "/AccountRecoverySetting/RecoveryMechanisms/1/Name"),
        ("InvalidValue", "/AccountRecoverySetting/RecoveryMechanisms/1/Priority"),
    ]


def test_first_list_item_path() -> None:
    # When the first item is wrong / Then the pointer names index 0
    patch = {"AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "email"}]}}
    errors = check_document("pool", patch, partial=True)
    assert codes_and_paths(errors) == [("InvalidValue", "/AccountRecoverySetting/RecoveryMechanisms/0/Name")]


def test_required_members_are_enforced_only_for_complete_documents() -> None:
    # Given a pre-token block without its required LambdaVersion
    document = {"LambdaConfig": {"PreTokenGenerationConfig": {"LambdaArn": ARN.format("pre-token")}}}
    # When it is checked as a merge patch, then as a complete document
    as_patch = check_document("pool", document, partial=True)
    as_document = check_document("pool", document, partial=False)
    # Then only the complete document must carry it
    assert as_patch == []
    assert codes_and_paths(as_document) == [
        ("InvalidValue", "/LambdaConfig/PreTokenGenerationConfig/LambdaVersion")
    ]
    assert "required" in as_document[0].message


def test_list_items_are_complete_values_even_in_a_patch() -> None:
    # When a patch replaces a list whose item misses a required member (a merge patch replaces lists whole)
    errors = check_document(
        "pool", {"AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1}]}}, partial=True
    )
    # Then the item is checked as a complete value
    assert codes_and_paths(errors) == [("InvalidValue", "/AccountRecoverySetting/RecoveryMechanisms/0/Name")]


def test_null_is_allowed_only_in_a_patch() -> None:
    # Given removals at the top level, nested, and of a map entry
    document = {
        "DeviceConfiguration": None,
        "LambdaConfig": {"PreSignUp": None},
        "UserPoolTags": {"team": None},
    }
    # When checked as a merge patch, then as a complete document
    as_patch = check_document("pool", document, partial=True)
    as_document = check_document("pool", document, partial=False)
    # Then nulls mean "remove" in the patch only
    assert as_patch == []
    assert sorted(str(error.path) for error in as_document) == [
        "/DeviceConfiguration",
        "/LambdaConfig/PreSignUp",
        "/UserPoolTags/team",
    ]


def test_null_list_item_is_refused_even_in_a_patch() -> None:
    # When a list holds null (RFC 7396 keeps it: it would be sent to Cognito)
    errors = check_document("pool", {"AutoVerifiedAttributes": ["email", None]}, partial=True)
    # Then it is refused
    assert codes_and_paths(errors) == [("InvalidValue", "/AutoVerifiedAttributes/1")]


def test_every_error_is_reported_with_the_base_prefix() -> None:
    # Given a patch with three independent problems
    patch = {"MfaConfiguration": "MAYBE", "PoolName": "p" * 129, "Arn": "arn:aws:cognito-idp:x"}
    # When it is checked under a base pointer
    errors = check_document("pool", patch, partial=True, base="/patch")
    # Then all three are reported, each prefixed
    assert sorted(codes_and_paths(errors)) == [
        ("InvalidValue", "/patch/MfaConfiguration"),
        ("InvalidValue", "/patch/PoolName"),
        ("ReadOnlyField", "/patch/Arn"),
    ]


@pytest.mark.parametrize(
    ("kind", "patch", "error_type", "path", "remedy"),
    [
        ("pool", {"Name": "x"}, UnknownField, "/Name", "PoolName"),
        ("pool", {"UserPoolId": POOL_ID}, ReadOnlyField, "/UserPoolId", "target"),
        ("pool", {"CreationDate": "2026-01-01"}, ReadOnlyField, "/CreationDate", "Remove"),
        ("pool", {"UsernameAttributes": ["email"]}, ImmutableSetting, "/UsernameAttributes", "new user pool"),
        (
            "pool",
            {"LambdaConfig": {"PreSignup": ARN.format("x")}},
            UnknownField,
            "/LambdaConfig/PreSignup",
            "PreSignUp",
        ),
        ("client", {"ClientSecret": SECRET}, ImmutableSetting, "/ClientSecret", "AddUserPoolClientSecret"),
        ("client", {"CallbackUrls": []}, UnknownField, "/CallbackUrls", "CallbackURLs"),
    ],
)
def test_members_the_update_does_not_accept_are_classified(
    kind: Kind, patch: dict[str, Any], error_type: type, path: str, remedy: str
) -> None:
    # When a patch names a member the update document does not accept
    errors = check_document(kind, patch, partial=True, base="")
    # Then it is classified, with a remedy
    assert len(errors) == 1
    assert isinstance(errors[0], error_type)
    assert errors[0].path == path
    assert remedy in (errors[0].remedy or "")
    assert SECRET not in errors[0].describe()


def test_document_must_be_an_object() -> None:
    # When the document is not an object / Then one InvalidValue at the base
    errors = check_document("pool", ["MfaConfiguration"], partial=True, base="/patch")  # type: ignore[arg-type]
    assert codes_and_paths(errors) == [("InvalidValue", "/patch")]


def test_sensitive_values_are_never_echoed() -> None:
    # Given the model's sensitive client-secret shape and a value breaking its pattern and enum-free checks
    shape = service_model().shape_for("ClientSecretType")
    value = "not-a-valid-secret-because-of-dashes!!"
    # When it is checked
    errors = check_shape(shape, value, "/ClientSecret", partial=False)
    # Then the error names the constraint but not the value
    assert [error.code for error in errors] == ["InvalidValue"]
    assert value not in errors[0].describe()
    assert "pattern constraint" in errors[0].message


def test_non_sensitive_values_are_shown() -> None:
    # When a plain value is wrong / Then the message shows it, to help the user
    errors = check_document("pool", {"DeletionProtection": "ON"}, partial=True)
    assert "'ON'" in errors[0].message


def test_check_shape_validates_custom_attributes() -> None:
    # Given the AddCustomAttributes list shape
    input_shape = service_model().operation_model("AddCustomAttributes").input_shape
    assert input_shape is not None
    shape = input_shape.members["CustomAttributes"]
    good = [{"Name": "tier", "AttributeDataType": "String", "Mutable": True}]
    bad = [{"Name": "tier", "AttributeDataType": "Text", "Mutible": True}]
    # When both are checked
    ok = check_shape(shape, good, "/addCustomAttributes", partial=False)
    errors = check_shape(shape, bad, "/addCustomAttributes", partial=False)
    # Then only the bad list fails: a bad enum, and an unknown member with a suggestion
    assert ok == []
    assert sorted(codes_and_paths(errors)) == [
        ("InvalidValue", "/addCustomAttributes/0/AttributeDataType"),
        ("UnknownField", "/addCustomAttributes/0/Mutible"),
    ]
    unknown = next(error for error in errors if error.code == "UnknownField")
    assert "Mutable" in (unknown.remedy or "")


def test_check_shape_refuses_an_empty_custom_attribute_list() -> None:
    # Given the list shape (1-25 items)
    input_shape = service_model().operation_model("AddCustomAttributes").input_shape
    assert input_shape is not None
    # When an empty list is checked / Then its length is refused
    errors = check_shape(input_shape.members["CustomAttributes"], [], "/addCustomAttributes", partial=False)
    assert codes_and_paths(errors) == [("InvalidValue", "/addCustomAttributes")]


# --- Java patterns ---


def reachable_patterns() -> set[str]:
    patterns: set[str] = set()
    seen: set[str] = set()

    def visit(shape: Shape) -> None:
        if shape.name in seen:
            return
        seen.add(shape.name)
        if "pattern" in shape.metadata:
            patterns.add(shape.metadata["pattern"])
        for child in (getattr(shape, "members", {}) or {}).values():
            visit(child)
        for attribute in ("member", "key", "value"):
            if shape.type_name in {"list", "map"} and hasattr(shape, attribute):
                visit(getattr(shape, attribute))

    for kind in ("pool", "client"):
        visit(update_shape(kind))
        visit(describe_shape(kind))
    return patterns


def test_every_reachable_model_pattern_is_checked() -> None:
    # Given the patterns of the update and describe shapes
    patterns = reachable_patterns()
    # When they are translated / Then none is skipped
    assert len(patterns) > 10
    assert [pattern for pattern in patterns if model._compiled_pattern(pattern) is None] == []


def test_unicode_property_classes_never_reject_what_java_accepts() -> None:
    # Given every code point in the letter, mark, symbol, number, punctuation and separator categories
    by_group: dict[str, list[str]] = {"LMSNP": [], "Z": []}
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))[0]
        if category in "LMSNP":
            by_group["LMSNP"].append(chr(code))
        elif category == "Z":
            by_group["Z"].append(chr(code))
    visible = model._compiled_pattern(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+")
    spaces = model._compiled_pattern(r"[\p{Z}]+")
    # When they are matched / Then all of them are accepted
    assert visible is not None
    assert spaces is not None
    assert visible.fullmatch("".join(by_group["LMSNP"]))
    assert spaces.fullmatch("".join(by_group["Z"]))
    # And the translation still rejects what Java rejects in the common case
    assert visible.fullmatch("two words") is None


@pytest.mark.parametrize(
    ("patch", "kind"),
    [
        ({"VerificationMessageTemplate": {"EmailSubject": "Vérifiez votre adresse ✅ 🚀"}}, "pool"),
        (
            {"VerificationMessageTemplate": {"EmailMessage": "Bonjour,\n\nvotre code : {####}\n— l'équipe"}},
            "pool",
        ),
        ({"SmsVerificationMessage": "Code:\n{####}"}, "pool"),
        ({"PoolName": "Kunden-Pool_2026 prod@eu"}, "pool"),
        ({"EmailConfiguration": {"ReplyToEmailAddress": "support+ünïcode@example.com"}}, "pool"),
        ({"ClientName": "web app, v2"}, "client"),
    ],
)
def test_valid_unicode_and_multiline_values_pass(patch: dict[str, Any], kind: Kind) -> None:
    # When real-world values with accents, emoji and newlines are checked / Then none is refused
    assert check_document(kind, patch, partial=True) == []


@pytest.mark.parametrize(
    "pattern", [r"\P{L}+", r"[^\p{L}]+", r"[a-z&&[^b]]+", r"\Q.\E", r"\p{IsLatin}+", "("]
)
def test_untranslatable_patterns_are_not_checked(pattern: str) -> None:
    # When a Java construct cannot be translated safely / Then the pattern is skipped, never narrowed
    assert model._compiled_pattern(pattern) is None


# --- classify_member ---


@pytest.mark.parametrize(
    ("kind", "pointer"),
    [("pool", "/UserPoolId"), ("pool", "/Id"), ("client", "/ClientId"), ("client", "/UserPoolId")],
)
def test_id_members_are_read_only(kind: Kind, pointer: str) -> None:
    # When a patch names an id / Then it is read-only, chosen by `target`
    error = classify_member(kind, pointer)
    assert isinstance(error, ReadOnlyField)
    assert error.path == pointer
    assert "`target`" in (error.remedy or "")


@pytest.mark.parametrize(
    ("kind", "name", "remedy"),
    [
        ("pool", "AliasAttributes", "new user pool"),
        ("pool", "UsernameAttributes", "new user pool"),
        ("pool", "UsernameConfiguration", "new user pool"),
        ("pool", "SchemaAttributes", "addCustomAttributes"),
        ("client", "ClientSecret", "new app client"),
        ("client", "GenerateSecret", "DeleteUserPoolClientSecret"),
    ],
)
def test_create_only_settings_are_immutable(kind: Kind, name: str, remedy: str) -> None:
    # When a patch names a create-only setting / Then it is immutable, with the AWS guide's remedy
    error = classify_member(kind, f"/{name}")
    assert isinstance(error, ImmutableSetting)
    assert remedy in (error.remedy or "")


def test_create_only_table_names_exist_in_the_model() -> None:
    # Given the hand-kept table of create-only settings
    for kind, create in (("pool", "CreateUserPool"), ("client", "CreateUserPoolClient")):
        input_shape = service_model().operation_model(create).input_shape
        assert input_shape is not None
        known = set(describe_shape(kind).members) | set(input_shape.members)
        # Then every name is a real member, and none is accepted by the update
        for name in model._CREATE_ONLY[kind]:  # type: ignore[index]
            assert name in known
            assert name not in update_members(kind)


def test_pool_name_is_suggested_for_name() -> None:
    # When a pool patch uses the Describe name / Then the update name is suggested
    error = classify_member("pool", "/Name")
    assert isinstance(error, UnknownField)
    assert "PoolName" in (error.remedy or "")


@pytest.mark.parametrize("kind", ["pool", "client"])
def test_describe_only_members_are_read_only_from_the_model(kind: Kind) -> None:
    # Given every describe member the update does not accept, except ids, renames and create-only settings
    special = set(model._CREATE_ONLY[kind]) | {"Id", "UserPoolId", "ClientId", "Name"}
    read_only = set(describe_shape(kind).members) - set(update_members(kind)) - special
    # When each is classified / Then each is read-only (no hand-kept list)
    assert read_only >= (
        {"Arn", "Status", "Domain", "CreationDate"} if kind == "pool" else {"ClientSecretArn", "ClientType"}
    )
    for name in read_only:
        assert isinstance(classify_member(kind, f"/{name}"), ReadOnlyField), name


@pytest.mark.parametrize(
    ("kind", "pointer", "suggestion"),
    [
        ("pool", "/MfaConfig", "MfaConfiguration"),
        ("pool", "/LambdaConfig/PreTokenGenerationConfig/LambdaVerison", "LambdaVersion"),
        ("pool", "/AccountRecoverySetting/RecoveryMechanisms/0/Nme", "Name"),
        ("client", "/AllowedOauthFlows", "AllowedOAuthFlows"),
    ],
)
def test_unknown_members_get_the_closest_name(kind: Kind, pointer: str, suggestion: str) -> None:
    # When a misspelt member is classified / Then the closest member at that level is suggested
    error = classify_member(kind, pointer)
    assert isinstance(error, UnknownField)
    assert error.path == pointer
    assert f"`{suggestion}`" in (error.remedy or "")


def test_unknown_member_under_an_unknown_parent() -> None:
    # When the parent itself is unknown / Then it is an UnknownField without a misleading suggestion
    error = classify_member("pool", "/Lambda/PreSignUp")
    assert isinstance(error, UnknownField)
    assert "skeleton" in (error.remedy or "")


def test_classifying_an_accepted_member_is_a_programming_error() -> None:
    # When an accepted member is classified / Then ValueError
    with pytest.raises(ValueError, match="accepted"):
        classify_member("pool", "/LambdaConfig/PreSignUp")
    with pytest.raises(ValueError, match="accepted"):
        classify_member("client", "/ClientName")


# --- closest ---


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("poolname", "PoolName"),
        ("MfaConfig", "MfaConfiguration"),
        ("LambaConfig", "LambdaConfig"),
        ("DeletionProtect", "DeletionProtection"),
        ("Zebra", None),
    ],
)
def test_closest(name: str, expected: str | None) -> None:
    # When the closest pool update member is looked up / Then the expected one (or none) is found
    assert closest(name, update_members("pool")) == expected


# --- skeleton ---


@pytest.mark.parametrize("kind", ["pool", "client"])
def test_skeleton_passes_botocore_validation(kind: Kind) -> None:
    # Given the skeleton
    document = skeleton(kind)
    # When botocore validates it with ids added / Then nothing is raised, and no id is in it
    validate_parameters(with_ids(kind, document), update_shape(kind))
    assert not set(ID_MEMBERS[kind]) & set(document)


def uncovered(shape: Shape, value: Any, path: str) -> list[str]:
    """Members of the shape missing from an example value, recursively."""
    missing: list[str] = []
    if shape.type_name == "structure":
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            if name not in value:
                missing.append(f"{path}/{name}")
            else:
                missing += uncovered(member, value[name], f"{path}/{name}")
    elif shape.type_name == "list":
        assert len(value) >= 1
        missing += uncovered(shape.member, value[0], f"{path}/0")  # type: ignore[attr-defined]
    elif shape.type_name == "map":
        assert len(value) == 1
        key = next(iter(value))
        missing += uncovered(shape.value, value[key], f"{path}/{key}")  # type: ignore[attr-defined]
    return missing


@pytest.mark.parametrize("kind", ["pool", "client"])
def test_skeleton_covers_every_update_member(kind: Kind) -> None:
    # Given the skeleton
    document = skeleton(kind)
    # When it is compared with the update shape, recursively / Then nothing is missing
    assert set(document) == set(update_members(kind))
    for name in update_members(kind):
        assert uncovered(update_shape(kind).members[name], document[name], f"/{name}") == []


def test_skeleton_placeholders() -> None:
    # When the pool skeleton is built
    document = skeleton("pool")
    # Then enums hold their first value, booleans False, lists one item, and it is plain JSON
    assert document["MfaConfiguration"] == "OFF"
    assert document["Policies"]["PasswordPolicy"]["RequireSymbols"] is False
    assert document["Policies"]["PasswordPolicy"]["MinimumLength"] == 6
    assert document["AccountRecoverySetting"]["RecoveryMechanisms"] == [
        {"Priority": 1, "Name": "verified_email"}
    ]
    assert json.loads(json.dumps(document)) == document


def test_skeleton_survives_recursive_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a model whose update input contains a structure that contains itself
    recursive = ServiceModel(
        {
            "metadata": {"protocol": "json", "apiVersion": "2016-04-18", "serviceId": "Test"},
            "operations": {"UpdateUserPool": {"name": "UpdateUserPool", "input": {"shape": "In"}}},
            "shapes": {
                "In": {
                    "type": "structure",
                    "members": {"UserPoolId": {"shape": "S"}, "Node": {"shape": "Node"}},
                },
                "Node": {
                    "type": "structure",
                    "members": {
                        "Name": {"shape": "S"},
                        "Child": {"shape": "Node"},
                        "Children": {"shape": "Nodes"},
                    },
                },
                "Nodes": {"type": "list", "member": {"shape": "Node"}},
                "S": {"type": "string"},
            },
        },
        service_name="test",
    )
    monkeypatch.setattr(model, "service_model", lambda: recursive)
    model.update_shape.cache_clear()
    model.update_members.cache_clear()
    try:
        # When the skeleton is built
        document = skeleton("pool")
    finally:
        model.update_shape.cache_clear()
        model.update_members.cache_clear()
    # Then the recursion stops at an empty object
    assert document == {"Node": {"Name": "", "Child": {}, "Children": [{}]}}


# --- json_default ---


def test_json_default_writes_datetimes_as_utc_iso8601() -> None:
    # Given aware (non-UTC) and naive datetimes
    paris = dt.datetime(2026, 3, 1, 13, 30, 15, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    naive = dt.datetime(2026, 3, 1, 12, 30, 15)
    # When they are serialised / Then both are the same UTC instant with a Z suffix
    assert (
        json.dumps([paris, naive], default=json_default) == '["2026-03-01T12:30:15Z", "2026-03-01T12:30:15Z"]'
    )


def test_json_default_other_values() -> None:
    # When other non-JSON values are serialised / Then they become plain JSON
    text = json.dumps(
        {"d": decimal.Decimal("7"), "f": decimal.Decimal("1.5"), "b": b"\x00\x01", "s": {"b", "a"}},
        default=json_default,
    )
    assert json.loads(text) == {"d": 7, "f": 1.5, "b": "AAE=", "s": ["a", "b"]}
    # And anything else is refused as json.dumps expects
    with pytest.raises(TypeError, match="object"):
        json_default(object())


def test_a_whole_description_serialises() -> None:
    # Given a parsed description with datetimes / When it is dumped with json_default / Then it round-trips
    text = json.dumps(pool_description(), default=json_default)
    assert json.loads(text)["CreationDate"] == "2026-03-01T12:30:15.822000Z"
