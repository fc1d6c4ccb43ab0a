"""Checking one account and Region (design.md, "Drift"): selection, the ``poolpatch:drift`` tag,
CloudFormation ownership, drift values against the service's describe, and resumable walks, over boto3 and
the Cognito fake."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws
from moto.cognitoidp import models as moto_cognito

import poolpatch_fake
from poolpatch.adapters.cognito import Boto3Cognito, Described
from poolpatch.adapters.fleet import Boto3FleetReader
from poolpatch.drift.check import (
    Cursor,
    FleetReader,
    Progress,
    Unit,
    signature,
    unit_error_line,
    walk_unit,
)
from poolpatch.drift.documents import Document, parse_document
from poolpatch.errors import AccessDenied, InvalidRequest
from poolpatch.kinds import Kind
from poolpatch.ownership import owner_of
from poolpatch.request import Target
from poolpatch_fake import faults, seed

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-1"
MIN_LENGTH = "/Policies/PasswordPolicy/MinimumLength"
STACK_TAG = "aws:cloudformation:stack-name"
DRIFT_TAG = "poolpatch:drift"


#: moto imports the same RSA signing key for every new pool (~0.25 s each): import it once per module.
_KEYS: dict[str, Any] = {}
#: One boto3 session for the module: creating a client from it takes milliseconds, not 0.15 s.
_SESSIONS: list[boto3.session.Session] = []


@pytest.fixture(autouse=True)
def _fast_pool_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    real = moto_cognito.jwk

    def import_key(data: Any) -> Any:
        text = json.dumps(data, sort_keys=True, default=str)
        if text not in _KEYS:
            _KEYS[text] = real.RSAKey.import_key(data)
        return _KEYS[text]

    monkeypatch.setattr(moto_cognito, "jwk", SimpleNamespace(RSAKey=SimpleNamespace(import_key=import_key)))


def _session() -> boto3.session.Session:
    if not _SESSIONS:
        _SESSIONS.append(boto3.session.Session())
    return _SESSIONS[0]


@dataclass
class Fleet:
    """Pools and app clients in the fake, with a reader over them."""

    cognito: CognitoIdentityProviderClient
    reader: Boto3FleetReader

    def pool(self, name: str, *, tags: Mapping[str, str] | None = None, min_length: int = 8) -> str:
        settings: dict[str, Any] = {"Policies": {"PasswordPolicy": {"MinimumLength": min_length}}}
        if tags:
            settings["UserPoolTags"] = dict(tags)
        return self.cognito.create_user_pool(PoolName=name, **settings)["UserPool"]["Id"]

    def client(self, pool_id: str, name: str) -> str:
        response = self.cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=name)
        return response["UserPoolClient"]["ClientId"]

    def describe_pool(self, pool_id: str) -> dict[str, Any]:
        return dict(self.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"])

    def describe_client(self, pool_id: str, client_id: str) -> dict[str, Any]:
        response = self.cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
        return dict(response["UserPoolClient"])

    def own(self, pool_id: str, stack: str) -> None:
        """Tag the pool as CloudFormation does (the API refuses ``aws:`` keys; set it on moto's pool)."""
        pool = moto_cognito.cognitoidp_backends[ACCOUNT][REGION].user_pools[pool_id]
        pool.extended_config.setdefault("UserPoolTags", {})[STACK_TAG] = stack


@pytest.fixture
def fleet() -> Iterator[Fleet]:
    with mock_aws(), poolpatch_fake.installed():
        faults.reset()
        cognito = _session().client("cognito-idp", region_name=REGION)
        yield Fleet(cognito, Boto3FleetReader(Boto3Cognito(cognito, sleep=lambda _s: None)))
        faults.reset()


def _doc(name: str, **members: Any) -> Document:
    body: dict[str, Any] = {"version": "2", "name": name}
    body.setdefault("patch", {"Policies": {"PasswordPolicy": {"MinimumLength": 14}}})
    body.update(members)
    return parse_document(
        json.dumps(body), key=f"desired/{name}.json", default_name=name, own_account=ACCOUNT, allowed=None
    )


def _unit(*documents: Document, **kwargs: Any) -> Unit:
    return Unit(ACCOUNT, REGION, list(documents), **kwargs)


def _key(line: Mapping[str, Any]) -> str:
    target = line["target"]
    return f"{target['userPoolId']}/{target['clientId']}" if "clientId" in target else target["userPoolId"]


def _by_key(lines: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    keyed = {_key(line): line for line in lines}
    assert len(keyed) == len(lines), "a target appears twice"
    return keyed


@dataclass
class Recording:
    """A FleetReader wrapper counting describes, optionally failing or deleting along the way."""

    inner: FleetReader
    describes: list[Target] = field(default_factory=list)
    after_listing: Callable[[], None] = lambda: None
    fail: Callable[[Target], Exception | None] = lambda _target: None

    def list_pools(self) -> list[Mapping[str, Any]]:
        pools = self.inner.list_pools()
        self.after_listing()
        return pools

    def list_clients(self, user_pool_id: str) -> list[Mapping[str, Any]]:
        return self.inner.list_clients(user_pool_id)

    def list_names(self, user_pool_id: str, kind: Kind) -> list[str]:
        return self.inner.list_names(user_pool_id, kind)

    def list_described(self, user_pool_id: str, kind: Kind) -> dict[str, Described]:
        return self.inner.list_described(user_pool_id, kind)

    def describe(self, target: Target) -> Described:
        self.describes.append(target)
        error = self.fail(target)
        if error is not None:
            raise error
        return self.inner.describe(target)


# --------------------------------------------------------------------------------------------------
# Selection and drift values
# --------------------------------------------------------------------------------------------------


def test_pool_tags_select_pools_and_drift_matches_the_describe(fleet: Fleet) -> None:
    # Given three pools: prod (length 10), staging (length 10) and an untagged one
    prod = fleet.pool("prod", tags={"environment": "prod", "team": "id"}, min_length=10)
    fleet.pool("staging", tags={"environment": "staging"}, min_length=10)
    fleet.pool("untagged", min_length=10)
    document = _doc("prod-baseline", selector={"poolTags": {"environment": "prod"}})
    # When the unit is walked
    progress = walk_unit(_unit(document), fleet.reader)
    # Then only the prod pool is a target; its drift is the describe's value against the document's
    assert progress.finished is True
    assert [_key(line) for line in progress.lines] == [prod]
    line = progress.lines[0]
    live = fleet.describe_pool(prod)
    assert line["target"] == {"userPoolId": prod, "accountId": ACCOUNT, "region": REGION}
    assert line["kind"] == "pool"
    assert line["status"] == "drifted"
    assert line["documents"] == ["prod-baseline"]
    assert line["drift"] == [
        {
            "path": MIN_LENGTH,
            "desired": 14,
            "live": live["Policies"]["PasswordPolicy"]["MinimumLength"],
            "document": "prod-baseline",
        }
    ]
    assert line["drift"][0]["live"] == 10
    assert line["lastModifiedDate"] == live["LastModifiedDate"].astimezone(UTC).isoformat(
        timespec="milliseconds"
    )
    assert "proposal" not in line  # mode report
    assert "owner" not in line


def test_user_pool_ids_select_one_pool_and_save_the_other_describes(fleet: Fleet) -> None:
    # Given three pools and a document naming one of them
    pools = [fleet.pool(f"p{index}", min_length=14) for index in range(3)]
    chosen = pools[1]
    reader = Recording(fleet.reader)
    # When walked
    progress = walk_unit(_unit(_doc("one", selector={"userPoolIds": [chosen]})), reader)
    # Then only that pool is described and reported (in sync: its length is already 14)
    assert [t.user_pool_id for t in reader.describes] == [chosen]
    assert [(_key(line), line["status"], line["drift"]) for line in progress.lines] == [
        (chosen, "in-sync", [])
    ]


def test_client_names_and_client_ids_select_app_clients(fleet: Fleet) -> None:
    # Given a pool with three app clients
    pool = fleet.pool("apps", min_length=14)
    web, mobile, admin = (fleet.client(pool, name) for name in ("web", "mobile", "admin"))
    by_name = _doc(
        "by-name",
        kind="client",
        selector={"clientNames": ["web", "admin"]},
        patch={"RefreshTokenValidity": 10},
    )
    by_id = _doc("by-id", kind="client", selector={"clientIds": [mobile]}, patch={"AuthSessionValidity": 5})
    # When walked with both documents (no pool document: no pool line)
    progress = walk_unit(_unit(by_name, by_id), fleet.reader)
    # Then each client is checked against its documents only, with the describe's live values
    lines = _by_key(progress.lines)
    assert sorted(lines) == sorted(f"{pool}/{client}" for client in (web, mobile, admin))
    for client in (web, admin):
        line = lines[f"{pool}/{client}"]
        live = fleet.describe_client(pool, client)["RefreshTokenValidity"]
        assert line["kind"] == "client"
        assert line["target"] == {
            "userPoolId": pool,
            "clientId": client,
            "accountId": ACCOUNT,
            "region": REGION,
        }
        assert line["documents"] == ["by-name"]
        assert line["drift"] == [
            {"path": "/RefreshTokenValidity", "desired": 10, "live": live, "document": "by-name"}
        ]
    line = lines[f"{pool}/{mobile}"]
    live = fleet.describe_client(pool, mobile)["AuthSessionValidity"]
    assert line["drift"] == [
        {"path": "/AuthSessionValidity", "desired": 5, "live": live, "document": "by-id"}
    ]
    assert {line["status"] for line in lines.values()} == {"drifted"}


def test_pool_and_client_documents_on_one_pool(fleet: Fleet) -> None:
    pool = fleet.pool("both", min_length=14)
    web = fleet.client(pool, "web")
    pool_doc = _doc("pool")
    client_doc = _doc("client", kind="client", patch={"RefreshTokenValidity": 30})
    progress = walk_unit(_unit(pool_doc, client_doc), fleet.reader)
    lines = _by_key(progress.lines)
    assert sorted(lines) == sorted([pool, f"{pool}/{web}"])
    assert lines[pool]["status"] == "in-sync"
    assert lines[pool]["documents"] == ["pool"]
    assert lines[f"{pool}/{web}"]["status"] == "in-sync"
    assert lines[f"{pool}/{web}"]["documents"] == ["client"]


def test_correct_mode_drift_carries_a_proposal(fleet: Fleet) -> None:
    pool = fleet.pool("p", min_length=10)
    document = _doc("fix", mode="correct")
    [line] = walk_unit(_unit(document), fleet.reader).lines
    assert line["status"] == "drifted"
    assert line["proposal"] == {
        "patch": {"Policies": {"PasswordPolicy": {"MinimumLength": 14}}},
        "pointers": [MIN_LENGTH],
        "documents": ["fix"],
    }
    assert _key(line) == pool
    assert "guards" not in line


def test_removals_and_additions_have_only_the_side_that_exists(fleet: Fleet) -> None:
    # Given a pool tagged team=id, and a document removing that tag and adding another
    pool = fleet.pool("p", tags={"team": "id"})
    document = _doc("tags", patch={"UserPoolTags": {"team": None, "cost-center": "cc-1"}})
    # When walked
    [line] = walk_unit(_unit(document), fleet.reader).lines
    # Then the removal has the live value and no desired one; the addition the reverse
    assert fleet.describe_pool(pool)["UserPoolTags"] == {"team": "id"}
    assert sorted(line["drift"], key=lambda entry: entry["path"]) == [
        {"path": "/UserPoolTags/cost-center", "desired": "cc-1", "document": "tags"},
        {"path": "/UserPoolTags/team", "live": "id", "document": "tags"},
    ]


def test_agreeing_documents_are_both_named_on_the_drift_entry(fleet: Fleet) -> None:
    fleet.pool("p", tags={"environment": "prod"}, min_length=10)
    tags = {"poolTags": {"environment": "prod"}}
    [line] = walk_unit(_unit(_doc("b", selector=tags), _doc("a", selector=tags)), fleet.reader).lines
    assert line["drift"] == [
        {"path": MIN_LENGTH, "desired": 14, "live": 10, "document": "a", "documents": ["a", "b"]}
    ]


def test_correct_document_in_sync_does_not_propose_for_a_report_documents_drift(fleet: Fleet) -> None:
    # Given a correcting document the pool already satisfies, and a reporting one it does not
    fleet.pool("p", min_length=10)
    in_sync = _doc("length", mode="correct", patch={"Policies": {"PasswordPolicy": {"MinimumLength": 10}}})
    drifted = _doc("protection", selector={"regions": [REGION]}, patch={"DeletionProtection": "ACTIVE"})
    # When walked
    [line] = walk_unit(_unit(in_sync, drifted), fleet.reader).lines
    # Then the drift is reported, and nothing is proposed (the correctable part changes nothing)
    assert line["status"] == "drifted"
    assert [(entry["path"], entry["document"]) for entry in line["drift"]] == [
        ("/DeletionProtection", "protection")
    ]
    assert "proposal" not in line


def test_unknown_member_in_the_describe_is_an_error_line(fleet: Fleet) -> None:
    # Given the service returning a pool member this botocore does not know
    pool = fleet.pool("p", min_length=10)
    faults.add_raw_member("DescribeUserPool", "/UserPool/LambdaConfig/FutureTrigger", "arn:aws:lambda:x")
    # When walked
    [line] = walk_unit(_unit(_doc("d", mode="correct")), fleet.reader).lines
    # Then the target could not be checked safely: an error line naming the guard's code
    assert _key(line) == pool
    assert line["status"] == "error"
    assert line["error"]["code"] == "SdkModelOutdated"
    assert "FutureTrigger" in line["error"]["message"]
    assert line["documents"] == ["d"]
    assert "proposal" not in line


def test_conflicting_documents_give_a_conflict_line(fleet: Fleet) -> None:
    pool = fleet.pool("p", tags={"environment": "prod"}, min_length=10)
    a = _doc("a", selector={"poolTags": {"environment": "prod"}}, mode="correct")
    b = _doc(
        "b",
        selector={"poolTags": {"environment": "prod"}},
        mode="correct",
        patch={"Policies": {"PasswordPolicy": {"MinimumLength": 16}}},
    )
    [line] = walk_unit(_unit(a, b), fleet.reader).lines
    assert _key(line) == pool
    assert line["status"] == "conflict"
    assert line["conflicts"] == [{"path": MIN_LENGTH, "documents": ["a", "b"]}]
    assert line["drift"] == []
    assert "proposal" not in line


# --------------------------------------------------------------------------------------------------
# Guards: the poolpatch:drift tag and CloudFormation ownership
# --------------------------------------------------------------------------------------------------


def test_drift_tag_ignore_skips_the_pool_and_its_clients(fleet: Fleet) -> None:
    # Given an ignored pool that has drift, with an app client
    pool = fleet.pool("ignored", tags={DRIFT_TAG: "ignore"}, min_length=10)
    fleet.client(pool, "web")
    reader = Recording(fleet.reader)
    documents = (_doc("fix", mode="correct"), _doc("c", kind="client", patch={"RefreshTokenValidity": 1}))
    # When walked
    progress = walk_unit(_unit(*documents), reader)
    # Then one ignored line, no drift computed, nothing proposed, its clients not described
    assert progress.lines == [
        {
            "target": {"userPoolId": pool, "accountId": ACCOUNT, "region": REGION},
            "kind": "pool",
            "status": "ignored",
            "drift": [],
            "documents": ["c", "fix"],
        }
    ]
    assert [(t.user_pool_id, t.client_id) for t in reader.describes] == [(pool, None)]


def test_drift_tag_report_never_proposes(fleet: Fleet) -> None:
    pool = fleet.pool("reported", tags={DRIFT_TAG: "report"}, min_length=10)
    [line] = walk_unit(_unit(_doc("fix", mode="correct")), fleet.reader).lines
    assert _key(line) == pool
    assert line["status"] == "drifted"
    assert line["guards"] == ["tag"]
    assert "proposal" not in line
    assert [entry["path"] for entry in line["drift"]] == [MIN_LENGTH]


def test_cloudformation_owned_pool_is_owned_and_not_corrected(fleet: Fleet) -> None:
    # Given a pool created by a stack (its aws: tag), drifted from a correcting document
    pool = fleet.pool("owned", tags={"environment": "prod"}, min_length=10)
    fleet.own(pool, "identity-prod")
    assert fleet.describe_pool(pool)["UserPoolTags"][STACK_TAG] == "identity-prod"
    # When walked
    [line] = walk_unit(_unit(_doc("fix", mode="correct")), fleet.reader).lines
    # Then it is reported owned by its stack, with the drift and no proposal
    assert line["status"] == "owned"
    assert line["owner"] == {"type": "cloudformation", "stack": "identity-prod"}
    assert line["guards"] == ["owned"]
    assert "proposal" not in line
    assert line["drift"][0]["live"] == 10


def test_cloudformation_owned_pool_with_correct_owned_gets_a_proposal(fleet: Fleet) -> None:
    pool = fleet.pool("owned", min_length=10)
    fleet.own(pool, "identity-prod")
    document = _doc("fix", mode="correct", correctOwned=True)
    [line] = walk_unit(_unit(document), fleet.reader).lines
    assert line["owner"] == {"type": "cloudformation", "stack": "identity-prod"}
    assert line["proposal"]["patch"] == {"Policies": {"PasswordPolicy": {"MinimumLength": 14}}}
    assert line["proposal"]["documents"] == ["fix"]
    assert "guards" not in line


def test_owned_in_sync_pool_is_in_sync_with_its_owner(fleet: Fleet) -> None:
    pool = fleet.pool("owned", min_length=14)
    fleet.own(pool, "stack-a")
    [line] = walk_unit(_unit(_doc("fix", mode="correct")), fleet.reader).lines
    assert (line["status"], line["owner"]) == ("in-sync", {"type": "cloudformation", "stack": "stack-a"})


def test_owned_client_carries_its_pool_owner(fleet: Fleet) -> None:
    pool = fleet.pool("owned")
    client = fleet.client(pool, "web")
    fleet.own(pool, "stack-a")
    document = _doc("c", kind="client", mode="correct", patch={"RefreshTokenValidity": 1})
    [line] = walk_unit(_unit(document), fleet.reader).lines
    assert _key(line) == f"{pool}/{client}"
    assert line["status"] == "owned"
    assert line["owner"] == {"type": "cloudformation", "stack": "stack-a"}


def test_owner_of() -> None:
    assert owner_of({STACK_TAG: "s"}) == {"type": "cloudformation", "stack": "s"}
    assert owner_of({STACK_TAG: ""}) is None
    assert owner_of({"team": "x"}) is None


# --------------------------------------------------------------------------------------------------
# Errors and vanished targets
# --------------------------------------------------------------------------------------------------


def test_pool_deleted_after_listing_is_skipped(fleet: Fleet) -> None:
    # Given two pools, one deleted right after the listing
    kept, gone = fleet.pool("kept", min_length=10), fleet.pool("gone", min_length=10)
    reader = Recording(fleet.reader, after_listing=lambda: fleet.cognito.delete_user_pool(UserPoolId=gone))
    # When walked
    progress = walk_unit(_unit(_doc("d")), reader)
    # Then the deleted pool was tried and is not a target; the other is checked
    assert gone in [t.user_pool_id for t in reader.describes]
    assert [(_key(line), line["status"]) for line in progress.lines] == [(kept, "drifted")]
    assert progress.finished is True


def test_client_deleted_after_listing_is_skipped(fleet: Fleet) -> None:
    pool = fleet.pool("p")
    kept, gone = fleet.client(pool, "a"), fleet.client(pool, "b")

    def delete(target: Target) -> Exception | None:
        if target.client_id == gone:
            fleet.cognito.delete_user_pool_client(UserPoolId=pool, ClientId=gone)
        return None

    reader = Recording(fleet.reader, fail=delete)
    progress = walk_unit(_unit(_doc("c", kind="client", patch={"RefreshTokenValidity": 1})), reader)
    assert [_key(line) for line in progress.lines] == [f"{pool}/{kept}"]


def test_pool_describe_error_becomes_an_error_line_with_its_code(fleet: Fleet) -> None:
    # Given two pools and the service refusing the first DescribeUserPool
    pools = sorted([fleet.pool("a", min_length=10), fleet.pool("b", min_length=10)])
    faults.inject("DescribeUserPool", "NotAuthorizedException", message="Not allowed")
    # When walked
    progress = walk_unit(_unit(_doc("d")), fleet.reader)
    # Then the first pool (walk order is by id) is an error line with the code; the other is checked
    lines = _by_key(progress.lines)
    assert lines[pools[0]]["status"] == "error"
    assert lines[pools[0]]["error"]["code"] == "AccessDenied"
    assert "NotAuthorizedException" in lines[pools[0]]["error"]["message"]
    assert lines[pools[0]]["drift"] == []
    assert lines[pools[1]]["status"] == "drifted"


def test_client_describe_and_listing_errors_become_error_lines(fleet: Fleet) -> None:
    # Given two pools with clients; the first client describe and the second listing are refused
    first, second = sorted([fleet.pool("a"), fleet.pool("b")])
    clients = sorted([fleet.client(first, "x"), fleet.client(first, "y")])
    fleet.client(second, "z")
    document = _doc("c", kind="client", patch={"RefreshTokenValidity": 1})
    calls: list[str] = []

    def fail(target: Target) -> Exception | None:
        calls.append(target.client_id or "")
        if target.client_id == clients[0]:
            return AccessDenied("DescribeUserPoolClient failed: AccessDeniedException: no")
        return None

    reader = Recording(fleet.reader, fail=fail)
    original = reader.list_clients

    def list_clients(user_pool_id: str) -> list[Mapping[str, Any]]:
        if user_pool_id == second:
            faults.inject("ListUserPoolClients", "NotAuthorizedException")
        return original(user_pool_id)

    reader.list_clients = list_clients  # type: ignore[method-assign]
    # When walked
    lines = walk_unit(_unit(document), reader).lines
    # Then: an error line for the refused client, a drift line for the other, an error line for the listing
    keyed = {(_key(line), line["status"]): line for line in lines}
    assert sorted(keyed) == sorted(
        [(f"{first}/{clients[0]}", "error"), (f"{first}/{clients[1]}", "drifted"), (second, "error")]
    )
    assert keyed[(f"{first}/{clients[0]}", "error")]["error"]["code"] == "AccessDenied"
    listing = keyed[(second, "error")]["error"]
    assert (listing["code"], listing["operation"]) == ("AccessDenied", "ListUserPoolClients")


def test_unit_error_line_and_signature() -> None:
    line = unit_error_line(ACCOUNT, REGION, AccessDenied("AssumeRole failed", remedy="Deploy the role."))
    assert line == {
        "target": {"accountId": ACCOUNT, "region": REGION},
        "status": "error",
        "drift": [],
        "error": {"code": "AccessDenied", "message": "AssumeRole failed Remedy: Deploy the role."},
    }
    a = {"drift": [{"path": MIN_LENGTH, "desired": 14, "live": 10, "document": "x"}]}
    b = {"drift": [{"path": MIN_LENGTH, "desired": 14, "live": 10, "document": "y"}]}
    c = {"drift": [{"path": MIN_LENGTH, "desired": 14, "live": 12, "document": "x"}]}
    assert signature(a) == signature(b)
    assert signature(a) != signature(c)
    assert len(signature(a)) == 32


# --------------------------------------------------------------------------------------------------
# Targeted checks and resumption
# --------------------------------------------------------------------------------------------------


@dataclass
class Resumable:
    fleet: Fleet
    documents: tuple[Document, ...]
    pools: dict[str, list[str]]  # selected pool -> its client ids


@pytest.fixture
def resumable(fleet: Fleet) -> Resumable:
    """Selected pools with 0, 3, 2 and 1 clients, an ignored pool, and an unselected pool."""
    pools: dict[str, list[str]] = {}
    for name, clients in (("none", 0), ("three", 3), ("two", 2), ("one", 1)):
        pool = fleet.pool(name, tags={"drift": "yes"}, min_length=10)
        pools[pool] = [fleet.client(pool, f"{name}-{index}") for index in range(clients)]
    ignored = fleet.pool("ignored", tags={"drift": "yes", DRIFT_TAG: "ignore"})
    fleet.client(ignored, "hidden")
    pools[ignored] = []
    unselected = fleet.pool("other", tags={"drift": "no"})
    fleet.client(unselected, "not-mine")
    selector = {"poolTags": {"drift": "yes"}}
    documents = (
        _doc("pool", selector=selector),
        _doc("client", kind="client", selector=selector, patch={"RefreshTokenValidity": 7}),
    )
    return Resumable(fleet, documents, pools)


def _expected_keys(resumable: Resumable) -> list[str]:
    return sorted(
        [*resumable.pools, *(f"{p}/{c}" for p, clients in resumable.pools.items() for c in clients)]
    )


def _stopping_after(reader: Recording, describes: int) -> Callable[[], bool]:
    start = len(reader.describes)
    return lambda: len(reader.describes) - start >= describes


def test_full_walk_covers_every_target(resumable: Resumable) -> None:
    reader = Recording(resumable.fleet.reader)
    progress = walk_unit(_unit(*resumable.documents), reader)
    assert progress.finished is True
    assert sorted(_by_key(progress.lines)) == _expected_keys(resumable)
    # 6 pools described (tags decide selection), 6 clients of selected, non-ignored pools
    assert len(reader.describes) == 12


def test_resumed_walk_has_no_duplicates_and_no_gaps(resumable: Resumable) -> None:
    unit = _unit(*resumable.documents)
    full = walk_unit(unit, Recording(resumable.fleet.reader)).lines
    stops_inside_clients = 0
    # One fixture, every stopping point: after 1, 2, ... 12 describes (12 is the whole unit)
    for stop_after in range(1, 13):
        # Given a walk stopped after `stop_after` describes
        reader = Recording(resumable.fleet.reader)
        first = walk_unit(unit, reader, should_stop=_stopping_after(reader, stop_after))
        if first.finished:
            rest = Progress()
            assert stop_after == 12
        else:
            # When walking again from its cursor (through its JSON form, as a continuation message)
            assert first.cursor is not None, stop_after
            stops_inside_clients += bool(first.cursor.client_id)
            cursor = Cursor.from_dict(json.loads(json.dumps(first.cursor.to_dict())))
            rest = walk_unit(unit, Recording(resumable.fleet.reader), after=cursor)
            assert rest.finished is True
        # Then the two walks together hold every target exactly once, each line as a full walk has it
        combined = [*first.lines, *rest.lines]
        assert sorted(_by_key(combined)) == _expected_keys(resumable), stop_after
        assert _by_key(combined) == _by_key(full), stop_after
    # 6 client describes: a stop after each but the last client of a pool is inside a pool's clients
    assert stops_inside_clients >= 3


def test_a_stop_inside_a_pools_clients_resumes_inside_them(resumable: Resumable) -> None:
    # Given the pool with three clients, and a walk stopped after its first client
    unit = _unit(*resumable.documents)
    three = next(pool for pool, clients in resumable.pools.items() if len(clients) == 3)
    clients = sorted(resumable.pools[three])
    reader = Recording(resumable.fleet.reader)
    first = walk_unit(
        unit,
        reader,
        should_stop=lambda: reader.describes[-1:] == [Target(three, clients[0], ACCOUNT, REGION)],
    )
    # Then the cursor is that client, and resuming checks the pool's two other clients first, not the pool
    assert first.cursor == Cursor(three, clients[0])
    resumed = Recording(resumable.fleet.reader)
    rest = walk_unit(unit, resumed, after=first.cursor)
    assert resumed.describes[:3] == [
        Target(three, None, ACCOUNT, REGION),
        Target(three, clients[1], ACCOUNT, REGION),
        Target(three, clients[2], ACCOUNT, REGION),
    ]
    assert three not in [_key(line) for line in rest.lines]
    assert sorted(_by_key([*first.lines, *rest.lines])) == _expected_keys(resumable)


def test_resumed_pool_whose_describe_now_fails_is_not_reported_again(fleet: Fleet) -> None:
    # Given a walk that finished a pool's own line and stopped; the pool cannot be described any more
    first, second = sorted([fleet.pool("a", min_length=10), fleet.pool("b", min_length=10)])
    unit = _unit(_doc("d"))
    reader = Recording(fleet.reader)
    leg = walk_unit(unit, reader, should_stop=_stopping_after(reader, 1))
    assert [(_key(line), line["status"]) for line in leg.lines] == [(first, "drifted")]
    assert leg.cursor == Cursor(first)

    def refuse(target: Target) -> Exception | None:
        return AccessDenied("DescribeUserPool failed") if target.user_pool_id == first else None

    # When the walk resumes at that pool
    rest = walk_unit(unit, Recording(fleet.reader, fail=refuse), after=leg.cursor)
    # Then the pool is not reported a second time (as an error), and the next pool is checked
    assert [(_key(line), line["status"]) for line in rest.lines] == [(second, "drifted")]


def test_many_short_legs_cover_the_unit_once(resumable: Resumable) -> None:
    # Given legs that can each afford two describes (one re-describes the resumed pool)
    unit = _unit(*resumable.documents)
    lines: list[Mapping[str, Any]] = []
    cursor: Cursor | None = None
    for _leg in range(40):
        reader = Recording(resumable.fleet.reader)
        progress = walk_unit(unit, reader, after=cursor, should_stop=_stopping_after(reader, 2))
        lines.extend(progress.lines)
        if progress.finished:
            break
        assert progress.cursor is not None
        cursor = progress.cursor
    else:
        pytest.fail("the walk made no progress")
    # Then every target is reported exactly once
    assert sorted(_by_key(lines)) == _expected_keys(resumable)


def test_resumed_walk_does_not_repeat_a_client_listing_error(fleet: Fleet) -> None:
    # Given two pools; listing the first one's clients always fails
    first, second = sorted([fleet.pool("a"), fleet.pool("b")])
    client = fleet.client(second, "web")

    def refuse(user_pool_id: str) -> list[Mapping[str, Any]]:
        if user_pool_id == first:
            raise AccessDenied("ListUserPoolClients failed: AccessDeniedException: no")
        return fleet.reader.list_clients(user_pool_id)

    unit = _unit(_doc("c", kind="client", patch={"RefreshTokenValidity": 1}))
    reader = Recording(fleet.reader)
    reader.list_clients = refuse  # type: ignore[method-assign]
    # When a walk stops right after the first pool, and a second walk resumes from its cursor
    leg = walk_unit(unit, reader, should_stop=_stopping_after(reader, 1))
    assert leg.cursor == Cursor(first, kind="client")  # the last step done: the failed client listing
    resumed = Recording(fleet.reader)
    resumed.list_clients = refuse  # type: ignore[method-assign]
    rest = walk_unit(unit, resumed, after=leg.cursor)
    # Then the listing error is reported once, and the other pool's client once
    statuses = sorted((_key(line), line["status"]) for line in [*leg.lines, *rest.lines])
    assert statuses == sorted([(first, "error"), (f"{second}/{client}", "drifted")])


def test_targeted_check_of_one_pool_or_one_client(resumable: Resumable) -> None:
    three = next(pool for pool, clients in resumable.pools.items() if len(clients) == 3)
    client = sorted(resumable.pools[three])[1]
    pool_only = walk_unit(_unit(*resumable.documents, only_pool=three), resumable.fleet.reader)
    assert sorted(_by_key(pool_only.lines)) == sorted(
        [three, *(f"{three}/{c}" for c in resumable.pools[three])]
    )
    one_client = walk_unit(
        _unit(*resumable.documents, only_pool=three, only_client=client), resumable.fleet.reader
    )
    assert [_key(line) for line in one_client.lines] == [f"{three}/{client}"]


def test_cursor_round_trip() -> None:
    assert Cursor.from_dict(None) is None
    assert Cursor.from_dict({}) is None
    assert Cursor.from_dict({"userPoolId": "eu-west-1_A", "clientId": None}) == Cursor("eu-west-1_A")
    assert Cursor.from_dict(Cursor("eu-west-1_A", "c").to_dict()) == Cursor("eu-west-1_A", "c")


# --------------------------------------------------------------------------------------------------
# Reader pagination
# --------------------------------------------------------------------------------------------------


def test_reader_lists_every_page(fleet: Fleet) -> None:
    # Given more app clients than one ListUserPoolClients page (60) holds
    pool = fleet.pool("big")
    clients = {fleet.client(pool, f"c{index}") for index in range(61)}
    pools = {fleet.pool("second"), pool}
    # When listed through the reader
    listed = fleet.reader.list_clients(pool)
    # Then every client, once, with ids and names
    assert {str(c["ClientId"]) for c in listed} == clients
    assert len(listed) == 61
    assert {c["ClientName"] for c in listed} == {f"c{index}" for index in range(61)}
    assert {str(p["Id"]) for p in fleet.reader.list_pools()} == pools
    assert faults.calls("ListUserPoolClients") == ["ListUserPoolClients"] * 2


# --------------------------------------------------------------------------------------------------
# Every kind: named resources, client-level settings, secrets
# --------------------------------------------------------------------------------------------------

OIDC_SECRET = "oidc-test-secret-not-real"  # the fake's stored value, never a real credential
GOOGLE_SECRET = "google-test-secret-not-real"


def _full(fleet: Fleet) -> seed.FullPool:
    return seed.full_pool(fleet.cognito, oidc_client_secret=OIDC_SECRET, google_client_secret=GOOGLE_SECRET)


def _kind_key(line: Mapping[str, Any]) -> tuple[str, str, str]:
    target = line["target"]
    return (str(target.get("clientId", "")), str(target.get("kind", "")), str(target.get("name", "")))


def test_group_and_identity_provider_documents_check_each_selected_resource(fleet: Fleet) -> None:
    # Given a pool with two groups and two identity providers; a group document naming no group and an
    # identity provider document naming one provider
    pool = _full(fleet)
    oidc = pool.identity_providers[0]
    groups = _doc("groups", kind="group", patch={"Precedence": 5}, mode="correct")
    idp = _doc(
        "idp",
        kind="identityProvider",
        selector={"names": [oidc]},
        patch={"ProviderDetails": {"authorize_scopes": "openid email"}},
        mode="correct",
    )
    faults.reset()
    # When the unit is walked
    progress = walk_unit(_unit(groups, idp), fleet.reader)
    # Then the groups were listed whole and never read again (ListGroups returns every group as GetGroup
    # does), and the named provider read alone
    assert faults.calls("ListGroups") == ["ListGroups"]
    assert faults.calls("GetGroup") == []
    assert faults.calls("ListIdentityProviders") == ["ListIdentityProviders"]
    assert faults.calls("DescribeIdentityProvider") == ["DescribeIdentityProvider"]
    # And every group and only the named provider is a target, each with the service's live values
    lines = {_kind_key(line): line for line in progress.lines}
    assert sorted(lines) == sorted(
        [("", "group", name) for name in pool.groups] + [("", "identityProvider", oidc)]
    )
    for name in pool.groups:
        live = fleet.cognito.get_group(UserPoolId=pool.user_pool_id, GroupName=name)["Group"]
        entry = {"path": "/Precedence", "desired": 5, "document": "groups"}
        if "Precedence" in live:
            entry["live"] = live["Precedence"]
        assert lines[("", "group", name)]["drift"] == [entry]
        assert lines[("", "group", name)]["proposal"]["patch"] == {"Precedence": 5}
    provider = fleet.cognito.describe_identity_provider(UserPoolId=pool.user_pool_id, ProviderName=oidc)
    assert lines[("", "identityProvider", oidc)]["drift"] == [
        {
            "path": "/ProviderDetails/authorize_scopes",
            "desired": "openid email",
            "live": provider["IdentityProvider"]["ProviderDetails"]["authorize_scopes"],
            "document": "idp",
        }
    ]
    # And no secret is in any line
    text = json.dumps(progress.lines, default=str)
    assert OIDC_SECRET not in text
    assert GOOGLE_SECRET not in text


def test_a_secret_is_never_in_a_document_and_a_kept_one_is_compared_redacted(fleet: Fleet) -> None:
    # Given an identity provider document wanting another client_secret, and one keeping it ("<redacted>")
    pool = _full(fleet)
    oidc = pool.identity_providers[0]
    other = "another-test-secret-not-real"

    # When the first is read: it is refused (sweeps copy patches into reports and corrections)
    with pytest.raises(InvalidRequest) as refused:
        _doc(
            "secret",
            kind="identityProvider",
            selector={"names": [oidc]},
            patch={"ProviderDetails": {"client_secret": other}},
        )
    keeps = _doc(
        "keeps",
        kind="identityProvider",
        selector={"names": [oidc, pool.identity_providers[1]]},
        patch={"ProviderDetails": {"client_secret": "<redacted>"}},
    )
    # And the unit of the second is walked
    lines = {_kind_key(line): line for line in walk_unit(_unit(keeps), fleet.reader).lines}

    # Then the refusal names the secret's pointer without its value; the kept secret is in sync; no line
    # holds a secret
    assert refused.value.path == "/patch/ProviderDetails/client_secret"
    assert other not in refused.value.describe()
    assert lines[("", "identityProvider", oidc)]["status"] == "in-sync"
    assert lines[("", "identityProvider", pool.identity_providers[1])]["status"] == "in-sync"
    text = json.dumps(list(lines.values()), default=str)
    assert OIDC_SECRET not in text
    assert GOOGLE_SECRET not in text


def test_pool_level_kinds_read_their_own_operation_and_domains_come_from_the_pool(fleet: Fleet) -> None:
    # Given an mfa, a domain and a log delivery document
    pool = _full(fleet)
    documents = (
        _doc("mfa", kind="mfa", patch={"MfaConfiguration": "ON"}),
        _doc("domain", kind="domain", patch={"ManagedLoginVersion": 1}),
        _doc("logs", kind="logDelivery", patch={"LogConfigurations": []}),
    )
    # When the unit is walked
    lines = {_kind_key(line): line for line in walk_unit(_unit(*documents), fleet.reader).lines}
    # Then each compares with its read operation's output; the domain is the one DescribePool names
    described = fleet.describe_pool(pool.user_pool_id)
    assert described["Domain"] == pool.domain
    mfa = fleet.cognito.get_user_pool_mfa_config(UserPoolId=pool.user_pool_id)
    domain = fleet.cognito.describe_user_pool_domain(Domain=pool.domain)["DomainDescription"]
    logs = fleet.cognito.get_log_delivery_configuration(UserPoolId=pool.user_pool_id)
    assert sorted(lines) == [("", "domain", pool.domain), ("", "logDelivery", ""), ("", "mfa", "")]
    assert lines[("", "mfa", "")]["drift"] == [
        {"path": "/MfaConfiguration", "desired": "ON", "live": mfa["MfaConfiguration"], "document": "mfa"}
    ]
    assert lines[("", "domain", pool.domain)]["drift"] == [
        {
            "path": "/ManagedLoginVersion",
            "desired": 1,
            "live": domain["ManagedLoginVersion"],
            "document": "domain",
        }
    ]
    assert lines[("", "logDelivery", "")]["drift"] == [
        {
            "path": "/LogConfigurations",
            "desired": [],
            "live": logs["LogDeliveryConfiguration"]["LogConfigurations"],
            "document": "logs",
        }
    ]
    assert faults.calls("ListIdentityProviders") == []


def test_client_selectors_pick_the_client_level_setting(fleet: Fleet) -> None:
    # Given risk documents at the pool level and for the portal client (which has its own configuration)
    pool = _full(fleet)
    want = {"RiskExceptionConfiguration": {"SkippedIPRangeList": ["10.0.0.0/16"]}}
    documents = (
        _doc("risk-pool", kind="riskConfiguration", patch=want),
        _doc("risk-client", kind="riskConfiguration", selector={"clientIds": [pool.client_id]}, patch=want),
    )
    # When the unit is walked
    lines = {_kind_key(line): line for line in walk_unit(_unit(*documents), fleet.reader).lines}
    # Then the pool's setting and the client's own are two targets, each read with its own ClientId
    assert sorted(lines) == [("", "riskConfiguration", ""), (pool.client_id, "riskConfiguration", "")]
    pool_level = fleet.cognito.describe_risk_configuration(UserPoolId=pool.user_pool_id)
    assert lines[("", "riskConfiguration", "")]["drift"] == [
        {
            "path": "/RiskExceptionConfiguration/SkippedIPRangeList",
            "desired": ["10.0.0.0/16"],
            "live": pool_level["RiskConfiguration"]["RiskExceptionConfiguration"]["SkippedIPRangeList"],
            "document": "risk-pool",
        }
    ]
    client_level = fleet.cognito.describe_risk_configuration(
        UserPoolId=pool.user_pool_id, ClientId=pool.client_id
    )["RiskConfiguration"]
    assert client_level["ClientId"] == pool.client_id
    assert "RiskExceptionConfiguration" not in client_level
    assert lines[(pool.client_id, "riskConfiguration", "")]["drift"] == [
        {
            "path": "/RiskExceptionConfiguration",
            "desired": want["RiskExceptionConfiguration"],
            "document": "risk-client",
        }
    ]


def test_groups_read_from_their_listing_still_pass_the_unknown_field_guard(fleet: Fleet) -> None:
    # Given a service whose ListGroups answer holds a member this botocore does not know, on the first group
    pool = _full(fleet)
    faults.add_raw_member("ListGroups", "/Groups/0/FutureSetting", "on")
    # When a group document is walked (the groups come from the listing, not from GetGroup)
    progress = walk_unit(_unit(_doc("groups", kind="group", patch={"Precedence": 5})), fleet.reader)
    # Then that group is an SdkModelOutdated error line naming the member; the other is checked
    lines = {_kind_key(line): line for line in progress.lines}
    first, second = sorted(pool.groups)
    assert lines[("", "group", first)]["error"]["code"] == "SdkModelOutdated"
    assert "FutureSetting" in lines[("", "group", first)]["error"]["message"]
    assert "error" not in lines[("", "group", second)]


def test_targeted_check_of_one_group(fleet: Fleet) -> None:
    # Given a group document over both groups of a pool
    pool = _full(fleet)
    documents = (_doc("groups", kind="group", patch={"Precedence": 5}), _doc("pool"))
    faults.reset()
    # When a check covers one kind and one name (as after an UpdateGroup event)
    unit = _unit(
        *documents, only_pool=pool.user_pool_id, only_kinds=frozenset({"group"}), only_name=pool.groups[1]
    )
    progress = walk_unit(unit, fleet.reader)
    # Then only that group is checked: not the other, not the pool's own line
    assert [_kind_key(line) for line in progress.lines] == [("", "group", pool.groups[1])]
    assert (faults.calls("ListGroups"), faults.calls("GetGroup")) == (["ListGroups"], [])


def test_resumed_walk_over_every_kind_has_no_duplicates_and_no_gaps(fleet: Fleet) -> None:
    # Given documents of pool-level, named and client-level kinds over one full pool
    pool = _full(fleet)
    documents = (
        _doc("pool"),
        _doc("mfa", kind="mfa", patch={"MfaConfiguration": "ON"}),
        _doc("groups", kind="group", patch={"Precedence": 5}),
        _doc("idps", kind="identityProvider", patch={"IdpIdentifiers": []}),
        _doc("clients", kind="client", patch={"RefreshTokenValidity": 7}),
        _doc(
            "risk",
            kind="riskConfiguration",
            selector={"clientNames": ["acme-partners-portal"]},
            patch={"RiskExceptionConfiguration": {"SkippedIPRangeList": ["10.0.0.0/16"]}},
        ),
    )
    unit = _unit(*documents)
    full = walk_unit(unit, Recording(fleet.reader)).lines
    expected = sorted(
        [
            ("", "", ""),
            ("", "mfa", ""),
            *(("", "group", name) for name in pool.groups),
            *(("", "identityProvider", name) for name in pool.identity_providers),
            (pool.client_id, "", ""),
            (pool.other_client_id, "", ""),
            (pool.client_id, "riskConfiguration", ""),
        ]
    )
    assert sorted(_kind_key(line) for line in full) == expected
    # One read per target (the pool's line is the read that gives its tags), except groups: their listing
    # holds them whole
    describes = len(expected) - len(pool.groups)
    for stop_after in range(1, describes):
        # Given a walk stopped after `stop_after` reads
        reader = Recording(fleet.reader)
        first = walk_unit(unit, reader, should_stop=_stopping_after(reader, stop_after))
        assert not first.finished, stop_after
        assert first.cursor is not None
        # When walking again from its cursor (through its JSON form)
        cursor = Cursor.from_dict(json.loads(json.dumps(first.cursor.to_dict())))
        rest = walk_unit(unit, Recording(fleet.reader), after=cursor)
        # Then every target is checked exactly once, as a full walk checks it
        combined = [*first.lines, *rest.lines]
        assert sorted(_kind_key(line) for line in combined) == expected, stop_after
        assert {_kind_key(line): line for line in combined} == {_kind_key(line): line for line in full}


def test_a_failed_group_listing_is_reported_once_and_the_rest_of_the_pool_checked(fleet: Fleet) -> None:
    # Given a pool whose groups cannot be listed
    pool = _full(fleet)
    documents = (
        _doc("groups", kind="group", patch={"Precedence": 5}),
        _doc("logs", kind="logDelivery", patch={"LogConfigurations": []}),
    )
    faults.inject("ListGroups", "AccessDeniedException", times=2)
    # When a walk stops right after the failed listing, and another resumes from its cursor
    reader = Recording(fleet.reader)
    first = walk_unit(_unit(*documents), reader, should_stop=lambda: bool(faults.calls("ListGroups")))
    assert first.cursor == Cursor(pool.user_pool_id, kind="group")
    rest = walk_unit(_unit(*documents), Recording(fleet.reader), after=first.cursor)
    # Then the listing error is one line naming its operation, and log delivery is still checked
    lines = [*first.lines, *rest.lines]
    errors = [line for line in lines if line["status"] == "error"]
    assert [(e["error"]["code"], e["error"]["operation"]) for e in errors] == [("AccessDenied", "ListGroups")]
    assert [_kind_key(line) for line in lines if line["status"] != "error"] == [("", "logDelivery", "")]


def test_reader_lists_every_page_of_groups(fleet: Fleet) -> None:
    # Given more groups than one ListGroups page (60) holds
    pool = fleet.pool("groups")
    names = {f"group-{index:02d}" for index in range(61)}
    for name in names:
        fleet.cognito.create_group(UserPoolId=pool, GroupName=name)
    faults.reset()
    # When listed through the reader
    listed = fleet.reader.list_names(pool, "group")
    # Then every group once, in two pages
    assert sorted(listed) == sorted(names)
    assert faults.calls("ListGroups") == ["ListGroups"] * 2
