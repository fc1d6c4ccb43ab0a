"""Shared fixtures: fake AWS credentials and Region, Powertools defaults, no real AWS.

Sockets are limited to loopback for the whole run (``--allow-hosts`` in
pyproject.toml): integration tests reach the moto server on 127.0.0.1, nothing
reaches the internet.
"""

from __future__ import annotations

import pytest

from helpers.aws import REGION, fake_aws_environment

ACCOUNT = "123456789012"  # moto's default account
__all__ = ["ACCOUNT", "REGION"]


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a fixed Region; no profile or endpoint leaks in from the machine."""
    fake_aws_environment(monkeypatch)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "poolpatch")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Poolpatch")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("NO_COLOR", "1")
