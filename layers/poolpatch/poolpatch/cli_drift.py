"""``poolpatch drift``: one sweep of desired-state documents against the caller's own account and Region.

    poolpatch drift --desired PATH|file://PATH|s3://BUCKET/PREFIX [--correct] [--report-dir DIR]
                    [--reads-per-second N] [--output text|json]

The same documents, resolution, checks and report as the stack's sweeps (design.md, "Drift"), so a
team can try documents locally before committing them. Only the own account and Region are checked
(documents selecting others are valid, and simply cover nothing here). Without ``--correct`` nothing is
written; with it, each correction runs through the engine with its snapshots, like ``apply``
(``--snapshot-dir`` / ``--snapshot-bucket``), and its target's status is ``corrected``. The stack's
correction limit and anti-flap history do not apply: a person runs this and reads the plan.

Exit codes: 0 all in sync, 2 drift found (corrected or not), 1 an invalid document, a target that could
not be checked, or a correction that failed.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from poolpatch.adapters.desired import read_documents
from poolpatch.cli_common import snapshot_store
from poolpatch.drift.documents import MAX_DOCUMENT_BYTES
from poolpatch.errors import InvalidRequest, ServiceError

EXIT_OK, EXIT_FAILED, EXIT_DRIFT = 0, 1, 2
DEFAULT_READS_PER_SECOND = 3.0


def add_parser(
    commands: Any, parents: list[argparse.ArgumentParser], snapshot_options: Callable[..., None]
) -> None:
    """Register the ``drift`` subcommand."""
    drift = commands.add_parser(
        "drift",
        parents=parents,
        help="compare desired-state documents with the live pools; report or correct",
    )
    drift.add_argument(
        "--desired", required=True, help="a document, a folder of *.json documents, or s3://BUCKET/PREFIX"
    )
    drift.add_argument("--correct", action="store_true", help="correct the drift documents in mode correct")
    drift.add_argument(
        "--report-dir", help="write report.json, targets.jsonl and summary.md to DIR/{sweepId}/"
    )
    drift.add_argument(
        "--reads-per-second",
        type=float,
        default=DEFAULT_READS_PER_SECOND,
        help=f"Cognito reads per second per quota category (default {DEFAULT_READS_PER_SECOND:g})",
    )
    snapshot_options(drift)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run one sweep; print the summary (text) or ``{sweepId, totals, documents, targets}`` (json)."""
    from poolpatch.adapters.cognito import Boto3Cognito
    from poolpatch.adapters.fleet import Boto3FleetReader, Pacer
    from poolpatch.adapters.session import AwsContext
    from poolpatch.drift.check import Unit, walk_unit
    from poolpatch.drift.documents import load_documents
    from poolpatch.drift.report import Report, sorted_lines
    from poolpatch.drift.sweep import decide, has_drift, new_sweep_id

    if not args.reads_per_second > 0:
        raise InvalidRequest("--reads-per-second must be positive.", path="", remedy="For example 3.")
    context = AwsContext.from_cli(args)
    account, region = context.account_id(), context.region
    started = datetime.now(UTC)
    sweep_id = new_sweep_id(started)
    items, prefix = _read_desired(args.desired, context)
    documents = load_documents(items, prefix=prefix, own_account=account, allowed=None)
    if not documents.valid and not documents.invalid:
        raise InvalidRequest(
            f"No desired-state documents (*.json) in {args.desired}.",
            path="",
            remedy="Point --desired at a document, a folder of *.json documents, or s3://BUCKET/PREFIX/.",
        )
    own = frozenset({account})
    covering = documents.covering(account, region, own_account=account, own_region=region, allowed=own)
    client = context.client("cognito-idp")
    pacer = Pacer(args.reads_per_second)
    pacer.install(client)
    reader = Boto3FleetReader(Boto3Cognito(client))
    lines = walk_unit(Unit(account, region, covering), reader).lines if covering else []
    decision = decide(
        lines,
        sweep_id=sweep_id,
        now=started,
        correction_enabled=args.correct,
        disabled_guard=None,
        limit_percent=None,
    )
    failed = (
        _correct(args, context, decision.lines, decision.corrections, err) if decision.corrections else False
    )
    report = Report(
        sweep_id=sweep_id,
        trigger="cli",
        started=started,
        finished=datetime.now(UTC),
        lines=decision.lines,
        documents=documents.summaries(),
        correction="enabled" if args.correct else "not requested (add --correct)",
        throttled=pacer.throttled,
    )
    if args.report_dir:
        folder = Path(args.report_dir).expanduser() / sweep_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.json").write_text(json.dumps(report.document(), indent=2, default=str) + "\n")
        (folder / "targets.jsonl").write_text(report.targets_jsonl())
        (folder / "summary.md").write_text(report.summary_md())
        err.write(f"report: {folder}\n")
    if args.output == "json":
        document = report.document()
        body = {
            "sweepId": sweep_id,
            "totals": document["totals"],
            "documents": document["documents"],
            "targets": sorted_lines(decision.lines),
        }
        out.write(json.dumps(body, indent=2, default=str) + "\n")
    else:
        out.write(report.summary_md())
    if failed or documents.invalid or any(line["status"] == "error" for line in decision.lines):
        return EXIT_FAILED
    return EXIT_DRIFT if any(has_drift(line) for line in decision.lines) else EXIT_OK


