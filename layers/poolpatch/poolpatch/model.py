"""The botocore service-model layer: projection, unknown-field detection and validation.

Everything here is driven by the ``cognito-idp`` service model that the installed botocore carries
(design.md, steps 2-4; cognito-api.md §2): the update document is the ``UpdateUserPool`` /
``UpdateUserPoolClient`` input shape without its id members, and a Describe object is projected onto it
member by member, recursively. No list of fields to drop is kept by hand; the only hand-kept knowledge is
the small table of create-only settings (:data:`_CREATE_ONLY`, cognito-api.md §6) and the ``Name`` ->
``PoolName`` rename, which the model cannot express.

Pure logic: no AWS call, no client. Importing this module does not even import botocore; the service model
is loaded on the first call to :func:`service_model` and cached.

Validation goes beyond botocore's own (which checks only ``required``, ``min``, types, documents and
unions): enums, ``max``, ranges and patterns are checked too, because the service would otherwise reject
them with ``InvalidParameterException`` after the before-snapshot was written (cognito-api.md §2.3, §3.2).

**Patterns.** The model's patterns are Java regular expressions. :func:`_translate_pattern` turns them into
Python ``re`` patterns that never reject a value the service accepts; where a construct cannot be
translated safely the pattern is not checked at all (the service still is). Deliberate widenings:

- ``\\p{L}``, ``\\p{M}``, ``\\p{S}``, ``\\p{N}``, ``\\p{P}`` (and their two-letter subcategories) become
  ``\\S``: every such character is non-whitespace for Python (checked over the whole Unicode range by a
  unit test), but ``\\S`` also accepts control, format, private-use and unassigned characters.
- ``\\p{Z}`` (``Zs``, ``Zl``, ``Zp``) becomes ``\\s``, which also accepts control whitespace (tab, newline).
- Java's ``\\w``, ``\\d``, ``\\s`` are ASCII-only, Python's are Unicode-aware (wider).
- ``.`` matches every character, line terminators included (``re.DOTALL``; Java's ``.`` excludes them).
- ``\\P{..}``, ``\\p{..}`` inside a negated class, nested classes or ``&&`` intersections, ``\\Q..\\E``
  quoting, and anything ``re`` cannot compile: the pattern is skipped.

Matching uses full-match semantics (Java ``Matcher.matches``).
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import decimal
import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from poolpatch.errors import (
    ImmutableSetting,
    InvalidValue,
    PoolpatchError,
    ReadOnlyField,
    UnknownField,
)
from poolpatch.kinds import KINDS, Kind, spec
from poolpatch.pointer import child as _child
from poolpatch.pointer import split as _split

if TYPE_CHECKING:
    from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

__all__ = [
    "ID_MEMBERS",
    "Kind",
    "check_document",
    "check_shape",
    "classify_member",
    "closest",
    "describe_shape",
    "json_default",
    "project",
    "service_model",
    "skeleton",
    "unknown_members",
    "update_members",
    "update_shape",
]

ID_MEMBERS: Mapping[Kind, tuple[str, ...]] = {kind: entry.ids for kind, entry in KINDS.items()}
"""Members of the update input that select the target; they are not part of the update document."""

SERVICE_NAME = "cognito-idp"

# Names that identify a target in Describe output or update input; a patch never carries them.
_ID_NAMES = frozenset({"UserPoolId", "ClientId", "Id"})

# Never copied into an update document, at any depth, whatever the model says (cognito-api.md §2.2).
_NEVER_COPY = frozenset({"ClientSecret"})

_NEW_POOL = (
    "Create a new user pool with the setting you want and migrate users to it "
    "(AWS guide: these settings can't be changed after the user pool is created)."
)
_NEW_CLIENT = (
    "Create a new app client (AWS guide: 'To change a client secret, create a new app client'). "
    "To rotate the secret of a confidential client, call AddUserPoolClientSecret, then "
    "DeleteUserPoolClientSecret for the old one."
)

# Create-only settings and the remedy the AWS guide gives (cognito-api.md §6; DG
# user-pool-settings-attributes.html, "you can't change these settings after the user pool is created";
# Model `UsernameConfigurationType.CaseSensitive`, "immutable after you set it"; DG
# user-pool-settings-client-apps.html). Semantic knowledge the model cannot express; a unit test checks
# that every name here exists in the model.
_CREATE_ONLY: dict[Kind, dict[str, tuple[str, str]]] = {
    "pool": {
        "AliasAttributes": ("Sign-in alias attributes are chosen when the user pool is created.", _NEW_POOL),
        "UsernameAttributes": ("Username attributes are chosen when the user pool is created.", _NEW_POOL),
        "UsernameConfiguration": (
            "User name case sensitivity (UsernameConfiguration.CaseSensitive) is immutable after the user "
            "pool is created.",
            _NEW_POOL,
        ),
        "SchemaAttributes": (
            "Existing schema attributes can't be modified or deleted.",
            "Add new custom attributes with `addCustomAttributes` in the change request; any other schema "
            "change needs a new user pool.",
        ),
        "Schema": (
            "The attribute schema is set when the user pool is created; existing attributes can't be "
            "modified or deleted.",
            "Add new custom attributes with `addCustomAttributes` in the change request; any other schema "
            "change needs a new user pool.",
        ),
    },
    "client": {
        "ClientSecret": (
            "Whether an app client has a secret, and its value, are set at creation.",
            _NEW_CLIENT,
        ),
        "GenerateSecret": ("Whether an app client has a secret is fixed when it is created.", _NEW_CLIENT),
    },
}


class _Drop:
    """Marker for a value that projection leaves out."""


_DROP = _Drop()


# ----------------------------------------------------------------------------------------------------
# The model


@functools.cache
def service_model() -> ServiceModel:
    """The ``cognito-idp`` service model of the installed botocore, loaded once without creating a client.

    Loaded through a botocore session, so it honours the same data path (``AWS_DATA_PATH``,
    ``~/.aws/models``) as the clients the adapters create.
    """
    import botocore.session

    return botocore.session.get_session().get_service_model(SERVICE_NAME)


#: Members the model marks ``sensitive`` that are identifiers, not secrets: snapshots keep them (they are in
#: the key and the target anyway) and error messages may name them.
SENSITIVE_IDENTIFIERS = frozenset({"ClientId", "UserPoolId"})


def is_sensitive(shape: Any) -> bool:
    """Whether the model marks ``shape`` ``sensitive`` (identifiers included: see :func:`is_secret`)."""
    return bool(getattr(shape, "metadata", {}).get("sensitive"))


def is_secret(shape: Any, name: str) -> bool:
    """Whether member ``name`` of shape ``shape`` is a secret by trait: ``sensitive``, and not one of the
    :data:`SENSITIVE_IDENTIFIERS`."""
    return is_sensitive(shape) and name not in SENSITIVE_IDENTIFIERS


def _struct(shape: Shape | None, what: str) -> StructureShape:
    if shape is None or shape.type_name != "structure":
        raise RuntimeError(f"the {SERVICE_NAME} service model has no structure for {what}")
    return cast("StructureShape", shape)


@functools.cache
def update_shape(kind: Kind) -> StructureShape:
    """The ``UpdateUserPool`` (pool) or ``UpdateUserPoolClient`` (client) input shape."""
    operation = spec(kind).write
    return _struct(service_model().operation_model(operation).input_shape, operation)


@functools.cache
def describe_shape(kind: Kind) -> StructureShape:
    """The read object's shape: ``UserPoolType`` (pool), ``UserPoolClientType`` (client)...

    The output shape itself for a kind whose read returns the object at the top (``mfa``).
    """
    entry = spec(kind)
    operation, member = entry.read, entry.read_member
    output = _struct(service_model().operation_model(operation).output_shape, operation)
    if member is None:
        return output
    return _struct(output.members.get(member), f"{operation}.{member}")


@functools.cache
def update_members(kind: Kind) -> tuple[str, ...]:
    """The update document's members: the write input members minus :data:`ID_MEMBERS`."""
    ids = ID_MEMBERS[kind]
    return tuple(name for name in update_shape(kind).members if name not in ids)


