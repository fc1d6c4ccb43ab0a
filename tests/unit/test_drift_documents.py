"""Desired-state documents (design.md, "Drift"): strict validation with codes and JSON Pointers, selection,
default names, duplicate names, precedence tiers and the sweep manifest's round trip."""

from __future__ import annotations

import json
from typing import Any

import pytest

from poolpatch.drift.documents import (
    BY_IDS,
    BY_SCOPE,
    BY_TAGS,
    MAX_DOCUMENT_BYTES,
    Document,
    DocumentSet,
    Invalid,
    Selector,
    load_documents,
    parse_document,
)
from poolpatch.errors import InvalidRequest, PoolpatchError, TargetNotAllowed, UnknownField
from poolpatch.kinds import KINDS

OWN_ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
OUTSIDE_ACCOUNT = "999988887777"
ALLOWED = frozenset({OWN_ACCOUNT, OTHER_ACCOUNT})
OWN_REGION = "eu-west-1"
POOL_ID = "eu-west-1_AbCdEf123"
OTHER_POOL_ID = "eu-west-1_Zyx987"
CLIENT_ID = "1example23456789client"
PATCH = {"Policies": {"PasswordPolicy": {"MinimumLength": 14}}}


def _v2(**members: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"version": "2", "patch": PATCH}
    document.update(members)
    return {k: v for k, v in document.items() if v is not None}


def _v1(**members: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"target": {"userPoolId": POOL_ID}, "patch": PATCH}
    document.update(members)
    return {k: v for k, v in document.items() if v is not None}


def _parse(body: Any, *, allowed: frozenset[str] | None = ALLOWED, name: str = "doc") -> Document:
    text = body if isinstance(body, str | bytes) else json.dumps(body)
    return parse_document(
        text, key=f"desired/{name}.json", default_name=name, own_account=OWN_ACCOUNT, allowed=allowed
    )


def _rejected(body: Any, *, allowed: frozenset[str] | None = ALLOWED) -> PoolpatchError:
    with pytest.raises(PoolpatchError) as caught:
        _parse(body, allowed=allowed)
    return caught.value


def _nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": "x"}
    for _ in range(levels):
        value = {"a": value}
    return value


# --------------------------------------------------------------------------------------------------
# Invalid documents: every one is refused with its code and the JSON Pointer of the offending member.
# --------------------------------------------------------------------------------------------------

