"""The desired-state schema, its samples and the drift event samples agree with poolpatch's validator.

``events/schema/desired-state.json`` is what document authors read (and validate against in their own
pipelines); :func:`poolpatch.drift.documents.parse_document` is what the sweeps enforce. Every sample
document must pass both, and a corpus of broken documents must fail both, so the schema never promises
what the validator refuses nor lets through what it rejects. Rules the schema cannot express (the
account allow-list, the patch's members and values per the service model, size and depth limits) are
checked against the validator alone, each row saying why.

The samples of what drift receives (CloudTrail events, the schedule) and emits (Detected, Sweep
Completed) are checked against the code that reads them and the shapes it produces.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Final

import pytest
from jsonschema import Draft4Validator

from helpers.events import EVENTS_DIR, load_event, load_schema
from poolpatch.drift.documents import Document, parse_document
from poolpatch.drift.sweep import STATUSES
from poolpatch.errors import PoolpatchError

OWN_ACCOUNT: Final = "123456789012"
ALLOWED: Final = frozenset({OWN_ACCOUNT})
POOL_ID: Final = "eu-west-1_AbCdEf123"
SAMPLES: Final = tuple(sorted(path.stem for path in EVENTS_DIR.glob("desired-*.json")))
PATCH: Final[dict[str, Any]] = {"DeletionProtection": "ACTIVE"}


@pytest.fixture(scope="module")
def validator() -> Any:
    """A draft-4 validator of desired-state documents (formats checked too, as for the request schema)."""
    return Draft4Validator(load_schema("desired-state"), format_checker=Draft4Validator.FORMAT_CHECKER)


def parse(document: Any) -> Document:
    """The validator as the sweeps call it, for the own account with an allow-list of itself."""
    return parse_document(
        copy.deepcopy(document), key="doc.json", default_name="doc", own_account=OWN_ACCOUNT, allowed=ALLOWED
    )


def schema_errors(validator: Any, document: Any) -> list[str]:
    """Every schema violation, as readable lines (empty: valid)."""
    return [
        f"{''.join(f'/{p}' for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def v2(**members: Any) -> dict[str, Any]:
    """A valid version 2 document with ``members`` added or replaced."""
    document: dict[str, Any] = {"version": "2", "patch": dict(PATCH)}
    document.update(members)
    return document


def v1(**members: Any) -> dict[str, Any]:
    """A valid version 1 document with ``members`` added or replaced."""
    document: dict[str, Any] = {"version": "1", "target": {"userPoolId": POOL_ID}, "patch": dict(PATCH)}
    document.update(members)
    return document


def without(document: dict[str, Any], member: str) -> dict[str, Any]:
    """``document`` without ``member``."""
    return {key: value for key, value in document.items() if key != member}


# --------------------------------------------------------------------------- the schema itself


def test_schema_is_a_valid_draft4_schema() -> None:
    # Given the desired-state schema
    schema = load_schema("desired-state")

    # When it is checked against the draft-4 meta-schema
    Draft4Validator.check_schema(schema)

    # Then it declares draft 4 (the EventBridge schema registry's only JSON Schema dialect)
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"


def _undocumented(node: Any, pointer: str) -> list[str]:
    """Pointers of every property, definition or pattern property lacking a title or a description."""
    missing: list[str] = []
    if not isinstance(node, dict):
        return missing
    for keyword in ("properties", "definitions", "patternProperties"):
        for key, child in node.get(keyword, {}).items():
            child_pointer = f"{pointer}/{keyword}/{key}"
            if "$ref" not in child and not ("title" in child and "description" in child):
                missing.append(child_pointer)
            missing.extend(_undocumented(child, child_pointer))
    missing.extend(_undocumented(node.get("items"), f"{pointer}/items"))
    return missing


def test_every_member_of_the_schema_is_documented() -> None:
    # Given a schema that doubles as the documents' reference
    schema = load_schema("desired-state")

    # When every property and definition is inspected
    missing = _undocumented(schema, "")

    # Then each has a title and a description, and so does the schema
    assert missing == []
    assert schema["title"]
    assert schema["description"]


def test_schema_states_the_defaults_and_enums_of_the_design() -> None:
    # Given the two document versions of the schema
    definitions = load_schema("desired-state")["definitions"]
    version2, version1 = definitions["documentV2"]["properties"], definitions["documentV1"]["properties"]

    # Then mode is report|correct defaulting to report, kind every configuration kind defaulting to pool,
    # correct boolean
    assert (version2["mode"]["enum"], version2["mode"]["default"]) == (["report", "correct"], "report")
    assert version2["kind"]["default"] == "pool"
    assert version2["kind"]["enum"] == [
        "pool",
        "client",
        "mfa",
        "domain",
        "identityProvider",
        "resourceServer",
        "group",
        "riskConfiguration",
        "uiCustomization",
        "managedLoginBranding",
        "logDelivery",
    ]
    assert (version1["correct"]["type"], version1["correct"]["default"]) == ("boolean", False)
    assert set(version2) == {
        "version",
        "name",
        "description",
        "selector",
        "kind",
        "patch",
        "mode",
        "correctOwned",
    }
    assert set(version1) == {"version", "name", "description", "target", "patch", "correct", "correctOwned"}
    selector = definitions["selector"]["properties"]
    assert set(selector) == {
        "accountIds",
        "regions",
        "userPoolIds",
        "poolTags",
        "clientIds",
        "clientNames",
        "names",
    }
    # And the precedence rules are spelled out where authors read them
    assert "Precedence" in definitions["selector"]["description"]
    assert "conflict" in definitions["selector"]["description"]


# --------------------------------------------------------------------------- the sample documents


def test_there_are_desired_state_samples() -> None:
    # Given the events/ folder
    # Then it holds the desired-state samples the README describes, and one per family of other kinds
    assert set(SAMPLES) >= {
        "desired-baseline",
        "desired-prod-tags",
        "desired-client-baseline",
        "desired-v1",
        "desired-mfa",
        "desired-idp",
        "desired-groups",
        "desired-risk-client",
    }


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_document_is_valid_for_the_schema_and_the_validator(name: str, validator: Any) -> None:
    # Given a sample desired-state document exactly as written
    document = load_event(name)

    # When the schema and the validator read it
    problems = schema_errors(validator, document)
    parsed = parse(document)

    # Then both accept it
    assert problems == []
    assert parsed.name == document.get("name", "doc")


def test_baseline_sample_is_an_account_wide_correcting_pool_document() -> None:
    # Given the account-wide password baseline
    parsed = parse(load_event("desired-baseline"))

    # Then it corrects, selects by Region only (lowest precedence) and sets the password policy
    assert (parsed.version, parsed.kind, parsed.mode) == ("2", "pool", "correct")
    assert parsed.selector.user_pool_ids is None
    assert parsed.selector.pool_tags is None
    assert parsed.precedence == 1
    assert "PasswordPolicy" in parsed.patch["Policies"]


def test_prod_tags_sample_selects_by_pool_tags() -> None:
    # Given the production protection document
    document = load_event("desired-prod-tags")
    parsed = parse(document)

    # Then it selects by the tags as written, with the tags' precedence, and only reports
    assert parsed.selector.pool_tags == document["selector"]["poolTags"]
    assert (parsed.precedence, parsed.mode) == (2, "report")


def test_client_baseline_sample_describes_app_clients_by_name() -> None:
    # Given the client baseline
    document = load_event("desired-client-baseline")
    parsed = parse(document)

    # Then it is a client document selecting by the names as written
    assert parsed.kind == "client"
    assert list(parsed.selector.client_names or ()) == document["selector"]["clientNames"]


def test_v1_sample_selects_its_target_and_never_corrects() -> None:
    # Given the version 1 sample with "correct": false
    document = load_event("desired-v1")
    parsed = parse(document)

    # Then it selects exactly its pool, in report mode
    assert document["correct"] is False
    assert (parsed.version, parsed.kind, parsed.mode) == ("1", "pool", "report")
    assert parsed.selector.user_pool_ids == (document["target"]["userPoolId"],)


# --------------------------------------------------------------------------- edge cases both accept

ACCEPTED: Final[list[tuple[str, Any]]] = [
    ("v1 without version", without(v1(), "version")),
    (
        "v1 app client",
        v1(target={"userPoolId": POOL_ID, "clientId": "1example23456789"}, patch={"AuthSessionValidity": 5}),
    ),
    ("v1 correct true", v1(correct=True, correctOwned=True)),
    ("v2 minimal", v2()),
    ("v2 empty selector", v2(selector={})),
    ("every allowed account", v2(selector={"accountIds": ["*"]})),
    ("own account by id", v2(selector={"accountIds": [OWN_ACCOUNT]})),
    ("user pool id of 55 characters", v2(selector={"userPoolIds": ["eu-west-1_" + "A" * 45]})),
    ("empty tag value", v2(selector={"poolTags": {"environment": ""}})),
    ("tag key of 128 characters", v2(selector={"poolTags": {"k" * 128: "v"}})),
    ("name of 256 characters", v2(name="n" * 256)),
    ("description of 1024 characters", v2(description="d" * 1024)),
    ("client document, every client", v2(kind="client", patch={"EnableTokenRevocation": True})),
    (
        "client names with spaces and symbols",
        v2(
            kind="client",
            selector={"clientNames": ["Acme Web+Admin=1,@x.y-z"]},
            patch={"EnableTokenRevocation": True},
        ),
    ),
    ("null removes a member", v2(patch={"LambdaConfig": None})),
    ("repeated region", v2(selector={"regions": ["eu-west-1", "eu-west-1"]})),
    (
        "group document, named groups",
        v2(kind="group", selector={"names": ["admins"]}, patch={"Precedence": 1}),
    ),
    ("group document, every group", v2(kind="group", patch={"Precedence": 1})),
    (
        "resource server named by its URL identifier",
        v2(kind="resourceServer", selector={"names": ["https://api.example.com"]}, patch={"Name": "API"}),
    ),
    ("mfa document", v2(kind="mfa", patch={"MfaConfiguration": "OPTIONAL"})),
    (
        "client-level risk document",
        v2(
            kind="riskConfiguration",
            selector={"clientIds": ["1example23456789"]},
            patch={"RiskExceptionConfiguration": {"SkippedIPRangeList": ["192.0.2.0/24"]}},
        ),
    ),
    ("branding of every client", v2(kind="managedLoginBranding", patch={"UseCognitoProvidedValues": True})),
]


@pytest.mark.parametrize(("case", "document"), ACCEPTED, ids=[case for case, _ in ACCEPTED])
def test_edge_case_is_accepted_by_both(case: str, document: Any, validator: Any) -> None:
    # Given a valid document at an edge of the rules
    # When the schema and the validator read it
    # Then both accept it
    assert schema_errors(validator, document) == [], case
    parse(document)


# --------------------------------------------------------------------------- refused by both

REFUSED: Final[list[tuple[str, Any, str]]] = [
    # (case, document, JSON Pointer the validator names)
    ('v1 "correct": "false" (a string)', v1(correct="false"), "/correct"),
    ('v1 "correct": 0', v1(correct=0), "/correct"),
    ('v1 "correct": null', v1(correct=None), "/correct"),
    ('v2 "mode": "false"', v2(mode="false"), "/mode"),
    ('v2 "mode": false', v2(mode=False), "/mode"),
    ('v2 "mode": "apply" (a change request mode)', v2(mode="apply"), "/mode"),
    ("unknown top-level member", v2(owner="identity-team"), "/owner"),
    ("v1 member `correct` in v2", v2(correct=True), "/correct"),
    ("v2 member `mode` in v1", v1(mode="correct"), "/mode"),
    ("v2 member `selector` in v1", v1(selector={}), "/selector"),
    ("`target` in v2", v2(target={"userPoolId": POOL_ID}), "/target"),
    ("names on kind pool", v2(selector={"names": ["admins"]}), "/selector/names"),
    (
        "names on kind client",
        v2(kind="client", selector={"names": ["web"]}, patch={"EnableTokenRevocation": True}),
        "/selector/names",
    ),
    (
        "clientIds on kind group",
        v2(kind="group", selector={"clientIds": ["1example23456789"]}, patch={"Precedence": 1}),
        "/selector/clientIds",
    ),
    ("empty names", v2(kind="group", selector={"names": []}, patch={"Precedence": 1}), "/selector/names"),
    (
        "clientIds on kind pool",
        v2(kind="pool", selector={"clientIds": ["1example23456789"]}),
        "/selector/clientIds",
    ),
    ("clientNames on the default kind", v2(selector={"clientNames": ["acme-web"]}), "/selector/clientNames"),
    ("unknown kind", v2(kind="identity-pool"), "/kind"),
    ("version as a number", v2(version=2), "/version"),
    ('version "3"', v2(version="3"), "/version"),
    ("no version and no target", without(v2(), "version"), "/version"),
    ("v1 without target", without(v1(), "target"), "/target"),
    ("v1 target without userPoolId", v1(target={"clientId": "1example23456789"}), "/target/userPoolId"),
    (
        "v1 target with unknown member",
        v1(target={"userPoolId": POOL_ID, "poolName": "x"}),
        "/target/poolName",
    ),
    (
        "v1 target accountId of 4 digits",
        v1(target={"userPoolId": POOL_ID, "accountId": "1234"}),
        "/target/accountId",
    ),
    ("document is a list", [v2()], ""),
    ("document is a string", "report", ""),
    ('accountIds ["*", own]', v2(selector={"accountIds": ["*", OWN_ACCOUNT]}), "/selector/accountIds/0"),
    ('accountIds ["*", "*"]', v2(selector={"accountIds": ["*", "*"]}), "/selector/accountIds/0"),
    ("accountIds of 11 digits", v2(selector={"accountIds": ["12345678901"]}), "/selector/accountIds/0"),
    ("accountIds empty", v2(selector={"accountIds": []}), "/selector/accountIds"),
    ('accountIds "*" not in a list', v2(selector={"accountIds": "*"}), "/selector/accountIds"),
    ("region in capitals", v2(selector={"regions": ["EU-WEST-1"]}), "/selector/regions/0"),
    (
        "user pool id with a final newline",
        v2(selector={"userPoolIds": [POOL_ID + "\n"]}),
        "/selector/userPoolIds/0",
    ),
    (
        "user pool id path traversal",
        v2(selector={"userPoolIds": ["../../etc/passwd_x"]}),
        "/selector/userPoolIds/0",
    ),
    (
        "user pool id of 56 characters",
        v2(selector={"userPoolIds": ["eu-west-1_" + "A" * 46]}),
        "/selector/userPoolIds/0",
    ),
    (
        "client id with a space",
        v2(kind="client", selector={"clientIds": ["abc def"]}, patch={"EnableTokenRevocation": True}),
        "/selector/clientIds/0",
    ),
    (
        "client name with a slash",
        v2(kind="client", selector={"clientNames": ["web/app"]}, patch={"EnableTokenRevocation": True}),
        "/selector/clientNames/0",
    ),
    ("poolTags empty", v2(selector={"poolTags": {}}), "/selector/poolTags"),
    ("poolTags value a number", v2(selector={"poolTags": {"tier": 1}}), "/selector/poolTags/tier"),
    ("poolTags empty key", v2(selector={"poolTags": {"": "x"}}), "/selector/poolTags/"),
    (
        "poolTags key of 129 characters",
        v2(selector={"poolTags": {"k" * 129: "v"}}),
        "/selector/poolTags/" + "k" * 129,
    ),
    ("poolTags value of 257 characters", v2(selector={"poolTags": {"k": "v" * 257}}), "/selector/poolTags/k"),
    ("unknown selector member", v2(selector={"poolNames": ["acme"]}), "/selector/poolNames"),
    ("selector a string", v2(selector="all"), "/selector"),
    ("selector null", v2(selector=None), "/selector"),
    ("no patch", without(v2(), "patch"), "/patch"),
    ("empty patch", v2(patch={}), "/patch"),
    ("patch a list", v2(patch=[PATCH]), "/patch"),
    ("UserPoolId in the patch", v2(patch={"UserPoolId": POOL_ID}), "/patch/UserPoolId"),
    (
        "ClientId in a client patch",
        v2(kind="client", patch={"ClientId": "1example23456789"}),
        "/patch/ClientId",
    ),
    ('correctOwned "yes"', v2(correctOwned="yes"), "/correctOwned"),
    ("correctOwned null", v2(correctOwned=None), "/correctOwned"),
    ("empty name", v2(name=""), "/name"),
    ("name with a tab", v2(name="a\tb"), "/name"),
    ("name of 257 characters", v2(name="n" * 257), "/name"),
    ("name a number", v2(name=7), "/name"),
    ("description of 1025 characters", v2(description="d" * 1025), "/description"),
    ("description a list", v2(description=["x"]), "/description"),
]


@pytest.mark.parametrize(("case", "document", "pointer"), REFUSED, ids=[case for case, _, _ in REFUSED])
def test_invalid_document_is_refused_by_both(case: str, document: Any, pointer: str, validator: Any) -> None:
    # Given a document breaking one rule of the design
    # When the schema reads it
    problems = schema_errors(validator, document)

    # Then the schema refuses it
    assert problems, f"the schema accepts: {case}"

    # And the validator refuses it, naming the offending member
    with pytest.raises(PoolpatchError) as refused:
        parse(document)
    assert refused.value.path == pointer, refused.value


def test_the_refused_corpus_is_large() -> None:
    # Given the corpus above
    # Then it has at least a dozen documents, every one distinct
    assert len(REFUSED) >= 12
    assert len({json.dumps(document, sort_keys=True) for _, document, _ in REFUSED}) == len(REFUSED)


# --------------------------------------------------------------------------- rules only the validator checks

VALIDATOR_ONLY: Final[list[tuple[str, Any, str, str]]] = [
    # (case, document, error code, JSON Pointer)
    # The allow-list is configuration (ALLOWED_ACCOUNT_IDS), not something a schema can know.
    (
        "account outside the allow-list",
        v2(selector={"accountIds": ["444455556666"]}),
        "TargetNotAllowed",
        "/selector/accountIds",
    ),
    (
        "v1 target account outside the allow-list",
        v1(target={"userPoolId": POOL_ID, "accountId": "444455556666"}),
        "TargetNotAllowed",
        "/target/accountId",
    ),
    # Patch members and values come from the botocore service model per kind; the schema does not repeat it.
    (
        "unknown patch member",
        v2(patch={"PasswordPolicy": {"MinimumLength": 14}}),
        "UnknownField",
        "/patch/PasswordPolicy",
    ),
    (
        "patch value of the wrong enum",
        v2(patch={"DeletionProtection": "MAYBE"}),
        "InvalidValue",
        "/patch/DeletionProtection",
    ),
    (
        "patch value of the wrong type",
        v2(patch={"Policies": {"PasswordPolicy": {"MinimumLength": "14"}}}),
        "InvalidValue",
        "/patch/Policies/PasswordPolicy/MinimumLength",
    ),
    (
        "client member in a pool patch",
        v2(patch={"RefreshTokenValidity": 30}),
        "UnknownField",
        "/patch/RefreshTokenValidity",
    ),
    (
        "pool member in a v1 client patch",
        v1(target={"userPoolId": POOL_ID, "clientId": "1example23456789"}),
        "UnknownField",
        "/patch/DeletionProtection",
    ),
]


@pytest.mark.parametrize(
    ("case", "document", "code", "pointer"), VALIDATOR_ONLY, ids=[case for case, *_ in VALIDATOR_ONLY]
)
def test_rule_beyond_the_schema_is_enforced_by_the_validator(
    case: str, document: Any, code: str, pointer: str, validator: Any
) -> None:
    # Given a document the schema cannot judge (allow-list, service model)
    assert schema_errors(validator, document) == [], f"the schema now refuses {case}: move it to REFUSED"

    # When the validator reads it
    with pytest.raises(PoolpatchError) as refused:
        parse(document)

    # Then it is refused with the offending member
    assert (refused.value.code, refused.value.path) == (code, pointer), refused.value


def test_document_larger_than_256_kib_is_refused_by_the_validator() -> None:
    # Given a document over the size limit (JSON Schema has no keyword for a document's size)
    body = json.dumps(v2(description="d" * 10, name="big", patch={"UserPoolTags": {"k": "v" * 256}}))
    body = body[:-1] + ", " + '"x": "' + " " * (256 * 1024) + '"}'

    # When the validator reads the text
    with pytest.raises(PoolpatchError) as refused:
        parse_document(body, key="big.json", default_name="big", own_account=OWN_ACCOUNT, allowed=ALLOWED)

    # Then it is refused before it is even parsed
    assert refused.value.path == ""
    assert "larger than" in refused.value.message


@pytest.mark.parametrize(
    ("case", "document"),
    [
        ("v1 target clientId null", v1(target={"userPoolId": POOL_ID, "clientId": None})),
        ("v2 selector regions null", v2(selector={"regions": None})),
        ("v2 description null", v2(description=None)),
    ],
)
def test_null_optional_member_is_refused_by_both(case: str, document: Any, validator: Any) -> None:
    # Given an optional member written as null
    # Then the schema refuses it, and so does the validator ("leave the member out instead")
    assert schema_errors(validator, document), case
    with pytest.raises(PoolpatchError) as refused:
        parse(document)
    assert refused.value.message.endswith("is null.")


# --------------------------------------------------------------------------- what drift receives


def test_console_cloudtrail_sample_becomes_a_targeted_check_of_its_pool() -> None:
    from poolpatch_lambda.drift import CLOUDTRAIL, cloudtrail_target

    # Given the CloudTrail event of a console user's UpdateUserPool (no sourceIdentity)
    event = load_event("eventbridge-cloudtrail-update-user-pool")
    detail = event["detail"]
    assert (event["source"], event["detail-type"]) == ("aws.cognito-idp", CLOUDTRAIL)
    assert (detail["eventSource"], detail["eventName"]) == ("cognito-idp.amazonaws.com", "UpdateUserPool")
    assert detail["userIdentity"]["type"] == "AssumedRole"
    assert "sourceIdentity" not in detail["userIdentity"]["sessionContext"]

    # When the drift function reads it
    target, reason = cloudtrail_target(event)

    # Then it names the written pool in the recipient account and Region
    assert reason == ""
    assert target == {
        "accountId": detail["recipientAccountId"],
        "region": detail["awsRegion"],
        "userPoolId": detail["requestParameters"]["userPoolId"],
    }
    assert (target["region"], target["userPoolId"]) == ("eu-west-1", POOL_ID)


def test_poolpatch_cloudtrail_sample_is_ignored_as_poolpatchs_own_write() -> None:
    from poolpatch_lambda.drift import cloudtrail_target

    # Given the same call made through poolpatch's assumed role (sourceIdentity "poolpatch")
    event = load_event("eventbridge-cloudtrail-poolpatch-write")
    console = load_event("eventbridge-cloudtrail-update-user-pool")
    assert event["detail"]["userIdentity"]["sessionContext"]["sourceIdentity"] == "poolpatch"
    assert (
        event["detail"]["requestParameters"]["userPoolId"]
        == console["detail"]["requestParameters"]["userPoolId"]
    )

    # When the drift function reads it
    target, reason = cloudtrail_target(event)

    # Then it is ignored
    assert target is None
    assert reason == "poolpatch's own write"


def test_scheduled_sample_is_a_scheduled_event() -> None:
    # Given the schedule sample
    event = load_event("eventbridge-scheduled")

    # Then it is what an EventBridge schedule rule delivers
    assert (event["source"], event["detail-type"], event["detail"]) == ("aws.events", "Scheduled Event", {})
    assert event["resources"][0].startswith(f"arn:aws:events:{event['region']}:{event['account']}:rule/")


# --------------------------------------------------------------------------- what drift emits


def test_sweep_completed_sample_has_every_total() -> None:
    # Given the Sweep Completed sample
    event = load_event("drift-sweep-completed")
    detail = event["detail"]

    # Then it is a poolpatch event with the summary's members, totals for every status, targets, throttled
    assert (event["source"], event["detail-type"]) == ("poolpatch", "User Pool Drift Sweep Completed")
    assert set(detail) == {"sweepId", "trigger", "totals", "halted", "location", "corrections"}
    assert set(detail["totals"]) == {*STATUSES, "targets", "throttled"}
    assert sum(detail["totals"][status] for status in STATUSES) == detail["totals"]["targets"]
    assert detail["corrections"] == detail["totals"]["correction-queued"]
    assert detail["location"].endswith(f"/drift-reports/{detail['sweepId']}/")


def test_detected_sample_is_a_target_line_with_its_sweep() -> None:
    # Given the Drift Detected sample
    event = load_event("drift-detected")
    detail = event["detail"]

    # Then it is a target line (target, kind, status, drift entries, documents) with the sweep id
    assert (event["source"], event["detail-type"]) == ("poolpatch", "User Pool Drift Detected")
    assert set(detail) == {"target", "kind", "status", "drift", "documents", "lastModifiedDate", "sweepId"}
    assert detail["status"] in STATUSES
    assert detail["drift"]
    for entry in detail["drift"]:
        assert set(entry) == {"path", "desired", "live", "document"}
        assert entry["document"] in detail["documents"]
    # And its documents are the sample documents that select the pool of the console CloudTrail sample
    names = {load_event(name).get("name") for name in SAMPLES}
    assert set(detail["documents"]) <= names
    console = load_event("eventbridge-cloudtrail-update-user-pool")["detail"]
    assert detail["target"]["userPoolId"] == console["requestParameters"]["userPoolId"]
    assert detail["target"]["accountId"] == console["recipientAccountId"]
