"""Snapshot stores: S3 and a local folder, with one key layout and one document format.

Key layout (design.md, "Snapshots")::

    snapshots/{accountId}/{region}/{userPoolId}/{pool|client-{clientId}}/{yyyymmddTHHMMSSZ}-{requestId}/{before|after}.json

A reference is what results report and what ``restore`` takes back:
``s3://bucket/key`` for S3, ``file:///abs/path`` for the local folder; a bare
key is resolved in the store's own bucket or folder.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import quote, unquote, urlparse

from botocore.exceptions import BotoCoreError, ClientError

from poolpatch.errors import AccessDenied, InvalidRequest, NotFound, SnapshotFailed
from poolpatch.kinds import spec
from poolpatch.model import json_default
from poolpatch.request import ACCOUNT_ID, REGION, USER_POOL_ID, Target

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Phase = Literal["before", "after"]
#: A snapshot found by reference: the reference and the document.
Found = tuple[str, dict[str, Any]]
PREFIX = "snapshots"
#: The shape of a key's time segment (:func:`stamp`): ``yyyymmddTHHMMSSZ``.
STAMP = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"


def subject_prefix(target: Target) -> str:
    """``snapshots/{accountId}/{region}/{userPoolId}/{segment}/``: one target's snapshots.

    The segment is the kind's (``pool``, ``client-{clientId}``, ``idp-{name}``...; design.md,
    "Configuration kinds"); names are percent-encoded, so a name never leaves its prefix.
    """
    subject = spec(target.kind).key_segment(name=target.name, client_id=target.client_id)
    return f"{PREFIX}/{target.account_id}/{target.region}/{target.user_pool_id}/{subject}/"


def stamp(moment: datetime) -> str:
    """The key's time segment, ``yyyymmddTHHMMSSZ`` in UTC (a naive time is taken as UTC)."""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime(_STAMP_FORMAT)


def parse_stamp(text: str) -> datetime | None:
    """The time (in UTC) of a key's time segment made by :func:`stamp`; ``None`` for any other text,
    including a segment of that shape that names no time (month 13...)."""
    if not STAMP.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, _STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def snapshot_key(target: Target, *, started: datetime, request_id: str, phase: Phase) -> str:
    """The key of one snapshot; ``target`` must be resolved (account and Region known)."""
    return f"{subject_prefix(target)}{stamp(started)}-{request_id}/{phase}.json"


def scoped_key(reference: str, *, bucket: str, target: Target) -> str:
    """The S3 key of a restore reference, accepted only inside ``bucket`` and the target's own prefix.

    ``reference`` is ``s3://{bucket}/{key}`` or a bare key. Anything else (another bucket, ``s3://``, a
    key of another pool, client, account or Region, ``..`` segments, not a before/after snapshot) is
    ``InvalidRequest`` at ``/restore/snapshot``. Pure: intake checks requests with it before queueing.
    """
    if reference.startswith("s3://"):
        named, _, key = reference.removeprefix("s3://").partition("/")
        if named != bucket:
            raise InvalidRequest(
                "The snapshot reference is outside the snapshot bucket.",
                path="/restore/snapshot",
                remedy=f"Restore a snapshot of this target from s3://{bucket}/{subject_prefix(target)}.",
            )
    elif "://" in reference:
        raise InvalidRequest(
            "The snapshot reference is not an S3 reference.",
            path="/restore/snapshot",
            remedy="Use s3://bucket/key as results report it, or a key in the snapshot bucket.",
        )
    else:
        key = reference
    prefix = subject_prefix(target)
    segments = key.split("/")
    if (
        not key.startswith(prefix)
        or any(segment in {"", ".", ".."} for segment in segments)
        or segments[-1] not in {"before.json", "after.json"}
        or len(segments) != prefix.count("/") + 2
    ):
        raise InvalidRequest(
            "The snapshot reference is outside this target's snapshots.",
            path="/restore/snapshot",
            remedy=f"Restore a before.json or after.json below s3://{bucket}/{prefix}.",
        )
    return key


