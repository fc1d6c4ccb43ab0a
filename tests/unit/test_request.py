"""The change request parser: every rule of design.md's request v1, with field paths."""

from __future__ import annotations

import json
from typing import Any

import pytest

from poolpatch.errors import InvalidRequest
from poolpatch.request import MAX_REQUEST_BYTES, Target, load_json, parse_request


def _request(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": "1",
        "requestId": "req-1",
        "target": {"userPoolId": "eu-west-1_AbCdEf123"},
        "patch": {"DeletionProtection": "ACTIVE"},
    }
    document.update(overrides)
    return {k: v for k, v in document.items() if v is not None}


def _rejected(document: Any, **kwargs: Any) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(document, **kwargs)
    return caught.value


def test_minimal_pool_request_parses() -> None:
    # Given a minimal valid request
    document = _request()
    # When it is parsed
    request = parse_request(document)
    # Then every member is read with its defaults
    assert request.request_id == "req-1"
    assert request.target == Target("eu-west-1_AbCdEf123")
    assert request.target.kind == "pool"
    assert request.patch == {"DeletionProtection": "ACTIVE"}
    assert request.mode == "apply"
    assert request.restore is None


def test_client_request_has_client_kind_and_shares_the_pool_group() -> None:
    # Given a client request in another account
    document = _request(
        target={"userPoolId": "eu-west-1_AbC", "clientId": "abc123", "accountId": "444455556666"}
    )
    # When parsed and resolved
    target = parse_request(document).target.resolved(account_id="111122223333", region="eu-west-1")
    # Then it is a client change whose FIFO group is its pool's
    assert target.kind == "client"
    assert target.group_id == "444455556666/eu-west-1/eu-west-1_AbC"


@pytest.mark.parametrize(
    "target",
    [
        {"kind": "mfa"},
        {"kind": "group", "name": "admins"},
        {"kind": "identityProvider", "name": "Google"},
        {"kind": "riskConfiguration", "clientId": "abc123"},
        {"kind": "managedLoginBranding", "clientId": "abc123"},
    ],
)
def test_every_kind_of_a_pool_shares_the_pool_group(target: dict[str, str]) -> None:
    # Given a request for another configuration kind of a pool (design.md: "All kinds of one pool share
    # the pool's FIFO group")
    document = _request(target={"userPoolId": "eu-west-1_AbC", "accountId": "444455556666", **target})
    # When parsed and resolved
    resolved = parse_request(document).target.resolved(account_id="111122223333", region="eu-west-1")
    # Then the kind and name are kept, echoed in the target document, and the group is the pool's
    assert (resolved.kind, resolved.name) == (target["kind"], target.get("name"))
    assert resolved.to_dict()["kind"] == target["kind"]
    assert resolved.group_id == "444455556666/eu-west-1/eu-west-1_AbC"


def test_transport_id_is_the_default_request_id() -> None:
    # Given a request without requestId
    document = _request(requestId=None)
    # When parsed with an EventBridge event id
    request = parse_request(document, default_request_id="0d7f-event-id")
    # Then the transport id is used
    assert request.request_id == "0d7f-event-id"


def test_missing_request_id_without_default_is_rejected() -> None:
    error = _rejected(_request(requestId=None))
    assert error.path == "/requestId"


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"version": "2"}, "/version"),
        ({"version": 1}, "/version"),
        ({"requestId": "../../etc/passwd"}, "/requestId"),
        ({"requestId": "a" * 129}, "/requestId"),
        ({"requestId": "id\nwith-newline"}, "/requestId"),
        ({"target": None}, "/target"),
        ({"target": "eu-west-1_AbC"}, "/target"),
        ({"target": {"userPoolId": "eu-west-1_AbC", "pool": "x"}}, "/target/pool"),
        ({"target": {"userPoolId": "../eu-west-1_AbC"}}, "/target/userPoolId"),
        ({"target": {"userPoolId": "eu-west-1_Ab/../x"}}, "/target/userPoolId"),
        ({"target": {"userPoolId": "eu-west-1_" + "a" * 50}}, "/target/userPoolId"),
        ({"target": {"userPoolId": "eu-west-1_\u0410bc"}}, "/target/userPoolId"),  # Cyrillic A
        ({"target": {"userPoolId": "eu-west-1_AbC", "clientId": "a/b"}}, "/target/clientId"),
        ({"target": {"userPoolId": "eu-west-1_AbC", "accountId": "12345"}}, "/target/accountId"),
        ({"target": {"userPoolId": "eu-west-1_AbC", "region": "EU-WEST-1"}}, "/target/region"),
        ({"patch": []}, "/patch"),
        ({"patch": "MfaConfiguration=ON"}, "/patch"),
        ({"mode": "dry-run"}, "/mode"),
        ({"expectedLastModifiedDate": "yesterday"}, "/expectedLastModifiedDate"),
        ({"reason": 42}, "/reason"),
        ({"requestedBy": "x" * 1025}, "/requestedBy"),
        ({"surprise": True}, "/surprise"),
        ({"restore": {"snapshot": "s3://b/k"}}, "/restore"),
        ({"patch": None, "restore": {"snapshot": ""}}, "/restore/snapshot"),
        ({"patch": None, "restore": {"snapshot": "s3://b/k", "extra": 1}}, "/restore"),
        ({"patch": None}, "/patch"),
        ({"addCustomAttributes": []}, "/addCustomAttributes"),
        ({"addCustomAttributes": ["tier"]}, "/addCustomAttributes/0"),
    ],
)
def test_malformed_requests_are_rejected_with_their_path(overrides: dict[str, Any], path: str) -> None:
    # Given a request broken in one member / When parsed
    error = _rejected(_request(**overrides))
    # Then the error names that member and a remedy or reason
    assert error.code == "InvalidRequest"
    assert error.path == path
    assert error.message


