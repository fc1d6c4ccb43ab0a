"""Fault injection and a call log for the Cognito fake, in-process and over HTTP.

State is process-wide (guarded by a lock) and consulted by the fake's request hook, which runs for every
Cognito JSON request whether it arrives through ``mock_aws`` or through a moto server thread in this
process. A server started with ``python -m poolpatch_fake.server`` runs in another process: its faults can
only be set from inside that process.

Retries: botocore retries throttling codes and HTTP 5xx (cognito-api.md §7.2); every attempt consumes one of
the ``times`` an injected fault is armed for.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from poolpatch_fake._errors import service_error

__all__ = ["add_raw_member", "calls", "inject", "reset"]

TYPE_RESPONSE = tuple[int, dict[str, Any], str | bytes]


@dataclass
class _Fault:
    error_code: str
    message: str
    status: int
    remaining: int


@dataclass
class _RawMember:
    pointer: str
    value: Any
    remaining: int


_lock = threading.Lock()
_faults: dict[str, deque[_Fault]] = {}
_raw_members: dict[str, deque[_RawMember]] = {}
_calls: list[str] = []


def inject(operation: str, error_code: str, *, times: int = 1, message: str = "", status: int = 400) -> None:
    """Make the next ``times`` calls of ``operation`` fail with ``error_code`` before touching any state.

    ``operation`` is the Cognito operation name (``"UpdateUserPool"``); faults queue in order of injection.
    """
    if times < 1:
        raise ValueError("times must be at least 1")
    fault = _Fault(error_code, message or f"Injected {error_code}", status, times)
    with _lock:
        _faults.setdefault(operation, deque()).append(fault)


def add_raw_member(operation: str, pointer: str, value: Any, *, times: int = 1) -> None:
    """Add ``value`` at JSON Pointer ``pointer`` in the raw JSON body of the next ``times`` successful
    responses of ``operation`` (missing objects on the way are created).

    Simulates a service that returns a member the installed botocore model does not know (cognito-api.md
    §2.3: botocore drops unknown response members), e.g.
    ``add_raw_member("DescribeUserPool", "/UserPool/LambdaConfig/FutureTrigger", "arn:...")``.
    """
    if times < 1:
        raise ValueError("times must be at least 1")
    _split_pointer(pointer)  # validate early
    with _lock:
        _raw_members.setdefault(operation, deque()).append(_RawMember(pointer, value, times))


def calls(operation: str | None = None) -> list[str]:
    """Return the Cognito operations received so far, in order (including ones failed by a fault),
    optionally only those named ``operation``."""
    with _lock:
        return [name for name in _calls if operation is None or name == operation]


def reset() -> None:
    """Forget every injected fault, raw member and logged call."""
    with _lock:
        _faults.clear()
        _raw_members.clear()
        _calls.clear()


def _split_pointer(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def record_and_take_fault(operation: str) -> TYPE_RESPONSE | None:
    """Log ``operation``; return the error response of an armed fault for it, if any (internal hook)."""
    with _lock:
        _calls.append(operation)
        queue = _faults.get(operation)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining == 0:
            queue.popleft()
    error = service_error(fault.error_code, fault.message, fault.status)
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amzn-ErrorType": fault.error_code,
        "status": str(fault.status),
    }
    return fault.status, headers, error.get_body()


def apply_raw_members(operation: str, body: str | bytes) -> str | bytes:
    """Add the armed raw members of ``operation`` to a successful JSON ``body`` (internal hook)."""
    with _lock:
        queue = _raw_members.get(operation)
        if not queue:
            return body
        armed = list(queue)
        for member in armed:
            member.remaining -= 1
        _raw_members[operation] = deque(member for member in armed if member.remaining > 0)
    document = json.loads(body or "{}")
    for member in armed:
        *parents, last = _split_pointer(member.pointer)
        target = document
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = member.value
    return json.dumps(document)
