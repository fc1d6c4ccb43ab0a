"""Result publishing to EventBridge and request enqueueing to the FIFO change queue.

:class:`EventBridgePublisher` sends each result as one event (``source:
poolpatch``, the detail-type of its status), at most 10 entries per call, with
the X-Ray trace header when there is one, and raises when any entry failed so
the caller retries instead of losing a result (style.md, "Strict publishing").
A result whose detail would pass EventBridge's 256 KB entry limit is sent with
its change list cut short and ``changesTruncated: true``; the snapshots in S3
hold everything.

:class:`ChangeQueue` is the one writer path's entrance: every request for a
pool and its clients shares the message group ``{account}/{region}/{pool}``, and
``MessageDeduplicationId`` is derived from the request id *and* the request's
content (:func:`deduplication_id`): an identical resend within SQS's 5-minute
window is dropped, while a different request that reuses the id is enqueued and
rejected by apply as ``RequestIdReused`` instead of vanishing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from poolpatch.errors import ServiceError
from poolpatch.request import ChangeRequest, Target
from poolpatch.result import DETAIL_TYPES

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_sqs import SQSClient

SOURCE = "poolpatch"
#: PutEvents takes at most 10 entries per call.
BATCH = 10
#: Stay below EventBridge's 256 KB entry limit with room for the envelope.
MAX_DETAIL_BYTES = 240 * 1024
#: PutEvents takes entries of at most 256 KB in all per call.
MAX_CALL_BYTES = 250 * 1024


class PublishFailed(ServiceError):
    """EventBridge did not accept every result; retryable (the caller fails the record)."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message, remedy="Check the event bus and events:PutEvents permission.", retryable=True
        )


class Publisher(Protocol):
    """Where results go."""

    def publish(self, results: Sequence[Mapping[str, Any]]) -> None:
        """Publish every result document or raise."""
        ...


class EventBridgePublisher:
    """Results as EventBridge events on one bus."""

    def __init__(self, client: EventBridgeClient, bus_name: str, *, trace_header: str | None = None) -> None:
        self._client = client
        self.bus_name = bus_name
        self.trace_header = trace_header

    def entries(
        self, results: Iterable[Mapping[str, Any]], *, detail_type: str | None = None
    ) -> list[dict[str, Any]]:
        """The PutEvents entries for result documents (detail-type from each status unless given)."""
        out = []
        for result in results:
            entry: dict[str, Any] = {
                "Source": SOURCE,
                "DetailType": detail_type or DETAIL_TYPES[str(result["status"])],
                "Detail": detail_json(result),
                "EventBusName": self.bus_name,
                "Resources": [],
            }
            if self.trace_header:
                entry["TraceHeader"] = self.trace_header
            out.append(entry)
        return out

    def publish(self, results: Sequence[Mapping[str, Any]], *, detail_type: str | None = None) -> None:
        """PutEvents in batches of 10; raise :class:`PublishFailed` if any entry failed."""
        entries = self.entries(results, detail_type=detail_type)
        for batch in _batches(entries):
            try:
                response = self._client.put_events(Entries=batch)  # type: ignore[arg-type]
            except (ClientError, BotoCoreError) as exc:
                raise PublishFailed(f"PutEvents failed: {exc}") from None
            failed = int(response.get("FailedEntryCount", 0))
            if failed:
                reasons = sorted(
                    {e.get("ErrorCode", "?") for e in response.get("Entries", []) if e.get("ErrorCode")}
                )
                raise PublishFailed(f"{failed} of {len(batch)} result event(s) were not accepted: {reasons}")


def _batches(entries: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """PutEvents batches: at most :data:`BATCH` entries and :data:`MAX_CALL_BYTES` of them in all."""
    batches: list[list[dict[str, Any]]] = []
    size = 0
    for entry in entries:
        weight = sum(len(str(entry.get(k, "")).encode()) for k in ("Detail", "DetailType", "Source"))
        if not batches or len(batches[-1]) == BATCH or size + weight > MAX_CALL_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(entry)
        size += weight
    return batches


def detail_json(result: Mapping[str, Any]) -> str:
    """The result document as event detail, cut to fit the entry limit."""
    document = dict(result)
    text = json.dumps(document, default=str)
    if len(text.encode()) <= MAX_DETAIL_BYTES:
        return text
    # A result's changes, or a drift event's entries, conflicts and document names: halved in turn until
    # the event fits (the full lists are in the result's snapshots, or the drift report).
    for member in ("changes", "drift", "conflicts", "documents"):
        if not isinstance(document.get(member), list):
            continue
        items = document[member] = list(document[member])
        while items and len(text.encode()) > MAX_DETAIL_BYTES:
            del items[len(items) // 2 :]
            document[f"{member}Truncated"] = True
            text = json.dumps(document, default=str)
    return text


def deduplication_id(request: ChangeRequest, target: Target) -> str:
    """SHA-256 of the request id, its mode and its content (64 hex characters, within SQS's 128).

    The mode counts here (not in the idempotency content): a plan and then an apply with one id are two
    messages, and the apply must not be dropped as the plan's duplicate.
    """
    text = f"{request.request_id}\n{request.mode}\n{request.content_hash(target)}"
    return hashlib.sha256(text.encode()).hexdigest()


class ChangeQueue:
    """The FIFO queue every write goes through."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self.queue_url = queue_url

    def send(self, request: ChangeRequest, target: Target) -> str:
        """Enqueue a request for a resolved target; returns the SQS message id."""
        body = request.to_dict()
        body["target"] = target.to_dict()
        try:
            response = self._client.send_message(
                QueueUrl=self.queue_url,
                MessageBody=json.dumps(body, default=str),
                MessageGroupId=target.group_id,
                MessageDeduplicationId=deduplication_id(request, target),
            )
        except (ClientError, BotoCoreError) as exc:
            raise ServiceError(
                f"SendMessage to the change queue failed: {exc}",
                remedy="Check CHANGE_QUEUE_URL and sqs:SendMessage permission.",
                retryable=True,
            ) from None
        return str(response["MessageId"])
