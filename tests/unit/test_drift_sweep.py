"""A sweep's decisions (design.md, "Drift", "Guards"): kill switch, 24 h anti-flap, correction limit, and the
change requests that correct drift (ids, preconditions, reasons) as the change queue's parser reads them."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from poolpatch.drift.report import SUMMARY_LIMIT, Report
from poolpatch.drift.sweep import (
    STATUSES,
    Decision,
    History,
    decide,
    full_key,
    has_drift,
    new_sweep_id,
    record_corrections,
    totals,
)
from poolpatch.request import REQUEST_ID, Target, parse_request

ACCOUNT = "111122223333"
REGION = "eu-west-1"
NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
SWEEP = "20250314T092653Z-0a1b2c3d"
MIN_LENGTH = "/Policies/PasswordPolicy/MinimumLength"
SYMBOLS = "/Policies/PasswordPolicy/RequireSymbols"
MODIFIED = "2025-03-13T17:02:11.123+00:00"


def _target(pool: str, client: str | None = None, *, account: str = ACCOUNT) -> dict[str, str]:
    target = {"userPoolId": pool, "accountId": account, "region": REGION}
    if client:
        target["clientId"] = client
    return target


def _key(target: dict[str, str]) -> str:
    # The test's own key: {account}/{region}/{pool}[/{client}] (design.md's anti-flap history key).
    parts = [target["accountId"], target["region"], target["userPoolId"], target.get("clientId")]
    return "/".join(part for part in parts if part)


def _line(
    pool: str,
    *,
    client: str | None = None,
    status: str = "drifted",
    patch: dict[str, Any] | None = None,
    pointers: list[str] | None = None,
    documents: list[str] | None = None,
    modified: str | None = MODIFIED,
    account: str = ACCOUNT,
) -> dict[str, Any]:
    """A checked target's line; with ``patch`` it carries a proposal (its correction)."""
    target = _target(pool, client, account=account)
    line: dict[str, Any] = {
        "target": target,
        "kind": "client" if client else "pool",
        "status": status,
        "drift": [],
        "documents": documents or ["baseline"],
    }
    if modified:
        line["lastModifiedDate"] = modified
    if patch is not None:
        line["drift"] = [{"path": p, "document": (documents or ["baseline"])[0]} for p in pointers or []]
        line["proposal"] = {
            "patch": patch,
            "pointers": pointers or [],
            "documents": documents or ["baseline"],
        }
    return line


def _min_length(value: int = 14) -> dict[str, Any]:
    return {"Policies": {"PasswordPolicy": {"MinimumLength": value}}}


def _drifted(pool: str, **members: Any) -> dict[str, Any]:
    return _line(pool, patch=_min_length(), pointers=[MIN_LENGTH], **members)


def _in_sync(count: int, prefix: str = "eu-west-1_Sync") -> list[dict[str, Any]]:
    return [_line(f"{prefix}{index}", status="in-sync") for index in range(count)]


def _decide(lines: list[dict[str, Any]], **kwargs: Any) -> Decision:
    kwargs.setdefault("sweep_id", SWEEP)
    kwargs.setdefault("now", NOW)
    return decide(copy.deepcopy(lines), **kwargs)


# --------------------------------------------------------------------------------------------------
# Kill switch
# --------------------------------------------------------------------------------------------------


def test_kill_switch_reports_every_proposal_and_queues_none() -> None:
    # Given two drifted targets with proposals among in-sync ones
    lines = [_drifted("eu-west-1_A"), _drifted("eu-west-1_B"), *_in_sync(30)]
    # When correction is turned off for the stack
    decision = _decide(lines, correction_enabled=False)
    # Then nothing is queued; the drifted lines name the kill switch and keep their status
    assert decision.corrections == []
    assert decision.corrected == {}
    assert decision.halted is False
    drifted = [line for line in decision.lines if line["status"] == "drifted"]
    assert [line["target"]["userPoolId"] for line in drifted] == ["eu-west-1_A", "eu-west-1_B"]
    assert [line["guards"] for line in drifted] == [["kill-switch"], ["kill-switch"]]
    assert all("proposal" not in line and "correction" not in line for line in decision.lines)
    assert all("guards" not in line for line in decision.lines if line["status"] == "in-sync")