INVALID: list[tuple[str, Any, str, str]] = [
    # (case id, document, expected code, expected path)
    ("v1-correct-string-false", _v1(correct="false"), "InvalidRequest", "/correct"),
    ("v1-correct-one", _v1(correct=1), "InvalidRequest", "/correct"),
    ("v1-correct-null", _v1(correct=None) | {"correct": None}, "InvalidRequest", "/correct"),
    ("v2-mode-string-false", _v2(mode="false"), "InvalidRequest", "/mode"),
    ("v2-mode-capitalised", _v2(mode="Correct"), "InvalidRequest", "/mode"),
    ("v2-mode-true", _v2(mode=True), "InvalidRequest", "/mode"),
    ("v2-unknown-top-level", _v2(selectors={}), "InvalidRequest", "/selectors"),
    ("v2-correct-member", _v2(correct=True), "InvalidRequest", "/correct"),
    ("v2-target-member", _v2(target={"userPoolId": POOL_ID}), "InvalidRequest", "/target"),
    ("v1-mode-member", _v1(mode="correct"), "InvalidRequest", "/mode"),
    (
        "v1-unknown-target-member",
        _v1(target={"userPoolId": POOL_ID, "pool": "x"}),
        "InvalidRequest",
        "/target/pool",
    ),
    ("v2-unknown-selector-member", _v2(selector={"tags": {"a": "b"}}), "InvalidRequest", "/selector/tags"),
    ("v2-selector-not-object", _v2(selector=["x"]), "InvalidRequest", "/selector"),
    (
        "pool-doc-client-ids",
        _v2(selector={"clientIds": [CLIENT_ID]}),
        "InvalidRequest",
        "/selector/clientIds",
    ),
    (
        "pool-doc-client-names",
        _v2(selector={"clientNames": ["web"]}),
        "InvalidRequest",
        "/selector/clientNames",
    ),
    ("bad-account-id", _v2(selector={"accountIds": ["12345"]}), "InvalidRequest", "/selector/accountIds/0"),
    (
        "star-with-account",
        _v2(selector={"accountIds": ["*", OWN_ACCOUNT]}),
        "InvalidRequest",
        "/selector/accountIds/0",
    ),
    (
        "account-outside-allow-list",
        _v2(selector={"accountIds": [OWN_ACCOUNT, OUTSIDE_ACCOUNT]}),
        "TargetNotAllowed",
        "/selector/accountIds",
    ),
    (
        "v1-account-outside-allow-list",
        _v1(target={"userPoolId": POOL_ID, "accountId": OUTSIDE_ACCOUNT}),
        "TargetNotAllowed",
        "/target/accountId",
    ),
    (
        "bad-region",
        _v2(selector={"regions": ["eu-west-1", "EU-WEST-2"]}),
        "InvalidRequest",
        "/selector/regions/1",
    ),
    (
        "v1-bad-region",
        _v1(target={"userPoolId": POOL_ID, "region": "west"}),
        "InvalidRequest",
        "/target/region",
    ),
    (
        "bad-pool-id",
        _v2(selector={"userPoolIds": ["AbCdEf123"]}),
        "InvalidRequest",
        "/selector/userPoolIds/0",
    ),
    ("v1-bad-pool-id", _v1(target={"userPoolId": "pool-1"}), "InvalidRequest", "/target/userPoolId"),
    (
        "v1-bad-client-id",
        _v1(target={"userPoolId": POOL_ID, "clientId": "a-b"}),
        "InvalidRequest",
        "/target/clientId",
    ),
    ("empty-user-pool-ids", _v2(selector={"userPoolIds": []}), "InvalidRequest", "/selector/userPoolIds"),
    ("empty-account-ids", _v2(selector={"accountIds": []}), "InvalidRequest", "/selector/accountIds"),
    ("empty-regions", _v2(selector={"regions": []}), "InvalidRequest", "/selector/regions"),
    (
        "region-shaped-but-no-such-region",
        _v2(selector={"regions": ["eu-west-1", "xx-nowhere-9"]}),
        "InvalidRequest",
        "/selector/regions/1",
    ),
    (
        "empty-client-ids",
        _v2(kind="client", selector={"clientIds": []}, patch={"CallbackURLs": ["https://a.example.com"]}),
        "InvalidRequest",
        "/selector/clientIds",
    ),
    ("empty-pool-tags", _v2(selector={"poolTags": {}}), "InvalidRequest", "/selector/poolTags"),
    (
        "pool-tags-number",
        _v2(selector={"poolTags": {"tier": 1}}),
        "InvalidRequest",
        "/selector/poolTags/tier",
    ),
    (
        "pool-tags-bool",
        _v2(selector={"poolTags": {"a/b": True}}),
        "InvalidRequest",
        "/selector/poolTags/a~1b",
    ),
    ("pool-tags-empty-key", _v2(selector={"poolTags": {"": "x"}}), "InvalidRequest", "/selector/poolTags/"),
    ("unknown-kind", _v2(kind="identity-pool"), "InvalidRequest", "/kind"),
    ("kind-wrong-case", _v2(kind="Group", patch={"Precedence": 1}), "InvalidRequest", "/kind"),
    (
        "names-on-kind-pool",
        _v2(selector={"names": ["admins"]}),
        "InvalidRequest",
        "/selector/names",
    ),
    (
        "names-on-kind-client",
        _v2(kind="client", selector={"names": ["web"]}, patch={"RefreshTokenValidity": 7}),
        "InvalidRequest",
        "/selector/names",
    ),
    (
        "names-on-kind-mfa",
        _v2(kind="mfa", selector={"names": ["x"]}, patch={"MfaConfiguration": "OPTIONAL"}),
        "InvalidRequest",
        "/selector/names",
    ),
    (
        "names-on-client-level-kind",
        _v2(kind="riskConfiguration", selector={"names": ["x"]}, patch={"RiskExceptionConfiguration": {}}),
        "InvalidRequest",
        "/selector/names",
    ),
    (
        "names-empty",
        _v2(kind="group", selector={"names": []}, patch={"Precedence": 1}),
        "InvalidRequest",
        "/selector/names",
    ),
    (
        "names-not-list",
        _v2(kind="group", selector={"names": "admins"}, patch={"Precedence": 1}),
        "InvalidRequest",
        "/selector/names",
    ),
    (
        "names-number",
        _v2(kind="group", selector={"names": ["admins", 7]}, patch={"Precedence": 1}),
        "InvalidRequest",
        "/selector/names/1",
    ),
    (
        "names-group-too-long",
        _v2(kind="group", selector={"names": ["g" * 129]}, patch={"Precedence": 1}),
        "InvalidRequest",
        "/selector/names/0",
    ),
    (
        "names-idp-too-long",
        _v2(kind="identityProvider", selector={"names": ["p" * 33]}, patch={"IdpIdentifiers": []}),
        "InvalidRequest",
        "/selector/names/0",
    ),
    (
        "names-domain-upper-case",
        _v2(kind="domain", selector={"names": ["Auth.Example.com"]}, patch={"ManagedLoginVersion": 2}),
        "InvalidRequest",
        "/selector/names/0",
    ),
    (
        "names-null-entry",
        _v2(kind="resourceServer", selector={"names": [None]}, patch={"Name": "API"}),
        "InvalidRequest",
        "/selector/names/0",
    ),
    (
        "client-ids-on-kind-mfa",
        _v2(kind="mfa", selector={"clientIds": [CLIENT_ID]}, patch={"MfaConfiguration": "OPTIONAL"}),
        "InvalidRequest",
        "/selector/clientIds",
    ),
    (
        "client-names-on-kind-group",
        _v2(kind="group", selector={"clientNames": ["web"]}, patch={"Precedence": 1}),
        "InvalidRequest",
        "/selector/clientNames",
    ),
    (
        "client-ids-on-kind-log-delivery",
        _v2(kind="logDelivery", selector={"clientIds": [CLIENT_ID]}, patch={"LogConfigurations": []}),
        "InvalidRequest",
        "/selector/clientIds",
    ),
    (
        "pool-patch-on-kind-group",
        _v2(kind="group", patch=PATCH),
        "UnknownField",
        "/patch/Policies",
    ),
    (
        "group-patch-id-member",
        _v2(kind="group", patch={"GroupName": "admins"}),
        "ReadOnlyField",
        "/patch/GroupName",
    ),
    (
        "idp-patch-wrong-type",
        _v2(kind="identityProvider", patch={"AttributeMapping": {"email": 1}}),
        "InvalidValue",
        "/patch/AttributeMapping/email",
    ),
    (
        "idp-patch-holds-a-secret",
        _v2(kind="identityProvider", patch={"ProviderDetails": {"client_secret": "PLANTED-IN-A-DOCUMENT"}}),
        "InvalidRequest",
        "/patch/ProviderDetails/client_secret",
    ),
    (
        "idp-patch-removes-a-secret",
        _v2(kind="identityProvider", patch={"ProviderDetails": {"private_key": None}}),
        "InvalidRequest",
        "/patch/ProviderDetails/private_key",
    ),
    (
        "mfa-patch-bad-enum",
        _v2(kind="mfa", patch={"MfaConfiguration": "SOMETIMES"}),
        "InvalidValue",
        "/patch/MfaConfiguration",
    ),
    ("kind-not-string", _v2(kind=["pool"]), "InvalidRequest", "/kind"),
    ("patch-list", _v2(patch=[PATCH]), "InvalidRequest", "/patch"),
    ("patch-string", _v2(patch="MinimumLength=14"), "InvalidRequest", "/patch"),
    ("patch-empty", _v2(patch={}), "InvalidRequest", "/patch"),
    ("patch-missing", {"version": "2"}, "InvalidRequest", "/patch"),
    (
        "patch-unknown-member",
        _v2(patch={"DeletionProtektion": "ACTIVE"}),
        "UnknownField",
        "/patch/DeletionProtektion",
    ),
    (
        "patch-unknown-nested-member",
        _v2(patch={"Policies": {"PasswordPolicy": {"MinLength": 14}}}),
        "UnknownField",
        "/patch/Policies/PasswordPolicy/MinLength",
    ),
    (
        "patch-read-only-member",
        _v2(patch={"CreationDate": "2024-01-01T00:00:00Z"}),
        "ReadOnlyField",
        "/patch/CreationDate",
    ),
    ("patch-read-only-arn", _v2(patch={"Arn": "arn:aws:cognito-idp:x"}), "ReadOnlyField", "/patch/Arn"),
    (
        "patch-wrong-type",
        _v2(patch={"UserPoolTags": {"team": 1}}),
        "InvalidValue",
        "/patch/UserPoolTags/team",
    ),
    (
        "client-patch-secret",
        _v2(kind="client", patch={"ClientSecret": "s"}),
        "ImmutableSetting",
        "/patch/ClientSecret",
    ),
    ("v1-without-target", {"version": "1", "patch": PATCH}, "InvalidRequest", "/target"),
    ("v1-target-not-object", _v1(target=POOL_ID), "InvalidRequest", "/target"),
    ("v1-target-without-pool", _v1(target={"region": "eu-west-1"}), "InvalidRequest", "/target/userPoolId"),
    ("version-3", _v2(version="3"), "InvalidRequest", "/version"),
    ("version-number", _v2(version=2), "InvalidRequest", "/version"),
    ("no-version-no-target", {"patch": PATCH}, "InvalidRequest", "/version"),
    ("correct-owned-string", _v2(correctOwned="true"), "InvalidRequest", "/correctOwned"),
    ("correct-owned-number", _v1(correctOwned=1), "InvalidRequest", "/correctOwned"),
    ("name-number", _v2(name=42), "InvalidRequest", "/name"),
    ("name-empty", _v2(name=""), "InvalidRequest", "/name"),
    ("name-control-character", _v2(name="a\nb"), "InvalidRequest", "/name"),
    ("name-too-long", _v2(name="n" * 257), "InvalidRequest", "/name"),
    ("description-number", _v2(description=5), "InvalidRequest", "/description"),
    ("description-too-long", _v2(description="d" * 1025), "InvalidRequest", "/description"),
    ("patch-depth-bomb", _v2(patch={"UserPoolTags": _nested(20)}), "InvalidRequest", "/patch"),
    ("non-object-list", [_v2()], "InvalidRequest", ""),
    ("non-object-string", "v2", "InvalidRequest", ""),
    ("non-object-null", None, "InvalidRequest", ""),
]


