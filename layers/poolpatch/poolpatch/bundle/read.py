"""Reading a live pool into a bundle (design.md; cognito-surface.md §12.1, §13).

Each part is read with its kind's own read operation (the same reads a change makes), guarded against
members the SDK would drop, projected to its update document by the pipeline, and redacted. Listings are
paged throughout; groups and resource servers come whole from their listings. Reads a feature does not use
are not made: risk only with threat protection on, classic UI and branding only with a domain (neither can
be set without one). For a pool with C app clients, I identity providers, R resource servers, G groups
and d domains, all features on, the calls are those of cognito-surface.md §13::

    UserPoolRead          1
    UserPoolClientRead    ceil(C/60) + C
    UserPoolResourceRead  1 + d + ceil(I/60) + I + ceil(R/50) + ceil(G/60) + (1 + C) + (1 + C) + C
    no category           1 (log delivery)

Pacing is the adapter's (:class:`poolpatch.adapters.fleet.Pacer`); the per-client reads are interleaved
(client, risk, UI, branding for one client, then the next), so each operation's calls are spread evenly and
an export of C clients takes about C / rate seconds at ``rate`` calls per second per operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import botocore

from poolpatch import __version__
from poolpatch.adapters.cognito import Described
from poolpatch.bundle.document import BUNDLE_KIND, POOL_LEVEL, VERSION
from poolpatch.bundle.schema_attributes import create_schema
from poolpatch.errors import NotFound
from poolpatch.kinds import Kind
from poolpatch.pipeline import guard_unknown_members, live_document, own_description
from poolpatch.request import Target
from poolpatch.snapshot import redact_secrets

#: Threat protection modes under which a pool has risk configurations to read (cognito-surface.md §6).
_THREAT_PROTECTION_ON = frozenset({"AUDIT", "ENFORCED"})


class BundleReader(Protocol):
    """The reads an export makes (:class:`poolpatch.adapters.fleet.Boto3FleetReader` has them)."""

    def list_clients(self, user_pool_id: str) -> list[Mapping[str, Any]]:
        """ListUserPoolClients, every page."""
        ...

    def list_names(self, user_pool_id: str, kind: Kind) -> list[str]:
        """A named kind's names (its list operation, every page)."""
        ...

    def list_described(self, user_pool_id: str, kind: Kind) -> dict[str, Described]:
        """A kind listed whole, by name, with each object's raw JSON."""
        ...

    def describe(self, target: Target) -> Described:
        """The read operation of the target's kind."""
        ...


