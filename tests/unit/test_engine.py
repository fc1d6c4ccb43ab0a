"""The engine's algorithm over in-memory ports: ordering, no-op, plan mode, snapshots, errors.

These tests pin the flow (what is called, in which order, what happens when a
step fails). Service behaviour (reset on omission, legacy fields...) is tested
against the faithful fake in test_engine_fake.py and the integration suite.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from poolpatch.adapters.cognito import Described
from poolpatch.adapters.snapshots import Found
from poolpatch.engine import Engine, fixed
from poolpatch.errors import ConcurrentModification, InvalidValue, NotFound, SnapshotFailed
from poolpatch.request import ChangeRequest, Target, parse_request

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
MODIFIED = datetime(2026, 11, 20, 12, 0, 0, 123000, tzinfo=UTC)

POOL: dict[str, Any] = {
    "Id": "eu-west-1_AbC",
    "Name": "customers",
    "Arn": "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC",
    "LastModifiedDate": MODIFIED,
    "CreationDate": MODIFIED,
    "DeletionProtection": "INACTIVE",
    "MfaConfiguration": "OFF",
    "LambdaConfig": {
        "PreSignUp": "arn:aws:lambda:eu-west-1:123456789012:function:pre-sign-up",
        "PostConfirmation": "arn:aws:lambda:eu-west-1:123456789012:function:post-confirmation",
    },
    "AutoVerifiedAttributes": ["email"],
    "UserPoolTags": {"team": "identity"},
    "SchemaAttributes": [
        {"Name": "email", "AttributeDataType": "String", "Mutable": True, "Required": True},
        {"Name": "custom:tier", "AttributeDataType": "String", "Mutable": True, "Required": False},
    ],
}


class MemoryCognito:
    """A port double: stores update documents verbatim and logs every call."""

    def __init__(self, description: Mapping[str, Any]) -> None:
        self.description = copy.deepcopy(dict(description))
        self.calls: list[str] = []
        self.fail: dict[str, Exception] = {}

    def describe(self, target: Target) -> Described:
        self._maybe_fail("describe")
        self.calls.append("describe")
        parsed = copy.deepcopy(self.description)
        return Described(parsed=parsed, raw=_jsonable(parsed))

    def update(self, target: Target, document: Mapping[str, Any]) -> None:
        self._maybe_fail("update")
        self.calls.append("update")
        keep = {k: self.description[k] for k in ("Id", "Name", "Arn", "CreationDate", "SchemaAttributes")}
        self.description = {**keep, **copy.deepcopy(dict(document))}
        if "PoolName" in document:
            self.description["Name"] = self.description.pop("PoolName")
        self.description["LastModifiedDate"] = MODIFIED + timedelta(seconds=len(self.calls))

    def add_custom_attributes(self, target: Target, attributes: Sequence[Mapping[str, Any]]) -> None:
        self._maybe_fail("add")
        self.calls.append("add")
        for item in attributes:
            self.description["SchemaAttributes"].append({**item, "Name": f"custom:{item['Name']}"})

    def _maybe_fail(self, step: str) -> None:
        if step in self.fail:
            raise self.fail.pop(step)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.timestamp()
    return value


class MemoryStore:
    """A snapshot store double."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.fail_on: str | None = None
        self.log: list[str] = []

    def put(self, key: str, document: Mapping[str, Any]) -> str:
        if self.fail_on and key.endswith(self.fail_on):
            raise SnapshotFailed(f"cannot write {key}")
        if key in self.items:
            raise SnapshotFailed(f"{key} exists: snapshots are write-once")
        self.items[key] = json.loads(json.dumps(dict(document), default=str))
        self.log.append(key)
        return f"mem://{key}"

    def get(self, reference: str, *, target: Target | None = None) -> dict[str, Any]:
        key = reference.removeprefix("mem://")
        if key not in self.items:
            raise NotFound(reference)
        return copy.deepcopy(self.items[key])

    def find_before(self, target: Target, request_id: str, since: datetime) -> Found | None:
        found = [key for key in self.items if key.endswith(f"-{request_id}/before.json")]
        return (f"mem://{found[-1]}", copy.deepcopy(self.items[found[-1]])) if found else None