@pytest.mark.parametrize(
    ("document", "code", "path"),
    [pytest.param(document, code, path, id=case) for case, document, code, path in INVALID],
)
def test_invalid_document_is_refused_with_code_and_pointer(document: Any, code: str, path: str) -> None:
    # Given a document breaking one rule of design.md's "Drift" (every other member valid)
    # When it is parsed against the allow-list {own, other}
    error = _rejected(document)
    # Then it is refused with the rule's code and the JSON Pointer of the offending member
    assert (error.code, error.path) == (code, path), error.describe()


def test_invalid_corpus_is_large_and_its_ids_unique() -> None:
    assert len(INVALID) >= 25
    assert len({case for case, *_ in INVALID}) == len(INVALID)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param(
            '{"version": "2", "patch": {"DeletionProtection": "ACTIVE"}', "not valid JSON", id="truncated"
        ),
        pytest.param("{'version': '2'}", "not valid JSON", id="single-quotes"),
        pytest.param('{"version": "2", "patch": {"DeletionProtection": NaN}}', "not valid JSON", id="nan"),
        pytest.param("", "not valid JSON", id="empty"),
        pytest.param(
            '{"version": "2", "version": "2", "patch": {"DeletionProtection": "ACTIVE"}}',
            "duplicate member 'version'",
            id="duplicate-top-level-key",
        ),
        pytest.param(
            '{"version": "2", "patch": {"DeletionProtection": "ACTIVE", "DeletionProtection": "INACTIVE"}}',
            "duplicate member 'DeletionProtection'",
            id="duplicate-patch-key",
        ),
        pytest.param("[" * 100_000 + "]" * 100_000, "not valid JSON", id="depth-bomb"),
        pytest.param(b"\xff\xfe{}", "not valid JSON", id="not-utf8"),
    ],
)
def test_unreadable_text_is_refused_at_the_document_root(text: str | bytes, fragment: str) -> None:
    # Given document text that is not one JSON value without duplicate keys
    # When it is parsed
    error = _rejected(text)
    # Then it is an InvalidRequest at the root (path "") saying why
    assert (error.code, error.path) == ("InvalidRequest", "")
    assert fragment in error.message


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(json.dumps(_v2(description="x")) + " " * MAX_DOCUMENT_BYTES, id="str"),
        pytest.param((json.dumps(_v2()) + " " * MAX_DOCUMENT_BYTES).encode(), id="bytes"),
        pytest.param(
            json.dumps(_v2(description="é" * 1000), ensure_ascii=False) + " " * (MAX_DOCUMENT_BYTES - 1500),
            id="multibyte",
        ),
    ],
)
def test_oversize_document_is_refused_before_parsing(body: str | bytes) -> None:
    # Given a document over 256 KiB of UTF-8 (valid JSON but for its size)
    assert len(body.encode() if isinstance(body, str) else body) > MAX_DOCUMENT_BYTES
    # When parsed
    error = _rejected(body)
    # Then refused at the root, naming the limit
    assert (error.code, error.path) == ("InvalidRequest", "")
    assert str(MAX_DOCUMENT_BYTES) in error.message


