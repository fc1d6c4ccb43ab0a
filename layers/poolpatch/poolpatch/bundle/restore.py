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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from poolpatch.bundle.clone import NEW_POOL, Planner, Secrets, Step, resolve_placeholders
from poolpatch.bundle.document import OWN_TAG_PREFIX, Part, check_bundle, parts
from poolpatch.bundle.read import BundleReader, read_bundle
from poolpatch.bundle.schema_attributes import is_standard
from poolpatch.errors import ImmutableSetting, InvalidRequest, PoolpatchError
from poolpatch.kinds import REDACTED, spec
from poolpatch.pipeline import clone_command, replacement_patch
from poolpatch.plan import diff
from poolpatch.request import ChangeRequest, Target, parse_request
from poolpatch.result import Result, Status

#: Longest request id (request.REQUEST_ID).
MAX_REQUEST_ID = 128
#: The client id of an app client ``plan`` would recreate.
_PLANNED = "(new)"


@dataclass
class BundleResult:
    """What ``apply --bundle`` did (design.md ``--output json``)."""

    status: Status
    parts: list[dict[str, Any]] = field(default_factory=list)
    recreated: list[dict[str, str]] = field(default_factory=list)
    extra: list[dict[str, str]] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    errors: list[tuple[str, str, PoolpatchError]] = field(default_factory=list)
    """Each part that ended rejected or failed: its status, its name (``group admins``) and its error, in
    order (the stack's result error)."""

    def first_error(self) -> PoolpatchError | None:
        """The first error of a part that ended with the bundle's own status, its message naming the part."""
        for status, part, error in self.errors:
            if status == self.status:
                return type(error)(
                    f"{part}: {error.message}",
                    path=error.path,
                    remedy=error.remedy,
                    retryable=error.retryable,
                )
        return None

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
    recreated app client's settings follow it under its new id. Part ``n`` (in bundle order) runs as request
    ``{request_id}.{n}``, so a retry of the whole bundle gives each part the id it had, and the engine's crash
    recovery works per part.
    """
    every = list(parts(bundle))
    if len(f"{request_id}.{len(every)}") > MAX_REQUEST_ID:
        raise InvalidRequest(
            f"The request id is too long to number the bundle's {len(every)} parts "
            f"({{requestId}}.{{n}}, at most {MAX_REQUEST_ID} characters).",
            path="/requestId",
            remedy=f"Use a request id of at most {MAX_REQUEST_ID - 1 - len(str(len(every)))} characters.",
        )
    source = str((bundle.get("source") or {}).get("userPoolId") or "")
    same_pool = source == target.user_pool_id
    bundle = bundle if same_pool else _rehomed(bundle, source, target.user_pool_id)
    clients = _pair_clients(bundle.get("clients") or {}, live.get("clients") or {}, same_pool)
    domains = _pair_domains(bundle.get("domains") or {}, live.get("domains") or {}, same_pool)
    out = BundleResult("unchanged")
    refused, attributes = _create_only(bundle, live, target, out)
    out.parts.extend(refused)
    live_parts = {(part.kind, part.id): part for part in parts(live)}
    live_names = {str(entry.get("ClientName")) for entry in (live.get("clients") or {}).values()}
    planner = Planner(bundle, Secrets(), None, new_pool=False)
    for number, part in enumerate(parts(bundle), start=1):
        part_id = _live_id(part, clients, domains)
        setting = spec(part.kind).create is None  # written by a Set operation: "absent" is its empty state
        if part.kind == "client" and part_id is None and part.meta.get("ClientName") in live_names:
            # the pool has a client of that name that could not be paired (names not unique): recreating
            # it would add one more on every apply
            error = InvalidRequest(
                f"The app client {part.meta.get('ClientName')!r} cannot be paired with one of this pool's: "
                "several clients share the name.",
                path=part.pointer,
                remedy="Give the clients unique names on both pools, or apply the bundle to the pool it was "
                "exported from (clients then pair by id).",
            )
            out.errors.append(("rejected", f"client {part.id}", error))
            out.parts.append({**_entry(part.kind, part.id, "rejected"), "error": error.to_dict()})
            continue
        if part_id is None or ((part.kind, part_id) not in live_parts and not setting):
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
        if part_id == _PLANNED:  # a setting of an app client ``plan`` would recreate
            out.parts.append(_entry(part.kind, part_id, "planned"))
            continue
        live_part = live_parts.get((part.kind, part_id))
        document, live_document = part.document, live_part.document if live_part else {}
        new_attributes: list[dict[str, Any]] = []
        if part.kind == "pool":
            # MfaConfiguration is the mfa part's (one state, two writes: cognito-surface.md §2); PoolName
            # stays this pool's when the bundle is another pool's.
            skipped = {"MfaConfiguration"} if same_pool else {"MfaConfiguration", "PoolName"}
            document = _own_tags_kept({k: v for k, v in document.items() if k not in skipped}, live_document)
            live_document = {k: v for k, v in live_document.items() if k not in skipped}
            new_attributes = attributes
        if not diff(live_document, document) and not new_attributes:
            out.parts.append(_entry(part.kind, part_id, "unchanged"))  # no engine run, no snapshots
            continue
        request: dict[str, Any] = {
            "version": "1",
            "requestId": f"{request_id}.{number}",
            "target": _target(part, part_id, target),
            "mode": mode,
            "reason": reason,
            "requestedBy": requested_by,
        }
        patch = replacement_patch(live_document, document)
        if patch:
            request["patch"] = patch
        if new_attributes:
            request["addCustomAttributes"] = new_attributes
        out.parts.append(_ran(part.kind, part_id, run(parse_request(request)), out))
    bundle_ids = {(part.kind, _live_id(part, clients, domains)) for part in parts(bundle)}
    for part in parts(live):
        if part.kind not in ("pool", "mfa") and (part.kind, part.id) not in bundle_ids:
            out.extra.append({"kind": part.kind, "id": part.id})
    out.status = _overall(out.parts)
    return out


def _own_tags_kept(document: dict[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
    """The pool part with the live pool's own ``poolpatch:`` tags in place of the bundle's.

    poolpatch writes those tags itself (a clone's ``poolpatch:clone-of`` and ``poolpatch:clone-request``,
    by which a rerun finds its pool) and ``diff`` ignores them: applying a bundle neither removes them from
    the pool nor copies another pool's onto it.
    """
    tags = {k: v for k, v in (document.get("UserPoolTags") or {}).items() if not k.startswith(OWN_TAG_PREFIX)}
    tags.update({k: v for k, v in (live.get("UserPoolTags") or {}).items() if k.startswith(OWN_TAG_PREFIX)})
    out = {k: v for k, v in document.items() if k != "UserPoolTags"}
    if tags:
        out["UserPoolTags"] = tags
    return out


def _entry(kind: str, part_id: str, status: str) -> dict[str, Any]:
    return {"kind": kind, "id": part_id, "status": status, "changes": [], "snapshots": {}}


def _ran(kind: str, part_id: str, result: Result, out: BundleResult) -> dict[str, Any]:
    """The part entry of an engine run (the result's changes, snapshots and error)."""
    out.results.append(result)
    if result.error is not None:
        out.errors.append((result.status, f"{kind} {part_id}", result.error))
    document = result.to_dict()
    entry = {**_entry(kind, part_id, result.status), "changes": document["changes"]}
    entry["snapshots"] = document.get("snapshots", {})
    if "error" in document:
        entry["error"] = document["error"]
    return entry


def _overall(entries: list[dict[str, Any]]) -> Status:
    """The bundle's status: its worst part's (a recreated part counts as applied)."""
    statuses = {"applied" if entry["status"] == "recreated" else entry["status"] for entry in entries}
    order: tuple[Status, ...] = ("failed", "rejected", "applied", "planned")
    return next((status for status in order if status in statuses), "unchanged")


def _create_only(
    bundle: Mapping[str, Any], live: Mapping[str, Any], target: Target, out: BundleResult
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The create-only settings: custom attributes the pool lacks, to add with the pool part
    (``addCustomAttributes``), and a ``rejected`` entry naming the clone command for anything else that
    differs (schema entries compare by name: Describe's order is not the pool's identity)."""
    wanted, have = bundle.get("createOnly") or {}, live.get("createOnly") or {}
    differing = {
        name: wanted.get(name)
        for name in wanted
        if name != "Schema" and _empty(wanted.get(name)) != _empty(have.get(name))
    }
    wanted_schema = {str(item.get("Name")): dict(item) for item in wanted.get("Schema") or ()}
    have_schema = {str(item.get("Name")): dict(item) for item in have.get("Schema") or ()}
    added = [
        item for name, item in wanted_schema.items() if name not in have_schema and not is_standard(item)
    ]
    kept = {name: item for name, item in wanted_schema.items() if name in have_schema or is_standard(item)}
    if kept != have_schema:
        differing["Schema"] = list(wanted.get("Schema") or ())
    if not differing:
        return [], added
    command = clone_command(target, {"Name": (live.get("pool") or {}).get("PoolName")}, differing)
    error = ImmutableSetting(
        f"The create-only settings {', '.join(sorted(differing))} differ from the pool's.",
        path="/createOnly",
        remedy=f"Make a new pool with them: {command}",
    )
    out.errors.append(("rejected", "pool createOnly", error))
    return [{**_entry("pool", "createOnly", "rejected"), "error": error.to_dict()}], added


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
        out.errors.append(("rejected", f"{part.kind} {entry['id']}", error))
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
        out.errors.append((entry["status"], f"{part.kind} {entry['id']}", error))
        return entry
    new_id = part.id
    if part.kind == "client":
        new_id = str(response["UserPoolClient"]["ClientId"])
        clients[part.id] = new_id
        if step.params.get("GenerateSecret"):
            entry["notCarried"] = [
                {
                    "part": f"clients/{part.id}/ClientSecret",
                    "reason": "The recreated app client has a new secret: its apps need it "
                    "(DescribeUserPoolClient); the old one went with the old client.",
                }
            ]
    elif part.client_id is not None:
        new_id = clients[part.client_id]
    entry.update(status="recreated", id=new_id)
    out.recreated.append({"kind": part.kind, "id": part.id, "newId": new_id})
    return entry


def _create_step(part: Part, part_id: str | None, planner: Planner, clients: Mapping[str, str]) -> Step:
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
        planned = planner.step(part)  # a branding style of a client plan would recreate
        assert planned is not None  # its client is in the bundle: plan recreates it
        return planned
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


def restore_pool(
    bundle: Mapping[str, Any],
    reader: BundleReader,
    *,
    target: Target,
    run: Callable[[ChangeRequest], Result],
    create: Callable[[str, Mapping[str, Any]], Mapping[str, Any]],
    request_id: str,
    reason: str = "",
    requested_by: str = "",
    mode: str = "apply",
    own_bundle_only: bool = False,
) -> BundleResult:
    """``apply --bundle`` and the stack's bundle restore: check the bundle, read the live pool as a bundle
    (``reader``, the target account's), then :func:`apply_bundle`.

    ``own_bundle_only`` (the stack: "the same scope rules as snapshot restores") refuses a bundle whose
    ``source`` is another pool, account or Region with ``InvalidRequest`` at ``/restore/bundle``; the CLI
    allows it (staging -> prod).
    """
    checked = check_bundle(bundle)
    source = checked["source"]
    if own_bundle_only and (
        source.get("userPoolId") != target.user_pool_id
        or source.get("accountId") not in (None, target.account_id)
        or source.get("region") not in (None, target.region)
    ):
        raise InvalidRequest(
            "The bundle was recorded for another pool, account or Region.",
            path="/restore/bundle",
            remedy="Restore a bundle of this very pool (to copy another pool: poolpatch apply --bundle).",
        )
    live = read_bundle(
        reader,
        account_id=str(target.account_id),
        region=str(target.region),
        user_pool_id=target.user_pool_id,
        captured=datetime.now(UTC),
    )
    return apply_bundle(
        checked,
        live,
        target=target,
        run=run,
        create=create,
        request_id=request_id,
        reason=reason,
        requested_by=requested_by,
        mode=mode,
    )
