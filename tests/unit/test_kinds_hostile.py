"""An adversarial pass over the configuration kinds: a hostile user, a crafted snapshot, a failing network.

Each test drives the real code (``parse_request``, the engine over ``Boto3Cognito`` on the in-process fake,
the snapshot stores, the CLI) with an attack. An attack that is handled is a plain test documenting the
defence. The bugs this pass found (restore across kinds and names, over-long names in snapshot keys, the
recovery of a secret-only write) were strict xfails until fixed; their tests are plain tests now. Expected
values come from the fake's raw reads and the test's own data, never from the code under test. Secrets
planted here are fake and are only ever searched for, never printed.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from poolpatch.adapters.cognito import Boto3Cognito, client_config
from poolpatch.adapters.snapshots import LocalSnapshotStore, scoped_key, subject_prefix
from poolpatch.cli import main, render
from poolpatch.engine import Engine, fixed
from poolpatch.errors import InvalidRequest, ServiceError
from poolpatch.request import Target, parse_request
from poolpatch.result import Result
from poolpatch_fake import faults, seed
from poolpatch_fake.seed import FullPool

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "eu-west-1"
ACCOUNT = seed.ACCOUNT_ID
IDP_SECRET = "PLANTED-IDP-SECRET-hostile-3c1e77"
GOOGLE_SECRET = "PLANTED-GOOGLE-SECRET-hostile-9a0b42"
OTHER_SECRET = "PLANTED-OTHER-SECRET-hostile-5d2f10"
SECRETS = (IDP_SECRET, GOOGLE_SECRET, OTHER_SECRET)
REDACTED = "<redacted>"


@dataclass
class World:
    """The full pool on the fake, an engine over it with local snapshots (one botocore attempt per call)."""

    cognito: CognitoIdentityProviderClient
    port: Boto3Cognito
    engine: Engine
    pool: FullPool
    root: Path
    requests: list[str] = field(default_factory=list)

    def request(self, target: Mapping[str, Any], **members: Any) -> dict[str, Any]:
        request_id = members.pop("requestId", None) or f"req-{len(self.requests) + 1}"
        self.requests.append(request_id)
        return {
            "version": "1",
            "requestId": request_id,
            "target": {"userPoolId": self.pool.user_pool_id, **target},
            **members,
        }

    def run(self, target: Mapping[str, Any], **members: Any) -> Result:
        return self.engine.run(parse_request(self.request(target, **members)))

    def files(self) -> list[Path]:
        return sorted(path for path in self.root.rglob("*") if path.is_file())

    def files_text(self) -> str:
        return "\n".join(path.read_text() for path in self.files())


def _path(reference: str) -> Path:
    assert reference.startswith("file://"), reference
    return Path(unquote(urlparse(reference).path))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with mock_aws(), poolpatch_fake.installed():
        cognito = boto3.client("cognito-idp", region_name=REGION, config=client_config(max_attempts=1))
        full = seed.full_pool(cognito, oidc_client_secret=IDP_SECRET, google_client_secret=GOOGLE_SECRET)
        port = Boto3Cognito(cognito, sleep=lambda _seconds: None)
        root = (tmp_path / "snapshots-root").resolve()
        root.mkdir()
        engine = Engine(
            fixed(port), LocalSnapshotStore(root), account_id=ACCOUNT, region=REGION, sleep=lambda _s: None
        )
        faults.reset()
        yield World(cognito, port, engine, full, root)
        faults.reset()


def _idp(world: World, name: str) -> dict[str, Any]:
    response = world.cognito.describe_identity_provider(UserPoolId=world.pool.user_pool_id, ProviderName=name)
    return dict(response["IdentityProvider"])


def _add_oidc(world: World, name: str, secret: str) -> None:
    world.cognito.create_identity_provider(
        UserPoolId=world.pool.user_pool_id,
        ProviderName=name,
        ProviderType="OIDC",
        ProviderDetails={
            "client_id": f"{name.lower()}-portal",
            "client_secret": secret,
            "authorize_scopes": "openid email",
            "attributes_request_method": "GET",
            "oidc_issuer": f"https://login.{name.lower()}.example.com",
        },
        AttributeMapping={"email": "email"},
    )


def _sent_to(operation: str, **ids: str) -> list[dict[str, Any]]:
    """The bodies of ``operation`` the fake received whose id members equal ``ids``."""
    return [body for body in faults.sent(operation) if all(body.get(k) == v for k, v in ids.items())]


def _shown(result: Result) -> str:
    """Everything a person or a subscriber sees of a result: the document and the CLI's text."""
    return json.dumps(result.to_dict(), default=str) + render(result)


