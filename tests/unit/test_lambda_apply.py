"""The apply runtime under moto: outcomes, attempts, backoff, DLQ moves, request ids, batched results.

The queue, the DLQ, the idempotency table and the bus are moto's; the engine call is replaced per test
(``ApplyRuntime.run``) so each test decides what the engine answers, while idempotency, attempt counting,
publishing and SQS calls are the real ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor
from botocore.exceptions import ClientError
from moto import mock_aws

from poolpatch.errors import ConcurrentModification, ServiceError
from poolpatch.request import ChangeRequest
from poolpatch.result import Result
from poolpatch_fake.stack import LambdaContext
from poolpatch_lambda import apply
from poolpatch_lambda.observability import metrics
from poolpatch_lambda.settings import ApplySettings

ACCOUNT = "123456789012"
REGION = "eu-west-1"
POOL = "eu-west-1_AbC"
GROUP = f"{ACCOUNT}/{REGION}/{POOL}"

EngineCall = Callable[[ChangeRequest, datetime | None], dict[str, Any]]


class World:
    """moto resources and an apply runtime over them, with a scripted engine call."""

    def __init__(self) -> None:
        session = boto3.Session(region_name=REGION)
        sqs = session.client("sqs")
        self.dlq = sqs.create_queue(QueueName="dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        self.queue = sqs.create_queue(QueueName="changes.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        session.client("dynamodb").create_table(
            TableName="idem",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        session.client("events").create_event_bus(Name="bus")
        settings = ApplySettings.model_validate(
            {
                "AWS_REGION": REGION,
                "EVENT_BUS_NAME": "bus",
                "SNAPSHOT_BUCKET": "snaps",
                "IDEMPOTENCY_TABLE": "idem",
                "CHANGE_QUEUE_URL": self.queue,
                "CHANGE_DLQ_URL": self.dlq,
                "MAX_RECEIVE_COUNT": "3",
                "QUEUE_MAX_RECEIVE_COUNT": "10",
            }
        )
        self.runtime = apply.ApplyRuntime(settings=settings, own_account=ACCOUNT, session=session)
        self.engine_calls: list[tuple[str, datetime | None]] = []
        self.answer: Callable[[ChangeRequest], dict[str, Any]] = _applied
        self.runtime.run = self._run  # type: ignore[method-assign]
        self.put_events: list[dict[str, Any]] = []
        self.visibility: list[dict[str, Any]] = []
        events = self.runtime.client("events").meta.events
        events.register("before-parameter-build.eventbridge.PutEvents", self._record_put)
        self.runtime.client("sqs").meta.events.register(
            "before-parameter-build.sqs.ChangeMessageVisibilityBatch", self._record_visibility
        )

    def _run(self, request: ChangeRequest, recover_since: datetime | None) -> dict[str, Any]:
        self.engine_calls.append((request.request_id, recover_since))
        return self.answer(request)

    def _record_put(self, params: dict[str, Any], **_: Any) -> None:
        self.put_events.append(params)

    def _record_visibility(self, params: dict[str, Any], **_: Any) -> None:
        self.visibility.append(params)

    def published(self) -> list[dict[str, Any]]:
        """Every result detail published so far to the bus, in order (calls to a missing bus failed)."""
        return [
            json.loads(entry["Detail"])
            for call in self.put_events
            for entry in call["Entries"]
            if entry["EventBusName"] == "bus"
        ]

    def dlq_bodies(self) -> list[str]:
        messages = self.runtime.client("sqs").receive_message(QueueUrl=self.dlq, MaxNumberOfMessages=10)
        return [m["Body"] for m in messages.get("Messages", [])]

    def attempts(self, request_id: str) -> int | None:
        items = self.runtime.client("dynamodb").scan(TableName="idem")["Items"]
        for item in items:
            if item["id"]["S"].startswith(f"poolpatch#attempts#{request_id}#"):
                return int(item["attempts"]["N"])
        return None

    def batch(self, *records: dict[str, Any]) -> dict[str, Any]:
        """Run the apply function's batch processing over SQS records."""
        processor = SqsFifoPartialProcessor(skip_group_on_error=True)
        event = {"Records": list(records)}
        response = apply.process_batch(
            event, LambdaContext.of("apply"), runtime=self.runtime, processor=processor
        )
        return dict(response)