def test_restore_alone_parses() -> None:
    request = parse_request(_request(patch=None, restore={"snapshot": "s3://b/snapshots/x/before.json"}))
    assert request.restore == "s3://b/snapshots/x/before.json"
    assert request.patch is None


def test_patch_and_custom_attributes_together_parse() -> None:
    attrs = [{"Name": "tier", "AttributeDataType": "String", "Mutable": True}]
    request = parse_request(_request(addCustomAttributes=attrs))
    assert request.add_custom_attributes == (attrs[0],)


def test_custom_attributes_are_refused_for_a_client_target() -> None:
    attrs = [{"Name": "tier", "AttributeDataType": "String"}]
    target = {"userPoolId": "eu-west-1_AbC", "clientId": "abc"}
    error = _rejected(_request(target=target, patch=None, addCustomAttributes=attrs))
    assert error.path == "/addCustomAttributes"


def test_duplicate_custom_attribute_names_are_refused() -> None:
    attrs = [{"Name": "tier"}, {"Name": "custom:tier"}]
    error = _rejected(_request(addCustomAttributes=attrs))
    assert error.path == "/addCustomAttributes/1/Name"


def test_expected_last_modified_date_parses_zulu_and_naive_as_utc() -> None:
    zulu = parse_request(_request(expectedLastModifiedDate="2026-11-26T07:00:00.123Z"))
    naive = parse_request(_request(expectedLastModifiedDate="2026-11-26T07:00:00.123"))
    assert zulu.expected_last_modified == naive.expected_last_modified
    assert zulu.expected_last_modified is not None
    assert zulu.expected_last_modified.utcoffset() is not None


def test_deeply_nested_patch_is_refused() -> None:
    patch: dict[str, Any] = {}
    node = patch
    for _ in range(20):
        node["x"] = {}
        node = node["x"]
    error = _rejected(_request(patch=patch))
    assert error.path == "/patch"


def test_oversized_json_is_refused_before_parsing() -> None:
    text = json.dumps(_request(reason="x" * (MAX_REQUEST_BYTES + 1)))
    with pytest.raises(InvalidRequest, match="limit"):
        load_json(text)


@pytest.mark.parametrize("text", ["{", "[1,", '{"version": "1", "version": "1"}', '{"x": NaN}', "", "\x00"])
def test_malformed_json_is_invalid_request(text: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        load_json(text)
    assert caught.value.path == ""


def test_to_dict_round_trips() -> None:
    document = _request(
        mode="plan",
        reason="ticket-42",
        requestedBy="ci",
        expectedLastModifiedDate="2026-11-26T07:00:00+00:00",
    )
    request = parse_request(document)
    assert parse_request(request.to_dict()) == request


def test_a_very_deep_request_is_refused_without_recursing_through_it() -> None:
    # Given a patch nested far beyond Python's recursion limit, parsed from JSON text as a transport would
    depth = 5000
    text = '{"version": "1", "target": {"userPoolId": "eu-west-1_AbC"}, "patch": ' + '{"x": ' * depth
    text += "1" + "}" * depth + "}"
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth * 3)
    try:
        document = json.loads(text)
    finally:
        sys.setrecursionlimit(limit)
    # When parsed / Then it is InvalidRequest at /patch, not a RecursionError
    error = _rejected(document, default_request_id="r-1")
    assert error.path == "/patch"


def test_a_lone_surrogate_in_an_unknown_member_name_is_refused_without_echoing_it() -> None:
    # Given an unknown top-level member whose name is a lone surrogate
    document = {**_request(), "\ud800": 1}
    # When parsed
    error = _rejected(document)
    # Then the error is about the encoding, and neither its message nor its path holds the surrogate
    assert "UTF-8" in error.message
    error.describe().encode("utf-8")
    (error.path or "").encode("utf-8")


def test_plan_and_apply_with_one_id_are_two_queue_messages() -> None:
    from poolpatch.adapters.events import deduplication_id

    plan = parse_request(_request(mode="plan"))
    apply = parse_request(_request(mode="apply"))
    target = plan.target.resolved(account_id="111122223333", region="eu-west-1")
    # The idempotency content is the same (a plan is not recorded), the queue's deduplication id is not
    assert plan.content_hash(target) == apply.content_hash(target)
    assert deduplication_id(plan, target) != deduplication_id(apply, target)