# --- restore across targets ----------------------------------------------------------------------------


def test_restoring_one_identity_providers_snapshot_onto_another_is_refused(world: World) -> None:
    # Given a second OIDC provider, and a before snapshot of the seeded OIDC provider
    _add_oidc(world, "PartnerB", OTHER_SECRET)
    oidc = world.pool.identity_providers[0]
    first = world.run(
        {"kind": "identityProvider", "name": oidc}, patch={"AttributeMapping": {"family_name": "family_name"}}
    )
    assert first.status == "applied"
    before_b = _idp(world, "PartnerB")
    faults.reset()

    # When that snapshot is restored onto PartnerB
    result = world.run(
        {"kind": "identityProvider", "name": "PartnerB"}, restore={"snapshot": first.snapshots["before"]}
    )

    # Then it is refused as another target's snapshot, and PartnerB is neither written nor changed
    assert result.status == "rejected"
    assert result.error is not None
    assert result.error.code == "InvalidRequest"
    assert _sent_to("UpdateIdentityProvider", ProviderName="PartnerB") == []
    assert _idp(world, "PartnerB")["ProviderDetails"] == before_b["ProviderDetails"]


def test_restoring_a_snapshot_recorded_for_another_kind_is_refused(world: World) -> None:
    # Given a genuine pool before snapshot, copied with its recorded kind changed to mfa (a crafted file)
    first = world.run({}, patch={"DeletionProtection": "INACTIVE"})
    assert first.status == "applied"
    document = json.loads(_path(first.snapshots["before"]).read_text())
    document["target"]["kind"] = "mfa"
    crafted = world.root / "crafted-before.json"
    crafted.write_text(json.dumps(document))

    # When it is restored onto the pool, in plan mode
    result = world.run({}, restore={"snapshot": crafted.as_uri()}, mode="plan")

    # Then it is refused: the file says it is not this target's snapshot
    assert result.status == "rejected"
    assert result.error is not None
    assert result.error.path == "/restore/snapshot"


def test_restoring_a_pool_snapshot_onto_mfa_is_refused_without_a_write(world: World) -> None:
    # Given a pool before snapshot
    first = world.run({}, patch={"DeletionProtection": "INACTIVE"})
    assert first.status == "applied"
    faults.reset()

    # When it is restored onto the mfa target
    result = world.run({"kind": "mfa"}, restore={"snapshot": first.snapshots["before"]})

    # Then it is rejected at /restore/snapshot and SetUserPoolMfaConfig is never sent
    assert result.status == "rejected"
    assert result.error is not None
    assert result.error.path == "/restore/snapshot"
    assert faults.calls("SetUserPoolMfaConfig") == []


def test_restoring_an_mfa_snapshot_onto_the_pool_never_writes_the_pool(world: World) -> None:
    # Given a pool whose MFA read is only {"MfaConfiguration": "OFF"}, and the mfa kind's before snapshot
    pool_id = world.cognito.create_user_pool(PoolName="plain", DeletionProtection="ACTIVE")["UserPool"]["Id"]
    mfa: dict[str, Any] = dict(world.cognito.get_user_pool_mfa_config(UserPoolId=pool_id))
    mfa.pop("ResponseMetadata", None)
    assert mfa == {"MfaConfiguration": "OFF"}
    patch = {"MfaConfiguration": "OPTIONAL", "SoftwareTokenMfaConfiguration": {"Enabled": True}}
    document = {"version": "1", "requestId": "mfa-1", "target": {"userPoolId": pool_id, "kind": "mfa"}}
    first = world.engine.run(parse_request({**document, "patch": patch}))
    assert first.status == "applied"
    faults.reset()

    # When an operator restores it forgetting --kind mfa (the pool target)
    restore = {"version": "1", "requestId": "mfa-2", "target": {"userPoolId": pool_id}}
    result = world.engine.run(parse_request({**restore, "restore": {"snapshot": first.snapshots["before"]}}))

    # Then the pool is not replaced by {"MfaConfiguration": "OFF"}: rejected, UpdateUserPool never sent,
    # DeletionProtection still ACTIVE (refused today only because the replacement would null UserPoolTier)
    assert result.status == "rejected"
    assert faults.calls("UpdateUserPool") == []
    assert world.cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["DeletionProtection"] == "ACTIVE"