def test_correction_off_without_guard_name_adds_no_guard() -> None:
    # Given the CLI without --correct (no guard to name)
    decision = _decide([_drifted("eu-west-1_A")], correction_enabled=False, disabled_guard=None)
    # Then the line is plain drift: no guard, no proposal, nothing queued
    assert decision.corrections == []
    assert decision.lines[0]["status"] == "drifted"
    assert "guards" not in decision.lines[0]
    assert "proposal" not in decision.lines[0]


def test_decide_does_not_mutate_its_input() -> None:
    lines = [_drifted("eu-west-1_A"), *_in_sync(20)]
    before = copy.deepcopy(lines)
    decide(lines, sweep_id=SWEEP, now=NOW)
    assert lines == before


# --------------------------------------------------------------------------------------------------
# Anti-flap (24 h)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["drifted", "owned"])
def test_pointer_corrected_twice_within_24h_is_suppressed(status: str) -> None:
    # Given a pointer corrected 1 h and 23 h 59 min ago on this target
    line = _drifted("eu-west-1_A", status=status)
    history: History = {
        _key(line["target"]): {MIN_LENGTH: [NOW - timedelta(hours=1), NOW - timedelta(hours=23, minutes=59)]}
    }
    # When the sweep decides
    decision = _decide([line, *_in_sync(30)], history=history)
    # Then it is not corrected again: status suppressed, guard anti-flap, the pointer listed
    out = decision.lines[0]
    assert decision.corrections == []
    assert decision.corrected == {}
    assert out["status"] == "suppressed"
    assert out["guards"] == ["anti-flap"]
    assert out["suppressed"] == [MIN_LENGTH]
    assert "proposal" not in out


@pytest.mark.parametrize(
    "ages",
    [
        pytest.param([timedelta(hours=25), timedelta(hours=1)], id="one-older-than-24h"),
        pytest.param([timedelta(hours=24), timedelta(minutes=5)], id="one-exactly-24h"),
        pytest.param([timedelta(hours=2)], id="once"),
        pytest.param([timedelta(days=3), timedelta(days=2)], id="both-old"),
    ],
)
def test_corrections_outside_the_window_do_not_count(ages: list[timedelta]) -> None:
    # Given fewer than two corrections of the pointer within the last 24 h
    line = _drifted("eu-west-1_A")
    history: History = {_key(line["target"]): {MIN_LENGTH: [NOW - age for age in ages]}}
    # When the sweep decides
    decision = _decide([line, *_in_sync(30)], history=history)
    # Then the pointer is corrected
    assert [request["patch"] for request in decision.corrections] == [_min_length()]
    assert decision.lines[0]["status"] == "correction-queued"
    assert "suppressed" not in decision.lines[0]


def test_flapping_pointer_of_another_target_or_pointer_does_not_suppress() -> None:
    line = _drifted("eu-west-1_A")
    recent = [NOW - timedelta(hours=1), NOW - timedelta(hours=2)]
    history: History = {
        _key(_target("eu-west-1_B")): {MIN_LENGTH: recent},
        _key(_target("eu-west-1_A", "client1")): {MIN_LENGTH: recent},
        _key(line["target"]): {SYMBOLS: recent},
    }
    decision = _decide([line, *_in_sync(30)], history=history)
    assert len(decision.corrections) == 1
    assert decision.lines[0]["status"] == "correction-queued"