def _applied(request: ChangeRequest) -> dict[str, Any]:
    return Result("applied", request.request_id, request.target.to_dict()).to_dict()


def _retryable(request: ChangeRequest) -> dict[str, Any]:
    result = Result.from_error(ConcurrentModification("busy"), request.request_id, request.target.to_dict())
    raise apply.RetryableFailure(result)


def _body(request_id: str = "r-1", **overrides: Any) -> str:
    document: dict[str, Any] = {
        "version": "1",
        "requestId": request_id,
        "target": {"userPoolId": POOL, "accountId": ACCOUNT, "region": REGION},
        "patch": {"DeletionProtection": "ACTIVE"},
    }
    document.update(overrides)
    return json.dumps(document)


def _record(
    body: str, *, message_id: str = "m-1", group: str = GROUP, receive_count: int = 1
) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1764400000000",
            "MessageGroupId": group,
            "MessageDeduplicationId": message_id,
            "SequenceNumber": "1",
            "SenderId": "AROAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1764400000000",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:changes.fifo",
        "awsRegion": REGION,
    }


def _message(body: str, **kwargs: Any) -> apply.Message:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    return apply.Message.of(SQSRecord(_record(body, **kwargs)))


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield World()
    metrics.clear_metrics()


# --- outcomes of one record ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[" * 5000 + "]" * 5000,  # deeper than the JSON parser's recursion limit
        '{"version": "1", "version": "1"}',  # duplicate member
        '{"x": NaN}',
        _body(target={"userPoolId": "../etc"}),
        _body(reason="lone \ud800 surrogate"),
    ],
    ids=["not-json", "deeply-nested", "duplicate-key", "nan", "bad-id", "lone-surrogate"],
)
def test_an_unparseable_message_is_rejected_once_and_never_retried(world: World, body: str) -> None:
    # Given a body that can never become a request
    # When its batch is processed
    response = world.batch(_record(body))
    # Then it is rejected once, published, not retried, and the engine never ran
    assert response == {"batchItemFailures": []}
    assert [r["status"] for r in world.published()] == ["rejected"]
    assert world.published()[0]["error"]["code"] == "InvalidRequest"
    assert world.engine_calls == []


def test_a_message_whose_group_is_not_its_targets_is_rejected(world: World) -> None:
    # Given a message sent straight to the queue under another pool's group
    record = _record(_body(), group=f"{ACCOUNT}/{REGION}/eu-west-1_Other")
    # When processed
    response = world.batch(record)
    # Then it is rejected at /target and never reaches the engine
    assert response == {"batchItemFailures": []}
    [result] = world.published()
    assert (result["status"], result["error"]["code"], result["error"]["path"]) == (
        "rejected",
        "InvalidRequest",
        "/target",
    )
    assert GROUP in result["error"]["message"]
    assert world.engine_calls == []


def test_results_of_a_batch_are_published_in_one_put_events(world: World) -> None:
    # Given ten requests for ten pools
    records = [
        _record(
            _body(f"r-{i}", target={"userPoolId": f"eu-west-1_P{i}"}),
            message_id=f"m-{i}",
            group=f"{ACCOUNT}/{REGION}/eu-west-1_P{i}",
        )
        for i in range(10)
    ]
    # When one batch runs
    response = world.batch(*records)
    # Then all ten results go out in a single PutEvents call, in order
    assert response == {"batchItemFailures": []}
    assert len(world.put_events) == 1
    assert [r["requestId"] for r in world.published()] == [f"r-{i}" for i in range(10)]


# --- attempts, backoff and the DLQ ----------------------------------------------------------------


def test_a_retryable_failure_backs_off_and_counts_only_attempts_that_ran(world: World) -> None:
    # Given a failing request followed by a healthy one of the same pool
    world.answer = lambda request: _retryable(request) if request.request_id == "bad" else _applied(request)
    records = [_record(_body("bad"), message_id="m-bad"), _record(_body("good"), message_id="m-good")]
    # When the batch runs
    response = world.batch(*records)
    # Then both are retried (order is kept), the healthy one never ran and has no attempt counted,
    # and the group becomes visible again after the first backoff (20 s), not the visibility timeout
    assert sorted(item["itemIdentifier"] for item in response["batchItemFailures"]) == ["m-bad", "m-good"]
    assert [call[0] for call in world.engine_calls] == ["bad"]
    assert world.attempts("bad") == 1
    assert world.attempts("good") is None
    assert world.published() == []
    [visibility] = world.visibility
    assert visibility["QueueUrl"] == world.queue
    assert sorted((e["ReceiptHandle"], e["VisibilityTimeout"]) for e in visibility["Entries"]) == [
        ("handle-m-bad", 20),
        ("handle-m-good", 20),
    ]