# ----------------------------------------------------------------------------------------------------
# JSON Pointer helpers (RFC 6901)


# ----------------------------------------------------------------------------------------------------
# Projection


def project(kind: Kind, description: Mapping[str, Any]) -> dict[str, Any]:
    """Project a Describe object (the ``UserPool`` / ``UserPoolClient`` value) onto the update document.

    Keeps only the members the update input shape knows, recursively (structures member by member, lists
    item by item, maps value by value); ``Name`` becomes ``PoolName``; id members, ``ClientSecret``,
    ``None`` values and datetimes never survive. The result is a deep copy. No semantic normalisation
    (legacy fields, ``aws:`` tags, empty containers) happens here.
    """
    shape = update_shape(kind)
    sources = spec(kind).renames
    out: dict[str, Any] = {}
    for name in update_members(kind):
        if name in _NEVER_COPY:
            continue
        source = sources.get(name, name)
        if source not in description:
            continue
        value = _project_value(shape.members[name], description[source])
        if value is not _DROP:
            out[name] = value
    return out


def _project_value(shape: Shape, value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return _DROP
    type_name = shape.type_name
    if type_name == "blob" and isinstance(value, bytes | bytearray):
        # Update documents are JSON: blobs travel as base64 text, decoded by the adapter on write.
        return base64.b64encode(bytes(value)).decode("ascii")
    if type_name == "structure" and cast("StructureShape", shape).is_document_type:
        return _plain_copy(value)  # a JSON document (branding Settings): copied whole, never projected
    if type_name == "structure" and isinstance(value, Mapping):
        members = cast("StructureShape", shape).members
        out: dict[str, Any] = {}
        for name, member in members.items():
            if name in _NEVER_COPY or name not in value:
                continue
            projected = _project_value(member, value[name])
            if projected is not _DROP:
                out[name] = projected
        return out
    if type_name == "list" and isinstance(value, list | tuple):
        item_shape = cast("ListShape", shape).member
        items = (_project_value(item_shape, item) for item in value)
        return [item for item in items if item is not _DROP]
    if type_name == "map" and isinstance(value, Mapping):
        value_shape = cast("MapShape", shape).value
        entries = ((key, _project_value(value_shape, item)) for key, item in value.items())
        return {key: item for key, item in entries if item is not _DROP}
    return _plain_copy(value)


def _plain_copy(value: Any) -> Any:
    """A deep copy without datetimes (a value whose type disagrees with the model; the checker reports it)."""
    if isinstance(value, Mapping):
        return {key: _plain_copy(item) for key, item in value.items() if not isinstance(item, dt.date)}
    if isinstance(value, list | tuple):
        return [_plain_copy(item) for item in value if not isinstance(item, dt.date)]
    return copy.deepcopy(value)


# ----------------------------------------------------------------------------------------------------
# Unknown-field guard


def unknown_members(kind: Kind, raw_description: Mapping[str, Any]) -> list[str]:
    """JSON Pointers of members of a raw Describe object that the local describe shape does not know.

    ``raw_description`` is the JSON the service sent (before botocore parsing, which silently drops such
    members), e.g. the ``UserPool`` value. Structures are checked member by member (by wire name), lists
    item by item and maps value by value. An empty list means botocore sees everything.
    """
    found: list[str] = []
    _find_unknown(describe_shape(kind), raw_description, "", found)
    return found


def _find_unknown(shape: Shape, value: Any, pointer: str, found: list[str]) -> None:
    type_name = shape.type_name
    if type_name == "structure" and isinstance(value, Mapping):
        struct = cast("StructureShape", shape)
        if struct.is_document_type:
            return
        wire = {member.serialization.get("name", name): member for name, member in struct.members.items()}
        for key, item in value.items():
            member = wire.get(key)
            if member is None:
                found.append(_child(pointer, key))
            else:
                _find_unknown(member, item, _child(pointer, key), found)
    elif type_name == "list" and isinstance(value, list):
        item_shape = cast("ListShape", shape).member
        for index, item in enumerate(value):
            _find_unknown(item_shape, item, _child(pointer, index), found)
    elif type_name == "map" and isinstance(value, Mapping):
        value_shape = cast("MapShape", shape).value
        for key, item in value.items():
            _find_unknown(value_shape, item, _child(pointer, key), found)


# ----------------------------------------------------------------------------------------------------
# Classification of members the update document does not accept


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``name``, or ``None``.

    A case-insensitive equal name wins, then the shortest candidate that starts with ``name`` (3+
    characters), then the best :func:`difflib.get_close_matches` match (cutoff 0.6).
    """
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    lowered = name.lower()
    if lowered in by_lower:
        return by_lower[lowered]
    # A truncated name ("MfaConfig") is best matched by the member it starts (difflib may prefer another).
    prefixed = sorted((key for key in by_lower if len(lowered) >= 3 and key.startswith(lowered)), key=len)
    if prefixed:
        return by_lower[prefixed[0]]
    matches = difflib.get_close_matches(lowered, list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def classify_member(kind: Kind, pointer: str) -> PoolpatchError:
    """Classify a member (JSON Pointer into the update document) that the update document does not accept.

    Top level: id members -> ``ReadOnlyField``; create-only settings -> ``ImmutableSetting`` with the
    remedy; ``Name`` on a pool -> ``UnknownField`` suggesting ``PoolName``. At any level, a member of the
    describe shape that the update shape lacks -> ``ReadOnlyField``; anything else -> ``UnknownField`` with
    the closest update member at that level. Raises ``ValueError`` if the update document accepts it.
    """
    return _classify(kind, pointer, pointer)


def _classify(kind: Kind, pointer: str, path: str) -> PoolpatchError:
    tokens = _split(pointer)
    if not tokens:
        raise ValueError("classify_member needs a pointer to a member, not the whole document")
    name = tokens[-1]
    if len(tokens) == 1:
        return _classify_top(kind, name, path)
    update_parent = _resolve(update_shape(kind), tokens[:-1])
    if update_parent is None:
        return UnknownField(
            f"`{pointer}` is not part of the {kind} update document.",
            path=path,
            remedy=f"Run `poolpatch skeleton {kind}` to see the accepted members.",
        )
    if name in update_parent.members:
        raise ValueError(f"{pointer} is accepted by the {kind} update document")
    describe_tokens = [spec(kind).renames.get(tokens[0], tokens[0]), *tokens[1:-1]]
    describe_parent = _resolve(describe_shape(kind), describe_tokens)
    if describe_parent is not None and name in describe_parent.members:
        return _read_only(kind, name, path)
    return _unknown(name, path, update_parent.members)


def _classify_top(kind: Kind, name: str, path: str) -> PoolpatchError:
    if name in _ID_NAMES or name in ID_MEMBERS[kind]:
        what = {"UserPoolId": "user pool", "Id": "user pool", "ClientId": "app client"}.get(
            name, spec(kind).label
        )
        return ReadOnlyField(
            f"`{name}` identifies the {what}; a patch cannot change it.",
            path=path,
            remedy=f"The target is chosen by `target`, not the patch: remove `{name}` from the patch.",
        )
    if name in _CREATE_ONLY.get(kind, {}):
        message, remedy = _CREATE_ONLY[kind][name]
        return ImmutableSetting(f"`{name}` cannot be changed: {message}", path=path, remedy=remedy)
    if name in update_members(kind):
        raise ValueError(f"/{name} is accepted by the {kind} update document")
    renamed = {source: target for target, source in spec(kind).renames.items()}
    if name in renamed:
        return UnknownField(
            f"The update document calls `{name}` `{renamed[name]}`.",
            path=path,
            remedy=f"Use `{renamed[name]}` instead of `{name}`.",
        )
    if name in describe_shape(kind).members:
        return _read_only(kind, name, path)
    return _unknown(name, path, update_members(kind))


def _read_only(kind: Kind, name: str, path: str) -> ReadOnlyField:
    operation = spec(kind).read
    return ReadOnlyField(
        f"`{name}` is returned by {operation} but no update accepts it (read-only).",
        path=path,
        remedy=f"Remove `{name}` from the patch.",
    )


def _unknown(name: str, path: str, candidates: Iterable[str]) -> UnknownField:
    suggestion = closest(name, candidates)
    remedy = f"Did you mean `{suggestion}`?" if suggestion else "Check the member name against the skeleton."
    return UnknownField(f"`{name}` is not a member here.", path=path, remedy=remedy)


def _resolve(shape: Shape, tokens: list[str]) -> StructureShape | None:
    """The structure a pointer's tokens lead to (list indices and map keys step into items), or None."""
    current = shape
    for token in tokens:
        type_name = current.type_name
        if type_name == "structure":
            member = cast("StructureShape", current).members.get(token)
            if member is None:
                return None
            current = member
        elif type_name == "list":
            current = cast("ListShape", current).member
        elif type_name == "map":
            current = cast("MapShape", current).value
        else:
            return None
    return cast("StructureShape", current) if current.type_name == "structure" else None


# ----------------------------------------------------------------------------------------------------
# Validation

_UnknownHook = Callable[["StructureShape", str, str], PoolpatchError]
"""(parent structure, pointer relative to the checked document, error path) -> the error to report."""

_EXPECTED: dict[str, str] = {
    "string": "a string",
    "integer": "an integer",
    "long": "an integer",
    "boolean": "a boolean",
    "float": "a number",
    "double": "a number",
    "list": "a list",
    "map": "an object",
    "structure": "an object",
    "timestamp": "a timestamp",
    "blob": "binary data",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | decimal.Decimal):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _type_ok(type_name: str, value: Any) -> bool:
    if type_name == "string":
        return isinstance(value, str)
    if type_name in {"integer", "long"}:
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name in {"float", "double"}:
        return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)
    if type_name == "list":
        return isinstance(value, list | tuple)
    if type_name in {"map", "structure"}:
        return isinstance(value, Mapping)
    if type_name == "timestamp":
        return isinstance(value, dt.datetime | str | int | float) and not isinstance(value, bool)
    if type_name == "blob":
        return isinstance(value, bytes | bytearray | str)
    return True


