"""A sweep's decisions once every target is checked: guards, corrections, totals (design.md, "Drift").

Pure functions over the target lines of :mod:`poolpatch.drift.check`:

- the stack's kill switch turns every proposal into a report;
- the 24 h anti-flap: a pointer corrected twice on one target within 24 h is not corrected again
  (``suppressed``); the rest of that target's correction proceeds;
- the correction limit: a sweep that would correct more than ``limit_percent`` of its targets (and more
  than one) queues none (``halted``), since that many at once is more likely a bad document than a
  drifted fleet;
- each remaining proposal becomes an ordinary change request with ``expectedLastModifiedDate`` from the
  detecting read, ``requestedBy: "poolpatch-drift"``, a ``reason`` naming its documents and a
  ``requestId`` unique per target, patch and sweep (a digest, so neither long nor similar keys collide).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from poolpatch.drift.check import Line, target_key
from poolpatch.drift.resolve import get_pointer, set_pointer
from poolpatch.errors import InvalidRequest, PoolpatchError
from poolpatch.merge import named_pointers, related
from poolpatch.request import parse_request

#: ``corrected`` is the CLI's (it runs corrections itself); the stack queues them (``correction-queued``).
STATUSES = (
    "in-sync",
    "drifted",
    "correction-queued",
    "corrected",
    "suppressed",
    "conflict",
    "ignored",
    "owned",
    "error",
)
REQUESTED_BY = "poolpatch-drift"
#: A pointer corrected this many times within :data:`FLAP_WINDOW` is not corrected again.
FLAP_LIMIT = 2
FLAP_WINDOW = timedelta(hours=24)
DEFAULT_LIMIT_PERCENT = 10.0
#: The largest SQS message (a correction is one message on the change queue).
MAX_MESSAGE_BYTES = 256 * 1024

#: target key ``{account}/{region}/{pool}[/{client}]`` -> pointer -> times it was corrected.
History = Mapping[str, Mapping[str, Sequence[datetime]]]


def new_sweep_id(now: datetime, token: str | None = None) -> str:
    """``{yyyymmddTHHMMSSZ}-{8 hex}`` (design.md, "Report")."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{token or secrets.token_hex(4)}"


def full_key(target: Mapping[str, Any]) -> str:
    """A target's key across the fleet: ``{accountId}/{region}/{userPoolId}[/{clientId}]``."""
    return f"{target['accountId']}/{target['region']}/{target_key(target)}"


@dataclass
class Decision:
    """What a sweep does: the final lines, the change requests to queue, and whether it halted."""

    lines: list[Line]
    corrections: list[dict[str, Any]] = field(default_factory=list)
    halted: bool = False
    #: target key -> pointers queued for correction now (the anti-flap history to record).
    corrected: dict[str, list[str]] = field(default_factory=dict)


def decide(
    lines: Sequence[Line],
    *,
    sweep_id: str,
    now: datetime,
    correction_enabled: bool = True,
    disabled_guard: str | None = "kill-switch",
    limit_percent: float | None = DEFAULT_LIMIT_PERCENT,
    history: History | None = None,
) -> Decision:
    """Apply the guards to every proposal and turn the survivors into change requests.

    With ``correction_enabled`` false, every proposal is dropped and its line names ``disabled_guard``
    (the stack's kill switch; the CLI without ``--correct`` names none). ``limit_percent=None`` disables
    the limit (a targeted check of one pool, or the CLI run by a person).
    """
    history = history or {}
    out = [dict(line) for line in lines]
    candidates: list[Line] = []
    for line in out:
        proposal = line.pop("proposal", None)
        if proposal is None:
            continue
        if not correction_enabled:
            if disabled_guard:
                _guard(line, disabled_guard)
            continue
        key = full_key(line["target"])
        flapping = _flapping(history.get(key, {}), proposal["pointers"], now)
        if flapping:
            line["suppressed"] = flapping
            proposal = _without(proposal, flapping)
            if proposal is None:
                line["status"] = "suppressed" if line["status"] in ("drifted", "owned") else line["status"]
                _guard(line, "anti-flap")
                continue
        line["proposal"] = proposal
        candidates.append(line)
    checked = sum(1 for line in out if "userPoolId" in line["target"] and line["status"] != "error")
    halted = limit_percent is not None and len(candidates) > allowed_corrections(limit_percent, checked)
    decision = Decision(out, halted=halted)
    for line in candidates:
        proposal = line.pop("proposal")
        if halted:
            _guard(line, "limit")
            continue
        request = correction_request(line, proposal, sweep_id)
        problem = _unsendable(request)
        if problem is not None:
            # One target's correction that cannot be a change request never holds up the others.
            line["status"] = "error"
            line["error"] = {
                "code": problem.code,
                "message": f"The correction cannot be queued: {problem.describe()}",
            }
            continue
        decision.corrections.append(request)
        decision.corrected[full_key(line["target"])] = list(proposal["pointers"])
        line["correction"] = {"requestId": request["requestId"], "documents": proposal["documents"]}
        if line["status"] in ("drifted", "owned", "suppressed"):
            line["status"] = "correction-queued"
    return decision


