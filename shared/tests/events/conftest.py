import os
import uuid
from collections.abc import Iterator

import pytest
from events_support import Broker, make_engine
from sqlalchemy import Engine

import reparo_shared.scheduler  # noqa: F401  (its table joins the metadata)
from reparo_shared.events.broker import DEFAULT_AMQP_URL
from reparo_shared.testing import fresh_database


@pytest.fixture
def amqp_url() -> str:
    return os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL


@pytest.fixture
def suffix() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def broker(amqp_url: str, suffix: str) -> Iterator[Broker]:
    """A fresh events exchange (random name) and a channel; both removed afterwards."""
    exchange = f"test.events.{suffix}"
    broker = Broker(amqp_url, exchange)
    broker.channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)
    yield broker
    broker.close()


@pytest.fixture
def database_url() -> Iterator[str]:
    with fresh_database("events") as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