def test_account_outside_allow_list_names_the_account() -> None:
    error = _rejected(_v2(selector={"accountIds": [OUTSIDE_ACCOUNT]}))
    assert isinstance(error, TargetNotAllowed)
    assert OUTSIDE_ACCOUNT in error.message


def test_without_allow_list_any_account_is_accepted() -> None:
    # Given the CLI (no allow-list) and a document naming another account
    document = _parse(_v2(selector={"accountIds": [OUTSIDE_ACCOUNT]}), allowed=None)
    # Then it covers exactly that account
    assert document.selector.accounts(OWN_ACCOUNT, frozenset()) == {OUTSIDE_ACCOUNT}


def test_unknown_patch_member_error_is_unknown_field() -> None:
    error = _rejected(_v2(patch={"Nope": 1}))
    assert isinstance(error, UnknownField)


# --------------------------------------------------------------------------------------------------
# Valid documents
# --------------------------------------------------------------------------------------------------


def test_v1_pool_document_selects_exactly_its_pool() -> None:
    # Given a version 1 document without version, for one pool in another account and Region
    body = _v1(
        target={"userPoolId": POOL_ID, "accountId": OTHER_ACCOUNT, "region": "us-east-1"},
        correct=True,
    )
    # When parsed
    document = _parse(body)
    # Then it is a pool document in correct mode selecting that pool only, with id precedence
    assert (document.version, document.kind, document.mode, document.correct_owned) == (
        "1",
        "pool",
        "correct",
        False,
    )
    assert document.selector == Selector(
        account_ids=(OTHER_ACCOUNT,), regions=("us-east-1",), user_pool_ids=(POOL_ID,)
    )
    assert document.selector.accounts(OWN_ACCOUNT, ALLOWED) == {OTHER_ACCOUNT}
    assert document.selector.region_set(OWN_REGION) == {"us-east-1"}
    assert document.selector.selects_pool(POOL_ID, {})
    assert not document.selector.selects_pool(OTHER_POOL_ID, {})
    assert not document.selector.may_select_pool(OTHER_POOL_ID)
    assert document.precedence == BY_IDS
    assert document.patch == PATCH
    assert document.name == "doc"


