"""Issue 6, "Keep every promise": each hostile or faulty case, through the real handlers on the moto server.

Every test drives requests through ``functions/intake/app.py`` and/or ``functions/apply/app.py`` on the
embedded stack, with the Cognito fake (replace-on-write semantics, a moving ``LastModifiedDate``), and
asserts what users see: result events, DLQ contents, snapshots and the final pool state.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from poolpatch.adapters import cognito as cognito_adapter
from poolpatch.adapters import session as session_adapter
from poolpatch.adapters.cognito import Boto3Cognito
from poolpatch_fake import faults, seed
from poolpatch_fake.stack import EmbeddedStack, LambdaContext, change_request, load_handler

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = [pytest.mark.integration]

StackFactory = Callable[..., EmbeddedStack]
OTHER_ACCOUNT = "999999999999"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """One SDK attempt and no sleeping in the adapter's conflict retries (keeps injected faults cheap)."""
    config = cognito_adapter.client_config
    monkeypatch.setattr(session_adapter, "client_config", lambda **_: config(max_attempts=1))
    defaults = Boto3Cognito.__init__.__kwdefaults__
    assert defaults is not None
    monkeypatch.setitem(defaults, "sleep", lambda _seconds: None)


def _live(cognito: CognitoIdentityProviderClient, pool_id: str) -> dict[str, Any]:
    pool: dict[str, Any] = dict(cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    pool.pop("LastModifiedDate", None)
    return pool


def _send(stack: EmbeddedStack, document: dict[str, Any], *, group: str | None = None) -> None:
    pool_id = document["target"]["userPoolId"]
    stack.send_to_queue(document, group_id=group or stack.group_id(pool_id))


def _by_request(stack: EmbeddedStack) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for event in stack.results():
        out.setdefault(event["detail"]["requestId"], []).append(event["detail"])
    return out


def _refusal(result: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """A result's status, error code and error path."""
    error = result.get("error") or {}
    return result["status"], error.get("code"), error.get("path")


def _dlq_request_ids(stack: EmbeddedStack) -> list[str]:
    return [json.loads(message["Body"])["requestId"] for message in stack.dlq_messages()]


# --- 1. one bad request must not sink the healthy ones behind it -------------------------------------


@pytest.fixture
def failing_snapshots_for(stack: EmbeddedStack) -> Iterator[Callable[[str], None]]:
    """Make every snapshot write of one request id fail (S3 refuses it): a request that can never finish."""
    doomed: set[str] = set()

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if any(f"-{request_id}/" in params.get("Key", "") for request_id in doomed):
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "PutObject")

    s3 = stack.runtime("apply").client("s3")
    s3.meta.events.register("before-parameter-build.s3.PutObject", refuse)
    yield doomed.add
    s3.meta.events.unregister("before-parameter-build.s3.PutObject", refuse)


def test_one_failing_request_goes_to_the_dlq_and_five_healthy_ones_behind_it_apply_in_order(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    pool: tuple[str, str],
    failing_snapshots_for: Callable[[str], None],
) -> None:
    # Given one request that always fails retryably, then five healthy requests for the same pool
    pool_id, _ = pool
    failing_snapshots_for("doomed")
    _send(stack, change_request(pool_id, {"UserPoolTags": {"doomed": "yes"}}, request_id="doomed"))
    lengths = [9, 10, 11, 12, 13]
    for index, length in enumerate(lengths):
        patch = {
            "Policies": {"PasswordPolicy": {"MinimumLength": length}},
            "UserPoolTags": {"step": str(index)},
        }
        _send(stack, change_request(pool_id, patch, request_id=f"healthy-{index}"))

    # When apply runs until the queue is empty
    stack.run_apply()

    # Then the failing one is in the DLQ with its failed result; the five were applied, in order
    results = _by_request(stack)
    assert [r["status"] for r in results["doomed"]] == ["failed"]
    assert results["doomed"][0]["error"]["code"] == "SnapshotFailed"
    assert _dlq_request_ids(stack) == ["doomed"]
    for index in range(5):
        assert [r["status"] for r in results[f"healthy-{index}"]] == ["applied"]
    live = _live(cognito, pool_id)
    assert live["Policies"]["PasswordPolicy"]["MinimumLength"] == lengths[-1]
    assert live["UserPoolTags"]["step"] == "4"
    assert "doomed" not in live["UserPoolTags"]
    # And each healthy request saw the previous one's value (applied in arrival order)
    befores = [
        stack.snapshot(results[f"healthy-{i}"][0]["snapshots"]["before"])["updateDocument"]
        for i in range(1, 5)
    ]
    assert [doc["Policies"]["PasswordPolicy"]["MinimumLength"] for doc in befores] == lengths[:-1]
    assert stack.queue_depth() == 0


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        pytest.param({"restore": {"snapshot": "s3://"}}, "/restore/snapshot", id="empty-s3-reference"),
        pytest.param(
            {"restore": {"snapshot": "other/key.json"}}, "/restore/snapshot", id="key-outside-snapshots"
        ),
        pytest.param({"reason": "lone \ud800 surrogate"}, "/reason", id="lone-surrogate"),
    ],
)
def test_a_request_that_can_never_succeed_is_rejected_once_and_never_blocks_its_group(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    pool: tuple[str, str],
    extra: dict[str, Any],
    path: str,
) -> None:
    # Given a poison request sent straight to the queue, then a healthy one for the same pool
    pool_id, _ = pool
    poison = change_request(pool_id, None if "restore" in extra else {"DeletionProtection": "ACTIVE"})
    poison.update(extra, requestId="poison")
    stack.send_to_queue(json.dumps(poison), group_id=stack.group_id(pool_id))
    _send(stack, change_request(pool_id, {"UserPoolTags": {"after": "poison"}}, request_id="healthy"))

    # When apply runs
    batches = stack.run_apply()

    # Then the poison is rejected once at its member, the healthy one applied, nothing retried
    results = _by_request(stack)
    assert [_refusal(r) for r in results["poison"]] == [("rejected", "InvalidRequest", path)]
    assert [r["status"] for r in results["healthy"]] == ["applied"]
    assert [b.failed_ids for b in batches] == [[]]
    assert stack.dlq_messages() == []
    assert _live(cognito, pool_id)["UserPoolTags"]["after"] == "poison"


