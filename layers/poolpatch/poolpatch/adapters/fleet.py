"""Reading a fleet within Cognito's quotas: paced reads per account, Region and quota category.

Cognito's read quotas are per account and Region and per *category* (cognito-surface.md §13):
UserPoolRead (``ListUserPools``, ``DescribeUserPool``) and UserPoolClientRead (``ListUserPoolClients``,
``DescribeUserPoolClient``) allow 15 requests per second, UserPoolResourceRead (the reads of every other
kind: MFA, domains, identity providers, resource servers, groups, risk, classic UI, branding) 20; none is
adjustable and all are shared with every console, IaC and application call. ``GetLogDeliveryConfiguration``
has no category listed, so it is not paced: a sweep makes at most one per pool, after that pool's paced
``DescribeUserPool``, so it never runs faster than UserPoolRead. A :class:`Pacer` spaces the requests
of each category evenly at ``reads_per_second`` (design.md: ``DriftReadsPerSecond``, default 3, a fifth
of the smallest quota), so a sweep never bursts and the categories proceed side by side. It hooks
botocore's ``before-send`` event, so every attempt is paced, retries included, and counts the
throttling responses it sees on ``response-received``.

:class:`Boto3FleetReader` is the :class:`~poolpatch.drift.check.FleetReader` over one paced client per
account and Region (the engine's :class:`~poolpatch.adapters.cognito.Boto3Cognito` port does the
describes, so the unknown-field guard reads the same raw JSON as a change).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from botocore import xform_name

from poolpatch.adapters.cognito import Boto3Cognito, Described, raw_not_captured
from poolpatch.kinds import Kind, spec
from poolpatch.request import Target

#: Operation -> quota category (cognito-surface.md §13); operations not listed are not paced.
CATEGORIES: dict[str, str] = {
    "ListUserPools": "UserPoolRead",
    "DescribeUserPool": "UserPoolRead",
    "ListUserPoolClients": "UserPoolClientRead",
    "DescribeUserPoolClient": "UserPoolClientRead",
    **dict.fromkeys(
        (
            "GetUserPoolMfaConfig",
            "DescribeUserPoolDomain",
            "ListIdentityProviders",
            "DescribeIdentityProvider",
            "ListResourceServers",
            "DescribeResourceServer",
            "ListGroups",
            "GetGroup",
            "DescribeRiskConfiguration",
            "GetUICustomization",
            "DescribeManagedLoginBranding",
            "DescribeManagedLoginBrandingByClient",
            "ListTagsForResource",
        ),
        "UserPoolResourceRead",
    ),
}
THROTTLING_CODES = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling"})
#: Page sizes: the largest each list operation accepts.
POOLS_PAGE, CLIENTS_PAGE = 60, 60
#: List operation of each listable named kind -> (page size member, its largest value, items member).
LISTINGS: dict[str, tuple[str, int, str]] = {
    "ListIdentityProviders": ("MaxResults", 60, "Providers"),
    "ListResourceServers": ("MaxResults", 50, "ResourceServers"),
    "ListGroups": ("Limit", 60, "Groups"),
}


class Pacer:
    """Even spacing of requests per quota category: at most ``rate`` per second, never a burst.

    ``clock`` and ``sleep`` are injectable (tests use a fake clock). Thread-safe: callers sharing an
    account and Region share a pacer, and each waits for its own slot.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        per_operation: bool = False,
    ) -> None:
        if not rate > 0:  # NaN too
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        #: Space each operation on its own instead of each category: the per-pool quota of an export
        #: (5 requests per second per operation on one pool, cognito-surface.md §13).
        self.per_operation = per_operation
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self.calls: dict[str, int] = {}
        self.throttled = 0

    def acquire(self, category: str) -> float:
        """Wait for the category's next slot; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(category, now))
            self._next[category] = slot + self.interval
            self.calls[category] = self.calls.get(category, 0) + 1
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait

    def install(self, client: Any) -> None:
        """Pace every request ``client`` sends, and count the throttling responses it receives."""
        events = client.meta.events
        events.register("before-send.cognito-idp", self._before_send)
        events.register("response-received.cognito-idp", self._received)

    def _before_send(self, event_name: str = "", **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        category = CATEGORIES.get(operation)
        if category is not None:
            self.acquire(operation if self.per_operation else category)

    def _received(self, parsed_response: Mapping[str, Any] | None = None, **_: Any) -> None:
        code = ((parsed_response or {}).get("Error") or {}).get("Code")
        if code in THROTTLING_CODES:
            with self._lock:
                self.throttled += 1


class Boto3FleetReader:
    """Lists and describes the pools and app clients of one account and Region."""

    def __init__(self, port: Boto3Cognito) -> None:
        self._port = port
        self._client = port.client

    def list_pools(self) -> list[Mapping[str, Any]]:
        """Every user pool (``Id``, ``Name``), all pages."""
        return self._pages("ListUserPools", "UserPools", {"MaxResults": POOLS_PAGE})

    def list_clients(self, user_pool_id: str) -> list[Mapping[str, Any]]:
        """Every app client of a pool (``ClientId``, ``ClientName``), all pages."""
        return self._pages(
            "ListUserPoolClients", "UserPoolClients", {"UserPoolId": user_pool_id, "MaxResults": CLIENTS_PAGE}
        )

    def list_names(self, user_pool_id: str, kind: Kind) -> list[str]:
        """The names of a named kind's resources in a pool (its list operation, every page)."""
        entry = spec(kind)
        if entry.list_operation is None or entry.name_member is None:
            raise ValueError(f"{kind} has no list operation")
        size, largest, member = LISTINGS[entry.list_operation]
        items = self._pages(entry.list_operation, member, {"UserPoolId": user_pool_id, size: largest})
        return [str(item[entry.name_member]) for item in items]

    def list_described(self, user_pool_id: str, kind: Kind) -> dict[str, Described]:
        """Every resource of a kind whose listing returns objects whole, by name, with each object's raw JSON
        (for the unknown-field guard): one paged listing instead of one read per resource."""
        entry = spec(kind)
        if entry.list_operation is None or entry.name_member is None or not entry.listed_whole:
            raise ValueError(f"{kind} is not listed whole")
        operation = entry.list_operation
        size, largest, member = LISTINGS[operation]
        out: dict[str, Described] = {}
        for response in self._responses(operation, {"UserPoolId": user_pool_id, size: largest}):
            raw = (self._port.last_raw() or {}).get(member)
            items = list(response.get(member) or [])
            if not isinstance(raw, list) or len(raw) != len(items):
                raise raw_not_captured(operation)
            for parsed, raw_item in zip(items, raw, strict=True):
                out[str(parsed[entry.name_member])] = Described(parsed=dict(parsed), raw=raw_item)
        return out

    def describe(self, target: Target) -> Described:
        """The engine port's describe, for any kind (raw JSON kept for the unknown-field guard)."""
        return self._port.describe(target)

    def _pages(self, operation: str, member: str, params: dict[str, Any]) -> list[Mapping[str, Any]]:
        return [
            item for response in self._responses(operation, params) for item in response.get(member) or []
        ]

    def _responses(self, operation: str, params: dict[str, Any]) -> Iterator[Mapping[str, Any]]:
        """Every page of a listing, following ``NextToken``; each is yielded before the next is requested,
        so the adapter's raw JSON of that call is still the page's."""
        method = getattr(self._client, xform_name(operation))
        token: str | None = None
        while True:
            call = dict(params, NextToken=token) if token else params
            response: Mapping[str, Any] = Boto3Cognito.call(operation, lambda call=call: method(**call))  # type: ignore[misc]
            yield response
            token = response.get("NextToken")
            if not token:
                return
