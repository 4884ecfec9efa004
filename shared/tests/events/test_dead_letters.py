import json
import os
import subprocess
import sys

from events_support import (
    ALWAYS_FAILS,
    Broker,
    copies,
    product_copy_consumer,
    published,
    running,
    wait_until,
)
from sqlalchemy import Engine

from reparo_shared.events.catalogue import make_envelope
from reparo_shared.events.consumer import Consumer, dead_letter_queue
from reparo_shared.events.dead_letters import (
    list_dead_letters,
    purge_dead_letters,
    replay_dead_letters,
)


def consumer_for(engine: Engine, broker: Broker, suffix: str) -> Consumer:
    consumer = product_copy_consumer(
        f"test.dl.{suffix}", engine, broker.url, broker.exchange, retry_delays=()
    )
    broker.forget_afterwards(*consumer.queue_names())
    consumer.declare_topology(broker.channel)
    return consumer


def dead_letter_two(engine: Engine, broker: Broker, consumer: Consumer) -> list[str]:
    """Two events the handler refuses, left in the dead-letter queue; returns their ids."""
    envelopes = [
        make_envelope(published(page_id, name=ALWAYS_FAILS), producer="cms", subject="p")
        for page_id in (21, 22)
    ]
    for envelope in envelopes:
        broker.publish(envelope)
    with running(consumer.run):
        wait_until(lambda: broker.count(dead_letter_queue(consumer.name)) == 2, what="2 dead")
    return [str(envelope.id) for envelope in envelopes]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reparo_shared.events.dead_letters", *args],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=60,
        check=False,
    )


def test_operator_lists_dead_letters_with_their_reason_and_leaves_them_in_place(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    consumer = consumer_for(engine, broker, suffix)
    ids = dead_letter_two(engine, broker, consumer)

    listed = list_dead_letters(consumer.name, url=broker.url)

    assert [message.message_id for message in listed] == ids
    assert all("RuntimeError" in message.reason for message in listed)
    assert {message.event_type for message in listed} == {"product.published"}
    assert broker.count(dead_letter_queue(consumer.name)) == 2


def test_operator_replays_one_dead_letter_once_the_handler_is_fixed(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    consumer = consumer_for(engine, broker, suffix)
    first, second = dead_letter_two(engine, broker, consumer)
    consumer._handlers["product.published"] = lambda session, event, payload: session.add(
        _copy_of(payload)
    )

    assert replay_dead_letters(consumer.name, message_ids=[first], url=broker.url) == 1
    with running(consumer.run):
        wait_until(lambda: 21 in copies(engine), what="the replayed event handled")

    assert 22 not in copies(engine)
    assert [m.message_id for m in list_dead_letters(consumer.name, url=broker.url)] == [second]


def test_operator_purges_dead_letters(engine: Engine, broker: Broker, suffix: str) -> None:
    consumer = consumer_for(engine, broker, suffix)
    first, second = dead_letter_two(engine, broker, consumer)

    assert purge_dead_letters(consumer.name, message_ids=[second], url=broker.url) == 1
    assert [m.message_id for m in list_dead_letters(consumer.name, url=broker.url)] == [first]
    assert purge_dead_letters(consumer.name, url=broker.url) == 1
    assert broker.count(dead_letter_queue(consumer.name)) == 0


def test_dead_letter_command_lists_shows_and_replays(
    engine: Engine, broker: Broker, suffix: str
) -> None:
    consumer = consumer_for(engine, broker, suffix)
    first, _ = dead_letter_two(engine, broker, consumer)
    url = ("--amqp-url", broker.url)

    listing = cli("list", "--queue", consumer.name, *url)
    shown = cli("show", "--queue", consumer.name, "--id", first, *url)
    replayed = cli("replay", "--queue", consumer.name, *url)

    assert listing.returncode == 0, listing.stderr
    assert [json.loads(line)["message_id"] for line in listing.stdout.splitlines()][:1] == [first]
    assert json.loads(shown.stdout)["body"]["data"]["page_id"] == 21
    assert replayed.stdout.strip() == "replayed 2"
    assert broker.count(dead_letter_queue(consumer.name)) == 0
    assert broker.count(consumer.name) == 2


def _copy_of(payload):
    from events_support import ProductCopy

    return ProductCopy(page_id=payload.page_id, name="fixed", times_applied=1)