def test_restoring_client_level_risk_onto_the_pool_level_is_refused(world: World) -> None:
    # Given a before snapshot of the client-level risk configuration
    client = world.pool.client_id
    first = world.run(
        {"kind": "riskConfiguration", "clientId": client},
        patch={"RiskExceptionConfiguration": {"BlockedIPRangeList": ["203.0.113.0/24"]}},
    )
    assert first.status == "applied"
    faults.reset()

    # When it is restored onto the pool-level risk configuration
    result = world.run({"kind": "riskConfiguration"}, restore={"snapshot": first.snapshots["before"]})

    # Then it is refused and nothing is sent
    assert result.status == "rejected"
    assert result.error is not None
    assert result.error.code == "InvalidRequest"
    assert faults.calls("SetRiskConfiguration") == []


# --- hostile names -------------------------------------------------------------------------------------

#: GroupName values the model's pattern accepts, with their RFC 3986 percent-encoding written out by hand.
HOSTILE_GROUPS = [
    ("../x", "..%2Fx"),
    ("..", ".."),
    ("a/b", "a%2Fb"),
    ("a%2Fb", "a%252Fb"),
    ("%2e%2e", "%252e%252e"),
    ("é-grp", "%C3%A9-grp"),
]


@pytest.mark.parametrize(("name", "encoded"), HOSTILE_GROUPS)
def test_hostile_group_names_stay_in_their_folder_and_restore_finds_the_file(
    world: World, name: str, encoded: str
) -> None:
    # Given a group with a traversal-looking or percent-looking name
    world.cognito.create_group(UserPoolId=world.pool.user_pool_id, GroupName=name, Description="first")

    # When it is changed, then restored from its before snapshot (the file:// reference the result gave)
    changed = world.run({"kind": "group", "name": name}, patch={"Description": "second"})
    restored = world.run({"kind": "group", "name": name}, restore={"snapshot": changed.snapshots["before"]})

    # Then the snapshot sits in the group's own folder, and the restore found it and wrote "first" back
    folder = world.root / "snapshots" / ACCOUNT / REGION / world.pool.user_pool_id / f"group-{encoded}"
    assert _path(changed.snapshots["before"]).parent.parent == folder
    assert restored.status == "applied", restored.to_dict()
    group = world.cognito.get_group(UserPoolId=world.pool.user_pool_id, GroupName=name)["Group"]
    assert group["Description"] == "first"


def test_snapshot_prefixes_never_collide_across_kinds_and_names() -> None:
    # Given targets of every named kind with names that encode into each other or into other segments
    names = ["a/b", "a%2Fb", "a%252Fb", "..", "../pool", "idp-x", "group-x", "x/../../pool", "%"]
    targets = [
        Target("eu-west-1_abc", account_id=ACCOUNT, region=REGION, kind=kind, name=name)
        for kind in ("identityProvider", "resourceServer", "group")
        for name in names
    ]
    targets += [
        Target("eu-west-1_abc", client, ACCOUNT, REGION, kind=kind)
        for kind in ("client", "riskConfiguration", "uiCustomization", "managedLoginBranding")
        for client in ("c1", "c1+", "c2")
    ]
    targets += [
        Target("eu-west-1_abc", account_id=ACCOUNT, region=REGION, kind=kind)
        for kind in ("pool", "mfa", "riskConfiguration", "uiCustomization", "logDelivery")
    ]

    # When their snapshot prefixes are computed
    prefixes = [subject_prefix(target) for target in targets]

    # Then all differ, none is below another, and each is exactly one segment below the pool
    assert len(set(prefixes)) == len(prefixes)
    assert not any(a != b and b.startswith(a) for a in prefixes for b in prefixes)
    assert all(
        p.startswith(f"snapshots/{ACCOUNT}/{REGION}/eu-west-1_abc/") and p.count("/") == 5 for p in prefixes
    )