def test_only_the_flapping_pointer_of_a_target_is_held_back() -> None:
    # Given a target drifted on two pointers, one of which was corrected twice in the last 24 h
    patch = {"Policies": {"PasswordPolicy": {"MinimumLength": 14, "RequireSymbols": True}}}
    line = _line("eu-west-1_A", patch=patch, pointers=[MIN_LENGTH, SYMBOLS], documents=["a", "b"])
    history: History = {
        _key(line["target"]): {MIN_LENGTH: [NOW - timedelta(hours=3), NOW - timedelta(hours=20)]}
    }
    # When the sweep decides
    decision = _decide([line, *_in_sync(30)], history=history)
    # Then the other pointer is corrected alone, and the flapping one is listed as suppressed
    assert len(decision.corrections) == 1
    request = decision.corrections[0]
    assert request["patch"] == {"Policies": {"PasswordPolicy": {"RequireSymbols": True}}}
    out = decision.lines[0]
    assert out["suppressed"] == [MIN_LENGTH]
    assert out["status"] == "correction-queued"
    assert "guards" not in out
    assert decision.corrected == {_key(line["target"]): [SYMBOLS]}
    assert out["correction"] == {"requestId": request["requestId"], "documents": ["a", "b"]}


# --------------------------------------------------------------------------------------------------
# Correction limit
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "drifted", "limit", "halted"),
    [
        pytest.param(10, 1, 10.0, False, id="10pct-of-10-exactly"),
        pytest.param(10, 2, 10.0, True, id="one-more-than-10pct-of-10"),
        pytest.param(20, 5, 25.0, False, id="25pct-of-20-exactly"),
        pytest.param(20, 6, 25.0, True, id="one-more-than-25pct-of-20"),
        pytest.param(3, 1, 33.4, False, id="1-of-3-under-33.4pct"),
        pytest.param(3, 1, 33.3, False, id="1-of-3-over-33.3pct-is-the-one-always-allowed"),
        pytest.param(3, 2, 33.3, True, id="2-of-3-over-33.3pct"),
        pytest.param(2, 1, 10.0, False, id="the-one-drifted-pool-of-a-small-account"),
        pytest.param(5, 2, 10.0, True, id="2-of-5-over-10pct"),
        pytest.param(50, 50, 100.0, False, id="all-at-100pct"),
        pytest.param(1, 1, 0.0, True, id="zero-pct"),
    ],
)
def test_correction_limit_boundary(targets: int, drifted: int, limit: float, halted: bool) -> None:
    # Given `targets` checked targets of which `drifted` carry a proposal, plus a unit that could not be
    # checked at all (not a target)
    lines = [_drifted(f"eu-west-1_D{index}") for index in range(drifted)]
    lines += _in_sync(targets - drifted)
    unit_error = {
        "target": {"accountId": "444455556666", "region": REGION},
        "status": "error",
        "drift": [],
        "error": {"code": "AccessDenied", "message": "no role"},
    }
    # When the sweep decides with the limit
    decision = _decide([*lines, unit_error], limit_percent=limit)
    # Then exactly limit % is allowed (and always one, unless the limit is 0) and one more halts the sweep
    assert decision.halted is halted
    assert len(decision.corrections) == (0 if halted else drifted)


def test_halted_sweep_queues_nothing_and_guards_every_candidate() -> None:
    # Given 3 proposals among 10 targets (30 % > 10 %), one of them on a flapping pointer's other part
    lines = [_drifted("eu-west-1_A"), _drifted("eu-west-1_B"), _drifted("eu-west-1_C"), *_in_sync(7)]
    # When the sweep decides with the default 10 %
    decision = _decide(lines)
    # Then it halts: no request, every candidate reported with guard "limit", still drifted
    assert decision.halted is True
    assert decision.corrections == []
    assert decision.corrected == {}
    candidates = decision.lines[:3]
    assert [line["guards"] for line in candidates] == [["limit"]] * 3
    assert [line["status"] for line in candidates] == ["drifted"] * 3
    assert all("proposal" not in line and "correction" not in line for line in decision.lines)


def test_no_limit_never_halts() -> None:
    lines = [_drifted(f"eu-west-1_D{index}") for index in range(12)]
    decision = _decide(lines, limit_percent=None)
    assert decision.halted is False
    assert len(decision.corrections) == 12
    assert {line["status"] for line in decision.lines} == {"correction-queued"}


