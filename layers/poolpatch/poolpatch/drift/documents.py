"""Desired-state documents (design.md, "Drift"): parsing, strict validation, selection.

A document says what some targets should look like: a ``selector`` (which pools, app clients or named
resources), a ``kind`` (any configuration kind, :mod:`poolpatch.kinds`), a ``patch`` (the desired values,
as a merge patch over the kind's update document) and a ``mode`` (``report`` by default, or ``correct``).
Version 1 documents (``{"target", "patch", "correct"}``) stay valid and select exactly their target.

Validation is strict and happens before any AWS call: an unknown member, a ``mode`` other than
``report``/``correct``, a non-boolean ``correct``, an id of the wrong shape, an account outside the
allow-list or a patch the update document does not accept make the document *invalid*: it is reported
with the JSON Pointer of the offending member and a remedy, and never applied. A key ending in ``.JSON``
(or any case but ``.json``) is reported too, never skipped without a word; a key not ending in ``.json``
in any case (a README) is not a document. ``null`` is not a value for any optional member.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import botocore
import botocore.session

from poolpatch import model
from poolpatch.errors import InvalidRequest, PoolpatchError, TargetNotAllowed
from poolpatch.kinds import ALL_KINDS, KINDS, REDACTED, Kind, spec
from poolpatch.merge import escape
from poolpatch.pointer import ABSENT, get
from poolpatch.request import (
    ACCOUNT_ID,
    CLIENT_ID,
    MAX_PATCH_DEPTH,
    REGION,
    USER_POOL_ID,
    load_json,
    parse_target,
)

DocumentMode = Literal["report", "correct"]

#: Kinds a drift document may name: every configuration kind (design.md, "Configuration kinds").
DOCUMENT_KINDS: tuple[Kind, ...] = ALL_KINDS
#: Kinds whose targets are app clients (``selector.clientIds`` / ``clientNames`` pick them; none = every one).
CLIENT_KINDS: frozenset[Kind] = frozenset(
    k for k, entry in KINDS.items() if entry.client in ("identifies", "required")
)
#: Kinds with a pool-level and a client-level setting: the client selectors pick the client-level one.
CLIENT_LEVEL_KINDS: frozenset[Kind] = frozenset(k for k, entry in KINDS.items() if entry.client == "optional")
#: Precedence tiers (design.md, "Resolution"): ids > tags or client names > account/Region only.
BY_IDS, BY_TAGS, BY_SCOPE = 3, 2, 1
#: Largest desired-state document accepted, in bytes.
MAX_DOCUMENT_BYTES = 256 * 1024
#: Longest document name (it appears in reports, reasons and events).
MAX_NAME = 256
#: Tag keys and values (Cognito: keys 1-128, values 0-256 characters).
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256
#: Pool tag that opts a pool out of correction (``report``) or out of drift altogether (``ignore``).
DRIFT_TAG = "poolpatch:drift"

_V2_MEMBERS = frozenset(
    {"version", "name", "description", "selector", "kind", "patch", "mode", "correctOwned"}
)
_V1_MEMBERS = frozenset({"version", "name", "description", "target", "patch", "correct", "correctOwned"})
#: Change-request members version 1 documents could carry (drift set its own id and mode): still accepted,
#: and ignored, so every version 1 document that worked keeps working.
_V1_LEGACY = frozenset({"requestId", "mode", "reason", "requestedBy"})
_SELECTOR_MEMBERS = frozenset(
    {"accountIds", "regions", "userPoolIds", "poolTags", "clientIds", "clientNames", "names"}
)
_TARGET_MEMBERS = frozenset({"userPoolId", "clientId", "accountId", "region"})
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,256}")
_CLIENT_NAME = re.compile(r"[\w\s+=,.@-]{1,128}", re.UNICODE)


@dataclass(frozen=True)
class Selector:
    """Which targets a document covers; every member given must match (design.md, "Drift")."""

    account_ids: tuple[str, ...] | None = None  # None: the own account; ("*",): every allowed account
    regions: tuple[str, ...] | None = None  # None: the own Region
    user_pool_ids: tuple[str, ...] | None = None
    pool_tags: Mapping[str, str] | None = None
    client_ids: tuple[str, ...] | None = None
    client_names: tuple[str, ...] | None = None
    #: Names of a named kind's resources (domains, ProviderNames, Identifiers, GroupNames); None: every one.
    names: tuple[str, ...] | None = None

    def accounts(self, own_account: str, allowed: frozenset[str]) -> frozenset[str]:
        """The accounts this selector covers, resolved against the own account and the allow-list."""
        if self.account_ids is None:
            return frozenset({own_account})
        if self.account_ids == ("*",):
            return allowed
        return frozenset(self.account_ids)

    def region_set(self, own_region: str) -> frozenset[str]:
        """The Regions this selector covers."""
        return frozenset(self.regions) if self.regions is not None else frozenset({own_region})

    def may_select_pool(self, user_pool_id: str) -> bool:
        """Whether a pool could match before its tags are known (saves a describe when it cannot)."""
        return self.user_pool_ids is None or user_pool_id in self.user_pool_ids

    def selects_pool(self, user_pool_id: str, tags: Mapping[str, str]) -> bool:
        """Whether the pool matches (account and Region are matched by the unit of work)."""
        if not self.may_select_pool(user_pool_id):
            return False
        return self.pool_tags is None or all(tags.get(key) == value for key, value in self.pool_tags.items())

    def selects_client(self, client_id: str, client_name: str) -> bool:
        """Whether an app client of a matching pool matches."""
        if self.client_ids is not None and client_id not in self.client_ids:
            return False
        return self.client_names is None or client_name in self.client_names

    def selects_name(self, name: str) -> bool:
        """Whether a resource of a named kind in a matching pool matches."""
        return self.names is None or name in self.names

    @property
    def selects_clients(self) -> bool:
        """Whether the selector names app clients (by id or name)."""
        return self.client_ids is not None or self.client_names is not None

    @property
    def precedence(self) -> int:
        """:data:`BY_IDS`, :data:`BY_TAGS` or :data:`BY_SCOPE`."""
        if self.user_pool_ids is not None or self.client_ids is not None or self.names is not None:
            return BY_IDS
        if self.pool_tags is not None or self.client_names is not None:
            return BY_TAGS
        return BY_SCOPE

    def to_dict(self) -> dict[str, Any]:
        """The selector as written (members given only)."""
        out: dict[str, Any] = {}
        for name, value in (
            ("accountIds", self.account_ids),
            ("regions", self.regions),
            ("userPoolIds", self.user_pool_ids),
            ("poolTags", self.pool_tags),
            ("clientIds", self.client_ids),
            ("clientNames", self.client_names),
            ("names", self.names),
        ):
            if value is not None:
                out[name] = dict(value) if isinstance(value, Mapping) else list(value)
        return out


@dataclass(frozen=True)
class Document:
    """A valid desired-state document."""

    name: str
    key: str
    version: str
    selector: Selector
    kind: Kind
    patch: dict[str, Any]
    mode: DocumentMode = "report"
    correct_owned: bool = False

    @property
    def precedence(self) -> int:
        """The selector's precedence tier."""
        return self.selector.precedence

    @property
    def client_level(self) -> bool:
        """Whether the document's targets are app clients' settings: the ``client`` and
        ``managedLoginBranding`` kinds, and the client-level setting of ``riskConfiguration`` and
        ``uiCustomization`` when the selector names app clients (without, their pool-level setting)."""
        return self.kind in CLIENT_KINDS or (
            self.kind in CLIENT_LEVEL_KINDS and self.selector.selects_clients
        )

    def summary(self) -> dict[str, Any]:
        """The document's entry in ``report.json`` (``valid: true``)."""
        return {
            "name": self.name,
            "key": self.key,
            "valid": True,
            "version": self.version,
            "kind": self.kind,
            "mode": self.mode,
            "selector": self.selector.to_dict(),
            "precedence": self.precedence,
        }


