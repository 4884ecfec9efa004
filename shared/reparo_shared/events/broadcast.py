"""Events heard by every instance of a service: one exclusive, auto-deleting queue per listener.

A ``Consumer`` shares one durable queue among all instances of a service, so each event is
handled once. Some reactions belong to each instance instead, such as dropping a cache held in
that process's memory; a ``BroadcastListener`` serves those. Its queue lives only as long as its
connection, nothing is acknowledged or retried, and events sent while it was disconnected are
lost: so after every (re)connection it calls ``on_connect``, where the caller drops whatever it
may have missed. State kept this way must therefore also expire on its own.

Run it on a daemon thread (``start``) and stop it with the returned ``threading.Event``.
"""

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Sequence

from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties
from pydantic import ValidationError

from reparo_shared.events.broker import (
    BROKER_ERRORS,
    amqp_url,
    connect,
    declare_exchange,
    events_exchange,
)
from reparo_shared.events.envelope import Envelope

logger = logging.getLogger(__name__)

EventCallback = Callable[[Envelope], None]


class BroadcastListener:
    """Calls ``on_event`` with every event whose type matches one of ``routing_keys``.

    ``routing_keys`` are topic patterns on the events exchange (``content.page.*``); ``name``
    starts the queue's name, which also carries the host, process id and a random part so that
    every instance, and every reconnection, has its own.
    """

    def __init__(
        self,
        name: str,
        routing_keys: Sequence[str],
        on_event: EventCallback,
        *,
        on_connect: Callable[[], None] | None = None,
        url: str | None = None,
        exchange: str | None = None,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self.name = name
        self.routing_keys = list(routing_keys)
        self.on_event = on_event
        self.on_connect = on_connect
        self.url = url or amqp_url()
        self.exchange = exchange or events_exchange()
        self.max_backoff_seconds = max_backoff_seconds
        self.queue: str | None = None
        self.connected = threading.Event()

    def start(self) -> threading.Event:
        """Listen on a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        thread = threading.Thread(target=self.run, args=(stop,), name=self.name, daemon=True)
        thread.start()
        return stop

    def run(self, stop: threading.Event) -> None:
        """Listen until ``stop`` is set, reconnecting with a growing pause after broker loss."""
        backoff = 0.0
        while not stop.is_set():
            try:
                self._listen(stop)
                backoff = 0.0
                stop.wait(0.2)
            except BROKER_ERRORS as error:
                self.connected.clear()
                backoff = min(self.max_backoff_seconds, max(0.5, backoff * 2))
                logger.warning(
                    "events.broadcast.broker_unavailable",
                    extra={"listener": self.name, "error": repr(error), "retry_in": backoff},
                )
                stop.wait(backoff)

    def _listen(self, stop: threading.Event) -> None:
        connection = connect(self.url, connection_name=f"listener {self.name}")
        try:
            channel = connection.channel()
            self._declare(channel)
            cancelled = threading.Event()
            # The broker cancels the consumer when its queue is deleted (by an operator, or a
            # node failing over); listening again on a new queue is then the only way to hear.
            channel.add_on_cancel_callback(lambda frame: cancelled.set())
            channel.basic_consume(self.queue or "", self._deliver, auto_ack=True)
            if self.on_connect is not None:
                self.on_connect()
            self.connected.set()
            logger.info("events.broadcast.listening", extra={"queue": self.queue})
            while not stop.is_set() and not cancelled.is_set():
                connection.process_data_events(time_limit=0.5)
        finally:
            self.connected.clear()
            if connection.is_open:
                try:
                    connection.close()
                except BROKER_ERRORS:
                    logger.debug("events.broadcast.close_failed", exc_info=True)

    def _declare(self, channel: BlockingChannel) -> None:
        declare_exchange(channel, self.exchange)
        queue = f"{self.name}.{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(3)}"
        channel.queue_declare(queue=queue, exclusive=True, auto_delete=True)
        for key in self.routing_keys:
            channel.queue_bind(queue=queue, exchange=self.exchange, routing_key=key)
        self.queue = queue

    def _deliver(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        try:
            envelope = Envelope.model_validate_json(body)
        except ValidationError:
            logger.warning("events.broadcast.unreadable", extra={"listener": self.name})
            return
        try:
            self.on_event(envelope)
        except Exception:
            # Nothing is redelivered on this queue; the caller's state expires on its own.
            logger.exception("events.broadcast.handler_failed", extra={"event_id": envelope.id})