def _engine(cognito: MemoryCognito, store: MemoryStore) -> Engine:
    return Engine(
        fixed(cognito),
        store,
        account_id="123456789012",
        region="eu-west-1",
        clock=lambda: NOW,
        sleep=lambda _seconds: None,
    )


def _request(**overrides: Any) -> ChangeRequest:
    document: dict[str, Any] = {
        "version": "1",
        "requestId": "req-1",
        "target": {"userPoolId": "eu-west-1_AbC"},
        "patch": {"DeletionProtection": "ACTIVE"},
        "reason": "ticket-1",
    }
    document.update(overrides)
    return parse_request({k: v for k, v in document.items() if v is not None})


@pytest.fixture
def cognito() -> MemoryCognito:
    return MemoryCognito(POOL)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def test_apply_describes_snapshots_updates_verifies_and_snapshots_again(
    cognito: MemoryCognito, store: MemoryStore
) -> None:
    # Given a pool and a one-member patch
    engine = _engine(cognito, store)
    # When applied
    result = engine.run(_request())
    # Then the calls are exactly describe, update, describe, with a snapshot on each side
    assert result.status == "applied", result.to_dict()
    assert cognito.calls == ["describe", "describe", "update", "describe"]
    assert [key.rsplit("/", 1)[-1] for key in store.log] == ["before.json", "after.json"]
    assert result.to_dict()["changes"] == [
        {"path": "/DeletionProtection", "before": "INACTIVE", "after": "ACTIVE"}
    ]
    assert result.differences == []
    # And every other setting was sent back: triggers, tags, auto-verification, the name
    assert cognito.description["LambdaConfig"] == POOL["LambdaConfig"]
    assert cognito.description["UserPoolTags"] == {"team": "identity"}
    assert cognito.description["AutoVerifiedAttributes"] == ["email"]
    assert cognito.description["Name"] == "customers"


def test_snapshot_layout_and_contents(cognito: MemoryCognito, store: MemoryStore) -> None:
    result = _engine(cognito, store).run(_request())
    before_key = result.snapshots["before"].removeprefix("mem://")
    assert before_key == (
        "snapshots/123456789012/eu-west-1/eu-west-1_AbC/pool/20261126T070000Z-req-1/before.json"
    )
    before = store.items[before_key]
    assert before["phase"] == "before"
    assert before["request"]["reason"] == "ticket-1"
    assert before["target"]["kind"] == "pool"
    assert before["botocoreVersion"]
    assert before["updateDocument"]["UserPoolId"] == "eu-west-1_AbC"
    assert before["updateDocument"]["PoolName"] == "customers"
    assert before["updateDocument"]["DeletionProtection"] == "INACTIVE"
    after = store.items[result.snapshots["after"].removeprefix("mem://")]
    assert after["updateDocument"]["DeletionProtection"] == "ACTIVE"


def test_empty_plan_writes_nothing(cognito: MemoryCognito, store: MemoryStore) -> None:
    # Given a patch that sets the current value
    result = _engine(cognito, store).run(_request(patch={"DeletionProtection": "INACTIVE"}))
    # Then: unchanged, one describe, no snapshot, no update
    assert result.status == "unchanged"
    assert cognito.calls == ["describe"]
    assert store.log == []


def test_plan_mode_writes_nothing(cognito: MemoryCognito, store: MemoryStore) -> None:
    result = _engine(cognito, store).run(_request(mode="plan"))
    assert result.status == "planned"
    assert result.changes
    assert cognito.calls == ["describe"]
    assert store.log == []


def test_before_snapshot_failure_stops_before_any_write(cognito: MemoryCognito, store: MemoryStore) -> None:
    # Given a store that cannot write the before snapshot
    store.fail_on = "before.json"
    # When applied
    result = _engine(cognito, store).run(_request())
    # Then the result is failed (retryable) and Cognito saw no write
    assert result.status == "failed"
    assert result.error is not None
    assert result.error.code == "SnapshotFailed"
    assert "update" not in cognito.calls


