"""Fixtures: one sandbox process per test session, reset before each test."""

from collections.abc import Iterator

import pytest

from reparo_shared.wechat import ReparoWeChatClient, make_client
from reparo_shared.wechat.testing import RunningSandbox, running_sandbox


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[RunningSandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_process: RunningSandbox) -> RunningSandbox:
    sandbox_process.control("POST", "/sandbox/reset")
    return sandbox_process


@pytest.fixture
def client(sandbox: RunningSandbox) -> ReparoWeChatClient:
    return make_client(sandbox.settings())