def test_v1_client_document_selects_exactly_its_client_in_own_scope() -> None:
    # Given an explicit version 1 client document without account or Region, correct false
    body = _v1(
        version="1",
        target={"userPoolId": POOL_ID, "clientId": CLIENT_ID},
        patch={"CallbackURLs": ["https://app.example.com/cb"]},
        correct=False,
        correctOwned=True,
        name="web-client",
    )
    # When parsed
    document = _parse(body)
    # Then it is a client document in report mode for that client only, in the own account and Region
    assert (document.kind, document.mode, document.correct_owned, document.name) == (
        "client",
        "report",
        True,
        "web-client",
    )
    assert document.selector == Selector(user_pool_ids=(POOL_ID,), client_ids=(CLIENT_ID,))
    assert document.selector.accounts(OWN_ACCOUNT, ALLOWED) == {OWN_ACCOUNT}
    assert document.selector.region_set(OWN_REGION) == {OWN_REGION}
    assert document.selector.selects_pool(POOL_ID, {"any": "tag"})
    assert document.selector.selects_client(CLIENT_ID, "whatever-name")
    assert not document.selector.selects_client("2other", "whatever-name")
    assert document.precedence == BY_IDS


def test_v2_defaults_are_pool_report_own_account_and_region() -> None:
    # Given a version 2 document with only a patch
    document = _parse(_v2())
    # Then kind pool, mode report, the own account and Region, every pool, scope precedence
    assert (document.version, document.kind, document.mode, document.correct_owned) == (
        "2",
        "pool",
        "report",
        False,
    )
    assert document.selector == Selector()
    assert document.selector.accounts(OWN_ACCOUNT, ALLOWED) == {OWN_ACCOUNT}
    assert document.selector.region_set(OWN_REGION) == {OWN_REGION}
    assert document.selector.selects_pool(OTHER_POOL_ID, {})
    assert document.precedence == BY_SCOPE
    assert document.key == "desired/doc.json"


def test_v2_selector_members_are_read_and_all_must_match() -> None:
    # Given a client document with every client-side member and duplicate ids
    body = _v2(
        kind="client",
        mode="correct",
        selector={
            "accountIds": [OTHER_ACCOUNT],
            "regions": ["eu-west-1", "eu-central-1", "eu-west-1"],
            "userPoolIds": [POOL_ID],
            "poolTags": {"environment": "prod", "team": "identity"},
            "clientIds": [CLIENT_ID],
            "clientNames": ["web app"],
        },
        patch={"CallbackURLs": ["https://app.example.com/cb"]},
    )
    # When parsed
    document = _parse(body)
    selector = document.selector
    # Then ids are kept in order without duplicates and every member must match
    assert selector.regions == ("eu-west-1", "eu-central-1")
    assert selector.region_set(OWN_REGION) == {"eu-west-1", "eu-central-1"}
    assert selector.selects_pool(POOL_ID, {"environment": "prod", "team": "identity", "x": "y"})
    assert not selector.selects_pool(POOL_ID, {"environment": "prod"})
    assert not selector.selects_pool(POOL_ID, {"environment": "staging", "team": "identity"})
    assert selector.selects_client(CLIENT_ID, "web app")
    assert not selector.selects_client(CLIENT_ID, "mobile")
    assert not selector.selects_client("2other", "web app")
    assert document.mode == "correct"
    assert document.summary() == {
        "name": "doc",
        "key": "desired/doc.json",
        "valid": True,
        "version": "2",
        "kind": "client",
        "mode": "correct",
        "selector": {
            "accountIds": [OTHER_ACCOUNT],
            "regions": ["eu-west-1", "eu-central-1"],
            "userPoolIds": [POOL_ID],
            "poolTags": {"environment": "prod", "team": "identity"},
            "clientIds": [CLIENT_ID],
            "clientNames": ["web app"],
        },
        "precedence": BY_IDS,
    }


