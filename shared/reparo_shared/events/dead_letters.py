"""Inspect and replay a consumer's dead letters.

::

    python -m reparo_shared.events.dead_letters list   --queue repair.catalogue
    python -m reparo_shared.events.dead_letters show   --queue repair.catalogue --id <event id>
    python -m reparo_shared.events.dead_letters replay --queue repair.catalogue [--id <event id>]
    python -m reparo_shared.events.dead_letters purge  --queue repair.catalogue [--id <event id>]

``--queue`` is the consumer's name (its main queue); the dead letters live in ``<queue>.dead``.
Replay puts a message back on the main queue with its retry count reset; the consumer's inbox
makes replaying an event that was in fact handled harmless. Without ``--id``, replay and purge act
on every dead letter.

Reading takes the messages from the queue unacknowledged and gives them back on close, so a listing
never loses anything, but it does hold them for the moment it takes.
"""

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import BasicProperties

from reparo_shared.events.broker import amqp_url, connect
from reparo_shared.events.consumer import (
    ATTEMPT_HEADER,
    DEAD_AT_HEADER,
    DEAD_REASON_HEADER,
    ROUTING_KEY_HEADER,
    copy_properties,
    dead_letter_queue,
)


@dataclass(frozen=True)
class DeadLetterMessage:
    """One dead letter as an operator sees it."""

    message_id: str | None
    event_type: str | None
    reason: str
    dead_at: str | None
    attempts: int
    routing_key: str | None
    body: bytes
    properties: BasicProperties = field(repr=False, compare=False)

    def summary(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "event_type": self.event_type,
            "reason": self.reason,
            "dead_at": self.dead_at,
            "attempts": self.attempts,
        }


def _as_dead_letter(properties: BasicProperties, body: bytes) -> DeadLetterMessage:
    headers = properties.headers or {}

    def text(name: str) -> str | None:
        value = headers.get(name)
        return value.decode() if isinstance(value, bytes) else value

    return DeadLetterMessage(
        message_id=properties.message_id,
        event_type=properties.type or _type_in_body(body),
        reason=text(DEAD_REASON_HEADER) or "unknown",
        dead_at=text(DEAD_AT_HEADER),
        attempts=int(headers.get(ATTEMPT_HEADER, 0)),
        routing_key=text(ROUTING_KEY_HEADER),
        body=body,
        properties=properties,
    )


def _type_in_body(body: bytes) -> str | None:
    try:
        fields = json.loads(body)
    except ValueError:
        return None
    return fields.get("type") if isinstance(fields, dict) else None


@contextmanager
def _channel(url: str) -> Iterator[BlockingChannel]:
    connection = connect(url, connection_name="dead-letters cli")
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        yield channel
    finally:
        if connection.is_open:
            connection.close()  # unacknowledged messages go back to the queue


def _walk(channel: BlockingChannel, queue: str, visit: Callable[[DeadLetterMessage], bool]) -> int:
    """Take every message present now; ``visit`` returns True to ack it, False to give it back."""
    waiting = channel.queue_declare(queue=dead_letter_queue(queue), passive=True)
    acted = 0
    for _ in range(waiting.method.message_count):
        method, properties, body = channel.basic_get(dead_letter_queue(queue), auto_ack=False)
        if method is None:
            break
        if visit(_as_dead_letter(properties, body)):
            channel.basic_ack(method.delivery_tag)
            acted += 1
    return acted


def list_dead_letters(queue: str, *, url: str | None = None) -> list[DeadLetterMessage]:
    """Every dead letter of consumer ``queue``, oldest first, left in place."""
    found: list[DeadLetterMessage] = []

    def keep(message: DeadLetterMessage) -> bool:
        found.append(message)
        return False

    with _channel(url or amqp_url()) as channel:
        _walk(channel, queue, keep)
    return found


def replay_dead_letters(
    queue: str, *, message_ids: Sequence[str] | None = None, url: str | None = None
) -> int:
    """Send dead letters (all, or those with ``message_ids``) back to the main queue."""
    with _channel(url or amqp_url()) as channel:

        def replay(message: DeadLetterMessage) -> bool:
            if message_ids is not None and message.message_id not in message_ids:
                return False
            properties = message.properties
            headers = {
                key: value
                for key, value in (properties.headers or {}).items()
                if key not in (ATTEMPT_HEADER, DEAD_REASON_HEADER, DEAD_AT_HEADER, "x-death")
            }
            channel.basic_publish(
                exchange="",
                routing_key=queue,
                body=message.body,
                properties=copy_properties(properties, headers),
            )
            return True

        return _walk(channel, queue, replay)


def purge_dead_letters(
    queue: str, *, message_ids: Sequence[str] | None = None, url: str | None = None
) -> int:
    """Drop dead letters (all, or those with ``message_ids``) for good."""
    with _channel(url or amqp_url()) as channel:
        return _walk(
            channel,
            queue,
            lambda message: message_ids is None or message.message_id in message_ids,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reparo_shared.events.dead_letters",
        description="Inspect and replay a consumer's dead letters.",
    )
    parser.add_argument("action", choices=["list", "show", "replay", "purge"])
    parser.add_argument("--queue", required=True, help="the consumer's name (its main queue)")
    parser.add_argument("--id", action="append", dest="ids", help="an event id (repeatable)")
    parser.add_argument("--amqp-url", default=amqp_url())
    args = parser.parse_args(argv)

    if args.action == "list":
        for message in list_dead_letters(args.queue, url=args.amqp_url):
            print(json.dumps(message.summary(), ensure_ascii=False))
    elif args.action == "show":
        if not args.ids:
            parser.error("show needs --id")
        shown = [
            m for m in list_dead_letters(args.queue, url=args.amqp_url) if m.message_id in args.ids
        ]
        for message in shown:
            print(json.dumps(_details(message), ensure_ascii=False, indent=2))
        return 0 if shown else 1
    elif args.action == "replay":
        count = replay_dead_letters(args.queue, message_ids=args.ids, url=args.amqp_url)
        print(f"replayed {count}")
    else:
        count = purge_dead_letters(args.queue, message_ids=args.ids, url=args.amqp_url)
        print(f"purged {count}")
    return 0


def _details(message: DeadLetterMessage) -> dict[str, Any]:
    try:
        body: Any = json.loads(message.body)
    except ValueError:
        body = message.body.decode("utf-8", errors="replace")
    return {**message.summary(), "routing_key": message.routing_key, "body": body}


if __name__ == "__main__":
    sys.exit(main())
