"""Shared fixtures: fake AWS credentials and Region, Powertools defaults, no real AWS.

Sockets are limited to loopback for the whole run (``--allow-hosts`` in
pyproject.toml): integration tests reach the moto server on 127.0.0.1, nothing
reaches the internet.
"""

from __future__ import annotations

import pytest

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a fixed Region; no profile or endpoint leaks in from the machine."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_SESSION_TOKEN",
        "POOLPATCH_SNAPSHOT_BUCKET",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "poolpatch")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Poolpatch")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("NO_COLOR", "1")
