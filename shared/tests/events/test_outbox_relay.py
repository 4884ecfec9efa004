import json
import logging
import threading
import time
from collections import defaultdict

import pytest
from events_support import (
    Broker,
    TcpProxy,
    make_engine,
    published,
    run_relay_until_idle,
    running,
    wait_until,
)
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from reparo_shared.events.outbox_sqlmodel import OutboxEvent, record_event
from reparo_shared.events.relay import Relay, SqlAlchemyOutboxStore


def record(engine: Engine, page_id: int, revision: int) -> str:
    with Session(engine) as session:
        envelope = record_event(
            session, published(page_id, revision), producer="cms", subject=f"product:{page_id}"
        )
        session.commit()
    return str(envelope.id)


def unsent(engine: Engine) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None))
        return session.scalar(query) or 0


def revisions_by_subject(messages) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for _, body in messages:
        envelope = json.loads(body)
        seen[envelope["subject"]].append(envelope["data"]["part_numbers"][0])
    return seen


def test_relay_publishes_committed_events_persistently_and_marks_them_sent(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    tap = broker.tap(f"test.tap.{suffix}")
    first, second = record(engine, 1, 1), record(engine, 1, 2)

    relay = Relay(SqlAlchemyOutboxStore(engine), url=broker.url, exchange=broker.exchange)
    assert run_relay_until_idle(relay) == 2

    messages = broker.take(tap, 2)
    assert [properties.message_id for properties, _ in messages] == [first, second]
    assert {properties.delivery_mode for properties, _ in messages} == {2}
    assert {properties.type for properties, _ in messages} == {"product.published"}
    assert unsent(engine) == 0


def test_rolled_back_change_leaves_nothing_to_publish(engine: Engine) -> None:
    with Session(engine) as session:
        record_event(session, published(1), producer="cms", subject="product:1")
        session.rollback()

    assert unsent(engine) == 0


def test_broker_outage_delays_events_without_losing_or_reordering_them(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    tap = broker.tap(f"test.tap.{suffix}")
    proxy = TcpProxy(("127.0.0.1", 5672))
    url = broker.url.replace("127.0.0.1:5672", f"127.0.0.1:{proxy.port}")
    assert url != broker.url, "the test needs AMQP_URL on 127.0.0.1:5672"
    relay = Relay(
        SqlAlchemyOutboxStore(engine), url=url, exchange=broker.exchange, max_backoff_seconds=0.5
    )

    with running(relay.run):
        # Broker unreachable: producers still commit; the rows wait.
        for revision in range(1, 6):
            record(engine, 7, revision)
        assert broker.count(tap) == 0
        assert unsent(engine) == 5

        proxy.start()
        first = broker.take(tap, 5)

        # The broker goes away mid-stream and comes back.
        proxy.stop()
        for revision in range(6, 11):
            record(engine, 7, revision)
        proxy.start()
        second = broker.take(tap, 5)
        wait_until(lambda: unsent(engine) == 0, what="rows marked sent")
    proxy.stop()

    expected = [f"rev{n}" for n in range(1, 11)]
    assert revisions_by_subject(first + second)["product:7"] == expected
    assert broker.count(tap) == 0


def test_relay_stopping_after_the_broker_went_away_writes_no_tracebacks(
    engine: Engine, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    # What Ctrl-C on the local stack does when the broker stops before the relay.
    proxy = TcpProxy(("127.0.0.1", 5672))
    url = broker.url.replace("127.0.0.1:5672", f"127.0.0.1:{proxy.port}")
    relay = Relay(SqlAlchemyOutboxStore(engine), url=url, exchange=broker.exchange)
    proxy.start()
    caplog.set_level(logging.DEBUG)

    with running(relay.run):
        wait_until(lambda: relay.publisher.connected, what="relay connected")
        proxy.stop()

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "events.relay.stopped" in caplog.messages


def test_two_relays_at_once_publish_each_event_once_in_subject_order(
    database_url: str, broker: Broker, suffix: str
) -> None:
    tap = broker.tap(f"test.tap.{suffix}")
    engines = [make_engine(database_url) for _ in range(3)]
    producer_engine = engines[0]
    relays = [
        Relay(SqlAlchemyOutboxStore(e), url=broker.url, exchange=broker.exchange, batch_size=7)
        for e in engines[1:]
    ]

    def produce() -> None:
        for revision in range(1, 61):
            for page_id in (1, 2, 3, 4, 5):
                record(producer_engine, page_id, revision)

    with running(relays[0].run), running(relays[1].run):
        producer = threading.Thread(target=produce)
        producer.start()
        producer.join()
        messages = broker.take(tap, 300)
        wait_until(lambda: unsent(producer_engine) == 0, what="rows marked sent")

    ids = [properties.message_id for properties, _ in messages]
    assert len(set(ids)) == 300
    assert broker.count(tap) == 0
    expected = [f"rev{n}" for n in range(1, 61)]
    assert all(revs == expected for revs in revisions_by_subject(messages).values())
    assert sum(relay.published_total for relay in relays) == 300
    for e in engines:
        e.dispose()


@pytest.mark.parametrize("batch_size", [1, 50])
def test_relay_publishes_in_batches_of_any_size(
    engine: Engine, broker: Broker, suffix: str, batch_size: int
) -> None:
    tap = broker.tap(f"test.tap.{suffix}")
    for revision in range(1, 4):
        record(engine, 3, revision)
    relay = Relay(
        SqlAlchemyOutboxStore(engine),
        url=broker.url,
        exchange=broker.exchange,
        batch_size=batch_size,
    )

    assert run_relay_until_idle(relay) == 3
    assert revisions_by_subject(broker.take(tap, 3))["product:3"] == ["rev1", "rev2", "rev3"]


def test_idle_relay_keeps_its_connection_past_several_heartbeats(
    engine: Engine, broker: Broker, suffix: str, caplog: pytest.LogCaptureFixture
) -> None:
    # An idle relay that never lets pika run misses heartbeats, and the broker drops it; the
    # next event then meets a reset connection, and pika and the relay log it as a failure.
    tap = broker.tap(f"test.tap.{suffix}")
    url = f"{broker.url}?heartbeat=1"
    relay = Relay(SqlAlchemyOutboxStore(engine), url=url, exchange=broker.exchange)
    caplog.set_level(logging.INFO)

    with running(relay.run):
        wait_until(lambda: relay.publisher.connected, what="relay connected")
        connection = relay.publisher.connection
        time.sleep(6)  # the broker gives up on a peer after two missed heartbeats
        event_id = record(engine, 1, 1)
        wait_until(lambda: unsent(engine) == 0, what="the event published")
        assert relay.publisher.connection is connection

    assert [properties.message_id for properties, _ in broker.take(tap, 1)] == [event_id]
    assert caplog.messages.count("events.relay.connected") == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_idle_relay_losing_the_broker_logs_one_warning_without_traceback_and_reconnects(
    engine: Engine, broker: Broker, suffix: str, caplog: pytest.LogCaptureFixture
) -> None:
    tap = broker.tap(f"test.tap.{suffix}")
    proxy = TcpProxy(("127.0.0.1", 5672))
    url = broker.url.replace("127.0.0.1:5672", f"127.0.0.1:{proxy.port}")
    relay = Relay(SqlAlchemyOutboxStore(engine), url=url, exchange=broker.exchange)
    proxy.start()
    caplog.set_level(logging.INFO)

    with running(relay.run):
        wait_until(lambda: relay.publisher.connected, what="relay connected")
        # A broker restart as an idle relay sees it: the connection is cut, then accepted again.
        proxy.stop()
        proxy.start()
        wait_until(lambda: caplog.messages.count("events.relay.connected") == 2, what="reconnected")
        event_id = record(engine, 1, 1)
        wait_until(lambda: unsent(engine) == 0, what="the event published")
    proxy.stop()

    assert [properties.message_id for properties, _ in broker.take(tap, 1)] == [event_id]
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelname, r.getMessage()) for r in loud] == [
        ("WARNING", "events.relay.broker_unavailable")
    ]
    assert [r for r in caplog.records if r.exc_info] == []
