"""RFC 7396 JSON Merge Patch over update documents.

Objects merge recursively; lists and scalars replace; ``None`` (JSON ``null``)
removes the member. Inputs are never modified: the result is a new document
that shares no mutable containers with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from poolpatch.pointer import escape, related

__all__ = ["escape", "merge_patch", "named_pointers", "related", "removed_pointers", "tree_copy"]


def tree_copy(value: Any) -> Any:
    """A copy of a JSON-like tree (dicts, lists, immutable leaves); several times faster than deepcopy."""
    if isinstance(value, dict):
        return {key: tree_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [tree_copy(item) for item in value]
    if isinstance(value, Mapping):
        return {key: tree_copy(item) for key, item in value.items()}
    return value


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply ``patch`` to ``target`` as RFC 7396 section 2 defines, without mutating either."""
    if not isinstance(patch, Mapping):
        return tree_copy(patch)
    result: dict[str, Any] = tree_copy(dict(target)) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def removed_pointers(patch: Mapping[str, Any], base: str = "") -> list[str]:
    """JSON Pointers of every member the patch removes (``null`` values)."""
    out: list[str] = []
    for key, value in patch.items():
        pointer = f"{base}/{escape(key)}"
        if value is None:
            out.append(pointer)
        elif isinstance(value, Mapping):
            out.extend(removed_pointers(value, pointer))
    return out


def named_pointers(patch: Mapping[str, Any], base: str = "") -> list[str]:
    """JSON Pointers of every leaf the patch names (objects are descended, everything else is a leaf)."""
    out: list[str] = []
    for key, value in patch.items():
        pointer = f"{base}/{escape(key)}"
        if isinstance(value, Mapping) and value:
            out.extend(named_pointers(value, pointer))
        else:
            out.append(pointer)
    return out