#: One valid document per kind (a patch member of the kind's update document), and its selector.
KIND_DOCUMENTS: list[tuple[str, dict[str, Any], bool]] = [
    ("pool", _v2(), False),
    ("client", _v2(kind="client", patch={"RefreshTokenValidity": 7}), True),
    ("mfa", _v2(kind="mfa", patch={"MfaConfiguration": "ON"}), False),
    (
        "domain",
        _v2(kind="domain", selector={"names": ["auth.example.com"]}, patch={"ManagedLoginVersion": 2}),
        False,
    ),
    (
        "identityProvider",
        _v2(
            kind="identityProvider",
            selector={"names": ["Google"]},
            patch={"AttributeMapping": {"email": "email"}},
        ),
        False,
    ),
    (
        "resourceServer",
        _v2(kind="resourceServer", selector={"names": ["https://api.example.com"]}, patch={"Name": "API"}),
        False,
    ),
    ("group", _v2(kind="group", selector={"names": ["admins", "viewers"]}, patch={"Precedence": 1}), False),
    ("riskConfiguration", _v2(kind="riskConfiguration", patch={"RiskExceptionConfiguration": {}}), False),
    (
        "riskConfiguration",
        _v2(
            kind="riskConfiguration",
            selector={"clientIds": [CLIENT_ID]},
            patch={"CompromisedCredentialsRiskConfiguration": {"Actions": {"EventAction": "BLOCK"}}},
        ),
        True,
    ),
    ("uiCustomization", _v2(kind="uiCustomization", patch={"CSS": ".label-customizable {}"}), False),
    (
        "uiCustomization",
        _v2(kind="uiCustomization", selector={"clientNames": ["web"]}, patch={"CSS": ".a {}"}),
        True,
    ),
    (
        "managedLoginBranding",
        _v2(kind="managedLoginBranding", patch={"UseCognitoProvidedValues": True}),
        True,
    ),
    ("logDelivery", _v2(kind="logDelivery", patch={"LogConfigurations": []}), False),
]


@pytest.mark.parametrize(
    ("kind", "body", "client_level"),
    [
        pytest.param(kind, body, level, id=f"{kind}-{index}")
        for index, (kind, body, level) in enumerate(KIND_DOCUMENTS)
    ],
)
def test_every_kind_is_a_valid_document_kind(kind: str, body: dict[str, Any], client_level: bool) -> None:
    # Given a document of the kind, with a patch member of its update document
    # When parsed
    document = _parse(body)
    # Then it keeps its kind, patch and names; app client settings are client-level targets
    assert document.kind == kind
    assert document.patch == body["patch"]
    assert document.client_level is client_level
    names = body.get("selector", {}).get("names")
    assert document.selector.names == (tuple(names) if names else None)
    assert document.summary()["selector"] == body.get("selector", {})


def test_every_kind_has_a_document() -> None:
    assert {kind for kind, _body, _level in KIND_DOCUMENTS} == set(KINDS)


def test_names_select_resources_of_the_kind_and_decide_by_ids() -> None:
    # Given a group document naming two groups, and one naming none
    named = _parse(
        _v2(kind="group", selector={"names": ["admins", "viewers", "admins"]}, patch={"Precedence": 1})
    )
    every = _parse(_v2(kind="group", selector={"poolTags": {"env": "prod"}}, patch={"Precedence": 2}))
    # Then the named one selects exactly its names (kept once, in order), with the precedence of ids
    assert named.selector.names == ("admins", "viewers")
    assert named.selector.selects_name("viewers")
    assert not named.selector.selects_name("Admins")
    assert named.precedence == BY_IDS
    # And the other selects every group of the pools it selects, with the precedence of tags
    assert every.selector.names is None
    assert every.selector.selects_name("anything")
    assert every.precedence == BY_TAGS


def test_a_redacted_secret_keeps_the_live_value_and_is_accepted() -> None:
    # Given an identity provider document that keeps the live secret ("<redacted>", as exports show it)
    body = _v2(kind="identityProvider", patch={"ProviderDetails": {"client_secret": "<redacted>"}})
    # When it is parsed / Then it is valid and holds only the placeholder
    assert _parse(body).patch == {"ProviderDetails": {"client_secret": "<redacted>"}}


def test_names_refusal_names_the_named_kinds() -> None:
    # Given `names` on a kind without names
    error = _rejected(_v2(kind="mfa", selector={"names": ["x"]}, patch={"MfaConfiguration": "ON"}))
    # Then the remedy lists the kinds that take names
    assert error.path == "/selector/names"
    assert "domain, identityProvider, resourceServer, group" in error.describe()


def test_star_account_covers_the_allow_list() -> None:
    document = _parse(_v2(selector={"accountIds": ["*"]}))
    assert document.selector.accounts(OWN_ACCOUNT, ALLOWED) == ALLOWED


@pytest.mark.parametrize(
    ("selector", "kind", "precedence"),
    [
        pytest.param({"userPoolIds": [POOL_ID]}, "pool", BY_IDS, id="pool-ids"),
        pytest.param({"userPoolIds": [POOL_ID], "poolTags": {"a": "b"}}, "pool", BY_IDS, id="ids-and-tags"),
        pytest.param({"clientIds": [CLIENT_ID]}, "client", BY_IDS, id="client-ids"),
        pytest.param(
            {"clientIds": [CLIENT_ID], "clientNames": ["web"]}, "client", BY_IDS, id="client-ids-names"
        ),
        pytest.param({"poolTags": {"a": "b"}}, "pool", BY_TAGS, id="tags"),
        pytest.param({"clientNames": ["web"]}, "client", BY_TAGS, id="client-names"),
        pytest.param({"poolTags": {"a": "b"}, "accountIds": ["*"]}, "pool", BY_TAGS, id="tags-all-accounts"),
        pytest.param({}, "pool", BY_SCOPE, id="empty"),
        pytest.param({"accountIds": [OTHER_ACCOUNT], "regions": ["us-east-1"]}, "pool", BY_SCOPE, id="scope"),
        pytest.param({"accountIds": ["*"]}, "client", BY_SCOPE, id="all-accounts-clients"),
    ],
)
def test_precedence_tiers(selector: dict[str, Any], kind: str, precedence: int) -> None:
    patch = PATCH if kind == "pool" else {"CallbackURLs": ["https://a.example.com"]}
    document = _parse(_v2(selector=selector, kind=kind, patch=patch))
    assert document.precedence == precedence
    assert (BY_IDS, BY_TAGS, BY_SCOPE) == (3, 2, 1)


