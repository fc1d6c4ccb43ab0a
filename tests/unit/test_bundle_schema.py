"""``createOnly.Schema`` of a bundle (poolpatch.bundle.schema_attributes; design.md; cognito-surface.md
§12.2).

Describe -> bundle on the fake (moto + the faithful fake's full standard schema) and on Describe output
written as the service returns it; bundle -> CreateUserPool + AddCustomAttributes round-tripped through the
fake; and the checks a user's ``createOnly.Schema`` gets, each with its JSON Pointer and remedy.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from helpers.aws import REGION
from poolpatch.bundle import schema_attributes
from poolpatch.bundle.schema_attributes import check_create_schema, create_schema, split_for_create
from poolpatch.errors import InvalidValue, PoolpatchError, UnknownField

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

AT: Final = "/createOnly/Schema"

#: A modified standard attribute and three custom ones (plain String, Number, developer-only), as
#: CreateUserPool takes them: bare names, every member spelled out.
EMAIL_REQUIRED: Final[dict[str, Any]] = {
    "Name": "email",
    "AttributeDataType": "String",
    "DeveloperOnlyAttribute": False,
    "Mutable": False,
    "Required": True,
    "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"},
}
TIER: Final[dict[str, Any]] = {
    "Name": "tier",
    "AttributeDataType": "String",
    "DeveloperOnlyAttribute": False,
    "Mutable": True,
    "Required": False,
    "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"},
}
SEATS: Final[dict[str, Any]] = {
    "Name": "seats",
    "AttributeDataType": "Number",
    "DeveloperOnlyAttribute": False,
    "Mutable": False,
    "Required": False,
    "NumberAttributeConstraints": {"MinValue": "1", "MaxValue": "500"},
}
TENANT: Final[dict[str, Any]] = {
    "Name": "tenant",
    "AttributeDataType": "String",
    "DeveloperOnlyAttribute": True,
    "Mutable": True,
    "Required": False,
    "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "64"},
}


@pytest.fixture
def cognito() -> Iterator[CognitoIdentityProviderClient]:
    with mock_aws(), poolpatch_fake.installed():
        yield boto3.client("cognito-idp", region_name=REGION)


def create_pool(cognito: CognitoIdentityProviderClient, name: str, schema: Any = None) -> str:
    """CreateUserPool, with ``schema`` as its ``Schema`` when given; the new pool's id."""
    params: dict[str, Any] = {"PoolName": name}
    if schema is not None:
        params["Schema"] = copy.deepcopy(schema)
    return cognito.create_user_pool(**params)["UserPool"]["Id"]


def described(cognito: CognitoIdentityProviderClient, pool_id: str) -> list[dict[str, Any]]:
    """DescribeUserPool's ``SchemaAttributes``."""
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    return [dict(item) for item in pool.get("SchemaAttributes", [])]


def fresh_schema(cognito: CognitoIdentityProviderClient) -> list[dict[str, Any]]:
    """The ``SchemaAttributes`` of a pool created without a ``Schema``."""
    return described(cognito, create_pool(cognito, "fresh"))


def custom(count: int, prefix: str = "c") -> list[dict[str, Any]]:
    """``count`` custom String attributes as CreateUserPool takes them."""
    return [{**TIER, "Name": f"{prefix}{index:02d}"} for index in range(count)]


def refusal(schema: Any) -> PoolpatchError:
    with pytest.raises(PoolpatchError) as caught:
        check_create_schema(schema, AT)
    return caught.value


# --------------------------------------------------------------------------- Describe -> bundle


def test_a_fresh_pool_on_the_fake_has_no_schema_entries(cognito: CognitoIdentityProviderClient) -> None:
    # Given a pool created without a Schema: the fake returns every standard attribute, as the service does
    schema = fresh_schema(cognito)
    assert len(schema) >= 20

    # When its createOnly.Schema is taken
    # Then nothing is kept: a new pool gets all of it anyway
    assert create_schema(schema) == []


def test_the_real_services_2024_birthdate_default_is_no_entry(cognito: CognitoIdentityProviderClient) -> None:
    # Given a fresh pool as the service reports it since June 2024: birthdate MinLength "4"
    # (hashicorp/terraform-provider-aws#38197), the rest as before
    schema = fresh_schema(cognito)
    (birthdate,) = [item for item in schema if item["Name"] == "birthdate"]
    birthdate["StringAttributeConstraints"] = {"MinLength": "4", "MaxLength": "10"}

    # When its createOnly.Schema is taken / Then it is empty too
    assert create_schema(schema) == []


def test_custom_and_modified_standard_attributes_round_trip_through_the_fake(
    cognito: CognitoIdentityProviderClient,
) -> None:
    # Given a pool created with a required, immutable email and three custom attributes
    sent = [EMAIL_REQUIRED, TIER, SEATS, TENANT]
    pool_id = create_pool(cognito, "acme", sent)
    schema = described(cognito, pool_id)
    names = [item["Name"] for item in schema]
    assert {"custom:tier", "custom:seats", "dev:custom:tenant"} <= set(names)

    # When its createOnly.Schema is taken
    # Then it is exactly what CreateUserPool was given: bare names, Describe's order
    assert create_schema(schema) == sent


