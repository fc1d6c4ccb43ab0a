"""The ``poolpatch`` command line: the local and break-glass path over the same engine.

Commands (design.md, "Command line")::

    poolpatch export   --user-pool-id ID [--client-id ID] [--kind KIND] [--name NAME]
    poolpatch skeleton KIND
    poolpatch plan     --user-pool-id ID [--client-id ID] [--kind KIND] [--name NAME] --patch JSON|file://PATH
                       [--detailed-exitcode]
    poolpatch apply    --user-pool-id ID [--client-id ID] [--kind KIND] [--name NAME] --patch JSON|file://PATH
    poolpatch apply    --request file://PATH
    poolpatch drift    --desired PATH|file://PATH|s3://BUCKET/PREFIX [--correct] [--report-dir DIR]
    poolpatch history  --user-pool-id ID [--client-id ID] [--kind KIND] [--name NAME]
                       [--snapshot-bucket B | --snapshot-dir D]
    poolpatch export   --user-pool-id ID --all
    poolpatch diff     A B
    poolpatch clone    --user-pool-id ID | --bundle file://PATH --pool-name NAME [--patch JSON|file://PATH]
                       [--domain-prefix P] [--secrets file://PATH] [--plan] [--request-id ID]
    poolpatch apply    --user-pool-id ID --bundle file://PATH

Exit codes: 0 success (including ``unchanged``), 1 rejected or failed (usage
errors too, so that 2 keeps its single meaning), 2 changes planned (only with
``plan --detailed-exitcode``), drift found (``drift``) or bundles that differ (``diff``).
The bundle commands are in :mod:`poolpatch.cli_bundle`.

``--kind`` selects the configuration kind (design.md, "Configuration kinds"; default ``client`` with
``--client-id``, else ``pool``) and ``--name`` the domain, identity provider, resource server or group.
``export`` shows secrets as ``"<redacted>"``; in a patch that value keeps the live secret, so an export
applies back without the secret ever leaving AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from poolpatch import __version__, cli_bundle, cli_drift, cli_history, ownership
from poolpatch.cli_common import error_line, print_json, read_argument, snapshot_store, target_document
from poolpatch.errors import InvalidRequest, PoolpatchError, TargetNotAllowed
from poolpatch.kinds import ALL_KINDS, spec
from poolpatch.plan import MISSING, Change
from poolpatch.request import ChangeRequest, Target, parse_request, parse_target
from poolpatch.result import Result
from poolpatch.snapshot import redact_changes

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CHANGES = 2
DEFAULT_SNAPSHOT_DIR = "./poolpatch-snapshots"


class _Parser(argparse.ArgumentParser):
    """argparse that exits 1 on usage errors: exit 2 means "changes planned".

    Subparsers inherit this class from their parent parser.
    """

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILED, f"{self.prog}: error: {message}\n")


def _common(*, suppress: bool = False) -> _Parser:
    """The common options.

    The subcommands' copy has no defaults (``SUPPRESS``), so an option given
    before the subcommand is not overwritten by the subcommand's default.
    """

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    common = _Parser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument(
        "--region", default=default(None), help="AWS Region (default: the profile's or AWS_REGION)"
    )
    group.add_argument("--profile", default=default(None), help="AWS named profile")
    group.add_argument(
        "--endpoint-url",
        default=default(os.environ.get("AWS_ENDPOINT_URL")),
        help="Cognito/S3/STS endpoint, e.g. a local moto server (default: AWS_ENDPOINT_URL)",
    )
    group.add_argument("--output", choices=("text", "json"), default=default("text"), help="output format")
    group.add_argument(
        "--no-color", action="store_true", default=default(False), help="plain text diff (also NO_COLOR=1)"
    )
    return common


def _target_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--user-pool-id", required=required, help="the user pool, e.g. eu-west-1_AbCdEf123")
    parser.add_argument("--client-id", help="an app client of the pool: the change is for that client")
    parser.add_argument(
        "--kind",
        choices=ALL_KINDS,
        default=None,
        help="the configuration kind (default: client with --client-id, else pool)",
    )
    parser.add_argument(
        "--name",
        default=None,
        help="the name of a domain, identity provider, resource server (Identifier) or group",
    )


def _refused_target(args: argparse.Namespace) -> dict[str, str]:
    """The ``target`` of a result for a request refused before the engine: what is valid of the options.

    Never an unvalidated ``--name`` (it may be anything); ``--kind`` is one of the kinds (argparse).
    """
    if not args.user_pool_id:
        return {}
    try:
        return parse_target(target_document(args)).to_dict()
    except PoolpatchError:
        target = {"userPoolId": args.user_pool_id}
        if args.kind is not None:
            target["kind"] = args.kind
        return target


def _change_options(parser: argparse.ArgumentParser) -> None:
    _target_options(parser, required=False)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--patch", help="RFC 7396 merge patch over the update document: JSON or file://PATH")
    source.add_argument("--request", help="a full change request document: JSON or file://PATH")
    source.add_argument("--restore", help="restore the update document recorded in a snapshot reference")
    source.add_argument("--bundle", help="apply every part of a bundle (file://PATH) to --user-pool-id")
    parser.add_argument(
        "--add-custom-attributes",
        help="JSON list of custom attribute definitions (pools): JSON or file://PATH",
    )
    parser.add_argument("--reason", default="", help="free text, recorded in snapshots")
    parser.add_argument("--requested-by", default=None, help="free text (default: $USER)")
    parser.add_argument("--request-id", default=None, help="request id (default: a new UUID)")
    parser.add_argument("--expected-last-modified-date", default=None, help="ISO-8601 precondition")
    _snapshot_options(parser)


def _snapshot_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--snapshot-bucket",
        default=os.environ.get("POOLPATCH_SNAPSHOT_BUCKET"),
        help="write snapshots to this S3 bucket (default: POOLPATCH_SNAPSHOT_BUCKET)",
    )
    parser.add_argument(
        "--snapshot-dir",
        default=DEFAULT_SNAPSHOT_DIR,
        help=f"local snapshot folder (default {DEFAULT_SNAPSHOT_DIR})",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (common options are accepted after the subcommand, as in the AWS CLI)."""
    common = _common()
    sub_common = _common(suppress=True)
    parser = _Parser(
        prog="poolpatch",
        description="Safe, verified, snapshot-backed changes to Amazon Cognito user pools and app clients.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"poolpatch {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser(
        "export", parents=[sub_common], help="update-ready JSON of the live configuration (--cli-input-json)"
    )
    _target_options(export, required=True)
    export.add_argument("--all", action="store_true", help="the whole pool as one bundle (design.md)")
    cli_bundle.live_options(export)
    skeleton = commands.add_parser("skeleton", parents=[sub_common], help="the update document's shape")
    skeleton.add_argument("kind", choices=ALL_KINDS)
    plan = commands.add_parser(
        "plan", parents=[sub_common], help="show what a change would do; write nothing"
    )
    _change_options(plan)
    plan.add_argument(
        "--detailed-exitcode", action="store_true", help="exit 2 when there are changes, 0 when none"
    )
    apply = commands.add_parser(
        "apply", parents=[sub_common], help="apply a change with before/after snapshots"
    )
    _change_options(apply)
    cli_drift.add_parser(commands, [sub_common], _snapshot_options)
    cli_bundle.add_parsers(commands, [sub_common], _snapshot_options)
    cli_history.add_parser(commands, [sub_common], _target_options, _snapshot_options)
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Entry point of the ``poolpatch`` console script; returns the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    if args.command in {"plan", "apply"} and not args.request_id:
        args.request_id = _new_id()  # one id for the run, also on results of requests refused early
    try:
        if args.command == "skeleton":
            from poolpatch import model

            print_json(model.skeleton(args.kind), out)
            return EXIT_OK
        if args.command == "export":
            if args.all:
                return cli_bundle.export_all(args, out, err, print_json)
            return _export(args, out, err)
        if args.command == "diff":
            return cli_bundle.diff(args, out, err, print_json)
        if args.command == "clone":
            return cli_bundle.clone(args, out, err, print_json, _new_id)
        if getattr(args, "bundle", None) is not None:
            return cli_bundle.apply_bundle(args, out, err, print_json)
        if args.command == "drift":
            return cli_drift.run(args, out, err)
        if args.command == "history":
            return cli_history.run(args, out, err)
        return _change(args, out, err)
    except PoolpatchError as error:
        if args.output == "json" and args.command in {"plan", "apply"}:
            print_json(Result.from_error(error, args.request_id, _refused_target(args)).to_dict(), out)
        err.write(error_line(error) + "\n")
        return EXIT_FAILED


# --- commands ------------------------------------------------------------------------------------


def _export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from poolpatch import model, pipeline
    from poolpatch.adapters.cognito import Boto3Cognito, write_ids
    from poolpatch.adapters.session import AwsContext
    from poolpatch.snapshot import redact_secrets

    target = parse_target(target_document(args))
    context = AwsContext.from_cli(args)
    described = Boto3Cognito(context.client("cognito-idp")).describe(target)
    pipeline.guard_unknown_members(target.kind, described)
    parsed = pipeline.own_description(target, described.parsed)
    branding = parsed.get("ManagedLoginBrandingId")
    document: dict[str, Any] = write_ids(target, branding_id=branding if isinstance(branding, str) else None)
    live = pipeline.live_document(target.kind, parsed)
    shown = redact_secrets(target.kind, live)
    document.update(shown)
    print_json(document, out)
    if shown != live:
        # stderr keeps stdout valid JSON; the AWS CLI would write the placeholder as the secret.
        err.write(
            'warning: secrets are shown as "<redacted>": apply this document with poolpatch (which keeps the '
            "live secret), never with the AWS CLI's --cli-input-json\n"
        )
    modified = described.parsed.get("LastModifiedDate")
    if modified is not None:
        # For --expected-last-modified-date; stderr keeps stdout valid --cli-input-json.
        err.write(f"LastModifiedDate: {json.dumps(modified, default=model.json_default)}\n")
    return EXIT_OK


def _change(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from poolpatch.adapters.cognito import Boto3Cognito
    from poolpatch.adapters.session import AwsContext
    from poolpatch.engine import Engine, fixed

    request = _request_from_args(args)
    context = AwsContext.from_cli(args)
    _check_session_target(request.target, context)
    store = snapshot_store(args, context)
    cognito = Boto3Cognito(context.client("cognito-idp"))
    runner = Engine(fixed(cognito), store, account_id=context.account_id(), region=context.region)
    result = runner.run(request)
    if args.output == "json":
        print_json(result.to_dict(), out)
        for warning in result.warnings:  # in the document too; stderr is for the person running it
            err.write(f"warning: {warning}\n")
    else:
        out.write(render(result, color=_use_color(args, out)))
    if result.owner:
        subject = f"user pool {result.target.get('userPoolId')}"
        err.write(ownership.warning(result.owner, subject) + "\n")
    if result.differences:
        err.write(
            f"warning: the live configuration differs from the plan at {len(result.differences)} path(s); "
            "see verification.differences\n"
        )
    if result.verification_error is not None:
        err.write(
            "warning: the change was written but could not be verified or its after snapshot is missing: "
            + error_line(result.verification_error).removeprefix("error: ")
            + "\n"
        )
    if result.error is not None:
        err.write(error_line(result.error) + "\n")
        return EXIT_FAILED
    if args.command == "plan" and args.detailed_exitcode and result.changes:
        return EXIT_CHANGES
    return EXIT_OK


def _check_session_target(target: Target, context: Any) -> None:
    """The CLI writes with the caller's own session: a request for another account or Region is refused."""
    if target.region and target.region != context.region:
        raise InvalidRequest(
            f"The request targets Region {target.region}, the session uses {context.region}.",
            path="/target/region",
            remedy=f"Add --region {target.region}.",
        )
    if target.account_id and target.account_id != context.account_id():
        raise TargetNotAllowed(
            f"The request targets account {target.account_id}; the session's credentials are for "
            f"{context.account_id()}.",
            path="/target/accountId",
            remedy="Use --profile with credentials for that account, or send the request to the pipeline.",
        )


def _request_from_args(args: argparse.Namespace) -> ChangeRequest:
    mode = "plan" if args.command == "plan" else "apply"
    if args.request:
        document = read_argument(args.request, "--request")
        if not isinstance(document, dict):
            raise InvalidRequest("--request must hold a JSON object.", path="")
        if args.command == "plan":
            document = {**document, "mode": "plan"}
        return parse_request(document, default_request_id=args.request_id)
    if not args.user_pool_id:
        raise InvalidRequest(
            "--user-pool-id is required with --patch or --restore.",
            path="/target/userPoolId",
            remedy="Add --user-pool-id, or give a full --request document.",
        )
    document = {
        "version": "1",
        "requestId": args.request_id,
        "target": target_document(args),
        "mode": mode,
        "reason": args.reason,
        "requestedBy": args.requested_by if args.requested_by is not None else os.environ.get("USER", ""),
    }
    if args.patch is not None:
        document["patch"] = read_argument(args.patch, "--patch")
    if args.restore is not None:
        document["restore"] = {"snapshot": args.restore}
    if args.add_custom_attributes:
        document["addCustomAttributes"] = read_argument(args.add_custom_attributes, "--add-custom-attributes")
    if args.expected_last_modified_date:
        document["expectedLastModifiedDate"] = args.expected_last_modified_date
    return parse_request(document)


def _new_id() -> str:
    return f"cli-{uuid.uuid4()}"


# --- output --------------------------------------------------------------------------------------

_COLORS = {"red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m", "bold": "\033[1m", "dim": "\033[2m"}
_RESET = "\033[0m"


def _use_color(args: argparse.Namespace, out: TextIO) -> bool:
    if args.no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(out, "isatty", lambda: False)())


def render(result: Result, *, color: bool = False) -> str:
    """The result as a readable diff (text output)."""

    def paint(text: str, name: str) -> str:
        return f"{_COLORS[name]}{text}{_RESET}" if color else text

    target = result.target
    where = ", ".join(v for v in (target.get("accountId"), target.get("region")) if v)
    lines = [paint(_subject(result) + (f" ({where})" if where else ""), "bold")]
    lines.append(f"request {result.request_id}: {len(result.changes)} change(s)")
    for change in redact_changes(result.kind, result.changes):
        lines.extend(_render_change(change, paint))
    lines.extend(paint(f"warning: {warning}", "yellow") for warning in result.warnings)
    status_color = {"applied": "green", "unchanged": "dim", "planned": "yellow"}.get(result.status, "red")
    lines.append(f"status: {paint(result.status, status_color)}")
    for phase, reference in result.snapshots.items():
        lines.append(f"snapshot {phase}: {reference}")
    if result.differences is not None:
        if result.differences:
            lines.append(paint(f"verification: WARNING, {len(result.differences)} difference(s):", "yellow"))
            lines.extend(
                f"  {c.path}: expected {_show(c.before)}, live {_show(c.after)}"
                for c in redact_changes(result.kind, result.differences)
            )
        elif result.verification_error is None:
            lines.append("verification: the live configuration equals the plan")
    if result.verification_error is not None:
        lines.append(paint("verification: NOT DONE, " + error_line(result.verification_error), "yellow"))
    if result.error is not None:
        lines.append(paint(error_line(result.error), "red"))
    return "\n".join(lines) + "\n"


def _subject(result: Result) -> str:
    """What the result is about: ``identity provider "Google" of user pool eu-west-1_...``."""
    target = result.target
    kind = result.kind
    pool = f"user pool {target['userPoolId']}"
    if kind == "pool":
        return pool
    if kind == "client":
        return f"app client {target['clientId']} of {pool}"
    words = [spec(kind).label]
    if target.get("name") is not None:
        words.append(json.dumps(target["name"]))
    if target.get("clientId"):
        words.append(f"of app client {target['clientId']}")
    return " ".join([*words, "of", pool])


def _render_change(change: Change, paint: Any) -> list[str]:
    if change.before is MISSING:
        return [paint(f"  + {change.path}", "green"), paint(f"      + {_show(change.after)}", "green")]
    if change.after is MISSING:
        return [paint(f"  - {change.path}", "red"), paint(f"      - {_show(change.before)}", "red")]
    return [
        paint(f"  ~ {change.path}", "yellow"),
        paint(f"      - {_show(change.before)}", "red"),
        paint(f"      + {_show(change.after)}", "green"),
    ]


def _show(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    return json.dumps(value, sort_keys=True, default=str)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
