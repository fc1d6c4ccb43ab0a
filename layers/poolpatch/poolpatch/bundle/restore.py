"""``apply --bundle``: make a live pool's configuration the bundle's, part by part (design.md).

The live pool is read as a bundle first; then every part the bundle holds is paired with the pool's:

- a part the pool has goes through the engine as an ordinary change request whose patch turns the live
  part into the bundle's (:func:`poolpatch.pipeline.replacement_patch`; ``"<redacted>"`` keeps the live
  secret), with its own before/after snapshots, so each part can be restored on its own afterwards;
- a part the pool lost (a deleted resource server, group, identity provider, app client, branding style,
  domain) is created again with the create operation of its kind; an app client gets a new id, reported;
- a part the pool has and the bundle lacks is reported as ``extra``, never deleted.

A bundle from another pool makes this pool like that one (staging -> prod): app clients pair by
``ClientName``, domains by type (prefix or custom), the source pool's id in values becomes this pool's,
and ``PoolName`` is left as it is. Create-only settings that differ cannot be applied: that part is
``rejected`` with the ``poolpatch clone`` command that makes the change.
"""

from __future__ import annotations

import copy
import json
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from poolpatch.bundle.clone import NEW_POOL, Planner, Secrets, Step, resolve_placeholders
from poolpatch.bundle.document import Part, parts
from poolpatch.errors import ImmutableSetting, InvalidRequest, PoolpatchError
from poolpatch.kinds import REDACTED, spec
from poolpatch.pipeline import replacement_patch
from poolpatch.plan import diff
from poolpatch.request import ChangeRequest, Target, parse_request
from poolpatch.result import Result

#: Kinds whose resources a pool may hold beyond a bundle's (reported as ``extra``, never deleted).
_EXTRA_KINDS = frozenset(
    {"client", "identityProvider", "resourceServer", "group", "domain", "managedLoginBranding"}
)
#: The client id of an app client ``plan`` would recreate.
_PLANNED = "(new)"