#: Where drift keeps each pool's bundles (:mod:`poolpatch.bundle.archive`), the scope of ``restore.bundle``::
#:
#:     bundles/{accountId}/{region}/{userPoolId}/{yyyymmddTHHMMSSZ}.json
BUNDLES = "bundles"


def bundles_prefix(target: Target) -> str:
    """``bundles/{accountId}/{region}/{userPoolId}/``: a pool's stored bundles (``target`` resolved)."""
    return f"{BUNDLES}/{target.account_id}/{target.region}/{target.user_pool_id}/"


def bundle_prefix(account_id: str, region: str, user_pool_id: str) -> str:
    """:func:`bundles_prefix` of the pool these ids name, each id checked first.

    Raises ``ValueError`` for an id of the wrong shape (it would leave the pool's prefix).
    """
    for name, value, pattern in (
        ("account id", account_id, ACCOUNT_ID),
        ("Region", region, REGION),
        ("user pool id", user_pool_id, USER_POOL_ID),
    ):
        if not pattern.fullmatch(value):
            raise ValueError(f"not a valid {name}: {value!r}")
    return bundles_prefix(Target(user_pool_id, account_id=account_id, region=region))


def bundle_key(account_id: str, region: str, user_pool_id: str, at: datetime) -> str:
    """The key of the pool's bundle captured ``at`` (in UTC; a naive time is taken as UTC).

    Raises ``ValueError`` as :func:`bundle_prefix` does.
    """
    return f"{bundle_prefix(account_id, region, user_pool_id)}{stamp(at)}.json"


def scoped_bundle_key(reference: str, *, bucket: str, target: Target) -> str:
    """The S3 key of a ``restore.bundle`` reference, accepted only in ``bucket`` below the target pool's
    own ``bundles/`` prefix.

    ``reference`` is ``s3://{bucket}/{key}`` or a bare key; the key must end in ``.json`` and hold no
    empty, ``.`` or ``..`` segment. Anything else (another bucket or scheme, another pool's, account's or
    Region's bundles, a snapshot) is ``InvalidRequest`` at ``/restore/bundle``. Pure, like
    :func:`scoped_key`: intake checks requests with it before queueing, apply again before reading.
    """
    prefix = bundles_prefix(target)
    if reference.startswith("s3://"):
        named, _, key = reference.removeprefix("s3://").partition("/")
        if named != bucket:
            raise InvalidRequest(
                "The bundle reference is outside the snapshot bucket.",
                path="/restore/bundle",
                remedy=f"Restore a bundle of this pool from s3://{bucket}/{prefix}.",
            )
    elif "://" in reference:
        raise InvalidRequest(
            "The bundle reference is not an S3 reference.",
            path="/restore/bundle",
            remedy=f"Use s3://{bucket}/{prefix}{{stamp}}.json, or that key.",
        )
    else:
        key = reference
    segments = key.split("/")
    if (
        not key.startswith(prefix)
        or any(segment in {"", ".", ".."} for segment in segments)
        or not key.endswith(".json")
    ):
        raise InvalidRequest(
            "The bundle reference is outside this pool's bundles.",
            path="/restore/bundle",
            remedy=f"Restore a .json bundle below s3://{bucket}/{prefix} (drift stores them there).",
        )
    return key


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

    def get(self, reference: str, *, target: Target) -> dict[str, Any]:
        """Read ``target``'s snapshot by reference.

        Raises ``NotFound``, ``InvalidRequest`` or ``SnapshotFailed``; a store that serves many targets
        (S3) refuses references outside the target's scope.
        """
        ...

    def find_before(self, target: Target, request_id: str, since: datetime) -> Found | None:
        """The newest before snapshot of ``request_id`` for ``target`` written at or after ``since``."""
        ...


