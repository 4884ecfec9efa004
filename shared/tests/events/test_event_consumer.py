import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from events_support import (
    ALWAYS_FAILS,
    FAILS_ONCE,
    Broker,
    copies,
    product_copy_consumer,
    published,
    running,
    wait_until,
)
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from reparo_shared.events.broker import message_properties
from reparo_shared.events.catalogue import make_envelope
from reparo_shared.events.consumer import (
    ATTEMPT_HEADER,
    DEAD_REASON_HEADER,
    Consumer,
    Delivery,
    InboxEvent,
    dead_letter_queue,
)
from reparo_shared.events.outbox_sqlmodel import record_event
from reparo_shared.events.relay import Relay, SqlAlchemyOutboxStore
from reparo_shared.events.types import ProductWithdrawn

HERE = Path(__file__).parent


def consumer_for(engine: Engine, broker: Broker, suffix: str, **options) -> Consumer:
    consumer = product_copy_consumer(
        f"test.copies.{suffix}", engine, broker.url, broker.exchange, **options
    )
    broker.forget_afterwards(*consumer.queue_names())
    broker.channel.queue_declare(queue=consumer.name, durable=True)  # exists before publishing
    consumer.declare_topology(broker.channel)
    return consumer


def inbox_size(engine: Engine, consumer: Consumer) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(InboxEvent.consumer == consumer.name)
        return session.scalar(query) or 0


