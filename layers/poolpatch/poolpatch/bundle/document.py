"""The bundle document: one JSON object holding a pool's whole configuration (design.md).

Every part is the update document of one configuration kind (:mod:`poolpatch.kinds`), so the pipeline that
changes one part reads and writes it unchanged. This module knows the bundle's layout: which member holds
which kind, how a part is identified, and how a bundle read from a file is checked before anything uses it.
Pure: no AWS calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from poolpatch import model
from poolpatch.bundle.schema_attributes import check_create_schema
from poolpatch.errors import InvalidRequest, PoolpatchError, raise_first
from poolpatch.kinds import Kind
from poolpatch.pointer import child

VERSION = "1"
BUNDLE_KIND = "poolBundle"
#: The key of the pool-level setting in ``riskConfigurations`` / ``uiCustomizations``.
POOL_LEVEL = "pool"
#: Tags poolpatch writes itself (a clone's ``poolpatch:clone-of``): they differ by construction, ``diff``
#: ignores them and ``apply --bundle`` leaves them as the pool has them.
OWN_TAG_PREFIX = "poolpatch:"
#: ``createOnly`` members: the pool settings ``CreateUserPool`` alone takes (cognito-api.md §6).
CREATE_ONLY = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration", "Schema")

Shape = Literal["single", "named", "wrapped", "per-client"]


@dataclass(frozen=True)
class Member:
    """One top-level member of the bundle holding parts of one kind."""

    name: str
    kind: Kind
    shape: Shape
    """``single``: the member is the update document; ``named``: a map name -> update document;
    ``wrapped``: a map id -> ``{..., "document": update document}``; ``per-client``: a map of
    ``"pool"`` or a client id -> update document."""
    wrapper: tuple[str, ...] = ()
    """The members beside ``document`` in a wrapped entry."""


#: The bundle's part members, in dependency order (what a clone creates first comes first).
MEMBERS: tuple[Member, ...] = (
    Member("pool", "pool", "single"),
    Member("mfa", "mfa", "single"),
    Member("resourceServers", "resourceServer", "named"),
    Member("identityProviders", "identityProvider", "wrapped", ("ProviderType",)),
    Member("clients", "client", "wrapped", ("ClientName", "GenerateSecret")),
    Member("groups", "group", "named"),
    Member("domains", "domain", "named"),
    Member("riskConfigurations", "riskConfiguration", "per-client"),
    Member("uiCustomizations", "uiCustomization", "per-client"),
    Member("managedLoginBrandings", "managedLoginBranding", "per-client"),
    Member("logDelivery", "logDelivery", "single"),
)
MEMBER_BY_KIND: Mapping[Kind, Member] = {member.kind: member for member in MEMBERS}
TOP_LEVEL = frozenset({"version", "kind", "source", "createOnly", *(member.name for member in MEMBERS)})


@dataclass(frozen=True)
class Part:
    """One part of a bundle: its kind, its id within the kind and its update document."""

    kind: Kind
    id: str
    """The name (domain, provider, identifier, group), the client id, ``"pool"`` for a pool-level
    per-client setting, or the kind itself for single parts."""
    document: dict[str, Any]
    meta: dict[str, Any]
    """The members beside ``document`` in a wrapped entry (``ClientName``, ``ProviderType``...)."""

    @property
    def client_id(self) -> str | None:
        """The app client the part belongs to (clients and their per-client settings)."""
        if self.kind == "client":
            return self.id
        if MEMBER_BY_KIND[self.kind].shape == "per-client" and self.id != POOL_LEVEL:
            return self.id
        return None

    @property
    def name(self) -> str | None:
        """``target.name`` of the part (named kinds)."""
        shape = MEMBER_BY_KIND[self.kind].shape
        return self.id if shape == "named" or (shape == "wrapped" and self.kind != "client") else None

    @property
    def pointer(self) -> str:
        """Where the part's update document sits in the bundle."""
        member = MEMBER_BY_KIND[self.kind]
        if member.shape == "single":
            return child("", member.name)
        base = child(child("", member.name), self.id)
        return child(base, "document") if member.shape == "wrapped" else base


def parts(bundle: Mapping[str, Any]) -> Iterator[Part]:
    """Every part of a bundle, in dependency order (:data:`MEMBERS`)."""
    for member in MEMBERS:
        value = bundle.get(member.name)
        if value is None:
            continue
        if member.shape == "single":
            yield Part(member.kind, member.kind, dict(value), {})
            continue
        for key, entry in value.items():
            if member.shape == "wrapped":
                meta = {name: entry[name] for name in member.wrapper if name in entry}
                yield Part(member.kind, key, dict(entry.get("document") or {}), meta)
            else:
                yield Part(member.kind, key, dict(entry), {})