def _label(path: str) -> str:
    return f"`{path}`" if path else "The value"


def _show(value: Any, *, sensitive: bool) -> str:
    if sensitive:
        return "(sensitive value not shown)"
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _bounds(shape: Shape) -> tuple[int | float | None, int | float | None]:
    metadata = shape.metadata
    return metadata.get("min"), metadata.get("max")


def _describe_bounds(low: float | None, high: float | None, unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"between {low} and {high}{suffix}"
    if low is not None:
        return f"at least {low}{suffix}"
    return f"at most {high}{suffix}"


def _out_of_bounds(number: float, shape: Shape) -> bool:
    low, high = _bounds(shape)
    return (low is not None and number < low) or (high is not None and number > high)


class _Checker:
    """Walks a value against a shape, collecting every error (not only the first)."""

    def __init__(self, base: str, unknown: _UnknownHook, secrets: tuple[str, ...] = ()) -> None:
        self.base = base
        self.unknown = unknown
        self.secrets = secrets
        self.errors: list[PoolpatchError] = []

    def invalid(self, pointer: str, message: str, remedy: str | None = None) -> None:
        self.errors.append(InvalidValue(message, path=self.base + pointer, remedy=remedy))

    def check(
        self, shape: Shape, value: Any, pointer: str, *, partial: bool, sensitive: bool = False
    ) -> None:
        sensitive = sensitive or bool(shape.metadata.get("sensitive")) or pointer in self.secrets
        path = self.base + pointer
        if value is None:
            if not partial:
                self.invalid(
                    pointer,
                    f"{_label(path)} must not be null here.",
                    "null (remove) is allowed only for members of objects in a merge patch; "
                    "omit the value or give one.",
                )
            return
        type_name = shape.type_name
        if not _type_ok(type_name, value):
            expected = _EXPECTED.get(type_name, type_name)
            self.invalid(
                pointer,
                f"{_label(path)} must be {expected}, not {_json_type(value)}.",
                f"Send {expected} there.",
            )
            return
        if type_name == "structure":
            self.check_structure(
                cast("StructureShape", shape), value, pointer, partial=partial, sensitive=sensitive
            )
        elif type_name == "list":
            self.check_list(cast("ListShape", shape), value, pointer, sensitive)
        elif type_name == "map":
            self.check_map(cast("MapShape", shape), value, pointer, partial, sensitive)
        elif type_name == "string":
            self.check_string(shape, value, pointer, sensitive)
        elif type_name == "blob":
            self.check_blob(shape, value, pointer, sensitive)
        elif type_name in {"integer", "long", "float", "double"} and _out_of_bounds(value, shape):
            low, high = _bounds(shape)
            self.invalid(
                pointer,
                f"{_label(path)} must be {_describe_bounds(low, high, '')} (range constraint); "
                f"got {_show(value, sensitive=sensitive)}.",
                f"Use a value {_describe_bounds(low, high, '')}.",
            )

    def check_structure(
        self,
        shape: StructureShape,
        value: Mapping[str, Any],
        pointer: str,
        *,
        partial: bool,
        sensitive: bool,
        skip: Iterable[str] = (),
    ) -> None:
        if shape.is_document_type:
            return
        members = shape.members
        skipped = set(skip)
        for key, item in value.items():
            child = _child(pointer, key)
            member = members.get(key) if key not in skipped else None
            if member is None:
                self.errors.append(self.unknown(shape, child, self.base + child))
            else:
                self.check(member, item, child, partial=partial, sensitive=sensitive)
        if shape.is_tagged_union and sum(item is not None for item in value.values()) > 1:
            self.invalid(pointer, f"{_label(self.base + pointer)} must set exactly one member (union).")
        if not partial:
            for required in shape.required_members:
                if required not in skipped and required not in value:
                    child = _child(pointer, required)
                    self.invalid(
                        child,
                        f"{_label(self.base + pointer)} is missing the required member `{required}`.",
                        f"Add `{required}`.",
                    )

    def check_length(self, shape: Shape, length: int, pointer: str, unit: str, sensitive: bool) -> None:
        if not _out_of_bounds(length, shape):
            return
        low, high = _bounds(shape)
        got = "" if sensitive and unit == "characters" else f"; got {length}"
        self.invalid(
            pointer,
            f"{_label(self.base + pointer)} must have {_describe_bounds(low, high, unit)} "
            f"(length constraint){got}.",
            f"Send {_describe_bounds(low, high, unit)}.",
        )

    def check_blob(self, shape: Shape, value: Any, pointer: str, sensitive: bool) -> None:
        """Binary members travel as base64 text in update documents: the text must decode, and the bytes
        meet the model's length bounds (the adapter decodes them only at the write, after the snapshot)."""
        if isinstance(value, str):
            try:
                value = base64.b64decode(value, validate=True)
            except binascii.Error:
                self.invalid(
                    pointer,
                    f"{_label(self.base + pointer)} must be base64 text (a binary member).",
                    "Encode the file with `base64 -w0 FILE` and send the text.",
                )
                return
        self.check_length(shape, len(value), pointer, "bytes", sensitive)

    def check_list(self, shape: ListShape, value: list[Any], pointer: str, sensitive: bool) -> None:
        self.check_length(shape, len(value), pointer, "items", sensitive)
        for index, item in enumerate(value):
            # A merge patch replaces lists whole: their items are complete values.
            self.check(shape.member, item, _child(pointer, index), partial=False, sensitive=sensitive)

    def check_map(
        self, shape: MapShape, value: Mapping[Any, Any], pointer: str, partial: bool, sensitive: bool
    ) -> None:
        self.check_length(shape, len(value), pointer, "entries", sensitive)
        for key, item in value.items():
            child = _child(pointer, key)
            if isinstance(key, str):
                self.check_string(shape.key, key, child, sensitive, what="key")
            else:
                self.invalid(child, f"{_label(self.base + child)}: map keys must be strings.")
            self.check(shape.value, item, child, partial=partial, sensitive=sensitive)

    def check_string(self, shape: Shape, value: str, pointer: str, sensitive: bool, what: str = "") -> None:
        sensitive = sensitive or bool(shape.metadata.get("sensitive"))
        label = _label(self.base + pointer) + (f" ({what})" if what else "")
        allowed = shape.metadata.get("enum")
        if allowed and value not in allowed:
            self.invalid(
                pointer,
                f"{label} must be one of {', '.join(allowed)} (enum); "
                f"got {_show(value, sensitive=sensitive)}.",
                f"Use one of: {', '.join(allowed)}.",
            )
            return
        if _out_of_bounds(len(value), shape):
            # One error per value: a wrong length usually breaks the pattern too (e.g. "").
            low, high = _bounds(shape)
            got = "" if sensitive else f"; got {len(value)}"
            self.invalid(
                pointer,
                f"{label} must have {_describe_bounds(low, high, 'characters')} (length constraint){got}.",
                f"Send {_describe_bounds(low, high, 'characters')}.",
            )
            return
        pattern = shape.metadata.get("pattern")
        if pattern:
            compiled = _compiled_pattern(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                self.invalid(
                    pointer,
                    f"{label} must match the pattern {pattern} (pattern constraint); "
                    f"got {_show(value, sensitive=sensitive)}.",
                    "Send a value the pattern accepts (the service refuses any other).",
                )


def check_shape(shape: Shape, value: Any, path: str, *, partial: bool) -> list[PoolpatchError]:
    """Validate ``value`` (at JSON Pointer ``path``) against any model shape; every error is returned.

    Checks types (``bool`` is not an integer), enums, lengths, ranges and patterns; unknown structure
    members become ``UnknownField`` with the closest valid name. ``partial=True`` (merge patch): ``None``
    is allowed as an object member or map value and ``required`` is not enforced; list items are always
    complete values (a merge patch replaces lists whole).
    """

    def unknown(parent: StructureShape, pointer: str, error_path: str) -> PoolpatchError:
        name = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        return _unknown(name, error_path, parent.members)

    checker = _Checker("", unknown)
    checker.check(shape, value, path, partial=partial)
    return checker.errors


def check_document(
    kind: Kind, document: Mapping[str, Any], *, partial: bool, base: str = ""
) -> list[PoolpatchError]:
    """Validate an update document (no id members) against the update input shape; every error is returned.

    ``partial=True`` is for a merge patch: ``None`` (remove) is allowed for object members and map values,
    ``required`` members are not enforced. ``partial=False`` is for a complete document: required members of
    nested structures are enforced and ``None`` is refused. Members the update document does not accept are
    classified with :func:`classify_member`. Each error's ``path`` is a JSON Pointer prefixed with ``base``.
    """

    def unknown(_parent: StructureShape, pointer: str, error_path: str) -> PoolpatchError:
        return _classify(kind, pointer, error_path)

    checker = _Checker(base, unknown, spec(kind).secrets)  # secrets without the trait: never echoed
    given: Any = document
    if not isinstance(given, Mapping):
        checker.invalid("", f"{_label(base)} must be an object, not {_json_type(given)}.")
        return checker.errors
    checker.check_structure(
        update_shape(kind), document, "", partial=partial, sensitive=False, skip=ID_MEMBERS[kind]
    )
    return checker.errors


# ----------------------------------------------------------------------------------------------------
# Java pattern translation

# Unicode general categories (and subcategories) that are never whitespace for Python: mapped to \S.
_NON_SPACE_CATEGORIES = frozenset(
    {"L", "Lu", "Ll", "Lt", "Lm", "Lo", "LC", "L&", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No"}
    | {"P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So"}
)
# Separators: every one is whitespace for Python; mapped to \s.
_SPACE_CATEGORIES = frozenset({"Z", "Zs", "Zl", "Zp"})
_PROPERTY = re.compile(r"\{(?:Is)?([A-Za-z&]+)\}|([A-Za-z])")


def _translate_pattern(pattern: str) -> str | None:
    """A Python ``re`` pattern accepting at least what the Java ``pattern`` accepts, or None (don't check)."""
    out: list[str] = []
    index = 0
    in_class = False
    negated = False
    class_start = -1
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if index + 1 >= len(pattern):
                return None
            escaped = pattern[index + 1]
            if escaped in "pP":
                match = _PROPERTY.match(pattern, index + 2)
                if match is None or escaped == "P" or (in_class and negated):
                    return None
                category = match.group(1) or match.group(2)
                if category in _NON_SPACE_CATEGORIES:
                    out.append(r"\S")
                elif category in _SPACE_CATEGORIES:
                    out.append(r"\s")
                else:
                    return None
                index = match.end()
                continue
            if escaped in "QEhHvVRX":
                return None
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            if char == "[" or pattern.startswith("&&", index):
                return None
            if char == "]" and index > class_start:
                in_class = False
        elif char == "[":
            in_class = True
            negated = pattern.startswith("^", index + 1)
            class_start = index + (2 if negated else 1)
        out.append(char)
        index += 1
    return "".join(out)


@functools.cache
def _compiled_pattern(pattern: str) -> re.Pattern[str] | None:
    translated = _translate_pattern(pattern)
    if translated is None:
        return None
    try:
        return re.compile(translated, re.DOTALL)
    except re.error:
        return None


# ----------------------------------------------------------------------------------------------------
# Skeleton


def skeleton(kind: Kind) -> dict[str, Any]:
    """The update document's shape, from the model, without id members (like ``--generate-cli-skeleton``).

    Strings are ``""`` (or ``"x"`` repeated up to the model's minimum length, so botocore accepts the
    skeleton), integers ``0`` (or their minimum), booleans ``False``, enums their first allowed value,
    lists one example item (or their minimum count), maps one example entry. Recursive shapes stop at an
    empty object or list.
    """
    shape = update_shape(kind)
    return {name: _example(shape.members[name], frozenset()) for name in update_members(kind)}


def _example(shape: Shape, seen: frozenset[str]) -> Any:
    type_name = shape.type_name
    low = shape.metadata.get("min") or 0
    if type_name == "structure":
        if shape.name in seen:
            return {}
        struct = cast("StructureShape", shape)
        members = list(struct.members.items())
        if struct.is_tagged_union:
            members = members[:1]
        return {name: _example(member, seen | {shape.name}) for name, member in members}
    if type_name == "list":
        if shape.name in seen:
            return []
        item_shape = cast("ListShape", shape).member
        return [_example(item_shape, seen | {shape.name}) for _ in range(max(1, low))]
    if type_name == "map":
        if shape.name in seen:
            return {}
        map_shape = cast("MapShape", shape)
        key = _example_string(map_shape.key, default="KeyName")
        return {key: _example(map_shape.value, seen | {shape.name})}
    if type_name == "string":
        return _example_string(shape)
    if type_name in {"integer", "long"}:
        return max(0, low)
    if type_name in {"float", "double"}:
        return float(max(0, low))
    if type_name == "boolean":
        return False
    if type_name == "timestamp":
        return "1970-01-01T00:00:00Z"
    return ""


def _example_string(shape: Shape, default: str = "") -> str:
    allowed = shape.metadata.get("enum")
    if allowed:
        return str(allowed[0])
    low = shape.metadata.get("min") or 0
    return default.ljust(low, "x") if default else "x" * low


# ----------------------------------------------------------------------------------------------------
# JSON


def json_default(value: Any) -> Any:
    """``json.dumps`` default: datetimes as ISO-8601 UTC (naive ones are taken as UTC), dates, Decimals,
    bytes (base64), sets and tuples (lists), other mappings; anything else raises ``TypeError``.
    """
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
