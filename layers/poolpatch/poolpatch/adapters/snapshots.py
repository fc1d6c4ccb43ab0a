"""Snapshot stores: S3 and a local folder, with one key layout and one document format.

Key layout (design.md, "Snapshots")::

    snapshots/{accountId}/{region}/{userPoolId}/{pool|client-{clientId}}/{yyyymmddTHHMMSSZ}-{requestId}/{before|after}.json

A reference is what results report and what ``restore`` takes back:
``s3://bucket/key`` for S3, ``file:///abs/path`` for the local folder; a bare
key is resolved in the store's own bucket or folder.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import quote, unquote, urlparse

from botocore.exceptions import BotoCoreError, ClientError

from poolpatch.errors import InvalidRequest, NotFound, SnapshotFailed
from poolpatch.model import json_default
from poolpatch.request import Target

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Phase = Literal["before", "after"]
PREFIX = "snapshots"


def snapshot_key(target: Target, *, started: datetime, request_id: str, phase: Phase) -> str:
    """The key of one snapshot; ``target`` must be resolved (account and Region known)."""
    subject = f"client-{target.client_id}" if target.client_id else "pool"
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    return (
        f"{PREFIX}/{target.account_id}/{target.region}/{target.user_pool_id}/{subject}/"
        f"{stamp}-{request_id}/{phase}.json"
    )


def encode(document: Mapping[str, Any]) -> bytes:
    """Snapshots are stable JSON (sorted keys), one line: ``jq .`` pretty-prints them.

    Indented output would take CPython's pure-Python encoder, several times slower than the C one, on
    the path between the describe and the update.
    """
    return (json.dumps(document, sort_keys=True, ensure_ascii=False, default=json_default) + "\n").encode()


class SnapshotStore(Protocol):
    """Where before/after snapshots go, and where ``restore`` reads them back."""

    def put(self, key: str, document: Mapping[str, Any]) -> str:
        """Write one snapshot and return its reference; raise ``SnapshotFailed`` if it is not stored."""
        ...

    def get(self, reference: str) -> dict[str, Any]:
        """Read a snapshot by reference; raise ``NotFound`` or ``SnapshotFailed``."""
        ...


class S3SnapshotStore:
    """Snapshots in an S3 bucket (versioned and encrypted by the stack)."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def put(self, key: str, document: Mapping[str, Any]) -> str:
        """PutObject; any failure is ``SnapshotFailed`` (retryable: nothing was written to Cognito)."""
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=key, Body=encode(document), ContentType="application/json"
            )
        except (ClientError, BotoCoreError) as exc:
            raise SnapshotFailed(
                f"Could not write snapshot s3://{self.bucket}/{key}: {exc}",
                remedy="Check the bucket exists and the function may s3:PutObject to it.",
            ) from None
        return f"s3://{self.bucket}/{key}"

    def get(self, reference: str) -> dict[str, Any]:
        """GetObject by ``s3://bucket/key`` or a bare key in this store's bucket."""
        bucket, key = self.bucket, reference
        if reference.startswith("s3://"):
            parsed = urlparse(reference)
            bucket, key = parsed.netloc, parsed.path.lstrip("/")
        elif "://" in reference:
            raise InvalidRequest(
                f"Snapshot reference {reference!r} is not an S3 reference.",
                path="/restore/snapshot",
                remedy="Use s3://bucket/key or a key in the snapshot bucket.",
            )
        try:
            body = self._client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchKey", "404", "NoSuchBucket"}:
                raise NotFound(
                    f"Snapshot s3://{bucket}/{key} does not exist.", path="/restore/snapshot"
                ) from None
            raise SnapshotFailed(f"Could not read snapshot s3://{bucket}/{key}: {exc}") from None
        except BotoCoreError as exc:
            raise SnapshotFailed(f"Could not read snapshot s3://{bucket}/{key}: {exc}") from None
        return _decode(body, f"s3://{bucket}/{key}")


class LocalSnapshotStore:
    """Snapshots under a local folder, same key layout; writes are atomic (temp file + rename)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self._root = str(self.root)

    def put(self, key: str, document: Mapping[str, Any]) -> str:
        """Write ``root/key`` atomically and durably (temp file, fsync, rename).

        Any failure is ``SnapshotFailed``.
        """
        path = self._path(key)
        folder = os.path.dirname(path)
        tmp = os.path.join(folder, f".tmp-{os.getpid()}-{threading.get_ident()}-{os.path.basename(path)}")
        try:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, encode(document))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError as exc:
            raise SnapshotFailed(
                f"Could not write snapshot {path}: {exc.strerror or exc}",
                remedy="Check --snapshot-dir is writable.",
            ) from None
        return "file://" + quote(path)

    def get(self, reference: str) -> dict[str, Any]:
        """Read by ``file://`` URI, absolute path, or a key below the root."""
        if reference.startswith("file://"):
            path = Path(unquote(urlparse(reference).path))
        elif "://" in reference:
            raise InvalidRequest(
                f"Snapshot reference {reference!r} is not a local reference.",
                path="/restore/snapshot",
                remedy="Use file://PATH, or pass --snapshot-bucket to read from S3.",
            )
        else:
            path = Path(reference) if os.path.isabs(reference) else Path(self._path(reference))
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"Snapshot {path} does not exist.", path="/restore/snapshot") from None
        except OSError as exc:
            raise SnapshotFailed(f"Could not read snapshot {path}: {exc.strerror or exc}") from None
        return _decode(body, str(path))

    def _path(self, key: str) -> str:
        path = os.path.normpath(os.path.join(self._root, key))
        if os.path.commonpath([path, self._root]) != self._root:
            raise InvalidRequest(
                f"Snapshot key {key!r} leaves the snapshot folder.", path="/restore/snapshot"
            )
        return path


def _decode(body: bytes, where: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise InvalidRequest(f"Snapshot {where} is not JSON.", path="/restore/snapshot") from None
    if not isinstance(document, dict) or not isinstance(document.get("updateDocument"), dict):
        raise InvalidRequest(
            f"{where} is not a poolpatch snapshot (no updateDocument).",
            path="/restore/snapshot",
            remedy="Restore from a before.json or after.json that poolpatch wrote.",
        )
    return document