def test_suppressed_target_is_not_a_candidate_for_the_limit() -> None:
    # Given 2 proposals among 10 targets, one fully suppressed by the anti-flap
    flapping = _drifted("eu-west-1_A")
    history: History = {_key(flapping["target"]): {MIN_LENGTH: [NOW - timedelta(hours=1)] * 2}}
    lines = [flapping, _drifted("eu-west-1_B"), *_in_sync(8)]
    # When the sweep decides with 10 %
    decision = _decide(lines, history=history, limit_percent=10.0)
    # Then only one correction is a candidate (10 %): allowed
    assert decision.halted is False
    assert [r["target"]["userPoolId"] for r in decision.corrections] == ["eu-west-1_B"]


# --------------------------------------------------------------------------------------------------
# Correction requests
# --------------------------------------------------------------------------------------------------


def test_correction_request_members() -> None:
    # Given a drifted client decided by two documents
    patch = {"CallbackURLs": ["https://app.example.com/cb"]}
    line = _line(
        "eu-west-1_AbC",
        client="1abc2def",
        patch=patch,
        pointers=["/CallbackURLs"],
        documents=["prod-web", "team-a/callbacks"],
    )
    # When the sweep decides
    decision = _decide([line, *_in_sync(30)])
    # Then one v1 apply request with the detecting read's date, the drift requester and a reason
    [request] = decision.corrections
    assert set(request) == {
        "version",
        "requestId",
        "target",
        "patch",
        "mode",
        "requestedBy",
        "reason",
        "expectedLastModifiedDate",
    }
    assert request["version"] == "1"
    assert request["mode"] == "apply"
    assert request["target"] == _target("eu-west-1_AbC", "1abc2def")
    assert request["patch"] == patch
    assert request["expectedLastModifiedDate"] == MODIFIED
    assert request["requestedBy"] == "poolpatch-drift"
    assert "prod-web" in request["reason"]
    assert "team-a/callbacks" in request["reason"]
    assert SWEEP in request["reason"]
    assert len(request["reason"]) <= 1024
    assert re.fullmatch(rf"drift-{re.escape(SWEEP)}-[0-9a-f]{{20}}", request["requestId"])
    assert len(request["requestId"]) <= 128
    assert REQUEST_ID.fullmatch(request["requestId"])
    out = decision.lines[0]
    assert out["status"] == "correction-queued"
    assert out["correction"] == {
        "requestId": request["requestId"],
        "documents": ["prod-web", "team-a/callbacks"],
    }
    assert decision.corrected == {_key(line["target"]): ["/CallbackURLs"]}


def test_line_without_read_date_gives_no_precondition() -> None:
    decision = _decide([_drifted("eu-west-1_A", modified=None), *_in_sync(30)])
    assert "expectedLastModifiedDate" not in decision.corrections[0]


def test_reason_is_capped_at_1024_characters() -> None:
    names = [f"document-{index:03d}-" + "x" * 40 for index in range(40)]
    decision = _decide([_drifted("eu-west-1_A", documents=names), *_in_sync(30)])
    assert len(decision.corrections[0]["reason"]) == 1024


def test_every_correction_request_is_accepted_by_the_change_request_parser() -> None:
    # Given pool and client corrections, with and without a read date, with nulls and nested members
    lines = [
        _drifted("eu-west-1_A"),
        _line(
            "eu-west-1_B", patch={"LambdaConfig": {"PreSignUp": None}}, pointers=["/LambdaConfig/PreSignUp"]
        ),
        _line(
            "eu-west-1_C",
            client="c" * 128,
            patch={"RefreshTokenValidity": 30, "TokenValidityUnits": {"RefreshToken": "days"}},
            pointers=["/RefreshTokenValidity"],
            modified=None,
        ),
        _line("eu-west-1_D", client="x+y", patch={"LogoutURLs": []}, pointers=["/LogoutURLs"]),
    ]
    decision = _decide(lines, limit_percent=None)
    assert len(decision.corrections) == 4
    for line, request in zip(lines, decision.corrections, strict=True):
        # When the change queue parses it
        parsed = parse_request(request)
        # Then it is the correction the line proposed
        target = line["target"]
        assert parsed.request_id == request["requestId"]
        assert parsed.target == Target(
            target["userPoolId"], target.get("clientId"), target["accountId"], target["region"]
        )
        assert parsed.patch == line["proposal"]["patch"]
        assert parsed.mode == "apply"
        assert parsed.requested_by == "poolpatch-drift"
        expected = datetime.fromisoformat(line["lastModifiedDate"]) if "lastModifiedDate" in line else None
        assert parsed.expected_last_modified == expected


