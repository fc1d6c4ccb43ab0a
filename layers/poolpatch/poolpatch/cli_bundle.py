"""The bundle commands of the command line (design.md, "Whole-pool bundle, diff and clone")::

    poolpatch export --user-pool-id ID --all                  the bundle
    poolpatch diff   A B                                      two bundles or live pools
                     (file://PATH, or ID / ACCOUNT:REGION:ID)
    poolpatch clone  --user-pool-id ID | --bundle file://PATH --pool-name NAME
                     [--patch JSON|file://PATH] [--domain-prefix P] [--secrets file://PATH] [--plan]
    poolpatch apply  --user-pool-id ID --bundle file://PATH   restore every part of a bundle onto a pool

Live pools are read with the kinds' own reads, paced per operation at ``--reads-per-second`` (default 5,
Cognito's per-pool limit for each read operation; cognito-surface.md §13). A pool in another account
(``ACCOUNT:REGION:ID``) is read through the target-account role (``--role-name``, default
``poolpatch-target-read``, deployed by templates/target-account-role.yaml).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from poolpatch.cli_common import snapshot_store
from poolpatch.errors import InvalidRequest
from poolpatch.plan import MISSING
from poolpatch.request import REQUEST_ID

EXIT_OK, EXIT_FAILED, EXIT_DIFFERENT = 0, 1, 2
#: Cognito's read limit per pool and operation (cognito-surface.md §13): the default export pace.
DEFAULT_READS_PER_SECOND = 5.0
_LIVE = re.compile(
    r"^(?:(?P<account>\d{12}):(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):)?(?P<pool>[\w-]+_[0-9a-zA-Z]+)$"
)

Printer = Callable[[Any, TextIO], None]


def add_parsers(
    commands: Any, parents: list[argparse.ArgumentParser], snapshot_options: Callable[[Any], None]
) -> None:
    """``diff`` and ``clone`` (``export --all`` and ``apply --bundle`` are options of those commands)."""
    diff = commands.add_parser("diff", parents=parents, help="differences between two bundles or live pools")
    diff.add_argument("a", help="file://PATH of a bundle, a pool id, or ACCOUNT:REGION:POOL_ID")
    diff.add_argument("b", help="the same, for the other side")
    live_options(diff)
    clone = commands.add_parser(
        "clone", parents=parents, help="create a new pool from a bundle or a live pool"
    )
    source = clone.add_mutually_exclusive_group(required=True)
    source.add_argument("--user-pool-id", help="clone this live pool")
    source.add_argument("--bundle", help="clone this bundle: file://PATH")
    clone.add_argument("--pool-name", required=True, help="the new pool's name")
    clone.add_argument(
        "--patch", help="merge patch over the bundle (create-only settings): JSON or file://PATH"
    )
    clone.add_argument("--domain-prefix", help="the new pool's prefix domain (a domain is never moved)")
    clone.add_argument("--secrets", help="secrets a bundle cannot hold: file://PATH (see the README)")
    clone.add_argument("--plan", action="store_true", help="show the create steps; write nothing")
    clone.add_argument("--request-id", default=None, help="rerun with the same id to continue a failed clone")
    live_options(clone)
    snapshot_options(clone)


def live_options(parser: argparse.ArgumentParser) -> None:
    """Options of commands reading live pools."""
    parser.add_argument(
        "--reads-per-second",
        type=float,
        default=DEFAULT_READS_PER_SECOND,
        help=f"pace of each read operation (default {DEFAULT_READS_PER_SECOND:g}: the per-pool quota)",
    )
    parser.add_argument(
        "--role-name",
        default="poolpatch-target-read",
        help="role assumed to read a pool in another account (default poolpatch-target-read)",
    )
    parser.add_argument("--external-id", default=None, help="external id of that role")


# --- reading ---------------------------------------------------------------------------------------


def live_reader(context: Any, reference: str, args: argparse.Namespace) -> tuple[Any, Any]:
    """A paced reader of a live pool and its resolved target: ``ID`` (this session's account and Region) or
    ``ACCOUNT:REGION:ID`` (another account through ``--role-name``)."""
    from poolpatch.adapters.fleet import Boto3FleetReader, Pacer
    from poolpatch.adapters.session import TargetSessions
    from poolpatch.request import Target

    match = _LIVE.match(reference)
    if match is None:
        raise InvalidRequest(
            f"{reference!r} is neither file://PATH, a user pool id nor ACCOUNT:REGION:POOL_ID.",
            path="",
            remedy="Name a bundle (file://bundle.json) or a pool (ID or ACCOUNT:REGION:ID).",
        )
    own = context.account_id()
    account = match["account"] or own
    region = match["region"] or context.region
    rate = getattr(args, "reads_per_second", DEFAULT_READS_PER_SECOND)  # apply --bundle reads at the default
    if not rate > 0:
        raise InvalidRequest("--reads-per-second must be positive.", path="", remedy="Give e.g. 5.")
    pacer = Pacer(rate, per_operation=True)
    sessions = TargetSessions(
        context.session,
        own_account=own,
        allowed_accounts={own, account},
        role_name=getattr(args, "role_name", "poolpatch-target-read"),
        external_id=getattr(args, "external_id", None),
        endpoint_url=context.endpoint_url,
        on_client=lambda client, _account, _region: pacer.install(client),
    )
    target = Target(match["pool"], account_id=account, region=region)
    return Boto3FleetReader(sessions.cognito_for(target)), target


def read_live(context: Any, reference: str, args: argparse.Namespace) -> dict[str, Any]:
    """The bundle of a live pool (:func:`live_reader`)."""
    from poolpatch.bundle.read import read_bundle

    reader, target = live_reader(context, reference, args)
    return read_bundle(
        reader,
        account_id=target.account_id,
        region=target.region,
        user_pool_id=target.user_pool_id,
        captured=datetime.now(UTC),
    )


def load_bundle(reference: str, context: Any, args: argparse.Namespace) -> dict[str, Any]:
    """A bundle from ``file://PATH`` (checked) or from a live pool."""
    from poolpatch.bundle.document import check_bundle
    from poolpatch.cli_common import read_argument

    if reference.startswith("file://"):
        return check_bundle(read_argument(reference, "bundle"), where=reference)
    return read_live(context, reference, args)


# --- commands --------------------------------------------------------------------------------------


def export_all(args: argparse.Namespace, out: TextIO, err: TextIO, print_json: Printer) -> int:
    """``export --all``: the bundle on stdout."""
    from poolpatch.adapters.session import AwsContext

    if args.client_id or args.kind or args.name:
        raise InvalidRequest(
            "--all exports every part of the pool: it takes no --client-id, --kind or --name.",
            path="",
            remedy="Drop those options, or drop --all to export one part.",
        )
    context = AwsContext.from_cli(args)
    bundle = read_live(context, args.user_pool_id, args)
    print_json(bundle, out)
    err.write(
        'warning: secrets are shown as "<redacted>": a bundle goes back through poolpatch (apply --bundle, '
        "clone --secrets), never through the AWS CLI\n"
    )
    return EXIT_OK


def diff(args: argparse.Namespace, out: TextIO, err: TextIO, print_json: Printer) -> int:
    """``diff A B``: exit 0 same, 2 different."""
    from poolpatch.adapters.session import AwsContext
    from poolpatch.bundle.diff import diff_bundles

    del err
    context: Any = None
    if not (args.a.startswith("file://") and args.b.startswith("file://")):
        context = AwsContext.from_cli(args)
    differences = diff_bundles(load_bundle(args.a, context, args), load_bundle(args.b, context, args))
    if args.output == "json":
        print_json({"same": not differences, "differences": [item.to_dict() for item in differences]}, out)
    else:
        part = None
        for item in differences:
            if item.part != part:
                part = item.part
                out.write(f"{part}\n")
            out.write(f"  {item.path or '(the whole part)'}: {_show(item.a)} -> {_show(item.b)}\n")
        out.write("same configuration\n" if not differences else f"{len(differences)} difference(s)\n")
    return EXIT_DIFFERENT if differences else EXIT_OK


def clone(
    args: argparse.Namespace, out: TextIO, err: TextIO, print_json: Printer, new_id: Callable[[], str]
) -> int:
    """``clone``: create a new pool from a bundle or a live pool (``--plan``: the steps only)."""
    from poolpatch.adapters.session import AwsContext
    from poolpatch.bundle.clone import CloneReport, Secrets, plan_clone, run_clone
    from poolpatch.cli_common import read_argument

    request_id = args.request_id or new_id()
    if not REQUEST_ID.fullmatch(request_id):  # it names the progress record clones/{requestId}.json
        raise InvalidRequest(
            "--request-id must be 1-128 characters of letters, digits and . _ : -, starting with a letter or "
            "digit.",
            path="/requestId",
            remedy="Use the id the failed run printed, or a new UUID.",
        )
    if args.secrets and not args.secrets.startswith("file://"):
        raise InvalidRequest(
            "--secrets takes file://PATH only: secrets on the command line end up in shell history and ps.",
            path="",
            remedy="Write them to a file readable only by you and pass --secrets file://PATH.",
        )
    context = AwsContext.from_cli(args)
    bundle = (
        load_bundle(args.bundle, context, args)
        if args.bundle
        else read_live(context, args.user_pool_id, args)
    )
    patch = read_argument(args.patch, "--patch") if args.patch else None
    if patch is not None and not isinstance(patch, dict):
        raise InvalidRequest("--patch must be a JSON object (a merge patch over the bundle).", path="")
    secrets = Secrets.parse(read_argument(args.secrets, "--secrets") if args.secrets else None)
    plan = plan_clone(
        bundle,
        pool_name=args.pool_name,
        request_id=request_id,
        patch=patch,
        domain_prefix=args.domain_prefix,
        secrets=secrets,
    )
    if args.plan:
        report = CloneReport(
            "planned", request_id, not_carried=plan.not_carried, steps=[step.shown() for step in plan.steps]
        )
    else:
        store = snapshot_store(args, context)
        report = run_clone(plan, context.cognito(), store, request_id=request_id)
    if args.output == "json":
        print_json(report.to_dict(), out)
    else:
        out.write(render_clone(report))
    if report.error is not None:
        err.write(f"error: {report.error.code}: {report.error.describe()}\n")
        err.write(f"rerun with --request-id {request_id} to continue; progress: {report.progress}\n")
        return EXIT_FAILED
    return EXIT_OK


def apply_bundle(args: argparse.Namespace, out: TextIO, err: TextIO, print_json: Printer) -> int:
    """``apply --bundle`` (and ``plan --bundle``): every part of a bundle onto ``--user-pool-id``."""
    import os

    from poolpatch.adapters.session import AwsContext
    from poolpatch.bundle.document import check_bundle
    from poolpatch.bundle.restore import restore_pool
    from poolpatch.cli_common import read_argument
    from poolpatch.engine import Engine, fixed
    from poolpatch.request import parse_target

    if not args.user_pool_id or args.client_id or args.kind or args.name:
        raise InvalidRequest(
            "--bundle applies to a whole pool: give --user-pool-id and no --client-id, --kind or --name.",
            path="/target",
            remedy="poolpatch apply --user-pool-id ID --bundle file://PATH",
        )
    ignored = [
        option
        for option, value in (
            ("--add-custom-attributes", args.add_custom_attributes),
            ("--expected-last-modified-date", args.expected_last_modified_date),
        )
        if value is not None
    ]
    if ignored:
        raise InvalidRequest(
            f"{' and '.join(ignored)} cannot go with --bundle: a bundle's custom attributes come from its "
            "createOnly.Schema, and each part is read right before it is written.",
            path="",
            remedy="Put new custom attributes in the bundle's createOnly.Schema, or drop the option.",
        )
    try:
        parse_target({"userPoolId": args.user_pool_id})
    except InvalidRequest as refused:  # ACCOUNT:REGION:ID is for reads; writes go to this session
        refused.remedy = (
            "Give the plain pool id; to write to a pool of another account, run with a --profile (and "
            "--region) of that account."
        )
        raise
    bundle = check_bundle(read_argument(args.bundle, "--bundle"), where=args.bundle)
    context = AwsContext.from_cli(args)
    reader, target = live_reader(context, args.user_pool_id, args)
    cognito = context.cognito()
    engine = Engine(
        fixed(cognito), snapshot_store(args, context), account_id=target.account_id, region=target.region
    )
    result = restore_pool(
        bundle,
        reader,
        target=target,
        run=engine.run,
        create=cognito.invoke,
        request_id=args.request_id,
        reason=args.reason,
        requested_by=args.requested_by if args.requested_by is not None else os.environ.get("USER", ""),
        mode="plan" if args.command == "plan" else "apply",
    )
    if args.output == "json":
        print_json(result.to_dict(), out)
    else:
        out.write(render_bundle(result))
    failed = [entry for entry in result.parts if entry["status"] in ("failed", "rejected")]
    for entry in failed:
        error = entry.get("error") or {}
        err.write(f"error: {entry['kind']} {entry['id']}: {error.get('code')}: {error.get('message')}\n")
    if failed:
        return EXIT_FAILED
    if args.command == "plan" and args.detailed_exitcode and result.status == "planned":
        return EXIT_DIFFERENT
    return EXIT_OK


def render_bundle(result: Any) -> str:
    """An ``apply --bundle`` result as text: one line per part, then what was recreated and what is extra."""
    lines = [f"bundle: {result.status}"]
    for entry in result.parts:
        changes = len(entry.get("changes") or [])
        lines.append(f"  {entry['kind']} {entry['id']}: {entry['status']} ({changes} change(s))")
        lines.extend(f"      {change['path']}" for change in entry.get("changes") or [])
        lines.extend(
            f"      snapshot {phase}: {ref}" for phase, ref in (entry.get("snapshots") or {}).items()
        )
    lines.extend(f"recreated {item['kind']} {item['id']} -> {item['newId']}" for item in result.recreated)
    lines.extend(f"extra (kept, not in the bundle): {item['kind']} {item['id']}" for item in result.extra)
    return "\n".join(lines) + "\n"


def render_clone(report: Any) -> str:
    """A clone report as text."""
    lines = [f"clone {report.request_id}: {report.status}"]
    if report.user_pool_id:
        lines.append(f"new user pool: {report.user_pool_id}")
    for old, new in report.client_ids.items():
        lines.append(f"app client {old} -> {new}")
    for step in report.steps or ():
        lines.append(f"  would call {step['operation']} ({step['kind']} {step['id']})")
    for item in report.created:
        lines.append(f"  created {item['kind']} {item['id']}")
    if report.not_carried:
        lines.append("not carried:")
        lines.extend(f"  {item['part']}: {item['reason']}" for item in report.not_carried)
    return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    return "(absent)" if value is MISSING else json.dumps(value, sort_keys=True, default=str)
