"""A corpus of bad inputs: each is refused with its specific, stable error code before any write.

Every row runs the way the pipeline runs a request: ``parse_request`` (the edge validator, which also
parses JSON text through ``load_json``), the account allow-list (``TargetSessions.check``), then the real
:class:`~poolpatch.engine.Engine` over moto with the faithful Cognito fake installed and a local snapshot
folder. For each row the test asserts the error code, the JSON Pointer where it is meaningful, a hint in
the message (the suggested member name, the limit...), that no write call (UpdateUserPool*,
AddCustomAttributes) reached Cognito - counted both at the port and by the fake's call log - and that no
snapshot file was written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from helpers.aws import fake_aws_environment
from poolpatch.adapters.cognito import Boto3Cognito, CognitoPort, Described
from poolpatch.adapters.session import TargetSessions
from poolpatch.adapters.snapshots import LocalSnapshotStore
from poolpatch.engine import Engine, fixed
from poolpatch.errors import PoolpatchError
from poolpatch.request import ChangeRequest, Target, parse_request
from poolpatch_fake import faults, seed

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "eu-west-1"
ACCOUNT = seed.ACCOUNT_ID
LAMBDA = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:acme-auth-"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
UNCHECKED = "<unchecked>"
WRITE_OPERATIONS = frozenset(
    {"UpdateUserPool", "UpdateUserPoolClient", "AddCustomAttributes", "SetUserPoolMfaConfig"}
)
READ_OPERATIONS = frozenset({"DescribeUserPool", "DescribeUserPoolClient"})

# Placeholders filled in per test: the realistic pool and its client, a plain pool (MFA OFF, no client
# secret) and values the row's setup produced.
POOL, CLIENT, PLAIN = "<POOL>", "<CLIENT>", "<PLAIN>"


@dataclass
class Env:
    """One test's AWS world: the moto client, the ids, folders and placeholder values."""

    cognito: CognitoIdentityProviderClient
    values: dict[str, str]
    fixtures: Path
    store: Path


@dataclass(frozen=True)
class Case:
    """One bad input and the refusal it must get."""

    request: Any
    code: str
    path: str | None = UNCHECKED
    hint: str = ""
    setup: Callable[[Env], None] | None = None
    fresh: bool = False
    """Run on pools of its own: the row's setup (or a known gap) changes them."""


class CountingCognito:
    """A :class:`CognitoPort` that logs every call before delegating to the boto3 adapter."""

    def __init__(self, inner: CognitoPort) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def describe(self, target: Target) -> Described:
        self.calls.append("describe")
        return self.inner.describe(target)

    def update(self, target: Target, document: Mapping[str, Any]) -> None:
        self.calls.append("update")
        self.inner.update(target, document)

    def add_custom_attributes(self, target: Target, attributes: Sequence[Mapping[str, Any]]) -> None:
        self.calls.append("add")
        self.inner.add_custom_attributes(target, attributes)


# --- request builders ---------------------------------------------------------------------------


def request(target: Mapping[str, Any], **members: Any) -> dict[str, Any]:
    """A v1 request for ``target`` with the given members."""
    return {"version": "1", "requestId": "bad-input-1", "target": dict(target), **members}


def pool(patch: Any, **members: Any) -> dict[str, Any]:
    """A patch of the realistic pool."""
    return request({"userPoolId": POOL}, patch=patch, **members)


def plain(patch: Any, **members: Any) -> dict[str, Any]:
    """A patch of the plain pool (MFA OFF)."""
    return request({"userPoolId": PLAIN}, patch=patch, **members)


def client(patch: Any, **members: Any) -> dict[str, Any]:
    """A patch of the realistic pool's OAuth app client."""
    return request({"userPoolId": POOL, "clientId": CLIENT}, patch=patch, **members)


def attributes(*items: Mapping[str, Any]) -> dict[str, Any]:
    """An ``addCustomAttributes`` request for the realistic pool."""
    return request({"userPoolId": POOL}, addCustomAttributes=list(items))


def pool_id(value: Any) -> dict[str, Any]:
    """A request whose ``target.userPoolId`` is ``value``."""
    return request({"userPoolId": value}, patch={"DeletionProtection": "ACTIVE"})


def target_member(name: str, value: Any) -> dict[str, Any]:
    """A client request with one hostile target member."""
    return request(
        {"userPoolId": POOL, "clientId": CLIENT, name: value}, patch={"EnableTokenRevocation": True}
    )


def text(document: Mapping[str, Any]) -> str:
    """A request as JSON text (placeholders are filled in afterwards)."""
    return json.dumps(document)


def nested(depth: int) -> dict[str, Any]:
    """An object nested ``depth`` levels deep."""
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"LambdaConfig": value}
    return value


# --- setups ---------------------------------------------------------------------------------------


def fill_custom_attributes(env: Env) -> None:
    """Bring the realistic pool to 49 custom attributes (it has 2)."""
    names = [f"extra{index:02d}" for index in range(47)]
    for chunk in (names[:25], names[25:]):
        env.cognito.add_custom_attributes(
            UserPoolId=env.values[POOL],
            CustomAttributes=[{"Name": name, "AttributeDataType": "String"} for name in chunk],
        )


def unknown_pool_member(env: Env) -> None:
    """The next DescribeUserPool carries a trigger this botocore does not know."""
    faults.add_raw_member("DescribeUserPool", "/UserPool/LambdaConfig/FutureTrigger", f"{LAMBDA}future")


def unknown_client_member(env: Env) -> None:
    """The next DescribeUserPoolClient carries a top-level member this botocore does not know."""
    faults.add_raw_member("DescribeUserPoolClient", "/UserPoolClient/FutureSessionBinding", True)


def other_pool_snapshot(env: Env) -> None:
    """A genuine before snapshot of the plain pool, written by the engine into the fixtures folder."""
    engine = Engine(
        fixed(Boto3Cognito(env.cognito)), LocalSnapshotStore(env.fixtures), account_id=ACCOUNT, region=REGION
    )
    document = request({"userPoolId": env.values[PLAIN]}, patch={"DeletionProtection": "ACTIVE"})
    result = engine.run(parse_request(document))
    assert result.status == "applied", result.to_dict()
    env.values["<OTHER_SNAPSHOT>"] = result.snapshots["before"]