def test_scoped_key_refuses_the_key_of_another_name() -> None:
    # Given the key of group "a" and a key smuggling "../" through an encoded segment
    group_a = Target("eu-west-1_abc", account_id=ACCOUNT, region=REGION, kind="group", name="a")
    group_b = Target("eu-west-1_abc", account_id=ACCOUNT, region=REGION, kind="group", name="b")
    key_a = f"snapshots/{ACCOUNT}/{REGION}/eu-west-1_abc/group-a/20260101T000000Z-r1/before.json"
    traversal = (
        f"snapshots/{ACCOUNT}/{REGION}/eu-west-1_abc/group-b/../group-a/20260101T000000Z-r1/before.json"
    )

    # When / Then: group a's own key is accepted for a, refused for b, and the traversal is refused
    assert scoped_key(key_a, bucket="bk", target=group_a) == key_a
    for reference in (key_a, f"s3://bk/{key_a}", traversal):
        with pytest.raises(InvalidRequest):
            scoped_key(reference, bucket="bk", target=group_b)


@pytest.mark.parametrize("name", ["a\x00b", "a\nb", "a\x1b[31mb", "a\u202eb", "", "x" * 129])
def test_unprintable_or_oversized_group_names_are_refused_without_echo(name: str) -> None:
    # Given a group target with a control character, an empty name or a name longer than 128
    document = {
        "version": "1",
        "requestId": "r1",
        "target": {"userPoolId": "eu-west-1_abc", "kind": "group", "name": name},
        "patch": {"Description": "x"},
    }

    # When it is parsed / Then it is InvalidRequest at /target/name, and the message never shows the name
    with pytest.raises(InvalidRequest) as caught:
        parse_request(document)
    assert caught.value.path == "/target/name"
    if name:
        assert name not in caught.value.describe()


def test_cli_never_echoes_an_invalid_name(world: World) -> None:
    # Given a --name with a terminal escape sequence
    name = "evil\x1b]0;pwned\x07"

    # When plan runs with --output json
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "plan",
            "--user-pool-id",
            world.pool.user_pool_id,
            "--kind",
            "group",
            "--name",
            name,
            "--patch",
            '{"Description": "x"}',
            "--output",
            "json",
        ],
        stdout=out,
        stderr=err,
    )

    # Then it fails (exit 1) and neither stream carries the escape sequence
    assert code == 1
    assert "\x1b" not in out.getvalue() + err.getvalue()
    assert json.loads(out.getvalue())["error"]["code"] == "InvalidRequest"


def test_a_long_valid_group_name_can_be_changed(world: World) -> None:
    # Given a group whose name is 128 "!" (GroupName: 1-128 of [\p{L}\p{M}\p{S}\p{N}\p{P}])
    name = "!" * 128
    world.cognito.create_group(UserPoolId=world.pool.user_pool_id, GroupName=name)

    # When its description is changed
    result = world.run({"kind": "group", "name": name}, patch={"Description": "long"})

    # Then it is applied with a before snapshot like any other group
    assert result.status == "applied", result.to_dict()["error"]
    assert "before" in result.snapshots


# --- kind / clientId confusion -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ({"kind": "client"}, "/target/clientId"),
        ({"kind": "managedLoginBranding"}, "/target/clientId"),
        ({"kind": "pool", "clientId": "abc123"}, "/target/clientId"),
        ({"kind": "mfa", "clientId": "abc123"}, "/target/clientId"),
        ({"kind": "group", "clientId": "abc123", "name": "g"}, "/target/clientId"),
        ({"kind": "group"}, "/target/name"),
        ({"kind": "mfa", "name": "x"}, "/target/name"),
        ({"kind": "domain", "name": "../other"}, "/target/name"),
        ({"kind": "domain", "name": "a..b"}, "/target/name"),
        ({"kind": "Pool"}, "/target/kind"),
    ],
)
def test_kind_client_and_name_confusion_is_refused_at_parse(target: dict[str, str], path: str) -> None:
    # Given a target whose kind, clientId and name do not fit together
    document = {"version": "1", "requestId": "r1", "target": {"userPoolId": "eu-west-1_abc", **target}}

    # When it is parsed / Then InvalidRequest names the member at fault
    with pytest.raises(InvalidRequest) as caught:
        parse_request({**document, "patch": {"Description": "x"}})
    assert caught.value.path == path


