"""Fake AWS credentials and Region for tests: no profile, endpoint or machine config leaks in."""

from __future__ import annotations

import pytest

REGION = "eu-west-1"

#: Variables a test run must not inherit from the machine.
CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_SESSION_TOKEN",
    "POOLPATCH_SNAPSHOT_BUCKET",
)
#: Fake credentials and a fixed Region, with the shared config files pointed nowhere.
FAKE = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


def fake_aws_environment(patch: pytest.MonkeyPatch) -> None:
    """Apply :data:`FAKE` and clear :data:`CLEARED` through ``patch`` (undone when it is)."""
    for name in CLEARED:
        patch.delenv(name, raising=False)
    for name, value in FAKE.items():
        patch.setenv(name, value)
