"""Broadcast listeners: every instance hears every matching event on a queue of its own."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pika
import pytest
from events_support import Broker, TcpProxy, wait_until

from reparo_shared.events.broadcast import BroadcastListener
from reparo_shared.events.broker import connect
from reparo_shared.events.catalogue import make_envelope
from reparo_shared.events.envelope import Envelope
from reparo_shared.events.types import ContentPagePublished, ProductWithdrawn


class Recorder:
    def __init__(self) -> None:
        self.events: list[Envelope] = []
        self.connects = 0

    def hear(self, envelope: Envelope) -> None:
        self.events.append(envelope)

    def connected(self) -> None:
        self.connects += 1


@contextmanager
def listening(broker: Broker, recorder: Recorder) -> Iterator[BroadcastListener]:
    listener = BroadcastListener(
        "test.cache",
        ["content.page.*"],
        recorder.hear,
        on_connect=recorder.connected,
        url=broker.url,
        exchange=broker.exchange,
    )
    stop = listener.start()
    try:
        assert listener.connected.wait(15), "the listener did not connect"
        yield listener
    finally:
        stop.set()


def publish(broker: Broker, payload: ContentPagePublished | ProductWithdrawn) -> None:
    envelope = make_envelope(payload, producer="cms", subject="page:1")
    broker.channel.basic_publish(broker.exchange, envelope.type, envelope.model_dump_json())


def page_published(page_id: int) -> ContentPagePublished:
    return ContentPagePublished(
        page_id=page_id, page_type="content.ArticlePage", public_url=f"/articles/a-{page_id}/"
    )


def test_two_instances_each_hear_every_content_event_and_nothing_else(broker: Broker) -> None:
    first, second = Recorder(), Recorder()
    with listening(broker, first), listening(broker, second):
        publish(broker, ProductWithdrawn(page_id=9))
        publish(broker, page_published(1))

        wait_until(lambda: first.events and second.events, 15, "both listeners heard it")

    assert [e.data["page_id"] for e in first.events] == [1]
    assert [e.data["page_id"] for e in second.events] == [1]
    assert first.connects == second.connects == 1


def test_queue_is_exclusive_and_gone_once_the_listener_stops(broker: Broker) -> None:
    recorder = Recorder()
    with listening(broker, recorder) as listener:
        queue = listener.queue
        assert queue is not None
        assert queue.startswith("test.cache.")
        other = connect(broker.url, connection_name="intruder").channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker):
            other.basic_consume(queue, lambda *args: None)

    def queue_gone() -> bool:
        channel = connect(broker.url, connection_name="probe").channel()
        try:
            channel.queue_declare(queue=queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker:
            return True
        return False

    wait_until(queue_gone, 15, "the queue to be deleted")


def test_unreadable_message_is_skipped_and_listening_goes_on(broker: Broker) -> None:
    recorder = Recorder()
    with listening(broker, recorder):
        broker.channel.basic_publish(broker.exchange, "content.page.published", b"{not json")
        publish(broker, page_published(2))

        wait_until(lambda: recorder.events, 15, "the readable event")

    assert [e.data["page_id"] for e in recorder.events] == [2]


def test_lost_connection_is_restored_and_on_connect_called_again(broker: Broker) -> None:
    proxy = TcpProxy(("127.0.0.1", 5672))
    url = broker.url.replace("127.0.0.1:5672", f"127.0.0.1:{proxy.port}")
    assert url != broker.url, "the test needs AMQP_URL on 127.0.0.1:5672"
    recorder = Recorder()
    listener = BroadcastListener(
        "test.cache",
        ["content.page.*"],
        recorder.hear,
        on_connect=recorder.connected,
        url=url,
        exchange=broker.exchange,
        max_backoff_seconds=0.5,
    )
    proxy.start()
    stop = listener.start()
    try:
        wait_until(listener.connected.is_set, 15, "the first connection")

        proxy.stop()
        wait_until(lambda: not listener.connected.is_set(), 15, "the listener to notice")
        proxy.start()
        wait_until(lambda: recorder.connects >= 2, 30, "a second connection")
        publish(broker, page_published(3))
        wait_until(lambda: recorder.events, 15, "an event after reconnecting")
    finally:
        stop.set()
        proxy.stop()


def test_idle_listener_keeps_its_connection_past_several_heartbeats(broker: Broker) -> None:
    recorder = Recorder()
    listener = BroadcastListener(
        "test.cache",
        ["content.page.*"],
        recorder.hear,
        on_connect=recorder.connected,
        url=f"{broker.url}?heartbeat=1",
        exchange=broker.exchange,
    )
    stop = listener.start()
    try:
        assert listener.connected.wait(15), "the listener did not connect"
        time.sleep(5)  # the broker gives up on a peer after two missed heartbeats
        publish(broker, page_published(4))
        wait_until(lambda: recorder.events, 15, "the listener heard it")
    finally:
        stop.set()
    assert recorder.connects == 1