# --- 2. a reused requestId never reports a write that did not happen --------------------------------


def test_a_reused_request_id_with_other_content_is_rejected_request_id_reused(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient
) -> None:
    # Given CHG-1234 applied to pool A through the bus
    pool_a, _ = seed.realistic_pool(cognito)
    pool_b, _ = seed.realistic_pool(cognito)
    before_b = _live(cognito, pool_b)
    stack.put_request(change_request(pool_a, {"UserPoolTags": {"ticket": "CHG-1234"}}, request_id="CHG-1234"))
    assert [o["status"] for o in stack.run_intake()] == ["queued"]
    stack.run_apply()

    # When CHG-1234 is sent again within the FIFO deduplication window, for pool B with another patch
    stack.put_request(change_request(pool_b, {"DeletionProtection": "ACTIVE"}, request_id="CHG-1234"))
    assert [o["status"] for o in stack.run_intake()] == ["queued"]
    stack.run_apply()

    # Then the queue did not drop it silently: it is rejected RequestIdReused, naming pool A, reported for
    # pool B, and pool B is untouched
    first, second = (event["detail"] for event in stack.results())
    assert (first["status"], first["target"]["userPoolId"]) == ("applied", pool_a)
    assert (second["status"], second["error"]["code"]) == ("rejected", "RequestIdReused")
    assert second["target"]["userPoolId"] == pool_b
    assert pool_a in second["error"]["message"]
    assert second["changes"] == []
    assert _live(cognito, pool_b) == before_b


