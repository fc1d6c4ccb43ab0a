"""``poolpatch history``: a target's changes from its snapshots, newest first.

    poolpatch history --user-pool-id ID [--client-id ID | --kind KIND --name NAME]
                      [--snapshot-bucket B | --snapshot-dir D] [--output text|json]

Each entry is one change request that wrote the target: its time, request id, reason, requested by, the
JSON Pointer paths it changed (never values), and the before snapshot's reference, which
``apply --restore`` takes to roll the change back (design.md, "Whole-pool bundle, diff and clone").
``--output json`` prints ``{"entries": [{"time", "requestId", "reason", "requestedBy", "changes",
"before", "after"}]}``; ``before`` / ``after`` are ``null`` where that snapshot is missing (see
:mod:`poolpatch.history`).

The snapshots are read where ``apply`` writes them: ``--snapshot-bucket`` (or
``POOLPATCH_SNAPSHOT_BUCKET``), else ``--snapshot-dir`` (default ``./poolpatch-snapshots``). Their key
prefix holds the account and Region, taken from the session as ``apply`` takes them (STS
``GetCallerIdentity``; ``--region``/``--profile``), so this command needs credentials even for a local
folder: a folder may hold several accounts' snapshots, and the ``apply --restore`` that follows needs the
same session anyway. It makes no Cognito call, so the history of a deleted target still shows.

Exit codes: 0 (also for an empty history, and when files were skipped with a warning), 1 the store could
not be listed, or bad options.
"""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from poolpatch.cli_common import print_json, snapshot_store, target_document
from poolpatch.kinds import spec

if TYPE_CHECKING:
    from poolpatch.history import History
    from poolpatch.request import Target

EXIT_OK = 0


def add_parser(
    commands: Any,
    parents: list[argparse.ArgumentParser],
    target_options: Callable[..., None],
    snapshot_options: Callable[..., None],
) -> None:
    """Register the ``history`` subcommand (``target_options`` and ``snapshot_options`` are cli.py's)."""
    parser = commands.add_parser(
        "history",
        parents=parents,
        help="a target's changes from its snapshots, newest first, with the references restore takes",
    )
    target_options(parser, required=True)
    snapshot_options(parser)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Read the target's history and print it (text: one block per entry; json: ``{"entries"}``)."""
    from poolpatch.adapters.session import AwsContext
    from poolpatch.history import history
    from poolpatch.request import parse_target

    target = parse_target(target_document(args))
    context = AwsContext.from_cli(args)
    target = target.resolved(account_id=context.account_id(), region=context.region)
    store = snapshot_store(args, context)
    found = history(store, target)
    for warning in found.warnings:
        err.write(f"warning: {_printable(warning)}\n")
    if args.output == "json":
        print_json(found.to_dict(), out)
    else:
        from poolpatch.adapters.snapshots import subject_prefix

        out.write(render(found, target, where=store.reference(subject_prefix(target))))
    return EXIT_OK


def render(found: History, target: Target, *, where: str) -> str:
    """The history as text: a heading, then one block per entry, newest first."""
    subject = f"{_subject(target)} ({target.account_id}, {target.region})"
    if not found.entries:
        return f"{subject}: no changes recorded (no snapshots below {_printable(where)})\n"
    lines = [f"{subject}: {len(found.entries)} change(s), newest first"]
    for entry in found.entries:
        lines.append("")
        lines.append(f"{_printable(entry.time)}  request {_printable(entry.request_id)}")
        lines.append(f"  reason:       {_printable(entry.reason) or '(none)'}")
        lines.append(f"  requested by: {_printable(entry.requested_by) or '(none)'}")
        if entry.changes:
            lines.append(f"  changes:      {len(entry.changes)}")
            lines.extend(f"    {_printable(path)}" for path in entry.changes)
        else:
            lines.append("  changes:      (none recorded)")
        before = entry.before or "(none: no before snapshot, nothing to restore from this entry)"
        after = (
            entry.after
            or "(none: the write's outcome was not recorded: it failed, was interrupted or re-planned)"
        )
        lines.append(f"  before:       {_printable(before)}")
        lines.append(f"  after:        {_printable(after)}")
    lines.append("")
    lines.append(f"roll a change back: {_printable(restore_command(target))} --restore BEFORE")
    return "\n".join(lines) + "\n"


def restore_command(target: Target) -> str:
    """``poolpatch apply`` with the target's options, ready for ``--restore``."""
    words = ["poolpatch", "apply", "--user-pool-id", target.user_pool_id]
    if target.client_id:
        words += ["--client-id", target.client_id]
    if not target.default_kind:
        words += ["--kind", target.kind]
    if target.name is not None:
        words += ["--name", target.name]
    return shlex.join(words)


def _subject(target: Target) -> str:
    """``user pool ID``, ``app client ID of user pool ID``, ``group "admins" of user pool ID``..."""
    pool = f"user pool {target.user_pool_id}"
    if target.kind == "pool":
        return pool
    if target.kind == "client":
        return f"app client {target.client_id} of {pool}"
    words = [spec(target.kind).label]
    if target.name is not None:
        words.append(json.dumps(target.name))
    if target.client_id:
        words.append(f"of app client {target.client_id}")
    return " ".join([*words, "of", pool])


def _printable(text: str) -> str:
    """``text`` with control characters escaped: reasons and keys come from a store others write to."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode() for char in text)