def check_bundle(value: Any, *, where: str = "bundle") -> dict[str, Any]:
    """A bundle read from a file or S3, checked before anything uses it; raises the first problem.

    The layout is checked here (version, kind, members, wrapped entries) and every part against its kind's
    update model (unknown members, types, bounds) with the pointer into the bundle; ``"<redacted>"``
    values pass (they keep the live secret). The problem's message never quotes the bundle's values.
    """
    if not isinstance(value, dict):
        raise InvalidRequest(f"The {where} must be a JSON object.", path="", remedy=_REMEDY)
    if value.get("version") != VERSION or value.get("kind") != BUNDLE_KIND:
        raise InvalidRequest(
            f'The {where} is not a poolpatch bundle (it needs "version": "1" and "kind": "poolBundle").',
            path="/version" if value.get("version") != VERSION else "/kind",
            remedy=_REMEDY,
        )
    for name in value:
        if name not in TOP_LEVEL:
            raise InvalidRequest(
                f"`{name}` is not a member of a bundle.",
                path=child("", name),
                remedy=f"Use only {', '.join(sorted(TOP_LEVEL))}.",
            )
    for name in ("source", "createOnly", "pool"):
        if not isinstance(value.get(name), dict):
            raise InvalidRequest(
                f"The {where} needs an object `{name}`.", path=child("", name), remedy=_REMEDY
            )
    problems: list[PoolpatchError] = []
    problems.extend(_check_create_only(value["createOnly"]))
    for member in MEMBERS:
        problems.extend(_check_member(member, value.get(member.name)))
    raise_first(problems)
    return value


_REMEDY = "Use a bundle `poolpatch export --all` wrote (events/schema/bundle.json describes it)."


def _check_create_only(create_only: Mapping[str, Any]) -> list[PoolpatchError]:
    problems: list[PoolpatchError] = []
    base = "/createOnly"
    for name, item in create_only.items():
        if name not in CREATE_ONLY:
            problems.append(
                InvalidRequest(
                    f"`{name}` is not a create-only setting of a bundle.",
                    path=child(base, name),
                    remedy=f"Use only {', '.join(CREATE_ONLY)}; every other pool setting goes in `pool`.",
                )
            )
            continue
        if item in ([], {}):
            continue  # none: the service's defaults
        if name == "Schema":  # up to 50 custom attributes plus the standard ones, without prefixes
            try:
                check_create_schema(item, child(base, name))
            except PoolpatchError as error:
                problems.append(error)
            continue
        members = model.service_model().operation_model("CreateUserPool").input_shape.members  # type: ignore[union-attr]
        problems.extend(model.check_shape(members[name], item, child(base, name), partial=False))
    return problems


def _check_member(member: Member, value: Any) -> list[PoolpatchError]:
    base = child("", member.name)
    if value is None:
        return []
    nulls = _nulls(value, base)
    if nulls:
        return nulls
    if not isinstance(value, dict):
        return [InvalidRequest(f"`{member.name}` must be an object.", path=base, remedy=_REMEDY)]
    if member.shape == "single":
        return model.check_document(member.kind, value, partial=True, base=base)
    problems: list[PoolpatchError] = []
    for key, entry in value.items():
        at = child(base, key)
        if not isinstance(entry, dict):
            problems.append(InvalidRequest(f"Each entry of `{member.name}` is an object.", path=at))
            continue
        if member.shape == "wrapped":
            extra = set(entry) - {"document", *member.wrapper}
            if not isinstance(entry.get("document"), dict) or extra:
                problems.append(
                    InvalidRequest(
                        f"An entry of `{member.name}` holds {', '.join(member.wrapper)} and an object "
                        "`document`, nothing else.",
                        path=child(at, sorted(extra)[0]) if extra else child(at, "document"),
                        remedy=_REMEDY,
                    )
                )
                continue
            problems.extend(_check_wrapper(member, entry, at))
            problems.extend(
                model.check_document(member.kind, entry["document"], partial=True, base=child(at, "document"))
            )
            continue
        problems.extend(model.check_document(member.kind, entry, partial=True, base=at))
    return problems


def _nulls(value: Any, at: str) -> list[PoolpatchError]:
    """``null`` anywhere in a part: a bundle's documents are whole, and ``null`` would reach a create call."""
    if value is None:
        return [InvalidRequest("A bundle holds no null values.", path=at, remedy="Leave the member out.")]
    if isinstance(value, Mapping):
        return [problem for key, item in value.items() for problem in _nulls(item, child(at, str(key)))]
    if isinstance(value, list):
        return [
            problem for index, item in enumerate(value) for problem in _nulls(item, child(at, str(index)))
        ]
    return []


def _check_wrapper(member: Member, entry: Mapping[str, Any], at: str) -> list[PoolpatchError]:
    problems: list[PoolpatchError] = []
    named = entry.get("document", {}).get("ClientName") if member.kind == "client" else None
    if named is not None and named != entry.get("ClientName"):
        problems.append(
            InvalidRequest(
                "The entry's `ClientName` and its document's differ.",
                path=child(child(at, "document"), "ClientName"),
                remedy="Give both the same name.",
            )
        )
    for name in member.wrapper:
        value = entry.get(name)
        flag = name == "GenerateSecret"
        if not (isinstance(value, bool) if flag else isinstance(value, str) and value):
            problems.append(
                InvalidRequest(
                    f"`{name}` must be {'true or false' if flag else 'a non-empty string'}.",
                    path=child(at, name),
                    remedy=_REMEDY,
                )
            )
    return problems
