"""The snapshot document and redaction (design.md, "Snapshots"; cognito-surface.md §11).

A snapshot holds the request, the target, the capture time, the SDK version, the description with its
secrets redacted and the update document projected from it. Secrets are redacted by the model's
``sensitive`` trait *and* by path (:attr:`poolpatch.kinds.KindSpec.secrets`): an identity provider's
``client_secret`` has no trait. ``ClientSecret`` never leaves memory at all.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import botocore

from poolpatch import __version__, model
from poolpatch.adapters.cognito import Described, write_ids
from poolpatch.adapters.snapshots import Phase
from poolpatch.kinds import REDACTED, Kind, spec
from poolpatch.pipeline import live_document
from poolpatch.plan import MISSING, Change
from poolpatch.pointer import split
from poolpatch.request import ChangeRequest, Target


def snapshot_document(
    phase: Phase,
    request: ChangeRequest,
    target: Target,
    described: Described,
    *,
    captured: datetime,
    update_document: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A before/after snapshot: request, target, time, SDK version, redacted description, update document.

    ``update_document`` is :func:`live_document` of ``described`` when the caller already has it.
    """
    kind = target.kind
    if update_document is None:
        update_document = live_document(kind, described.parsed)
    ids = write_ids(target)
    return {
        "poolpatchSnapshot": 1,
        "phase": phase,
        "capturedAt": captured.isoformat(),
        "botocoreVersion": botocore.__version__,
        "poolpatchVersion": __version__,
        "request": request_summary(request),
        "target": {**target.to_dict(), "kind": kind},
        "description": redact_description(kind, described.parsed),
        "updateDocument": {**ids, **redact_secrets(kind, update_document)},
    }


def request_summary(request: ChangeRequest) -> dict[str, Any]:
    """The request as snapshots record it: without its target (recorded apart), secrets redacted."""
    summary = request.to_dict()
    summary.pop("target", None)
    if isinstance(summary.get("patch"), Mapping):
        summary["patch"] = redact_secrets(request.target.kind, summary["patch"])
    return summary


def redact_description(kind: Kind, parsed: Mapping[str, Any]) -> Any:
    """A parsed read with its secrets redacted: by the model's trait, then by path."""
    return redact_secrets(kind, redact(model.describe_shape(kind), parsed))


def redact_secrets(kind: Kind, document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with every secret the trait misses (:attr:`KindSpec.secrets`) shown as ``"<redacted>"``.

    Copies only the containers on the way to a secret; everything else is shared.
    """
    out = dict(document)
    for pointer in spec(kind).secrets:
        out = _replace(out, split(pointer))
    return out


def _replace(node: Mapping[str, Any], tokens: list[str]) -> dict[str, Any]:
    head, rest = tokens[0], tokens[1:]
    if head not in node or node[head] is None:
        return dict(node)
    copied = dict(node)
    if not rest:
        copied[head] = REDACTED
    elif isinstance(node[head], Mapping):
        copied[head] = _replace(node[head], rest)
    return copied


def redact_changes(kind: Kind, changes: list[Change]) -> list[Change]:
    """Plan or verification entries with secret values shown as ``"<redacted>"``, at any depth."""
    secrets = spec(kind).secrets
    if not secrets:
        return changes
    return [_redact_change(kind, change) for change in changes]


def _redact_change(kind: Kind, change: Change) -> Change:
    def shown(value: Any) -> Any:
        if value is MISSING:
            return value
        for pointer in spec(kind).secrets:
            if change.path == pointer or change.path.startswith(pointer + "/"):
                return REDACTED
        if isinstance(value, Mapping) and any(p.startswith(change.path + "/") for p in spec(kind).secrets):
            base = len(split(change.path))
            wrapped: Mapping[str, Any] = value
            for pointer in spec(kind).secrets:
                if pointer.startswith(change.path + "/"):
                    wrapped = _replace(wrapped, split(pointer)[base:])
            return wrapped
        return value

    return Change(change.path, before=shown(change.before), after=shown(change.after))


def redact(shape: Any, value: Any, name: str = "") -> Any:
    """The parsed value with every ``sensitive`` member (ClientSecret...) removed.

    Subtrees whose shape can hold no sensitive member are shared, not copied (the snapshot is encoded
    at once and never modified); datetimes are left to the snapshot encoder.
    """
    if model.is_secret(shape, name):
        return MISSING
    if not _holds_sensitive(shape) and not (isinstance(value, Mapping) and "ClientSecret" in value):
        return value
    if isinstance(value, Mapping):
        members = getattr(shape, "members", None)
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "ClientSecret":
                continue
            child = members.get(key) if members is not None else getattr(shape, "value", None)
            redacted = redact(child, item, key)
            if redacted is not MISSING:
                out[key] = redacted
        return out
    if isinstance(value, list):
        member = getattr(shape, "member", None)
        return [item for item in (redact(member, v) for v in value) if item is not MISSING]
    return value


@functools.cache
def _holds_sensitive_named(name: str) -> bool:
    shape = model.service_model().shape_for(name)
    return _walk_sensitive(shape, set())


def _holds_sensitive(shape: Any) -> bool:
    """Whether ``shape`` or anything below it is ``sensitive`` (cached per shape name); unknown: True."""
    if shape is None:
        return True
    return _holds_sensitive_named(shape.name)


def _walk_sensitive(shape: Any, seen: set[str]) -> bool:
    if model.is_sensitive(shape):
        return True
    if shape.name in seen:
        return False
    seen.add(shape.name)
    children = [
        *getattr(shape, "members", {}).values(),
        *(child for child in (getattr(shape, "member", None), getattr(shape, "value", None)) if child),
    ]
    return any(_walk_sensitive(child, seen) for child in children)