@dataclass
class BundleResult:
    """What ``apply --bundle`` did (design.md ``--output json``)."""

    status: str
    parts: list[dict[str, Any]] = field(default_factory=list)
    recreated: list[dict[str, str]] = field(default_factory=list)
    extra: list[dict[str, str]] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"status", "parts", "recreated", "extra"}``."""
        return {"status": self.status, "parts": self.parts, "recreated": self.recreated, "extra": self.extra}


def apply_bundle(
    bundle: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    target: Target,
    run: Callable[[ChangeRequest], Result],
    create: Callable[[str, Mapping[str, Any]], Mapping[str, Any]],
    request_id: str,
    reason: str = "",
    requested_by: str = "",
    mode: str = "apply",
) -> BundleResult:
    """Apply every part of ``bundle`` to the pool ``live`` was read from (``target``, resolved).

    ``run`` runs one change request through the engine; ``create`` calls a create operation (the Cognito
    adapter's ``invoke``). ``mode="plan"`` writes and creates nothing. Parts run in dependency order, so a
    recreated app client's settings follow it under its new id.
    """
    source = str((bundle.get("source") or {}).get("userPoolId") or "")
    same_pool = source == target.user_pool_id
    bundle = bundle if same_pool else _rehomed(bundle, source, target.user_pool_id)
    clients = _pair_clients(bundle.get("clients") or {}, live.get("clients") or {}, same_pool)
    domains = _pair_domains(bundle.get("domains") or {}, live.get("domains") or {}, same_pool)
    out = BundleResult("unchanged")
    out.parts.extend(_create_only(bundle, live, target))
    live_parts = {(part.kind, part.id): part for part in parts(live)}
    planner = Planner(bundle, Secrets(), None, new_pool=False)
    counter = 0
    for part in parts(bundle):
        counter += 1  # every part numbered in bundle order, so a retry's part request ids are the same
        part_id = _live_id(part, clients, domains)
        key = (part.kind, part_id)
        if part_id is None or key not in live_parts:
            out.parts.append(
                _recreate(
                    part,
                    part_id,
                    target=target,
                    planner=planner,
                    clients=clients,
                    create=create,
                    out=out,
                    mode=mode,
                )
            )
            continue
        document, live_document = part.document, live_parts[key].document
        if part.kind == "pool":
            # MfaConfiguration is the mfa part's (one state, two writes: cognito-surface.md §2); PoolName
            # stays this pool's when the bundle is another pool's.
            skipped = {"MfaConfiguration"} if same_pool else {"MfaConfiguration", "PoolName"}
            document = {k: v for k, v in document.items() if k not in skipped}
            live_document = {k: v for k, v in live_document.items() if k not in skipped}
        if not diff(live_document, document):  # nothing to write: no engine run, no snapshots
            out.parts.append(
                {"kind": part.kind, "id": part_id, "status": "unchanged", "changes": [], "snapshots": {}}
            )
            continue
        patch = replacement_patch(live_document, document)
        request = (
            parse_request(
                {
                    "version": "1",
                    "requestId": f"{request_id}.{counter}",
                    "target": _target(part, part_id, target),
                    "mode": mode,
                    "patch": patch or {},
                    "reason": reason,
                    "requestedBy": requested_by,
                }
            )
            if patch
            else None
        )
        if request is None:
            out.parts.append(
                {"kind": part.kind, "id": part_id, "status": "unchanged", "changes": [], "snapshots": {}}
            )
            continue
        result = run(request)
        out.results.append(result)
        document_out = result.to_dict()
        entry = {
            "kind": part.kind,
            "id": part_id,
            "status": result.status,
            "changes": document_out["changes"],
            "snapshots": document_out.get("snapshots", {}),
        }
        if "error" in document_out:
            entry["error"] = document_out["error"]
        out.parts.append(entry)
    bundle_ids = {(part.kind, _live_id(part, clients, domains)) for part in parts(bundle)}
    for part in parts(live):
        if part.kind in _EXTRA_KINDS and (part.kind, part.id) not in bundle_ids:
            out.extra.append({"kind": part.kind, "id": part.id})
    out.status = _overall(out.parts)
    return out


def _overall(entries: list[dict[str, Any]]) -> str:
    statuses = {entry["status"] for entry in entries}
    for status in ("failed", "rejected", "applied", "recreated", "planned"):
        if status in statuses:
            return "applied" if status == "recreated" else status
    return "unchanged"


def _create_only(bundle: Mapping[str, Any], live: Mapping[str, Any], target: Target) -> list[dict[str, Any]]:
    """A ``rejected`` entry naming the clone command when the create-only settings differ."""
    wanted, have = bundle.get("createOnly") or {}, live.get("createOnly") or {}
    differing = {
        name: wanted.get(name) for name in wanted if _empty(wanted.get(name)) != _empty(have.get(name))
    }
    if not differing:
        return []
    command = (
        f"poolpatch clone --user-pool-id {target.user_pool_id} --pool-name NEW_NAME --patch "
        + shlex.quote(json.dumps({"createOnly": differing}, separators=(",", ":")))
    )
    error = ImmutableSetting(
        f"The create-only settings {', '.join(sorted(differing))} differ from the pool's.",
        path="/createOnly",
        remedy=f"Make a new pool with them: {command}",
    )
    return [
        {
            "kind": "pool",
            "id": "createOnly",
            "status": "rejected",
            "changes": [],
            "snapshots": {},
            "error": error.to_dict(),
        }
    ]


def _empty(value: Any) -> Any:
    return None if value in ([], {}, None) else value


def _target(part: Part, part_id: str, pool: Target) -> dict[str, Any]:
    document: dict[str, Any] = {"userPoolId": pool.user_pool_id, "kind": part.kind}
    if pool.account_id:
        document["accountId"] = pool.account_id
    if pool.region:
        document["region"] = pool.region
    if part.client_id is not None:
        document["clientId"] = part_id
    elif part.name is not None:
        document["name"] = part_id
    return document


def _live_id(part: Part, clients: Mapping[str, str], domains: Mapping[str, str]) -> str | None:
    """The id of the live part a bundle part pairs with (``None``: the pool has no such client)."""
    if part.kind == "domain":
        return domains.get(part.id)
    if part.client_id is not None:
        return clients.get(part.client_id)
    return part.id


def _pair_clients(wanted: Mapping[str, Any], have: Mapping[str, Any], same_pool: bool) -> dict[str, str]:
    """Bundle client id -> live client id: by id on the same pool, else by a ``ClientName`` unique on both
    sides (design.md)."""
    if same_pool:
        return {client_id: client_id for client_id in wanted if client_id in have}
    names: dict[str, list[str]] = {}
    for client_id, entry in have.items():
        names.setdefault(str(entry.get("ClientName")), []).append(client_id)
    wanted_names: dict[str, int] = {}
    for entry in wanted.values():
        wanted_names[str(entry.get("ClientName"))] = wanted_names.get(str(entry.get("ClientName")), 0) + 1
    out = {}
    for client_id, entry in wanted.items():
        name = str(entry.get("ClientName"))
        if len(names.get(name, [])) == 1 and wanted_names[name] == 1:
            out[client_id] = names[name][0]
    return out


def _pair_domains(wanted: Mapping[str, Any], have: Mapping[str, Any], same_pool: bool) -> dict[str, str]:
    if same_pool:
        return {name: name for name in wanted}
    by_type = {("custom" if "." in name else "prefix"): name for name in have}
    return {
        name: by_type[kind] for name in wanted if (kind := "custom" if "." in name else "prefix") in by_type
    }


def _rehomed(bundle: Mapping[str, Any], source: str, pool_id: str) -> dict[str, Any]:
    """The bundle with the source pool's id in values replaced by this pool's (ARNs, log group names)."""

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(source, pool_id) if source else value
        if isinstance(value, Mapping):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    out = {key: (copy.deepcopy(value) if key == "source" else walk(value)) for key, value in bundle.items()}
    return out


def _recreate(
    part: Part,
    part_id: str | None,
    *,
    target: Target,
    planner: Planner,
    clients: dict[str, str],
    create: Callable[[str, Mapping[str, Any]], Mapping[str, Any]],
    out: BundleResult,
    mode: str,
) -> dict[str, Any]:
    """Create a part the pool lost; ``rejected`` where that cannot be done from the bundle alone."""
    entry: dict[str, Any] = {"kind": part.kind, "id": part_id or part.id, "changes": [], "snapshots": {}}
    try:
        step = _create_step(part, part_id, planner, clients)
    except PoolpatchError as error:
        entry.update(status="rejected", error=error.to_dict())
        return entry
    if mode == "plan":
        if part.kind == "client":
            clients[part.id] = _PLANNED  # its settings are planned as creates too
        entry["status"] = "planned"
        entry["create"] = step.shown()
        return entry
    params = resolve_placeholders(step.params, target.user_pool_id, clients)
    try:
        response = create(step.operation, params)
    except PoolpatchError as error:
        entry.update(status="failed" if error.retryable else "rejected", error=error.to_dict())
        return entry
    new_id = part.id
    if part.kind == "client":
        new_id = str(response["UserPoolClient"]["ClientId"])
        clients[part.id] = new_id
    elif part.client_id is not None:
        new_id = clients[part.client_id]
    entry.update(status="recreated", id=new_id)
    out.recreated.append({"kind": part.kind, "id": part.id, "newId": new_id})
    return entry


def _create_step(part: Part, part_id: str | None, planner: Planner, clients: Mapping[str, str]) -> Step:
    if part.kind in ("pool", "mfa", "logDelivery"):
        raise InvalidRequest(f"The pool has no {spec(part.kind).label}.", path=part.pointer)
    if part.kind == "domain":
        if part_id is None:
            raise InvalidRequest(
                f"The domain {part.id} belongs to the bundle's pool; this pool has no domain of its type.",
                path=part.pointer,
                remedy="Create this pool's own domain (CreateUserPoolDomain), then apply the bundle again.",
            )
        return Step(
            f"domain/{part.id}",
            "domain",
            part.id,
            "CreateUserPoolDomain",
            {"UserPoolId": NEW_POOL, "Domain": part.id, **part.document},
        )
    if part.client_id is not None and part.kind != "client" and clients.get(part.client_id) == _PLANNED:
        return planner.step(part) or Step(part.kind, part.kind, part.id, "(none)", {})
    if part.client_id is not None and part.kind != "client" and part.client_id not in clients:
        raise InvalidRequest(
            f"The {spec(part.kind).label} belongs to app client {part.client_id}, which this pool lacks.",
            path=part.pointer,
            remedy="The client is recreated first when the bundle holds it; otherwise drop the part.",
        )
    where = part.pointer.lstrip("/").removesuffix("/document")
    step = (
        planner.provider(part, where)
        if part.kind == "identityProvider"
        else (planner.client(part, where) if part.kind == "client" else planner.step(part))
    )
    if step is None:
        raise InvalidRequest(
            f"The {spec(part.kind).label} {part.id} cannot be recreated from the bundle: "
            f"{planner.not_carried[-1]['reason']}",
            path=part.pointer,
            remedy=f"Recreate it with its secret (shown as {REDACTED!r} in bundles) by hand.",
        )
    return step