def test_an_identical_resend_returns_the_recorded_result(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given a request applied once, then resent with identical content under a new message
    pool_id, _ = pool
    document = change_request(pool_id, {"UserPoolTags": {"resend": "1"}}, request_id="resend-1")
    _send(stack, document)
    stack.run_apply()
    updates = len(faults.calls("UpdateUserPool"))
    _send(stack, copy.deepcopy(document))
    stack.run_apply()
    # Then both results are identical copies and nothing was written twice
    first, second = (event["detail"] for event in stack.results())
    assert first == second
    assert len(faults.calls("UpdateUserPool")) == updates


# --- 3. restores stay inside the bucket and the target's own snapshots ------------------------------


def _first_snapshot(stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool_id: str) -> str:
    _send(stack, change_request(pool_id, {"UserPoolTags": {"v": "1"}}, request_id="make-snapshot"))
    stack.run_apply()
    [event] = stack.results()
    reference: str = event["detail"]["snapshots"]["before"]
    return reference


def _put(stack: EmbeddedStack, key: str, document: Any) -> str:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    stack.client("s3").put_object(Bucket=stack.bucket, Key=key, Body=body)
    return f"s3://{stack.bucket}/{key}"


def _restore(stack: EmbeddedStack, pool_id: str, reference: str, request_id: str) -> dict[str, Any]:
    document = change_request(pool_id, None, request_id=request_id)
    document["restore"] = {"snapshot": reference}
    _send(stack, document)
    stack.run_apply()
    [event] = stack.results()
    detail: dict[str, Any] = event["detail"]
    return detail


def test_a_restore_from_another_bucket_is_rejected_at_intake_and_at_apply(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given another bucket holding a well-formed snapshot of this very pool
    pool_id, _ = pool
    reference = _first_snapshot(stack, cognito, pool_id)
    stack.client("s3").create_bucket(
        Bucket=f"{stack.name}-evil", CreateBucketConfiguration={"LocationConstraint": stack.region}
    )
    evil = f"s3://{stack.name}-evil/evil.json"
    stack.client("s3").put_object(
        Bucket=f"{stack.name}-evil", Key="evil.json", Body=json.dumps(stack.snapshot(reference)).encode()
    )
    before = _live(cognito, pool_id)
    # When it is requested through intake, and straight on the queue
    request = change_request(pool_id, None, request_id="evil-restore")
    request["restore"] = {"snapshot": evil}
    at_intake = stack.invoke_intake(request)
    assert [event["detail"] for event in stack.results()] == [at_intake]
    result = _restore(stack, pool_id, evil, "evil-restore-2")
    # Then both refuse it at /restore/snapshot, and nothing was written
    for refused in (at_intake, result):
        assert _refusal(refused) == ("rejected", "InvalidRequest", "/restore/snapshot")
    assert stack.queue_depth() == 0
    assert _live(cognito, pool_id) == before


def test_a_snapshot_recorded_for_another_account_is_not_restored(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given a snapshot recorded for account 999999999999 / us-east-1, placed in this pool's own prefix
    pool_id, _ = pool
    reference = _first_snapshot(stack, cognito, pool_id)
    forged = stack.snapshot(reference)
    forged["target"].update(accountId=OTHER_ACCOUNT, region="us-east-1")
    forged["updateDocument"]["UserPoolTags"] = {"forged": "yes"}
    key = reference.split("/", 3)[3].replace("-make-snapshot/", "-forged/")
    before = _live(cognito, pool_id)
    # When it is restored onto the pool
    result = _restore(stack, pool_id, _put(stack, key, forged), "forged-restore")
    # Then it is rejected and the pool is untouched
    assert _refusal(result) == ("rejected", "InvalidRequest", "/restore/snapshot")
    assert "another target" in result["error"]["message"]
    assert _live(cognito, pool_id) == before


@pytest.mark.parametrize(
    "crafted",
    [
        pytest.param(b"MARKER-0xdeadbeef not json", id="not-json"),
        pytest.param({"target": "MARKER-0xdeadbeef", "updateDocument": {}}, id="target-not-object"),
        pytest.param({"target": {"userPoolId": None}, "updateDocument": []}, id="wrong-types"),
        pytest.param("<own-target>", id="bad-update-document"),
    ],
)
def test_a_crafted_snapshot_is_rejected_without_echoing_its_content(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str], crafted: Any
) -> None:
    # Given a crafted object in this pool's own snapshot prefix
    pool_id, _ = pool
    reference = _first_snapshot(stack, cognito, pool_id)
    if crafted == "<own-target>":
        crafted = stack.snapshot(reference)
        crafted["updateDocument"]["Policies"] = "MARKER-0xdeadbeef"
        crafted["updateDocument"]["MfaConfiguration"] = ["MARKER-0xdeadbeef"]
    key = reference.split("/", 3)[3].replace("-make-snapshot/", "-crafted/")
    before = _live(cognito, pool_id)
    # When restored
    result = _restore(stack, pool_id, _put(stack, key, crafted), "crafted-restore")
    # Then it is rejected once (no crash, no retry, no DLQ), and the message quotes nothing from the file
    assert _refusal(result) == ("rejected", "InvalidRequest", "/restore/snapshot")
    assert "MARKER" not in json.dumps(result)
    assert stack.dlq_messages() == []
    assert _live(cognito, pool_id) == before


def test_a_restore_of_the_targets_own_snapshot_still_works(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    pool_id, _ = pool
    before = _live(cognito, pool_id)
    reference = _first_snapshot(stack, cognito, pool_id)
    result = _restore(stack, pool_id, reference, "good-restore")
    assert result["status"] == "applied", result
    assert _live(cognito, pool_id)["UserPoolTags"] == before["UserPoolTags"]


# --- 4. another writer's change is never silently reverted -------------------------------------------


@pytest.fixture
def interleave(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], None]], None]:
    """Run ``write`` once, right after the apply function's first DescribeUserPool (another writer)."""
    original = Boto3Cognito.describe

    def arm(write: Callable[[], None]) -> None:
        pending = [write]

        def describe(self: Boto3Cognito, target: Any) -> Any:
            described = original(self, target)
            if pending and self.session is not None:  # the function's port, not the other writer's
                pending.pop()()
            return described

        monkeypatch.setattr(Boto3Cognito, "describe", describe)

    return arm


