"""The change pipeline: one pure function from a described target and a patch to a plan.

project → prepare → keep redacted secrets → check the patch → explicit defaults → merge → finalise → check
the result → diff, and verify after the write. The engine, the CLI's ``export`` and ``plan``, drift and
every test tier call these functions; none of them touches AWS. What a kind needs (its operations, ids,
rules) comes from :mod:`poolpatch.kinds`, :mod:`poolpatch.model` and :mod:`poolpatch.rules`; the one
kind-specific branch left is the domain's "does it belong to this pool" check in :func:`own_description`.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore
from botocore.validate import ParamValidator

from poolpatch import model, rules
from poolpatch.adapters.cognito import Described, write_ids
from poolpatch.attributes import attribute_changes, custom_name, new_custom_attributes
from poolpatch.errors import (
    ImmutableSetting,
    InvalidValue,
    NotFound,
    PreconditionFailed,
    SdkModelOutdated,
    raise_first,
)
from poolpatch.kinds import REDACTED, Kind, spec
from poolpatch.merge import merge_patch, named_pointers, removed_pointers
from poolpatch.plan import Change, diff, unexpected
from poolpatch.pointer import ABSENT, child, escape, get, related
from poolpatch.request import ChangeRequest, Target

#: Tolerance when comparing ``expectedLastModifiedDate`` (Cognito reports milliseconds).
_PRECONDITION_TOLERANCE = 0.001


@dataclass(frozen=True)
class Plan:
    """What a request would do to one target."""

    live: dict[str, Any]
    desired: dict[str, Any]
    removed: tuple[str, ...]
    new_attributes: tuple[dict[str, Any], ...]
    changes: tuple[Change, ...]
    warnings: tuple[str, ...] = ()
    """What the service accepts but may surprise (design.md): shown with the plan, never a refusal."""


def plan_change(
    target: Target,
    parsed: Mapping[str, Any],
    patch: Mapping[str, Any],
    *,
    attributes: tuple[Mapping[str, Any], ...] = (),
    context: Mapping[Kind, Mapping[str, Any]] | None = None,
) -> Plan:
    """The whole pipeline for one target: project → prepare → keep redacted → check the patch → defaults →
    merge → finalise → check the result → diff.

    ``parsed`` is the target's own description (:func:`own_description`); ``context`` the descriptions
    of the kinds its rules read (:attr:`poolpatch.kinds.KindSpec.context`); a rule that needs a context
    it was not given checks nothing. Raises the first :class:`~poolpatch.errors.PoolpatchError`; when a
    pool patch changes a create-only setting, the ``ImmutableSetting`` remedy ends with the
    ``poolpatch clone`` command that makes the change (:func:`clone_command`).
    """
    kind = target.kind
    live = live_document(kind, parsed)
    warnings: list[str] = []
    try:
        desired, removed = apply_patch(
            kind, live, keep_redacted(live, patch), parsed, context=context, warnings=warnings
        )
    except ImmutableSetting as error:
        if kind == "pool":
            _add_clone_remedy(error, target, parsed, patch)
        raise
    new_attributes = new_custom_attributes(attributes, parsed) if attributes else ()
    changes = [
        *diff(live, desired),
        *_write_only_removals(kind, parsed, patch),
        *attribute_changes(new_attributes),
    ]
    entry = spec(kind)
    if changes and entry.companion_note:
        warnings.append(entry.companion_note)
    if changes and entry.inherits and target.client_id and not parsed:
        warnings.append(
            f"The app client has no {entry.label} of its own and inherits the pool's: this write gives "
            "it its own, which replaces the pool's for this client (it stops inheriting)."
        )
    return Plan(live, desired, tuple(removed), new_attributes, tuple(changes), tuple(warnings))


#: A pool patch's create-only members (model.py ``_CREATE_ONLY["pool"]``) and where a clone's merge patch
#: over the bundle sets them (``createOnly``, design.md "Whole-pool bundle, diff and clone").
CLONE_MEMBERS: Mapping[str, str] = {
    "AliasAttributes": "AliasAttributes",
    "UsernameAttributes": "UsernameAttributes",
    "UsernameConfiguration": "UsernameConfiguration",
    "SchemaAttributes": "Schema",
    "Schema": "Schema",
}
_CLONE_NAME_SUFFIX = "-clone"
_POOL_NAME_MAX = 128


def clone_command(target: Target, parsed: Mapping[str, Any], patch: Mapping[str, Any]) -> str | None:
    """The ``poolpatch clone`` invocation that makes a pool patch's create-only changes, or ``None`` when
    the patch has none (issue 9: ``ImmutableSetting`` names the remedy as a command).

    The merge patch over the source's bundle sets ``createOnly`` to the patch's own values (compact JSON);
    a schema list (``SchemaAttributes`` or ``Schema``) becomes ``createOnly.Schema`` with its custom
    attributes' names bare, as ``CreateUserPool`` takes them. The new pool's name is the live one with
    ``-clone`` (the user may pick another). Every argument is shell-quoted.
    """
    create_only: dict[str, Any] = {}
    for member, bundle_member in CLONE_MEMBERS.items():
        if member in patch:
            value = patch[member]
            create_only[bundle_member] = _bare_schema(value) if bundle_member == "Schema" else value
    if not create_only:
        return None
    name = str(parsed.get("Name") or target.user_pool_id)
    pool_name = name[: _POOL_NAME_MAX - len(_CLONE_NAME_SUFFIX)] + _CLONE_NAME_SUFFIX
    clone_patch = json.dumps({"createOnly": create_only}, separators=(",", ":"), default=model.json_default)
    return shlex.join(
        [
            "poolpatch",
            "clone",
            "--user-pool-id",
            target.user_pool_id,
            "--pool-name",
            pool_name,
            "--patch",
            clone_patch,
        ]
    )


def _bare_schema(value: Any) -> Any:
    """A schema list as ``createOnly.Schema`` takes it (:func:`~poolpatch.bundle.schema_attributes.
    create_schema`: custom names without their prefix, standard attributes only where they differ from the
    service's defaults, never the ones the service manages), so the suggested command is one ``clone``
    accepts; a name with no prefix that is not a standard attribute is taken as a custom one. Anything but
    a list is returned unchanged (``clone`` will say what is wrong with it)."""
    from poolpatch.bundle.schema_attributes import create_schema, is_standard

    if not isinstance(value, list):
        return value
    described = [
        {**item, "Name": f"custom:{item['Name']}"}
        if isinstance(item, Mapping)
        and isinstance(item.get("Name"), str)
        and ":" not in item["Name"]
        and not is_standard(item)
        else item
        for item in value
    ]
    return create_schema(described)


def _add_clone_remedy(
    error: ImmutableSetting, target: Target, parsed: Mapping[str, Any], patch: Mapping[str, Any]
) -> None:
    """Append the clone command to a create-only refusal of a pool patch (its message is model.py's)."""
    member = (error.path or "").split("/")[1] if (error.path or "").startswith("/") else ""
    command = clone_command(target, parsed, patch) if member in CLONE_MEMBERS else None
    if command is None:
        return
    how = f"With poolpatch, clone the pool with the change: `{command}`."
    if CLONE_MEMBERS[member] == "Schema":
        how = (
            f"With poolpatch, clone the pool with the schema you want: `{command}` (in `createOnly.Schema` "
            "custom attributes are written without the `custom:` prefix, and the list replaces the bundle's "
            "whole schema: start from `createOnly.Schema` of `poolpatch export --all`)."
        )
    error.remedy = f"{error.remedy} {how}" if error.remedy else how


def _write_only_removals(kind: Kind, parsed: Mapping[str, Any], patch: Mapping[str, Any]) -> list[Change]:
    """Removals of write-only members (a classic UI logo): neither document holds them, the read shows them
    by another member (``ImageUrl``), and the write removes them."""
    return [
        Change(f"/{member}", before=parsed[shown])
        for member, shown in spec(kind).write_only.items()
        if member in patch and patch[member] is None and parsed.get(shown)
    ]


def own_description(target: Target, parsed: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a read that is the target's own configuration.

    - A domain read names no pool when the domain does not exist (an empty ``DomainDescription``, not an
      error: cognito-surface.md §1), and a domain of another pool is not this target: ``NotFound``.
    - A client-level read of a kind the pool's setting is inherited by (risk, classic UI) returns the
      pool's setting when the client has none of its own (cognito-surface.md §6, §7): the client's own
      configuration is then empty.
    """
    entry = spec(target.kind)
    if target.kind == "domain" and parsed.get("UserPoolId") != target.user_pool_id:
        raise NotFound(
            f"The user pool {target.user_pool_id} has no domain {target.name!r}.",
            path="/target/name",
            remedy="Name a domain of this pool exactly as DescribeUserPool reports it (Domain or "
            "CustomDomain).",
        )
    if entry.inherits and target.client_id and parsed.get("ClientId") != target.client_id:
        return {}
    return dict(parsed)


def keep_redacted(live: Mapping[str, Any], patch: Mapping[str, Any], base: str = "") -> dict[str, Any]:
    """The patch with every ``"<redacted>"`` value replaced by the live value at its pointer.

    An export, a snapshot or a bundle shows secrets as ``"<redacted>"``; applied back, that value means
    "keep the live value" (design.md, "Configuration kinds"), so the secret never leaves AWS. A
    placeholder where nothing is live is ``InvalidValue``: there is no value to keep.
    """
    out: dict[str, Any] = {}
    for key, value in patch.items():
        pointer = child(base, key)
        if value == REDACTED:
            kept = get(live, child("", key)) if isinstance(live, Mapping) else ABSENT
            if kept is ABSENT:
                raise InvalidValue(
                    f'{pointer} is "{REDACTED}", but the target has no value there to keep.',
                    path=pointer,
                    remedy="Give the value itself (it is written, never shown), or remove the member.",
                )
            out[key] = kept
        elif isinstance(value, Mapping):
            below = live.get(key) if isinstance(live, Mapping) else None
            out[key] = keep_redacted(below if isinstance(below, Mapping) else {}, value, pointer)
        else:
            out[key] = value
    return out


def live_document(kind: Kind, parsed: Mapping[str, Any]) -> dict[str, Any]:
    """The write-ready update document of a described target (no id members)."""
    return rules.prepare(kind, model.project(kind, parsed), parsed)


def guard_unknown_members(kind: Kind, described: Described) -> None:
    """Refuse to write when the service sent a member the local service model does not know."""
    unknown = model.unknown_members(kind, described.raw)
    if unknown:
        raise SdkModelOutdated(
            f"Describe returned {len(unknown)} member(s) this botocore ({botocore.__version__}) does not "
            f"know: {', '.join(unknown[:5])}. Writing back would silently reset them.",
            path=unknown[0],
            remedy="Upgrade boto3/botocore (the layer's pinned version) and retry.",
        )


def check_precondition(request: ChangeRequest, parsed: Mapping[str, Any]) -> None:
    """``expectedLastModifiedDate`` must equal the live ``LastModifiedDate``."""
    expected = request.expected_last_modified
    if expected is None:
        return
    actual = parsed.get("LastModifiedDate")
    if not isinstance(actual, datetime):
        raise PreconditionFailed(
            "The target reports no LastModifiedDate to compare with.", path="/expectedLastModifiedDate"
        )
    if actual.tzinfo is None:
        actual = actual.replace(tzinfo=UTC)
    if abs((actual - expected).total_seconds()) > _PRECONDITION_TOLERANCE:
        raise PreconditionFailed(
            f"The target was modified at {actual.isoformat()}, not {expected.isoformat()}.",
            path="/expectedLastModifiedDate",
            remedy="Someone else changed it: review `poolpatch export`, then resend with the new date.",
        )


def apply_patch(
    kind: Kind,
    live: Mapping[str, Any],
    patch: Mapping[str, Any],
    parsed: Mapping[str, Any],
    *,
    context: Mapping[Kind, Mapping[str, Any]] | None = None,
    warnings: list[str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Check the patch, merge it over ``live`` and finalise: the complete document to send.

    Returns the document and the pointers the patch removed (``null``); rules append to ``warnings``.
    """
    raise_first(model.check_document(kind, patch, partial=True, base=""))
    defaults = rules.explicit_defaults(kind, patch)
    merged = merge_patch(live, {**patch, **defaults})
    for key, value in defaults.items():
        if value == {}:  # an empty object clears the member; merged as a patch it would keep the live one
            merged[key] = {}
    ctx = rules.RuleContext(
        kind=kind,
        live=live,
        patch=patch,
        description=parsed,
        context=context or {},
        warnings=warnings if warnings is not None else [],
    )
    desired: dict[str, Any] = rules.finalise(kind, merged, ctx)
    named = named_pointers(patch)
    # Only members the patch touches are checked as complete values: a problem in an untouched member
    # is live state the request did not cause, and every error lies inside its own top-level member.
    touched = {key: desired[key] for key in patch if key in desired}
    problems = [
        error
        for error in model.check_document(kind, touched, partial=False)
        if error.path is None or any(related(error.path, pointer) for pointer in named)
    ]
    raise_first(problems)
    return desired, removed_pointers(patch)


def replacement_patch(live: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch that turns ``live`` into ``document`` (used by ``restore``)."""
    patch: dict[str, Any] = {key: None for key in live if key not in document}
    for key, value in document.items():
        old = live.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            patch[key] = replacement_patch(old, value)
        else:
            patch[key] = copy.deepcopy(value)
    return patch


def verify(kind: Kind, plan: Plan, after: Described, live: Mapping[str, Any]) -> list[Change]:
    """Differences between the planned and the live document not explained by a removal.

    ``live`` is :func:`live_document` of ``after`` (computed once by the caller, reused for the snapshot).
    Input-only members (``PublishSecretsInAWSSecretsManager``) are actions, never described back, so
    they are not compared.
    """
    differences = unexpected(diff(plan.desired, live), [*plan.removed, *input_only_pointers(kind)])
    names = {str(item.get("Name")) for item in after.parsed.get("SchemaAttributes") or []}
    for item in plan.new_attributes:
        name = custom_name(item)
        if name not in names:
            differences.append(Change(f"/SchemaAttributes/{escape(name)}", before=item))
    return differences


@functools.cache
def input_only_pointers(kind: Kind) -> tuple[str, ...]:
    """Update members that Describe never returns (actions, not settings), as JSON Pointers."""
    described = {*model.describe_shape(kind).members, *spec(kind).renames}
    return tuple(f"/{member}" for member in model.update_members(kind) if member not in described)


def known_member(kind: Kind, pointer: str | None) -> str:
    """A pointer's top-level member when the model knows it: never a name read from a crafted file."""
    member = (pointer or "/").split("/")[1] if pointer and pointer.count("/") >= 1 else ""
    if member in model.update_members(kind):
        return f"/{member}"
    return "a member the update document does not have" if member else "/"


def strip_ids(kind: Kind, document: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in model.ID_MEMBERS[kind]}


_BOTOCORE_NAME = re.compile(r"\.|\[(\d+)\]")


def check_write_input(target: Target, plan: Plan) -> None:
    """botocore's own parameter validation of the calls about to be made, before any snapshot.

    poolpatch's model checks should refuse everything botocore would; this is the backstop that turns a
    gap into ``InvalidValue`` before the before snapshot, instead of a ``ParamValidationError`` after it.
    """
    service = model.service_model()
    calls: list[tuple[str, dict[str, Any], str]] = [
        (spec(target.kind).write, {**write_ids(target), **plan.desired}, "")
    ]
    if plan.new_attributes:
        calls.append(
            (
                "AddCustomAttributes",
                {
                    "UserPoolId": target.user_pool_id,
                    "CustomAttributes": [dict(a) for a in plan.new_attributes],
                },
                "/addCustomAttributes",
            )
        )
    for operation, params, base in calls:
        shape = service.operation_model(operation).input_shape
        if shape is None:  # pragma: no cover - the model is pinned
            raise SdkModelOutdated(f"The service model has no {operation} input.")
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            errors = getattr(report, "_errors", [])
            name = str(errors[0][1]).lstrip(".") if errors and len(errors[0]) > 1 else ""
            if base:
                name = name.removeprefix("CustomAttributes")
            pointer = base + "".join(
                f"/{part}"
                for part in _BOTOCORE_NAME.sub(lambda m: f".{m.group(1) or ''}", name).split(".")
                if part
            )
            raise InvalidValue(
                f"{operation} would be refused by botocore: {report.generate_report()}",
                path=pointer or None,
                remedy="Fix the value named; nothing was written and no snapshot was taken.",
            )