def test_event_recorded_with_a_change_reaches_the_read_side_through_relay_and_consumer(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    consumer = consumer_for(engine, broker, suffix)
    relay = Relay(SqlAlchemyOutboxStore(engine), url=broker.url, exchange=broker.exchange)

    with running(relay.run), running(consumer.run):
        with Session(engine) as session:
            for revision in (1, 2, 3):
                record_event(session, published(5, revision), producer="cms", subject="product:5")
            record_event(session, published(6), producer="cms", subject="product:6")
            record_event(session, ProductWithdrawn(page_id=6), producer="cms", subject="product:6")
            session.commit()
        wait_until(lambda: inbox_size(engine, consumer) == 5, what="five events handled")

    read_side = copies(engine)
    assert set(read_side) == {5}
    assert read_side[5].history == "|rev1|rev2|rev3"


def test_same_event_delivered_twice_changes_the_read_side_once(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    consumer = consumer_for(engine, broker, suffix)
    envelope = make_envelope(published(8), producer="cms", subject="product:8")

    broker.publish(envelope)
    broker.publish(envelope)
    with running(consumer.run):
        wait_until(lambda: broker.count(consumer.name) == 0, what="both deliveries taken")
        wait_until(lambda: inbox_size(engine, consumer) == 1, what="the event handled")

    # The consumer has disconnected: anything it had not acknowledged would be back in the queue.
    assert broker.count(consumer.name) == 0
    assert copies(engine)[8].times_applied == 1
    assert broker.count(dead_letter_queue(consumer.name)) == 0


def test_unreadable_and_invalid_messages_are_dead_lettered_and_the_consumer_goes_on(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    consumer = consumer_for(engine, broker, suffix)
    invalid = make_envelope(published(9), producer="cms", subject="product:9").model_copy(
        update={"data": {"page_id": "not a number"}}
    )

    broker.publish_raw(b"{not json", "product.published", message_id="garbage-1")
    broker.publish(invalid)
    broker.publish(make_envelope(published(10), producer="cms", subject="product:10"))
    with running(consumer.run):
        wait_until(lambda: 10 in copies(engine), what="the good event after the bad ones")
        wait_until(lambda: broker.count(dead_letter_queue(consumer.name)) == 2, what="2 dead")

    dead = broker.take(dead_letter_queue(consumer.name), 2)
    reasons = {
        properties.message_id: properties.headers[DEAD_REASON_HEADER] for properties, _ in dead
    }
    assert reasons["garbage-1"].startswith("unreadable: ValidationError")
    assert reasons[str(invalid.id)].startswith("unreadable: ValidationError")
    assert "page_id" in reasons[str(invalid.id)]


def test_failing_handler_is_retried_after_a_delay_then_dead_lettered(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    consumer = consumer_for(engine, broker, suffix, retry_delays=(0.1, 0.2))
    hopeless = make_envelope(published(11, name=ALWAYS_FAILS), producer="cms", subject="p:11")
    hiccup = make_envelope(published(12, name=FAILS_ONCE), producer="cms", subject="p:12")

    broker.publish(hopeless)
    broker.publish(hiccup)
    with running(consumer.run):
        wait_until(lambda: 12 in copies(engine), what="the hiccup handled on retry")
        wait_until(lambda: broker.count(dead_letter_queue(consumer.name)) == 1, what="dead")

    [(properties, _)] = broker.take(dead_letter_queue(consumer.name), 1)
    assert properties.message_id == str(hopeless.id)
    assert properties.headers[ATTEMPT_HEADER] == 2
    assert properties.headers[DEAD_REASON_HEADER].startswith("failed 3 times: RuntimeError")
    assert 11 not in copies(engine)
    assert copies(engine)[12].times_applied == 1


def test_consumer_killed_after_commit_before_ack_skips_the_redelivery(
    engine: Engine, database_url: str, broker: Broker, suffix: str
) -> None:
    consumer = consumer_for(engine, broker, suffix)
    broker.publish(make_envelope(published(13), producer="cms", subject="product:13"))

    doomed = subprocess.run(
        [sys.executable, str(HERE / "consume_then_die.py")],
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "AMQP_URL": broker.url,
            "EVENTS_EXCHANGE": broker.exchange,
            "CONSUMER_NAME": consumer.name,
        },
        timeout=60,
        check=False,
    )
    assert doomed.returncode == -signal.SIGKILL
    assert copies(engine)[13].times_applied == 1
    wait_until(lambda: broker.count(consumer.name) == 1, what="the unacked message requeued")

    with running(consumer.run):
        wait_until(lambda: broker.count(consumer.name) == 0, what="the redelivery taken")

    assert broker.count(consumer.name) == 0  # acknowledged, or closing would have requeued it
    assert copies(engine)[13].times_applied == 1
    assert inbox_size(engine, consumer) == 1


def delivery_of(envelope, tag: int = 1) -> Delivery:
    body = envelope.to_bytes()
    properties = message_properties(str(envelope.id), envelope.type, body.decode())
    return Delivery(tag, envelope.type, properties, body)


def test_a_batch_applies_each_new_event_once_and_skips_what_was_handled_before(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    consumer = consumer_for(engine, broker, suffix)
    earlier = make_envelope(published(11, 1), producer="cms", subject="product:11")
    later = make_envelope(published(11, 2), producer="cms", subject="product:11")
    consumer.process_batch([delivery_of(earlier)])

    consumer.process_batch([delivery_of(earlier), delivery_of(later), delivery_of(later)])

    assert copies(engine)[11].history == "|rev1|rev2"
    assert inbox_size(engine, consumer) == 2


def test_two_consumer_processes_given_the_same_batch_at_once_apply_it_once(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    # Two instances of one consumer (one queue, competing) can hold the same event after a
    # redelivery; the second to claim it must wait for the first and then skip it.
    instances = [consumer_for(engine, broker, suffix) for _ in range(2)]
    batch = [
        delivery_of(make_envelope(published(page), producer="cms", subject=f"product:{page}"))
        for page in (21, 22, 23)
    ]
    start_together = threading.Barrier(2)

    def process(consumer: Consumer) -> None:
        start_together.wait()
        consumer.process_batch(batch)

    threads = [threading.Thread(target=process, args=(consumer,)) for consumer in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert {page: copy.times_applied for page, copy in copies(engine).items()} == {
        21: 1,
        22: 1,
        23: 1,
    }
    assert inbox_size(engine, instances[0]) == 3


def test_idle_consumer_keeps_its_connection_past_several_heartbeats(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    consumer = product_copy_consumer(
        f"test.copies.{suffix}", engine, f"{broker.url}?heartbeat=1", broker.exchange
    )
    broker.forget_afterwards(*consumer.queue_names())
    consumer.declare_topology(broker.channel)
    connections: list[object] = []
    with running(consumer.run):
        wait_until(lambda: consumer._publish_channel is not None, what="consumer connected")
        connections.append(consumer._publish_channel)
        time.sleep(5)  # the broker gives up on a peer after two missed heartbeats
        broker.publish(make_envelope(published(3), producer="cms", subject="product:3"))
        wait_until(lambda: inbox_size(engine, consumer) == 1, what="the event handled")
        connections.append(consumer._publish_channel)
    assert connections[0] is connections[1]
