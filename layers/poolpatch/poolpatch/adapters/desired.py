"""Reading desired-state documents from S3: the drift function's prefix and ``poolpatch drift --desired s3://``.

Only keys ending in ``.json`` (any case) are read: anything else under the prefix is not a document. A
document over :data:`~poolpatch.drift.documents.MAX_DOCUMENT_BYTES` is never downloaded: its listed size
is enough to report it as too large. botocore's errors reach the caller, which names its own remedy.
"""

from __future__ import annotations

from typing import Any

from poolpatch.drift.documents import MAX_DOCUMENT_BYTES

#: Stands for a listed object over the size limit (``load_documents`` reports it as too large).
OVERSIZED = b" " * (MAX_DOCUMENT_BYTES + 1)


def read_documents(s3: Any, bucket: str, prefix: str) -> list[tuple[str, bytes]]:
    """``(key, body)`` of every ``*.json`` object below ``prefix``, all pages."""
    listed = [
        item
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
        if item["Key"].lower().endswith(".json")
    ]
    return [
        (
            item["Key"],
            s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            if item.get("Size", 0) <= MAX_DOCUMENT_BYTES
            else OVERSIZED,
        )
        for item in listed
    ]