def _request_ids(lines: list[dict[str, Any]], sweep: str = SWEEP) -> list[str]:
    decision = _decide(lines, sweep_id=sweep, limit_percent=None)
    return [request["requestId"] for request in decision.corrections]


def test_request_ids_are_unique_per_target_patch_and_sweep() -> None:
    # Given targets whose keys differ only by a separator, targets whose keys only differ after 127
    # characters (a truncating scheme would merge), one target with two different patches, and
    # another account holding the same pool id
    long_a, long_b = "c" * 127 + "a", "c" * 127 + "b"
    lines = [
        _drifted("eu-west-1_Ab", client="cd"),
        _drifted("eu-west-1_Abcd"),
        _drifted("eu-west-1_Xyz", client=long_a),
        _drifted("eu-west-1_Xyz", client=long_b),
        _line("eu-west-1_P", patch=_min_length(12), pointers=[MIN_LENGTH]),
        _line("eu-west-1_P", patch=_min_length(16), pointers=[MIN_LENGTH]),
        _drifted("eu-west-1_Ab", client="cd", account="444455556666"),
    ]
    # Sanity of the test data: the colliding schemes really would collide
    keys = [_key(line["target"]) for line in lines]
    assert keys[0].replace("/", "") == f"{ACCOUNT}{REGION}eu-west-1_Abcd" == keys[1].replace("/", "")
    assert f"drift-{SWEEP}-{keys[2]}"[:128] == f"drift-{SWEEP}-{keys[3]}"[:128]
    # When two sweeps decide
    first, second = _request_ids(lines), _request_ids(lines, "20250314T100000Z-ffffffff")
    # Then every request id differs, within a sweep and across sweeps
    assert len(first) == len(second) == len(lines)
    assert len(set(first)) == len(lines)
    assert not set(first) & set(second)
    for request_id in [*first, *second]:
        assert len(request_id) <= 128
        assert REQUEST_ID.fullmatch(request_id)


def test_request_id_is_stable_for_the_same_target_patch_and_sweep() -> None:
    lines = [_drifted("eu-west-1_A"), *_in_sync(30)]
    assert _request_ids(lines) == _request_ids(copy.deepcopy(lines))


# --------------------------------------------------------------------------------------------------
# History, totals, ids
# --------------------------------------------------------------------------------------------------


def test_record_corrections_keeps_the_last_24_hours() -> None:
    # Given a history with fresh, stale and boundary times, and this sweep's corrections
    fresh, stale, boundary = NOW - timedelta(hours=23), NOW - timedelta(hours=25), NOW - timedelta(hours=24)
    history: History = {
        "k/old": {MIN_LENGTH: [stale, boundary]},
        "k/mixed": {MIN_LENGTH: [stale, fresh], SYMBOLS: [boundary]},
        "k/now": {MIN_LENGTH: [fresh]},
    }
    corrected = {"k/now": [MIN_LENGTH, SYMBOLS], "k/new": ["/DeletionProtection"]}
    # When recorded
    recorded = record_corrections(history, corrected, NOW)
    # Then only times younger than 24 h are kept, with this sweep's time appended; empty keys vanish
    assert recorded == {
        "k/mixed": {MIN_LENGTH: [fresh]},
        "k/now": {MIN_LENGTH: [fresh, NOW], SYMBOLS: [NOW]},
        "k/new": {"/DeletionProtection": [NOW]},
    }


def test_recorded_corrections_make_the_next_sweep_suppress() -> None:
    # Given a pointer corrected by two sweeps an hour apart
    line = _drifted("eu-west-1_A")
    lines = [line, *_in_sync(30)]
    history: dict[str, Any] = {}
    for hours in (2, 1):
        decision = _decide(lines, now=NOW - timedelta(hours=hours), history=history)
        history = record_corrections(history, decision.corrected, NOW - timedelta(hours=hours))
    # When the third sweep decides
    decision = _decide(lines, history=history)
    # Then it is suppressed
    assert decision.corrections == []
    assert decision.lines[0]["status"] == "suppressed"


