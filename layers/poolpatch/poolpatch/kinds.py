"""The registry of configuration kinds: each kind is data, not a code path (design.md, "Configuration kinds").

A kind names the operations that read and write one configuration resource of a user pool, the members
that identify it, where its snapshots go, which of its values are secrets the model does not mark, and
which other kinds its rules read or its writes may change. The pipeline (:mod:`poolpatch.pipeline`), the
model layer (:mod:`poolpatch.model`), the Cognito adapter, the snapshot store, the CLI and drift all read
this table; adding a kind is adding a row (and its rules, if the service couples it to others).

Pure data: importing this module imports nothing from botocore.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import quote

#: Longest percent-encoded name kept whole in a snapshot key segment.
MAX_ENCODED_NAME = 128

Kind = Literal[
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
ALL_KINDS: tuple[Kind, ...] = get_args(Kind)

ClientUse = Literal["never", "optional", "required", "identifies"]
"""How a kind uses ``target.clientId``: never; optional (client-level setting); required; or it *is* the
target (the ``client`` kind)."""

#: The placeholder for a secret value in snapshots, exports and output; in a patch it means "keep live".
REDACTED = "<redacted>"


@dataclass(frozen=True)
class KindSpec:
    """One configuration kind: how it is read, written, identified, snapshotted and kept secret."""

    kind: Kind
    label: str
    """What the target is called in messages ("identity provider")."""
    read: str
    """The operation that reads it."""
    read_member: str | None
    """The read output member holding the object; ``None`` when the output itself is the object."""
    write: str
    """The operation that writes it: the update document is its input without :attr:`ids`."""
    ids: tuple[str, ...]
    """Write-input members that identify the target; never part of the update document or a patch."""
    name_member: str | None = None
    """The member ``target.name`` fills (``ProviderName``...); ``None`` for kinds without a name."""
    client: ClientUse = "never"
    segment: str = ""
    """Snapshot key segment; ``{name}`` and ``{client}`` are filled (names percent-encoded)."""
    client_segment: str = ""
    """Segment of the client-level setting of a kind whose ``clientId`` is optional."""
    secrets: tuple[str, ...] = ()
    """JSON Pointers of secret values the model's ``sensitive`` trait misses (cognito-surface.md §11)."""
    renames: Mapping[str, str] = field(default_factory=dict)
    """Update member -> the read member it comes from, where the names differ."""
    context: tuple[Kind, ...] = ()
    """Kinds (of the same pool) whose state the rules read: described before planning."""
    companions: tuple[Kind, ...] = ()
    """Kinds a write of this kind may change as a side effect: snapshotted with it."""
    companion_note: str = ""
    """The plan's warning for every change of this kind: what the write may change besides itself."""
    write_only: Mapping[str, str] = field(default_factory=dict)
    """Write members no read returns -> the read member that shows them (``ImageFile`` -> ``ImageUrl``):
    removing one is a change the plan must show although neither document holds it."""
    inherits: bool = False
    """A client-level read returns the pool's setting when the client has none of its own."""
    list_operation: str | None = None
    """The operation listing the names of a named kind in a pool (drift and bundles)."""
    listed_whole: bool = False
    """The listing returns every object whole, in the read's shape (ListGroups, ListResourceServers): a
    sweep reads them from its pages instead of once more each (cognito-surface.md §4, §5)."""
    source: str = ""
    """Where the facts about this kind are written down."""
    create: str | None = None
    """The operation that creates one (clone, ``apply --bundle``); ``None`` where the write creates too
    (SetUserPoolMfaConfig, SetRiskConfiguration...). Its input is the write's plus create-only members."""

    @property
    def named(self) -> bool:
        """Whether a target of this kind needs ``target.name``."""
        return self.name_member is not None

    def key_segment(self, *, name: str | None, client_id: str | None) -> str:
        """The snapshot key segment of one target of this kind (design.md, "Configuration kinds").

        Names are percent-encoded (RFC 3986 unreserved characters kept, upper-case hex), so a name never
        leaves its prefix. An encoded name longer than :data:`MAX_ENCODED_NAME` (a 128-character group name
        of 4-byte characters encodes to 1,536) would break S3's 1,024-byte keys and file systems' 255-byte
        names: it is cut to its first 64 characters, then ``%%`` (which encoding never produces, so it
        cannot collide with a short name) and the SHA-256 of the name.
        """
        template = self.client_segment if client_id and self.client_segment else self.segment
        encoded = quote(name or "", safe="")
        if len(encoded) > MAX_ENCODED_NAME:
            digest = hashlib.sha256((name or "").encode("utf-8")).hexdigest()
            head = encoded[:64]
            cut = head.rfind("%", len(head) - 2)  # never end inside a %XX escape
            encoded = f"{head[:cut] if cut >= 0 else head}%%{digest}"
        return template.format(name=encoded, client=client_id or "")


def _spec(*specs: KindSpec) -> dict[Kind, KindSpec]:
    return {spec.kind: spec for spec in specs}


