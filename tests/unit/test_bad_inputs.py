"""A corpus of bad inputs: each is refused with its specific, stable error code before any write.

Every row runs the way the pipeline runs a request: ``parse_request`` (the edge validator, which also
parses JSON text through ``load_json``), the account allow-list (``TargetSessions.check``), then the real
:class:`~poolpatch.engine.Engine` over moto with the faithful Cognito fake installed and a local snapshot
folder. For each row the test asserts the error code, the JSON Pointer where it is meaningful, a hint in
the message (the suggested member name, the limit...), that no write call (UpdateUserPool*,
AddCustomAttributes, or any kind's write) reached Cognito - counted both at the port and by the fake's call
log - and that no snapshot file was written.

``KIND_CASES`` holds at least ten rows for each of the nine kinds beyond the pool and its clients (issue 8):
request-level problems, patch problems against each kind's model, and the coupling rules of
``poolpatch.kind_rules``; those rows also require a remedy in the error.
"""

from __future__ import annotations

import base64
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
    {
        "UpdateUserPool",
        "UpdateUserPoolClient",
        "AddCustomAttributes",
        "SetUserPoolMfaConfig",
        "UpdateUserPoolDomain",
        "UpdateIdentityProvider",
        "UpdateResourceServer",
        "UpdateGroup",
        "SetRiskConfiguration",
        "SetUICustomization",
        "UpdateManagedLoginBranding",
        "SetLogDeliveryConfiguration",
    }
)
# The read operation of every kind (design.md, "Configuration kinds"): the only calls a refusal may make.
READ_OPERATIONS = frozenset(
    {
        "DescribeUserPool",
        "DescribeUserPoolClient",
        "GetUserPoolMfaConfig",
        "DescribeUserPoolDomain",
        "DescribeIdentityProvider",
        "DescribeResourceServer",
        "GetGroup",
        "DescribeRiskConfiguration",
        "GetUICustomization",
        "DescribeManagedLoginBrandingByClient",
        "GetLogDeliveryConfiguration",
    }
)

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
            """--patch '{"createOnly":{"UsernameAttributes":["phone_number"]}}'""",
        ),
        id="immutable-UsernameAttributes",
    ),
    pytest.param(
        Case(
            pool({"AliasAttributes": ["preferred_username"]}),
            "ImmutableSetting",
            "/AliasAttributes",
            '"createOnly":{"AliasAttributes":["preferred_username"]}',
        ),
        id="immutable-AliasAttributes",
    ),
    pytest.param(
        Case(
            pool({"UsernameConfiguration": {"CaseSensitive": True}}),
            "ImmutableSetting",
            "/UsernameConfiguration",
            '"createOnly":{"UsernameConfiguration":{"CaseSensitive":true}}',
        ),
        id="immutable-UsernameConfiguration",
    ),
    pytest.param(
        Case(pool({"SchemaAttributes": []}), "ImmutableSetting", "/SchemaAttributes", "addCustomAttributes"),
        id="immutable-SchemaAttributes",
    ),
    pytest.param(
        Case(
            pool({"Schema": [{"Name": "x"}]}),
            "ImmutableSetting",
            "/Schema",
            '"createOnly":{"Schema":[{"Name":"x"}]}',
        ),
        id="immutable-Schema",
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


# --- configuration kinds (issue 8) ----------------------------------------------------------------
#
# Expected codes and pointers come from design.md ("Configuration kinds", "What a change does"),
# cognito-surface.md (the coupling rules, each with its source) and the botocore cognito-idp model (members
# of the write input and of the read output, enums, lengths, ranges, required members): the update document
# of a kind is its write input without the id members, so an id member or a read-only member in a patch is
# refused at its own pointer, and a value against the model at the value's pointer.

# Placeholders of the module's extra pools (filled in per test): the pool with every kind populated
# (seed.full_pool: Plus tier, threat protection AUDIT, MFA OPTIONAL with TOTP and email, a prefix domain,
# OIDC + Google identity providers, one resource server, two groups, UI customization with a logo, a
# branding style for its first client, log delivery), its names, a LITE pool and a pool with EMAIL_OTP as
# a first sign-in factor.
FULL, FULL_CLIENT, FULL_OTHER = "<FULL>", "<FULL_CLIENT>", "<FULL_OTHER>"
DOMAIN, OIDC, GOOGLE, SERVER = "<DOMAIN>", "<OIDC>", "<GOOGLE>", "<SERVER>"
ADMINS, VIEWERS = "<ADMINS>", "<VIEWERS>"
LITE, OTP = "<LITE>", "<OTP>"
APPLE = "AcmeApple"  # a Sign in with Apple provider this module adds to the full pool
OIDC_TEST_SECRET = "bad-inputs-oidc-test-value"  # not a real secret: the fake's OIDC client_secret
NEW_KINDS = (
    "mfa",
    "domain",
    "identityProvider",
    "resourceServer",
    "group",
    "riskConfiguration",
    "uiCustomization",
    "managedLoginBranding",
    "logDelivery",
)
# Kinds whose rules read the pool (design.md: the pool is context for mfa, risk, UI and log delivery):
# one more describe before the refusal.
DESCRIBES = {"mfa": 2, "riskConfiguration": 2, "uiCustomization": 2, "logDelivery": 2}

CERTIFICATE = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/acme-bad-inputs"
CLOUDWATCH = {"CloudWatchLogsConfiguration": {"LogGroupArn": LOG_GROUP}}
PNG = base64.b64encode(seed.LOGO_PNG).decode()
LATER = "2026-01-01T00:00:00Z"
ONE_ATTRIBUTE = [{"Name": "plan", "AttributeDataType": "String"}]
EMAIL_MFA = {"Message": "Your Acme code is {####}", "Subject": "Your Acme code"}


def kind_request(
    kind: Any,
    patch: Any = None,
    *,
    pool: str = FULL,
    name: str | None = None,
    client: str | None = None,
    **members: Any,
) -> dict[str, Any]:
    """A request for ``target.kind`` ``kind`` of ``pool`` (with ``name`` / ``clientId`` when given)."""
    target: dict[str, Any] = {"userPoolId": pool, "kind": kind}
    if name is not None:
        target["name"] = name
    if client is not None:
        target["clientId"] = client
    if patch is not None:
        members["patch"] = patch
    return request(target, **members)


def mfa(patch: Any = None, *, pool: str = FULL, **members: Any) -> dict[str, Any]:
    return kind_request("mfa", patch, pool=pool, **members)


def domain(patch: Any = None, *, name: str | None = DOMAIN, **members: Any) -> dict[str, Any]:
    return kind_request("domain", patch, name=name, **members)


def idp(patch: Any = None, *, name: str | None = OIDC, **members: Any) -> dict[str, Any]:
    return kind_request("identityProvider", patch, name=name, **members)


def server(patch: Any = None, *, name: str | None = SERVER, **members: Any) -> dict[str, Any]:
    return kind_request("resourceServer", patch, name=name, **members)


def group(patch: Any = None, *, name: str | None = ADMINS, **members: Any) -> dict[str, Any]:
    return kind_request("group", patch, name=name, **members)


def risk(patch: Any = None, *, pool: str = FULL, **members: Any) -> dict[str, Any]:
    return kind_request("riskConfiguration", patch, pool=pool, **members)


def ui(patch: Any = None, *, pool: str = FULL, **members: Any) -> dict[str, Any]:
    return kind_request("uiCustomization", patch, pool=pool, **members)


def branding(patch: Any = None, *, client: str | None = FULL_CLIENT, **members: Any) -> dict[str, Any]:
    return kind_request("managedLoginBranding", patch, client=client, **members)


def logs(patch: Any = None, *, pool: str = FULL, **members: Any) -> dict[str, Any]:
    return kind_request("logDelivery", patch, pool=pool, **members)


def bad(
    case_id: str, document: Any, code: str, path: str | None, hint: str = "", *, known_gap: str = ""
) -> Any:
    """One row of the kinds' corpus; ``known_gap`` names an engine gap the row exposes (a strict xfail)."""
    marks = [pytest.mark.xfail(strict=True, reason=known_gap)] if known_gap else []
    return pytest.param(Case(document, code, path, hint), id=case_id, marks=marks)


def log_entry(level: str, source: str, **destination: Any) -> dict[str, Any]:
    return {"LogLevel": level, "EventSource": source, **(destination or CLOUDWATCH)}


def asset(category: str = "PAGE_HEADER_LOGO", **members: Any) -> dict[str, Any]:
    return {"Category": category, "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": PNG, **members}


KIND_CASES: list[Any] = [
    # Targets that name no configuration kind
    bad(
        "kind-unknown",
        kind_request("userPoolDomain", {"ManagedLoginVersion": 2}),
        "InvalidRequest",
        "/target/kind",
        "domain",
    ),
    bad(
        "kind-not-a-string",
        kind_request(7, {"MfaConfiguration": "OFF"}),
        "InvalidRequest",
        "/target/kind",
        "logDelivery",
    ),
    # mfa (GetUserPoolMfaConfig / SetUserPoolMfaConfig; cognito-surface.md §2)
    bad(
        "mfa-with-name",
        mfa({"MfaConfiguration": "OPTIONAL"}, name="totp"),
        "InvalidRequest",
        "/target/name",
        "Remove `name`",
    ),
    bad(
        "mfa-with-client-id",
        mfa({"MfaConfiguration": "OPTIONAL"}, client=FULL_CLIENT),
        "InvalidRequest",
        "/target/clientId",
        "user pool",
    ),
    bad(
        "mfa-precondition-without-date",
        mfa({"MfaConfiguration": "OPTIONAL"}, expectedLastModifiedDate=LATER),
        "InvalidRequest",
        "/expectedLastModifiedDate",
        "LastModifiedDate",
    ),
    bad(
        "mfa-custom-attributes",
        mfa(addCustomAttributes=ONE_ATTRIBUTE),
        "InvalidRequest",
        "/addCustomAttributes",
        "user pools",
    ),
    bad("mfa-unknown-MfaConfig", mfa({"MfaConfig": "ON"}), "UnknownField", "/MfaConfig", "MfaConfiguration"),
    bad(
        "mfa-unknown-nested-Enable",
        mfa({"SoftwareTokenMfaConfiguration": {"Enable": True}}),
        "UnknownField",
        "/SoftwareTokenMfaConfiguration/Enable",
        "Enabled",
    ),
    bad("mfa-id-UserPoolId", mfa({"UserPoolId": FULL}), "ReadOnlyField", "/UserPoolId", "target"),
    bad(
        "mfa-type-string-for-bool",
        mfa({"SoftwareTokenMfaConfiguration": {"Enabled": "true"}}),
        "InvalidValue",
        "/SoftwareTokenMfaConfiguration/Enabled",
        "boolean",
    ),
    bad(
        "mfa-enum-REQUIRED",
        mfa({"MfaConfiguration": "REQUIRED"}),
        "InvalidValue",
        "/MfaConfiguration",
        "OPTIONAL",
    ),
    bad(
        "mfa-enum-UserVerification",
        mfa({"WebAuthnConfiguration": {"UserVerification": "always"}}),
        "InvalidValue",
        "/WebAuthnConfiguration/UserVerification",
        "preferred",
    ),
    bad(
        "mfa-pattern-sms-without-code",
        mfa({"SmsMfaConfiguration": {"SmsAuthenticationMessage": "Your code"}}),
        "InvalidValue",
        "/SmsMfaConfiguration/SmsAuthenticationMessage",
        "pattern",
    ),
    bad(
        "mfa-on-without-factor",
        mfa(
            {
                "MfaConfiguration": "ON",
                "SoftwareTokenMfaConfiguration": {"Enabled": False},
                "EmailMfaConfiguration": None,
            }
        ),
        "ConflictingSettings",
        "/MfaConfiguration",
        "factor",
    ),
    bad(
        "mfa-optional-on-a-pool-with-no-factor",
        mfa({"MfaConfiguration": "OPTIONAL"}, pool=LITE),
        "ConflictingSettings",
        "/MfaConfiguration",
        "TOTP",
    ),
    bad(
        "mfa-off-with-a-factor",
        mfa({"MfaConfiguration": "OFF", "SoftwareTokenMfaConfiguration": {"Enabled": True}}),
        "ConflictingSettings",
        "/SoftwareTokenMfaConfiguration",
        "OFF",
    ),
    bad(
        "mfa-email-on-lite",
        mfa({"MfaConfiguration": "OPTIONAL", "EmailMfaConfiguration": EMAIL_MFA}, pool=LITE),
        "ConflictingSettings",
        "/EmailMfaConfiguration",
        "LITE",
    ),
    bad(
        "mfa-email-without-ses",
        mfa({"MfaConfiguration": "OPTIONAL", "EmailMfaConfiguration": EMAIL_MFA}, pool=PLAIN),
        "ConflictingSettings",
        "/EmailMfaConfiguration",
        "DEVELOPER",
    ),
    bad(
        "mfa-on-with-otp-first-factor",
        mfa({"MfaConfiguration": "ON"}, pool=OTP),
        "ConflictingSettings",
        "/MfaConfiguration",
        "EMAIL_OTP",
    ),
    bad(
        "mfa-redacted-where-nothing-is-live",
        mfa({"SmsMfaConfiguration": {"SmsAuthenticationMessage": "<redacted>"}}),
        "InvalidValue",
        "/SmsMfaConfiguration/SmsAuthenticationMessage",
        "no value",
    ),
    # domain (DescribeUserPoolDomain / UpdateUserPoolDomain; cognito-surface.md §1)
    bad(
        "domain-without-name",
        domain({"ManagedLoginVersion": 1}, name=None),
        "InvalidRequest",
        "/target/name",
        "Domain",
    ),
    bad(
        "domain-name-not-a-host-name",
        domain({"ManagedLoginVersion": 1}, name="Acme_Partners"),
        "InvalidRequest",
        "/target/name",
        "Domain",
    ),
    bad(
        "domain-name-double-dot",
        domain({"ManagedLoginVersion": 1}, name="auth..acme.example.com"),
        "InvalidRequest",
        "/target/name",
    ),
    bad(
        "domain-with-client-id",
        domain({"ManagedLoginVersion": 1}, client=FULL_CLIENT),
        "InvalidRequest",
        "/target/clientId",
    ),
    bad(
        "domain-precondition-without-date",
        domain({"ManagedLoginVersion": 1}, expectedLastModifiedDate=LATER),
        "InvalidRequest",
        "/expectedLastModifiedDate",
        "LastModifiedDate",
    ),
    bad(
        "domain-not-of-this-pool",
        domain({"ManagedLoginVersion": 1}, name="acme-no-such-domain"),
        "NotFound",
        "/target/name",
        "acme-no-such-domain",
    ),
    bad(
        "domain-read-only-Status",
        domain({"Status": "ACTIVE"}),
        "ReadOnlyField",
        "/Status",
        "DescribeUserPoolDomain",
    ),
    bad(
        "domain-read-only-CloudFrontDistribution",
        domain({"CloudFrontDistribution": "d1.cloudfront.net"}),
        "ReadOnlyField",
        "/CloudFrontDistribution",
    ),
    bad("domain-id-Domain", domain({"Domain": "acme-renamed"}), "ReadOnlyField", "/Domain", "target"),
    bad(
        "domain-unknown-ManagedLoginVersio",
        domain({"ManagedLoginVersio": 2}),
        "UnknownField",
        "/ManagedLoginVersio",
        "ManagedLoginVersion",
    ),
    bad(
        "domain-type-string-for-int",
        domain({"ManagedLoginVersion": "2"}),
        "InvalidValue",
        "/ManagedLoginVersion",
        "integer",
    ),
    bad(
        "domain-enum-SecurityPolicy",
        domain({"CustomDomainConfig": {"CertificateArn": CERTIFICATE, "SecurityPolicy": "TLS_V1_1"}}),
        "InvalidValue",
        "/CustomDomainConfig/SecurityPolicy",
        "TLS_V1_2_2021",
    ),
    bad(
        "domain-length-CertificateArn",
        domain({"CustomDomainConfig": {"CertificateArn": "arn:acm"}}),
        "InvalidValue",
        "/CustomDomainConfig/CertificateArn",
        "20",
    ),
    bad(
        "domain-prefix-to-custom",
        domain({"CustomDomainConfig": {"CertificateArn": CERTIFICATE}}),
        "ImmutableSetting",
        "/CustomDomainConfig",
        "DeleteUserPoolDomain",
    ),
    bad(
        "domain-routing-on-a-prefix-domain",
        domain(
            {
                "Routing": {
                    "Failover": {
                        "SecondaryRegion": "eu-central-1",
                        "PrimaryRoute53HealthCheckId": "abcdef01-2345-6789-abcd-ef0123456789",
                    }
                }
            }
        ),
        "ConflictingSettings",
        "/Routing",
        "custom domain",
    ),
    # identityProvider (DescribeIdentityProvider / UpdateIdentityProvider; cognito-surface.md §3)
    bad(
        "idp-without-name",
        idp({"IdpIdentifiers": []}, name=None),
        "InvalidRequest",
        "/target/name",
        "ProviderName",
    ),
    bad(
        "idp-name-33-chars",
        idp({"IdpIdentifiers": []}, name="A" * 33),
        "InvalidRequest",
        "/target/name",
        "ProviderName",
    ),
    bad(
        "idp-with-client-id",
        idp({"IdpIdentifiers": []}, client=FULL_CLIENT),
        "InvalidRequest",
        "/target/clientId",
    ),
    bad(
        "idp-custom-attributes",
        idp(addCustomAttributes=ONE_ATTRIBUTE),
        "InvalidRequest",
        "/addCustomAttributes",
        "user pools",
    ),
    bad(
        "idp-unknown-provider", idp({"IdpIdentifiers": []}, name="NoSuchProvider"), "NotFound", "/target/name"
    ),
    bad(
        "idp-read-only-ProviderType",
        idp({"ProviderType": "SAML"}),
        "ReadOnlyField",
        "/ProviderType",
        "DescribeIdentityProvider",
    ),
    bad(
        "idp-read-only-CreationDate",
        idp({"CreationDate": "2020-01-01T00:00:00Z"}),
        "ReadOnlyField",
        "/CreationDate",
    ),
    bad("idp-id-ProviderName", idp({"ProviderName": "Renamed"}), "ReadOnlyField", "/ProviderName", "target"),
    bad(
        "idp-unknown-AttributeMappings",
        idp({"AttributeMappings": {"email": "email"}}),
        "UnknownField",
        "/AttributeMappings",
        "AttributeMapping",
    ),
    bad(
        "idp-type-string-for-list",
        idp({"IdpIdentifiers": "acme.example.com"}),
        "InvalidValue",
        "/IdpIdentifiers",
        "list",
    ),
    bad(
        "idp-type-number-mapping-value",
        idp({"AttributeMapping": {"email": 7}}),
        "InvalidValue",
        "/AttributeMapping/email",
        "string",
    ),
    bad(
        "idp-51-identifiers",
        idp({"IdpIdentifiers": [f"acme{i}.example.com" for i in range(51)]}),
        "InvalidValue",
        "/IdpIdentifiers",
        "50",
    ),
    bad(
        "idp-acr-key-Level5",
        idp({"AcrMapping": {"Level5": "urn:acme:loa:5"}}),
        "InvalidValue",
        "/AcrMapping/Level5",
        "Level[1-4]",
    ),
    bad(
        "idp-acr-on-google",
        idp({"AcrMapping": {"Level1": "urn:acme:loa:1"}}, name=GOOGLE),
        "ConflictingSettings",
        "/AcrMapping",
        "OIDC",
    ),
    bad(
        "idp-apple-without-private-key",
        idp({"AttributeMapping": {"email": "email"}}, name=APPLE),
        "ConflictingSettings",
        "/ProviderDetails/private_key",
        "private_key",
    ),
    bad(
        "idp-redacted-where-nothing-is-live",
        idp({"ProviderDetails": {"private_key": "<redacted>"}}),
        "InvalidValue",
        "/ProviderDetails/private_key",
        "no value",
    ),
    # resourceServer (DescribeResourceServer / UpdateResourceServer; cognito-surface.md §4)
    bad(
        "server-without-name",
        server({"Name": "Acme API"}, name=None),
        "InvalidRequest",
        "/target/name",
        "Identifier",
    ),
    bad(
        "server-name-with-space",
        server({"Name": "Acme API"}, name="https://api acme"),
        "InvalidRequest",
        "/target/name",
        "Identifier",
    ),
    bad(
        "server-with-client-id",
        server({"Name": "Acme API"}, client=FULL_CLIENT),
        "InvalidRequest",
        "/target/clientId",
    ),
    bad(
        "server-precondition-without-date",
        server({"Name": "Acme API"}, expectedLastModifiedDate=LATER),
        "InvalidRequest",
        "/expectedLastModifiedDate",
        "LastModifiedDate",
    ),
    bad(
        "server-id-Identifier",
        server({"Identifier": "https://api.other.example.com"}),
        "ReadOnlyField",
        "/Identifier",
        "target",
    ),
    bad(
        "server-read-only-ManagedBy",
        server({"ManagedBy": "cognito"}),
        "ReadOnlyField",
        "/ManagedBy",
        "DescribeResourceServer",
    ),
    bad("server-unknown-Scope", server({"Scope": []}), "UnknownField", "/Scope", "Scopes"),
    bad("server-pattern-Name", server({"Name": "Acme API!"}), "InvalidValue", "/Name", "pattern"),
    bad(
        "server-pattern-ScopeName",
        server({"Scopes": [{"ScopeName": "orders read", "ScopeDescription": "Read orders"}]}),
        "InvalidValue",
        "/Scopes/0/ScopeName",
        "pattern",
    ),
    bad(
        "server-scope-without-description",
        server({"Scopes": [{"ScopeName": "orders.read"}]}),
        "InvalidValue",
        "/Scopes/0/ScopeDescription",
        "ScopeDescription",
    ),
    bad(
        "server-101-scopes",
        server({"Scopes": [{"ScopeName": f"s{i}", "ScopeDescription": "d"} for i in range(101)]}),
        "InvalidValue",
        "/Scopes",
        "100",
    ),
    bad("server-remove-required-Name", server({"Name": None}), "InvalidValue", "/Name", "Name"),
    # group (GetGroup / UpdateGroup; cognito-surface.md §5)
    bad(
        "group-without-name",
        group({"Description": "x"}, name=None),
        "InvalidRequest",
        "/target/name",
        "GroupName",
    ),
    bad(
        "group-name-with-space",
        group({"Description": "x"}, name="partner admins"),
        "InvalidRequest",
        "/target/name",
        "GroupName",
    ),
    bad(
        "group-with-client-id",
        group({"Description": "x"}, client=FULL_CLIENT),
        "InvalidRequest",
        "/target/clientId",
    ),
    bad(
        "group-custom-attributes",
        group(addCustomAttributes=ONE_ATTRIBUTE),
        "InvalidRequest",
        "/addCustomAttributes",
        "user pools",
    ),
    bad("group-unknown-group", group({"Description": "x"}, name="no-such-group"), "NotFound", "/target/name"),
    bad("group-id-GroupName", group({"GroupName": "renamed"}), "ReadOnlyField", "/GroupName", "target"),
    bad(
        "group-read-only-CreationDate",
        group({"CreationDate": "2020-01-01T00:00:00Z"}),
        "ReadOnlyField",
        "/CreationDate",
        "GetGroup",
    ),
    bad(
        "group-read-only-LastModifiedDate",
        group({"LastModifiedDate": 0}),
        "ReadOnlyField",
        "/LastModifiedDate",
    ),
    bad("group-unknown-Descripton", group({"Descripton": "x"}), "UnknownField", "/Descripton", "Description"),
    bad(
        "group-range-Precedence-negative",
        group({"Precedence": -1}),
        "InvalidValue",
        "/Precedence",
        "at least 0",
    ),
    bad("group-type-Precedence-string", group({"Precedence": "1"}), "InvalidValue", "/Precedence", "integer"),
    bad(
        "group-length-Description-2049",
        group({"Description": "d" * 2049}),
        "InvalidValue",
        "/Description",
        "2048",
    ),
    bad("group-length-RoleArn", group({"RoleArn": "role/admins"}), "InvalidValue", "/RoleArn", "20"),
    bad("group-remove-RoleArn", group({"RoleArn": None}), "ImmutableSetting", "/RoleArn", "DeleteGroup"),
    bad(
        "group-remove-Precedence",
        group({"Precedence": None}),
        "ImmutableSetting",
        "/Precedence",
        "DeleteGroup",
    ),
    bad(
        "group-redacted-where-nothing-is-live",
        group({"RoleArn": "<redacted>"}, name=VIEWERS),
        "InvalidValue",
        "/RoleArn",
        "no value",
    ),
    # riskConfiguration (DescribeRiskConfiguration / SetRiskConfiguration; cognito-surface.md §6)
    bad(
        "risk-with-name",
        risk({"RiskExceptionConfiguration": {}}, name="pool"),
        "InvalidRequest",
        "/target/name",
    ),
    bad(
        "risk-custom-attributes",
        risk(addCustomAttributes=ONE_ATTRIBUTE),
        "InvalidRequest",
        "/addCustomAttributes",
        "user pools",
    ),
    bad(
        "risk-threat-protection-off",
        risk({"RiskExceptionConfiguration": {"BlockedIPRangeList": ["192.0.2.0/24"]}}, pool=POOL),
        "ConflictingSettings",
        None,
        "AdvancedSecurityMode",
    ),
    bad(
        "risk-read-only-LastModifiedDate",
        risk({"LastModifiedDate": 0}),
        "ReadOnlyField",
        "/LastModifiedDate",
        "DescribeRiskConfiguration",
    ),
    bad("risk-id-ClientId", risk({"ClientId": FULL_CLIENT}), "ReadOnlyField", "/ClientId", "target"),
    bad(
        "risk-unknown-RiskExceptions",
        risk({"RiskExceptions": {}}),
        "UnknownField",
        "/RiskExceptions",
        "RiskExceptionConfiguration",
    ),
    bad(
        "risk-enum-compromised-action",
        risk({"CompromisedCredentialsRiskConfiguration": {"Actions": {"EventAction": "MFA_REQUIRED"}}}),
        "InvalidValue",
        "/CompromisedCredentialsRiskConfiguration/Actions/EventAction",
        "NO_ACTION",
    ),
    bad(
        "risk-enum-event-filter",
        risk({"CompromisedCredentialsRiskConfiguration": {"EventFilter": ["SIGN_OUT"]}}),
        "InvalidValue",
        "/CompromisedCredentialsRiskConfiguration/EventFilter/0",
        "PASSWORD_CHANGE",
    ),
    bad(
        "risk-enum-high-action",
        risk({"AccountTakeoverRiskConfiguration": {"Actions": {"HighAction": {"EventAction": "DENY"}}}}),
        "InvalidValue",
        "/AccountTakeoverRiskConfiguration/Actions/HighAction/EventAction",
        "MFA_REQUIRED",
    ),
    bad(
        "risk-type-string-for-bool",
        risk({"AccountTakeoverRiskConfiguration": {"Actions": {"HighAction": {"Notify": "yes"}}}}),
        "InvalidValue",
        "/AccountTakeoverRiskConfiguration/Actions/HighAction/Notify",
        "boolean",
    ),
    bad(
        "risk-201-blocked-ranges",
        risk({"RiskExceptionConfiguration": {"BlockedIPRangeList": [f"10.0.0.{i}/32" for i in range(201)]}}),
        "InvalidValue",
        "/RiskExceptionConfiguration/BlockedIPRangeList",
        "200",
    ),
    bad(
        "risk-length-SourceArn",
        risk({"AccountTakeoverRiskConfiguration": {"NotifyConfiguration": {"SourceArn": "arn:ses"}}}),
        "InvalidValue",
        "/AccountTakeoverRiskConfiguration/NotifyConfiguration/SourceArn",
        "20",
    ),
    bad(
        "risk-remove-required-Actions",
        risk({"CompromisedCredentialsRiskConfiguration": {"Actions": None}}),
        "InvalidValue",
        "/CompromisedCredentialsRiskConfiguration/Actions",
        "Actions",
    ),
    # uiCustomization (GetUICustomization / SetUICustomization; cognito-surface.md §7)
    bad("ui-with-name", ui({"CSS": ".a {}"}, name="pool"), "InvalidRequest", "/target/name"),
    bad(
        "ui-custom-attributes",
        ui(addCustomAttributes=ONE_ATTRIBUTE),
        "InvalidRequest",
        "/addCustomAttributes",
        "user pools",
    ),
    bad(
        "ui-pool-without-domain",
        ui({"CSS": ".banner-customizable { color: #000; }"}, pool=POOL),
        "ConflictingSettings",
        "",
        "domain",
    ),
    bad(
        "ui-logo-is-write-only",
        ui({"CSS": ".banner-customizable { color: #000; }"}),
        "ConflictingSettings",
        "/ImageFile",
        "ImageFile",
    ),
    bad(
        "ui-read-only-ImageUrl",
        ui({"ImageUrl": "https://example.com/logo.png"}),
        "ReadOnlyField",
        "/ImageUrl",
        "GetUICustomization",
    ),
    bad("ui-read-only-CSSVersion", ui({"CSSVersion": "1"}), "ReadOnlyField", "/CSSVersion"),
    bad("ui-id-ClientId", ui({"ClientId": FULL_CLIENT}), "ReadOnlyField", "/ClientId", "target"),
    bad("ui-unknown-Css", ui({"Css": ".a {}"}), "UnknownField", "/Css", "CSS"),
    bad("ui-type-number-for-CSS", ui({"CSS": 5}), "InvalidValue", "/CSS", "string"),
    bad("ui-length-CSS", ui({"CSS": "a" * 131_073, "ImageFile": None}), "InvalidValue", "/CSS", "131072"),
    bad(
        "ui-length-ImageFile",
        ui({"ImageFile": base64.b64encode(b"\0" * 131_073).decode(), "CSS": None}),
        "InvalidValue",
        "/ImageFile",
        "131072",
    ),
    bad(
        "ui-ImageFile-not-base64",
        ui({"ImageFile": "not base64 text!", "CSS": None}),
        "InvalidValue",
        "/ImageFile",
        "base64",
    ),
    bad(
        "ui-redacted-where-nothing-is-live",
        ui({"CSS": "<redacted>"}, pool=POOL),
        "InvalidValue",
        "/CSS",
        "no value",
    ),
    # managedLoginBranding (DescribeManagedLoginBrandingByClient / UpdateManagedLoginBranding; §8)
    bad(
        "branding-without-client-id",
        branding({"UseCognitoProvidedValues": True}, client=None),
        "InvalidRequest",
        "/target/clientId",
        "clientId",
    ),
    bad(
        "branding-with-name",
        branding({"UseCognitoProvidedValues": True}, name="style"),
        "InvalidRequest",
        "/target/name",
    ),
    bad(
        "branding-custom-attributes",
        branding(addCustomAttributes=ONE_ATTRIBUTE),
        "InvalidRequest",
        "/addCustomAttributes",
        "user pools",
    ),
    bad(
        "branding-client-without-style",
        branding({"UseCognitoProvidedValues": True}, client=FULL_OTHER),
        "NotFound",
        "/target/clientId",
    ),
    bad(
        "branding-id-ManagedLoginBrandingId",
        branding({"ManagedLoginBrandingId": "1f4945cb-f7af-4878-af63-87d9d31a5225"}),
        "ReadOnlyField",
        "/ManagedLoginBrandingId",
        "target",
    ),
    bad(
        "branding-read-only-CreationDate",
        branding({"CreationDate": 0}),
        "ReadOnlyField",
        "/CreationDate",
        "DescribeManagedLoginBrandingByClient",
    ),
    bad("branding-unknown-Asset", branding({"Asset": []}), "UnknownField", "/Asset", "Assets"),
    bad(
        "branding-type-string-for-bool",
        branding({"UseCognitoProvidedValues": "false"}),
        "InvalidValue",
        "/UseCognitoProvidedValues",
        "boolean",
    ),
    bad(
        "branding-enum-Category",
        branding({"Assets": [asset("LOGO")]}),
        "InvalidValue",
        "/Assets/0/Category",
        "FORM_LOGO",
    ),
    bad(
        "branding-enum-Extension",
        branding({"Assets": [asset("FORM_LOGO", Extension="GIF")]}),
        "InvalidValue",
        "/Assets/0/Extension",
        "WEBP",
    ),
    bad(
        "branding-asset-without-ColorMode",
        branding({"Assets": [{"Category": "FORM_LOGO", "Extension": "PNG", "Bytes": PNG}]}),
        "InvalidValue",
        "/Assets/0/ColorMode",
        "ColorMode",
    ),
    bad(
        "branding-41-assets",
        branding({"Assets": [asset(ResourceId=f"r{i}") for i in range(41)]}),
        "InvalidValue",
        "/Assets",
        "40",
    ),
    bad(
        "branding-asset-Bytes-not-base64",
        branding({"Assets": [asset("FORM_LOGO", Bytes="<svg/>")]}),
        "InvalidValue",
        "/Assets/0/Bytes",
        "base64",
    ),
    bad(
        "branding-remove-a-setting",
        branding({"Settings": {"categories": None}}),
        "ConflictingSettings",
        "/Settings/categories",
        "UseCognitoProvidedValues",
    ),
    bad(
        "branding-drop-an-asset",
        branding({"Assets": [asset("PAGE_HEADER_LOGO")]}),
        "ConflictingSettings",
        "/Assets",
        "rebuild",
    ),
    bad(
        "branding-defaults-with-settings",
        branding({"UseCognitoProvidedValues": True, "Settings": {"categories": {}}}),
        "ConflictingSettings",
        "/UseCognitoProvidedValues",
        "Settings",
    ),
    # logDelivery (GetLogDeliveryConfiguration / SetLogDeliveryConfiguration; cognito-surface.md §9)
    bad(
        "logs-with-client-id",
        logs({"LogConfigurations": []}, client=FULL_CLIENT),
        "InvalidRequest",
        "/target/clientId",
    ),
    bad("logs-with-name", logs({"LogConfigurations": []}, name="errors"), "InvalidRequest", "/target/name"),
    bad(
        "logs-precondition-without-date",
        logs({"LogConfigurations": []}, expectedLastModifiedDate=LATER),
        "InvalidRequest",
        "/expectedLastModifiedDate",
        "LastModifiedDate",
    ),
    bad(
        "logs-custom-attributes",
        logs(addCustomAttributes=ONE_ATTRIBUTE),
        "InvalidRequest",
        "/addCustomAttributes",
        "user pools",
    ),
    bad("logs-id-UserPoolId", logs({"UserPoolId": FULL}), "ReadOnlyField", "/UserPoolId", "target"),
    bad(
        "logs-unknown-LogConfiguration",
        logs({"LogConfiguration": []}),
        "UnknownField",
        "/LogConfiguration",
        "LogConfigurations",
    ),
    bad(
        "logs-type-object-for-list",
        logs({"LogConfigurations": log_entry("ERROR", "userNotification")}),
        "InvalidValue",
        "/LogConfigurations",
        "list",
    ),
    bad(
        "logs-three-configurations",
        logs({"LogConfigurations": [log_entry("ERROR", "userNotification")] * 3}),
        "InvalidValue",
        "/LogConfigurations",
        "2 items",
    ),
    bad(
        "logs-enum-LogLevel",
        logs({"LogConfigurations": [log_entry("DEBUG", "userNotification")]}),
        "InvalidValue",
        "/LogConfigurations/0/LogLevel",
        "ERROR",
    ),
    bad(
        "logs-enum-EventSource",
        logs({"LogConfigurations": [log_entry("ERROR", "userSignIn")]}),
        "InvalidValue",
        "/LogConfigurations/0/EventSource",
        "userNotification",
    ),
    bad(
        "logs-without-EventSource",
        logs({"LogConfigurations": [{"LogLevel": "ERROR", **CLOUDWATCH}]}),
        "InvalidValue",
        "/LogConfigurations/0/EventSource",
        "EventSource",
    ),
    bad(
        "logs-notification-at-INFO",
        logs({"LogConfigurations": [log_entry("INFO", "userNotification")]}),
        "ConflictingSettings",
        "/LogConfigurations/0/LogLevel",
        "ERROR",
    ),
    bad(
        "logs-auth-events-at-ERROR",
        logs(
            {
                "LogConfigurations": [
                    log_entry("ERROR", "userNotification"),
                    log_entry("ERROR", "userAuthEvents"),
                ]
            }
        ),
        "ConflictingSettings",
        "/LogConfigurations/1/LogLevel",
        "INFO",
    ),
    bad(
        "logs-notification-to-s3",
        logs(
            {
                "LogConfigurations": [
                    log_entry(
                        "ERROR", "userNotification", S3Configuration={"BucketArn": "arn:aws:s3:::acme-logs"}
                    )
                ]
            }
        ),
        "ConflictingSettings",
        "/LogConfigurations/0",
        "CloudWatch",
    ),
    bad(
        "logs-source-twice",
        logs({"LogConfigurations": [log_entry("ERROR", "userNotification")] * 2}),
        "InvalidValue",
        "/LogConfigurations/1/EventSource",
        "one entry",
    ),
    bad(
        "logs-auth-events-below-plus",
        logs({"LogConfigurations": [log_entry("INFO", "userAuthEvents")]}, pool=POOL),
        "ConflictingSettings",
        "/LogConfigurations/0",
        "PLUS",
    ),
    bad(
        "logs-entry-without-destination-level",
        logs({"LogConfigurations": [{"EventSource": "userNotification"}]}),
        "InvalidValue",
        "/LogConfigurations/0/LogLevel",
        "LogLevel",
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


def _kind_pools(cognito: CognitoIdentityProviderClient) -> dict[str, str]:
    """The pools the kinds' rows address: every kind populated (plus a Sign in with Apple provider), a LITE
    pool with MFA off, and an Essentials pool offering EMAIL_OTP as a first sign-in factor."""
    full = seed.full_pool(cognito, oidc_client_secret=OIDC_TEST_SECRET, pool_name="acme-bad-inputs")
    cognito.create_identity_provider(
        UserPoolId=full.user_pool_id,
        ProviderName=APPLE,
        ProviderType="SignInWithApple",
        ProviderDetails={
            "client_id": "com.acme.partners",
            "team_id": "ACME123456",
            "key_id": "KEY1234567",
            "private_key": "bad-inputs-apple-test-value",
            "authorize_scopes": "email name",
        },
        AttributeMapping={"email": "email", "username": "sub"},
    )
    lite = cognito.create_user_pool(PoolName="acme-lite", UserPoolTier="LITE")["UserPool"]["Id"]
    otp = cognito.create_user_pool(
        PoolName="acme-passwordless",
        UserPoolTier="ESSENTIALS",
        Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}},
        EmailConfiguration={
            "SourceArn": f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/acme.example.com",
            "EmailSendingAccount": "DEVELOPER",
        },
    )["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=otp, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    admins, viewers = full.groups
    oidc, google = full.identity_providers
    return {
        FULL: full.user_pool_id,
        FULL_CLIENT: full.client_id,
        FULL_OTHER: full.other_client_id,
        DOMAIN: full.domain,
        OIDC: oidc,
        GOOGLE: google,
        SERVER: full.resource_server,
        ADMINS: admins,
        VIEWERS: viewers,
        LITE: lite,
        OTP: otp,
    }


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The module's moto backend (fake credentials and Region, as conftest sets per test)."""
    with pytest.MonkeyPatch.context() as patch:
        fake_aws_environment(patch)
        with mock_aws(), poolpatch_fake.installed():
            cognito = boto3.client("cognito-idp", region_name=REGION)
            yield World(cognito, {**_pools(cognito), **_kind_pools(cognito)})


def _env(world: World, tmp_path: Path, *, fresh: bool) -> Env:
    fixtures, store = tmp_path / "fixtures", tmp_path / "store"
    fixtures.mkdir()
    store.mkdir()
    values = {**world.values, **_pools(world.cognito)} if fresh else dict(world.values)
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


def _kind(case: Case) -> Any:
    """The row's ``target.kind`` (``None`` for rows without one)."""
    document = case.request
    target = document.get("target") if isinstance(document, dict) else None
    return target.get("kind") if isinstance(target, dict) else None


@pytest.mark.parametrize("case", [*CASES, *KIND_CASES])
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
    if _kind(case) is not None:  # the kinds' rows also say what to do instead (design.md)
        assert error.remedy, error.describe()
    # And nothing was written: no write call at the port or at the service, no snapshot file
    assert set(port.calls) <= {"describe"}
    assert len(port.calls) <= DESCRIBES.get(_kind(case), 1)
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


def test_every_new_kind_has_at_least_ten_bad_inputs() -> None:
    # Given the kinds' rows
    ids = [param.id for param in [*CASES, *KIND_CASES]]
    per_kind = {kind: sum(_kind(param.values[0]) == kind for param in KIND_CASES) for kind in NEW_KINDS}
    # Then each of the nine kinds has at least ten, and no id is used twice across both tables
    assert min(per_kind.values()) >= 10, per_kind
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
