"""What the command modules share: option values, the snapshot store, JSON output and error lines.

:mod:`poolpatch.cli` imports the command modules (``cli_drift``, ``cli_history``, ``cli_bundle``), so they
take these from here rather than from it. Nothing here imports another ``cli`` module.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from poolpatch.errors import InvalidRequest, PoolpatchError
from poolpatch.request import load_json

if TYPE_CHECKING:
    from poolpatch.adapters.snapshots import LocalSnapshotStore, S3SnapshotStore


def read_argument(value: str, option: str) -> Any:
    """JSON text or ``file://PATH``, as the AWS CLI takes parameter values."""
    text: str | bytes = value
    if value.startswith("file://"):
        path = Path(value.removeprefix("file://")).expanduser()
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise InvalidRequest(
                f"Cannot read {option} file {path}: {exc.strerror or exc}.", path="", remedy="Check the path."
            ) from None
    return load_json(text, what=option)


def target_document(args: argparse.Namespace) -> dict[str, str]:
    """The ``target`` object of the options given (validated by :func:`poolpatch.request.parse_target`)."""
    target = {"userPoolId": args.user_pool_id}
    for option, member in (("client_id", "clientId"), ("kind", "kind"), ("name", "name")):
        if getattr(args, option, None) is not None:
            target[member] = getattr(args, option)
    return target


def snapshot_store(args: argparse.Namespace, context: Any) -> S3SnapshotStore | LocalSnapshotStore:
    """The store of ``--snapshot-bucket`` (with the session's S3 client), else of ``--snapshot-dir``."""
    from poolpatch.adapters.snapshots import LocalSnapshotStore, S3SnapshotStore

    if args.snapshot_bucket:
        return S3SnapshotStore(context.client("s3"), args.snapshot_bucket)
    return LocalSnapshotStore(args.snapshot_dir)


def print_json(document: Any, out: TextIO) -> None:
    """``document`` as indented JSON and a newline (dates and other values as the model encodes them)."""
    from poolpatch.model import json_default

    out.write(json.dumps(document, indent=2, default=json_default) + "\n")


def error_line(error: PoolpatchError) -> str:
    """``error: {code}: {message and remedy}``, then `` (at {path})`` when the error has a path."""
    line = f"error: {error.code}: {error.describe()}"
    return f"{line} (at {error.path})" if error.path else line
