"""The bundle's JSON Schema (events/schema/bundle.json) describes the bundle of design.md.

A complete hand-written bundle (every part) validates; broken ones do not. The enums and member names the
schema repeats from the botocore model are checked against the model, what ``create_schema`` writes for a
pool on the fake fits the schema's ``createOnly.Schema``, and poolpatch's own bundle check
(``poolpatch.bundle.document.check_bundle``) agrees on the complete bundle and on broken ones. The part
documents themselves are the model's business (checked by poolpatch when a bundle is read), so the schema
only requires objects.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import boto3
import pytest
from jsonschema import Draft4Validator
from moto import mock_aws

import poolpatch_fake
from helpers.aws import REGION
from helpers.events import load_schema
from poolpatch import model
from poolpatch.bundle.document import check_bundle
from poolpatch.bundle.schema_attributes import create_schema
from poolpatch.errors import PoolpatchError

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

POOL_ID: Final = "eu-west-1_AbCdEf123"
WEB: Final = "6j8p2h1k3m5n7q9r0s2t4v6w8x"
API: Final = "1a2b3c4d5e6f7g8h9i0j1k2l3m"
LAMBDA: Final = "arn:aws:lambda:eu-west-1:111122223333:function:acme-auth-pre-sign-up"
ROLE: Final = "arn:aws:iam::111122223333:role/acme-admins"
LOG_GROUP: Final = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/cognito/acme"

#: A bundle with every part, shaped as design.md gives it.
BUNDLE: Final[dict[str, Any]] = {
    "version": "1",
    "kind": "poolBundle",
    "source": {
        "accountId": "111122223333",
        "region": "eu-west-1",
        "userPoolId": POOL_ID,
        "capturedAt": "2026-05-04T10:11:12Z",
        "poolpatchVersion": "0.1.0",
        "botocoreVersion": "1.44.8",
    },
    "createOnly": {
        "UsernameAttributes": ["email"],
        "AliasAttributes": [],
        "UsernameConfiguration": {"CaseSensitive": False},
        "Schema": [
            {"Name": "email", "AttributeDataType": "String", "Mutable": True, "Required": True},
            {
                "Name": "tier",
                "AttributeDataType": "String",
                "DeveloperOnlyAttribute": False,
                "Mutable": True,
                "Required": False,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"},
            },
            {
                "Name": "seats",
                "AttributeDataType": "Number",
                "Mutable": True,
                "NumberAttributeConstraints": {"MinValue": "1", "MaxValue": "500"},
            },
        ],
    },
    "pool": {
        "PoolName": "acme-users",
        "DeletionProtection": "ACTIVE",
        "Policies": {"PasswordPolicy": {"MinimumLength": 12}},
        "LambdaConfig": {"PreSignUp": LAMBDA},
        "UserPoolTags": {"team": "identity"},
    },
    "mfa": {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}},
    "domains": {"acme-auth": {"ManagedLoginVersion": 2}},
    "logDelivery": {
        "LogConfigurations": [
            {
                "LogLevel": "ERROR",
                "EventSource": "userNotification",
                "CloudWatchLogsConfiguration": {"LogGroupArn": LOG_GROUP},
            }
        ]
    },
    "clients": {
        WEB: {
            "ClientName": "web",
            "GenerateSecret": False,
            "document": {
                "ClientName": "web",
                "CallbackURLs": ["https://app.example.com/callback"],
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "orders/read"],
                "SupportedIdentityProviders": ["COGNITO", "Google"],
            },
        },
        API: {"ClientName": "api", "GenerateSecret": True, "document": {"ClientName": "api"}},
    },
    "identityProviders": {
        "Google": {
            "ProviderType": "Google",
            "document": {
                "ProviderDetails": {
                    "client_id": "123.apps.googleusercontent.com",
                    "client_secret": "<redacted>",
                    "authorize_scopes": "openid email",
                },
                "AttributeMapping": {"email": "email"},
            },
        }
    },
    "resourceServers": {
        "orders": {"Name": "Orders", "Scopes": [{"ScopeName": "read", "ScopeDescription": "Read orders"}]}
    },
    "groups": {"admins": {"Description": "Administrators", "RoleArn": ROLE, "Precedence": 1}},
    "riskConfigurations": {
        "pool": {"RiskExceptionConfiguration": {"BlockedIPRangeList": ["192.0.2.0/24"]}},
        WEB: {"RiskExceptionConfiguration": {"SkippedIPRangeList": ["198.51.100.0/24"]}},
    },
    "uiCustomizations": {"pool": {"CSS": ".banner-customizable { background-color: #123456; }"}, WEB: {}},
    "managedLoginBrandings": {WEB: {"UseCognitoProvidedValues": True}},
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return load_schema("bundle")


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Any:
    """A draft-4 validator of bundles, formats checked (as for the other schemas of events/schema)."""
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def errors(validator: Any, document: Any) -> list[str]:
    """Every schema violation, as readable lines (empty: valid)."""
    return [
        f"{''.join(f'/{p}' for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def bundle(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`BUNDLE` with top-level members replaced (``None`` removes one)."""
    document = copy.deepcopy(BUNDLE)
    for name, value in changes.items():
        if value is None:
            document.pop(name, None)
        else:
            document[name] = value
    return document


