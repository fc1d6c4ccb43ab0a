"""Fault injection, request-rate quotas, latency and a call log for the Cognito fake (in-process, HTTP).

State is process-wide (guarded by a lock) and consulted by the fake's request hook, which runs for every
Cognito JSON request whether it arrives through ``mock_aws`` or through a moto server thread in this
process. A server started with ``python -m poolpatch_fake.server`` runs in another process: its faults can
only be set from inside that process; its quotas, latency and stats through the server's control API
(``poolpatch_fake.server.configure``, ``fetch_stats``).

Retries: botocore retries throttling codes and HTTP 5xx (cognito-api.md §7.2); every attempt consumes one of
the ``times`` an injected fault is armed for.

Request-rate quotas (``set_read_quotas``, off by default): the service throttles each account's requests per
Region and quota category (cognito-api.md §7.1, cognito-surface.md §13) with HTTP 400
``TooManyRequestsException`` ("Too many requests") before touching state. The fake keeps one token bucket per
(account id, Region, category) refilled at the category's rate. The service documents requests per second,
not its burst, so the bucket holds one second's worth of tokens (burst = rate, at least 1) and starts full:
the conservative reading, which a caller that stays within the documented rate never trips. Optionally
(``per_pool_rate``) the per-user-pool cap on each operation of the client and resource categories is enforced
the same way, per (account, Region, pool, operation). Operations in no category are never throttled.

Latency (``set_latency``, off by default): every admitted request sleeps that long before its handler runs
(outside any lock), so concurrent callers of a threaded moto server overlap as against the service.

The buckets read ``time.monotonic`` unless a test sets its own clock (``set_clock``, in-process only): a
test that asserts which request of a burst is throttled, or that a bucket refills, then decides how much time
passes instead of depending on how fast the machine runs its requests.

``quota_stats()`` counts, per account and category, the requests admitted and throttled (always on, also
with quotas off; operations in no category are counted under ``"(none)"``). Each request's order of checks:
log the call, quota check, latency, injected fault, handler.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from poolpatch_fake._errors import service_error

__all__ = [
    "DEFAULT_RATES",
    "QUOTA_CATEGORIES",
    "UNCATEGORIZED",
    "add_raw_member",
    "calls",
    "clear_read_quotas",
    "inject",
    "latency_ms",
    "read_quotas",
    "reset",
    "reset_quota_stats",
    "quota_stats",
    "sent",
    "set_clock",
    "set_latency",
    "set_read_quotas",
]

TYPE_RESPONSE = tuple[int, dict[str, Any], str | bytes]


@dataclass
class _Fault:
    error_code: str
    message: str
    status: int
    remaining: int
    skip: int = 0


@dataclass
class _RawMember:
    pointer: str
    value: Any
    remaining: int


def _category(category: str, *operations: str) -> dict[str, str]:
    return dict.fromkeys(operations, category)


#: The request-rate quota category of each Cognito user-pool management operation (DG ``quotas.html``
#: ``#category_operations``, as summarised in cognito-api.md §7.1 and cognito-surface.md §13).
QUOTA_CATEGORIES: Final[Mapping[str, str]] = {
    **_category("UserPoolRead", "DescribeUserPool", "ListUserPools"),
    **_category("UserPoolUpdate", "CreateUserPool", "UpdateUserPool", "DeleteUserPool"),
    **_category("UserPoolClientRead", "DescribeUserPoolClient", "ListUserPoolClients"),
    **_category(
        "UserPoolClientUpdate", "CreateUserPoolClient", "UpdateUserPoolClient", "DeleteUserPoolClient"
    ),
    **_category(
        "UserPoolResourceRead",
        "GetUserPoolMfaConfig",
        "DescribeUserPoolDomain",
        "ListIdentityProviders",
        "DescribeIdentityProvider",
        "GetIdentityProviderByIdentifier",
        "ListResourceServers",
        "DescribeResourceServer",
        "ListGroups",
        "GetGroup",
        "ListUsersInGroup",
        "DescribeRiskConfiguration",
        "GetUICustomization",
        "DescribeManagedLoginBranding",
        "DescribeManagedLoginBrandingByClient",
        "ListTagsForResource",
        "GetSigningCertificate",
        "GetCSVHeader",
        "ListUserImportJobs",
        "DescribeUserImportJob",
    ),
    **_category(
        "UserPoolResourceUpdate",
        "AddCustomAttributes",
        "SetUserPoolMfaConfig",
        "CreateUserPoolDomain",
        "UpdateUserPoolDomain",
        "DeleteUserPoolDomain",
        "CreateIdentityProvider",
        "UpdateIdentityProvider",
        "DeleteIdentityProvider",
        "CreateResourceServer",
        "UpdateResourceServer",
        "DeleteResourceServer",
        "CreateGroup",
        "UpdateGroup",
        "DeleteGroup",
        "SetRiskConfiguration",
        "SetUICustomization",
        "CreateManagedLoginBranding",
        "UpdateManagedLoginBranding",
        "DeleteManagedLoginBranding",
        "TagResource",
        "UntagResource",
        "CreateUserImportJob",
        "StartUserImportJob",
        "StopUserImportJob",
    ),
}

#: Default requests per second of each category, per account per Region; none is adjustable (§7.1).
DEFAULT_RATES: Final[Mapping[str, float]] = {
    "UserPoolRead": 15.0,
    "UserPoolUpdate": 15.0,
    "UserPoolClientRead": 15.0,
    "UserPoolClientUpdate": 15.0,
    "UserPoolResourceRead": 20.0,
    "UserPoolResourceUpdate": 15.0,
}

#: The categories whose operations are also capped per user pool (5 RPS per operation, DG footnote 3).
PER_POOL_CATEGORIES: Final[frozenset[str]] = frozenset(
    {"UserPoolClientRead", "UserPoolClientUpdate", "UserPoolResourceRead", "UserPoolResourceUpdate"}
)

#: The ``quota_stats`` category of operations that are in no quota category.
UNCATEGORIZED: Final = "(none)"

THROTTLE_CODE: Final = "TooManyRequestsException"
THROTTLE_MESSAGE: Final = "Too many requests"


@dataclass
class _Bucket:
    """A token bucket: ``capacity`` tokens at most, refilled at ``rate`` per second, full when created."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


