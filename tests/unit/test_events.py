"""The sample events and the JSON Schemas in ``events/`` agree with the design's contracts.

The schemas are what users read in the EventBridge schema registry and what
producers validate against; the samples are what ``sam local invoke -e`` and
the tests feed the functions. These tests keep the two honest with each other
and make sure identifiers that end up in S3 keys, SQS attributes and log lines
cannot smuggle path segments, newlines or look-alike characters.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel, SqsModel
from jsonschema import Draft4Validator

from helpers.events import EVENTBRIDGE_REQUEST_SAMPLES, EVENTS_DIR, SCHEMA_DIR, load_event, load_schema
from poolpatch.errors import ERROR_CODES
from poolpatch.request import parse_request

POOL_ID = "eu-west-1_AbCdEf123"
HUB_ACCOUNT = "111122223333"
HUB_REGION = "eu-west-1"

EVENTBRIDGE_REQUESTS = EVENTBRIDGE_REQUEST_SAMPLES
BARE_REQUESTS = (
    "request-pool",
    "request-client",
    "request-mfa",
    "request-identity-provider",
    "direct-invoke",
)
RESULT_EVENTS = ("result-applied", "result-rejected")

# design.md "Results": the detail-type each status is published under.
DETAIL_TYPE_BY_STATUS = {
    "applied": "User Pool Change Applied",
    "unchanged": "User Pool Change Applied",
    "planned": "User Pool Change Planned",
    "rejected": "User Pool Change Rejected",
    "failed": "User Pool Change Failed",
}

# design.md "Snapshots": the key layout of every snapshot reference.
SNAPSHOT_REF = re.compile(
    r"s3://(?P<bucket>[a-z0-9.-]{3,63})/snapshots/(?P<account>[0-9]{12})/(?P<region>[a-z0-9-]+)/"
    r"(?P<pool>[A-Za-z0-9_-]+)/(?:pool|client-[A-Za-z0-9_+]+)/[0-9]{8}T[0-9]{6}Z-(?P<request>[A-Za-z0-9._:-]+)/"
    r"(?:before|after)\.json"
)


@pytest.fixture(scope="module")
def request_validator() -> Any:
    """A draft-4 validator of the change request, checking formats (date-time) too."""
    return Draft4Validator(load_schema("change-request"), format_checker=Draft4Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def result_validator() -> Any:
    """A draft-4 validator of the result document."""
    return Draft4Validator(load_schema("result"), format_checker=Draft4Validator.FORMAT_CHECKER)


def violations(validator: Any, instance: Any) -> set[tuple[str, str]]:
    """Every top-level violation as (JSON Pointer of the instance member, failing keyword)."""
    return {
        ("".join(f"/{part}" for part in error.absolute_path), str(error.validator))
        for error in validator.iter_errors(instance)
    }


def pool_request(**members: Any) -> dict[str, Any]:
    """A minimal valid pool change request with ``members`` added or replaced."""
    request: dict[str, Any] = {
        "version": "1",
        "requestId": "chg-test-1",
        "target": {"userPoolId": POOL_ID},
        "patch": {"DeletionProtection": "ACTIVE"},
    }
    request.update(members)
    return request


def custom_attribute(**members: Any) -> dict[str, Any]:
    """A valid String custom attribute definition with ``members`` added or replaced."""
    attribute: dict[str, Any] = {"Name": "tier", "AttributeDataType": "String", "Mutable": True}
    attribute.update(members)
    return attribute


def sqs_records() -> list[dict[str, Any]]:
    """The records of the SQS FIFO batch sample."""
    records: list[dict[str, Any]] = load_event("sqs-batch")["Records"]
    return records


# --------------------------------------------------------------------------- the schemas themselves


@pytest.mark.parametrize("name", ["change-request", "result"])
def test_schema_is_a_valid_draft4_schema(name: str) -> None:
    # Given a schema registered in the EventBridge schema registry (JSONSchemaDraft4)
    schema = load_schema(name)

    # When it is checked against the draft-4 meta-schema
    Draft4Validator.check_schema(schema)

    # Then it declares draft 4 (the registry's only JSON Schema dialect)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"


def _undocumented(node: Any, pointer: str) -> list[str]:
    """Pointers of every property or definition schema lacking a title or a description."""
    missing: list[str] = []
    if not isinstance(node, dict):
        return missing
    for keyword in ("properties", "definitions"):
        for key, child in node.get(keyword, {}).items():
            child_pointer = f"{pointer}/{keyword}/{key}"
            if "$ref" not in child and not ("title" in child and "description" in child):
                missing.append(child_pointer)
            missing.extend(_undocumented(child, child_pointer))
    # Combinator branches (oneOf, anyOf, not...) only constrain members documented above.
    missing.extend(_undocumented(node.get("items"), f"{pointer}/items"))
    return missing


@pytest.mark.parametrize("name", ["change-request", "result"])
def test_every_member_of_the_schema_is_documented(name: str) -> None:
    # Given a schema that doubles as user documentation in the registry
    schema = load_schema(name)

    # When every property and definition is inspected
    missing = _undocumented(schema, "")

    # Then each has a title and a description, and so does the schema itself
    assert missing == []
    assert schema["title"]
    assert schema["description"]


def test_result_error_codes_are_the_stable_codes() -> None:
    # Given the stable error codes of the engine
    # When the result schema's error code enum is read
    codes = load_schema("result")["definitions"]["error"]["properties"]["code"]["enum"]

    # Then it lists exactly those codes, in the same order
    assert tuple(codes) == ERROR_CODES


# --------------------------------------------------------------------------- the samples


@pytest.mark.parametrize("name", EVENTBRIDGE_REQUESTS)
def test_eventbridge_request_sample_is_a_valid_change_request(name: str, request_validator: Any) -> None:
    # Given an EventBridge sample as the intake function receives it
    event = load_event(name)

    # When its envelope is parsed as Powertools does and its detail validated
    envelope = EventBridgeModel.model_validate(event)
    problems = violations(request_validator, event["detail"])

    # Then it is a change request event for the intake rule, with a valid detail
    assert (envelope.source, envelope.detail_type) == ("poolpatch.requests", "User Pool Change Requested")
    assert problems == set()


@pytest.mark.parametrize("name", BARE_REQUESTS)
def test_bare_request_sample_is_a_valid_change_request(name: str, request_validator: Any) -> None:
    # Given a bare change request (CLI --request file, direct invocation)
    request = load_event(name)

    # When it is validated
    problems = violations(request_validator, request)

    # Then it passes and it is not wrapped in an envelope
    assert problems == set()
    assert request["version"] == "1"


def test_sqs_sample_parses_and_every_body_is_a_valid_change_request(request_validator: Any) -> None:
    # Given the SQS FIFO batch sample
    event = load_event("sqs-batch")

    # When it is parsed as Powertools does and each body validated
    batch = SqsModel.model_validate(event)
    problems = [violations(request_validator, json.loads(record["body"])) for record in event["Records"]]

    # Then there are three valid requests from the ChangeQueue FIFO queue
    assert problems == [set(), set(), set()]
    assert {record.eventSourceARN.rsplit(":", 1)[-1] for record in batch.Records} == {
        "poolpatch-ChangeQueue.fifo"
    }


def test_sqs_message_group_is_account_region_pool_of_the_body() -> None:
    # Given the records of the FIFO batch
    records = sqs_records()

    # When each body's target is resolved (account and Region default to the queue's)
    expected = []
    for record in records:
        target = json.loads(record["body"])["target"]
        _, _, _, region, account, _ = record["eventSourceARN"].split(":")
        expected.append(
            f"{target.get('accountId', account)}/{target.get('region', region)}/{target['userPoolId']}"
        )

    # Then the message group is {accountId}/{region}/{userPoolId}, client changes included
    assert [record["attributes"]["MessageGroupId"] for record in records] == expected
    assert any("clientId" in json.loads(record["body"])["target"] for record in records)


def test_sqs_deduplication_id_is_the_request_id_and_groups_are_ordered() -> None:
    # Given the records of the FIFO batch
    records = sqs_records()

    # When deduplication ids and per-group sequence numbers are collected
    dedup = [record["attributes"]["MessageDeduplicationId"] for record in records]
    request_ids = [json.loads(record["body"])["requestId"] for record in records]
    by_group: dict[str, list[int]] = {}
    for record in records:
        attributes = record["attributes"]
        by_group.setdefault(attributes["MessageGroupId"], []).append(int(attributes["SequenceNumber"]))

    # Then MessageDeduplicationId = requestId, two records share one pool's group, in order
    assert dedup == request_ids
    assert sorted(len(sequence) for sequence in by_group.values()) == [1, 2]
    assert all(sequence == sorted(sequence) for sequence in by_group.values())


def test_invalid_sample_fails_for_the_intended_reasons(request_validator: Any) -> None:
    # Given the invalid sample: a path-traversal pool id, and restore combined with patch
    detail = load_event("eventbridge-invalid")["detail"]

    # When it is validated
    problems = violations(request_validator, detail)

    # Then exactly those two rules fail, and nothing else
    assert problems == {("/target/userPoolId", "pattern"), ("", "oneOf")}


@pytest.mark.parametrize("name", RESULT_EVENTS)
def test_result_sample_is_valid_and_published_under_its_status(name: str, result_validator: Any) -> None:
    # Given a result event as poolpatch publishes it
    event = load_event(name)

    # When its envelope is parsed and its detail validated
    envelope = EventBridgeModel.model_validate(event)
    problems = violations(result_validator, event["detail"])

    # Then the detail is a valid result, sent by poolpatch under the detail-type of its status
    assert problems == set()
    assert envelope.source == "poolpatch"
    assert envelope.detail_type == DETAIL_TYPE_BY_STATUS[event["detail"]["status"]]


def test_snapshot_references_follow_the_key_layout() -> None:
    # Given the snapshot references of the restore sample and the applied result
    restore = load_event("eventbridge-restore")["detail"]["restore"]["snapshot"]
    applied = load_event("result-applied")["detail"]
    references = [restore, applied["snapshots"]["before"], applied["snapshots"]["after"]]

    # When they are matched against the layout of design.md "Snapshots"
    matches = [SNAPSHOT_REF.fullmatch(reference) for reference in references]

    # Then all follow it, and the result's snapshots are keyed by its own request id
    assert all(matches)
    assert [m["request"] for m in matches[1:] if m] == [applied["requestId"]] * 2
    assert applied["verification"] == {"differences": []}


# --------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    "request_id",
    [
        "../../etc",
        "chg/../../x",
        ".hidden",
        "",
        "x" * 129,
        "chg-1\n",
        "chg-1\nlevel=ERROR forged",
        "chg\u20101",  # HYPHEN, not HYPHEN-MINUS
        "\uff43hg-1",  # FULLWIDTH LATIN SMALL LETTER C
        "chg 1",
        "chg%2F..",
    ],
)
def test_hostile_request_id_is_rejected(request_id: str, request_validator: Any) -> None:
    # Given a request whose requestId would become an S3 key segment and a deduplication id
    request = pool_request(requestId=request_id)

    # When it is validated
    problems = violations(request_validator, request)

    # Then the requestId alone is refused
    assert problems
    assert {pointer for pointer, _ in problems} == {"/requestId"}


def test_request_id_of_128_characters_is_accepted(request_validator: Any) -> None:
    # Given the longest requestId SQS accepts as MessageDeduplicationId
    request = pool_request(requestId="r" + "0123456789abcdef._:-" * 6 + "x" * 7)

    # When it is validated
    problems = violations(request_validator, request)

    # Then it passes
    assert len(request["requestId"]) == 128
    assert problems == set()


@pytest.mark.parametrize(
    "pool_id",
    [
        "eu-west-1_abc/../x",
        "../../etc",
        "",
        "eu-west-1_" + "A" * 46,  # 56 characters
        "eu-west-1_AbCdEf123\n",
        "eu-west-1_AbCdEf123\nx",
        "eu-west-1_AbCdEf12\u0417",  # CYRILLIC CAPITAL ZE, looks like 3
        "eu-west-1_\u0410bCdEf123",  # CYRILLIC CAPITAL A
        "eu-west-1_AbCdEf123\u0000",
        "eu-west-1_AbC dEf",
        "euwest1AbCdEf123",
    ],
)
def test_hostile_user_pool_id_is_rejected(pool_id: str, request_validator: Any) -> None:
    # Given a request whose target pool id is malformed or hostile
    request = pool_request(target={"userPoolId": pool_id})

    # When it is validated
    problems = violations(request_validator, request)

    # Then the pool id alone is refused
    assert problems
    assert {pointer for pointer, _ in problems} == {"/target/userPoolId"}


def test_user_pool_id_of_55_characters_is_accepted(request_validator: Any) -> None:
    # Given a pool id at the model's maximum length
    request = pool_request(target={"userPoolId": "eu-west-1_" + "A" * 45})

    # When it is validated
    problems = violations(request_validator, request)

    # Then it passes
    assert len(request["target"]["userPoolId"]) == 55
    assert problems == set()


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("clientId", "4r2uq8j1/../x"),
        ("clientId", "4r2uq8j1pmbfe0fmdqk9v2l5hn\n"),
        ("clientId", ""),
        ("accountId", "11112222333"),
        ("accountId", "\uff11" * 12),  # FULLWIDTH DIGIT ONE
        ("accountId", "111122223333\n"),
        ("region", "EU-WEST-1"),
        ("region", "eu-west-1\n"),
        ("region", "eu-west-1/../us-east-1"),
        ("userPoolID", POOL_ID),  # unknown member (typo)
    ],
)
def test_malformed_target_member_is_rejected(member: str, value: str, request_validator: Any) -> None:
    # Given a target with one malformed or unknown member
    request = pool_request(target={"userPoolId": POOL_ID, member: value})

    # When it is validated
    problems = violations(request_validator, request)

    # Then the target is refused
    assert problems
    assert {pointer for pointer, _ in problems} <= {"/target", f"/target/{member}"}


def test_cross_account_target_with_client_is_accepted(request_validator: Any) -> None:
    # Given a fully qualified client target in another account and Region
    target = {
        "userPoolId": "eu-central-1_XyZ987uvW",
        "clientId": "7kq3vd1ofh2m9pnbt6cr0swa5e",
        "accountId": "444455556666",
        "region": "eu-central-1",
    }

    # When it is validated
    problems = violations(request_validator, pool_request(target=target))

    # Then it passes
    assert problems == set()


# --------------------------------------------------------------------------- combination rules


def test_restore_with_patch_is_rejected(request_validator: Any) -> None:
    # Given a request carrying both restore and patch
    request = pool_request(restore={"snapshot": "s3://bucket/snapshots/x/before.json"})

    # When it is validated
    problems = violations(request_validator, request)

    # Then the combination rule fails
    assert problems == {("", "oneOf")}


def test_restore_with_custom_attributes_is_rejected(request_validator: Any) -> None:
    # Given a request carrying restore and addCustomAttributes, no patch
    request = pool_request(
        restore={"snapshot": "s3://bucket/snapshots/x/before.json"},
        addCustomAttributes=[custom_attribute()],
    )
    del request["patch"]

    # When it is validated
    problems = violations(request_validator, request)

    # Then the combination rule fails
    assert problems == {("", "oneOf")}


def test_restore_alone_is_accepted(request_validator: Any) -> None:
    # Given a restore request with no patch, for an app client, as a plan
    request = pool_request(
        target={"userPoolId": POOL_ID, "clientId": "4r2uq8j1pmbfe0fmdqk9v2l5hn"},
        restore={"snapshot": "file://poolpatch-snapshots/snapshots/x/before.json"},
        mode="plan",
    )
    del request["patch"]

    # When it is validated
    problems = violations(request_validator, request)

    # Then it passes
    assert problems == set()


def test_patch_with_custom_attributes_is_accepted(request_validator: Any) -> None:
    # Given a pool request with both a patch and custom attributes
    request = pool_request(addCustomAttributes=[custom_attribute(), custom_attribute(Name="score")])

    # When it is validated
    problems = violations(request_validator, request)

    # Then it passes
    assert problems == set()


def test_request_without_any_change_is_rejected(request_validator: Any) -> None:
    # Given a request with neither patch, addCustomAttributes nor restore
    request = pool_request()
    del request["patch"]

    # When it is validated
    problems = violations(request_validator, request)

    # Then the combination rule fails
    assert problems == {("", "oneOf")}


def test_custom_attributes_for_an_app_client_are_rejected(request_validator: Any) -> None:
    # Given custom attributes (a pool setting) aimed at an app client
    request = pool_request(
        target={"userPoolId": POOL_ID, "clientId": "4r2uq8j1pmbfe0fmdqk9v2l5hn"},
        addCustomAttributes=[custom_attribute()],
    )

    # When it is validated
    problems = violations(request_validator, request)

    # Then the pools-only rule fails
    assert problems == {("", "anyOf")}


@pytest.mark.parametrize("member", ["Patch", "dryRun", "userPoolId", "snapshot"])
def test_unknown_top_level_member_is_rejected(member: str, request_validator: Any) -> None:
    # Given an otherwise valid request with an unknown top-level member
    request = pool_request(**{member: "x"})

    # When it is validated
    problems = violations(request_validator, request)

    # Then it is refused as an additional property
    assert problems == {("", "additionalProperties")}


@pytest.mark.parametrize("id_member", ["UserPoolId", "ClientId"])
def test_patch_naming_an_id_member_is_rejected(id_member: str, request_validator: Any) -> None:
    # Given a patch that tries to carry an id (ids belong in target)
    request = pool_request(patch={id_member: "eu-west-1_Other123", "DeletionProtection": "ACTIVE"})

    # When it is validated
    problems = violations(request_validator, request)

    # Then the patch is refused
    assert problems == {("/patch", "not")}


@pytest.mark.parametrize(
    ("members", "pointer"),
    [
        ({"version": "2"}, "/version"),
        ({"version": 1}, "/version"),
        ({"mode": "dry-run"}, "/mode"),
        ({"expectedLastModifiedDate": "yesterday"}, "/expectedLastModifiedDate"),
        ({"expectedLastModifiedDate": "2025-06-02 16:04"}, "/expectedLastModifiedDate"),
        ({"reason": "x" * 1025}, "/reason"),
        ({"requestedBy": "x" * 1025}, "/requestedBy"),
        ({"patch": ["DeletionProtection"]}, "/patch"),
        ({"patch": {"DeletionProtection": "ACTIVE"}, "restore": None}, "/restore"),
    ],
)
def test_malformed_member_is_rejected(members: dict[str, Any], pointer: str, request_validator: Any) -> None:
    # Given a request with one malformed member
    request = pool_request(**members)

    # When it is validated
    problems = violations(request_validator, request)

    # Then that member is named among the problems
    assert pointer in {problem_pointer for problem_pointer, _ in problems}


def test_optional_members_at_their_limits_are_accepted(request_validator: Any) -> None:
    # Given a request using every optional member at its limit
    request = pool_request(
        mode="apply",
        expectedLastModifiedDate="2025-06-02T16:04:11.123+02:00",
        reason="r" * 1024,
        requestedBy="b" * 1024,
    )

    # When it is validated
    problems = violations(request_validator, request)

    # Then it passes
    assert problems == set()


def test_missing_version_or_target_is_rejected(request_validator: Any) -> None:
    # Given requests missing each required member
    no_version = pool_request()
    del no_version["version"]
    no_target = pool_request()
    del no_target["target"]

    # When they are validated
    problems = violations(request_validator, no_version) | violations(request_validator, no_target)

    # Then both are refused as missing required members
    assert problems == {("", "required")}
    assert len(list(request_validator.iter_errors(no_version))) == 1
    assert len(list(request_validator.iter_errors(no_target))) == 1


def test_restore_needs_a_snapshot_reference(request_validator: Any) -> None:
    # Given restore requests with no, an empty and an overlong snapshot reference
    requests = []
    for restore in ({}, {"snapshot": ""}, {"snapshot": "s3://b/" + "k" * 2042}):
        request = pool_request(restore=restore)
        del request["patch"]
        requests.append(request)

    # When they are validated
    problems = [violations(request_validator, request) for request in requests]

    # Then each is refused for its reference: none at all, or a snapshot reference out of bounds
    assert problems == [
        {("/restore", "minProperties")},
        {("/restore/snapshot", "minLength")},
        {("/restore/snapshot", "maxLength")},
    ]


def test_restore_takes_a_snapshot_or_a_bundle_never_both(request_validator: Any) -> None:
    # Given a bundle restore, one with an empty reference, and one naming a snapshot too
    bundle = f"s3://bucket/bundles/111122223333/eu-west-1/{POOL_ID}/20250604T060000Z.json"
    requests = []
    for restore in (
        {"bundle": bundle},
        {"bundle": ""},
        {"bundle": bundle, "snapshot": "s3://bucket/snapshots/x/before.json"},
    ):
        request = pool_request(restore=restore)
        del request["patch"]
        requests.append(request)

    # When they are validated
    problems = [violations(request_validator, request) for request in requests]

    # Then the bundle alone is accepted, the empty one and the pair are refused
    assert problems == [set(), {("/restore/bundle", "minLength")}, {("/restore", "maxProperties")}]


@pytest.mark.parametrize(
    "members",
    [
        {"target": {"userPoolId": POOL_ID, "clientId": "4r2uq8j1pmbfe0fmdqk9v2l5hn"}},
        {"target": {"userPoolId": POOL_ID, "kind": "group", "name": "admins"}},
        {"target": {"userPoolId": POOL_ID, "kind": "mfa"}},
        {"expectedLastModifiedDate": "2025-06-04T06:00:00Z"},
    ],
    ids=["client", "named-kind", "pool-level-kind", "precondition"],
)
def test_bundle_restore_targets_the_pool_alone(members: dict[str, Any], request_validator: Any) -> None:
    # Given a bundle restore for something other than the whole pool, or with a precondition
    request = pool_request(
        restore={"bundle": f"s3://bucket/bundles/111122223333/eu-west-1/{POOL_ID}/20250604T060000Z.json"},
        **members,
    )
    del request["patch"]

    # When it is validated
    problems = violations(request_validator, request)

    # Then it is refused by the whole-pool rule, and a pool target with kind pool is accepted
    assert problems == {("", "anyOf")}
    request.pop("expectedLastModifiedDate", None)
    request["target"] = {"userPoolId": POOL_ID, "kind": "pool"}
    assert violations(request_validator, request) == set()


# --------------------------------------------------------------------------- custom attributes


@pytest.mark.parametrize(
    ("attribute", "pointer", "keyword"),
    [
        (custom_attribute(Required=True), "/addCustomAttributes/0/Required", "enum"),
        (custom_attribute(Name="x" * 21), "/addCustomAttributes/0/Name", "maxLength"),
        (custom_attribute(Name=""), "/addCustomAttributes/0/Name", "minLength"),
        (custom_attribute(Name="tier\n"), "/addCustomAttributes/0/Name", "pattern"),
        (custom_attribute(Name="two words"), "/addCustomAttributes/0/Name", "pattern"),
        (custom_attribute(AttributeDataType="Integer"), "/addCustomAttributes/0/AttributeDataType", "enum"),
        (custom_attribute(Mutable="true"), "/addCustomAttributes/0/Mutable", "type"),
        (
            custom_attribute(StringAttributeConstraints={"MaxLength": 32}),
            "/addCustomAttributes/0/StringAttributeConstraints/MaxLength",
            "type",
        ),
        (
            custom_attribute(StringAttributeConstraints={"MinLength": "1a"}),
            "/addCustomAttributes/0/StringAttributeConstraints/MinLength",
            "pattern",
        ),
        (
            custom_attribute(StringAttributeConstraints={"Min": "1"}),
            "/addCustomAttributes/0/StringAttributeConstraints",
            "additionalProperties",
        ),
        (custom_attribute(NumberAttributeConstraints={"MinValue": "0"}), "/addCustomAttributes/0", "anyOf"),
        (custom_attribute(Unique=True), "/addCustomAttributes/0", "additionalProperties"),
        ({"Name": "tier"}, "/addCustomAttributes/0", "required"),
    ],
)
def test_malformed_custom_attribute_is_rejected(
    attribute: dict[str, Any], pointer: str, keyword: str, request_validator: Any
) -> None:
    # Given a request adding one malformed custom attribute
    request = pool_request(addCustomAttributes=[attribute])
    del request["patch"]

    # When it is validated
    problems = violations(request_validator, request)

    # Then exactly that attribute member is refused, for that reason
    assert (pointer, keyword) in problems
    assert {problem_pointer for problem_pointer, _ in problems} == {pointer}


def test_custom_attribute_count_is_1_to_25(request_validator: Any) -> None:
    # Given requests adding 0, 25 and 26 attributes
    def adding(count: int) -> dict[str, Any]:
        request = pool_request(addCustomAttributes=[custom_attribute(Name=f"a{i}") for i in range(count)])
        del request["patch"]
        return request

    # When they are validated
    problems = [violations(request_validator, adding(count)) for count in (0, 25, 26)]

    # Then only 25 passes
    assert problems[1] == set()
    assert ("/addCustomAttributes", "minItems") in problems[0]
    assert problems[2] == {("/addCustomAttributes", "maxItems")}


def test_full_custom_attribute_definitions_are_accepted(request_validator: Any) -> None:
    # Given the add-attributes sample plus a Number, a DateTime and a Boolean definition with every member
    request = copy.deepcopy(load_event("eventbridge-add-attributes")["detail"])
    request["addCustomAttributes"] += [
        custom_attribute(
            Name="balance",
            AttributeDataType="Number",
            Mutable=False,
            DeveloperOnlyAttribute=False,
            Required=False,
            NumberAttributeConstraints={"MinValue": "-100", "MaxValue": "100"},
        ),
        custom_attribute(Name="joined_at", AttributeDataType="DateTime"),
        custom_attribute(Name="vérifié:ok", AttributeDataType="Boolean"),
    ]

    # When it is validated
    problems = violations(request_validator, request)

    # Then it passes
    assert problems == set()


# --------------------------------------------------------------------------- results


def test_result_error_is_present_exactly_for_failures(result_validator: Any) -> None:
    # Given an applied result carrying an error, and a rejected one without it
    applied = load_event("result-applied")["detail"]
    applied_with_error = {**applied, "error": {"code": "InvalidValue", "message": "x"}}
    rejected = load_event("result-rejected")["detail"]
    rejected_without_error = {key: value for key, value in rejected.items() if key != "error"}

    # When they are validated
    problems = [violations(result_validator, doc) for doc in (applied_with_error, rejected_without_error)]

    # Then both break the status/error rule
    assert problems == [{("", "oneOf")}, {("", "oneOf")}]


@pytest.mark.parametrize(
    ("members", "pointer"),
    [
        ({"status": "succeeded"}, "/status"),
        ({"error": {"code": "Boom", "message": "x"}}, "/error/code"),
        ({"error": {"code": "NotFound"}}, "/error"),
        ({"error": {"code": "NotFound", "message": "x", "path": "UsernameAttributes"}}, "/error/path"),
        ({"changes": [{"path": "/a", "old": 1}]}, "/changes/0"),
        ({"changes": [{"path": "a/b"}]}, "/changes/0/path"),
        ({"verification": {}}, "/verification"),
        ({"surplus": True}, ""),  # not a member (`extra` is: a bundle restore's kept parts)
        ({"extra": True}, "/extra"),
        ({"parts": [{"kind": "group", "id": "admins", "status": "done"}]}, "/parts/0/status"),
        ({"recreated": [{"kind": "resourceServer", "id": "orders"}]}, "/recreated/0"),
    ],
)
def test_malformed_result_is_rejected(members: dict[str, Any], pointer: str, result_validator: Any) -> None:
    # Given a rejected result with one malformed member
    result = {**load_event("result-rejected")["detail"], **members}

    # When it is validated
    problems = violations(result_validator, result)

    # Then that member is named among the problems
    assert pointer in {problem_pointer for problem_pointer, _ in problems}


# --------------------------------------------------------------------------- the loader


def test_load_event_reads_fresh_objects_with_or_without_suffix() -> None:
    # Given the events folder of the repository
    # When one sample is loaded twice, with and without ".json", and the first copy mutated
    first = load_event("request-pool")
    first["target"]["userPoolId"] = "changed"
    second = load_event("request-pool.json")

    # Then the second copy is unaffected and the folders are the repository's
    assert second["target"]["userPoolId"] == POOL_ID
    assert (EVENTS_DIR / "README.md").is_file()
    assert SCHEMA_DIR == EVENTS_DIR / "schema"


def test_load_event_refuses_names_outside_the_events_folder() -> None:
    # Given a name that climbs out of events/
    # When it is loaded
    # Then it is refused before reading
    with pytest.raises(ValueError, match="outside"):
        load_event("../pyproject.toml")


# --------------------------------------------------------------------------- configuration kinds

NAMED_KINDS = ("domain", "identityProvider", "resourceServer", "group")
UNNAMED_KINDS = (
    "pool",
    "client",
    "mfa",
    "riskConfiguration",
    "uiCustomization",
    "managedLoginBranding",
    "logDelivery",
)
CLIENT_KINDS = ("client", "riskConfiguration", "uiCustomization", "managedLoginBranding")


def _target_request(target: dict[str, Any]) -> dict[str, Any]:
    return {"version": "1", "requestId": "kinds-1", "target": target, "patch": {"Description": "x"}}


@pytest.mark.parametrize("kind", NAMED_KINDS)
def test_named_kind_needs_its_name(kind: str, request_validator: Any) -> None:
    # Given a target of a named kind (design.md: domain, identityProvider, resourceServer, group)
    target = {"userPoolId": "eu-west-1_AbCdEf123", "kind": kind}

    # When it is validated without and with a name
    without = violations(request_validator, _target_request(target))
    with_name = violations(request_validator, _target_request({**target, "name": "admins"}))

    # Then only the named one passes
    assert without
    assert with_name == set()


@pytest.mark.parametrize("kind", UNNAMED_KINDS)
def test_unnamed_kind_refuses_a_name(kind: str, request_validator: Any) -> None:
    # Given a target of a kind identified by the pool (or client) alone
    target = {"userPoolId": "eu-west-1_AbCdEf123", "kind": kind}
    if kind in ("client", "managedLoginBranding"):
        target["clientId"] = "4r2uq8j1pmbfe0fmdqk9v2l5hn"

    # When it is validated with and without a name
    plain = violations(request_validator, _target_request(target))
    named = violations(request_validator, _target_request({**target, "name": "x"}))

    # Then the name is refused
    assert plain == set()
    assert named


POOL_LEVEL_KINDS = ("pool", "mfa", "domain", "identityProvider", "resourceServer", "group", "logDelivery")


@pytest.mark.parametrize("kind", POOL_LEVEL_KINDS)
def test_pool_level_kind_refuses_a_client(kind: str, request_validator: Any) -> None:
    # Given a pool-level kind with an app client named
    target = {"userPoolId": "eu-west-1_AbCdEf123", "kind": kind, "clientId": "4r2uq8j1pmbfe0fmdqk9v2l5hn"}
    if kind in NAMED_KINDS:
        target["name"] = "admins"

    # When it is validated
    problems = violations(request_validator, _target_request(target))

    # Then it is refused
    assert problems


def test_branding_needs_a_client_and_an_unknown_kind_is_refused(request_validator: Any) -> None:
    # Given a branding target without a client, and a kind the design does not have
    branding = _target_request({"userPoolId": "eu-west-1_AbCdEf123", "kind": "managedLoginBranding"})
    unknown = _target_request({"userPoolId": "eu-west-1_AbCdEf123", "kind": "tags"})

    # When they are validated
    # Then both are refused
    assert violations(request_validator, branding)
    assert violations(request_validator, unknown)


def test_custom_attributes_only_for_a_pool_kind(request_validator: Any) -> None:
    # Given custom attributes sent to an mfa target and to an explicit pool target
    attributes = [{"Name": "tier", "AttributeDataType": "String"}]
    mfa = {"version": "1", "target": {"userPoolId": "eu-west-1_AbCdEf123", "kind": "mfa"}}
    pool = {"version": "1", "target": {"userPoolId": "eu-west-1_AbCdEf123", "kind": "pool"}}

    # When they are validated
    # Then only the pool one passes
    assert violations(request_validator, {**mfa, "addCustomAttributes": attributes})
    assert violations(request_validator, {**pool, "addCustomAttributes": attributes}) == set()


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_schema_and_parser_agree_on_client_kinds(kind: str, request_validator: Any) -> None:
    # Given a client-level target of each kind that takes a client
    document = _target_request(
        {"userPoolId": "eu-west-1_AbCdEf123", "kind": kind, "clientId": "4r2uq8j1pmbfe0fmdqk9v2l5hn"}
    )

    # When the schema and the engine's parser both read it
    problems = violations(request_validator, document)
    target = parse_request(document).target

    # Then both accept it, with the kind kept
    assert problems == set()
    assert target.kind == kind