# --------------------------------------------------------------------------- the schema itself


def test_schema_is_a_valid_draft4_schema(schema: dict[str, Any]) -> None:
    # Given the bundle schema / When it is checked against the draft-4 meta-schema
    Draft4Validator.check_schema(schema)

    # Then it declares draft 4, as every schema of events/schema (the EventBridge registry's dialect)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"


def _undocumented(node: Any, pointer: str) -> list[str]:
    """Pointers of every property or definition lacking a title or a description."""
    missing: list[str] = []
    if not isinstance(node, dict):
        return missing
    for keyword in ("properties", "definitions"):
        for key, child in node.get(keyword, {}).items():
            child_pointer = f"{pointer}/{keyword}/{key}"
            if not ("title" in child and "description" in child) and set(child) != {"$ref"}:
                missing.append(child_pointer)
            missing.extend(_undocumented(child, child_pointer))
    return missing


def test_every_member_is_documented(schema: dict[str, Any]) -> None:
    assert _undocumented(schema, "") == []


def test_the_top_level_is_design_mds_bundle(schema: dict[str, Any]) -> None:
    # Then the members are design.md's, closed, with the five it requires
    assert set(schema["properties"]) == {
        "version",
        "kind",
        "source",
        "createOnly",
        "pool",
        "mfa",
        "domains",
        "logDelivery",
        "clients",
        "identityProviders",
        "resourceServers",
        "groups",
        "riskConfigurations",
        "uiCustomizations",
        "managedLoginBrandings",
    }
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"version", "kind", "source", "createOnly", "pool"}


def test_the_part_documents_leave_their_members_to_the_model(schema: dict[str, Any]) -> None:
    # Given the part document definition
    document = schema["definitions"]["document"]

    # Then it is an object whose members are not listed, and says who checks them
    assert document["type"] == "object"
    assert "properties" not in document
    assert "botocore service model" in document["description"]