def test_totals_count_every_status_and_targets() -> None:
    # Given one line of each status, two drifted ones and a unit error line
    lines: list[dict[str, Any]] = [
        _line(f"eu-west-1_P{index}", status=status) for index, status in enumerate(STATUSES)
    ]
    lines.append(_line("eu-west-1_Extra", status="drifted"))
    lines.append({"target": {"accountId": ACCOUNT, "region": "us-east-1"}, "status": "error", "drift": []})
    # When totalled
    counts = totals(lines)
    # Then every status is present, zeros included, and targets excludes the unit line
    expected = dict.fromkeys(STATUSES, 1)
    expected["drifted"] = 2
    expected["error"] = 2
    assert counts == {**expected, "targets": len(STATUSES) + 1}
    assert set(STATUSES) == {
        "in-sync",
        "drifted",
        "correction-queued",
        "corrected",
        "suppressed",
        "conflict",
        "ignored",
        "owned",
        "error",
    }


def test_totals_of_nothing_are_zeros() -> None:
    assert totals([]) == {**dict.fromkeys(STATUSES, 0), "targets": 0}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"status": "in-sync", "drift": []}, False),
        ({"status": "drifted", "drift": [{"path": "/A"}]}, True),
        ({"status": "conflict", "drift": []}, True),
        ({"status": "error"}, False),
    ],
)
def test_has_drift(line: dict[str, Any], expected: bool) -> None:
    assert has_drift(line) is expected


def test_sweep_id_shape_in_utc() -> None:
    local = datetime(2025, 3, 14, 11, 26, 53, tzinfo=timezone(timedelta(hours=2)))
    assert new_sweep_id(local, "0a1b2c3d") == "20250314T092653Z-0a1b2c3d"
    generated = {new_sweep_id(NOW) for _ in range(20)}
    assert all(re.fullmatch(r"20250314T092653Z-[0-9a-f]{8}", sweep) for sweep in generated)
    assert len(generated) > 1


def test_full_key() -> None:
    assert full_key(_target("eu-west-1_A")) == f"{ACCOUNT}/{REGION}/eu-west-1_A"
    assert full_key(_target("eu-west-1_A", "c1")) == f"{ACCOUNT}/{REGION}/eu-west-1_A/c1"


# --------------------------------------------------------------------------------------------------
# The report (report.json, targets.jsonl, summary.md) from a sweep's final lines
# --------------------------------------------------------------------------------------------------

OTHER_ACCOUNT = "444455556666"
STARTED = datetime(2025, 3, 14, 9, 26, 53, 700000, tzinfo=UTC)
FINISHED = datetime(2025, 3, 14, 11, 30, 1, tzinfo=timezone(timedelta(hours=2)))
DOCUMENTS = [
    {"name": "baseline", "key": "desired/baseline.json", "valid": True},
    {
        "name": None,
        "key": "desired/bad.json",
        "valid": False,
        "error": {
            "code": "TargetNotAllowed",
            "message": "Account 9 is not allowed.",
            "path": "/selector/accountIds",
        },
    },
]


def _report_lines() -> list[dict[str, Any]]:
    owned = _line("eu-west-1_Owned", status="owned")
    owned["owner"] = {"type": "cloudformation", "stack": "identity-prod"}
    owned["drift"] = [{"path": MIN_LENGTH, "desired": 14, "live": 8, "document": "baseline"}]
    queued = _line("eu-west-1_Queued", status="correction-queued")
    queued["drift"] = [
        {"path": "/DeletionProtection", "desired": "ACTIVE", "live": "INACTIVE", "document": "b"}
    ]
    queued["correction"] = {"requestId": "drift-x-0123456789abcdef0123", "documents": ["b"]}
    conflict = _line("eu-west-1_Conflict", status="conflict")
    conflict["conflicts"] = [{"path": MIN_LENGTH, "documents": ["a", "b"]}]
    error = _line("eu-west-1_Error", client="c1", status="error")
    error["error"] = {"code": "AccessDenied", "message": "DescribeUserPoolClient failed"}
    return [
        _line("eu-west-1_Zeta", status="in-sync", account=OTHER_ACCOUNT),
        owned,
        queued,
        conflict,
        error,
        _line("eu-west-1_Error", status="in-sync"),
        {
            "target": {"accountId": OTHER_ACCOUNT, "region": "us-east-1"},
            "status": "error",
            "drift": [],
            "error": {"code": "AccessDenied", "message": "AssumeRole failed"},
        },
    ]