@dataclass(frozen=True)
class Invalid:
    """A document that is reported and never applied."""

    key: str
    error: PoolpatchError
    name: str | None = None

    def summary(self) -> dict[str, Any]:
        """The document's entry in ``report.json`` (``valid: false`` and its error)."""
        out: dict[str, Any] = {
            "name": self.name,
            "key": self.key,
            "valid": False,
            "error": self.error.to_dict(),
        }
        return out


@dataclass
class DocumentSet:
    """Every document of a sweep: the valid ones and the reported ones."""

    valid: list[Document] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)

    def summaries(self) -> list[dict[str, Any]]:
        """``report.json``'s ``documents``: every document in key order, valid or with its error."""
        entries = [*(d.summary() for d in self.valid), *(i.summary() for i in self.invalid)]
        return sorted(entries, key=lambda entry: str(entry["key"]))

    def covering(
        self, account: str, region: str, *, own_account: str, own_region: str, allowed: frozenset[str]
    ) -> list[Document]:
        """The valid documents whose selector covers an account and Region."""
        return [
            document
            for document in self.valid
            if account in document.selector.accounts(own_account, allowed)
            and region in document.selector.region_set(own_region)
        ]

    def units(self, own_account: str, own_region: str, allowed: frozenset[str]) -> list[tuple[str, str]]:
        """The (account, Region) units of work the valid documents cover, sorted."""
        units = {
            (account, region)
            for document in self.valid
            for account in document.selector.accounts(own_account, allowed)
            for region in document.selector.region_set(own_region)
        }
        return sorted(units)

    def to_dict(self) -> dict[str, Any]:
        """The set as JSON (the sweep's manifest: every unit reads the same documents)."""
        return {
            "valid": [_document_json(document) for document in self.valid],
            "invalid": [invalid.summary() for invalid in self.invalid],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DocumentSet:
        """The inverse of :meth:`to_dict` (a manifest this code wrote)."""
        valid = [_document_from_json(item) for item in data.get("valid", [])]
        invalid = [
            Invalid(
                str(item["key"]),
                _error_class(str(item["error"]["code"]))(
                    str(item["error"]["message"]), path=item["error"].get("path")
                ),
                item.get("name"),
            )
            for item in data.get("invalid", [])
        ]
        return cls(valid, invalid)


def load_documents(
    items: Iterable[tuple[str, bytes | str]],
    *,
    prefix: str = "",
    own_account: str,
    allowed: frozenset[str] | None,
) -> DocumentSet:
    """Parse every ``*.json`` ``(key, body)``; ``prefix`` is stripped from keys to make default names.

    Keys not ending in ``.json`` in any case are not documents; ``.JSON`` and the like are reported.
    Names must be unique: every document sharing a name with another is invalid (neither silently wins).
    ``allowed`` is the account allow-list (``None``: no list, as for the CLI, which checks its own
    account only).
    """
    documents = DocumentSet()
    for key, body in sorted(items, key=lambda item: item[0]):
        if not key.lower().endswith(".json"):
            continue  # not a document (a README, say): never read as one
        if not key.endswith(".json"):
            documents.invalid.append(
                Invalid(
                    key,
                    InvalidRequest(
                        "Desired-state documents end in `.json`, in lower case.",
                        path="",
                        remedy="Rename it to end in `.json`.",
                    ),
                )
            )
            continue
        default_name = key.removeprefix(prefix).removesuffix(".json")
        try:
            documents.valid.append(
                parse_document(
                    body, key=key, default_name=default_name, own_account=own_account, allowed=allowed
                )
            )
        except PoolpatchError as error:
            documents.invalid.append(Invalid(key, error, _name_of(body)))
    counts: dict[str, int] = {}
    for document in documents.valid:
        counts[document.name] = counts.get(document.name, 0) + 1
    duplicated = {name for name, count in counts.items() if count > 1}
    if duplicated:
        keep: list[Document] = []
        for document in documents.valid:
            if document.name not in duplicated:
                keep.append(document)
                continue
            others = [d.key for d in documents.valid if d.name == document.name and d.key != document.key]
            documents.invalid.append(
                Invalid(
                    document.key,
                    InvalidRequest(
                        f"The name {json.dumps(document.name)} is also used by {', '.join(others)}.",
                        path="/name",
                        remedy="Give every desired-state document its own `name`.",
                    ),
                    document.name,
                )
            )
        documents.valid = keep
    return documents


def parse_document(
    body: bytes | str | Mapping[str, Any],
    *,
    key: str,
    default_name: str,
    own_account: str,
    allowed: frozenset[str] | None,
) -> Document:
    """Validate one desired-state document; raise :class:`~poolpatch.errors.PoolpatchError` if invalid."""
    if isinstance(body, bytes | str):
        if len(body) > MAX_DOCUMENT_BYTES:
            raise InvalidRequest(
                f"The document is larger than {MAX_DOCUMENT_BYTES} bytes.",
                path="",
                remedy="Split it into several documents.",
            )
        document = load_json(body, what=f"desired-state document {key}")
    else:
        document = body
    if not isinstance(document, Mapping):
        raise InvalidRequest("A desired-state document must be a JSON object.", path="")
    version = document.get("version", "1" if "target" in document else None)
    if version == "1":
        _refuse_unknown(document, _V1_MEMBERS | _V1_LEGACY, "")
        if document.get("mode", "plan") not in ("apply", "plan"):
            raise InvalidRequest(
                "`mode` of a version 1 document is ignored, and must be apply or plan if present.",
                path="/mode",
                remedy='Say "correct": true or false; or use version 2 with "mode": "report" or "correct".',
            )
        selector, kind = _v1_target(document.get("target"))
        correct = document.get("correct", False)
        if not isinstance(correct, bool):
            raise InvalidRequest(
                "`correct` must be true or false.",
                path="/correct",
                remedy='Write "correct": true to correct drift, or false (the default) to report it.',
            )
        mode: DocumentMode = "correct" if correct else "report"
    elif version == "2":
        _refuse_unknown(document, _V2_MEMBERS, "")
        kind = _kind(document.get("kind", "pool"))
        selector = _selector(document.get("selector", {}), kind)
        mode = _mode(document.get("mode", "report"))
    else:
        raise InvalidRequest(
            f"Unsupported desired-state document version {_shown(version)}.",
            path="/version",
            remedy='Set "version": "2" (selectors), or use the version 1 form with `target`.',
        )
    _refuse_null(document, "")
    correct_owned = document.get("correctOwned", False)
    if not isinstance(correct_owned, bool):
        raise InvalidRequest(
            "`correctOwned` must be true or false.",
            path="/correctOwned",
            remedy="Set true only to correct pools a CloudFormation stack owns (its next update reverts).",
        )
    _text(document, "description", 1024)
    name = document.get("name", default_name)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidRequest(
            f"`name` must be 1-{MAX_NAME} printable characters.",
            path="/name",
            remedy="Name the document (the default is its key without `.json`).",
        )
    accounts = selector.accounts(own_account, allowed or frozenset({own_account}))
    outside = sorted(accounts - allowed) if allowed is not None else []
    if outside:
        raise TargetNotAllowed(
            f"Account {outside[0]} is not one poolpatch may reach.",
            path="/selector/accountIds" if version == "2" else "/target/accountId",
            remedy="Select allowed accounts only (ALLOWED_ACCOUNT_IDS), or ask the operators to allow it.",
        )
    return Document(
        name=name,
        key=key,
        version=str(version),
        selector=selector,
        kind=kind,
        patch=_patch(document.get("patch"), kind),
        mode=mode,
        correct_owned=correct_owned,
    )


def _v1_target(value: Any) -> tuple[Selector, Kind]:
    if not isinstance(value, Mapping):
        raise InvalidRequest(
            "`target` is required in a version 1 document and must be an object.",
            path="/target",
            remedy='Give at least {"userPoolId": "<region>_<id>"}.',
        )
    _refuse_unknown(value, _TARGET_MEMBERS, "/target")
    _refuse_null(value, "/target")
    pool = _id(value.get("userPoolId"), "/target/userPoolId", USER_POOL_ID, 55)
    if pool is None:
        raise InvalidRequest("`target.userPoolId` is required.", path="/target/userPoolId")
    client = _id(value.get("clientId"), "/target/clientId", CLIENT_ID, 128)
    account = _id(value.get("accountId"), "/target/accountId", ACCOUNT_ID, 12)
    region = _id(value.get("region"), "/target/region", REGION, 32)
    selector = Selector(
        account_ids=(account,) if account else None,
        regions=(region,) if region else None,
        user_pool_ids=(pool,),
        client_ids=(client,) if client else None,
    )
    return selector, "client" if client else "pool"


def _selector(value: Any, kind: Kind) -> Selector:
    if not isinstance(value, Mapping):
        raise InvalidRequest("`selector` must be an object.", path="/selector", remedy="For example {}.")
    _refuse_unknown(value, _SELECTOR_MEMBERS, "/selector")
    _refuse_null(value, "/selector")
    entry = spec(kind)
    if entry.client == "never":
        for member in ("clientIds", "clientNames"):
            if member in value:
                raise InvalidRequest(
                    f"`selector.{member}` selects app clients; a `{kind}` document describes the "
                    f"{entry.label} of a user pool, which belongs to no app client.",
                    path=f"/selector/{member}",
                    remedy='Set "kind": "client" (or another kind with an app client setting: '
                    "riskConfiguration, uiCustomization, managedLoginBranding), or drop the member.",
                )
    if "names" in value and not entry.named:
        named = ", ".join(k for k in ALL_KINDS if spec(k).named)
        raise InvalidRequest(
            f"`selector.names` names resources of a named kind; a `{kind}` document has none.",
            path="/selector/names",
            remedy=f"Drop `names`, or use a named kind ({named}).",
        )
    accounts = value.get("accountIds")
    if accounts == ["*"]:
        account_ids: tuple[str, ...] | None = ("*",)
    else:
        account_ids = _ids(accounts, "/selector/accountIds", ACCOUNT_ID, 12, '12-digit account ids, or ["*"]')
    tags = value.get("poolTags")
    if tags is not None:
        if not isinstance(tags, Mapping) or not tags:
            raise InvalidRequest(
                "`selector.poolTags` must be a non-empty object of tag names to values.",
                path="/selector/poolTags",
                remedy='For example {"environment": "prod"}.',
            )
        for tag, tag_value in tags.items():
            if (
                not (1 <= len(tag) <= MAX_TAG_KEY)
                or not isinstance(tag_value, str)
                or len(tag_value) > MAX_TAG_VALUE
            ):
                raise InvalidRequest(
                    "Every `selector.poolTags` member is a tag key (1-128 characters) with a string value.",
                    path=f"/selector/poolTags/{escape(tag)}",
                    remedy="Tag values are strings: quote numbers and booleans.",
                )
    regions = _ids(value.get("regions"), "/selector/regions", REGION, 32, "Region names like eu-west-1")
    unknown = [region for region in regions or () if region not in cognito_regions()]
    if unknown:
        raise InvalidRequest(
            f"{_shown(unknown[0])} is not a Region with Amazon Cognito user pools (botocore "
            f"{botocore.__version__}).",
            path=f"/selector/regions/{(regions or ()).index(unknown[0])}",
            remedy="Name Regions where the pools are; a Region newer than botocore needs an upgrade.",
        )
    return Selector(
        account_ids=account_ids,
        regions=regions,
        user_pool_ids=_ids(
            value.get("userPoolIds"),
            "/selector/userPoolIds",
            USER_POOL_ID,
            55,
            "user pool ids like eu-west-1_AbC",
        ),
        pool_tags=dict(tags) if tags is not None else None,
        client_ids=_ids(value.get("clientIds"), "/selector/clientIds", CLIENT_ID, 128, "app client ids"),
        client_names=_ids(
            value.get("clientNames"), "/selector/clientNames", _CLIENT_NAME, 128, "app client names"
        ),
        names=_names(value.get("names"), kind),
    )


def _names(value: Any, kind: Kind) -> tuple[str, ...] | None:
    """``selector.names``: each one a valid name of the kind (as ``target.name`` of a change request)."""
    if value is None:
        return None
    entry = spec(kind)
    hint = f"{entry.label} names ({entry.name_member})"
    if not isinstance(value, list) or not value:
        raise InvalidRequest(
            "`selector.names` must be a non-empty list.", path="/selector/names", remedy=f"List {hint}."
        )
    for index, item in enumerate(value):
        try:
            parse_target({"userPoolId": "us-east-1_placeholder", "kind": kind, "name": item})
        except InvalidRequest:
            raise InvalidRequest(
                f"{_shown(item)} at /selector/names/{index} is not a valid {entry.name_member}.",
                path=f"/selector/names/{index}",
                remedy=f"Use the {entry.label}'s {entry.name_member} exactly as Cognito lists it.",
            ) from None
    return tuple(dict.fromkeys(value))


@functools.cache
def cognito_regions() -> frozenset[str]:
    """Every Region of every partition where botocore's endpoint data has cognito-idp (no network)."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("cognito-idp", partition)
    )


def _ids(value: Any, pointer: str, pattern: re.Pattern[str], limit: int, hint: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise InvalidRequest(
            f"`{pointer[1:].replace('/', '.')}` must be a non-empty list.",
            path=pointer,
            remedy=f"List {hint}.",
        )
    for index, item in enumerate(value):
        _id(item, f"{pointer}/{index}", pattern, limit, hint)
    return tuple(dict.fromkeys(value))


def _id(value: Any, pointer: str, pattern: re.Pattern[str], limit: int, hint: str = "") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit or not pattern.fullmatch(value):
        raise InvalidRequest(
            f"{_shown(value)} at {pointer} is not a valid id.",
            path=pointer,
            remedy=f"Use {hint or 'the id as the console shows it'}.",
        )
    return value


def _kind(value: Any) -> Kind:
    if not isinstance(value, str) or value not in DOCUMENT_KINDS:
        raise InvalidRequest(
            f"Unknown kind {_shown(value)}.",
            path="/kind",
            remedy=f"Use one of: {', '.join(DOCUMENT_KINDS)}.",
        )
    kind: Kind = value
    return kind


def _mode(value: Any) -> DocumentMode:
    if value == "report":
        return "report"
    if value == "correct":
        return "correct"
    raise InvalidRequest(
        f"Unknown mode {_shown(value)}.",
        path="/mode",
        remedy='Use "report" (the default: drift is reported) or "correct" (drift is corrected).',
    )


def _patch(value: Any, kind: Kind) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidRequest(
            "`patch` must be a non-empty JSON object: the desired values, as a merge patch over the update "
            "document.",
            path="/patch",
            remedy='For example {"DeletionProtection": "ACTIVE"}; `poolpatch skeleton` shows the shape.',
        )
    if _depth(value) > MAX_PATCH_DEPTH:
        raise InvalidRequest(
            f"`patch` is nested more than {MAX_PATCH_DEPTH} levels deep.",
            path="/patch",
            remedy="Patch only members of the update document.",
        )
    errors = model.check_document(kind, value, partial=True, base="/patch")
    if errors:
        raise errors[0]
    for pointer in spec(kind).secrets:
        if get(value, pointer) not in (ABSENT, REDACTED):
            # A desired-state document is read by every sweep and copied into reports and corrections:
            # it never holds a secret. "<redacted>" (keep the live value) is the only value accepted.
            raise InvalidRequest(
                "A desired-state document cannot hold a secret.",
                path=f"/patch{pointer}",
                remedy=f'Use "{REDACTED}" (keep the live value); rotate the secret with a change request.',
            )
    return dict(value)


def _depth(value: Any, level: int = 1) -> int:
    if level > MAX_PATCH_DEPTH or not isinstance(value, Mapping | list):
        return level
    items: Sequence[Any] = list(value.values()) if isinstance(value, Mapping) else value
    return max((_depth(item, level + 1) for item in items), default=level)


def _refuse_unknown(value: Mapping[str, Any], allowed: frozenset[str], base: str) -> None:
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise InvalidRequest(
            f"Unknown member {_shown(unknown[0])}.",
            path=f"{base}/{escape(unknown[0])}",
            remedy=f"Use only: {', '.join(sorted(allowed))}.",
        )


def _refuse_null(value: Mapping[str, Any], base: str) -> None:
    for key, item in value.items():
        if item is None:
            raise InvalidRequest(
                f"`{key}` is null.", path=f"{base}/{escape(str(key))}", remedy="Leave the member out instead."
            )


def _text(document: Mapping[str, Any], name: str, limit: int) -> None:
    value = document.get(name)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise InvalidRequest(f"`{name}` must be text of at most {limit} characters.", path=f"/{name}")


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 and text.isprintable() else "<not shown>"


def _name_of(body: bytes | str | Mapping[str, Any]) -> str | None:
    """The ``name`` of an invalid document, when it has a readable one (for the report)."""
    try:
        document = body if isinstance(body, Mapping) else json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    name = document.get("name") if isinstance(document, Mapping) else None
    return name if isinstance(name, str) and _NAME.fullmatch(name) else None


def _error_class(code: str) -> type[PoolpatchError]:
    """The error type with this stable code (a manifest keeps the code of each invalid document)."""
    pending: list[type[PoolpatchError]] = [PoolpatchError]
    while pending:
        kind = pending.pop()
        if kind.code == code:
            return kind
        pending.extend(kind.__subclasses__())
    return InvalidRequest


def _document_json(document: Document) -> dict[str, Any]:
    return {**document.summary(), "patch": document.patch, "correctOwned": document.correct_owned}


def _document_from_json(item: Mapping[str, Any]) -> Document:
    selector = dict(item.get("selector") or {})
    return Document(
        name=str(item["name"]),
        key=str(item["key"]),
        version=str(item["version"]),
        selector=Selector(
            account_ids=_tuple(selector.get("accountIds")),
            regions=_tuple(selector.get("regions")),
            user_pool_ids=_tuple(selector.get("userPoolIds")),
            pool_tags=selector.get("poolTags"),
            client_ids=_tuple(selector.get("clientIds")),
            client_names=_tuple(selector.get("clientNames")),
            names=_tuple(selector.get("names")),
        ),
        kind=item["kind"],
        patch=dict(item["patch"]),
        mode=item["mode"],
        correct_owned=bool(item.get("correctOwned", False)),
    )


def _tuple(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if value is not None else None
