"""Custom attributes: the add-only part of a pool's schema (design.md, ``addCustomAttributes``).

Existing attributes can never change or be removed (cognito-api.md §6): re-adding one with the same
definition is a no-op, with a different one ``ImmutableSetting``. Pure logic over the described pool.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from botocore.model import ListShape, Shape

from poolpatch import model
from poolpatch.errors import ImmutableSetting, InvalidValue, PoolpatchError, SdkModelOutdated, raise_first
from poolpatch.plan import Change
from poolpatch.pointer import escape

#: Custom attributes per user pool (not adjustable; cognito-api.md §6).
MAX_CUSTOM_ATTRIBUTES = 50


def custom_name(attribute: Mapping[str, Any]) -> str:
    """The name Describe reports for a custom attribute definition."""
    name = str(attribute.get("Name", ""))
    bare = name.removeprefix("custom:")
    return f"dev:custom:{bare}" if attribute.get("DeveloperOnlyAttribute") else f"custom:{bare}"


def bare_name(name: str) -> tuple[str, bool]:
    """A schema attribute name as ``CreateUserPool`` / ``AddCustomAttributes`` take it, and whether the
    name marks a developer-only attribute.

    Describe reports custom attributes as ``custom:NAME`` and developer-only ones as ``dev:custom:NAME``
    (the model's documentation says ``dev:NAME``; both are read); an input ``Name`` is the bare ``NAME``,
    the service adds the prefix (``custom:custom:NAME`` otherwise, awsdocs/aws-cloudformation-user-guide#932).
    Standard attribute names come back unchanged.
    """
    developer = name.startswith("dev:")
    return name.removeprefix("dev:").removeprefix("custom:"), developer


def new_custom_attributes(
    requested: Sequence[Mapping[str, Any]], parsed: Mapping[str, Any]
) -> tuple[dict[str, Any], ...]:
    """The attributes that must be added: existing ones are no-ops when identical, else immutable."""
    if not requested:
        return ()
    item_shape = _attribute_shape()
    problems: list[PoolpatchError] = []
    for index, item in enumerate(requested):
        problems.extend(model.check_shape(item_shape, item, f"/addCustomAttributes/{index}", partial=False))
        if not isinstance(item.get("Name"), str) or not item.get("Name"):
            problems.append(
                InvalidValue(
                    "A custom attribute needs a `Name`.",
                    path=f"/addCustomAttributes/{index}/Name",
                    remedy='Name it, e.g. {"Name": "tier", "AttributeDataType": "String"}.',
                )
            )
        if item.get("Required"):
            problems.append(
                ImmutableSetting(
                    "Custom attributes can never be required.",
                    path=f"/addCustomAttributes/{index}/Required",
                    remedy="Remove `Required`; required attributes need a new user pool.",
                )
            )
    raise_first(problems)
    existing = {str(item.get("Name")): item for item in parsed.get("SchemaAttributes") or []}
    additions: list[dict[str, Any]] = []
    for index, item in enumerate(requested):
        name = custom_name(item)
        current = existing.get(name)
        if current is None:
            additions.append({**item, "Name": name.removeprefix("dev:").removeprefix("custom:")})
            continue
        different = _definition_differences(item, current)
        if different:
            raise ImmutableSetting(
                f"Custom attribute {name!r} exists with a different {different[0]}.",
                path=f"/addCustomAttributes/{index}/{different[0]}",
                remedy="Existing attributes never change: add a new attribute, or create a new user pool.",
            )
    count = sum(1 for name in existing if name.startswith(("custom:", "dev:custom:")))
    if count + len(additions) > MAX_CUSTOM_ATTRIBUTES:
        raise InvalidValue(
            f"The pool has {count} custom attributes; adding {len(additions)} would pass the limit of "
            f"{MAX_CUSTOM_ATTRIBUTES}.",
            path="/addCustomAttributes",
            remedy="Custom attributes cannot be deleted: reuse one, or create a new user pool.",
        )
    return tuple(additions)


def _attribute_shape() -> Shape:
    """The model's ``SchemaAttributeType``, as AddCustomAttributes takes it."""
    shape = model.service_model().operation_model("AddCustomAttributes").input_shape
    attributes = shape.members["CustomAttributes"] if shape is not None else None
    if not isinstance(attributes, ListShape):  # pragma: no cover - the model is pinned
        raise SdkModelOutdated("The service model has no AddCustomAttributes.CustomAttributes list.")
    return attributes.member


def _definition_differences(requested: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for key, value in requested.items():
        if key in {"Name", "Required"}:
            continue
        live = current.get(key)
        if isinstance(value, Mapping) and isinstance(live, Mapping):
            if any(str(live.get(k)) != str(v) for k, v in value.items()):
                out.append(key)
        elif live is not None and live != value:
            out.append(key)
    return out


def attribute_names(parsed: Mapping[str, Any]) -> set[str]:
    return {
        str(item.get("Name")) for item in parsed.get("SchemaAttributes") or [] if isinstance(item, Mapping)
    }


def attribute_changes(attributes: Iterable[Mapping[str, Any]]) -> list[Change]:
    return [Change(f"/SchemaAttributes/{escape(custom_name(item))}", after=dict(item)) for item in attributes]