def test_a_persistent_failure_after_the_write_stays_applied_and_says_what_is_missing(
    cognito: MemoryCognito, store: MemoryStore
) -> None:
    # Given an after snapshot that can never be written
    store.fail_on = "after.json"
    # When applied
    result = _engine(cognito, store).run(_request())
    # Then the write is reported as applied, unproven, with its before snapshot and no after snapshot
    document = result.to_dict()
    assert result.status == "applied"
    assert "error" not in document
    assert document["verification"]["error"]["code"] == "SnapshotFailed"
    assert set(result.snapshots) == {"before"}
    assert result.mismatched
    # And the verifying describe was retried in place, a bounded number of times
    assert cognito.calls == ["describe", "describe", "update", "describe", "describe", "describe"]


def test_a_transient_failure_after_the_write_is_retried_in_place(
    cognito: MemoryCognito, store: MemoryStore
) -> None:
    # Given a verifying describe that fails once
    class FlakyAfterWrite(MemoryCognito):
        def update(self, target: Target, document: Mapping[str, Any]) -> None:
            super().update(target, document)
            self.fail["describe"] = ConcurrentModification("busy")

    flaky = FlakyAfterWrite(POOL)
    # When applied
    result = _engine(flaky, store).run(_request())
    # Then it is applied and verified, with both snapshots, and no retry of the whole request is needed
    assert result.status == "applied"
    assert result.differences == []
    assert result.verification_error is None
    assert set(result.snapshots) == {"before", "after"}
    assert flaky.calls == ["describe", "describe", "update", "describe"]


def test_update_error_is_reported_with_its_code(cognito: MemoryCognito, store: MemoryStore) -> None:
    cognito.fail["update"] = ConcurrentModification("busy")
    result = _engine(cognito, store).run(_request())
    assert result.status == "failed"
    assert result.retryable
    cognito.fail["update"] = InvalidValue("The message is invalid.")
    result = _engine(cognito, store).run(_request(requestId="req-2"))
    assert result.status == "rejected"
    assert result.to_dict()["error"]["code"] == "InvalidValue"


def test_missing_target_is_not_found(cognito: MemoryCognito, store: MemoryStore) -> None:
    cognito.fail["describe"] = NotFound("no such pool")
    result = _engine(cognito, store).run(_request())
    assert result.status == "rejected"
    assert result.to_dict()["error"]["code"] == "NotFound"
    assert store.log == []


def test_unknown_member_in_the_raw_response_stops_the_change(store: MemoryStore) -> None:
    # Given a describe whose raw JSON holds a member the model does not know
    class Newer(MemoryCognito):
        def describe(self, target: Target) -> Described:
            described = super().describe(target)
            described.raw["LambdaConfig"]["FutureTrigger"] = "arn:x"
            return described

    cognito = Newer(POOL)
    # When applied
    result = _engine(cognito, store).run(_request())
    # Then SdkModelOutdated names the member and nothing is written
    assert result.to_dict()["error"]["code"] == "SdkModelOutdated"
    assert result.to_dict()["error"]["path"] == "/LambdaConfig/FutureTrigger"
    assert cognito.calls == ["describe"]
    assert store.log == []


def test_precondition_on_last_modified_date(cognito: MemoryCognito, store: MemoryStore) -> None:
    stale = _engine(cognito, store).run(_request(expectedLastModifiedDate="2026-01-01T00:00:00Z"))
    assert stale.to_dict()["error"]["code"] == "PreconditionFailed"
    assert cognito.calls == ["describe"]
    fresh = _engine(cognito, store).run(
        _request(requestId="req-2", expectedLastModifiedDate=MODIFIED.isoformat())
    )
    assert fresh.status == "applied"


def test_removal_resets_and_verification_tolerates_a_returned_default(store: MemoryStore) -> None:
    # Given a service that answers removed tags with a default tag
    class Defaulting(MemoryCognito):
        def update(self, target: Target, document: Mapping[str, Any]) -> None:
            super().update(target, document)
            self.description.setdefault("UserPoolTags", {})["team"] = "identity"

    cognito = Defaulting(POOL)
    result = _engine(cognito, store).run(_request(patch={"UserPoolTags": None}))
    assert result.status == "applied"
    assert result.to_dict()["changes"] == [{"path": "/UserPoolTags", "before": {"team": "identity"}}]
    assert result.differences == []