def test_backoff_grows_and_is_capped() -> None:
    assert [apply.backoff(n) for n in range(1, 8)] == [20, 40, 80, 160, 300, 300, 300]


def test_an_exhausted_request_goes_to_the_dlq_with_its_result_and_the_next_one_proceeds(world: World) -> None:
    # Given a request that always fails retryably, ahead of a healthy one, and MAX_RECEIVE_COUNT = 3
    world.answer = lambda request: _retryable(request) if request.request_id == "bad" else _applied(request)
    # When the group is delivered until the bad one is exhausted (receive counts climb for both)
    for receive in (1, 2, 3):
        response = world.batch(
            _record(_body("bad"), message_id="m-bad", receive_count=receive),
            _record(_body("good"), message_id="m-good", receive_count=receive),
        )
    # Then on its third attempt the failed result is published and the message is in the DLQ, deleted
    # from the queue (not a batch failure), and the healthy request behind it is applied in the same batch
    assert response == {"batchItemFailures": []}
    assert [(r["requestId"], r["status"]) for r in world.published()] == [
        ("bad", "failed"),
        ("good", "applied"),
    ]
    assert world.published()[0]["error"]["code"] == "ConcurrentModification"
    assert [json.loads(body)["requestId"] for body in world.dlq_bodies()] == ["bad"]
    assert world.attempts("bad") == 0  # reset once in the DLQ: a redrive starts afresh


def test_the_queue_receive_limit_fails_a_request_without_running_it(world: World) -> None:
    # Given a message received QUEUE_MAX_RECEIVE_COUNT (10) times: the function kept dying on it
    # When it arrives once more
    response = world.batch(_record(_body(), receive_count=10))
    # Then it is failed with a result naming it and moved to the DLQ, without another engine run
    assert response == {"batchItemFailures": []}
    [result] = world.published()
    assert (result["status"], result["requestId"]) == ("failed", "r-1")
    assert "received 10 times" in result["error"]["message"]
    assert len(world.dlq_bodies()) == 1
    assert world.engine_calls == []


def test_a_record_skipped_on_its_last_receive_is_moved_with_its_result(world: World) -> None:
    # Given a failing head and a request behind it on the queue's last receive
    world.answer = _retryable
    response = world.batch(
        _record(_body("head"), message_id="m-head", receive_count=2),
        _record(_body("tail"), message_id="m-tail", receive_count=10),
    )
    # Then the head is retried; the tail is failed and in the DLQ instead of being redriven silently
    assert [item["itemIdentifier"] for item in response["batchItemFailures"]] == ["m-head"]
    assert [(r["requestId"], r["status"]) for r in world.published()] == [("tail", "failed")]
    assert [json.loads(body)["requestId"] for body in world.dlq_bodies()] == ["tail"]


def test_an_unexpected_error_is_counted_like_a_failure(world: World) -> None:
    # Given an engine call that breaks with a bug
    def broken(request: ChangeRequest) -> dict[str, Any]:
        raise KeyError("bug")

    world.answer = broken
    # When processed
    response = world.batch(_record(_body()))
    # Then the record is retried and the attempt counted: a bug cannot lose a request
    assert [item["itemIdentifier"] for item in response["batchItemFailures"]] == ["m-1"]
    assert world.attempts("r-1") == 1


def test_a_redelivery_tells_the_engine_when_the_message_was_sent(world: World) -> None:
    world.batch(_record(_body("first"), message_id="m-a", receive_count=1))
    world.batch(_record(_body("second"), message_id="m-b", receive_count=2))
    assert world.engine_calls[0] == ("first", None)
    assert world.engine_calls[1][0] == "second"
    assert world.engine_calls[1][1] == datetime.fromisoformat("2025-11-29T07:06:40+00:00")


