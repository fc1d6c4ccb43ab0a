"""Secret inputs kept out of service error messages.

Cognito's ``InvalidParameterException`` and botocore's parameter validation may quote the value they
refuse. When that value is a secret the request carried (an app client's ``ClientSecret``, an identity
provider's ``client_secret`` or ``private_key``), the message would carry it on to stderr, results,
clone reports and progress files. The adapter therefore scrubs every error message of the secrets in the
input it sent: :func:`secret_inputs` finds them the way snapshots do (the model's ``sensitive`` trait,
then :attr:`poolpatch.kinds.KindSpec.secrets` for the members the trait misses) and :func:`scrub`
replaces them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.model import OperationNotFoundError

from poolpatch import model
from poolpatch.kinds import KINDS, REDACTED, spec
from poolpatch.pointer import get

#: Shorter secrets are not replaced inside the text (that would mangle it): a message holding one is
#: withheld whole.
_REPLACEABLE = 8
WITHHELD = "(the service's message quoted a secret input and is withheld)"


@functools.cache
def _secret_pointers() -> tuple[str, ...]:
    """Every path the kinds name as a secret, as it appears in an input of their create or update."""
    return tuple(sorted({pointer for kind in KINDS for pointer in spec(kind).secrets}))


def secret_inputs(operation: str, params: Mapping[str, Any]) -> frozenset[str]:
    """The secret strings in ``params``, the input of Cognito's ``operation``."""
    found: set[str] = set()
    try:
        shape = model.service_model().operation_model(operation).input_shape
    except OperationNotFoundError:  # the path rules still apply
        shape = None
    if shape is not None:
        _walk(shape, params, "", found)
    for pointer in _secret_pointers():
        value = get(params, pointer)
        if isinstance(value, str):
            found.add(value)
    return frozenset(value for value in found if value and value != REDACTED)


def _walk(shape: Any, value: Any, name: str, found: set[str]) -> None:
    if model.is_secret(shape, name):
        found.update(_strings(value))
        return
    if isinstance(value, Mapping):
        members = getattr(shape, "members", None)
        for key, item in value.items():
            child = members.get(key) if members is not None else getattr(shape, "value", None)
            if child is not None:
                _walk(child, item, key, found)
    elif isinstance(value, list) and getattr(shape, "member", None) is not None:
        for item in value:
            _walk(shape.member, item, name, found)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``"<redacted>"``; withheld whole when a short one is in it.

    A secret is looked for as sent and as JSON writes it inside a string (a service quoting its JSON input
    escapes ``"`` and ``\\``).
    """
    forms = {form for secret in secrets for form in (secret, json.dumps(secret)[1:-1])}
    for secret in sorted(forms, key=len, reverse=True):
        if secret not in text:
            continue
        if len(secret) < _REPLACEABLE:
            return WITHHELD
        text = text.replace(secret, REDACTED)
    return text