def _cli_write(stack: EmbeddedStack, pool_id: str, patch: dict[str, Any], tmp: Any) -> None:
    from poolpatch.cli import main

    out = io.StringIO()
    code = main(
        [
            "apply",
            "--user-pool-id",
            pool_id,
            "--patch",
            json.dumps(patch),
            "--endpoint-url",
            stack.endpoint_url,
            "--region",
            stack.region,
            "--snapshot-dir",
            str(tmp),
            "--output",
            "json",
        ],
        stdout=out,
    )
    assert code == 0, out.getvalue()


@pytest.mark.parametrize("guarded", [False, True], ids=["replans", "with-expected-last-modified-date"])
def test_a_write_between_read_and_update_is_never_reverted(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    pool: tuple[str, str],
    interleave: Callable[[Callable[[], None]], None],
    tmp_path: Any,
    *,
    guarded: bool,
) -> None:
    # Given a queued change of the password length, and a CLI write of a tag landing right after the
    # queue's first read
    pool_id, _ = pool
    modified = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
    interleave(lambda: _cli_write(stack, pool_id, {"UserPoolTags": {"cli": "wrote"}}, tmp_path))
    document = change_request(
        pool_id, {"Policies": {"PasswordPolicy": {"MinimumLength": 17}}}, request_id="q"
    )
    if guarded:
        document["expectedLastModifiedDate"] = modified.isoformat()
    _send(stack, document)
    # When apply runs
    stack.run_apply()
    # Then the CLI's tag stands either way
    live = _live(cognito, pool_id)
    assert live["UserPoolTags"]["cli"] == "wrote"
    [result] = (event["detail"] for event in stack.results())
    if guarded:
        # and a request carrying a precondition is refused, writing nothing
        assert (result["status"], result.get("error", {}).get("code")) == ("rejected", "PreconditionFailed")
        assert live["Policies"]["PasswordPolicy"]["MinimumLength"] != 17
        return
    # and otherwise the queue re-planned from the fresh state, with a before snapshot of the state it
    # actually replaced (with the CLI's tag)
    assert live["Policies"]["PasswordPolicy"]["MinimumLength"] == 17
    assert result["status"] == "applied"
    assert result["verification"]["differences"] == []
    before = stack.snapshot(result["snapshots"]["before"])
    assert before["updateDocument"]["UserPoolTags"]["cli"] == "wrote"


# --- 5. a crash after the update is recovered, not misreported ---------------------------------------


class Crash(BaseException):
    """The process dying: not an ``Exception``, so nothing in the function catches it."""