def test_publish_failure_retries_every_unpublished_record(world: World) -> None:
    # Given EventBridge refusing the batch's results
    world.runtime.settings = world.runtime.settings.model_copy(update={"event_bus_name": "no-such-bus"})
    # When a batch of two pools runs
    response = world.batch(
        _record(
            _body("a", target={"userPoolId": "eu-west-1_A"}),
            message_id="m-a",
            group=f"{ACCOUNT}/{REGION}/eu-west-1_A",
        ),
        _record(
            _body("b", target={"userPoolId": "eu-west-1_B"}),
            message_id="m-b",
            group=f"{ACCOUNT}/{REGION}/eu-west-1_B",
        ),
    )
    # Then both records are retried; idempotency answers the redelivery with the recorded result
    assert sorted(item["itemIdentifier"] for item in response["batchItemFailures"]) == ["m-a", "m-b"]
    world.runtime.settings = world.runtime.settings.model_copy(update={"event_bus_name": "bus"})
    world.batch(
        _record(
            _body("a", target={"userPoolId": "eu-west-1_A"}),
            message_id="m-a",
            group=f"{ACCOUNT}/{REGION}/eu-west-1_A",
            receive_count=2,
        )
    )
    assert [r["requestId"] for r in world.published()] == ["a"]
    assert len(world.engine_calls) == 2  # the redelivery did not run the engine again


# --- request ids -----------------------------------------------------------------------------------


def test_same_request_id_with_same_content_returns_the_recorded_result(world: World) -> None:
    world.batch(_record(_body("chg-1"), message_id="m-1"))
    world.batch(_record(_body("chg-1"), message_id="m-2"))
    first, second = world.published()
    assert first == second
    assert len(world.engine_calls) == 1


def test_same_request_id_with_other_content_is_rejected_and_names_the_earlier_target(world: World) -> None:
    # Given CHG-1234 applied to pool A
    world.batch(_record(_body("CHG-1234"), message_id="m-1"))
    # When CHG-1234 arrives for pool B with another patch
    other = _body(
        "CHG-1234",
        target={"userPoolId": "eu-west-1_B", "accountId": ACCOUNT, "region": REGION},
        patch={"DeletionProtection": "INACTIVE"},
    )
    world.batch(_record(other, message_id="m-2", group=f"{ACCOUNT}/{REGION}/eu-west-1_B"))
    # Then it is rejected RequestIdReused, naming pool A, reporting pool B, and nothing ran for it
    second = world.published()[1]
    assert (second["status"], second["error"]["code"]) == ("rejected", "RequestIdReused")
    assert POOL in second["error"]["message"]
    assert second["target"]["userPoolId"] == "eu-west-1_B"
    assert len(world.engine_calls) == 1


def test_a_failed_attempt_records_nothing_so_the_retry_runs(world: World) -> None:
    world.answer = _retryable
    world.batch(_record(_body(), receive_count=1))
    world.answer = _applied
    world.batch(_record(_body(), receive_count=2))
    assert [r["status"] for r in world.published()] == ["applied"]
    assert len(world.engine_calls) == 2


def test_the_failed_result_of_an_exhausted_request_is_its_engine_error(world: World) -> None:
    def service_error(request: ChangeRequest) -> dict[str, Any]:
        raise apply.RetryableFailure(
            Result.from_error(
                ServiceError("5xx", retryable=True), request.request_id, request.target.to_dict()
            )
        )

    world.answer = service_error
    for receive in (1, 2, 3):
        world.batch(_record(_body(), receive_count=receive))
    [result] = world.published()
    assert (result["status"], result["error"]["code"]) == ("failed", "ServiceError")


def test_an_exhausted_request_whose_dlq_move_failed_never_runs_again(world: World) -> None:
    # Given a request that exhausts its attempts while the DLQ refuses the move once
    world.answer = _retryable
    for receive in (1, 2):
        world.batch(_record(_body(), receive_count=receive))
    sqs = world.runtime.client("sqs")
    refused = {"count": 0}

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if params.get("QueueUrl") == world.dlq and not refused["count"]:
            refused["count"] += 1
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "SendMessage")

    sqs.meta.events.register("before-parameter-build.sqs.SendMessage", refuse)
    first = world.batch(_record(_body(), receive_count=3))
    # When the engine would now succeed and the message is delivered again
    world.answer = _applied
    second = world.batch(_record(_body(), receive_count=4))
    # Then the retry only finished the move: an identical failed result, the message in the DLQ, no new run
    assert [item["itemIdentifier"] for item in first["batchItemFailures"]] == ["m-1"]
    assert second == {"batchItemFailures": []}
    published = world.published()
    assert [r["status"] for r in published] == ["failed", "failed"]
    assert published[0] == published[1]
    assert len(world.engine_calls) == 3
    assert len(world.dlq_bodies()) == 1