_lock = threading.Lock()
_faults: dict[str, deque[_Fault]] = {}
_raw_members: dict[str, deque[_RawMember]] = {}
_lost: dict[str, list[Any]] = {}
_calls: list[str] = []
_sent: list[tuple[str, dict[str, Any]]] = []
_rates: dict[str, float] | None = None  # None: quotas off
_per_pool_rate: float | None = None
_buckets: dict[tuple[str, ...], _Bucket] = {}
_latency_seconds = 0.0
_clock: Callable[[], float] = time.monotonic
_stats: dict[str, dict[str, dict[str, int]]] = {}


def inject(
    operation: str, error_code: str, *, times: int = 1, message: str = "", status: int = 400, skip: int = 0
) -> None:
    """Make the next ``times`` calls of ``operation`` fail with ``error_code`` before touching any state,
    after letting ``skip`` calls through.

    ``operation`` is the Cognito operation name (``"UpdateUserPool"``); faults queue in order of injection.
    """
    if times < 1 or skip < 0:
        raise ValueError("times must be at least 1 and skip at least 0")
    fault = _Fault(error_code, message or f"Injected {error_code}", status, times, skip)
    with _lock:
        _faults.setdefault(operation, deque()).append(fault)


def lose_response(
    operation: str, error_code: str = "InternalErrorException", *, skip: int = 0, status: int = 500
) -> None:
    """Let ``skip`` calls of ``operation`` succeed, then run the next one to completion and answer it with
    ``error_code`` and ``status``: the service did the work, the caller saw a failure (a lost response, or a
    crash right after the call; a 4xx ``status`` is one the caller does not retry). Used to prove the work is
    never done twice."""
    if skip < 0:
        raise ValueError("skip must be at least 0")
    with _lock:
        _lost[operation] = [skip, error_code, status]


def take_lost(operation: str) -> TYPE_RESPONSE | None:
    """The error that replaces a completed call's response, if one is armed for it (internal hook)."""
    with _lock:
        armed = _lost.get(operation)
        if armed is None:
            return None
        if armed[0] > 0:
            armed[0] -= 1
            return None
        del _lost[operation]
    return _error_response(str(armed[1]), f"Injected lost response ({armed[1]})", int(armed[2]))


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


