"""Resolution: the desired patch of one target from every document that selects it (design.md, "Drift").

Each document's patch is cut into *leaves*: JSON Pointers to a value that is not a non-empty object
(scalars, lists, ``null`` and ``{}``), since a merge patch replaces those whole. For every leaf:

- a leaf related to (equal to, inside or around) a leaf of a document of *higher* precedence is
  overridden: ids > tags or client names > account/Region only;
- two related leaves of the *same* (highest) precedence from different documents that do not say the
  same thing are a **conflict**: the outer pointer is reported with both document names and neither
  value is used; the rest of the patch proceeds.

What remains is disjoint, so it merges into one patch in any order, and every leaf keeps the documents
that decided it: a drift entry names them, and a leaf is corrected only if every one of them says
``mode: correct`` (and ``correctOwned`` when a CloudFormation stack owns the pool).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from poolpatch.drift.documents import Document
from poolpatch.merge import escape, related


@dataclass(frozen=True)
class Leaf:
    """One desired value: its pointer, value and the document that wants it."""

    pointer: str
    value: Any
    document: Document


@dataclass(frozen=True)
class Conflict:
    """Documents of equal precedence that want different values at related pointers."""

    path: str
    documents: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The ``conflicts[]`` item of a target line."""
        return {"path": self.path, "documents": list(self.documents)}


@dataclass
class Resolution:
    """The outcome for one target: the merged desired patch and who decided each pointer."""

    patch: dict[str, Any] = field(default_factory=dict)
    #: pointer -> the documents that decided it (several when they agree).
    deciders: dict[str, tuple[Document, ...]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)

    def deciders_of(self, path: str) -> tuple[Document, ...]:
        """The documents deciding any leaf related to ``path`` (a changed member of the plan)."""
        found: dict[str, Document] = {}
        for pointer, documents in self.deciders.items():
            if related(pointer, path):
                for document in documents:
                    found.setdefault(document.name, document)
        return tuple(found[name] for name in sorted(found))

    def correctable(self, *, owned: bool) -> dict[str, Any]:
        """The part of :attr:`patch` whose every deciding document says ``correct`` (and ``correctOwned``
        when the target is owned by a stack)."""
        patch: dict[str, Any] = {}
        for pointer, documents in self.deciders.items():
            if all(d.mode == "correct" and (d.correct_owned or not owned) for d in documents):
                set_pointer(patch, pointer, get_pointer(self.patch, pointer))
        return patch


def leaves(document: Document) -> list[Leaf]:
    """Every leaf of the document's patch."""
    out: list[Leaf] = []

    def walk(value: Mapping[str, Any], base: str) -> None:
        for key, item in value.items():
            pointer = f"{base}/{escape(key)}"
            if isinstance(item, Mapping) and item:
                walk(item, pointer)
            else:
                out.append(Leaf(pointer, item, document))

    walk(document.patch, "")
    return out


def resolve(documents: Sequence[Document]) -> Resolution:
    """Merge the patches of every document selecting one target, by precedence, reporting conflicts.

    Linear in the leaves (times the pointer depth, at most 12): leaves are indexed by pointer, and the
    pointers related to one are itself, its ancestors and its descendants.
    """
    every = [leaf for document in documents for leaf in leaves(document)]
    at: dict[str, list[Leaf]] = {}
    for leaf in every:
        at.setdefault(leaf.pointer, []).append(leaf)
    # First what a more specific document overrides; only the leaves left can conflict with each other.
    highest = {pointer: max(leaf.document.precedence for leaf in found) for pointer, found in at.items()}
    below: dict[str, int] = {}
    for pointer, precedence in highest.items():
        for ancestor in _ancestors(pointer):
            below[ancestor] = max(below.get(ancestor, 0), precedence)
    standing: dict[str, list[Leaf]] = {}
    for pointer, found in at.items():
        top = max(
            [highest[pointer], below.get(pointer, 0), *(highest.get(a, 0) for a in _ancestors(pointer))]
        )
        kept = [leaf for leaf in found if leaf.document.precedence == top]
        if kept:
            standing[pointer] = kept
    conflicted: dict[str, set[str]] = {}
    for pointer, found in standing.items():
        if len({_canonical(leaf.value) for leaf in found}) > 1:
            conflicted.setdefault(pointer, set()).update(leaf.document.name for leaf in found)
        for ancestor in _ancestors(pointer):
            if ancestor in standing:  # an ancestor and a descendant both stand: they disagree
                names = {leaf.document.name for leaf in (*standing[ancestor], *found)}
                conflicted.setdefault(ancestor, set()).update(names)
    resolution = Resolution()
    for pointer, found in standing.items():
        if any(
            related(pointer, path) for path in conflicted if path == pointer or _is_ancestor(path, pointer)
        ):
            continue
        if any(_is_ancestor(pointer, path) for path in conflicted):
            continue
        set_pointer(resolution.patch, pointer, found[0].value)
        resolution.deciders[pointer] = tuple(leaf.document for leaf in found)
    resolution.conflicts = [
        Conflict(path, tuple(sorted(names))) for path, names in sorted(conflicted.items())
    ]
    return resolution


def _ancestors(pointer: str) -> list[str]:
    """``/a/b/c`` -> ``/a``, ``/a/b``."""
    tokens = pointer[1:].split("/")
    return ["/" + "/".join(tokens[:index]) for index in range(1, len(tokens))]


def _is_ancestor(ancestor: str, pointer: str) -> bool:
    return pointer.startswith(ancestor + "/")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def set_pointer(document: dict[str, Any], pointer: str, value: Any) -> None:
    """Set ``pointer`` in a nested object, creating the objects on the way."""
    *parents, last = [_unescape(token) for token in pointer[1:].split("/")]
    for token in parents:
        child = document.get(token)
        if not isinstance(child, dict):
            child = document[token] = {}
        document = child
    document[last] = value


def get_pointer(document: Mapping[str, Any], pointer: str) -> Any:
    """The value at ``pointer`` (which must exist)."""
    value: Any = document
    for token in pointer[1:].split("/"):
        value = value[_unescape(token)]
    return value


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")