def allowed_corrections(limit_percent: float, checked: int) -> int:
    """How many targets a sweep of ``checked`` targets may correct: ``limit_percent`` of them, and at least
    one (unless the limit is 0), so a small account's one drifted pool is not held up forever.

    Deliberate refinement of design.md ("more than DriftCorrectionLimitPercent of its targets queues
    none"): the limit is there against a bad document correcting a fleet at once, which one target is not.
    """
    share = int(limit_percent * checked // 100)
    return max(share, 1) if limit_percent > 0 else 0


def correction_request(line: Line, proposal: Mapping[str, Any], sweep_id: str) -> dict[str, Any]:
    """The change request that corrects a target (v1, ``mode: apply``)."""
    target = line["target"]
    digest = hashlib.sha256(
        json.dumps([full_key(target), proposal["patch"]], sort_keys=True, default=str).encode()
    ).hexdigest()[:20]
    documents = ", ".join(proposal["documents"])
    request: dict[str, Any] = {
        "version": "1",
        "requestId": f"drift-{sweep_id}-{digest}",
        "target": dict(target),
        "patch": proposal["patch"],
        "mode": "apply",
        "requestedBy": REQUESTED_BY,
        "reason": f"poolpatch drift sweep {sweep_id}: correcting to documents {documents}"[:1024],
    }
    if line.get("lastModifiedDate"):
        request["expectedLastModifiedDate"] = line["lastModifiedDate"]
    return request


def record_corrections(
    history: History, corrected: Mapping[str, Sequence[str]], now: datetime
) -> dict[str, dict[str, list[datetime]]]:
    """The anti-flap history after ``corrected``, keeping only the last :data:`FLAP_WINDOW`."""
    out: dict[str, dict[str, list[datetime]]] = {}
    for key in {*history, *corrected}:
        pointers = {
            p: [t for t in times if now - t < FLAP_WINDOW] for p, times in history.get(key, {}).items()
        }
        for pointer in corrected.get(key, ()):
            pointers.setdefault(pointer, []).append(now)
        kept = {p: times for p, times in pointers.items() if times}
        if kept:
            out[key] = kept
    return out


def totals(lines: Sequence[Line]) -> dict[str, int]:
    """Targets per status (every status present, zero included), and ``targets`` in all."""
    counts = dict.fromkeys(STATUSES, 0)
    for line in lines:
        counts[line["status"]] = counts.get(line["status"], 0) + 1
    # Distinct targets: a pool whose client listing failed has an error line besides its own line.
    counts["targets"] = len({full_key(line["target"]) for line in lines if "userPoolId" in line["target"]})
    return counts


def has_drift(line: Mapping[str, Any]) -> bool:
    """Whether the line reports drift (or a conflict) rather than a clean or unchecked target."""
    return bool(line.get("drift")) or line["status"] == "conflict"


def _unsendable(request: Mapping[str, Any]) -> PoolpatchError | None:
    """Why a correction cannot go on the change queue (a change request, at most SQS's 256 KiB), or None."""
    try:
        parse_request(request)
    except PoolpatchError as error:
        return error
    size = len(json.dumps(request, default=str).encode())
    if size > MAX_MESSAGE_BYTES:
        return InvalidRequest(
            f"The correction is {size} bytes as a queue message; the change queue takes {MAX_MESSAGE_BYTES}.",
            path="/patch",
            remedy="Split the desired state across documents with fewer or smaller values.",
        )
    return None


def _flapping(times: Mapping[str, Sequence[datetime]], pointers: Sequence[str], now: datetime) -> list[str]:
    return [
        pointer
        for pointer in pointers
        if sum(1 for t in times.get(pointer, ()) if now - t < FLAP_WINDOW) >= FLAP_LIMIT
    ]


def _without(proposal: Mapping[str, Any], pointers: Sequence[str]) -> dict[str, Any] | None:
    """The proposal minus the leaves related to ``pointers``; None when nothing is left."""
    kept_pointers = [p for p in proposal["pointers"] if p not in pointers]
    if not kept_pointers:
        return None
    patch: dict[str, Any] = {}
    for leaf in named_pointers(proposal["patch"]):
        if not any(related(leaf, pointer) for pointer in pointers):
            set_pointer(patch, leaf, get_pointer(proposal["patch"], leaf))
    if not patch:
        return None
    return {**proposal, "patch": patch, "pointers": kept_pointers}


def _guard(line: Line, name: str) -> None:
    line["guards"] = [*line.get("guards", []), name]