@pytest.fixture
def crash_after(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Kill the "process" right after the ``nth`` successful call of a Boto3Cognito method (default 1st)."""

    def arm(method: str, nth: int = 1) -> None:
        original = getattr(Boto3Cognito, method)
        calls = [0]

        def wrapper(self: Boto3Cognito, *args: Any, **kwargs: Any) -> Any:
            outcome = original(self, *args, **kwargs)
            if self.session is not None:  # the function's port, not another writer's
                calls[0] += 1
                if calls[0] == nth:
                    raise Crash
            return outcome

        monkeypatch.setattr(Boto3Cognito, method, wrapper)

    return arm


def _run_after_crash(stack: EmbeddedStack) -> None:
    """The first delivery dies; its in-progress record expires; the message is delivered again."""
    with pytest.raises(Crash):
        stack.run_apply()
    _expire_in_progress(stack)
    messages = stack.client("sqs").receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10)
    assert messages.get("Messages") is None  # still in flight, as after a crash
    stack.release_in_flight()  # the visibility timeout runs out
    stack.run_apply()


@pytest.mark.parametrize("guarded", [False, True], ids=["plain", "with-expected-last-modified-date"])
def test_a_crash_right_after_the_update_is_recovered_as_applied(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    pool: tuple[str, str],
    crash_after: Callable[..., None],
    guarded: bool,
) -> None:
    # Given a change whose process dies right after UpdateUserPool succeeded
    pool_id, _ = pool
    original = _live(cognito, pool_id)["Policies"]["PasswordPolicy"]["MinimumLength"]
    document = change_request(
        pool_id, {"Policies": {"PasswordPolicy": {"MinimumLength": 15}}}, request_id="crash"
    )
    if guarded:
        modified = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
        document["expectedLastModifiedDate"] = modified.isoformat()
    _send(stack, document)
    crash_after("update")
    # When the message is delivered again after the crash
    _run_after_crash(stack)
    # Then the request ends applied and recovered, with the first attempt's before snapshot and a new after
    [result] = (event["detail"] for event in stack.results())
    assert (result["status"], result.get("recovered")) == ("applied", True), result
    assert result["changes"] == [
        {"path": "/Policies/PasswordPolicy/MinimumLength", "before": original, "after": 15}
    ]
    befores = [key for key in stack.snapshot_keys() if key.endswith("/before.json")]
    assert len(befores) == 1
    assert result["snapshots"]["before"].endswith(befores[0])
    before = stack.snapshot(result["snapshots"]["before"])
    assert before["intent"]["updateDocument"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 15
    after = stack.snapshot(result["snapshots"]["after"])
    assert after["updateDocument"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 15
    assert len(faults.calls("UpdateUserPool")) == 1


def test_custom_attributes_added_then_a_failed_update_converge_on_retry(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given a request adding an attribute and changing a setting, whose UpdateUserPool fails once
    pool_id, _ = pool
    document = change_request(pool_id, {"UserPoolTags": {"tier": "added"}}, request_id="attr-and-update")
    document["addCustomAttributes"] = [{"Name": "plan_code", "AttributeDataType": "String", "Mutable": True}]
    faults.inject("UpdateUserPool", "InternalErrorException", status=500, times=1)
    _send(stack, document)
    # When apply runs until the queue is empty
    stack.run_apply()
    # Then the retry converges: the attribute exists once, the setting is applied, and the result reports both
    [result] = (event["detail"] for event in stack.results())
    assert result["status"] == "applied", result
    paths = [change["path"] for change in result["changes"]]
    assert "/SchemaAttributes/custom:plan_code" in paths
    assert "/UserPoolTags/tier" in paths
    names = [
        a["Name"] for a in cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["SchemaAttributes"]
    ]
    assert names.count("custom:plan_code") == 1
    assert _live(cognito, pool_id)["UserPoolTags"]["tier"] == "added"
    assert len([key for key in stack.snapshot_keys() if key.endswith("/before.json")]) == 1


# --- 6. only configured sources and accounts reach the queue -----------------------------------------


def _event(detail: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    event = {
        "version": "0",
        "id": "0d4c1b9a-8f3e-4a2b-9c1d-7e6f5a4b3c2d",
        "detail-type": "User Pool Change Requested",
        "source": "poolpatch.requests",
        "account": "123456789012",
        "time": "2026-11-29T10:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }
    event.update(overrides)
    return event


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        pytest.param({"source": "evil.source"}, "AccessDenied", id="unknown-source"),
        pytest.param({"source": "poolpatch"}, "AccessDenied", id="results-source"),
        pytest.param({"account": OTHER_ACCOUNT}, "AccessDenied", id="foreign-account"),
        pytest.param({"detail-type": "Something Else"}, "InvalidRequest", id="other-detail-type"),
        pytest.param({"time": "not a time", "resources": "x"}, "InvalidRequest", id="malformed-envelope"),
        pytest.param({"detail": ["not", "an", "object"]}, "InvalidRequest", id="detail-not-object"),
    ],
)
def test_intake_rejects_events_it_must_not_accept(
    stack: EmbeddedStack, pool: tuple[str, str], overrides: dict[str, Any], code: str
) -> None:
    # Given an event that reaches the intake function but is not an accepted change request
    pool_id, _ = pool
    event = {**_event(change_request(pool_id, {"DeletionProtection": "ACTIVE"})), **overrides}
    # When intake is invoked with it
    output = load_handler("intake")(event, LambdaContext.of("intake"))
    # Then it answers a rejected result (published too), never a traceback, and queues nothing
    assert (output["status"], output["error"]["code"]) == ("rejected", code)
    assert [e["detail"]["status"] for e in stack.results()] == ["rejected"]
    assert stack.queue_depth() == 0


def test_intake_accepts_the_configured_source_and_a_direct_request(
    stack: EmbeddedStack, pool: tuple[str, str]
) -> None:
    pool_id, _ = pool
    via_event = load_handler("intake")(
        _event(change_request(pool_id, {"DeletionProtection": "ACTIVE"}, request_id="a")),
        LambdaContext.of("intake"),
    )
    direct = stack.invoke_intake(change_request(pool_id, {"DeletionProtection": "ACTIVE"}, request_id="b"))
    assert [via_event["status"], direct["status"]] == ["queued", "queued"]
    assert stack.queue_depth() == 2


# --- 7. smaller promises ------------------------------------------------------------------------------


def test_a_custom_attribute_named_custom_prefix_only_is_refused_before_any_snapshot(
    stack: EmbeddedStack, pool: tuple[str, str]
) -> None:
    pool_id, _ = pool
    document = change_request(pool_id, None, request_id="bare-prefix")
    document["addCustomAttributes"] = [{"Name": "custom:", "AttributeDataType": "String"}]
    _send(stack, document)
    stack.run_apply()
    [result] = (event["detail"] for event in stack.results())
    assert (result["status"], result["error"]["code"]) == ("rejected", "InvalidValue")
    assert result["error"]["path"].startswith("/addCustomAttributes/0")
    assert stack.snapshot_keys() == []


def test_a_missing_snapshot_in_scope_is_rejected_not_found_once(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given a well-formed reference inside the pool's own prefix that names no object
    pool_id, _ = pool
    reference = _first_snapshot(stack, cognito, pool_id).replace("-make-snapshot/", "-never-written/")
    # When restored
    result = _restore(stack, pool_id, reference, "missing-restore")
    # Then it is rejected NotFound once (never retried into the DLQ)
    assert _refusal(result) == ("rejected", "NotFound", "/restore/snapshot")
    assert stack.dlq_messages() == []


def test_a_plan_then_an_apply_with_one_request_id_both_run(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given a plan and then its apply, sent with the same requestId within the FIFO deduplication window
    pool_id, _ = pool
    patch = {"Policies": {"PasswordPolicy": {"MinimumLength": 21}}}
    outputs = [
        stack.invoke_intake(change_request(pool_id, patch, request_id="CHG-9", mode=mode))
        for mode in ("plan", "apply")
    ]
    assert [o["status"] for o in outputs] == ["queued", "queued"]
    # When apply runs
    stack.run_apply()
    # Then both ran: the plan is reported, the apply written (the queue did not drop it as a duplicate)
    assert [e["detail"]["status"] for e in stack.results()] == ["planned", "applied"]
    assert _live(cognito, pool_id)["Policies"]["PasswordPolicy"]["MinimumLength"] == 21


def test_a_crash_after_the_update_then_another_write_is_still_recovered(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    pool: tuple[str, str],
    crash_after: Callable[..., None],
    tmp_path: Any,
) -> None:
    # Given a change whose process dies right after its update, and another writer changing a tag before the
    # message comes back
    pool_id, _ = pool
    modified = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
    document = change_request(
        pool_id, {"Policies": {"PasswordPolicy": {"MinimumLength": 15}}}, request_id="c2"
    )
    document["expectedLastModifiedDate"] = modified.isoformat()
    _send(stack, document)
    crash_after("update")
    with pytest.raises(Crash):
        stack.run_apply()
    _cli_write(stack, pool_id, {"UserPoolTags": {"other": "writer"}}, tmp_path)
    _expire_in_progress(stack)
    stack.release_in_flight()
    # When it is delivered again
    stack.run_apply()
    # Then it is recovered (its write took effect), and the other writer's tag shows as a difference
    [result] = (event["detail"] for event in stack.results())
    assert (result["status"], result.get("recovered")) == ("applied", True), result
    assert [c["path"] for c in result["changes"]] == ["/Policies/PasswordPolicy/MinimumLength"]
    assert [d["path"] for d in result["verification"]["differences"]] == ["/UserPoolTags/other"]
    assert _live(cognito, pool_id)["UserPoolTags"]["other"] == "writer"


def test_a_guarded_request_adding_attributes_converges_after_a_failed_update(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    # Given a request with expectedLastModifiedDate that adds an attribute, whose update fails once
    pool_id, _ = pool
    modified = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
    document = change_request(pool_id, {"UserPoolTags": {"guarded": "yes"}}, request_id="guarded-attr")
    document["addCustomAttributes"] = [{"Name": "guarded_attr", "AttributeDataType": "String"}]
    document["expectedLastModifiedDate"] = modified.isoformat()
    faults.inject("UpdateUserPool", "InternalErrorException", status=500, times=1)
    _send(stack, document)
    # When apply runs until the queue is empty
    stack.run_apply()
    # Then its own AddCustomAttributes did not make it fail its precondition: applied, reporting both
    [result] = (event["detail"] for event in stack.results())
    assert result["status"] == "applied", result
    assert {c["path"] for c in result["changes"]} == {
        "/UserPoolTags/guarded",
        "/SchemaAttributes/custom:guarded_attr",
    }


def test_a_restore_error_never_quotes_a_member_name_from_the_file(
    stack: EmbeddedStack, cognito: CognitoIdentityProviderClient, pool: tuple[str, str]
) -> None:
    pool_id, _ = pool
    reference = _first_snapshot(stack, cognito, pool_id)
    for index, crafted_member in enumerate(({"MARKER-KEY": 1}, {"UserPoolTags": {"aws:MARKER-TAG": "x"}})):
        snapshot = stack.snapshot(reference)
        snapshot["updateDocument"].update(crafted_member)
        key = reference.split("/", 3)[3].replace("-make-snapshot/", f"-named-{index}/")
        result = _restore(stack, pool_id, _put(stack, key, snapshot), f"named-{index}")
        assert (result["status"], result["error"]["path"]) == ("rejected", "/restore/snapshot")
        assert "MARKER" not in json.dumps(result)


def _expire_in_progress(stack: EmbeddedStack) -> None:
    for item in stack.idempotency_records():
        if item.get("status", {}).get("S") == "INPROGRESS":
            stack.client("dynamodb").update_item(
                TableName=stack.table,
                Key={"id": item["id"]},
                UpdateExpression="SET in_progress_expiration = :past",
                ExpressionAttributeValues={":past": {"N": "1"}},
            )


@pytest.mark.parametrize("guarded", [True, False], ids=["with-expected-last-modified-date", "plain"])
def test_a_crash_then_an_operator_revert_is_not_silently_undone(
    stack: EmbeddedStack,
    cognito: CognitoIdentityProviderClient,
    pool: tuple[str, str],
    crash_after: Callable[..., None],
    tmp_path: Any,
    *,
    guarded: bool,
) -> None:
    # Given a change that wrote, wrote its after snapshot, and then died; and an operator who reverted it
    pool_id, _ = pool
    modified = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
    original = _live(cognito, pool_id)["Policies"]["PasswordPolicy"]["MinimumLength"]
    patch = {"Policies": {"PasswordPolicy": {"MinimumLength": 23}}}
    document = change_request(pool_id, patch, request_id="rv")
    if guarded:
        document["expectedLastModifiedDate"] = modified.isoformat()
    _send(stack, document)
    crash_after("describe", 3)  # the verifying describe: after the update, before the after snapshot
    with pytest.raises(Crash):
        stack.run_apply()
    _cli_write(stack, pool_id, {"Policies": {"PasswordPolicy": {"MinimumLength": original}}}, tmp_path)
    _expire_in_progress(stack)
    stack.release_in_flight()
    # When the message comes back
    stack.run_apply()
    [result] = (event["detail"] for event in stack.results())
    live = _live(cognito, pool_id)["Policies"]["PasswordPolicy"]["MinimumLength"]
    if guarded:
        # Then a guarded request refuses: the target moved since its precondition held
        assert (result["status"], result["error"]["code"]) == ("rejected", "PreconditionFailed")
        assert live == original
    else:
        # Then an unguarded one applies again, cleanly: its snapshots never collide with the first attempt's
        assert result["status"] == "applied"
        assert result["verification"] == {"differences": []}
        assert live == 23