# --------------------------------------------------------------------------------------------------
# load_documents: keys, default names, duplicates
# --------------------------------------------------------------------------------------------------


def _body(**members: Any) -> bytes:
    return json.dumps(_v2(**members)).encode()


def _load(items: list[tuple[str, bytes | str]]) -> DocumentSet:
    return load_documents(items, prefix="desired/", own_account=OWN_ACCOUNT, allowed=ALLOWED)


def test_load_documents_names_skips_and_reports_keys() -> None:
    # Given a prefix holding documents at several depths, a README, a .JSON and a .json.bak
    items: list[tuple[str, bytes | str]] = [
        ("desired/team-a/pool.json", _body()),
        ("desired/base.json", _body(mode="correct").decode()),
        ("desired/deep/er/x.json", _body(name="explicit-name")),
        ("desired/README.md", b"# not a document {"),
        ("desired/notes.json.bak", b"{"),
        ("desired/LOUD.JSON", _body()),
        ("desired/Mixed.Json", _body()),
    ]
    # When loaded
    documents = _load(items)
    # Then default names are keys without prefix and .json (nested paths kept), explicit names win,
    # non-.json keys are skipped and upper-case extensions are reported
    assert sorted((d.key, d.name) for d in documents.valid) == [
        ("desired/base.json", "base"),
        ("desired/deep/er/x.json", "explicit-name"),
        ("desired/team-a/pool.json", "team-a/pool"),
    ]
    invalid = {i.key: i.error for i in documents.invalid}
    assert sorted(invalid) == ["desired/LOUD.JSON", "desired/Mixed.Json"]
    assert {(e.code, e.path) for e in invalid.values()} == {("InvalidRequest", "")}
    assert [s["key"] for s in documents.summaries()] == [
        "desired/LOUD.JSON",
        "desired/Mixed.Json",
        "desired/base.json",
        "desired/deep/er/x.json",
        "desired/team-a/pool.json",
    ]
    assert [s["valid"] for s in documents.summaries()] == [False, False, True, True, True]


def test_invalid_document_keeps_its_readable_name_in_the_report() -> None:
    # Given an invalid document with a name, and unreadable text
    documents = _load(
        [
            ("desired/a.json", _body(name="baseline", mode="always")),
            ("desired/b.json", b"{not json"),
        ]
    )
    # Then both are reported with their error; the readable one keeps its name
    summaries = documents.summaries()
    assert summaries[0]["name"] == "baseline"
    assert summaries[0]["error"]["code"] == "InvalidRequest"
    assert summaries[0]["error"]["path"] == "/mode"
    assert (summaries[1]["name"], summaries[1]["error"]["path"]) == (None, "")
    assert documents.valid == []


def test_duplicate_names_make_every_holder_invalid() -> None:
    # Given three documents: two share an explicit name, one default name equals another's explicit one
    documents = _load(
        [
            ("desired/one.json", _body(name="shared")),
            ("desired/two.json", _body(name="shared")),
            ("desired/team/x.json", _body()),
            ("desired/y.json", _body(name="team/x")),
            ("desired/unique.json", _body()),
        ]
    )
    # Then only the unique document stays valid; each duplicate is invalid at /name naming the other key
    assert [d.name for d in documents.valid] == ["unique"]
    invalid = {i.key: i for i in documents.invalid}
    assert sorted(invalid) == [
        "desired/one.json",
        "desired/team/x.json",
        "desired/two.json",
        "desired/y.json",
    ]
    for key, other in (
        ("desired/one.json", "desired/two.json"),
        ("desired/two.json", "desired/one.json"),
        ("desired/team/x.json", "desired/y.json"),
        ("desired/y.json", "desired/team/x.json"),
    ):
        assert (invalid[key].error.code, invalid[key].error.path) == ("InvalidRequest", "/name")
        assert other in invalid[key].error.message
    assert invalid["desired/one.json"].name == "shared"


