"""The plan: what a change does, as JSON Pointer paths with before and after values.

A plan is the difference between two update documents. Objects are compared
member by member; lists and scalars are compared whole, because a merge patch
replaces them whole. An added member has no ``before``; a removed one no
``after`` (design.md, "Results").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from poolpatch.pointer import escape, related


class _Missing:
    """Sentinel for an absent side of a change."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Change:
    """One changed path."""

    path: str
    before: Any = MISSING
    after: Any = MISSING

    def to_dict(self) -> dict[str, Any]:
        """The ``changes[]`` item of a result document."""
        out: dict[str, Any] = {"path": self.path}
        if self.before is not MISSING:
            out["before"] = self.before
        if self.after is not MISSING:
            out["after"] = self.after
        return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any], base: str = "") -> list[Change]:
    """Every path where ``after`` differs from ``before``, in a stable order."""
    changes: list[Change] = []
    for key in _ordered_keys(before, after):
        pointer = f"{base}/{escape(key)}"
        old = before.get(key, MISSING)
        new = after.get(key, MISSING)
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            changes.extend(diff(old, new, pointer))
        elif _empty_or_missing(old) and _empty_or_missing(new):
            continue  # an empty list or object and no member are the same configuration
        elif old is MISSING or new is MISSING or not _equal(old, new):
            changes.append(Change(pointer, old, new))
    return changes


def _empty_or_missing(value: Any) -> bool:
    """No member, or an empty list or object: reads return either for "none" (an identity provider's
    cleared ``IdpIdentifiers``, a branding style reset to Cognito's values), so they never differ."""
    return value is MISSING or (isinstance(value, list | Mapping) and not value)


def _ordered_keys(before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterable[str]:
    keys = list(before)
    keys.extend(key for key in after if key not in before)
    return keys


def _equal(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1, but 1 is 1.0.
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _number(a) and _number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def unexpected(differences: list[Change], removed: Iterable[str]) -> list[Change]:
    """Differences not explained by a removal: a member the change removed may return as its default."""
    removed = list(removed)
    return [change for change in differences if not any(related(change.path, pointer) for pointer in removed)]
