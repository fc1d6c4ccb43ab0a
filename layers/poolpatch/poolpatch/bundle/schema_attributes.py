"""``createOnly.Schema`` of a bundle: a pool's attribute schema as ``CreateUserPool`` takes it (design.md,
"Whole-pool bundle, diff and clone"; cognito-surface.md §12.2).

DescribeUserPool returns every standard attribute (about 20) and every custom one, while
``CreateUserPool.Schema`` holds at most 50 entries and the pool may have 50 custom attributes. So the
bundle keeps custom attributes (without the ``custom:`` / ``dev:custom:`` prefix the service adds) and
standard attributes only where they differ from what a new pool gets anyway; a clone sends the standard
ones and as many custom ones as fit in ``CreateUserPool`` (standard attributes cannot be added later) and
the rest with ``AddCustomAttributes``, 1-25 per call.

**Standard attribute defaults** (:data:`STANDARD_DEFAULTS`), as DescribeUserPool reports them for a pool
created without a ``Schema``:

- the real service's output, boto/boto3#2516 (a CreateUserPool response, 2020) and getmoto/moto#5965 (a
  pool created in 2020): every entry has its type, the three flags and its constraints; ``sub`` String
  ``MinLength "1"`` / ``MaxLength "2048"``, immutable, required; ``name`` String ``"0"`` / ``"2048"``,
  mutable, optional (boto/boto3#2516 also shows ``given_name`` with ``MaxLength "255"``, which no other
  source reports: not taken for a default);
- moto 5.2.5 ``CognitoIdpUserPoolAttribute.STANDARD_SCHEMA`` (what the test fake returns, through
  ``tests/poolpatch_fake/_pool.py`` ``complete_schema``) and floci-io/floci ``CognitoStandardAttributes``
  (floci-io/floci#642, "verified against all compatibility tests") hold the same 20 definitions: String
  ``"0"`` / ``"2048"`` but for ``sub`` and ``birthdate`` (``"10"`` / ``"10"``), ``email_verified`` and
  ``phone_number_verified`` Boolean without constraints, ``updated_at`` Number with ``MinValue "0"``, all
  but ``sub`` mutable and optional;
- hashicorp/terraform-provider-aws#38197 (June 2024): pools created since then report ``birthdate`` with
  ``MinLength "4"``, so both ``birthdate`` variants count as default;
- aws/aws-cdk#14699: ``email_verified`` and ``phone_number_verified`` cannot be given in ``Schema`` (the
  service takes them for custom attributes; ``phone_number_verified`` is longer than the model's 20
  characters), so they are never written (:data:`NOT_SETTABLE`).

A name without a prefix that the table does not know (a standard or service-managed attribute newer than
this table) is left out: sent to ``CreateUserPool`` it would create a custom attribute of that name.
Custom attributes keep what Describe says, ``Required`` included (*"Required custom attributes are not
supported currently"*, boto/boto3#2317: a pool reporting one cannot be cloned as it is, and the service
says so). Member names come from the botocore model (``SchemaAttributeType``); members ``CreateUserPool``
does not take are dropped, order is Describe's.

Pure logic: no AWS call.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from poolpatch import model
from poolpatch.attributes import MAX_CUSTOM_ATTRIBUTES, bare_name
from poolpatch.errors import InvalidValue, PoolpatchError, SdkModelOutdated, raise_first
from poolpatch.pointer import child

if TYPE_CHECKING:
    from botocore.model import Shape, StructureShape


def _text(low: str, high: str, *, mutable: bool = True, required: bool = False) -> dict[str, Any]:
    return {
        "AttributeDataType": "String",
        "DeveloperOnlyAttribute": False,
        "Mutable": mutable,
        "Required": required,
        "StringAttributeConstraints": {"MinLength": low, "MaxLength": high},
    }


_FLAG: dict[str, Any] = {
    "AttributeDataType": "Boolean",
    "DeveloperOnlyAttribute": False,
    "Mutable": True,
    "Required": False,
}
_TEXT = _text("0", "2048")

_DEFAULTS: dict[str, tuple[dict[str, Any], ...]] = {
    "sub": (_text("1", "2048", mutable=False, required=True),),
    "name": (_TEXT,),
    "given_name": (_TEXT,),
    "family_name": (_TEXT,),
    "middle_name": (_TEXT,),
    "nickname": (_TEXT,),
    "preferred_username": (_TEXT,),
    "profile": (_TEXT,),
    "picture": (_TEXT,),
    "website": (_TEXT,),
    "email": (_TEXT,),
    "email_verified": (_FLAG,),
    "gender": (_TEXT,),
    "birthdate": (_text("10", "10"), _text("4", "10")),
    "zoneinfo": (_TEXT,),
    "locale": (_TEXT,),
    "phone_number": (_TEXT,),
    "phone_number_verified": (_FLAG,),
    "address": (_TEXT,),
    "updated_at": (
        {
            "AttributeDataType": "Number",
            "DeveloperOnlyAttribute": False,
            "Mutable": True,
            "Required": False,
            "NumberAttributeConstraints": {"MinValue": "0"},
        },
    ),
}

STANDARD_DEFAULTS: Mapping[str, tuple[Mapping[str, Any], ...]] = {
    name: tuple({"Name": name, **definition} for definition in definitions)
    for name, definitions in _DEFAULTS.items()
}
"""Each standard attribute and the definitions DescribeUserPool reports for it on a pool created without a
``Schema`` (sources in the module docstring), in Describe's order."""