#: Operations whose requests ``sent`` does not record: the reads.
_READ_PREFIXES: Final = ("Describe", "Get", "List")


def sent(operation: str) -> list[dict[str, Any]]:
    """Return the parsed JSON body of every ``operation`` request received so far, in order (copies).

    Only writes are recorded (operations not named ``Describe*``, ``Get*``, ``List*``), including requests
    an injected fault or a quota then failed, like ``calls()``; blobs are base64 text as on the wire.
    Cleared by ``reset()``. Use it to prove what a write SENT, e.g. that a one-member change still carried
    every other member: ``faults.sent("UpdateIdentityProvider")[-1]["AttributeMapping"]``.
    """
    with _lock:
        return [copy.deepcopy(body) for name, body in _sent if name == operation]


def set_read_quotas(rates: Mapping[str, float] | None = None, *, per_pool_rate: float | None = None) -> None:
    """Throttle Cognito requests per (account id, Region, category) from now on, with fresh full buckets.

    ``rates`` overrides the requests per second of some categories (``{"UserPoolRead": 3}``); the others keep
    ``DEFAULT_RATES``. ``per_pool_rate`` (the service's is 5) also caps each operation of the client and
    resource categories per user pool; ``None`` leaves that cap off.
    """
    merged = dict(DEFAULT_RATES)
    for category, rate in (rates or {}).items():
        if category not in DEFAULT_RATES:
            raise ValueError(f"unknown quota category {category!r}; known: {sorted(DEFAULT_RATES)}")
        merged[category] = _positive(float(rate), category)
    pool_rate = None if per_pool_rate is None else _positive(float(per_pool_rate), "per_pool_rate")
    global _rates, _per_pool_rate  # noqa: PLW0603 - process-wide fake state
    with _lock:
        _rates = merged
        _per_pool_rate = pool_rate
        _buckets.clear()


def clear_read_quotas() -> None:
    """Stop throttling (the default)."""
    global _rates, _per_pool_rate  # noqa: PLW0603 - process-wide fake state
    with _lock:
        _rates = None
        _per_pool_rate = None
        _buckets.clear()


def read_quotas() -> dict[str, Any] | None:
    """The quotas in force, ``{"rates": {category: rps}, "per_pool_rate": rps | None}``; ``None`` when off."""
    with _lock:
        if _rates is None:
            return None
        return {"rates": dict(_rates), "per_pool_rate": _per_pool_rate}


def set_latency(milliseconds: float) -> None:
    """Delay each admitted Cognito request by ``milliseconds`` before its handler runs (0: off)."""
    if milliseconds < 0:
        raise ValueError("latency must not be negative")
    global _latency_seconds  # noqa: PLW0603 - process-wide fake state
    with _lock:
        _latency_seconds = milliseconds / 1000.0


def latency_ms() -> float:
    """The latency in force, in milliseconds."""
    with _lock:
        return _latency_seconds * 1000.0


def quota_stats() -> dict[str, dict[str, dict[str, int]]]:
    """Requests received per account id and quota category, summed over Regions:
    ``{"111111111111": {"UserPoolRead": {"accepted": 15, "throttled": 1}}}`` (``"(none)"``: no category).

    ``accepted`` counts requests past the quota check (including ones an injected fault or the handler then
    fails); ``throttled`` counts ``TooManyRequestsException`` answers. Kept with quotas off too.
    """
    with _lock:
        return {
            account: {category: dict(counts) for category, counts in categories.items()}
            for account, categories in _stats.items()
        }


def reset_quota_stats() -> None:
    """Zero ``quota_stats()`` (quotas and latency stay as they are)."""
    with _lock:
        _stats.clear()


def set_clock(clock: Callable[[], float] | None) -> None:
    """Read the quota buckets' time, in seconds, from ``clock`` from now on (``None``: ``time.monotonic``
    again); every bucket starts full at the new clock's time. In-process only: the control API has no clock.
    """
    global _clock  # noqa: PLW0603 - process-wide fake state
    with _lock:
        _clock = time.monotonic if clock is None else clock
        _buckets.clear()