def not_a_snapshot(env: Env) -> None:
    """A JSON file that is not a poolpatch snapshot."""
    path = env.fixtures / "notes.json"
    path.write_text('{"hello": "world"}')
    env.values["<NOT_A_SNAPSHOT>"] = path.as_uri()


# --- the corpus -----------------------------------------------------------------------------------

TWO_CLIENT_FLOWS = ["code", "client_credentials"]
LONG_TAG_KEY = "k" * 129
FIFTY_ONE_TAGS = {f"tag{index:02d}": "v" for index in range(51)}

CASES: list[Any] = [
    # Malformed JSON (through load_json inside parse_request)
    pytest.param(
        Case('{"version": "1", "target": {', "InvalidRequest", "", "not valid JSON"), id="json-truncated"
    ),
    pytest.param(
        Case(
            text(pool({"Policies": {"PasswordPolicy": {"MinimumLength": 12}}})).replace("12", "NaN"),
            "InvalidRequest",
            "",
            "NaN",
        ),
        id="json-nan",
    ),
    pytest.param(
        Case(
            text(pool({"AccessTokenValidity": 1})).replace("1}", "Infinity}"),
            "InvalidRequest",
            "",
            "Infinity",
        ),
        id="json-infinity",
    ),
    pytest.param(
        Case(
            '{"version": "1", "version": "1", "requestId": "r", "target": {"userPoolId": "<POOL>"}, '
            '"patch": {"DeletionProtection": "ACTIVE"}}',
            "InvalidRequest",
            "",
            "duplicate",
        ),
        id="json-duplicate-top-level-key",
    ),
    pytest.param(
        Case(
            '{"version": "1", "requestId": "r", "target": {"userPoolId": "<POOL>"}, '
            '"patch": {"DeletionProtection": "ACTIVE", "DeletionProtection": "INACTIVE"}}',
            "InvalidRequest",
            "",
            "DeletionProtection",
        ),
        id="json-duplicate-patch-key",
    ),
    pytest.param(Case("[1, 2, 3]", "InvalidRequest", "", "JSON object"), id="json-array"),
    pytest.param(Case('"apply please"', "InvalidRequest", "", "JSON object"), id="json-string"),
    pytest.param(Case("null", "InvalidRequest", "", "JSON object"), id="json-null"),
    pytest.param(Case("", "InvalidRequest", "", "not valid JSON"), id="json-empty"),
    pytest.param(Case("  \n\t ", "InvalidRequest", "", "not valid JSON"), id="json-whitespace"),
    pytest.param(
        Case(
            text(pool({"DeletionProtection": "ACTIVE"})) + " trailing", "InvalidRequest", "", "not valid JSON"
        ),
        id="json-trailing-garbage",
    ),
    pytest.param(Case(b"\xff\xfe{\x00}", "InvalidRequest", "", "not valid JSON"), id="json-invalid-utf8"),
    pytest.param(Case("[" * 100_000, "InvalidRequest", "", "not valid JSON"), id="json-nesting-bomb"),
    # Request shape
    pytest.param(
        Case({**pool({"DeletionProtection": "ACTIVE"}), "version": "2"}, "InvalidRequest", "/version"),
        id="version-2",
    ),
    pytest.param(
        Case(
            {**pool({"DeletionProtection": "ACTIVE"}), "patches": {}}, "InvalidRequest", "/patches", "patch"
        ),
        id="unknown-request-member",
    ),
    pytest.param(
        Case(pool([{"op": "replace"}]), "InvalidRequest", "/patch", "merge patch"),
        id="patch-is-json-patch-list",
    ),
    pytest.param(
        Case(request({"userPoolId": POOL}), "InvalidRequest", "/patch", "changes nothing"), id="nothing-to-do"
    ),
    pytest.param(
        Case(
            pool({"DeletionProtection": "ACTIVE"}, restore={"snapshot": "file:///tmp/x.json"}),
            "InvalidRequest",
            "/restore",
        ),
        id="restore-with-patch",
    ),
    pytest.param(
        Case(pool({"DeletionProtection": "ACTIVE"}, mode="dry-run"), "InvalidRequest", "/mode"),
        id="mode-unknown",
    ),
    pytest.param(
        Case(
            pool({"DeletionProtection": "ACTIVE"}, expectedLastModifiedDate="yesterday"),
            "InvalidRequest",
            "/expectedLastModifiedDate",
        ),
        id="precondition-not-a-date",
    ),
    pytest.param(
        Case(pool({"DeletionProtection": "ACTIVE"}, reason="r" * 1025), "InvalidRequest", "/reason", "1024"),
        id="reason-too-long",
    ),
    pytest.param(
        Case(
            request(
                {"userPoolId": POOL, "clientId": CLIENT},
                addCustomAttributes=[{"Name": "x", "AttributeDataType": "String"}],
            ),
            "InvalidRequest",
            "/addCustomAttributes",
            "user pools",
        ),
        id="custom-attributes-on-a-client",
    ),
    pytest.param(
        Case(
            attributes(*({"Name": f"a{i}", "AttributeDataType": "String"} for i in range(26))),
            "InvalidRequest",
            "/addCustomAttributes",
            "25",
        ),
        id="custom-attributes-26-in-one-request",
    ),
    pytest.param(
        Case(request({"userPool": POOL}, patch={}), "InvalidRequest", "/target/userPool", "userPoolId"),
        id="target-unknown-member",
    ),
    # Oversized documents
    pytest.param(
        Case(text(pool({"UserPoolTags": {"big": "x" * (256 * 1024)}})), "InvalidRequest", "", "limit"),
        id="request-text-over-256kb",
    ),
    pytest.param(
        Case(
            pool({"UserPoolTags": {f"t{i}": "x" * 256 for i in range(1100)}}), "InvalidRequest", "", "larger"
        ),
        id="request-document-over-256kb",
    ),
    pytest.param(Case(pool(nested(14)), "InvalidRequest", "/patch", "nested"), id="patch-nested-too-deep"),
    # Hostile ids
    pytest.param(
        Case(pool_id("../../../etc/passwd"), "InvalidRequest", "/target/userPoolId"),
        id="pool-id-path-traversal",
    ),
    pytest.param(
        Case(pool_id("eu-west-1_abc/../../x"), "InvalidRequest", "/target/userPoolId"),
        id="pool-id-embedded-traversal",
    ),
    pytest.param(
        Case(pool_id("eu\u2010west\u20101_AbC"), "InvalidRequest", "/target/userPoolId"),
        id="pool-id-unicode-hyphen",
    ),
    pytest.param(
        Case(pool_id("eu-west-1_\u0410bC"), "InvalidRequest", "/target/userPoolId"),
        id="pool-id-cyrillic-lookalike",
    ),
    pytest.param(
        Case(
            pool_id("eu-west-1_AbC\nINFO forged log line"),
            "InvalidRequest",
            "/target/userPoolId",
            "<invalid>",
        ),
        id="pool-id-newline-injection",
    ),
    pytest.param(
        Case(pool_id("eu-west-1_" + "a" * 46), "InvalidRequest", "/target/userPoolId"), id="pool-id-56-chars"
    ),
    pytest.param(
        Case(pool_id("eu-west-1_abc' OR '1'='1"), "InvalidRequest", "/target/userPoolId"),
        id="pool-id-sql-quotes",
    ),
    pytest.param(Case(pool_id(""), "InvalidRequest", "/target/userPoolId"), id="pool-id-empty"),
    pytest.param(Case(pool_id(12345), "InvalidRequest", "/target/userPoolId"), id="pool-id-number"),
    pytest.param(
        Case(target_member("clientId", "../" + CLIENT), "InvalidRequest", "/target/clientId"),
        id="client-id-path-traversal",
    ),
    pytest.param(
        Case(target_member("clientId", "abc\x00def"), "InvalidRequest", "/target/clientId"),
        id="client-id-nul-byte",
    ),
    pytest.param(
        Case(target_member("clientId", "a" * 129), "InvalidRequest", "/target/clientId"),
        id="client-id-129-chars",
    ),
    pytest.param(
        Case(
            {**pool({"DeletionProtection": "ACTIVE"}), "requestId": "../../snapshots/x"},
            "InvalidRequest",
            "/requestId",
        ),
        id="request-id-path-traversal",
    ),
    pytest.param(
        Case(
            {**pool({"DeletionProtection": "ACTIVE"}), "requestId": "req-1\r\nX-Injected: 1"},
            "InvalidRequest",
            "/requestId",
        ),
        id="request-id-crlf-injection",
    ),
    pytest.param(
        Case(
            {**pool({"DeletionProtection": "ACTIVE"}), "requestId": "r" * 129}, "InvalidRequest", "/requestId"
        ),
        id="request-id-129-chars",
    ),
    pytest.param(
        Case(target_member("accountId", "12345678901"), "InvalidRequest", "/target/accountId", "12 digits"),
        id="account-id-11-digits",
    ),
    pytest.param(
        Case(target_member("accountId", "\uff11" * 12), "InvalidRequest", "/target/accountId"),
        id="account-id-fullwidth-digits",
    ),
    pytest.param(
        Case(target_member("region", "eu-west-1/../us-east-1"), "InvalidRequest", "/target/region"),
        id="region-path-traversal",
    ),
    pytest.param(
        Case(target_member("region", "EU-WEST-1"), "InvalidRequest", "/target/region"), id="region-upper-case"
    ),
    pytest.param(
        Case(
            target_member("accountId", "999999999999"),
            "TargetNotAllowed",
            "/target/accountId",
            "ALLOWED_ACCOUNT_IDS",
        ),
        id="account-not-allowed",
    ),
    # Unknown members, with the suggestion
    pytest.param(
        Case(pool({"MfaConfig": "OPTIONAL"}), "UnknownField", "/MfaConfig", "MfaConfiguration"),
        id="unknown-MfaConfig",
    ),
    pytest.param(
        Case(pool({"Name": "renamed"}), "UnknownField", "/Name", "PoolName"), id="unknown-Name-is-PoolName"
    ),
    pytest.param(
        Case(
            pool({"Policies": {"PasswordPolicy": {"MinLength": 10}}}),
            "UnknownField",
            "/Policies/PasswordPolicy/MinLength",
            "MinimumLength",
        ),
        id="unknown-nested-MinLength",
    ),
    pytest.param(
        Case(
            pool({"LambdaConfig": {"PreSignup": f"{LAMBDA}pre-sign-up"}}),
            "UnknownField",
            "/LambdaConfig/PreSignup",
            "PreSignUp",
        ),
        id="unknown-nested-PreSignup",
    ),
    pytest.param(
        Case(
            client({"CallbackUrls": ["https://a.example.com/cb"]}),
            "UnknownField",
            "/CallbackUrls",
            "CallbackURLs",
        ),
        id="unknown-client-CallbackUrls",
    ),
    pytest.param(
        Case(
            client({"TokenValidityUnits": {"AccessTokens": "hours"}}),
            "UnknownField",
            "/TokenValidityUnits/AccessTokens",
            "AccessToken",
        ),
        id="unknown-client-nested-AccessTokens",
    ),
    # Read-only members
    pytest.param(
        Case(pool({"Arn": "arn:aws:cognito-idp:eu-west-1:1:userpool/x"}), "ReadOnlyField", "/Arn"),
        id="read-only-Arn",
    ),
    pytest.param(
        Case(pool({"CreationDate": "2020-01-01T00:00:00Z"}), "ReadOnlyField", "/CreationDate"),
        id="read-only-CreationDate",
    ),
    pytest.param(
        Case(pool({"LastModifiedDate": 1}), "ReadOnlyField", "/LastModifiedDate"),
        id="read-only-LastModifiedDate",
    ),
    pytest.param(Case(pool({"Status": "Enabled"}), "ReadOnlyField", "/Status"), id="read-only-Status"),
    pytest.param(Case(pool({"Domain": "acme"}), "ReadOnlyField", "/Domain"), id="read-only-Domain"),
    pytest.param(
        Case(pool({"EstimatedNumberOfUsers": 0}), "ReadOnlyField", "/EstimatedNumberOfUsers"),
        id="read-only-EstimatedNumberOfUsers",
    ),
    pytest.param(
        Case(pool({"UserPoolId": "eu-west-1_Other"}), "ReadOnlyField", "/UserPoolId", "target"),
        id="read-only-UserPoolId-in-patch",
    ),
    pytest.param(Case(pool({"Id": "eu-west-1_Other"}), "ReadOnlyField", "/Id"), id="read-only-Id"),
    pytest.param(
        Case(pool({"SmsConfigurationFailure": ""}), "ReadOnlyField", "/SmsConfigurationFailure"),
        id="read-only-SmsConfigurationFailure",
    ),
    pytest.param(
        Case(client({"ClientSecretArn": "arn:aws:secretsmanager:x"}), "ReadOnlyField", "/ClientSecretArn"),
        id="read-only-ClientSecretArn",
    ),
    pytest.param(
        Case(client({"ClientType": "PUBLIC"}), "ReadOnlyField", "/ClientType"), id="read-only-ClientType"
    ),
    pytest.param(Case(client({"ClientId": "abc"}), "ReadOnlyField", "/ClientId"), id="read-only-ClientId"),
    pytest.param(
        Case(client({"CreationDate": 0}), "ReadOnlyField", "/CreationDate"),
        id="read-only-client-CreationDate",
    ),
    # Immutable settings
    pytest.param(
        Case(
            pool({"UsernameAttributes": ["phone_number"]}),
            "ImmutableSetting",
            "/UsernameAttributes",
            "new user pool",
        ),
        id="immutable-UsernameAttributes",
    ),
    pytest.param(
        Case(pool({"AliasAttributes": ["preferred_username"]}), "ImmutableSetting", "/AliasAttributes"),
        id="immutable-AliasAttributes",
    ),
    pytest.param(
        Case(
            pool({"UsernameConfiguration": {"CaseSensitive": True}}),
            "ImmutableSetting",
            "/UsernameConfiguration",
        ),
        id="immutable-UsernameConfiguration",
    ),
    pytest.param(
        Case(pool({"SchemaAttributes": []}), "ImmutableSetting", "/SchemaAttributes", "addCustomAttributes"),
        id="immutable-SchemaAttributes",
    ),
    pytest.param(
        Case(pool({"Schema": [{"Name": "x"}]}), "ImmutableSetting", "/Schema"), id="immutable-Schema"
    ),
    pytest.param(
        Case(client({"ClientSecret": "s3cr3t-value"}), "ImmutableSetting", "/ClientSecret", "new app client"),
        id="immutable-ClientSecret",
    ),
    pytest.param(
        Case(client({"GenerateSecret": False}), "ImmutableSetting", "/GenerateSecret"),
        id="immutable-GenerateSecret",
    ),
    pytest.param(
        Case(
            plain({"MfaConfiguration": "ON"}), "ImmutableSetting", "/MfaConfiguration", "SetUserPoolMfaConfig"
        ),
        id="immutable-mfa-off-to-on",
    ),
    pytest.param(
        Case(plain({"MfaConfiguration": "OPTIONAL"}), "ImmutableSetting", "/MfaConfiguration"),
        id="immutable-mfa-off-to-optional",
    ),
    # Wrong types
    pytest.param(
        Case(pool({"DeletionProtection": True}), "InvalidValue", "/DeletionProtection", "string"),
        id="type-bool-for-string",
    ),
    pytest.param(
        Case(
            pool({"Policies": {"PasswordPolicy": {"RequireUppercase": "true"}}}),
            "InvalidValue",
            "/Policies/PasswordPolicy/RequireUppercase",
            "boolean",
        ),
        id="type-string-for-bool",
    ),
    pytest.param(
        Case(
            pool({"Policies": {"PasswordPolicy": {"MinimumLength": True}}}),
            "InvalidValue",
            "/Policies/PasswordPolicy/MinimumLength",
            "integer",
        ),
        id="type-bool-for-int",
    ),
    pytest.param(
        Case(
            pool({"Policies": {"PasswordPolicy": {"MinimumLength": "12"}}}),
            "InvalidValue",
            "/Policies/PasswordPolicy/MinimumLength",
            "integer",
        ),
        id="type-string-for-int",
    ),
    pytest.param(
        Case(pool({"LambdaConfig": [f"{LAMBDA}x"]}), "InvalidValue", "/LambdaConfig", "object"),
        id="type-list-for-object",
    ),
    pytest.param(
        Case(
            pool({"AutoVerifiedAttributes": {"email": True}}),
            "InvalidValue",
            "/AutoVerifiedAttributes",
            "list",
        ),
        id="type-object-for-list",
    ),
    pytest.param(
        Case(pool({"UserPoolTags": {"team": 7}}), "InvalidValue", "/UserPoolTags/team", "string"),
        id="type-number-tag-value",
    ),
    pytest.param(
        Case(
            client({"AllowedOAuthFlowsUserPoolClient": "yes"}),
            "InvalidValue",
            "/AllowedOAuthFlowsUserPoolClient",
        ),
        id="type-client-string-for-bool",
    ),
    pytest.param(
        Case(client({"CallbackURLs": "https://a.example.com/cb"}), "InvalidValue", "/CallbackURLs", "list"),
        id="type-client-string-for-list",
    ),
    pytest.param(
        Case(client({"AccessTokenValidity": 1.5}), "InvalidValue", "/AccessTokenValidity", "integer"),
        id="type-client-float-for-int",
    ),
    pytest.param(
        Case(
            pool({"AccountRecoverySetting": None, "MfaConfiguration": None, "DeviceConfiguration": "on"}),
            "InvalidValue",
            "/DeviceConfiguration",
        ),
        id="type-string-for-object-among-nulls",
    ),
    # Out of range
    pytest.param(
        Case(
            pool({"Policies": {"PasswordPolicy": {"MinimumLength": 5}}}),
            "InvalidValue",
            "/Policies/PasswordPolicy/MinimumLength",
            "6",
        ),
        id="range-MinimumLength-5",
    ),
    pytest.param(
        Case(
            pool({"Policies": {"PasswordPolicy": {"MinimumLength": 100}}}),
            "InvalidValue",
            "/Policies/PasswordPolicy/MinimumLength",
            "99",
        ),
        id="range-MinimumLength-100",
    ),
    pytest.param(
        Case(
            pool({"Policies": {"PasswordPolicy": {"PasswordHistorySize": 25}}}),
            "InvalidValue",
            "/Policies/PasswordPolicy/PasswordHistorySize",
            "24",
        ),
        id="range-PasswordHistorySize-25",
    ),
    pytest.param(
        Case(
            pool({"Policies": {"PasswordPolicy": {"TemporaryPasswordValidityDays": 366}}}),
            "InvalidValue",
            "/Policies/PasswordPolicy/TemporaryPasswordValidityDays",
            "365",
        ),
        id="range-TemporaryPasswordValidityDays-366",
    ),
    pytest.param(
        Case(
            client({"AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "days"}}),
            "InvalidValue",
            "/AccessTokenValidity",
            "1 day",
        ),
        id="range-access-token-2-days",
    ),
    pytest.param(
        Case(client({"AccessTokenValidity": 4}), "InvalidValue", "/AccessTokenValidity", "5 minutes"),
        id="range-access-token-4-minutes",
    ),
    pytest.param(
        Case(
            client({"IdTokenValidity": 25, "TokenValidityUnits": {"IdToken": "hours"}}),
            "InvalidValue",
            "/IdTokenValidity",
        ),
        id="range-id-token-25-hours",
    ),
    pytest.param(
        Case(
            client({"RefreshTokenValidity": 30, "TokenValidityUnits": {"RefreshToken": "minutes"}}),
            "InvalidValue",
            "/RefreshTokenValidity",
            "60 minutes",
        ),
        id="range-refresh-token-30-minutes",
    ),
    pytest.param(
        Case(
            client({"TokenValidityUnits": {"AccessToken": "hours"}}),
            "InvalidValue",
            "/AccessTokenValidity",
            "60 hours",
        ),
        id="range-unit-change-makes-live-number-invalid",
    ),
    pytest.param(
        Case(client({"AuthSessionValidity": 2}), "InvalidValue", "/AuthSessionValidity", "3"),
        id="range-AuthSessionValidity-2",
    ),
    pytest.param(
        Case(client({"AuthSessionValidity": 16}), "InvalidValue", "/AuthSessionValidity", "15"),
        id="range-AuthSessionValidity-16",
    ),
    # Enums
    pytest.param(
        Case(pool({"DeletionProtection": "YES"}), "InvalidValue", "/DeletionProtection", "ACTIVE"),
        id="enum-DeletionProtection-YES",
    ),
    pytest.param(
        Case(
            pool({"UserPoolAddOns": {"AdvancedSecurityMode": "ON"}}),
            "InvalidValue",
            "/UserPoolAddOns/AdvancedSecurityMode",
            "ENFORCED",
        ),
        id="enum-AdvancedSecurityMode-ON",
    ),
    pytest.param(
        Case(pool({"MfaConfiguration": "MAYBE"}), "InvalidValue", "/MfaConfiguration"),
        id="enum-MfaConfiguration",
    ),
    pytest.param(
        Case(
            pool({"VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_SMS"}}),
            "InvalidValue",
            "/VerificationMessageTemplate/DefaultEmailOption",
        ),
        id="enum-DefaultEmailOption",
    ),
    pytest.param(
        Case(
            client({"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_EVERYTHING"]}),
            "InvalidValue",
            "/ExplicitAuthFlows/1",
            "ALLOW_USER_SRP_AUTH",
        ),
        id="enum-ExplicitAuthFlows-item",
    ),
    pytest.param(
        Case(client({"PreventUserExistenceErrors": "TRUE"}), "InvalidValue", "/PreventUserExistenceErrors"),
        id="enum-PreventUserExistenceErrors",
    ),
    pytest.param(
        Case(
            client({"TokenValidityUnits": {"AccessToken": "weeks"}}),
            "InvalidValue",
            "/TokenValidityUnits/AccessToken",
        ),
        id="enum-token-unit-weeks",
    ),
    pytest.param(
        Case(client({"AllowedOAuthFlows": ["token"]}), "InvalidValue", "/AllowedOAuthFlows/0"),
        id="enum-oauth-flow-token",
    ),
    # Patterns and lengths
    pytest.param(
        Case(pool({"PoolName": "p" * 129}), "InvalidValue", "/PoolName", "128"), id="length-PoolName-129"
    ),
    pytest.param(
        Case(pool({"PoolName": "acme<script>"}), "InvalidValue", "/PoolName", "pattern"),
        id="pattern-PoolName-bad-chars",
    ),
    pytest.param(
        Case(
            pool({"LambdaConfig": {"PreSignUp": "arn:aws:lambda"}}),
            "InvalidValue",
            "/LambdaConfig/PreSignUp",
            "20",
        ),
        id="length-lambda-arn-too-short",
    ),
    pytest.param(
        Case(
            pool({"LambdaConfig": {"PostConfirmation": "function:acme-auth-post-confirmation"}}),
            "InvalidValue",
            "/LambdaConfig/PostConfirmation",
            "pattern",
        ),
        id="pattern-lambda-arn-not-an-arn",
    ),
    pytest.param(
        Case(
            pool({"SmsAuthenticationMessage": "Your code is 1234"}),
            "InvalidValue",
            "/SmsAuthenticationMessage",
            "pattern",
        ),
        id="pattern-sms-without-code",
    ),
    pytest.param(
        Case(
            pool({"VerificationMessageTemplate": {"SmsMessage": "Your code: {###}"}}),
            "InvalidValue",
            "/VerificationMessageTemplate/SmsMessage",
            "pattern",
        ),
        id="pattern-verification-sms-without-code",
    ),
    pytest.param(
        Case(
            pool(
                {
                    "VerificationMessageTemplate": {
                        "DefaultEmailOption": "CONFIRM_WITH_LINK",
                        "EmailMessageByLink": "Click {####}",
                    }
                }
            ),
            "InvalidValue",
            "/VerificationMessageTemplate/EmailMessageByLink",
        ),
        id="pattern-email-by-link-without-link",
    ),
    pytest.param(
        Case(
            pool({"UserPoolTags": {LONG_TAG_KEY: "v"}}),
            "InvalidValue",
            f"/UserPoolTags/{LONG_TAG_KEY}",
            "128",
        ),
        id="length-tag-key-129",
    ),
    pytest.param(
        Case(pool({"UserPoolTags": {"team": "v" * 257}}), "InvalidValue", "/UserPoolTags/team", "256"),
        id="length-tag-value-257",
    ),
    pytest.param(
        Case(pool({"UserPoolTags": {"aws:owner": "me"}}), "InvalidValue", "/UserPoolTags/aws:owner", "aws:"),
        id="reserved-aws-tag",
    ),
    pytest.param(
        Case(pool({"UserPoolTags": FIFTY_ONE_TAGS}), "InvalidValue", "/UserPoolTags", "50"), id="tags-51"
    ),
    pytest.param(
        Case(client({"ClientName": "web app!"}), "InvalidValue", "/ClientName", "pattern"),
        id="pattern-ClientName",
    ),
    pytest.param(
        Case(client({"ClientName": ""}), "InvalidValue", "/ClientName"), id="length-ClientName-empty"
    ),
    pytest.param(
        Case(
            client({"CallbackURLs": ["https://app.acme.example.com/" + "c" * 1024]}),
            "InvalidValue",
            "/CallbackURLs/0",
            "1024",
        ),
        id="length-callback-url",
    ),
    pytest.param(
        Case(
            client({"CallbackURLs": [f"https://a{i}.example.com/cb" for i in range(101)]}),
            "InvalidValue",
            "/CallbackURLs",
            "100",
        ),
        id="length-101-callback-urls",
    ),
    pytest.param(
        Case(
            pool({"EmailConfiguration": {"SourceArn": "arn:x"}}),
            "InvalidValue",
            "/EmailConfiguration/SourceArn",
        ),
        id="length-ses-source-arn",
    ),
    # Cross-field conflicts
    pytest.param(
        Case(
            client({"DefaultRedirectURI": "https://elsewhere.example.com/cb"}),
            "ConflictingSettings",
            "/DefaultRedirectURI",
            "CallbackURLs",
        ),
        id="conflict-default-redirect-not-in-callbacks",
    ),
    pytest.param(
        Case(
            client({"CallbackURLs": ["https://new.example.com/cb"]}),
            "ConflictingSettings",
            "/DefaultRedirectURI",
            "CallbackURLs",
        ),
        id="conflict-callbacks-drop-default-redirect",
    ),
    pytest.param(
        Case(
            client({"AllowedOAuthFlows": TWO_CLIENT_FLOWS}),
            "ConflictingSettings",
            "/AllowedOAuthFlows",
            "client_credentials",
        ),
        id="conflict-client-credentials-with-code",
    ),
    pytest.param(
        Case(
            client({"AllowedOAuthFlows": ["client_credentials"]}),
            "ConflictingSettings",
            "/AllowedOAuthScopes",
            "openid",
        ),
        id="conflict-openid-with-client-credentials",
    ),
    pytest.param(
        Case(
            client({"CallbackURLs": None, "DefaultRedirectURI": None}),
            "ConflictingSettings",
            "/CallbackURLs",
            "callback URL",
        ),
        id="conflict-code-flow-without-callbacks",
    ),
    pytest.param(
        Case(
            client({"CallbackURLs": ["http://app.acme.example.com/cb"], "DefaultRedirectURI": None}),
            "InvalidValue",
            "/CallbackURLs/0",
            "HTTPS",
        ),
        id="callback-plain-http",
    ),
    pytest.param(
        Case(
            client(
                {
                    "CallbackURLs": [
                        "https://app.acme.example.com/auth/callback",
                        "https://app.acme.example.com/cb#frag",
                    ]
                }
            ),
            "InvalidValue",
            "/CallbackURLs/1",
            "fragment",
        ),
        id="callback-with-fragment",
    ),
    pytest.param(
        Case(
            client({"CallbackURLs": ["/relative/cb"], "DefaultRedirectURI": None}),
            "InvalidValue",
            "/CallbackURLs/0",
            "absolute",
        ),
        id="callback-relative",
    ),
    pytest.param(
        Case(
            pool(
                {
                    "LambdaConfig": {
                        "CustomEmailSender": {"LambdaVersion": "V1_0", "LambdaArn": f"{LAMBDA}email-sender"}
                    }
                }
            ),
            "ConflictingSettings",
            "/LambdaConfig/KMSKeyID",
            "KMSKeyID",
        ),
        id="conflict-custom-sender-without-kms-key",
    ),
    pytest.param(
        Case(
            pool(
                {
                    "LambdaConfig": {
                        "CustomSMSSender": {"LambdaVersion": "V1_0", "LambdaArn": f"{LAMBDA}sms-sender"},
                        "KMSKeyID": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/acme",
                    }
                }
            ),
            "InvalidValue",
            "/LambdaConfig/KMSKeyID",
            "ARN",
        ),
        id="kms-key-alias-not-arn",
    ),
    pytest.param(
        Case(
            pool({"UserPoolAddOns": {"AdvancedSecurityMode": "ENFORCED"}}),
            "ConflictingSettings",
            "/UserPoolAddOns",
            "PLUS",
        ),
        id="conflict-threat-protection-on-essentials",
    ),
    pytest.param(
        Case(
            pool(
                {
                    "LambdaConfig": {
                        "PreTokenGeneration": f"{LAMBDA}a",
                        "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": f"{LAMBDA}b"},
                    }
                }
            ),
            "ConflictingSettings",
            "/LambdaConfig/PreTokenGenerationConfig/LambdaArn",
            "identical",
        ),
        id="conflict-pre-token-generation-arns-differ",
    ),
    pytest.param(
        Case(
            pool({"LambdaConfig": {"PreTokenGeneration": f"{LAMBDA}a", "PreTokenGenerationConfig": None}}),
            "ConflictingSettings",
            "/LambdaConfig/PreTokenGenerationConfig/LambdaArn",
        ),
        id="conflict-pre-token-set-one-remove-other",
    ),
    pytest.param(
        Case(
            pool({"AutoVerifiedAttributes": ["email", "phone_number"], "SmsConfiguration": None}),
            "ConflictingSettings",
            "/SmsConfiguration",
            "phone_number",
        ),
        id="conflict-phone-verification-without-sms",
    ),
    pytest.param(
        Case(
            pool({"VerificationMessageTemplate": {"EmailMessageByLink": "Click {##here##}"}}),
            "ConflictingSettings",
            "/VerificationMessageTemplate/EmailMessageByLink",
            "CONFIRM_WITH_LINK",
        ),
        id="conflict-link-message-with-code-option",
    ),
    pytest.param(
        Case(
            client({"ExplicitAuthFlows": ["USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
            "ConflictingSettings",
            "/ExplicitAuthFlows",
            "legacy",
        ),
        id="conflict-legacy-and-allow-auth-flows",
    ),
    pytest.param(
        Case(
            request(
                {"userPoolId": PLAIN, "clientId": "<PLAIN_CLIENT>"},
                patch={"EnablePropagateAdditionalUserContextData": True},
            ),
            "ConflictingSettings",
            "/EnablePropagateAdditionalUserContextData",
            "secret",
        ),
        id="conflict-context-data-without-secret",
    ),
    pytest.param(
        Case(
            pool({"AdminCreateUserConfig": {"UnusedAccountValidityDays": 10}}),
            "InvalidValue",
            "/AdminCreateUserConfig/UnusedAccountValidityDays",
            "TemporaryPasswordValidityDays",
        ),
        id="legacy-UnusedAccountValidityDays",
    ),
    pytest.param(
        Case(
            pool({"EmailVerificationMessage": "Code {####}"}),
            "InvalidValue",
            "/EmailVerificationMessage",
            "VerificationMessageTemplate",
        ),
        id="legacy-EmailVerificationMessage",
    ),
    pytest.param(
        Case(pool({"UserPoolTier": None}), "InvalidValue", "/UserPoolTier", "LITE"),
        id="tier-cannot-be-removed",
    ),
    pytest.param(
        Case(
            pool({"DcrConfiguration": {"AuthenticatedGrantTypes": ["client_credentials"]}}),
            "InvalidValue",
            "/DcrConfiguration/EnableStatus",
        ),
        id="dcr-without-enable-status",
    ),
    # The service sends what this botocore cannot see
    pytest.param(
        Case(
            pool({"DeletionProtection": "INACTIVE"}),
            "SdkModelOutdated",
            "/LambdaConfig/FutureTrigger",
            "botocore",
            unknown_pool_member,
        ),
        id="sdk-outdated-pool-trigger",
    ),
    pytest.param(
        Case(
            client({"AuthSessionValidity": 7}),
            "SdkModelOutdated",
            "/FutureSessionBinding",
            "Upgrade",
            unknown_client_member,
        ),
        id="sdk-outdated-client-member",
    ),
    # Custom attributes
    pytest.param(
        Case(
            attributes({"Name": "tier", "AttributeDataType": "Number", "Mutable": True}),
            "ImmutableSetting",
            "/addCustomAttributes/0/AttributeDataType",
            "never change",
        ),
        id="custom-attribute-redefined",
    ),
    pytest.param(
        Case(
            attributes({"Name": "tenant_id", "AttributeDataType": "String", "Mutable": True}),
            "ImmutableSetting",
            "/addCustomAttributes/0/Mutable",
        ),
        id="custom-attribute-made-mutable",
    ),
    pytest.param(
        Case(
            attributes(
                {"Name": "plan", "AttributeDataType": "String"},
                {"Name": "seats", "AttributeDataType": "Number"},
            ),
            "InvalidValue",
            "/addCustomAttributes",
            "50",
            fill_custom_attributes,
        ),
        id="custom-attribute-51st",
    ),
    pytest.param(
        Case(
            attributes({"Name": "plan", "AttributeDataType": "String", "Required": True}),
            "ImmutableSetting",
            "/addCustomAttributes/0/Required",
            "required",
        ),
        id="custom-attribute-required",
    ),
    pytest.param(
        Case(
            attributes({"Name": "plan", "AttributeDataType": "Text"}),
            "InvalidValue",
            "/addCustomAttributes/0/AttributeDataType",
            "String",
        ),
        id="custom-attribute-bad-type",
    ),
    pytest.param(
        Case(
            attributes({"Name": "p" * 21, "AttributeDataType": "String"}),
            "InvalidValue",
            "/addCustomAttributes/0/Name",
            "20",
        ),
        id="custom-attribute-name-21-chars",
    ),
    pytest.param(
        Case(attributes({"AttributeDataType": "String"}), "InvalidValue", "/addCustomAttributes/0/Name"),
        id="custom-attribute-without-name",
    ),
    pytest.param(
        Case(
            attributes(
                {"Name": "plan", "AttributeDataType": "String"},
                {"Name": "custom:plan", "AttributeDataType": "String"},
            ),
            "InvalidRequest",
            "/addCustomAttributes/1/Name",
            "twice",
        ),
        id="custom-attribute-listed-twice",
    ),
    pytest.param(
        Case(
            request({"userPoolId": POOL}, addCustomAttributes=["plan"]),
            "InvalidRequest",
            "/addCustomAttributes/0",
        ),
        id="custom-attribute-not-an-object",
    ),
    # Restore
    pytest.param(
        Case(
            request({"userPoolId": POOL}, restore={"snapshot": "<OTHER_SNAPSHOT>"}),
            "InvalidRequest",
            "/restore/snapshot",
            "recorded for another target",
            other_pool_snapshot,
        ),
        id="restore-snapshot-of-another-pool",
    ),
    pytest.param(
        Case(
            request({"userPoolId": POOL}, restore={"snapshot": "file:///nonexistent/poolpatch/before.json"}),
            "NotFound",
            "/restore/snapshot",
        ),
        id="restore-missing-snapshot",
    ),
    pytest.param(
        Case(
            request({"userPoolId": POOL}, restore={"snapshot": "<NOT_A_SNAPSHOT>"}),
            "InvalidRequest",
            "/restore/snapshot",
            "updateDocument",
            not_a_snapshot,
        ),
        id="restore-not-a-snapshot",
    ),
    pytest.param(
        Case(
            request({"userPoolId": POOL}, restore={"snapshot": "s3://bucket/snapshots/x/before.json"}),
            "InvalidRequest",
            "/restore/snapshot",
            "local",
        ),
        id="restore-s3-reference-in-local-store",
    ),
    pytest.param(
        Case(
            request({"userPoolId": POOL}, restore={"snapshot": "../../../../etc/passwd"}),
            "InvalidRequest",
            "/restore/snapshot",
            "leaves",
        ),
        id="restore-key-traversal",
    ),
    pytest.param(
        Case(
            request({"userPoolId": POOL}, restore={"snapshot": "a\nb"}), "InvalidRequest", "/restore/snapshot"
        ),
        id="restore-reference-with-newline",
    ),
    # Preconditions and targets that do not exist
    pytest.param(
        Case(
            pool({"DeletionProtection": "INACTIVE"}, expectedLastModifiedDate="2020-01-01T00:00:00Z"),
            "PreconditionFailed",
            "/expectedLastModifiedDate",
            "2020-01-01",
        ),
        id="precondition-mismatch",
    ),
    pytest.param(
        Case(pool_id("eu-west-1_DoesNotExist0"), "NotFound", None, "ResourceNotFoundException"),
        id="unknown-pool",
    ),
    pytest.param(
        Case(
            request(
                {"userPoolId": POOL, "clientId": "doesnotexist1234567890abcd"},
                patch={"AuthSessionValidity": 7},
            ),
            "NotFound",
            None,
        ),
        id="unknown-client",
    ),
]


# --- the runner -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clean_faults() -> Iterator[None]:
    faults.reset()
    yield
    faults.reset()


def _pools(cognito: CognitoIdentityProviderClient) -> dict[str, str]:
    """The realistic pool and client, and a plain pool (MFA OFF) with a public client (no secret)."""
    pool_id, client_id = seed.realistic_pool(cognito)
    plain_id = cognito.create_user_pool(PoolName="acme-plain")["UserPool"]["Id"]
    plain_client = cognito.create_user_pool_client(UserPoolId=plain_id, ClientName="acme-public")
    return {
        POOL: pool_id,
        CLIENT: client_id,
        PLAIN: plain_id,
        "<PLAIN_CLIENT>": plain_client["UserPoolClient"]["ClientId"],
    }


@dataclass(frozen=True)
class World:
    """One moto backend with the fake for the whole module, and the pools most rows share.

    Creating a pool costs moto a key pair (~0.1 s); rows are refused without writing (that is what they
    assert), so they can share pools. Rows whose setup changes a pool get pools of their own.
    """

    cognito: CognitoIdentityProviderClient
    values: dict[str, str]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The module's moto backend (fake credentials and Region, as conftest sets per test)."""
    with pytest.MonkeyPatch.context() as patch:
        fake_aws_environment(patch)
        with mock_aws(), poolpatch_fake.installed():
            cognito = boto3.client("cognito-idp", region_name=REGION)
            yield World(cognito, _pools(cognito))


def _env(world: World, tmp_path: Path, *, fresh: bool) -> Env:
    fixtures, store = tmp_path / "fixtures", tmp_path / "store"
    fixtures.mkdir()
    store.mkdir()
    values = _pools(world.cognito) if fresh else dict(world.values)
    return Env(world.cognito, values, fixtures, store)


@pytest.fixture
def env(world: World, tmp_path: Path) -> Env:
    """The shared pools and two empty folders (fixtures, snapshot store)."""
    return _env(world, tmp_path, fresh=False)


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for placeholder, replacement in values.items():
            value = value.replace(placeholder, replacement)
        return value
    if isinstance(value, dict):
        return {_fill(key, values): _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def _refusal(env: Env, document: Any, port: CountingCognito) -> PoolpatchError:
    """Run the document the way the pipeline does and return the error it ends with."""
    sessions = TargetSessions(
        boto3.Session(region_name=REGION), own_account=ACCOUNT, allowed_accounts=[ACCOUNT]
    )
    engine = Engine(fixed(port), LocalSnapshotStore(env.store), account_id=ACCOUNT, region=REGION)
    try:
        parsed: ChangeRequest = parse_request(document)
        sessions.check(parsed.target)
    except PoolpatchError as error:
        return error
    result = engine.run(parsed)
    assert result.status == "rejected", json.dumps(result.to_dict(), default=str)[:2000]
    assert result.error is not None
    return result.error


def _files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_with_its_code_before_any_write(
    case: Case, world: World, tmp_path: Path
) -> None:
    # Given the row's setup and the request with this world's ids
    env = _env(world, tmp_path, fresh=case.fresh or case.setup is not None)
    if case.setup is not None:
        case.setup(env)
    document = _fill(case.request, env.values)
    port = CountingCognito(Boto3Cognito(env.cognito))
    calls_before = len(faults.calls())

    # When the request goes through parse, allow-list and engine
    error = _refusal(env, document, port)

    # Then it is refused with the specific code, at the right member, with a useful message
    assert error.code == case.code, error.describe()
    if case.path != UNCHECKED:
        assert error.path == case.path, error.describe()
    assert case.hint in error.describe()
    # And nothing was written: no write call at the port or at the service, no snapshot file
    assert set(port.calls) <= {"describe"}
    assert len(port.calls) <= 1
    service_calls = faults.calls()[calls_before:]
    assert not WRITE_OPERATIONS & set(service_calls), service_calls
    assert set(service_calls) <= READ_OPERATIONS
    assert _files(env.store) == []


def test_the_corpus_is_large_and_ids_are_unique() -> None:
    # Given the table
    ids = [param.id for param in CASES]
    # Then it holds at least 60 rows, each with its own id
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


def test_requests_refused_at_the_edge_never_reach_cognito(env: Env) -> None:
    # Given a malformed request text
    port = CountingCognito(Boto3Cognito(env.cognito))
    calls_before = len(faults.calls())
    # When it is parsed as the pipeline does
    error = _refusal(env, '{"version": "1", "target": {"userPoolId": "x_1"}, "patch": ', port)
    # Then the refusal happens before any call at all, not even a describe
    assert error.code == "InvalidRequest"
    assert port.calls == []
    assert faults.calls()[calls_before:] == []
