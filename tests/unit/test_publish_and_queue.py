"""The EventBridge publisher and the FIFO change queue adapter (Stubber, exact parameters)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from poolpatch.adapters.events import (
    BATCH,
    MAX_DETAIL_BYTES,
    ChangeQueue,
    EventBridgePublisher,
    PublishFailed,
    deduplication_id,
)
from poolpatch.errors import ServiceError
from poolpatch.request import parse_request
from poolpatch.result import Result


def _result(request_id: str, status: Any = "applied") -> dict[str, Any]:
    return Result(status, request_id, {"userPoolId": "eu-west-1_AbC"}).to_dict()


def _publisher(trace: str | None = None) -> tuple[EventBridgePublisher, Stubber]:
    client = boto3.client("events", region_name="eu-west-1")
    return EventBridgePublisher(client, "poolpatch-bus", trace_header=trace), Stubber(client)


def test_one_result_is_one_entry_with_source_detail_type_and_trace_header() -> None:
    # Given a publisher with a trace header and the exact expected entry
    publisher, stubber = _publisher("Root=1-abc")
    document = _result("r-1")
    expected = {
        "Entries": [
            {
                "Source": "poolpatch",
                "DetailType": "User Pool Change Applied",
                "Detail": json.dumps(document),
                "EventBusName": "poolpatch-bus",
                "Resources": [],
                "TraceHeader": "Root=1-abc",
            }
        ]
    }
    stubber.add_response("put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "e1"}]}, expected)
    # When publishing / Then exactly that call was made
    with stubber:
        publisher.publish([document])
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("status", "detail_type"),
    [
        ("unchanged", "User Pool Change Applied"),
        ("planned", "User Pool Change Planned"),
        ("rejected", "User Pool Change Rejected"),
        ("failed", "User Pool Change Failed"),
    ],
)
def test_detail_type_follows_the_status(status: str, detail_type: str) -> None:
    publisher, _ = _publisher()
    assert publisher.entries([_result("r", status)])[0]["DetailType"] == detail_type


def test_results_are_sent_in_batches_of_ten() -> None:
    publisher, stubber = _publisher()
    documents = [_result(f"r-{i}") for i in range(23)]
    for size in (10, 10, 3):
        stubber.add_response("put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "e"}] * size})
    with stubber:
        publisher.publish(documents)
    stubber.assert_no_pending_responses()
    assert BATCH == 10


def test_a_failed_entry_raises_so_the_caller_retries() -> None:
    publisher, stubber = _publisher()
    stubber.add_response(
        "put_events",
        {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "x"}]},
    )
    with stubber, pytest.raises(PublishFailed, match="InternalFailure") as caught:
        publisher.publish([_result("r-1")])
    assert caught.value.retryable


def test_a_service_error_raises_publish_failed() -> None:
    publisher, stubber = _publisher()
    stubber.add_client_error("put_events", "AccessDeniedException", "no")
    with stubber, pytest.raises(PublishFailed):
        publisher.publish([_result("r-1")])


def test_oversized_detail_is_truncated_below_the_entry_limit() -> None:
    # Given a result with a very large change list
    document = _result("r-1")
    document["changes"] = [{"path": f"/UserPoolTags/k{i}", "after": "v" * 1000} for i in range(400)]
    publisher, _ = _publisher()
    # When turned into an entry
    detail = json.loads(publisher.entries([document])[0]["Detail"])
    # Then it fits, says it was cut, and the original is untouched
    assert len(json.dumps(detail).encode()) <= MAX_DETAIL_BYTES
    assert detail["changesTruncated"] is True
    assert 0 < len(detail["changes"]) < 400
    assert len(document["changes"]) == 400


def test_queue_send_uses_the_pool_group_and_a_hash_of_id_and_content_for_deduplication() -> None:
    # Given a client request (clients share their pool's group)
    client = boto3.client("sqs", region_name="eu-west-1")
    stubber = Stubber(client)
    request = parse_request(
        {
            "version": "1",
            "requestId": "r-1",
            "target": {"userPoolId": "eu-west-1_AbC", "clientId": "c1"},
            "patch": {"ClientName": "web"},
        }
    )
    target = request.target.resolved(account_id="111122223333", region="eu-west-1")
    body = {**request.to_dict(), "target": target.to_dict()}
    stubber.add_response(
        "send_message",
        {"MessageId": "m-1"},
        {
            "QueueUrl": "https://sqs/q.fifo",
            "MessageBody": json.dumps(body),
            "MessageGroupId": "111122223333/eu-west-1/eu-west-1_AbC",
            "MessageDeduplicationId": hashlib.sha256(
                f"r-1\napply\n{request.content_hash(target)}".encode()
            ).hexdigest(),
        },
    )
    # When sent / Then exactly those parameters, and the message id returned
    with stubber:
        assert ChangeQueue(client, "https://sqs/q.fifo").send(request, target) == "m-1"
    stubber.assert_no_pending_responses()


def test_the_deduplication_id_tells_a_reused_id_from_a_resend() -> None:
    # Given one request, an identical resend, and another request reusing its id
    def request(pool: str, tags: dict[str, str]) -> tuple[Any, Any]:
        document = {"version": "1", "requestId": "CHG-1", "target": {"userPoolId": pool}}
        parsed = parse_request({**document, "patch": {"UserPoolTags": tags}})
        return parsed, parsed.target.resolved(account_id="111122223333", region="eu-west-1")

    first = deduplication_id(*request("eu-west-1_A", {"a": "1"}))
    resend = deduplication_id(*request("eu-west-1_A", {"a": "1"}))
    reused = deduplication_id(*request("eu-west-1_B", {"a": "2"}))
    # Then the resend deduplicates, the reuse does not (so apply sees it and rejects RequestIdReused)
    assert first == resend
    assert first != reused
    assert len(first) == 64


def test_queue_failure_is_a_retryable_service_error() -> None:
    client = boto3.client("sqs", region_name="eu-west-1")
    stubber = Stubber(client)
    stubber.add_client_error("send_message", "AWS.SimpleQueueService.NonExistentQueue", "gone")
    request = parse_request(
        {"version": "1", "requestId": "r-1", "target": {"userPoolId": "eu-west-1_AbC"}, "patch": {}}
    )
    target = request.target.resolved(account_id="111122223333", region="eu-west-1")
    with stubber, pytest.raises(ServiceError) as caught:
        ChangeQueue(client, "https://sqs/q.fifo").send(request, target)
    assert caught.value.retryable