def reset() -> None:
    """Forget every injected fault, raw member, logged call and sent body; quotas and latency off, stats
    zeroed, the quota clock ``time.monotonic`` again."""
    global _rates, _per_pool_rate, _latency_seconds, _clock  # noqa: PLW0603 - process-wide fake state
    with _lock:
        _faults.clear()
        _raw_members.clear()
        _lost.clear()
        _calls.clear()
        _sent.clear()
        _rates = None
        _per_pool_rate = None
        _buckets.clear()
        _latency_seconds = 0.0
        _clock = time.monotonic
        _stats.clear()


def _positive(rate: float, name: str) -> float:
    if not rate > 0:  # also rejects NaN
        raise ValueError(f"{name}: the rate must be a positive number of requests per second")
    return rate


def _split_pointer(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def before_call(
    operation: str,
    account_id: str,
    region: str,
    user_pool_id: str = "",
    *,
    request: dict[str, Any] | None = None,
) -> TYPE_RESPONSE | None:
    """Run the checks that precede a handler (internal hook): log the call (and the body of a write,
    ``request``, for ``sent``), apply the quotas (a throttled request gets its error response at once),
    sleep the latency, then take an armed fault.

    Returns the response to send instead of running the handler, or ``None`` to run it.
    """
    with _lock:
        _calls.append(operation)
        if request is not None and not operation.startswith(_READ_PREFIXES):
            _sent.append((operation, copy.deepcopy(request)))
        admitted = _admit(operation, account_id, region, user_pool_id)
        delay = _latency_seconds
    if not admitted:
        return _error_response(THROTTLE_CODE, THROTTLE_MESSAGE, 400)
    if delay > 0:
        time.sleep(delay)
    return _take_fault(operation)


def _admit(operation: str, account_id: str, region: str, user_pool_id: str) -> bool:
    """Apply the quotas to one request and count it (caller holds ``_lock``)."""
    category = QUOTA_CATEGORIES.get(operation)
    admitted = True
    if category is not None and _rates is not None:
        now = _clock()
        bucket = _bucket_for((account_id, region, category), _rates[category], now)
        pool_bucket = None
        if _per_pool_rate is not None and user_pool_id and category in PER_POOL_CATEGORIES:
            pool_bucket = _bucket_for((account_id, region, user_pool_id, operation), _per_pool_rate, now)
        # A request the per-pool cap refuses does not use the account-wide token, and vice versa.
        if pool_bucket is not None and not pool_bucket.take(now):
            admitted = False
        elif not bucket.take(now):
            admitted = False
            if pool_bucket is not None:
                pool_bucket.tokens += 1.0
    counts = _stats.setdefault(account_id, {}).setdefault(
        category or UNCATEGORIZED, {"accepted": 0, "throttled": 0}
    )
    counts["accepted" if admitted else "throttled"] += 1
    return admitted


def _bucket_for(key: tuple[str, ...], rate: float, now: float) -> _Bucket:
    """The bucket of ``key``, created full (caller holds ``_lock``)."""
    bucket = _buckets.get(key)
    if bucket is None:
        capacity = max(rate, 1.0)  # one second's worth; a rate under 1 RPS still admits one request
        bucket = _buckets[key] = _Bucket(rate, capacity, capacity, now)
    return bucket


def _take_fault(operation: str) -> TYPE_RESPONSE | None:
    with _lock:
        queue = _faults.get(operation)
        if not queue:
            return None
        fault = queue[0]
        if fault.skip > 0:
            fault.skip -= 1
            return None
        fault.remaining -= 1
        if fault.remaining == 0:
            queue.popleft()
    return _error_response(fault.error_code, fault.message, fault.status)


def _error_response(error_code: str, message: str, status: int) -> TYPE_RESPONSE:
    error = service_error(error_code, message, status)
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amzn-ErrorType": error_code,
        "status": str(status),
    }
    return status, headers, error.get_body()


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
        for part in parents:  # a list item by its index (a listing's objects), else an object member
            target = target[int(part)] if isinstance(target, list) else target.setdefault(part, {})
        target[last] = member.value
    return json.dumps(document)
