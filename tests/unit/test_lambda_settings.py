"""Function environments as validated models; the handler refuses to run with a broken one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from poolpatch_lambda import settings
from poolpatch_lambda.handler import ConfigurationError, validate_environment
from poolpatch_lambda.runtime import account_from_arn

APPLY_ENV = {
    "SNAPSHOT_BUCKET": "poolpatch-snapshots",
    "EVENT_BUS_NAME": "default",
    "IDEMPOTENCY_TABLE": "poolpatch-idempotency",
    "ALLOWED_ACCOUNT_IDS": "111122223333, 444455556666",
    "TARGET_ROLE_NAME": "poolpatch-target",
    "CHANGE_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/111122223333/poolpatch-ChangeQueue.fifo",
    "CHANGE_DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/111122223333/poolpatch-ChangeDLQ.fifo",
}


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    settings.clear()
    yield
    settings.clear()


def test_apply_settings_read_the_contract_names(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the apply function's environment
    for name, value in APPLY_ENV.items():
        monkeypatch.setenv(name, value)
    # When read
    loaded = settings.apply_settings()
    # Then every variable is typed and the allow-list parsed
    assert loaded.snapshot_bucket == "poolpatch-snapshots"
    assert loaded.allowed_accounts == {"111122223333", "444455556666"}
    assert loaded.target_role_external_id is None
    assert loaded.max_receive_count == 5
    assert loaded.queue_max_receive_count == 50
    assert loaded.change_dlq_url == APPLY_ENV["CHANGE_DLQ_URL"]
    assert settings.apply_settings() is loaded  # cached


@pytest.mark.parametrize("missing", ["CHANGE_DLQ_URL", "CHANGE_QUEUE_URL"])
def test_apply_needs_its_queues(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    for name, value in APPLY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(ValidationError, match=missing):
        settings.apply_settings()


INTAKE_ENV = {
    "EVENT_BUS_NAME": "poolpatch",
    "CHANGE_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/111122223333/poolpatch-ChangeQueue.fifo",
    "SNAPSHOT_BUCKET": "poolpatch-snapshots",
}


def test_intake_sources_default_and_list(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in INTAKE_ENV.items():
        monkeypatch.setenv(name, value)
    assert settings.intake_settings().sources == {"poolpatch.requests"}
    settings.clear()
    monkeypatch.setenv("EVENT_SOURCES", "team.a, team.b,")
    assert settings.intake_settings().sources == {"team.a", "team.b"}


@pytest.mark.parametrize("sources", ["", " , ", "poolpatch", "team.a,aws.events"])
def test_intake_refuses_sources_that_are_not_requests(monkeypatch: pytest.MonkeyPatch, sources: str) -> None:
    for name, value in INTAKE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EVENT_SOURCES", sources)
    with pytest.raises(ValidationError, match="EVENT_SOURCES"):
        settings.intake_settings()


def test_missing_variable_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in APPLY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SNAPSHOT_BUCKET")
    with pytest.raises(ValidationError, match="SNAPSHOT_BUCKET"):
        settings.apply_settings()


def test_invalid_account_in_allow_list_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in APPLY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ALLOWED_ACCOUNT_IDS", "111122223333,not-an-account")
    with pytest.raises(ValidationError, match="not-an-account"):
        settings.apply_settings()


def test_handler_with_a_broken_environment_fails_before_running(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a handler guarded by environment validation, and no CHANGE_QUEUE_URL
    monkeypatch.setenv("EVENT_BUS_NAME", "default")
    monkeypatch.delenv("CHANGE_QUEUE_URL", raising=False)
    calls: list[Any] = []

    @validate_environment(settings.intake_settings)
    def handler(event: dict[str, Any], context: Any) -> str:
        calls.append(event)
        return "ran"

    # When invoked / Then a ConfigurationError names the variable and the body never ran
    with pytest.raises(ConfigurationError, match="CHANGE_QUEUE_URL"):
        handler({}, None)
    assert calls == []


def test_account_is_read_from_the_function_arn() -> None:
    assert (
        account_from_arn("arn:aws:lambda:eu-west-1:111122223333:function:poolpatch-apply") == "111122223333"
    )
    assert account_from_arn("not-an-arn") == ""