def test_at_the_receive_limit_a_recorded_result_is_published_not_failed(world: World) -> None:
    # Given a request applied and recorded whose result could not be published (EventBridge down)
    world.runtime.settings = world.runtime.settings.model_copy(update={"event_bus_name": "no-such-bus"})
    world.batch(_record(_body(), receive_count=1))
    world.runtime.settings = world.runtime.settings.model_copy(update={"event_bus_name": "bus"})
    # When it reaches the queue's receive limit
    response = world.batch(_record(_body(), receive_count=10))
    # Then its recorded applied result goes out; it is neither failed nor moved to the DLQ
    assert response == {"batchItemFailures": []}
    assert [r["status"] for r in world.published()] == ["applied"]
    assert world.dlq_bodies() == []
    assert len(world.engine_calls) == 1


def test_publish_failures_back_off_with_the_receive_count(world: World) -> None:
    world.runtime.settings = world.runtime.settings.model_copy(update={"event_bus_name": "no-such-bus"})
    world.batch(_record(_body(), receive_count=4))
    [visibility] = world.visibility
    assert [entry["VisibilityTimeout"] for entry in visibility["Entries"]] == [apply.backoff(4)]


def test_without_the_attempt_counter_a_request_is_not_exhausted_early(world: World) -> None:
    # Given a request that waited behind failures (high receive count) and an attempt table that fails
    world.answer = _retryable
    dynamodb = world.runtime.client("dynamodb")

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "UpdateItem")

    dynamodb.meta.events.register("before-parameter-build.dynamodb.UpdateItem", refuse)
    # When its first real attempt fails
    response = world.batch(_record(_body(), receive_count=7))
    # Then it is retried, not failed and moved
    assert [item["itemIdentifier"] for item in response["batchItemFailures"]] == ["m-1"]
    assert world.published() == []
    assert world.dlq_bodies() == []


def test_a_finished_request_replayed_into_another_group_gets_its_recorded_result(world: World) -> None:
    # Given a request applied in its own group
    world.batch(_record(_body(), message_id="m-1"))
    # When the same request is replayed straight into another pool's group
    world.batch(_record(_body(), message_id="m-2", group=f"{ACCOUNT}/{REGION}/eu-west-1_Other"))
    # Then it gets the recorded result again (one final result per request), and nothing ran
    first, second = world.published()
    assert first == second
    assert first["status"] == "applied"
    assert len(world.engine_calls) == 1


def test_a_request_redriven_from_the_dlq_runs_again_with_a_full_budget(world: World) -> None:
    # Given a request exhausted and moved to the DLQ
    world.answer = _retryable
    for receive in (1, 2, 3):
        world.batch(_record(_body(), message_id="m-1", receive_count=receive))
    [body] = world.dlq_bodies()
    # When the cause is fixed and the DLQ message is redriven (a new message, received more than once)
    world.answer = _applied
    response = world.batch(_record(body, message_id="m-redriven", receive_count=2))
    # Then it runs and is applied: the old failed result is not replayed, the budget was reset
    assert response == {"batchItemFailures": []}
    assert [r["status"] for r in world.published()] == ["failed", "applied"]
    assert len(world.engine_calls) == 4
    assert world.attempts("r-1") == 0


def test_the_idempotency_table_failing_after_a_run_is_not_an_attempt(world: World) -> None:
    # Given the idempotency table refusing to record the outcome
    dynamodb = world.runtime.client("dynamodb")

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if not params["Key"]["id"]["S"].startswith("poolpatch#attempts#"):
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "UpdateItem")

    dynamodb.meta.events.register("before-parameter-build.dynamodb.UpdateItem", refuse)
    # When a request runs
    response = world.batch(_record(_body()))
    # Then it is retried (its redelivery recovers the write), without counting a failed attempt
    assert [item["itemIdentifier"] for item in response["batchItemFailures"]] == ["m-1"]
    assert world.attempts("r-1") is None
    assert world.published() == []