def _report(**members: Any) -> Report:
    values: dict[str, Any] = {
        "sweep_id": SWEEP,
        "trigger": "schedule",
        "started": STARTED,
        "finished": FINISHED,
        "lines": _report_lines(),
        "documents": DOCUMENTS,
    }
    values.update(members)
    return Report(**values)


def test_report_json_has_times_totals_units_and_documents() -> None:
    # Given a sweep's lines across two accounts, one unit that failed as a whole
    document = _report(location="s3://bucket/drift-reports/x/", throttled=4, limit_percent=10.0).document()
    # Then report.json carries the times in UTC, totals with throttling, per-unit counts and documents
    assert document["sweepId"] == SWEEP
    assert (document["startedAt"], document["finishedAt"]) == ("2025-03-14T09:26:53Z", "2025-03-14T09:30:01Z")
    assert document["totals"] == {
        **dict.fromkeys(STATUSES, 0),
        "in-sync": 2,
        "owned": 1,
        "correction-queued": 1,
        "conflict": 1,
        "error": 2,
        "targets": 6,
        "throttled": 4,
    }
    assert document["units"] == [
        {
            "accountId": ACCOUNT,
            "region": REGION,
            "targets": 5,
            "counts": {"owned": 1, "correction-queued": 1, "conflict": 1, "error": 1, "in-sync": 1},
        },
        {"accountId": OTHER_ACCOUNT, "region": REGION, "targets": 1, "counts": {"in-sync": 1}},
        {
            "accountId": OTHER_ACCOUNT,
            "region": "us-east-1",
            "targets": 0,
            "counts": {},
            "error": {"code": "AccessDenied", "message": "AssumeRole failed"},
        },
    ]
    assert document["documents"] == DOCUMENTS
    assert (document["halted"], document["correction"], document["limitPercent"]) == (False, "enabled", 10.0)
    assert document["location"] == "s3://bucket/drift-reports/x/"
    assert "location" not in _report().document()
    # an account and Region the sweep covered with no target still has its (empty) counts
    quiet = _report(unit_keys=[("999988887777", "eu-north-1")]).document()["units"]
    assert {"accountId": "999988887777", "region": "eu-north-1", "targets": 0, "counts": {}} in quiet


def test_targets_jsonl_is_one_line_per_target_in_account_region_pool_client_order() -> None:
    text = _report().targets_jsonl()
    assert text.endswith("\n")
    parsed = [json.loads(row) for row in text.splitlines()]
    order = [
        tuple(line["target"].get(k, "") for k in ("accountId", "region", "userPoolId", "clientId"))
        for line in parsed
    ]
    assert order == [
        (ACCOUNT, REGION, "eu-west-1_Conflict", ""),
        (ACCOUNT, REGION, "eu-west-1_Error", ""),
        (ACCOUNT, REGION, "eu-west-1_Error", "c1"),
        (ACCOUNT, REGION, "eu-west-1_Owned", ""),
        (ACCOUNT, REGION, "eu-west-1_Queued", ""),
        (OTHER_ACCOUNT, REGION, "eu-west-1_Zeta", ""),
        (OTHER_ACCOUNT, "us-east-1", "", ""),
    ]
    by_pool = {(line["target"].get("userPoolId"), line["target"].get("clientId")): line for line in parsed}
    assert by_pool[("eu-west-1_Owned", None)]["owner"] == {"type": "cloudformation", "stack": "identity-prod"}


