"""RabbitMQ connection settings and the confirming publisher the outbox relay uses.

Every domain event goes to one durable topic exchange (``EVENTS_EXCHANGE``, default
``reparo.events``) with the event type as routing key, as a persistent message whose
``message_id`` is the event id.
"""

import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pika
from pika.adapters.blocking_connection import BlockingChannel

logger = logging.getLogger(__name__)

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_EXCHANGE = "reparo.events"
DEFAULT_HEARTBEAT_SECONDS = 15

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
    """Open a blocking connection with short timeouts, so an outage is noticed quickly.

    The heartbeat is 15 seconds unless ``url`` asks for another (``?heartbeat=5``). Whoever
    holds the connection must let pika run (``process_data_events``) at least that often, idle
    or not, or the broker drops the connection as dead.
    """
    parameters = pika.URLParameters(url)
    if "heartbeat" not in parse_qs(urlsplit(url).query):
        parameters.heartbeat = DEFAULT_HEARTBEAT_SECONDS
    parameters.blocked_connection_timeout = 30
    parameters.socket_timeout = 5
    parameters.stack_timeout = 10
    parameters.connection_attempts = 1
    parameters.client_properties = {"connection_name": connection_name}
    return pika.BlockingConnection(parameters)


def declare_exchange(channel: BlockingChannel, exchange: str) -> None:
    channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)


class PublishInterrupted(pika.exceptions.AMQPError):
    """A batch stopped short: the first ``confirmed`` messages are safe, the rest are not."""

    def __init__(self, confirmed: int, reason: str) -> None:
        super().__init__(reason)
        self.confirmed = confirmed


@dataclass(frozen=True)
class OutgoingEvent:
    event_id: str
    event_type: str
    envelope_json: str


class ConfirmingPublisher:
    """Publishes batches of envelopes and waits until the broker has confirmed every one.

    The whole batch goes out before waiting, and the confirms come back together, so a batch costs
    one round trip rather than one per message. pika's BlockingChannel only offers publish-and-wait
    per message, so this drives the asynchronous channel underneath it (``channel._impl``); pika
    has kept that attribute through its 1.x releases, and the relay tests catch a change.
    """

    def __init__(
        self,
        url: str,
        exchange: str,
        *,
        connection_name: str = "outbox-relay",
        confirm_timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.exchange = exchange
        self.confirm_timeout = confirm_timeout
        self._connection_name = connection_name
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._next_tag = 1
        self._outstanding: set[int] = set()
        self._nacked: set[int] = set()

    @property
    def connection(self) -> pika.BlockingConnection | None:
        """The open connection, if any (tests check that an idle one survives)."""
        return self._connection

    @property
    def connected(self) -> bool:
        return self._channel is not None and self._channel.is_open

    def connect(self) -> None:
        """Connect and declare the exchange; raises one of ``BROKER_ERRORS`` on failure."""
        self.close()
        connection = connect(self.url, connection_name=self._connection_name)
        channel = connection.channel()
        declare_exchange(channel, self.exchange)
        selected: list[object] = []
        channel._impl.confirm_delivery(ack_nack_callback=self._on_confirm, callback=selected.append)
        while not selected:
            connection.process_data_events(time_limit=1)
        self._connection, self._channel = connection, channel
        self._next_tag = 1
        self._outstanding, self._nacked = set(), set()

    def idle(self, seconds: float) -> None:
        """Let pika run for ``seconds``: it answers heartbeats, so an idle connection survives.

        Raises one of ``BROKER_ERRORS`` when the connection turns out to be lost.
        """
        if self._connection is None:
            raise PublishInterrupted(0, "publisher is not connected")
        self._connection.process_data_events(time_limit=seconds)

    def publish_all(self, events: Sequence[OutgoingEvent]) -> None:
        """Publish ``events`` in order and wait for all confirms.

        Raises ``PublishInterrupted`` saying how many leading events were confirmed when the
        broker refuses one, the connection drops or the confirms do not come in time.
        """
        if self._connection is None or self._channel is None:
            raise PublishInterrupted(0, "publisher is not connected")
        tags = []
        try:
            for event in events:
                self._channel._impl.basic_publish(
                    exchange=self.exchange,
                    routing_key=event.event_type,
                    body=event.envelope_json.encode(),
                    properties=message_properties(
                        event.event_id, event.event_type, event.envelope_json
                    ),
                )
                tags.append(self._next_tag)
                self._outstanding.add(self._next_tag)
                self._next_tag += 1
            deadline = time.monotonic() + self.confirm_timeout
            while self._outstanding and not self._nacked and time.monotonic() < deadline:
                # Confirms reach ``_on_confirm`` during this call, but it only returns early for
                # consumer deliveries, so a short limit is what lets the wait end promptly.
                self._connection.process_data_events(time_limit=0.002)
        except BROKER_ERRORS as error:
            confirmed = self._confirmed_prefix(tags)
            if confirmed < len(events):
                raise PublishInterrupted(confirmed, repr(error)) from error
            # Every confirm arrived before the connection broke: the batch is safe, and the
            # relay reconnects on its next round because the channel is no longer open.
            logger.info("events.publisher.lost_after_confirms", extra={"error": repr(error)})
        if self._outstanding or self._nacked:
            confirmed = self._confirmed_prefix(tags)
            reason = "broker refused a message" if self._nacked else "confirms timed out"
            raise PublishInterrupted(confirmed, reason)

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        tags = (
            {tag for tag in self._outstanding if tag <= method.delivery_tag}
            if method.multiple
            else {method.delivery_tag}
        )
        self._outstanding -= tags
        if isinstance(method, pika.spec.Basic.Nack):
            self._nacked |= tags

    def _confirmed_prefix(self, tags: Sequence[int]) -> int:
        confirmed = 0
        for tag in tags:
            if tag in self._outstanding or tag in self._nacked:
                break
            confirmed += 1
        return confirmed

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                with _pika_silenced():
                    connection.close()
            except BROKER_ERRORS:
                logger.debug("events.publisher.close_failed", exc_info=True)


class _PikaConnectionLossFilter(logging.Filter):
    """Turn pika's own connection warnings and errors into debug records without a traceback.

    Every failure pika meets on a blocking connection also reaches its caller as an exception,
    and our loops log that once, as a warning naming the error, before they reconnect. pika
    logs the same loss again at error level, with tracebacks, from several modules at once: a
    broker restart read as a dozen failures an operator would have to act on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        record.exc_info, record.exc_text = None, None
        # The logger's own level was checked at warning level; check again at debug level.
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def _quiet_pika() -> None:
    # A filter on a logger sees only the records logged to that very logger, not its children's,
    # so it goes on every pika module's logger (all imported with ``pika.adapters`` above).
    # pika.channel is left alone: a channel the broker closes (a refused declare, a missing
    # queue) is a fault of ours that no loop of ours reports, and an operator must see it.
    loss_filter = _PikaConnectionLossFilter()
    for name in list(logging.root.manager.loggerDict):
        if name == "pika" or (name.startswith("pika.") and name != "pika.channel"):
            logging.getLogger(name).addFilter(loss_filter)


_quiet_pika()


@contextmanager
def _pika_silenced() -> Iterator[None]:
    """Hold back pika's own records while a connection we are discarding closes.

    When the broker went away first (it stopped with the rest of the stack, or the network
    dropped), pika logs the reset it meets on close as errors with tracebacks; the caller has
    given the connection up and records the failure itself at debug level.
    """
    pika_logger = logging.getLogger("pika")
    level = pika_logger.level
    # pika's modules log through children of "pika" that set no level of their own.
    pika_logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        pika_logger.setLevel(level)


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
