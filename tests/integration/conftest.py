"""Fixtures for the pipeline tests: one moto server per module, a fresh embedded stack per test.

Each test gets its own bucket, queues, table and bus (a new name prefix) on the module's server, with the
functions' environment set and their caches cleared; the Cognito fake's faults and call log start empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from poolpatch_fake import faults, seed
from poolpatch_fake.server import FakeServer
from poolpatch_fake.stack import EmbeddedStack

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

StackFactory = Callable[..., EmbeddedStack]


@pytest.fixture(scope="module")
def moto_server() -> Iterator[FakeServer]:
    """One moto server with the Cognito fake, on 127.0.0.1, for the whole module."""
    with FakeServer() as running:
        yield running


@pytest.fixture
def make_stack(moto_server: FakeServer) -> Iterator[StackFactory]:
    """Deploy a fresh stack (``EmbeddedStack`` keyword arguments) and enter its environment."""
    entered: list[EmbeddedStack] = []

    def make(**kwargs: Any) -> EmbeddedStack:
        stack = EmbeddedStack(moto_server.endpoint_url, **kwargs).deploy()
        stack.__enter__()
        entered.append(stack)
        return stack

    faults.reset()
    yield make
    for stack in reversed(entered):
        stack.__exit__(None, None, None)
    faults.reset()


@pytest.fixture
def stack(make_stack: StackFactory) -> EmbeddedStack:
    """A stack that allows the own account only (the template's default)."""
    return make_stack()


@pytest.fixture
def cognito(stack: EmbeddedStack) -> CognitoIdentityProviderClient:
    """A Cognito client on the server, in the hub account."""
    client: CognitoIdentityProviderClient = stack.client("cognito-idp")
    return client


@pytest.fixture
def pool(cognito: CognitoIdentityProviderClient) -> tuple[str, str]:
    """The realistic pool and its OAuth client, ``(user_pool_id, client_id)``; the call log starts after."""
    ids = seed.realistic_pool(cognito)
    faults.reset()
    return ids
