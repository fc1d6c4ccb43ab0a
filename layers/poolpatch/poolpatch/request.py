"""The change request (v1): parsing and validation at the edge.

One document is the ``detail`` of an EventBridge event, the body of an SQS
message and the CLI's ``--request`` file (design.md, "The change request").
:func:`parse_request` is the single validator every entry point uses; the JSON
Schema in ``events/schema/change-request.json`` documents the same rules for
the EventBridge schema registry.

Everything here runs before any AWS call: a malformed request or id is
``InvalidRequest`` with the JSON Pointer of the offending member and a remedy.
Ids are checked with ASCII-only patterns because they become S3 key segments,
SQS message group and deduplication ids, and log fields.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from poolpatch.errors import InvalidRequest
from poolpatch.kinds import ALL_KINDS, KINDS, Kind, spec
from poolpatch.pointer import escape

Mode = Literal["apply", "plan"]

#: Largest request accepted, in bytes of JSON (an EventBridge entry is at most 256 KB).
MAX_REQUEST_BYTES = 256 * 1024
#: Deepest nesting accepted in a patch (the deepest update member is 5 levels down).
MAX_PATCH_DEPTH = 12
#: Free-text fields (reason, requestedBy).
MAX_TEXT = 1024
#: AddCustomAttributes takes 1-25 attributes per call (cognito-api.md §6).
MAX_NEW_ATTRIBUTES = 25

# Patterns from the cognito-idp model (UserPoolIdType, ClientIdType), ASCII only.
USER_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+", re.ASCII)
CLIENT_ID = re.compile(r"[\w+]+", re.ASCII)
ACCOUNT_ID = re.compile(r"\d{12}", re.ASCII)
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d", re.ASCII)
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}", re.ASCII)

_TOP_LEVEL = frozenset(
    {
        "version",
        "requestId",
        "target",
        "patch",
        "addCustomAttributes",
        "restore",
        "mode",
        "expectedLastModifiedDate",
        "reason",
        "requestedBy",
    }
)
_TARGET_MEMBERS = frozenset({"userPoolId", "clientId", "accountId", "region", "kind", "name"})


@dataclass(frozen=True)
class Target:
    """What a request changes: one configuration kind of a user pool, in an account and Region.

    ``kind`` defaults as design.md says: ``client`` when ``client_id`` is given, else ``pool``.
    ``name`` identifies a target of a named kind (the domain, ProviderName, Identifier or GroupName).
    """

    user_pool_id: str
    client_id: str | None = None
    account_id: str | None = None
    region: str | None = None
    kind: Kind = "pool"
    name: str | None = None

    def __post_init__(self) -> None:
        if self.kind == "pool" and self.client_id:
            object.__setattr__(self, "kind", "client")

    @property
    def default_kind(self) -> bool:
        """Whether the kind is the one a target without ``kind`` gets (so documents may omit it)."""
        return self.kind == ("client" if self.client_id else "pool")

    def of(self, kind: Kind, *, name: str | None = None) -> Target:
        """Another kind of the same pool (and client, where the kind has a client-level setting)."""
        use = spec(kind).client
        client = self.client_id if use in ("optional", "required", "identifies") else None
        return Target(self.user_pool_id, client, self.account_id, self.region, kind=kind, name=name)

    @property
    def group_id(self) -> str:
        """The FIFO message group: one pool and all its clients are written one at a time."""
        return f"{self.account_id}/{self.region}/{self.user_pool_id}"

    def resolved(self, *, account_id: str, region: str) -> Target:
        """This target with the defaults filled in (the account and Region poolpatch runs in)."""
        return Target(
            user_pool_id=self.user_pool_id,
            client_id=self.client_id,
            account_id=self.account_id or account_id,
            region=self.region or region,
            kind=self.kind,
            name=self.name,
        )

    def to_dict(self) -> dict[str, str]:
        """The ``target`` member of requests, results and snapshots (``kind`` only when not the default)."""
        out = {"userPoolId": self.user_pool_id}
        if self.client_id:
            out["clientId"] = self.client_id
        if self.account_id:
            out["accountId"] = self.account_id
        if self.region:
            out["region"] = self.region
        if not self.default_kind:
            out["kind"] = self.kind
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass(frozen=True)
class ChangeRequest:
    """A validated change request."""

    request_id: str
    target: Target
    patch: dict[str, Any] | None = None
    add_custom_attributes: tuple[dict[str, Any], ...] = ()
    restore: str | None = None
    mode: Mode = "apply"
    expected_last_modified: datetime | None = None
    reason: str = ""
    requested_by: str = ""
    version: str = "1"
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: ``restore.bundle``: a stored bundle of the target pool (``s3://{bucket}/bundles/...json``); the
    #: whole pool is made the bundle's, part by part (``apply --bundle``). ``restore`` stays the snapshot.
    restore_bundle: str | None = None

    def content_hash(self, target: Target | None = None) -> str:
        """SHA-256 of the request's content: everything but ``requestId`` and ``mode``, target resolved.

        The idempotency record and the queue's deduplication id carry it, so a different request that
        reuses a ``requestId`` is told apart from a resend of the same one (``RequestIdReused``).
        """
        document = self.to_dict()
        document.pop("requestId", None)
        document.pop("mode", None)
        if target is not None:
            document["target"] = target.to_dict()
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """The request as a v1 document (recorded in snapshots and sent to the queue)."""
        out: dict[str, Any] = {"version": self.version, "requestId": self.request_id}
        out["target"] = self.target.to_dict()
        if self.patch is not None:
            out["patch"] = self.patch
        if self.add_custom_attributes:
            out["addCustomAttributes"] = list(self.add_custom_attributes)
        if self.restore is not None:
            out["restore"] = {"snapshot": self.restore}
        elif self.restore_bundle is not None:
            out["restore"] = {"bundle": self.restore_bundle}
        out["mode"] = self.mode
        if self.expected_last_modified is not None:
            out["expectedLastModifiedDate"] = self.expected_last_modified.isoformat()
        if self.reason:
            out["reason"] = self.reason
        if self.requested_by:
            out["requestedBy"] = self.requested_by
        return out


def load_json(text: str | bytes, *, what: str = "request") -> Any:
    """Parse JSON text, refusing oversized documents and duplicate keys with ``InvalidRequest``."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_REQUEST_BYTES:
        raise InvalidRequest(
            f"The {what} is {size} bytes; the limit is {MAX_REQUEST_BYTES}.",
            path="",
            remedy="Split the change into several requests.",
        )
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest(
            f"The {what} is not valid JSON: {exc}.", path="", remedy="Send one JSON object."
        ) from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate member {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_request(document: Any, *, default_request_id: str | None = None) -> ChangeRequest:
    """Validate a change request document and return it as a :class:`ChangeRequest`.

    ``default_request_id`` is the EventBridge event id or SQS message id, used
    when the document carries no ``requestId``. Raises ``InvalidRequest``.
    """
    if isinstance(document, str | bytes):
        document = load_json(document)
    if not isinstance(document, Mapping):
        raise InvalidRequest("A change request must be a JSON object.", path="")
    for key, value in document.items():
        # Checked first, with a bounded walk: every later step recurses over the document.
        if _depth(value) > MAX_PATCH_DEPTH:
            known = key in _TOP_LEVEL
            raise InvalidRequest(
                f"{f'`{key}`' if known else 'A member'} is nested more than {MAX_PATCH_DEPTH} levels deep.",
                path=f"/{key}" if known else "",
                remedy="Patch only members of the update document.",
            )
    _refuse_unencodable(document, "")
    if len(json.dumps(document, default=str)) > MAX_REQUEST_BYTES:
        raise InvalidRequest(
            f"The request is larger than {MAX_REQUEST_BYTES} bytes.",
            path="",
            remedy="Split the change into several requests.",
        )
    _refuse_unknown(document, _TOP_LEVEL, base="", what="request")
    version = document.get("version")
    if version != "1":
        raise InvalidRequest(
            f"Unsupported request version {version!r}.", path="/version", remedy='Set "version": "1".'
        )
    request_id = _request_id(document.get("requestId"), default_request_id)
    target = _target(document.get("target"))
    patch = _patch(document)
    attributes = _attributes(document, target)
    restore, bundle = _restore(document)
    if (restore is not None or bundle is not None) and (patch is not None or attributes):
        raise InvalidRequest(
            "A request carries `restore` alone, or `patch` and/or `addCustomAttributes`.",
            path="/restore",
            remedy="Send the restore as its own request.",
        )
    if restore is None and bundle is None and patch is None and not attributes:
        raise InvalidRequest(
            "The request changes nothing: it has no `patch`, `addCustomAttributes` or `restore`.",
            path="/patch",
            remedy="Add a `patch` object with the members to change.",
        )
    expected = _timestamp(document.get("expectedLastModifiedDate"))
    if expected is not None and not _has_modified_date(target.kind):
        raise InvalidRequest(
            f"A `{target.kind}` target reports no LastModifiedDate, so it cannot be a precondition.",
            path="/expectedLastModifiedDate",
            remedy="Remove `expectedLastModifiedDate`; the engine still confirms the target is unchanged "
            "just before it writes.",
        )
    if bundle is not None:
        _bundle_target(target, expected)
    mode = document.get("mode", "apply")
    if mode not in ("apply", "plan"):
        raise InvalidRequest(f"Unknown mode {mode!r}.", path="/mode", remedy='Use "apply" or "plan".')
    return ChangeRequest(
        request_id=request_id,
        target=target,
        patch=patch,
        add_custom_attributes=attributes,
        restore=restore,
        restore_bundle=bundle,
        mode=mode,
        expected_last_modified=expected,
        reason=_text(document, "reason"),
        requested_by=_text(document, "requestedBy"),
        raw=document,
    )


def _refuse_unknown(value: Mapping[str, Any], allowed: frozenset[str], *, base: str, what: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InvalidRequest(
            f"Unknown {what} member {unknown[0]!r}.",
            path=f"{base}/{escape(unknown[0])}",
            remedy=f"Use only: {', '.join(sorted(allowed))}.",
        )


def _refuse_unencodable(value: Any, pointer: str) -> None:
    """Every string (member names too) must be encodable as UTF-8: a lone UTF-16 surrogate is not.

    JSON can carry one (``"\\ud800"``), Python decodes it, and it would fail much later, in a snapshot
    write or a result event; refusing it here makes the request ``rejected`` once, before any AWS call.
    """
    if isinstance(value, str):
        if not _encodable(value):
            raise InvalidRequest(
                "The text at this member cannot be encoded as UTF-8 (it holds a lone UTF-16 surrogate).",
                path=pointer,
                remedy="Send valid Unicode text (surrogates only in pairs, as \\uD83D\\uDE00).",
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{pointer}/{escape(key) if isinstance(key, str) and _encodable(key) else '<key>'}"
            if isinstance(key, str) and not _encodable(key):
                _refuse_unencodable(key, child)
            _refuse_unencodable(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_unencodable(item, f"{pointer}/{index}")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _request_id(value: Any, default: str | None) -> str:
    if value is None:
        value = default
    if value is None:
        raise InvalidRequest(
            "The request has no `requestId` and its transport supplied none.",
            path="/requestId",
            remedy="Set `requestId` to a unique id (letters, digits, . _ : -; at most 128).",
        )
    if not isinstance(value, str) or not REQUEST_ID.fullmatch(value):
        raise InvalidRequest(
            "`requestId` must be 1-128 characters of letters, digits and . _ : -, starting with a letter "
            "or digit.",
            path="/requestId",
            remedy="Use a UUID or a ticket number.",
        )
    return value


def parse_target(value: Any) -> Target:
    """Validate a ``target`` object (kind, name, ids) as a change request does; ``InvalidRequest`` if bad."""
    return _target(value)


def _target(value: Any) -> Target:
    if not isinstance(value, Mapping):
        raise InvalidRequest(
            "`target` is required and must be an object.",
            path="/target",
            remedy='Give at least {"userPoolId": "<region>_<id>"}.',
        )
    _refuse_unknown(value, _TARGET_MEMBERS, base="/target", what="target")
    client_id = _id(value, "clientId", CLIENT_ID, 128, "the app client id (letters, digits, + and _)")
    kind = _kind(value.get("kind"), client_id)
    return Target(
        user_pool_id=_required_id(value, "userPoolId", USER_POOL_ID, 55, "like eu-west-1_AbCdEf123"),
        client_id=client_id,
        account_id=_id(value, "accountId", ACCOUNT_ID, 12, "12 digits"),
        region=_id(value, "region", REGION, 32, "a Region name like eu-west-1"),
        kind=kind,
        name=_name(value.get("name"), kind),
    )


def _kind(value: Any, client_id: str | None) -> Kind:
    """``target.kind``: a registered kind, with ``clientId`` where the kind needs or allows one."""
    if value is None:
        return "client" if client_id else "pool"
    if not isinstance(value, str) or value not in KINDS:
        shown = json.dumps(value) if isinstance(value, str) and len(value) <= 40 else "<invalid>"
        raise InvalidRequest(
            f"`target.kind` {shown} is not a configuration kind.",
            path="/target/kind",
            remedy=f"Use one of: {', '.join(ALL_KINDS)}.",
        )
    use = KINDS[value].client  # type: ignore[index]
    if use in ("required", "identifies") and not client_id:
        raise InvalidRequest(
            f"A `{value}` target needs `clientId`.",
            path="/target/clientId",
            remedy="Name the app client the setting belongs to.",
        )
    if use == "never" and client_id:
        raise InvalidRequest(
            f"A `{value}` target belongs to the user pool, not to an app client.",
            path="/target/clientId",
            remedy="Remove `clientId`, or use a kind with a client-level setting (client, "
            "riskConfiguration, uiCustomization, managedLoginBranding).",
        )
    return value  # type: ignore[return-value]


#: A custom domain is a host name; a prefix domain its first label (the model's pattern has no dot:
#: cognito-surface.md §1, so the name is checked as a host name, not with the model pattern).
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?", re.ASCII)


def _name(value: Any, kind: Kind) -> str | None:
    """``target.name``: required for named kinds (checked against the write input's member), else refused."""
    entry = KINDS[kind]
    if entry.name_member is None:
        if value is not None:
            raise InvalidRequest(
                f"A `{kind}` target has no name.",
                path="/target/name",
                remedy="Remove `name`; it identifies a domain, identity provider, resource server or group.",
            )
        return None
    if value is None:
        raise InvalidRequest(
            f"A `{kind}` target needs `name` (its {entry.name_member}).",
            path="/target/name",
            remedy=f"Set `name` to the {entry.label}'s {entry.name_member}.",
        )
    if not isinstance(value, str) or not value.isprintable() or not _valid_name(kind, value):
        shown = value if isinstance(value, str) and len(value) <= 80 and value.isprintable() else "<invalid>"
        raise InvalidRequest(
            f"`target.name` {json.dumps(shown)} is not a valid {entry.name_member}.",
            path="/target/name",
            remedy=f"Use the {entry.label}'s {entry.name_member} exactly as Cognito lists it.",
        )
    return value


def _has_modified_date(kind: Kind) -> bool:
    from poolpatch import model  # the service model loads on first use only

    return "LastModifiedDate" in model.describe_shape(kind).members


def _valid_name(kind: Kind, value: str) -> bool:
    if kind == "domain":
        return _DOMAIN.fullmatch(value) is not None and ".." not in value
    from poolpatch import model  # the service model loads on first use only

    entry = KINDS[kind]
    shape = model.update_shape(kind).members[entry.name_member or ""]
    return not model.check_shape(shape, value, "/target/name", partial=False)


def _id(value: Mapping[str, Any], name: str, pattern: re.Pattern[str], limit: int, hint: str) -> str | None:
    if value.get(name) is None:
        return None
    return _required_id(value, name, pattern, limit, hint)


def _required_id(value: Mapping[str, Any], name: str, pattern: re.Pattern[str], limit: int, hint: str) -> str:
    item = value.get(name)
    if not isinstance(item, str) or len(item) > limit or not pattern.fullmatch(item):
        shown = item if isinstance(item, str) and len(item) <= 80 and item.isprintable() else "<invalid>"
        raise InvalidRequest(
            f"`target.{name}` {json.dumps(shown)} is not a valid id.",
            path=f"/target/{name}",
            remedy=f"Use {hint}.",
        )
    return item


def _patch(document: Mapping[str, Any]) -> dict[str, Any] | None:
    if "patch" not in document:
        return None
    patch = document["patch"]
    if not isinstance(patch, Mapping):
        raise InvalidRequest(
            "`patch` must be a JSON object (an RFC 7396 merge patch over the update document).",
            path="/patch",
            remedy='For example {"DeletionProtection": "ACTIVE"}.',
        )
    return dict(patch)  # its depth was checked with every member's, first thing in parse_request


def _depth(value: Any, level: int = 1) -> int:
    """Nesting depth of ``value``, never walking more than one level past :data:`MAX_PATCH_DEPTH`."""
    if level > MAX_PATCH_DEPTH:
        return level
    if isinstance(value, Mapping):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def _attributes(document: Mapping[str, Any], target: Target) -> tuple[dict[str, Any], ...]:
    if "addCustomAttributes" not in document:
        return ()
    value = document["addCustomAttributes"]
    if not isinstance(value, list) or not value or len(value) > MAX_NEW_ATTRIBUTES:
        raise InvalidRequest(
            f"`addCustomAttributes` must be a list of 1 to {MAX_NEW_ATTRIBUTES} attribute definitions.",
            path="/addCustomAttributes",
            remedy="Send larger sets in several requests.",
        )
    if target.kind != "pool":
        raise InvalidRequest(
            f"`addCustomAttributes` applies to user pools, not to a `{target.kind}` target.",
            path="/addCustomAttributes",
            remedy="Send the attributes in a pool request (no `target.clientId`, `kind` pool).",
        )
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise InvalidRequest(
                "Each custom attribute must be an object.", path=f"/addCustomAttributes/{index}"
            )
        name = item.get("Name")
        if isinstance(name, str):
            bare = name.removeprefix("custom:")
            if bare in seen:
                raise InvalidRequest(
                    f"Custom attribute {bare!r} is listed twice.", path=f"/addCustomAttributes/{index}/Name"
                )
            seen.add(bare)
    return tuple(dict(item) for item in value)


def _restore(document: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """``(snapshot, bundle)``: the reference ``restore`` carries under exactly one of its two members."""
    if "restore" not in document:
        return None, None
    value = document["restore"]
    if not isinstance(value, Mapping) or len(value) != 1 or not set(value) <= {"snapshot", "bundle"}:
        raise InvalidRequest(
            "`restore` must be an object with exactly one member, `snapshot` or `bundle`.",
            path="/restore",
            remedy='{"snapshot": "s3://bucket/snapshots/.../before.json"} or '
            '{"bundle": "s3://bucket/bundles/{accountId}/{region}/{userPoolId}/{stamp}.json"}',
        )
    member = "snapshot" if "snapshot" in value else "bundle"
    reference = value[member]
    if not isinstance(reference, str) or not 1 <= len(reference) <= 2048 or not reference.isprintable():
        raise InvalidRequest(
            f"`restore.{member}` must be a {member} reference as "
            + ("results report it." if member == "snapshot" else "drift stores it."),
            path=f"/restore/{member}",
            remedy="Use s3://bucket/key, file://path, or a key in the snapshot bucket."
            if member == "snapshot"
            else "Use s3://{bucket}/bundles/{accountId}/{region}/{userPoolId}/{stamp}.json, or that key.",
        )
    return (reference, None) if member == "snapshot" else (None, reference)


def _bundle_target(target: Target, expected: datetime | None) -> None:
    """A bundle restore makes a whole pool like its bundle: a pool target, without a precondition."""
    if target.kind != "pool" or target.client_id is not None or target.name is not None:
        raise InvalidRequest(
            "A bundle restore applies to a whole user pool, not to a `"
            + ("client" if target.client_id else target.kind)
            + "` target.",
            path="/target",
            remedy='Target the pool alone: {"userPoolId": "..."} (no clientId, kind or name).',
        )
    if expected is not None:
        raise InvalidRequest(
            "`expectedLastModifiedDate` does not apply to a bundle restore (it writes many parts).",
            path="/expectedLastModifiedDate",
            remedy="Remove it; each part is confirmed unchanged just before it is written.",
        )


def _timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise InvalidRequest(
        "`expectedLastModifiedDate` must be an ISO-8601 timestamp.",
        path="/expectedLastModifiedDate",
        remedy="Copy LastModifiedDate from DescribeUserPool(Client), e.g. 2026-11-26T07:00:00Z.",
    )


def _text(document: Mapping[str, Any], name: str) -> str:
    value = document.get(name, "")
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InvalidRequest(f"`{name}` must be a string of at most {MAX_TEXT} characters.", path=f"/{name}")
    return value
