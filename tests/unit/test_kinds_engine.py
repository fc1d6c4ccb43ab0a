"""Each configuration kind through the engine on the faithful fake: a one-member change keeps the rest.

For every kind beyond the pool and its clients (design.md, "Configuration kinds"), on a pool with every
kind populated (``seed.full_pool``): the write operation is SENT the raw read before the change with only
the one member changed (``faults.sent``: the request bodies the fake received), the result is ``applied``
with no verification differences, and the before/after snapshots sit under the kind's key segment holding
the update documents of the reads before and after. Expected values are built here from the raw
Get/Describe output and the test's own data (read-only members per cognito-surface.md), never from the
code under test. Plus the issue's headline cases: turning MFA on through the ``mfa`` kind (and the ``pool``
patch that tries it refused with a remedy naming that kind), a resource-server scope added, an identity
provider's mapping changed with its ``client_secret`` sent unchanged and never recorded, the domain's
passkey warning and ``companions.mfa``, and restoring an identity provider from a redacted snapshot.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from poolpatch.adapters.cognito import Boto3Cognito
from poolpatch.adapters.snapshots import LocalSnapshotStore
from poolpatch.engine import Engine, fixed
from poolpatch.request import parse_request
from poolpatch.result import Result
from poolpatch_fake import faults, seed
from poolpatch_fake.seed import FullPool

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "eu-west-1"
ACCOUNT = seed.ACCOUNT_ID
IDP_SECRET = "PLANTED-IDP-SECRET-kinds-7f3a9c"
GOOGLE_SECRET = "PLANTED-GOOGLE-SECRET-kinds-51be0d"
REDACTED = "<redacted>"
LOGO_B64 = base64.b64encode(seed.LOGO_PNG).decode()
#: The identifying members of the write inputs (design.md: never part of an update document).
IDS = frozenset(
    {"UserPoolId", "ClientId", "Domain", "ProviderName", "Identifier", "GroupName", "ManagedLoginBrandingId"}
)
#: Members the reads return that no write takes (Model output shapes; cognito-surface.md §1-§9).
READ_ONLY = frozenset(
    {
        "CreationDate",
        "LastModifiedDate",
        "ProviderType",
        "AWSAccountId",
        "S3Bucket",
        "CloudFrontDistribution",
        "Version",
        "Status",
        "ImageUrl",
        "CSSVersion",
    }
)
#: ProviderDetails keys DescribeIdentityProvider adds for an OIDC provider (cognito-surface.md §3 table).
OIDC_DERIVED = frozenset({"attributes_url_add_attributes"})


# --- the test's own view of the service --------------------------------------------------------------


def _wire(value: Any) -> Any:
    """A boto3-parsed value as JSON carries it: blobs as base64 text (datetimes are never compared)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def _writable(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A raw read as an update document: no ids, no read-only members, no derived IdP details."""
    document = {key: _wire(value) for key, value in raw.items() if key not in IDS | READ_ONLY}
    details = document.get("ProviderDetails")
    if isinstance(details, dict):
        document["ProviderDetails"] = {k: v for k, v in details.items() if k not in OIDC_DERIVED}
    return document


def _merged(document: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7396 JSON Merge Patch, written out here: objects merge, the rest replaces, null removes."""
    out = copy.deepcopy(dict(document))
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _redacted(document: Mapping[str, Any]) -> dict[str, Any]:
    """An update document as snapshots must show it: ProviderDetails secrets as "<redacted>"."""
    out = copy.deepcopy(dict(document))
    details = out.get("ProviderDetails")
    if isinstance(details, dict):
        for key in ("client_secret", "private_key"):
            if key in details:
                details[key] = REDACTED
    return out


def _without_ids(document: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in IDS}


# --- the world ---------------------------------------------------------------------------------------


@dataclass
class World:
    """The full pool on the fake, an engine over it with local snapshots."""

    cognito: CognitoIdentityProviderClient
    engine: Engine
    pool: FullPool
    root: Path
    requests: list[str] = field(default_factory=list)

    def run(
        self, target: Mapping[str, Any], patch: Mapping[str, Any] | None = None, **members: Any
    ) -> Result:
        """Run one request (a new request id each time) against the full pool."""
        request_id = f"req-{len(self.requests) + 1}"
        self.requests.append(request_id)
        document: dict[str, Any] = {
            "version": "1",
            "requestId": request_id,
            "target": {"userPoolId": self.pool.user_pool_id, **target},
            **members,
        }
        if patch is not None:
            document["patch"] = dict(patch)
        return self.engine.run(parse_request(document))

    def snapshot(self, reference: str) -> dict[str, Any]:
        """The snapshot file a result's reference names."""
        document: dict[str, Any] = json.loads(self.path(reference).read_text())
        return document

    def path(self, reference: str) -> Path:
        assert reference.startswith("file://"), reference
        return Path(unquote(urlparse(reference).path))

    def segment_dir(self, segment: str) -> Path:
        """Where design.md puts a target's snapshots: ``snapshots/{account}/{region}/{pool}/{segment}``."""
        return self.root / "snapshots" / ACCOUNT / REGION / self.pool.user_pool_id / segment

    def files_text(self) -> str:
        """Every snapshot file's text, concatenated."""
        return "\n".join(path.read_text() for path in sorted(self.root.rglob("*")) if path.is_file())


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with mock_aws(), poolpatch_fake.installed():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        full = seed.full_pool(cognito, oidc_client_secret=IDP_SECRET, google_client_secret=GOOGLE_SECRET)
        port = Boto3Cognito(cognito, sleep=lambda _seconds: None)
        root = tmp_path.resolve()
        engine = Engine(fixed(port), LocalSnapshotStore(root), account_id=ACCOUNT, region=REGION)
        faults.reset()
        yield World(cognito, engine, full, root)
        faults.reset()


# --- one case per kind --------------------------------------------------------------------------------

Reader = Callable[["CognitoIdentityProviderClient", FullPool], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    """One kind's one-member change: the target, the raw read, the patch, the write and its key segment."""

    name: str
    target: Callable[[FullPool], dict[str, str]]
    read: Reader
    patch: dict[str, Any]
    write: str
    ids: Callable[[FullPool], dict[str, str]]
    segment: Callable[[FullPool], str]


def _pool_ids(full: FullPool) -> dict[str, str]:
    return {"UserPoolId": full.user_pool_id}


def _client_ids(full: FullPool) -> dict[str, str]:
    return {"UserPoolId": full.user_pool_id, "ClientId": full.client_id}


def _read_mfa(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    response = dict(c.get_user_pool_mfa_config(UserPoolId=full.user_pool_id))
    response.pop("ResponseMetadata", None)
    return response


def _read_domain(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    return dict(c.describe_user_pool_domain(Domain=full.domain)["DomainDescription"])


def _read_oidc(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    name = full.identity_providers[0]
    return dict(
        c.describe_identity_provider(UserPoolId=full.user_pool_id, ProviderName=name)["IdentityProvider"]
    )


def _read_server(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    response = c.describe_resource_server(UserPoolId=full.user_pool_id, Identifier=full.resource_server)
    return dict(response["ResourceServer"])


def _read_admins(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    return dict(c.get_group(UserPoolId=full.user_pool_id, GroupName=full.groups[0])["Group"])


def _read_risk(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    return dict(c.describe_risk_configuration(UserPoolId=full.user_pool_id)["RiskConfiguration"])


def _read_client_risk(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    response = c.describe_risk_configuration(UserPoolId=full.user_pool_id, ClientId=full.client_id)
    return dict(response["RiskConfiguration"])


def _read_ui(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    return dict(c.get_ui_customization(UserPoolId=full.user_pool_id)["UICustomization"])


def _read_client_ui(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    response = c.get_ui_customization(UserPoolId=full.user_pool_id, ClientId=full.client_id)
    return dict(response["UICustomization"])


def _read_branding(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    response = c.describe_managed_login_branding_by_client(
        UserPoolId=full.user_pool_id, ClientId=full.client_id
    )
    return dict(response["ManagedLoginBranding"])


def _read_logs(c: CognitoIdentityProviderClient, full: FullPool) -> dict[str, Any]:
    response = c.get_log_delivery_configuration(UserPoolId=full.user_pool_id)
    return dict(response["LogDeliveryConfiguration"])


ERROR_LOGS = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/acme-partners-errors"

CASES = [
    Case(
        "mfa",
        lambda f: {"kind": "mfa"},
        _read_mfa,
        {"MfaConfiguration": "ON"},
        "SetUserPoolMfaConfig",
        _pool_ids,
        lambda f: "mfa",
    ),
    Case(
        "domain",
        lambda f: {"kind": "domain", "name": f.domain},
        _read_domain,
        {"ManagedLoginVersion": 1},
        "UpdateUserPoolDomain",
        lambda f: {"UserPoolId": f.user_pool_id, "Domain": f.domain},
        lambda f: f"domain-{f.domain}",
    ),
    Case(
        "identityProvider",
        lambda f: {"kind": "identityProvider", "name": f.identity_providers[0]},
        _read_oidc,
        {"AttributeMapping": {"family_name": "family_name"}},
        "UpdateIdentityProvider",
        lambda f: {"UserPoolId": f.user_pool_id, "ProviderName": f.identity_providers[0]},
        lambda f: f"idp-{f.identity_providers[0]}",
    ),
    Case(
        "resourceServer",
        lambda f: {"kind": "resourceServer", "name": f.resource_server},
        _read_server,
        {"Name": "Acme Partners API v2"},
        "UpdateResourceServer",
        lambda f: {"UserPoolId": f.user_pool_id, "Identifier": f.resource_server},
        # RFC 3986 percent-encoding of "https://api.partners.acme.example.com", written out by hand
        lambda f: "resource-server-https%3A%2F%2Fapi.partners.acme.example.com",
    ),
    Case(
        "group",
        lambda f: {"kind": "group", "name": f.groups[0]},
        _read_admins,
        {"Description": "Partner administrators (EU)"},
        "UpdateGroup",
        lambda f: {"UserPoolId": f.user_pool_id, "GroupName": f.groups[0]},
        lambda f: f"group-{f.groups[0]}",
    ),
    Case(
        "riskConfiguration",
        lambda f: {"kind": "riskConfiguration"},
        _read_risk,
        {"RiskExceptionConfiguration": {"SkippedIPRangeList": ["10.0.0.0/8", "192.168.0.0/16"]}},
        "SetRiskConfiguration",
        _pool_ids,
        lambda f: "risk",
    ),
    Case(
        "riskConfiguration-client",
        lambda f: {"kind": "riskConfiguration", "clientId": f.client_id},
        _read_client_risk,
        {"RiskExceptionConfiguration": {"BlockedIPRangeList": ["203.0.113.0/24"]}},
        "SetRiskConfiguration",
        _client_ids,
        lambda f: f"risk-client-{f.client_id}",
    ),
    Case(
        "uiCustomization",
        lambda f: {"kind": "uiCustomization"},
        _read_ui,
        # the logo is never read back (ImageUrl only), so a pool-level write sends it again
        {"CSS": ".banner-customizable { background-color: #123456; }", "ImageFile": LOGO_B64},
        "SetUICustomization",
        _pool_ids,
        lambda f: "ui",
    ),
    Case(
        "uiCustomization-client",
        lambda f: {"kind": "uiCustomization", "clientId": f.client_id},
        _read_client_ui,
        {"CSS": ".submitButton-customizable { background-color: #123456; }"},
        "SetUICustomization",
        _client_ids,
        lambda f: f"ui-client-{f.client_id}",
    ),
    Case(
        "managedLoginBranding",
        lambda f: {"kind": "managedLoginBranding", "clientId": f.client_id},
        _read_branding,
        {"Settings": {"categories": {"global": {"colorSchemeMode": "DARK"}}}},
        "UpdateManagedLoginBranding",
        lambda f: {"UserPoolId": f.user_pool_id, "ManagedLoginBrandingId": f.branding_id},
        lambda f: f"branding-client-{f.client_id}",
    ),
    Case(
        "logDelivery",
        lambda f: {"kind": "logDelivery"},
        _read_logs,
        {
            "LogConfigurations": [
                {
                    "LogLevel": "ERROR",
                    "EventSource": "userNotification",
                    "CloudWatchLogsConfiguration": {"LogGroupArn": ERROR_LOGS},
                },
                {
                    "LogLevel": "INFO",
                    "EventSource": "userAuthEvents",
                    "CloudWatchLogsConfiguration": {"LogGroupArn": ERROR_LOGS},
                },
            ]
        },
        "SetLogDeliveryConfiguration",
        _pool_ids,
        lambda f: "log-delivery",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_one_member_change_sends_the_read_with_only_that_member_changed(world: World, case: Case) -> None:
    # Given the kind's live configuration as the service returns it
    full = world.pool
    before = case.read(world.cognito, full)
    live = _writable(before)
    expected = {**_merged(live, case.patch), **case.ids(full)}
    assert _without_ids(expected) != live, "the case must change something"

    # When one member is patched
    result = world.run(case.target(full), case.patch)

    # Then the write was sent the read before the change with only that member changed
    assert result.status == "applied", result.to_dict()
    assert faults.sent(case.write) == [expected]
    # ... verified, with the snapshots under the kind's segment
    assert result.to_dict()["verification"] == {"differences": []}
    folder = world.segment_dir(case.segment(full))
    for phase in ("before", "after"):
        path = world.path(result.snapshots[phase])
        assert path.name == f"{phase}.json"
        assert path.parent.parent == folder
        assert path.parent.name.endswith(f"-{world.requests[-1]}")
    # ... holding the update documents of the reads before and after (secrets redacted)
    after = case.read(world.cognito, full)
    before_snapshot = world.snapshot(result.snapshots["before"])
    after_snapshot = world.snapshot(result.snapshots["after"])
    assert _without_ids(before_snapshot["updateDocument"]) == _redacted(live)
    assert _without_ids(after_snapshot["updateDocument"]) == _redacted(_writable(after))
    assert before_snapshot["updateDocument"]["UserPoolId"] == full.user_pool_id
    assert before_snapshot["target"]["kind"] == case.target(full)["kind"]


# --- MFA (cognito-surface.md §2; design.md: a pool patch turning MFA on names the mfa kind) -----------

TURN_MFA_ON: dict[str, Any] = {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}


@pytest.fixture
def mfa_off_pool(world: World) -> str:
    """A second pool on the fake, created with MFA off (the default) and no factor."""
    pool_id = world.cognito.create_user_pool(PoolName="acme-mfa-off")["UserPool"]["Id"]
    assert world.cognito.get_user_pool_mfa_config(UserPoolId=pool_id)["MfaConfiguration"] == "OFF"
    faults.reset()
    return pool_id


def test_mfa_kind_turns_mfa_on_with_totp(world: World, mfa_off_pool: str) -> None:
    # Given a pool with MFA OFF
    request = {"version": "1", "requestId": "mfa-on", "target": {"userPoolId": mfa_off_pool, "kind": "mfa"}}

    # When the patch is sent as an `mfa` change
    result = world.engine.run(parse_request({**request, "patch": TURN_MFA_ON}))

    # Then SetUserPoolMfaConfig was sent exactly that, and the pool now requires MFA with TOTP
    assert result.status == "applied", result.to_dict()
    assert faults.sent("SetUserPoolMfaConfig") == [{**TURN_MFA_ON, "UserPoolId": mfa_off_pool}]
    assert result.to_dict()["verification"] == {"differences": []}
    assert {change["path"] for change in result.to_dict()["changes"]} == {
        "/MfaConfiguration",
        "/SoftwareTokenMfaConfiguration",
    }
    mfa = world.cognito.get_user_pool_mfa_config(UserPoolId=mfa_off_pool)
    assert mfa["MfaConfiguration"] == "ON"
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert world.cognito.describe_user_pool(UserPoolId=mfa_off_pool)["UserPool"]["MfaConfiguration"] == "ON"


def test_pool_patch_turning_mfa_on_is_refused_naming_the_mfa_kind(world: World, mfa_off_pool: str) -> None:
    # Given a pool with MFA OFF
    request = {"version": "1", "requestId": "pool-mfa", "target": {"userPoolId": mfa_off_pool}}

    # When a `pool` patch tries to turn MFA on
    result = world.engine.run(parse_request({**request, "patch": {"MfaConfiguration": "ON"}}))

    # Then it is refused as immutable through UpdateUserPool, naming the mfa kind and the patch to send
    assert result.status == "rejected"
    error = result.to_dict()["error"]
    assert (error["code"], error["path"]) == ("ImmutableSetting", "/MfaConfiguration")
    assert "`mfa`" in error["message"]
    assert json.dumps(TURN_MFA_ON) in error["message"]
    # ... before any write or snapshot
    assert faults.sent("UpdateUserPool") == []
    assert faults.sent("SetUserPoolMfaConfig") == []
    assert world.files_text() == ""


# --- resource servers (cognito-surface.md §4: omitted Scopes are reset) ------------------------------


def test_resource_server_scope_added_keeps_the_others(world: World) -> None:
    # Given the resource server's three scopes as read
    full = world.pool
    before = _read_server(world.cognito, full)
    scope = {"ScopeName": "invoices.write", "ScopeDescription": "Allows invoices.write"}
    scopes = [*before["Scopes"], scope]

    # When a scope is added (lists replace: the patch carries the list)
    result = world.run({"kind": "resourceServer", "name": full.resource_server}, {"Scopes": scopes})

    # Then the write carried the old scopes, the new one and the unchanged name; the server has all four
    assert result.status == "applied", result.to_dict()
    assert faults.sent("UpdateResourceServer") == [
        {
            "UserPoolId": full.user_pool_id,
            "Identifier": full.resource_server,
            "Name": before["Name"],
            "Scopes": scopes,
        }
    ]
    assert [s["ScopeName"] for s in _read_server(world.cognito, full)["Scopes"]] == [
        *full.scopes,
        "invoices.write",
    ]
    assert result.warnings == []


# --- identity providers (cognito-surface.md §3: ProviderDetails replaced whole; client_secret readable) ---


def test_idp_attribute_mapping_change_keeps_the_secret_and_never_records_it(world: World) -> None:
    # Given the OIDC provider, whose read shows its client_secret in plaintext
    full = world.pool
    before = _read_oidc(world.cognito, full)
    assert before["ProviderDetails"]["client_secret"] == IDP_SECRET

    # When only its AttributeMapping changes
    mapping = {**before["AttributeMapping"], "family_name": "family_name"}
    result = world.run(
        {"kind": "identityProvider", "name": full.identity_providers[0]}, {"AttributeMapping": mapping}
    )

    # Then the write carried the whole ProviderDetails, secret unchanged, and the new mapping
    assert result.status == "applied", result.to_dict()
    (sent,) = faults.sent("UpdateIdentityProvider")
    assert sent["ProviderDetails"]["client_secret"] == IDP_SECRET
    assert sent["ProviderDetails"] == {
        k: v for k, v in before["ProviderDetails"].items() if k not in OIDC_DERIVED
    }
    assert sent["AttributeMapping"] == mapping
    assert _read_oidc(world.cognito, full)["ProviderDetails"]["client_secret"] == IDP_SECRET
    # ... and the secret is in no snapshot and not in the result
    text = world.files_text()
    assert text.count(REDACTED) >= 2
    leaked = IDP_SECRET in text or IDP_SECRET in json.dumps(result.to_dict(), default=str)
    assert not leaked, "the IdP secret is in a snapshot or the result"


def test_idp_secret_change_is_written_but_shown_redacted(world: World) -> None:
    # Given the OIDC provider
    full = world.pool
    rotated = "PLANTED-ROTATED-IDP-SECRET-2b8e41"

    # When a patch sends a new client_secret
    result = world.run(
        {"kind": "identityProvider", "name": full.identity_providers[0]},
        {"ProviderDetails": {"client_secret": rotated}},
    )

    # Then the write carried it, the change is listed redacted, and no snapshot holds either secret
    assert result.status == "applied", result.to_dict()
    assert faults.sent("UpdateIdentityProvider")[0]["ProviderDetails"]["client_secret"] == rotated
    assert result.to_dict()["changes"] == [
        {"path": "/ProviderDetails/client_secret", "before": REDACTED, "after": REDACTED}
    ]
    published = json.dumps(result.to_dict(), default=str) + world.files_text()
    leaked = rotated in published or IDP_SECRET in published
    assert not leaked, "an IdP secret is in a snapshot or the result"


def test_idp_restore_from_a_redacted_snapshot_keeps_the_secret(world: World) -> None:
    # Given a mapping change whose before snapshot shows the secret as "<redacted>"
    full = world.pool
    target = {"kind": "identityProvider", "name": full.identity_providers[0]}
    original = _read_oidc(world.cognito, full)
    changed = world.run(target, {"AttributeMapping": {"family_name": "family_name"}})
    assert changed.status == "applied", changed.to_dict()
    snapshot = world.snapshot(changed.snapshots["before"])
    assert snapshot["updateDocument"]["ProviderDetails"]["client_secret"] == REDACTED
    faults.reset()

    # When that snapshot is restored
    restored = world.run(target, restore={"snapshot": changed.snapshots["before"]})

    # Then the mapping is back and the restore write carried the live secret, not the placeholder
    assert restored.status == "applied", restored.to_dict()
    assert restored.to_dict()["verification"] == {"differences": []}
    (sent,) = faults.sent("UpdateIdentityProvider")
    assert sent["ProviderDetails"]["client_secret"] == IDP_SECRET
    assert sent["AttributeMapping"] == original["AttributeMapping"]
    after = _read_oidc(world.cognito, full)
    assert after["AttributeMapping"] == original["AttributeMapping"]
    assert after["ProviderDetails"] == original["ProviderDetails"]
    leaked = IDP_SECRET in world.files_text()
    assert not leaked, "the IdP secret is in a snapshot"


# --- domain (cognito-surface.md §1: a domain write can move the passkey relying party) ---------------


def test_domain_change_snapshots_mfa_as_companion_and_warns_about_passkeys(world: World) -> None:
    # Given the pool's MFA configuration as read
    full = world.pool
    mfa = _read_mfa(world.cognito, full)

    # When the domain's managed login version changes
    result = world.run({"kind": "domain", "name": full.domain}, {"ManagedLoginVersion": 1})

    # Then both snapshots record the mfa configuration under companions.mfa
    assert result.status == "applied", result.to_dict()
    for phase in ("before", "after"):
        companions = world.snapshot(result.snapshots[phase])["companions"]
        assert companions["mfa"]["updateDocument"] == _writable(mfa)
        assert companions["mfa"]["description"] == mfa
    # ... and the result warns that the passkey relying party may move
    warnings = result.to_dict()["warnings"]
    assert len(warnings) == 1
    assert "passkey relying party" in warnings[0]
    assert "companions.mfa" in warnings[0]


def test_domain_noop_carries_no_warning(world: World) -> None:
    # Given the domain on managed login version 2
    full = world.pool

    # When the patch sets the value it already has
    result = world.run({"kind": "domain", "name": full.domain}, {"ManagedLoginVersion": 2})

    # Then nothing is written and nothing is warned about
    assert result.status == "unchanged", result.to_dict()
    assert faults.sent("UpdateUserPoolDomain") == []
    assert "warnings" not in result.to_dict()


# --- client-level settings that inherit (cognito-surface.md §6, §7) ----------------------------------


def test_client_without_own_risk_configuration_gets_one_without_touching_the_pools(world: World) -> None:
    # Given a client that inherits the pool's risk configuration (its read names no ClientId)
    full = world.pool
    inherited = world.cognito.describe_risk_configuration(
        UserPoolId=full.user_pool_id, ClientId=full.other_client_id
    )["RiskConfiguration"]
    assert "ClientId" not in inherited
    pool_level = _read_risk(world.cognito, full)
    patch = {"CompromisedCredentialsRiskConfiguration": {"Actions": {"EventAction": "NO_ACTION"}}}

    # When a client-level risk change is applied to it
    result = world.run({"kind": "riskConfiguration", "clientId": full.other_client_id}, patch)

    # Then the client's own configuration is exactly the patch (nothing copied from the pool's)
    assert result.status == "applied", result.to_dict()
    assert faults.sent("SetRiskConfiguration") == [
        {"UserPoolId": full.user_pool_id, "ClientId": full.other_client_id, **patch}
    ]
    own = world.cognito.describe_risk_configuration(
        UserPoolId=full.user_pool_id, ClientId=full.other_client_id
    )
    assert own["RiskConfiguration"]["ClientId"] == full.other_client_id
    assert _read_risk(world.cognito, full) == pool_level
    assert world.path(result.snapshots["before"]).parent.parent == world.segment_dir(
        f"risk-client-{full.other_client_id}"
    )


def test_custom_domain_change_resends_its_certificate(world: World) -> None:
    # Given a custom domain beside the pool's prefix domain
    full = world.pool
    name = "auth.partners.acme.example.com"
    cert = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0f6c2d3e-1111-2222-3333-444455556666"
    world.cognito.create_user_pool_domain(
        Domain=name,
        UserPoolId=full.user_pool_id,
        ManagedLoginVersion=2,
        CustomDomainConfig={"CertificateArn": cert, "SecurityPolicy": "TLS_V1_2_2021"},
    )
    before = world.cognito.describe_user_pool_domain(Domain=name)["DomainDescription"]
    faults.reset()

    # When only its managed login version changes
    result = world.run({"kind": "domain", "name": name}, {"ManagedLoginVersion": 1})

    # Then the write resent the certificate (an omitted one would make it a prefix domain, or be refused)
    assert result.status == "applied", result.to_dict()
    assert faults.sent("UpdateUserPoolDomain") == [
        {**_writable(dict(before)), "ManagedLoginVersion": 1, "UserPoolId": full.user_pool_id, "Domain": name}
    ]
    assert faults.sent("UpdateUserPoolDomain")[0]["CustomDomainConfig"]["CertificateArn"] == cert
    assert result.to_dict()["verification"] == {"differences": []}
    assert world.path(result.snapshots["after"]).parent.parent == world.segment_dir(
        "domain-auth.partners.acme.example.com"
    )


def test_removing_the_classic_ui_logo_alone_is_written(world: World) -> None:
    # Given the pool-level customization with a logo (the read shows its ImageUrl, never the bytes)
    full = world.pool
    before = world.cognito.get_ui_customization(UserPoolId=full.user_pool_id)["UICustomization"]
    assert before.get("ImageUrl")

    # When the patch only removes the logo (neither document holds ImageFile)
    result = world.run({"kind": "uiCustomization"}, {"ImageFile": None})

    # Then the plan shows it, the write carries the CSS without a logo, and the read has no logo after
    assert result.status == "applied", result.to_dict()
    assert [change.path for change in result.changes] == ["/ImageFile"]
    assert faults.sent("SetUICustomization") == [{"UserPoolId": full.user_pool_id, "CSS": before["CSS"]}]
    after = world.cognito.get_ui_customization(UserPoolId=full.user_pool_id)["UICustomization"]
    assert "ImageUrl" not in after
    assert after["CSS"] == before["CSS"]