class DocumentStore(Protocol):
    """Plain JSON documents in the snapshot store, beside the snapshots: history listings, clone progress
    (``clones/{requestId}.json``) and stored bundles (``bundles/...``). Unlike snapshots they may be
    overwritten."""

    def list_keys(self, prefix: str) -> list[str]:
        """Every key below ``prefix`` (``/``-separated, relative to the store), in key order."""
        ...

    def read_document(self, key: str) -> dict[str, Any] | None:
        """The JSON object stored at ``key``; ``None`` when there is none."""
        ...

    def write_document(self, key: str, document: Mapping[str, Any]) -> str:
        """Store ``document`` at ``key`` (replacing what is there) and return its reference."""
        ...

    def reference(self, key: str) -> str:
        """The reference of ``key`` as results report it (``s3://...`` or ``file://...``)."""
        ...


class S3SnapshotStore:
    """Snapshots in an S3 bucket (versioned and encrypted by the stack)."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def put(self, key: str, document: Mapping[str, Any]) -> str:
        """Conditional PutObject (``If-None-Match: *``): snapshots are write-once.

        ``SnapshotFailed`` is retryable: nothing was written to Cognito.
        """
        body = _encoded(document, key)
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", IfNoneMatch="*"
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "PreconditionFailed" and _retried(exc):
                # botocore retried a PutObject whose first response was lost: the object is this one.
                return f"s3://{self.bucket}/{key}"
            raise SnapshotFailed(
                f"Could not write snapshot s3://{self.bucket}/{key}: {_reason(exc)}",
                remedy="Check the bucket exists and the function may s3:PutObject to it.",
            ) from None
        except BotoCoreError as exc:
            raise SnapshotFailed(
                f"Could not write snapshot s3://{self.bucket}/{key}: {_reason(exc)}",
                remedy="Check the bucket exists and the function may s3:PutObject to it.",
            ) from None
        return f"s3://{self.bucket}/{key}"

    def get(self, reference: str, *, target: Target) -> dict[str, Any]:
        """GetObject by ``s3://bucket/key`` or a bare key, only in this bucket below ``target``'s own prefix.

        The scope is checked by :func:`scoped_key`, so no read happens outside it. A missing object is
        ``NotFound``, a forbidden one ``AccessDenied`` (both final); other read failures are
        ``SnapshotFailed`` (retryable).
        """
        key = scoped_key(reference, bucket=self.bucket, target=target)
        where = f"s3://{self.bucket}/{key}"
        return _decode(self._read(key, where), where)

    def _read(self, key: str, where: str) -> bytes:
        try:
            body: bytes = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchKey", "404", "NoSuchBucket", "NotFound"}:
                raise NotFound(f"Snapshot {where} does not exist.", path="/restore/snapshot") from None
            if code in {"AccessDenied", "403", "AllAccessDisabled"}:
                raise AccessDenied(
                    f"Reading snapshot {where} was denied.",
                    path="/restore/snapshot",
                    remedy="Restore a snapshot poolpatch wrote, from its own snapshot bucket.",
                ) from None
            raise SnapshotFailed(f"Could not read snapshot {where}: {_reason(exc)}") from None
        except BotoCoreError as exc:
            raise SnapshotFailed(f"Could not read snapshot {where}: {_reason(exc)}") from None
        return body

    def find_before(self, target: Target, request_id: str, since: datetime) -> Found | None:
        """List the target's snapshots from ``since`` on (keys start with their time) and read the newest
        before snapshot of ``request_id``: what a crashed attempt of the request left (crash recovery)."""
        prefix = subject_prefix(target)
        start = f"{prefix}{stamp(since - timedelta(seconds=1))}"
        found: str | None = None
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, StartAfter=start):
                for item in page.get("Contents", []):
                    if _is_before_of(item["Key"], prefix, request_id):
                        found = item["Key"]
        except (ClientError, BotoCoreError) as exc:
            raise SnapshotFailed(
                f"Could not list snapshots below s3://{self.bucket}/{prefix}: {_reason(exc)}",
                remedy="Check the function may s3:ListBucket on the snapshots/ prefix.",
            ) from None
        if found is None:
            return None
        where = f"s3://{self.bucket}/{found}"
        return where, _decode(self._read(found, where), where)

    # --- plain documents (DocumentStore) -----------------------------------------------------------

    def reference(self, key: str) -> str:
        """``s3://bucket/key``."""
        return f"s3://{self.bucket}/{key}"

    def list_keys(self, prefix: str) -> list[str]:
        """Every key below ``prefix`` (ListObjectsV2, every page), in key order."""
        keys: list[str] = []
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(item["Key"] for item in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise SnapshotFailed(
                f"Could not list s3://{self.bucket}/{prefix}: {_reason(exc)}",
                remedy="Check the bucket exists and the caller may s3:ListBucket on it.",
            ) from None
        return sorted(keys)

    def read_document(self, key: str) -> dict[str, Any] | None:
        """GetObject and parse; ``None`` for a missing key; a body that is not a JSON object is
        ``InvalidRequest``."""
        where = self.reference(key)
        try:
            body = self._read(key, where)
        except NotFound:
            return None
        return _object(body, where)

    def write_document(self, key: str, document: Mapping[str, Any]) -> str:
        """PutObject (overwriting): ``SnapshotFailed`` when it is not stored."""
        body = _encoded(document, key)
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")
        except (ClientError, BotoCoreError) as exc:
            raise SnapshotFailed(
                f"Could not write s3://{self.bucket}/{key}: {_reason(exc)}",
                remedy="Check the bucket exists and the caller may s3:PutObject to it.",
            ) from None
        return self.reference(key)


class LocalSnapshotStore:
    """Snapshots under a local folder, same key layout; writes are atomic (temp file + rename)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self._root = str(self.root)

    def put(self, key: str, document: Mapping[str, Any]) -> str:
        """Write ``root/key`` atomically, durably and once (temp file, fsync, hard link, unlink).

        The hard link fails when the file exists, so a snapshot is never overwritten; the temporary file is
        removed whatever happens. Any failure is ``SnapshotFailed``.
        """
        path = self._path(key)
        try:
            _write_durably(path, _encoded(document, path), os.link)
        except OSError as exc:
            raise SnapshotFailed(
                f"Could not write snapshot {path}: {exc.strerror or exc}",
                remedy="Check --snapshot-dir is writable (and its path short enough).",
                # A name too long for this file system stays too long: retrying cannot help.
                retryable=exc.errno != errno.ENAMETOOLONG,
            ) from None
        return "file://" + quote(path)

    def get(self, reference: str, *, target: Target | None = None) -> dict[str, Any]:
        """Read by ``file://`` URI, absolute path, or a key below the root.

        The local folder is the operator's own: any readable file is accepted, and the engine checks the
        snapshot's recorded target against the request's.
        """
        del target
        if reference.startswith("file://"):
            path = Path(unquote(urlparse(reference).path))
        elif "://" in reference:
            raise InvalidRequest(
                "The snapshot reference is not a local reference.",
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

    def find_before(self, target: Target, request_id: str, since: datetime) -> Found | None:
        """The newest before snapshot of ``request_id`` below the target's folder, from ``since`` on."""
        prefix = subject_prefix(target)
        folder = Path(self._path(prefix))
        start = stamp(since - timedelta(seconds=1))
        try:
            names = sorted(name for name in os.listdir(folder) if name >= start)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SnapshotFailed(f"Could not list snapshots in {folder}: {exc.strerror or exc}") from None
        for name in reversed(names):
            if (
                _is_before_of(f"{prefix}{name}/before.json", prefix, request_id)
                and (folder / name / "before.json").is_file()
            ):
                path = folder / name / "before.json"
                return "file://" + quote(str(path)), _decode(path.read_bytes(), str(path))
        return None

    # --- plain documents (DocumentStore) -----------------------------------------------------------

    def reference(self, key: str) -> str:
        """``file://`` and the absolute path of ``key``."""
        return "file://" + quote(self._path(key))

    def list_keys(self, prefix: str) -> list[str]:
        """Every file below ``prefix`` as a ``/``-separated key (temporary files excluded), in key order."""
        base = Path(self._path(prefix or "."))
        folder = base if prefix.endswith("/") or base.is_dir() else base.parent
        keys: list[str] = []
        for path in folder.rglob("*") if folder.is_dir() else ():
            if path.is_file() and not path.name.startswith(".tmp-"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def read_document(self, key: str) -> dict[str, Any] | None:
        """The JSON object at ``key``; ``None`` when the file does not exist."""
        path = self._path(key)
        try:
            body = Path(path).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SnapshotFailed(f"Could not read {path}: {exc.strerror or exc}") from None
        return _object(body, path)

    def write_document(self, key: str, document: Mapping[str, Any]) -> str:
        """Write ``key`` atomically (temp file, fsync, rename), replacing what is there."""
        path = self._path(key)
        try:
            _write_durably(path, _encoded(document, path), os.replace)
        except OSError as exc:
            raise SnapshotFailed(
                f"Could not write {path}: {exc.strerror or exc}", remedy="Check the folder is writable."
            ) from None
        return "file://" + quote(path)

    def _path(self, key: str) -> str:
        path = os.path.normpath(os.path.join(self._root, key))
        if os.path.commonpath([path, self._root]) != self._root:
            raise InvalidRequest(
                f"Snapshot key {key!r} leaves the snapshot folder.", path="/restore/snapshot"
            )
        return path


def _is_before_of(key: str, prefix: str, request_id: str) -> bool:
    """``{prefix}{yyyymmddTHHMMSSZ}-{request_id}/before.json`` exactly (ids may contain ``-``)."""
    folder, _, name = key.removeprefix(prefix).partition("/")
    return name == "before.json" and len(folder) > 17 and folder[16] == "-" and folder[17:] == request_id


def _encoded(document: Mapping[str, Any], where: str) -> bytes:
    try:
        return encode(document)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise SnapshotFailed(
            f"Snapshot {where} cannot be encoded as JSON: {type(exc).__name__}.",
            remedy="Report it: a request with unencodable text should have been rejected earlier.",
            retryable=False,
        ) from None


def _retried(exc: ClientError) -> bool:
    """The failing response was not the first attempt's (botocore's standard retries)."""
    attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
    return isinstance(attempts, int) and attempts > 0


def _reason(exc: Exception) -> str:
    """An AWS error's code and message; never more (no request or object content)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Unknown')}: {error.get('Message', '')}".strip()
    return type(exc).__name__


def _decode(body: bytes, where: str) -> dict[str, Any]:
    """A snapshot document, checked for the members restore and recovery read (never echoing values)."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidRequest(f"Snapshot {where} is not JSON.", path="/restore/snapshot") from None
    target = document.get("target") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("updateDocument"), dict)
        or not isinstance(target, dict)
        or not all(isinstance(value, str) for value in target.values())
        or not isinstance(target.get("userPoolId"), str)
    ):
        raise InvalidRequest(
            f"{where} is not a poolpatch snapshot (it needs an object updateDocument and a target).",
            path="/restore/snapshot",
            remedy="Restore from a before.json or after.json that poolpatch wrote.",
        )
    return document


def _object(body: bytes, where: str) -> dict[str, Any]:
    """A stored JSON object (clone progress, bundle); anything else is ``InvalidRequest``."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        raise InvalidRequest(f"{where} is not a JSON object.", path="", remedy="Check the file.")
    return document


def _write_durably(path: str, body: bytes, commit: Callable[[str, str], None]) -> None:
    """Write ``body`` to a temporary file beside ``path``, fsync it, then ``commit(tmp, path)``.

    ``os.link`` commits once (it fails when ``path`` exists), ``os.replace`` replaces; the temporary file
    is removed whatever happens.
    """
    folder = os.path.dirname(path)
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{threading.get_ident()}-{os.path.basename(path)}")
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        commit(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