def test_verification_reports_a_value_the_service_did_not_keep(store: MemoryStore) -> None:
    class Ignoring(MemoryCognito):
        def update(self, target: Target, document: Mapping[str, Any]) -> None:
            super().update(target, {**document, "DeletionProtection": "INACTIVE"})

    result = _engine(Ignoring(POOL), store).run(_request())
    assert result.status == "applied"
    assert result.to_dict()["verification"]["differences"] == [
        {"path": "/DeletionProtection", "expected": "ACTIVE", "actual": "INACTIVE"}
    ]


def test_custom_attributes_are_added_once(cognito: MemoryCognito, store: MemoryStore) -> None:
    attrs = [{"Name": "plan", "AttributeDataType": "String", "Mutable": True}]
    first = _engine(cognito, store).run(_request(patch=None, addCustomAttributes=attrs))
    assert first.status == "applied"
    assert cognito.calls == ["describe", "describe", "add", "describe"]
    assert first.to_dict()["changes"] == [{"path": "/SchemaAttributes/custom:plan", "after": attrs[0]}]
    again = _engine(cognito, store).run(_request(requestId="req-2", patch=None, addCustomAttributes=attrs))
    assert again.status == "unchanged"


def test_changing_an_existing_custom_attribute_is_immutable(
    cognito: MemoryCognito, store: MemoryStore
) -> None:
    attrs = [{"Name": "tier", "AttributeDataType": "Number"}]
    result = _engine(cognito, store).run(_request(patch=None, addCustomAttributes=attrs))
    assert result.to_dict()["error"]["code"] == "ImmutableSetting"
    assert result.to_dict()["error"]["path"] == "/addCustomAttributes/0/AttributeDataType"


def test_fifty_custom_attribute_limit_is_checked_up_front(store: MemoryStore) -> None:
    pool = copy.deepcopy(POOL)
    pool["SchemaAttributes"] += [{"Name": f"custom:a{i}", "AttributeDataType": "String"} for i in range(49)]
    cognito = MemoryCognito(pool)
    attrs = [{"Name": "one", "AttributeDataType": "String"}, {"Name": "two", "AttributeDataType": "String"}]
    result = _engine(cognito, store).run(_request(patch=None, addCustomAttributes=attrs))
    assert result.to_dict()["error"]["code"] == "InvalidValue"
    assert "50" in result.to_dict()["error"]["message"]
    assert cognito.calls == ["describe"]


def test_restore_returns_the_recorded_document(cognito: MemoryCognito, store: MemoryStore) -> None:
    # Given a change that was applied
    engine = _engine(cognito, store)
    applied = engine.run(_request(patch={"DeletionProtection": "ACTIVE", "UserPoolTags": {"env": "prod"}}))
    # When its before snapshot is restored
    restored = engine.run(
        _request(requestId="req-2", patch=None, restore={"snapshot": applied.snapshots["before"]})
    )
    # Then the pool is back to the recorded document
    assert restored.status == "applied", restored.to_dict()
    assert cognito.description["DeletionProtection"] == "INACTIVE"
    assert cognito.description["UserPoolTags"] == {"team": "identity"}


def test_restore_refuses_a_snapshot_of_another_target(cognito: MemoryCognito, store: MemoryStore) -> None:
    store.items["other"] = {"target": {"userPoolId": "eu-west-1_Other"}, "updateDocument": {}}
    result = _engine(cognito, store).run(_request(patch=None, restore={"snapshot": "mem://other"}))
    assert result.to_dict()["error"]["code"] == "InvalidRequest"
    assert cognito.calls == ["describe"]


def test_input_only_members_are_not_verified() -> None:
    # Given a client plan that sends PublishSecretsInAWSSecretsManager (an action Describe never returns)
    from poolpatch.pipeline import Plan, input_only_pointers, verify

    plan = Plan(
        live={"ClientName": "web"},
        desired={"ClientName": "web", "PublishSecretsInAWSSecretsManager": True},
        removed=(),
        new_attributes=(),
        changes=(),
    )
    after = Described(parsed={"ClientName": "web"}, raw={"ClientName": "web"})
    # When verified against a live client without it / Then no difference is reported
    assert input_only_pointers("client") == ("/PublishSecretsInAWSSecretsManager",)
    assert verify("client", plan, after, {"ClientName": "web"}) == []
