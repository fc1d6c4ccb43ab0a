"""A Cognito emulator on moto that behaves like the real service where poolpatch depends on it.

moto 5.2.5 is not faithful to Amazon Cognito on the behaviours poolpatch exists for (cognito-api.md §10):
it merges client updates instead of replacing them, drops create-only pool settings on update, never moves
``LastModifiedDate`` and accepts requests the service rejects. ``install()`` patches moto's cognito-idp
handlers in this process so that, in-process (``mock_aws``) and over HTTP (``poolpatch_fake.server``):

1. UpdateUserPoolClient replaces the client configuration; omitted members take their defaults (§4.2).
2. UpdateUserPool replaces the pool configuration except ``UserPoolTier``, ``DcrConfiguration``,
   ``UserAttributeUpdateSettings`` (§1) and the create-only members (§6); newer members are stored.
3. ``LastModifiedDate`` strictly increases on every successful write (§8).
4. Describe returns the legacy members the service returns; the legacy/new validity pair is rejected (§3).
5. Verification-message rules (§3 rows 2-3).
6. Token validity ranges with units (§3 row 21).
7. OAuth rules and ``DefaultRedirectURI`` (§3.1).
8. MFA cannot go OFF -> ON through UpdateUserPool (§3 row 7).
9. Threat protection needs Plus; ``aws:`` tag keys are reserved (§3 rows 8, 14).
10. AddCustomAttributes limits (§6).

11. Read and write quotas: with ``faults.set_read_quotas()`` (``--read-quotas``), requests beyond the rate of
    their quota category per account and Region are throttled (``TooManyRequestsException``) before
    touching state (cognito-surface.md §13); ``faults.set_latency()`` adds a per-call delay.

``faults`` injects errors and unmodelled response members, and throttles, delays and counts requests per
account, Region and quota category; ``seed`` builds a realistic pool; ``fleet`` seeds pools across accounts
through STS assumed roles.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType

from poolpatch_fake import faults, seed
from poolpatch_fake._patch import install, is_installed, uninstall

__all__ = ["faults", "install", "installed", "is_installed", "seed", "server", "uninstall"]


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Install the fake for the ``with`` block; leave it installed afterwards if it already was."""
    was_installed = is_installed()
    install()
    try:
        yield
    finally:
        if not was_installed:
            uninstall()


def __getattr__(name: str) -> ModuleType:
    # ``server`` imports moto's server stack (Flask); load it only when asked for.
    if name == "server":
        return importlib.import_module("poolpatch_fake.server")
    raise AttributeError(f"module 'poolpatch_fake' has no attribute {name!r}")