NOT_SETTABLE = frozenset({"email_verified", "phone_number_verified"})
"""Standard attributes ``CreateUserPool.Schema`` cannot name (aws/aws-cdk#14699)."""


# ----------------------------------------------------------------------------------------------------
# The model


@functools.cache
def _item_shape() -> StructureShape:
    """``SchemaAttributeType``, as ``CreateUserPool.Schema`` takes it."""
    schema = _create_schema_shape()
    member = getattr(schema, "member", None)
    if member is None or member.type_name != "structure":  # pragma: no cover - the model is pinned
        raise SdkModelOutdated("The service model's CreateUserPool.Schema is not a list of structures.")
    return cast("StructureShape", member)


def _create_schema_shape() -> Shape:
    shape = model.service_model().operation_model("CreateUserPool").input_shape
    if shape is None or "Schema" not in shape.members:  # pragma: no cover - the model is pinned
        raise SdkModelOutdated("The service model has no CreateUserPool.Schema.")
    return shape.members["Schema"]


def create_limit() -> int:
    """Entries ``CreateUserPool.Schema`` takes (the model's ``max``: 50)."""
    return int(_create_schema_shape().metadata["max"])


def add_limit() -> int:
    """Attributes one ``AddCustomAttributes`` call takes (the model's ``max``: 25)."""
    shape = model.service_model().operation_model("AddCustomAttributes").input_shape
    if shape is None:  # pragma: no cover - the model is pinned
        raise SdkModelOutdated("The service model has no AddCustomAttributes input.")
    return int(shape.members["CustomAttributes"].metadata["max"])


def _project(shape: StructureShape, value: Mapping[str, Any]) -> dict[str, Any]:
    """The members of ``value`` the model's structure has, in the model's order; ``None`` values and
    empty nested structures (Describe's ``StringAttributeConstraints: {}``: no constraint) left out."""
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        item = value.get(name)
        if item is None:
            continue
        if member.type_name == "structure":
            if not isinstance(item, Mapping):
                continue
            nested = _project(cast("StructureShape", member), item)
            if nested:
                out[name] = nested
        else:
            out[name] = item
    return out


# ----------------------------------------------------------------------------------------------------
# Describe -> bundle


def create_schema(schema_attributes: Iterable[Any]) -> list[dict[str, Any]]:
    """``createOnly.Schema`` of a described pool: its ``SchemaAttributes`` as ``CreateUserPool`` takes them.

    Custom attributes lose the ``custom:`` / ``dev:custom:`` prefix (a ``dev:`` one keeps
    ``"DeveloperOnlyAttribute": true``); standard attributes are kept only where they differ from
    :data:`STANDARD_DEFAULTS`, and never those in :data:`NOT_SETTABLE`; names neither custom nor known as
    standard are left out. Members the model's ``SchemaAttributeType`` lacks are dropped; Describe's order
    is kept; entries that are not objects with a ``Name`` are skipped. A pool created without a ``Schema``
    gives ``[]``.
    """
    shape = _item_shape()
    out: list[dict[str, Any]] = []
    for attribute in schema_attributes:
        if not isinstance(attribute, Mapping):
            continue
        name = attribute.get("Name")
        if not isinstance(name, str) or not name:
            continue
        entry = _project(shape, attribute)
        if name.startswith(("custom:", "dev:")):
            bare, developer = bare_name(name)
            entry["Name"] = bare
            if developer:
                entry["DeveloperOnlyAttribute"] = True
            out.append(entry)
        elif name in STANDARD_DEFAULTS and name not in NOT_SETTABLE and not is_default(entry):
            out.append(entry)
    return out


def is_default(entry: Mapping[str, Any]) -> bool:
    """True when a standard attribute's definition is one a new pool gets anyway (:data:`STANDARD_DEFAULTS`).

    Constraint values compare as text (the model's type for them).
    """
    defaults = STANDARD_DEFAULTS.get(str(entry.get("Name")), ())
    return any(_canonical(entry) == _canonical(default) for default in defaults)


def _canonical(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: {k: str(v) for k, v in value.items()} if isinstance(value, Mapping) else value
        for key, value in entry.items()
    }


def is_standard(entry: Mapping[str, Any]) -> bool:
    """True for an entry naming a standard attribute; every other name is a custom attribute."""
    return entry.get("Name") in STANDARD_DEFAULTS


# ----------------------------------------------------------------------------------------------------
# Bundle -> CreateUserPool + AddCustomAttributes


