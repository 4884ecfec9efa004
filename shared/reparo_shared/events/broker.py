"""RabbitMQ connection settings and the confirming publisher the outbox relay uses.

Every domain event goes to one durable topic exchange (``EVENTS_EXCHANGE``, default
``reparo.events``) with the event type as routing key, as a persistent message whose
``message_id`` is the event id.
"""

import json
import logging
import os
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel

logger = logging.getLogger(__name__)

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_EXCHANGE = "reparo.events"

# What a broken or refused broker connection raises: pika wraps most socket trouble in its own
# errors, but a refused connect during the handshake can still surface as a plain OSError.
BROKER_ERRORS: tuple[type[BaseException], ...] = (pika.exceptions.AMQPError, OSError)


def amqp_url() -> str:
    """The broker URL from ``AMQP_URL``, defaulting to the local development broker."""
    return os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL


def events_exchange() -> str:
    """The domain events exchange name from ``EVENTS_EXCHANGE``."""
    return os.environ.get("EVENTS_EXCHANGE") or DEFAULT_EXCHANGE


def connect(url: str, *, connection_name: str) -> pika.BlockingConnection:
    """Open a blocking connection with short timeouts, so an outage is noticed quickly."""
    parameters = pika.URLParameters(url)
    parameters.heartbeat = 15
    parameters.blocked_connection_timeout = 30
    parameters.socket_timeout = 5
    parameters.stack_timeout = 10
    parameters.connection_attempts = 1
    parameters.client_properties = {"connection_name": connection_name}
    return pika.BlockingConnection(parameters)


def declare_exchange(channel: BlockingChannel, exchange: str) -> None:
    channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)


class ConfirmingPublisher:
    """Publishes outbox envelopes one by one, each confirmed by the broker before the next.

    Waiting for each confirm keeps order trivially and tells the relay exactly which rows are safe
    to mark sent when the broker goes away halfway through a batch.
    """

    def __init__(self, url: str, exchange: str, *, connection_name: str = "outbox-relay") -> None:
        self.url = url
        self.exchange = exchange
        self._connection_name = connection_name
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    @property
    def connected(self) -> bool:
        return self._channel is not None and self._channel.is_open

    def connect(self) -> None:
        """Connect and declare the exchange; raises one of ``BROKER_ERRORS`` on failure."""
        self.close()
        connection = connect(self.url, connection_name=self._connection_name)
        channel = connection.channel()
        declare_exchange(channel, self.exchange)
        channel.confirm_delivery()
        self._connection, self._channel = connection, channel

    def publish(self, *, event_id: str, event_type: str, envelope_json: str) -> None:
        """Publish one envelope and wait for the broker's confirm (raises if refused or lost)."""
        if self._channel is None:
            raise pika.exceptions.AMQPConnectionError("publisher is not connected")
        self._channel.basic_publish(
            exchange=self.exchange,
            routing_key=event_type,
            body=envelope_json.encode(),
            properties=message_properties(event_id, event_type, envelope_json),
        )

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except BROKER_ERRORS:
                logger.debug("events.publisher.close_failed", exc_info=True)


def message_properties(event_id: str, event_type: str, envelope_json: str) -> pika.BasicProperties:
    """AMQP properties mirroring the envelope, so tools can route and trace without parsing."""
    fields: dict[str, Any] = json.loads(envelope_json)
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=event_id,
        type=event_type,
        app_id=str(fields.get("producer", "")),
        correlation_id=str(fields.get("correlation_id", "-")),
    )