def _correct(
    args: argparse.Namespace,
    context: Any,
    lines: list[dict[str, Any]],
    corrections: list[dict[str, Any]],
    err: TextIO,
) -> bool:
    """Run each correction through the engine (with snapshots); True when one failed."""
    from poolpatch import ownership
    from poolpatch.adapters.cognito import Boto3Cognito
    from poolpatch.engine import Engine, fixed
    from poolpatch.request import parse_request

    engine = Engine(
        fixed(Boto3Cognito(context.client("cognito-idp"))),
        snapshot_store(args, context),
        account_id=context.account_id(),
        region=context.region,
    )
    by_id = {line["correction"]["requestId"]: line for line in lines if line.get("correction")}
    failed = False
    for correction in corrections:
        document = {**correction, "requestedBy": os.environ.get("USER") or correction["requestedBy"]}
        result = engine.run(parse_request(document))
        line = by_id[document["requestId"]]
        line["correction"].update(status=result.status, snapshots=dict(result.snapshots))
        if result.error is not None:
            line["correction"]["error"] = result.error.to_dict()
            if line["status"] == "correction-queued":
                line["status"] = "drifted"  # nothing is queued here: the correction failed
            err.write(
                f"error: correction {document['requestId']} {result.status}: {result.error.describe()}\n"
            )
            failed = True
        else:
            line["status"] = "corrected"
        if line.get("owner"):
            err.write(ownership.warning(line["owner"], f"user pool {line['target']['userPoolId']}") + "\n")
    return failed


def _names_from(prefix: str) -> str:
    """What default names drop: the prefix itself, or for one document its folder (its name is its file)."""
    if prefix.lower().endswith(".json"):
        folder, slash, _ = prefix.rpartition("/")
        return folder + slash
    return prefix


def _read_file(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(MAX_DOCUMENT_BYTES + 1)


def _read_desired(value: str, context: Any) -> tuple[list[tuple[str, bytes]], str]:
    """The documents of ``--desired`` as ``(key, body)``, and the prefix that default names drop."""
    if value.startswith("s3://"):
        bucket, _, prefix = value.removeprefix("s3://").partition("/")
        if prefix and not prefix.endswith("/") and not prefix.lower().endswith(".json"):
            prefix += "/"  # a folder: s3://b/desired means desired/, not desired-archive/ too
        s3 = context.client("s3")
        try:
            return read_documents(s3, bucket, prefix), _names_from(prefix)
        except (ClientError, BotoCoreError) as exc:
            raise ServiceError(
                f"Cannot read the documents in {value}: {exc}", remedy="Check the bucket."
            ) from None
    path = Path(value.removeprefix("file://")).expanduser()
    try:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.name.lower().endswith(".json") and p.is_file())
            return [(p.relative_to(path).as_posix(), _read_file(p)) for p in files], ""
        if not path.name.lower().endswith(".json"):
            raise InvalidRequest(
                f"--desired {path} is not a desired-state document (*.json).",
                path="",
                remedy="Name a .json document, or a folder of them.",
            )
        return [(path.name, _read_file(path))], ""
    except OSError as exc:
        raise InvalidRequest(
            f"Cannot read --desired {path}: {exc.strerror or exc}.", path="", remedy="Check the path."
        ) from None
