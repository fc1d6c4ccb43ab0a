"""JSON Pointers (RFC 6901): the one place poolpatch builds, splits and follows them.

Plans, errors, secrets, verification and drift all name members by JSON Pointer into an update
document (``/LambdaConfig/PreSignUp``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: What :func:`get` returns for a pointer that leads nowhere.
ABSENT: Any = object()


def escape(token: str) -> str:
    """Escape one reference token (``~`` → ``~0``, ``/`` → ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def child(pointer: str, token: str | int) -> str:
    """The pointer one level below ``pointer``."""
    return f"{pointer}/{escape(str(token))}"


def join(*tokens: str | int) -> str:
    """The pointer of these tokens from the document root."""
    return "".join(f"/{escape(str(token))}" for token in tokens)


def split(pointer: str) -> list[str]:
    """The unescaped reference tokens of ``pointer`` (``""`` is the whole document)."""
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def related(a: str, b: str) -> bool:
    """True when one pointer is the other or lies inside it."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def get(document: Any, pointer: str) -> Any:
    """The value at ``pointer`` in ``document``, or :data:`ABSENT`."""
    current = document
    for token in split(pointer):
        if isinstance(current, Mapping) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return ABSENT
    return current