def test_a_domain_of_another_pool_is_not_found_and_never_written(world: World) -> None:
    # Given a second pool with its own domain
    other = seed.full_pool(world.cognito, oidc_client_secret=OTHER_SECRET, pool_name="other")
    raw = world.cognito.describe_user_pool_domain(Domain=other.domain)["DomainDescription"]
    faults.reset()

    # When this pool's request names the other pool's domain
    result = world.run({"kind": "domain", "name": other.domain}, patch={"ManagedLoginVersion": 1})

    # Then NotFound, UpdateUserPoolDomain never sent, the other domain unchanged, no snapshot
    assert result.status == "rejected"
    assert result.error is not None
    assert result.error.code == "NotFound"
    assert faults.calls("UpdateUserPoolDomain") == []
    after = world.cognito.describe_user_pool_domain(Domain=other.domain)["DomainDescription"]
    assert after["ManagedLoginVersion"] == raw["ManagedLoginVersion"] == 2
    assert world.files() == []


@pytest.mark.parametrize(
    ("kind", "write"),
    [("riskConfiguration", "SetRiskConfiguration"), ("uiCustomization", "SetUICustomization")],
)
def test_a_client_of_another_pool_is_not_found_and_never_written(world: World, kind: str, write: str) -> None:
    # Given a client of a second pool
    other = seed.full_pool(world.cognito, oidc_client_secret=OTHER_SECRET, pool_name="other")
    faults.reset()
    patch = (
        {"CSS": ".a{}"}
        if kind == "uiCustomization"
        else {"RiskExceptionConfiguration": {"BlockedIPRangeList": ["203.0.113.0/24"]}}
    )

    # When this pool's client-level setting is requested for that client
    result = world.run({"kind": kind, "clientId": other.client_id}, patch=patch)

    # Then NotFound, nothing written, no snapshot
    assert result.status == "rejected"
    assert result.error is not None
    assert result.error.code == "NotFound"
    assert faults.calls(write) == []
    assert world.files() == []


@pytest.mark.parametrize(
    ("target", "patch"),
    [
        ({"kind": "group", "name": "no-such-group"}, {"Description": "x"}),
        ({"kind": "identityProvider", "name": "NoSuchIdP"}, {"AttributeMapping": {"email": "email"}}),
        ({"kind": "resourceServer", "name": "https://none.example.com"}, {"Name": "x"}),
        ({"kind": "managedLoginBranding", "clientId": "OTHER"}, {"UseCognitoProvidedValues": True}),
    ],
)
def test_a_missing_named_target_or_style_is_not_found(
    world: World, target: dict[str, str], patch: dict[str, Any]
) -> None:
    # Given a name that does not exist, or the second client, which has no branding style
    if target.get("clientId") == "OTHER":
        target = {**target, "clientId": world.pool.other_client_id}

    # When a change is requested
    result = world.run(target, patch=patch)

    # Then NotFound (final), no write of any kind, no snapshot
    assert result.status == "rejected"
    assert result.error is not None
    assert result.error.code == "NotFound"
    assert not [name for name in faults.calls() if name.startswith(("Update", "Set"))]
    assert world.files() == []