def test_targets_jsonl_encodes_timestamps_and_keeps_unicode() -> None:
    line = _line("eu-west-1_A", status="drifted")
    line["drift"] = [{"path": "/UserPoolTags/ümlaut", "desired": "é", "live": datetime(2025, 1, 2, 3, 4, 5)}]
    [row] = _report(lines=[line]).targets_jsonl().splitlines()
    assert json.loads(row)["drift"] == [
        {"path": "/UserPoolTags/ümlaut", "desired": "é", "live": "2025-01-02T03:04:05Z"}
    ]
    assert "ümlaut" in row


def test_summary_md_for_people() -> None:
    summary = _report(halted=True, limit_percent=10.0).summary_md()
    assert summary.startswith(f"# poolpatch drift sweep {SWEEP}\n")
    assert "6 targets checked with 1 valid documents (1 invalid)" in summary
    assert "**Halted**: more than 10 % of the targets" in summary
    assert "| in-sync | 2 |" in summary
    assert "| drifted |" not in summary  # zero counts are left out
    assert (
        "- `desired/bad.json`: TargetNotAllowed at `/selector/accountIds`: Account 9 is not allowed."
        in summary
    )
    assert f"- `{ACCOUNT}/{REGION}/eu-west-1_Owned` (owned by stack `identity-prod`)" in summary
    assert f"  - `{MIN_LENGTH}`: live `8`, desired `14` (baseline)" in summary
    assert "  - conflict at `/Policies/PasswordPolicy/MinimumLength` between `a`, `b`" in summary
    assert "  - correction `drift-x-0123456789abcdef0123`" in summary
    assert (
        f"- `{ACCOUNT}/{REGION}/eu-west-1_Error/c1`: AccessDenied: DescribeUserPoolClient failed" in summary
    )
    assert summary.index("## Corrections queued") < summary.index(
        "## Drifted, owned by a CloudFormation stack"
    )
    assert "## Drifted (reported)" not in summary


@pytest.mark.parametrize(
    ("correction", "expected"),
    [
        ("disabled", "Correction is turned off for this stack (DriftCorrection): drift is reported only."),
        ("not requested (--correct)", "Drift is reported only: correction not requested (--correct)."),
    ],
)
def test_summary_md_says_when_correction_is_off(correction: str, expected: str) -> None:
    assert expected in _report(correction=correction).summary_md()


def test_summary_md_lists_at_most_the_limit_per_section() -> None:
    lines = [_line(f"eu-west-1_P{index:04d}", status="drifted") for index in range(SUMMARY_LIMIT + 7)]
    for line in lines:
        line["drift"] = [{"path": "/X", "desired": "a" * 100, "live": None, "document": "d"}]
    summary = _report(lines=lines, documents=[]).summary_md()
    assert summary.count(f"- `{ACCOUNT}/{REGION}/eu-west-1_P") == SUMMARY_LIMIT
    assert "- … and 7 more (targets.jsonl lists every one)" in summary
    # a JSON text over 60 characters is cut to its first 57 and an ellipsis; None reads (absent)
    assert 'live `(absent)`, desired `"' + "a" * 56 + "…`" in summary


# --------------------------------------------------------------------------------------------------
# A correction that cannot be queued
# --------------------------------------------------------------------------------------------------


def test_a_correction_too_large_for_the_queue_is_an_error_and_the_others_proceed() -> None:
    # Given two drifted targets, one whose correction escapes to more than SQS's 256 KiB
    huge = {"UserPoolTags": {f"k{index}": "é" * 250 for index in range(300)}}
    lines = [_line("eu-west-1_Big", patch=huge, pointers=["/UserPoolTags/k0"]), _drifted("eu-west-1_A")]
    # When the sweep decides without a limit
    decision = _decide(lines, limit_percent=None)
    # Then the large one is an error line naming the remedy, and the other correction is queued
    big, small = decision.lines
    assert big["status"] == "error"
    assert big["error"]["code"] == "InvalidRequest"
    assert "cannot be queued" in big["error"]["message"]
    assert [request["target"]["userPoolId"] for request in decision.corrections] == ["eu-west-1_A"]
    assert small["status"] == "correction-queued"