def split_for_create(
    schema: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """The ``CreateUserPool`` ``Schema`` of a bundle's ``createOnly.Schema``, and the rest as
    ``AddCustomAttributes`` batches.

    ``CreateUserPool`` gets every standard entry (they cannot be added later), then custom entries in order
    up to its limit (:func:`create_limit`, 50); the remaining custom entries follow in batches of at most
    :func:`add_limit` (25), in order. An empty first list means "send no ``Schema``" (the model's minimum is
    one entry). Raises ``InvalidValue`` when the standard entries alone pass the limit, or when there are
    more custom attributes than a pool may have (:data:`~poolpatch.attributes.MAX_CUSTOM_ATTRIBUTES`):
    no pool is created for a schema that cannot be carried whole.
    """
    limit = create_limit()
    standard = [dict(entry) for entry in schema if is_standard(entry)]
    custom = [dict(entry) for entry in schema if not is_standard(entry)]
    if len(standard) > limit:
        raise InvalidValue(
            f"createOnly.Schema holds {len(standard)} standard attributes; CreateUserPool takes at most "
            f"{limit} schema entries and standard attributes cannot be added later.",
            path="/createOnly/Schema",
            remedy="Keep only the standard attributes that differ from the service's defaults.",
        )
    if len(custom) > MAX_CUSTOM_ATTRIBUTES:
        raise InvalidValue(
            f"createOnly.Schema holds {len(custom)} custom attributes; a user pool has at most "
            f"{MAX_CUSTOM_ATTRIBUTES}.",
            path="/createOnly/Schema",
            remedy=f"Remove custom attributes until {MAX_CUSTOM_ATTRIBUTES} are left.",
        )
    room = limit - len(standard)
    rest = custom[room:]
    size = add_limit()
    return standard + custom[:room], [rest[start : start + size] for start in range(0, len(rest), size)]


# ----------------------------------------------------------------------------------------------------
# Validation of a user's createOnly.Schema


def check_create_schema(schema: Any, path: str) -> None:
    """Check a ``createOnly.Schema`` list from a user's bundle or clone patch; raise the first problem.

    ``path`` is the JSON Pointer of the list (``/createOnly/Schema``); every error points into it and says
    what to do. Refused: a value that is not a list, an entry that is not an object, members and values the
    model's ``SchemaAttributeType`` does not accept (``UnknownField`` / ``InvalidValue``), an entry without a
    ``Name``, a name carrying the ``custom:`` or ``dev:`` prefix the service adds, a standard attribute
    ``CreateUserPool`` cannot name (:data:`NOT_SETTABLE`), a name given twice, and more custom attributes
    than a pool may have (50).
    """
    if not isinstance(schema, list):
        raise InvalidValue(
            f"{path} must be a list of schema attributes.",
            path=path,
            remedy='Write a list such as [{"Name": "tier", "AttributeDataType": "String"}], or [] for none.',
        )
    shape = _item_shape()
    problems: list[PoolpatchError] = []
    seen: set[str] = set()
    custom = 0
    for index, entry in enumerate(schema):
        at = child(path, index)
        if not isinstance(entry, Mapping):
            problems.append(
                InvalidValue(
                    f"{at} must be an object (a schema attribute).",
                    path=at,
                    remedy='Write an object such as {"Name": "tier", "AttributeDataType": "String"}.',
                )
            )
            continue
        problems.extend(model.check_shape(shape, entry, at, partial=False))
        name = entry.get("Name")
        if not isinstance(name, str) or not name:
            if "Name" not in entry:
                problems.append(
                    InvalidValue(
                        f"{at} has no `Name`.",
                        path=child(at, "Name"),
                        remedy='Name the attribute, e.g. {"Name": "tier", "AttributeDataType": "String"}.',
                    )
                )
            continue
        problems.extend(_name_problems(name, child(at, "Name"), seen))
        bare, _ = bare_name(name)
        seen.add(bare)
        if bare not in STANDARD_DEFAULTS:
            custom += 1
    if custom > MAX_CUSTOM_ATTRIBUTES:
        problems.append(
            InvalidValue(
                f"{path} holds {custom} custom attributes; a user pool has at most {MAX_CUSTOM_ATTRIBUTES} "
                "(not adjustable).",
                path=path,
                remedy=f"Remove custom attributes until {MAX_CUSTOM_ATTRIBUTES} are left.",
            )
        )
    raise_first(problems)


def _name_problems(name: str, at: str, seen: set[str]) -> list[PoolpatchError]:
    problems: list[PoolpatchError] = []
    bare, developer = bare_name(name)
    if bare != name:
        flag = ' with "DeveloperOnlyAttribute": true' if developer else ""
        problems.append(
            InvalidValue(
                f"Schema attribute names are written without the prefix the service adds: `{name}`.",
                path=at,
                remedy=f"Drop the prefix: write `{bare}`{flag}; the service adds the prefix itself.",
            )
        )
    if bare in NOT_SETTABLE:
        problems.append(
            InvalidValue(
                f"`{bare}` is managed by the service: CreateUserPool cannot define it.",
                path=at,
                remedy=f"Remove the `{bare}` entry; every user pool has it.",
            )
        )
    if bare in seen:
        problems.append(
            InvalidValue(
                f"The schema attribute `{bare}` is defined more than once.",
                path=at,
                remedy="Keep one definition per attribute.",
            )
        )
    return problems
