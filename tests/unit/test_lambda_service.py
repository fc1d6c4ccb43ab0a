"""apply_record and intake over in-memory collaborators: what is published, what is retried."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from poolpatch.request import ChangeRequest
from poolpatch.result import Result
from poolpatch_lambda import service
from poolpatch_lambda.settings import ApplySettings

SETTINGS = ApplySettings.model_validate(
    {
        "AWS_REGION": "eu-west-1",
        "EVENT_BUS_NAME": "default",
        "SNAPSHOT_BUCKET": "poolpatch-snapshots",
        "IDEMPOTENCY_TABLE": "poolpatch-idempotency",
    }
)


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, results: Sequence[Mapping[str, Any]], *, detail_type: str | None = None) -> None:
        self.published.extend(dict(result) for result in results)


class StubRuntime(service.Runtime):
    """A runtime whose publisher records instead of calling EventBridge."""

    def __init__(self) -> None:
        super().__init__(settings=SETTINGS, own_account="123456789012")
        self.recorder = RecordingPublisher()

    def publisher(self) -> Any:
        return self.recorder


def _body(**overrides: Any) -> str:
    document = {
        "version": "1",
        "requestId": "r-1",
        "target": {"userPoolId": "eu-west-1_AbC"},
        "patch": {"DeletionProtection": "ACTIVE"},
    }
    document.update(overrides)
    return json.dumps(document)


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[" * 5000 + "]" * 5000,  # deeper than the JSON parser's recursion limit
        '{"version": "1", "version": "1"}',  # duplicate member
        '{"x": NaN}',
        _body(target={"userPoolId": "../etc"}),
    ],
    ids=["not-json", "deeply-nested", "duplicate-key", "nan", "bad-id"],
)
def test_an_unparseable_message_is_rejected_once_and_never_retried(body: str) -> None:
    # Given a message no retry can fix
    runtime = StubRuntime()
    ran: list[ChangeRequest] = []
    # When the apply function processes it
    outcome = service.apply_record(
        body, message_id="m-1", receive_count=1, runtime=runtime, run=lambda r: ran.append(r) or {}
    )
    # Then one rejected result is published, the engine never ran, and nothing is raised (no retry)
    assert outcome["status"] == "rejected"
    assert outcome["error"]["code"] == "InvalidRequest"
    assert [r["status"] for r in runtime.recorder.published] == ["rejected"]
    assert ran == []


def test_a_retryable_failure_raises_and_publishes_only_on_the_last_receive() -> None:
    failed = Result("failed", "r-1", {"userPoolId": "eu-west-1_AbC"})

    def run(request: ChangeRequest) -> dict[str, Any]:
        raise service.RetryableFailure(failed)

    runtime = StubRuntime()
    with pytest.raises(service.RetryableFailure):
        service.apply_record(_body(), message_id="m-1", receive_count=1, runtime=runtime, run=run)
    assert runtime.recorder.published == []
    with pytest.raises(service.RetryableFailure):
        service.apply_record(
            _body(), message_id="m-1", receive_count=SETTINGS.max_receive_count, runtime=runtime, run=run
        )
    assert [r["status"] for r in runtime.recorder.published] == ["failed"]


def test_a_final_outcome_is_published_once() -> None:
    runtime = StubRuntime()
    applied = Result("applied", "r-1", {"userPoolId": "eu-west-1_AbC"}).to_dict()
    outcome = service.apply_record(
        _body(), message_id="m-1", receive_count=1, runtime=runtime, run=lambda r: applied
    )
    assert outcome == applied
    assert runtime.recorder.published == [applied]