def test_what_the_schema_repeats_from_the_model_matches_it(schema: dict[str, Any]) -> None:
    # Given the botocore model's create input
    service = model.service_model()
    create = service.operation_model("CreateUserPool").input_shape
    provider = service.operation_model("CreateIdentityProvider").input_shape
    assert create is not None
    assert provider is not None
    create_only = schema["definitions"]["createOnly"]["properties"]
    attribute = schema["definitions"]["schemaAttribute"]["properties"]
    item = create.members["Schema"].member  # type: ignore[attr-defined]

    # Then the create-only members, their enums and the attribute members are the model's
    assert set(create_only) == {"UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "Schema"}
    for name in ("UsernameAttributes", "AliasAttributes"):
        assert create_only[name]["items"]["enum"] == create.members[name].member.metadata["enum"]  # type: ignore[attr-defined]
    assert set(create_only["UsernameConfiguration"]["properties"]) == set(
        create.members["UsernameConfiguration"].members  # type: ignore[attr-defined]
    )
    assert set(attribute) == set(item.members)
    assert attribute["AttributeDataType"]["enum"] == item.members["AttributeDataType"].metadata["enum"]
    for name in ("NumberAttributeConstraints", "StringAttributeConstraints"):
        assert set(attribute[name]["properties"]) == set(item.members[name].members)
    assert (
        schema["definitions"]["identityProvider"]["properties"]["ProviderType"]["enum"]
        == provider.members["ProviderType"].metadata["enum"]
    )


# --------------------------------------------------------------------------- documents


def test_a_complete_bundle_is_valid(validator: Any) -> None:
    # Given a bundle with every part of design.md / Then it is valid
    assert errors(validator, BUNDLE) == []


def test_a_minimal_bundle_is_valid(validator: Any) -> None:
    # Given only the required members, with empty create-only settings (the service's defaults)
    minimal = {
        "version": "1",
        "kind": "poolBundle",
        "source": {},
        "createOnly": {
            "UsernameAttributes": [],
            "AliasAttributes": [],
            "UsernameConfiguration": {},
            "Schema": [],
        },
        "pool": {},
    }

    # Then it is valid
    assert errors(validator, minimal) == []


@pytest.mark.parametrize(
    ("document", "where"),
    [
        pytest.param(bundle(version="2"), "/version", id="wrong-version"),
        pytest.param(bundle(version=1), "/version", id="version-not-a-string"),
        pytest.param(bundle(kind="bundle"), "/kind", id="wrong-kind"),
        pytest.param(bundle(users={}), ": Additional properties", id="unknown-top-level-member"),
        pytest.param(bundle(pool=None), ": 'pool' is a required property", id="no-pool"),
        pytest.param(bundle(createOnly=None), ": 'createOnly' is a required property", id="no-createOnly"),
        pytest.param(bundle(pool=["PoolName"]), "/pool", id="pool-not-an-object"),
        pytest.param(bundle(pool={"UserPoolId": POOL_ID}), "/pool", id="pool-with-its-id"),
        pytest.param(
            bundle(clients={WEB: {"ClientName": "web", "GenerateSecret": False}}),
            f"/clients/{WEB}: 'document' is a required property",
            id="client-without-document",
        ),
        pytest.param(
            bundle(clients={WEB: {"ClientName": "web", "document": {}}}),
            f"/clients/{WEB}: 'GenerateSecret' is a required property",
            id="client-without-GenerateSecret",
        ),
        pytest.param(
            bundle(clients={WEB: {"ClientName": "web", "GenerateSecret": "yes", "document": {}}}),
            f"/clients/{WEB}/GenerateSecret",
            id="GenerateSecret-not-a-boolean",
        ),
        pytest.param(
            bundle(clients={WEB: {**BUNDLE["clients"][WEB], "ClientId": WEB}}),
            f"/clients/{WEB}: Additional properties",
            id="client-entry-unknown-member",
        ),
        pytest.param(
            bundle(identityProviders={"Google": {"document": {}}}),
            "/identityProviders/Google: 'ProviderType' is a required property",
            id="provider-without-type",
        ),
        pytest.param(
            bundle(identityProviders={"Corp": {"ProviderType": "LDAP", "document": {}}}),
            "/identityProviders/Corp/ProviderType",
            id="provider-type-unknown",
        ),
        pytest.param(bundle(groups={"admins": "Administrators"}), "/groups/admins", id="group-not-an-object"),
        pytest.param(
            bundle(createOnly={"Schema": [], "MfaConfiguration": "ON"}),
            "/createOnly: Additional properties",
            id="createOnly-unknown-member",
        ),
        pytest.param(
            bundle(createOnly={"Schema": [{"Name": "custom:tier", "AttributeDataType": "String"}]}),
            "/createOnly/Schema/0/Name",
            id="schema-name-with-prefix",
        ),
        pytest.param(
            bundle(createOnly={"UsernameAttributes": ["preferred_username"]}),
            "/createOnly/UsernameAttributes/0",
            id="username-attribute-unknown",
        ),
        pytest.param(
            bundle(createOnly={"UsernameConfiguration": {"CaseSensitive": "false"}}),
            "/createOnly/UsernameConfiguration/CaseSensitive",
            id="case-sensitive-not-a-boolean",
        ),
        pytest.param(
            bundle(source={**BUNDLE["source"], "capturedAt": "yesterday"}),
            "/source/capturedAt",
            id="captured-at-not-a-date-time",
        ),
    ],
)
def test_a_broken_bundle_is_invalid(validator: Any, document: dict[str, Any], where: str) -> None:
    # When the broken bundle is validated / Then it is invalid at the member broken
    found = errors(validator, document)
    assert any(line.startswith(where) or where in line for line in found), found


@pytest.fixture
def cognito() -> Iterator[CognitoIdentityProviderClient]:
    with mock_aws(), poolpatch_fake.installed():
        yield boto3.client("cognito-idp", region_name=REGION)


def test_an_exported_schema_fits_the_bundle_schema(
    validator: Any, cognito: CognitoIdentityProviderClient
) -> None:
    # Given a pool on the fake with a changed standard attribute and custom attributes, one developer-only
    params: dict[str, Any] = {
        "PoolName": "acme",
        "Schema": [
            {"Name": "email", "AttributeDataType": "String", "Required": True},
            {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
            {"Name": "tenant", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
        ],
    }
    pool_id = cognito.create_user_pool(**params)["UserPool"]["Id"]
    attributes = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]

    # When its createOnly.Schema is placed in a bundle
    exported = bundle(createOnly={**BUNDLE["createOnly"], "Schema": create_schema(attributes)})

    # Then the bundle is valid, with all three attributes
    assert errors(validator, exported) == []
    assert len(exported["createOnly"]["Schema"]) == 3


# --------------------------------------------------------------------------- the schema and poolpatch agree


def test_poolpatch_reads_the_complete_bundle() -> None:
    # Given the bundle the schema accepts / When poolpatch checks it as it reads a bundle file
    # Then it is accepted too, so the schema promises nothing poolpatch refuses
    assert check_bundle(copy.deepcopy(BUNDLE)) == BUNDLE


@pytest.mark.parametrize(
    ("document", "path"),
    [
        pytest.param(bundle(version="2"), "/version", id="wrong-version"),
        pytest.param(bundle(users={}), "/users", id="unknown-top-level-member"),
        pytest.param(
            bundle(clients={WEB: {"ClientName": "web", "GenerateSecret": False}}),
            f"/clients/{WEB}/document",
            id="client-without-document",
        ),
    ],
)
def test_poolpatch_refuses_what_the_schema_refuses(document: dict[str, Any], path: str) -> None:
    with pytest.raises(PoolpatchError) as caught:
        check_bundle(document)
    assert caught.value.path == path