def test_units_and_covering() -> None:
    # Given documents over different accounts and Regions
    documents = _load(
        [
            ("desired/own.json", _body()),
            ("desired/all.json", _body(selector={"accountIds": ["*"], "regions": ["us-east-1"]})),
            ("desired/other.json", _body(selector={"accountIds": [OTHER_ACCOUNT], "regions": ["eu-west-1"]})),
            ("desired/bad.json", _body(selector={"accountIds": [OUTSIDE_ACCOUNT]})),
        ]
    )
    # When the units of work are computed
    units = documents.units(OWN_ACCOUNT, OWN_REGION, ALLOWED)
    # Then every (account, Region) a valid document covers, once, sorted; never the refused account
    assert units == [
        (OWN_ACCOUNT, "eu-west-1"),
        (OWN_ACCOUNT, "us-east-1"),
        (OTHER_ACCOUNT, "eu-west-1"),
        (OTHER_ACCOUNT, "us-east-1"),
    ]
    covering = {
        unit: sorted(
            d.name
            for d in documents.covering(
                *unit, own_account=OWN_ACCOUNT, own_region=OWN_REGION, allowed=ALLOWED
            )
        )
        for unit in [*units, (OUTSIDE_ACCOUNT, "eu-west-1")]
    }
    assert covering == {
        (OWN_ACCOUNT, "eu-west-1"): ["own"],
        (OWN_ACCOUNT, "us-east-1"): ["all"],
        (OTHER_ACCOUNT, "eu-west-1"): ["other"],
        (OTHER_ACCOUNT, "us-east-1"): ["all"],
        (OUTSIDE_ACCOUNT, "eu-west-1"): [],
    }
    assert [i.key for i in documents.invalid] == ["desired/bad.json"]


def _round_trip_set() -> DocumentSet:
    return _load(
        [
            ("desired/v1.json", json.dumps(_v1(correct=True, correctOwned=True)).encode()),
            (
                "desired/client.json",
                _body(
                    kind="client",
                    mode="correct",
                    selector={"accountIds": ["*"], "poolTags": {"env": "prod"}, "clientNames": ["web"]},
                    patch={"CallbackURLs": ["https://a.example.com"], "LogoutURLs": None},
                ),
            ),
            ("desired/scope.json", _body(selector={"regions": ["us-east-1"]}, description="d")),
            (
                "desired/groups.json",
                _body(kind="group", selector={"names": ["admins"]}, patch={"Precedence": 1}),
            ),
            ("desired/broken.json", _body(mode="sometimes")),
        ]
    )


def test_document_set_round_trip_is_equal() -> None:
    # Given a set with v1, v2 pool, client and group (with names) documents and an invalid one
    documents = _round_trip_set()
    assert len(documents.valid) == 4
    assert [d.selector.names for d in documents.valid if d.kind == "group"] == [("admins",)]
    assert len(documents.invalid) == 1
    # When it goes through its JSON form (the sweep manifest)
    again = DocumentSet.from_dict(json.loads(json.dumps(documents.to_dict())))
    # Then the valid documents are equal and the JSON form is unchanged
    assert again.valid == documents.valid
    assert again.to_dict() == documents.to_dict()
    assert again.summaries() == documents.summaries()
    assert [(i.key, i.name, i.error.path) for i in again.invalid] == [("desired/broken.json", None, "/mode")]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(_body(selector={"accountIds": [OUTSIDE_ACCOUNT]}), "TargetNotAllowed", id="not-allowed"),
        pytest.param(_body(patch={"Bogus": 1}), "UnknownField", id="unknown-field"),
        pytest.param(_body(patch={"Arn": "x"}), "ReadOnlyField", id="read-only"),
    ],
)
def test_document_set_round_trip_keeps_error_codes(body: bytes, code: str) -> None:
    # Given an invalid document whose error is not InvalidRequest
    documents = _load([("desired/x.json", body)])
    assert documents.invalid[0].error.code == code
    # When the set goes through its JSON form
    again = DocumentSet.from_dict(json.loads(json.dumps(documents.to_dict())))
    # Then report.json's entry is unchanged: same code, message and path
    assert again.summaries() == documents.summaries()


def test_invalid_summary_shape() -> None:
    invalid = Invalid("desired/x.json", InvalidRequest("Bad.", path="/mode", remedy="Fix it."), "x")
    assert invalid.summary() == {
        "name": "x",
        "key": "desired/x.json",
        "valid": False,
        "error": {"code": "InvalidRequest", "message": "Bad. Remedy: Fix it.", "path": "/mode"},
    }


def test_an_already_parsed_mapping_is_validated_like_its_text() -> None:
    body = _v2(selector={"poolTags": {"environment": "prod"}}, mode="correct")
    from_mapping = parse_document(
        body, key="desired/doc.json", default_name="doc", own_account=OWN_ACCOUNT, allowed=ALLOWED
    )
    assert from_mapping == _parse(body)
    with pytest.raises(PoolpatchError) as caught:
        parse_document(
            _v2(mode="never"),
            key="desired/doc.json",
            default_name="doc",
            own_account=OWN_ACCOUNT,
            allowed=ALLOWED,
        )
    assert (caught.value.code, caught.value.path) == ("InvalidRequest", "/mode")
