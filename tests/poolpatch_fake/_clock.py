"""Strictly increasing ``LastModifiedDate`` values at the millisecond precision Cognito returns.

Source: cognito-api.md §8 (``LastModifiedDate`` is epoch time with milliseconds, e.g. ``1547763720.822``, and
moves after edits) and §10 (moto never moves it). poolpatch compares ``LastModifiedDate`` between reads to
detect concurrent writers, so two writes inside the same millisecond must still yield different values.
"""

from __future__ import annotations

import datetime

from moto.core.utils import utcnow

_ONE_MS = datetime.timedelta(milliseconds=1)


def _truncate_to_ms(value: datetime.datetime) -> datetime.datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def next_timestamp(previous: datetime.datetime | None) -> datetime.datetime:
    """Return "now" truncated to milliseconds, at least one millisecond after ``previous``."""
    now = _truncate_to_ms(utcnow())
    if previous is not None:
        floor = _truncate_to_ms(previous) + _ONE_MS
        now = max(now, floor)
    return now