KINDS: Mapping[Kind, KindSpec] = _spec(
    KindSpec(
        "pool",
        "user pool",
        "DescribeUserPool",
        "UserPool",
        "UpdateUserPool",
        ("UserPoolId",),
        segment="pool",
        renames={"PoolName": "Name"},
        source="cognito-api.md",
        create="CreateUserPool",
    ),
    KindSpec(
        "client",
        "app client",
        "DescribeUserPoolClient",
        "UserPoolClient",
        "UpdateUserPoolClient",
        ("UserPoolId", "ClientId"),
        client="identifies",
        segment="client-{client}",
        source="cognito-api.md",
        create="CreateUserPoolClient",
    ),
    KindSpec(
        "mfa",
        "MFA configuration",
        "GetUserPoolMfaConfig",
        None,
        "SetUserPoolMfaConfig",
        ("UserPoolId",),
        segment="mfa",
        context=("pool",),
        source="cognito-surface.md §2",
    ),
    KindSpec(
        "domain",
        "user pool domain",
        "DescribeUserPoolDomain",
        "DomainDescription",
        "UpdateUserPoolDomain",
        ("UserPoolId", "Domain"),
        name_member="Domain",
        segment="domain-{name}",
        companions=("mfa",),
        companion_note="A domain write can move the passkey relying party "
        "(mfa WebAuthnConfiguration.RelyingPartyId: a new custom domain becomes the default RP ID, and "
        "passkeys registered on the prefix domain stop working; cognito-surface.md §1). The mfa "
        "configuration is recorded in this change's snapshots under `companions.mfa`.",
        source="cognito-surface.md §1",
        create="CreateUserPoolDomain",
    ),
    KindSpec(
        "identityProvider",
        "identity provider",
        "DescribeIdentityProvider",
        "IdentityProvider",
        "UpdateIdentityProvider",
        ("UserPoolId", "ProviderName"),
        name_member="ProviderName",
        segment="idp-{name}",
        secrets=("/ProviderDetails/client_secret", "/ProviderDetails/private_key"),
        list_operation="ListIdentityProviders",
        source="cognito-surface.md §3",
        create="CreateIdentityProvider",
    ),
    KindSpec(
        "resourceServer",
        "resource server",
        "DescribeResourceServer",
        "ResourceServer",
        "UpdateResourceServer",
        ("UserPoolId", "Identifier"),
        name_member="Identifier",
        segment="resource-server-{name}",
        list_operation="ListResourceServers",
        listed_whole=True,
        source="cognito-surface.md §4",
        create="CreateResourceServer",
    ),
    KindSpec(
        "group",
        "group",
        "GetGroup",
        "Group",
        "UpdateGroup",
        ("UserPoolId", "GroupName"),
        name_member="GroupName",
        segment="group-{name}",
        list_operation="ListGroups",
        listed_whole=True,
        source="cognito-surface.md §5",
        create="CreateGroup",
    ),
    KindSpec(
        "riskConfiguration",
        "threat protection (risk) configuration",
        "DescribeRiskConfiguration",
        "RiskConfiguration",
        "SetRiskConfiguration",
        ("UserPoolId", "ClientId"),
        client="optional",
        segment="risk",
        client_segment="risk-client-{client}",
        context=("pool",),
        inherits=True,
        source="cognito-surface.md §6",
    ),
    KindSpec(
        "uiCustomization",
        "classic hosted UI customization",
        "GetUICustomization",
        "UICustomization",
        "SetUICustomization",
        ("UserPoolId", "ClientId"),
        client="optional",
        segment="ui",
        client_segment="ui-client-{client}",
        context=("pool",),
        write_only={"ImageFile": "ImageUrl"},
        inherits=True,
        source="cognito-surface.md §7",
    ),
    KindSpec(
        "managedLoginBranding",
        "managed login branding style",
        "DescribeManagedLoginBrandingByClient",
        "ManagedLoginBranding",
        "UpdateManagedLoginBranding",
        ("UserPoolId", "ManagedLoginBrandingId"),
        client="required",
        segment="branding-client-{client}",
        source="cognito-surface.md §8",
        create="CreateManagedLoginBranding",
    ),
    KindSpec(
        "logDelivery",
        "log delivery configuration",
        "GetLogDeliveryConfiguration",
        "LogDeliveryConfiguration",
        "SetLogDeliveryConfiguration",
        ("UserPoolId",),
        segment="log-delivery",
        context=("pool",),
        source="cognito-surface.md §9",
    ),
)

NAMED_KINDS: tuple[Kind, ...] = tuple(kind for kind, spec in KINDS.items() if spec.named)


def spec(kind: str) -> KindSpec:
    """The registry entry of ``kind``; ``KeyError`` for a name that is not a kind."""
    return KINDS[kind]  # type: ignore[index]


def is_kind(value: object) -> bool:
    """Whether ``value`` names a configuration kind."""
    return isinstance(value, str) and value in KINDS