def test_standard_attributes_differing_from_the_default_are_kept_whole() -> None:
    # Given Describe entries of two standard attributes the pool changed, and one at its default
    birthdate = {
        "Name": "birthdate",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
        "StringAttributeConstraints": {"MinLength": "8", "MaxLength": "10"},
    }
    name_required = {
        "Name": "name",
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": True,
        "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"},
    }
    locale = {**name_required, "Name": "locale", "Required": False}

    # When the createOnly.Schema is taken
    # Then the two changed ones are kept with every member, in Describe's order
    assert create_schema([birthdate, locale, name_required]) == [birthdate, name_required]


def test_constraint_numbers_compare_as_text() -> None:
    # Given a default entry whose constraints came back as numbers
    entry = {
        "Name": "updated_at",
        "AttributeDataType": "Number",
        "DeveloperOnlyAttribute": False,
        "Mutable": True,
        "Required": False,
        "NumberAttributeConstraints": {"MinValue": 0},
    }

    # Then it is still the default
    assert create_schema([entry]) == []


def test_service_managed_and_unknown_unprefixed_attributes_are_never_written() -> None:
    # Given email_verified made immutable (not settable in Schema: aws/aws-cdk#14699) and a standard
    # attribute newer than the table
    verified = {"Name": "email_verified", "AttributeDataType": "Boolean", "Mutable": False, "Required": True}
    newer = {"Name": "future_claim", "AttributeDataType": "String", "Mutable": True}

    # When the createOnly.Schema is taken
    # Then neither is written: CreateUserPool would make custom attributes of them
    assert create_schema([verified, newer]) == []