def read_bundle(
    reader: BundleReader, *, account_id: str, region: str, user_pool_id: str, captured: datetime
) -> dict[str, Any]:
    """The bundle of one live pool: every part its update document, secrets ``"<redacted>"``.

    Raises ``NotFound`` for a pool that does not exist and ``SdkModelOutdated`` (with the pointer) when a
    read holds a member the local model would drop: such a bundle could not be applied back faithfully.
    """
    pool_target = Target(user_pool_id, account_id=account_id, region=region)
    pool = _read(reader, pool_target)
    bundle: dict[str, Any] = {
        "version": VERSION,
        "kind": BUNDLE_KIND,
        "source": {
            "accountId": account_id,
            "region": region,
            "userPoolId": user_pool_id,
            "capturedAt": captured.isoformat(),
            "poolpatchVersion": __version__,
            "botocoreVersion": botocore.__version__,
        },
        "createOnly": create_only(pool),
        "pool": _document("pool", pool),
    }
    bundle["mfa"] = _document("mfa", _read(reader, pool_target.of("mfa")))
    domains: dict[str, Any] = {}
    for name in (pool.get("Domain"), pool.get("CustomDomain")):
        if isinstance(name, str) and name:
            target = pool_target.of("domain", name=name)
            domains[name] = _document("domain", own_description(target, _read(reader, target)))
    _put(bundle, "resourceServers", _listed(reader, user_pool_id, "resourceServer", skip_managed=True))
    _put(bundle, "identityProviders", _identity_providers(reader, pool_target))
    clients = reader.list_clients(user_pool_id)
    risk_on = (pool.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode") in _THREAT_PROTECTION_ON
    per_client: dict[Kind, bool] = {
        "riskConfiguration": risk_on,
        "uiCustomization": bool(domains),
        "managedLoginBranding": bool(domains),
    }
    settings: dict[Kind, dict[str, Any]] = {kind: {} for kind in per_client}
    for kind in ("riskConfiguration", "uiCustomization"):
        if per_client[kind]:
            _put(settings[kind], POOL_LEVEL, _document(kind, _read(reader, pool_target.of(kind))))
    entries: dict[str, Any] = {}
    for listed in clients:
        client_id = str(listed["ClientId"])
        target = Target(user_pool_id, client_id, account_id=account_id, region=region)
        client = _read(reader, target)
        entries[client_id] = {
            "ClientName": client.get("ClientName", ""),
            # A secret kept in Secrets Manager shows as ClientSecretArn instead (cognito-surface.md §10).
            "GenerateSecret": bool(client.get("ClientSecret") or client.get("ClientSecretArn")),
            "document": _document("client", client),
        }
        for kind, used in per_client.items():
            if used:
                _put(settings[kind], client_id, _client_setting(reader, target.of(kind), kind))
    _put(bundle, "clients", entries)
    _put(bundle, "groups", _listed(reader, user_pool_id, "group"))
    bundle["domains"] = domains
    if not domains:
        del bundle["domains"]
    _put(bundle, "riskConfigurations", settings["riskConfiguration"])
    _put(bundle, "uiCustomizations", settings["uiCustomization"])
    _put(bundle, "managedLoginBrandings", settings["managedLoginBranding"])
    _put(bundle, "logDelivery", _document("logDelivery", _read(reader, pool_target.of("logDelivery"))))
    return bundle


def create_only(pool: Mapping[str, Any]) -> dict[str, Any]:
    """``createOnly`` of a described pool: the settings only ``CreateUserPool`` takes."""
    return {
        "UsernameAttributes": list(pool.get("UsernameAttributes") or []),
        "AliasAttributes": list(pool.get("AliasAttributes") or []),
        "UsernameConfiguration": dict(pool.get("UsernameConfiguration") or {}),
        "Schema": create_schema(pool.get("SchemaAttributes") or []),
    }


def _read(reader: BundleReader, target: Target) -> dict[str, Any]:
    described = reader.describe(target)
    guard_unknown_members(target.kind, described)
    return described.parsed


def _document(kind: Kind, parsed: Mapping[str, Any]) -> dict[str, Any]:
    """The part: the update document of a read, secrets redacted; empty lists and objects left out, as a
    part whose feature is unused is (design.md)."""
    document = redact_secrets(kind, live_document(kind, parsed))
    return {name: value for name, value in document.items() if value not in ({}, [], None)}


def _put(target: dict[str, Any], name: str, value: Mapping[str, Any]) -> None:
    if value:
        target[name] = dict(value)


def _client_setting(reader: BundleReader, target: Target, kind: Kind) -> dict[str, Any]:
    """A client's own setting: empty when it inherits the pool's, or has no branding style."""
    try:
        described = reader.describe(target)
    except NotFound:
        if kind == "managedLoginBranding":
            return {}
        raise
    guard_unknown_members(kind, described)
    return _document(kind, own_description(target, described.parsed))


def _listed(
    reader: BundleReader, user_pool_id: str, kind: Kind, *, skip_managed: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, described in reader.list_described(user_pool_id, kind).items():
        guard_unknown_members(kind, described)
        if skip_managed and described.parsed.get("ManagedBy"):
            continue  # a resource server another AWS service manages is not the pool's to copy (§4)
        out[name] = _document(kind, described.parsed)
    return out


def _identity_providers(reader: BundleReader, pool: Target) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in reader.list_names(pool.user_pool_id, "identityProvider"):
        parsed = _read(reader, pool.of("identityProvider", name=name))
        out[name] = {
            "ProviderType": parsed.get("ProviderType", ""),
            "document": _document("identityProvider", parsed),
        }
    return out