def test_branding_writes_go_to_the_style_of_the_client_named_after_interleaved_describes(
    world: World,
) -> None:
    # Given a style for each client, described on one adapter in the order A, B, A, B
    pool_id, a, b = world.pool.user_pool_id, world.pool.client_id, world.pool.other_client_id
    world.cognito.create_managed_login_branding(UserPoolId=pool_id, ClientId=b, UseCognitoProvidedValues=True)
    style = {
        client: world.cognito.describe_managed_login_branding_by_client(UserPoolId=pool_id, ClientId=client)[
            "ManagedLoginBranding"
        ]["ManagedLoginBrandingId"]
        for client in (a, b)
    }
    assert style[a] != style[b]
    targets = {client: Target(pool_id, client, kind="managedLoginBranding") for client in (a, b)}
    for client in (a, b, a, b):
        world.port.describe(targets[client])

    # When A, then B, then A are updated from two threads as well as in turn
    world.port.update(targets[a], {"UseCognitoProvidedValues": True})
    world.port.update(targets[b], {"UseCognitoProvidedValues": True})

    def loop(client: str) -> None:
        for _ in range(5):
            world.port.describe(targets[client])
            world.port.update(targets[client], {"UseCognitoProvidedValues": True})

    threads = [threading.Thread(target=loop, args=(client,)) for client in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then each write named its own client's style: 6 to A's, 6 to B's, none elsewhere
    sent = [body["ManagedLoginBrandingId"] for body in faults.sent("UpdateManagedLoginBranding")]
    assert sorted(sent) == sorted([style[a]] * 6 + [style[b]] * 6)


# --- blobs ---------------------------------------------------------------------------------------------

#: ImageFileType and the branding asset Bytes: blobs of at most 131072 bytes (botocore cognito-idp model).
BLOB_MAX = 131072


@pytest.mark.parametrize(
    ("target", "patch"),
    [
        ({"kind": "uiCustomization"}, {"ImageFile": "not base64 at all!"}),
        ({"kind": "uiCustomization"}, {"ImageFile": base64.b64encode(b"\x89PNG" + bytes(BLOB_MAX)).decode()}),
        ({"kind": "uiCustomization"}, {"ImageFile": 42}),
        (
            {"kind": "managedLoginBranding", "clientId": "CLIENT"},
            {"Assets": [{"Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": "%%%"}]},
        ),
    ],
)
def test_bad_blobs_are_refused_before_any_snapshot_or_write(
    world: World, target: dict[str, str], patch: dict[str, Any]
) -> None:
    # Given a blob that is not base64, one over the model's maximum once decoded, or not text at all
    if target.get("clientId") == "CLIENT":
        target = {**target, "clientId": world.pool.client_id}

    # When it is applied
    result = world.run(target, patch=patch)

    # Then InvalidValue (final), no before snapshot, no write
    assert result.status == "rejected"
    assert result.error is not None
    assert result.error.code == "InvalidValue"
    assert result.snapshots == {}
    assert world.files() == []
    assert faults.calls("SetUICustomization") == faults.calls("UpdateManagedLoginBranding") == []


# --- "<redacted>" and secrets --------------------------------------------------------------------------


def test_redacted_at_a_path_that_is_not_a_secret_keeps_the_live_value(world: World) -> None:
    # Given a group with a description (design.md: in a patch "<redacted>" means "keep the live value")
    name = world.pool.groups[0]
    live = world.cognito.get_group(UserPoolId=world.pool.user_pool_id, GroupName=name)["Group"]["Description"]

    # When a patch sets the description to "<redacted>"
    result = world.run({"kind": "group", "name": name}, patch={"Description": REDACTED})

    # Then nothing changes: the literal is never written
    assert result.status == "unchanged"
    assert faults.calls("UpdateGroup") == []
    assert (
        world.cognito.get_group(UserPoolId=world.pool.user_pool_id, GroupName=name)["Group"]["Description"]
        == live
    )


def test_redacted_where_nothing_is_live_is_refused(world: World) -> None:
    # Given the second group, which has no RoleArn, and the Google provider patched with a new secret key
    viewers = world.pool.groups[1]
    assert (
        "RoleArn"
        not in world.cognito.get_group(UserPoolId=world.pool.user_pool_id, GroupName=viewers)["Group"]
    )

    # When "<redacted>" is sent where nothing is live
    no_role = world.run({"kind": "group", "name": viewers}, patch={"RoleArn": REDACTED})
    no_key = world.run(
        {"kind": "identityProvider", "name": world.pool.identity_providers[1]},
        patch={"ProviderDetails": {"private_key": REDACTED}},
    )

    # Then each is InvalidValue at its pointer, with no write
    assert (no_role.status, no_role.error and no_role.error.path) == ("rejected", "/RoleArn")
    assert (no_key.status, no_key.error and no_key.error.path) == ("rejected", "/ProviderDetails/private_key")
    assert faults.calls("UpdateGroup") == faults.calls("UpdateIdentityProvider") == []


def test_a_secret_changed_by_another_writer_never_shows_in_results_output_or_snapshots(world: World) -> None:
    # Given another writer that changes the OIDC client_secret right after poolpatch's write
    oidc = world.pool.identity_providers[0]
    real_update = world.port.update

    def then_rotate(target: Target, document: Mapping[str, Any]) -> None:
        real_update(target, document)
        details = dict(_idp(world, oidc)["ProviderDetails"])
        details.pop(
            "attributes_url_add_attributes", None
        )  # derived: Describe adds it (cognito-surface.md §3)
        world.cognito.update_identity_provider(
            UserPoolId=world.pool.user_pool_id,
            ProviderName=oidc,
            ProviderDetails={**details, "client_secret": OTHER_SECRET},
        )

    world.port.update = then_rotate  # type: ignore[method-assign]

    # When a mapping change is applied
    patch = {"AttributeMapping": {"family_name": "family_name"}}
    result = world.run({"kind": "identityProvider", "name": oidc}, patch=patch)

    # Then verification reports the secret's path, but neither secret appears anywhere
    assert result.status == "applied"
    assert [change.path for change in result.differences or []] == ["/ProviderDetails/client_secret"]
    shown = _shown(result) + world.files_text()
    assert not [secret for secret in SECRETS if secret in shown]


@pytest.mark.parametrize(
    "patch",
    [
        {"ProviderDetails": None},
        {"ProviderDetails": {"client_secret": OTHER_SECRET}},
        {"ProviderDetails": {"client_secret": OTHER_SECRET + "x" * BLOB_MAX}},
        {"ProviderDetails": {"client_secret": [OTHER_SECRET]}},
    ],
)
def test_plans_and_refusals_touching_provider_details_never_show_a_secret(
    world: World, patch: dict[str, Any]
) -> None:
    # Given a patch that removes ProviderDetails, replaces the secret, or gives a too-long or mistyped one
    oidc = world.pool.identity_providers[0]

    # When it is planned
    result = world.run({"kind": "identityProvider", "name": oidc}, patch=patch, mode="plan")

    # Then whatever the outcome, no secret is shown
    assert result.status in {"planned", "rejected"}
    assert not [secret for secret in SECRETS if secret in _shown(result)]


def test_cli_export_of_an_identity_provider_never_prints_its_secret(world: World) -> None:
    # Given the OIDC provider, whose raw read carries its client_secret
    oidc = world.pool.identity_providers[0]
    assert _idp(world, oidc)["ProviderDetails"]["client_secret"] == IDP_SECRET

    # When it is exported
    out, err = io.StringIO(), io.StringIO()
    argv = ["export", "--user-pool-id", world.pool.user_pool_id, "--kind", "identityProvider", "--name", oidc]
    code = main(argv, stdout=out, stderr=err)

    # Then the secret shows as "<redacted>" and appears in neither stream
    assert code == 0
    assert json.loads(out.getvalue())["ProviderDetails"]["client_secret"] == REDACTED
    assert not [secret for secret in SECRETS if secret in out.getvalue() + err.getvalue()]


# --- faults --------------------------------------------------------------------------------------------


def test_a_throttled_context_read_fails_retryable_with_nothing_written(world: World) -> None:
    # Given DescribeUserPool (the context the mfa rules read) throttled once
    faults.inject("DescribeUserPool", "TooManyRequestsException")

    # When an mfa change is applied
    result = world.run({"kind": "mfa"}, patch={"MfaConfiguration": "ON"})

    # Then failed (retryable Throttled), no write, no snapshot
    assert result.status == "failed"
    assert result.error is not None
    assert (result.error.code, result.error.retryable) == ("Throttled", True)
    assert faults.calls("SetUserPoolMfaConfig") == []
    assert world.files() == []


def test_a_failing_companion_read_stops_before_the_snapshot_and_the_write(world: World) -> None:
    # Given GetUserPoolMfaConfig (the domain's companion, recorded in its before snapshot) failing once
    faults.inject("GetUserPoolMfaConfig", "InternalErrorException", status=500)

    # When a domain change is applied
    result = world.run({"kind": "domain", "name": world.pool.domain}, patch={"ManagedLoginVersion": 1})

    # Then failed and retryable, the companion was read, no write, no snapshot
    assert result.status == "failed"
    assert result.error is not None
    assert result.error.retryable
    assert faults.calls("GetUserPoolMfaConfig") == ["GetUserPoolMfaConfig"]
    assert faults.calls("UpdateUserPoolDomain") == []
    assert world.files() == []


def test_a_failing_verifying_read_keeps_applied_and_says_the_after_snapshot_is_missing(world: World) -> None:
    # Given DescribeIdentityProvider failing three times from just after the write on
    google = world.pool.identity_providers[1]
    real_update = world.port.update

    def then_fail(target: Target, document: Mapping[str, Any]) -> None:
        real_update(target, document)
        faults.inject("DescribeIdentityProvider", "InternalErrorException", status=500, times=3)

    world.port.update = then_fail  # type: ignore[method-assign]

    # When a mapping change is applied
    result = world.run(
        {"kind": "identityProvider", "name": google}, patch={"AttributeMapping": {"name": "name"}}
    )

    # Then applied, written once, verification error, before snapshot but no after snapshot
    assert result.status == "applied"
    assert len(_sent_to("UpdateIdentityProvider", ProviderName=google)) == 1
    assert result.verification_error is not None
    assert set(result.snapshots) == {"before"}
    assert _idp(world, google)["AttributeMapping"]["name"] == "name"


# --- redelivery ----------------------------------------------------------------------------------------


def _crash_after_write(world: World) -> Any:
    real_update = world.port.update

    def crash(target: Target, document: Mapping[str, Any]) -> None:
        real_update(target, document)
        raise ServiceError("The connection dropped after the write.", retryable=True)

    world.port.update = crash  # type: ignore[method-assign]
    return real_update


def test_redelivery_recognises_an_identity_provider_write_with_a_redacted_secret(world: World) -> None:
    # Given an attempt that changed a mapping and the client_secret, then crashed after its write
    oidc = world.pool.identity_providers[0]
    patch = {
        "AttributeMapping": {"given_name": "given_name"},
        "ProviderDetails": {"client_secret": OTHER_SECRET},
    }
    document = world.request({"kind": "identityProvider", "name": oidc}, patch=patch)
    since = datetime.now(UTC) - timedelta(seconds=2)
    real_update = _crash_after_write(world)
    first = world.engine.run(parse_request(document))
    world.port.update = real_update  # type: ignore[method-assign]
    assert first.status == "failed"
    assert "before" in first.snapshots

    # When the request is redelivered
    result = world.engine.run(parse_request(document), recover_since=since)

    # Then it is recovered: applied with the first attempt's before snapshot, one write in all
    assert (result.status, result.recovered) == ("applied", True)
    assert result.snapshots["before"] == first.snapshots["before"]
    assert len(_sent_to("UpdateIdentityProvider", ProviderName=oidc)) == 1
    assert not [secret for secret in SECRETS if secret in _shown(result) + world.files_text()]


def test_redelivery_recognises_a_secret_only_identity_provider_write(world: World) -> None:
    # Given an attempt that changed only the client_secret, then crashed after its write
    oidc = world.pool.identity_providers[0]
    document = world.request(
        {"kind": "identityProvider", "name": oidc}, patch={"ProviderDetails": {"client_secret": OTHER_SECRET}}
    )
    since = datetime.now(UTC) - timedelta(seconds=2)
    real_update = _crash_after_write(world)
    first = world.engine.run(parse_request(document))
    world.port.update = real_update  # type: ignore[method-assign]
    assert first.status == "failed"
    assert "before" in first.snapshots
    assert _idp(world, oidc)["ProviderDetails"]["client_secret"] == OTHER_SECRET  # the write took effect

    # When the request is redelivered
    result = world.engine.run(parse_request(document), recover_since=since)

    # Then it is recovered with the earlier before snapshot and a new after snapshot
    assert (result.status, result.recovered) == ("applied", True)
    assert result.snapshots.get("before") == first.snapshots["before"]
    assert "after" in result.snapshots


# --- idempotency ---------------------------------------------------------------------------------------


def test_one_request_id_for_different_kinds_or_names_has_different_content() -> None:
    # Given requests sharing one requestId and patch, differing only in target kind or name
    base = {"version": "1", "requestId": "same-id", "patch": {"Description": "x"}}
    targets = [
        {"kind": "group", "name": "a"},
        {"kind": "group", "name": "b"},
        {"kind": "group", "name": "a/b"},
        {"kind": "group", "name": "a%2Fb"},
        {"kind": "resourceServer", "name": "a"},
    ]
    requests = [parse_request({**base, "target": {"userPoolId": "eu-west-1_abc", **t}}) for t in targets]
    pool = parse_request(
        {**base, "target": {"userPoolId": "eu-west-1_abc"}, "patch": {"MfaConfiguration": "ON"}}
    )
    mfa = parse_request(
        {
            **base,
            "target": {"userPoolId": "eu-west-1_abc", "kind": "mfa"},
            "patch": {"MfaConfiguration": "ON"},
        }
    )

    # When their content hashes are computed (what RequestIdReused compares)
    hashes = [request.content_hash() for request in [*requests, pool, mfa]]

    # Then all differ
    assert len(set(hashes)) == len(hashes)