def test_developer_only_prefixes_are_stripped_and_flagged() -> None:
    # Given a developer-only attribute as Describe names it, and as the model's documentation spells it
    described_entry = {"Name": "dev:custom:tenant", "AttributeDataType": "String", "Mutable": True}
    documented = {"Name": "dev:region", "AttributeDataType": "String", "DeveloperOnlyAttribute": True}

    # When the createOnly.Schema is taken
    # Then both are bare and developer-only
    assert create_schema([described_entry, documented]) == [
        {"Name": "tenant", "AttributeDataType": "String", "DeveloperOnlyAttribute": True, "Mutable": True},
        {"Name": "region", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
    ]


def test_members_create_user_pool_does_not_take_and_empty_values_are_dropped() -> None:
    # Given a custom attribute with a member the model lacks, a null and an empty constraint object
    # (moto reports StringAttributeConstraints: {} even on a Number custom attribute)
    entry = {
        "Name": "custom:plan",
        "AttributeDataType": "Number",
        "Mutable": True,
        "Required": False,
        "CreatedBy": "someone",
        "NumberAttributeConstraints": None,
        "StringAttributeConstraints": {},
    }

    # When the createOnly.Schema is taken
    # Then only the model's members with a value remain
    assert create_schema([entry]) == [
        {"Name": "plan", "AttributeDataType": "Number", "Mutable": True, "Required": False}
    ]


def test_a_required_custom_attribute_keeps_what_describe_says() -> None:
    # Given a custom attribute Describe reports as required
    entry = {"Name": "custom:legacy", "AttributeDataType": "String", "Required": True}

    # Then it is carried as it is (the service refuses it at CreateUserPool: boto/boto3#2317)
    assert create_schema([entry]) == [{"Name": "legacy", "AttributeDataType": "String", "Required": True}]


def test_entries_that_are_not_named_objects_are_skipped() -> None:
    # Given junk among the entries
    # Then it is skipped
    assert create_schema(["x", {"Name": ""}, {"AttributeDataType": "String"}, None]) == []


# --------------------------------------------------------------------------- bundle -> create calls


def test_the_limits_come_from_the_model() -> None:
    # CreateUserPool.Schema holds 50 entries, AddCustomAttributes 25 (cognito-surface.md §12.2)
    assert schema_attributes.create_limit() == 50
    assert schema_attributes.add_limit() == 25


def test_standard_entries_go_first_then_custom_ones_up_to_fifty() -> None:
    # Given 2 standard entries after some of 50 custom ones
    customs = custom(50)
    schema = [*customs[:3], EMAIL_REQUIRED, *customs[3:], {**EMAIL_REQUIRED, "Name": "name"}]

    # When it is split for creation
    create, batches = split_for_create(schema)

    # Then CreateUserPool gets both standard ones and the first 48 custom ones, in order; the 2 left follow
    assert create == [EMAIL_REQUIRED, {**EMAIL_REQUIRED, "Name": "name"}, *customs[:48]]
    assert batches == [customs[48:]]


def test_fifty_custom_attributes_fit_in_create_user_pool() -> None:
    # Given 50 custom attributes and no standard one
    # Then they all go to CreateUserPool
    assert split_for_create(custom(50)) == (custom(50), [])


def test_an_empty_schema_sends_nothing() -> None:
    assert split_for_create([]) == ([], [])


def test_the_rest_goes_in_batches_of_twenty_five(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a CreateUserPool limit of 10 (to get past one batch with 50 custom attributes)
    monkeypatch.setattr(schema_attributes, "create_limit", lambda: 10)
    customs = custom(50)

    # When 50 custom attributes are split
    create, batches = split_for_create(customs)

    # Then 10, then 25 and 15, in order
    assert create == customs[:10]
    assert batches == [customs[10:35], customs[35:]]


def test_standard_entries_past_the_limit_are_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a limit smaller than the standard entries (impossible with the service's 50 and ~20 standard)
    monkeypatch.setattr(schema_attributes, "create_limit", lambda: 1)

    # When the schema is split
    with pytest.raises(InvalidValue) as caught:
        split_for_create([EMAIL_REQUIRED, {**EMAIL_REQUIRED, "Name": "name"}])

    # Then it is refused, saying why
    assert caught.value.path == AT
    assert "standard attributes cannot be added later" in caught.value.message


def test_more_than_fifty_custom_attributes_cannot_be_split() -> None:
    with pytest.raises(InvalidValue) as caught:
        split_for_create(custom(51))
    assert caught.value.path == AT
    assert "50" in caught.value.message


def test_a_split_schema_builds_the_same_pool_on_the_fake(cognito: CognitoIdentityProviderClient) -> None:
    # Given a bundle schema with a modified standard attribute and 50 custom attributes (more than
    # CreateUserPool takes)
    bundle_schema = [EMAIL_REQUIRED, *custom(49), TENANT]
    create, batches = split_for_create(bundle_schema)

    # When the pool is created from it and the rest added
    pool_id = create_pool(cognito, "clone", create)
    for batch in batches:
        params: dict[str, Any] = {"UserPoolId": pool_id, "CustomAttributes": batch}
        cognito.add_custom_attributes(**params)

    # Then its createOnly.Schema is the bundle's
    assert create_schema(described(cognito, pool_id)) == bundle_schema


# --------------------------------------------------------------------------- a user's createOnly.Schema


def test_a_valid_schema_passes_even_past_fifty_entries() -> None:
    # Given 3 standard entries and 50 custom ones (53 entries: split_for_create spreads them)
    schema = [EMAIL_REQUIRED, {**EMAIL_REQUIRED, "Name": "name"}, SEATS, *custom(49)]

    # Then it is accepted
    check_create_schema(schema, AT)
    check_create_schema([], AT)


def test_a_custom_prefix_is_refused_with_the_bare_name_as_remedy() -> None:
    error = refusal([EMAIL_REQUIRED, {**TIER, "Name": "custom:tier"}])
    assert isinstance(error, InvalidValue)
    assert error.path == f"{AT}/1/Name"
    assert "`tier`" in (error.remedy or "")


def test_a_developer_only_prefix_is_refused_naming_the_flag() -> None:
    error = refusal([{**TENANT, "Name": "dev:custom:tenant"}])
    assert error.path == f"{AT}/0/Name"
    assert "`tenant`" in (error.remedy or "")
    assert "DeveloperOnlyAttribute" in (error.remedy or "")


def test_more_than_fifty_custom_attributes_are_refused() -> None:
    error = refusal([EMAIL_REQUIRED, *custom(51)])
    assert isinstance(error, InvalidValue)
    assert error.path == AT
    assert "51 custom attributes" in error.message
    assert "50" in (error.remedy or "")


def test_a_name_given_twice_is_refused_at_the_second() -> None:
    # Given tier twice
    error = refusal([TIER, SEATS, {**TIER, "Mutable": False}])
    assert isinstance(error, InvalidValue)
    assert error.path == f"{AT}/2/Name"
    assert "more than once" in error.message
    assert error.remedy


@pytest.mark.parametrize("entry", ["tier", 3, None, ["Name", "tier"]])
def test_an_entry_that_is_not_an_object_is_refused(entry: Any) -> None:
    error = refusal([TIER, entry])
    assert isinstance(error, InvalidValue)
    assert error.path == f"{AT}/1"
    assert error.remedy


def test_a_schema_that_is_not_a_list_is_refused() -> None:
    error = refusal({"Name": "tier"})
    assert isinstance(error, InvalidValue)
    assert error.path == AT


def test_members_come_from_the_model() -> None:
    # Given a misspelt member and a data type the model does not list
    misspelt = refusal([{**TIER, "Mutabel": True}])
    bad_type = refusal([{**TIER, "AttributeDataType": "Text"}])

    # Then the model's checks name them
    assert isinstance(misspelt, UnknownField)
    assert misspelt.path == f"{AT}/0/Mutabel"
    assert "Mutable" in (misspelt.remedy or "")
    assert isinstance(bad_type, InvalidValue)
    assert bad_type.path == f"{AT}/0/AttributeDataType"


def test_an_entry_without_a_name_is_refused() -> None:
    error = refusal([{"AttributeDataType": "String"}])
    assert error.path == f"{AT}/0/Name"
    assert error.remedy


def test_a_service_managed_attribute_is_refused() -> None:
    error = refusal([{"Name": "email_verified", "AttributeDataType": "Boolean"}])
    assert error.path == f"{AT}/0/Name"
    assert "email_verified" in error.message
