"""Test helpers for the events suite: a read model, a test consumer, broker probes, a TCP proxy."""

import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pika
from sqlalchemy import Engine, create_engine
from sqlmodel import Field, Session, SQLModel
from sqlmodel import select as sql_select

from reparo_shared.events.broker import connect
from reparo_shared.events.consumer import Consumer
from reparo_shared.events.envelope import Envelope
from reparo_shared.events.relay import Relay
from reparo_shared.events.types import ProductPublished, ProductWithdrawn

ALWAYS_FAILS = "always fails"
FAILS_ONCE = "fails once"


class ProductCopy(SQLModel, table=True):
    """A read copy of products, counting how often an event changed it."""

    __tablename__ = "test_product_copy"

    page_id: int = Field(primary_key=True)
    name: str
    times_applied: int = 0
    history: str = ""


_failed_once: set[str] = set()


def apply_published(session: Session, event: Envelope, payload: ProductPublished) -> None:
    if payload.name == ALWAYS_FAILS:
        raise RuntimeError("the handler cannot cope with this product")
    if payload.name == FAILS_ONCE and str(event.id) not in _failed_once:
        _failed_once.add(str(event.id))
        raise RuntimeError("a passing hiccup")
    copy = session.get(ProductCopy, payload.page_id) or ProductCopy(
        page_id=payload.page_id, name=payload.name
    )
    copy.name = payload.name
    copy.times_applied += 1
    copy.history = f"{copy.history}|{payload.part_numbers[0]}" if payload.part_numbers else ""
    session.add(copy)


def apply_withdrawn(session: Session, event: Envelope, payload: ProductWithdrawn) -> None:
    copy = session.get(ProductCopy, payload.page_id)
    if copy is not None:
        session.delete(copy)


def product_copy_consumer(name: str, engine: Engine, url: str, exchange: str, **options: Any):
    consumer = Consumer(name, engine, url=url, exchange=exchange, **options)
    consumer.handler(ProductPublished)(apply_published)
    consumer.handler(ProductWithdrawn)(apply_withdrawn)
    return consumer


def make_engine(url: str) -> Engine:
    """An engine on ``url`` with every table of the suite created."""
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    return engine


def published(page_id: int, revision: int = 1, name: str = "Drill X") -> ProductPublished:
    return ProductPublished(
        page_id=page_id,
        name=name,
        part_numbers=[f"rev{revision}"],
        page_url=f"https://cms.example/products/{page_id}/",
    )


def copies(engine: Engine) -> dict[int, ProductCopy]:
    with Session(engine) as session:
        return {copy.page_id: copy for copy in session.exec(sql_select(ProductCopy))}


def wait_until(condition: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """Poll until ``condition()`` is truthy; fail if it never is (a bound, not a timing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what or condition}")


@contextmanager
def running(loop: Callable[[threading.Event], None]) -> Iterator[threading.Event]:
    """Run a relay/consumer/scheduler loop in a thread for the duration of the block."""
    stop = threading.Event()
    thread = threading.Thread(target=loop, args=(stop,), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the loop did not stop"


def run_relay_until_idle(relay: Relay) -> int:
    """Connect and publish batches until nothing is left; returns how many were published."""
    relay.store.ensure_lock_row()
    relay.publisher.connect()
    total = 0
    try:
        while relay.store.has_pending():
            total += relay.publish_batch()
    finally:
        relay.publisher.close()
    return total


class Broker:
    """Direct broker access for tests, cleaning up every queue they declare."""

    def __init__(self, url: str, exchange: str) -> None:
        self.url = url
        self.exchange = exchange
        self.connection = connect(url, connection_name="events tests")
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.queues: list[str] = []

    def tap(self, name: str, routing_key: str = "#") -> str:
        """A queue receiving every event published to the exchange."""
        self.channel.queue_declare(queue=name, durable=True)
        self.channel.queue_bind(queue=name, exchange=self.exchange, routing_key=routing_key)
        self.queues.append(name)
        return name

    def forget_afterwards(self, *queues: str) -> None:
        self.queues.extend(queues)

    def take(self, queue: str, count: int, timeout: float = 30.0) -> list[tuple[Any, bytes]]:
        """Take (and ack) exactly ``count`` messages; fail if they do not all arrive."""
        taken: list[tuple[Any, bytes]] = []

        def more() -> bool:
            while len(taken) < count:
                method, properties, body = self.channel.basic_get(queue, auto_ack=True)
                if method is None:
                    return False
                taken.append((properties, body))
            return True

        wait_until(more, timeout, f"{count} messages on {queue}")
        return taken

    def count(self, queue: str) -> int:
        return self.channel.queue_declare(queue=queue, passive=True).method.message_count

    def publish_raw(self, body: bytes, routing_key: str, message_id: str | None = None) -> None:
        self.channel.basic_publish(
            exchange=self.exchange,
            routing_key=routing_key,
            body=body,
            properties=pika.BasicProperties(message_id=message_id, delivery_mode=2),
        )

    def publish(self, envelope: Envelope) -> None:
        self.publish_raw(envelope.to_bytes(), envelope.type, str(envelope.id))

    def close(self) -> None:
        for queue in self.queues:
            self.channel.queue_delete(queue=queue)
        self.channel.exchange_delete(exchange=self.exchange)
        self.connection.close()


class TcpProxy:
    """A TCP forwarder standing in for the broker's port, to cut and restore the connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and cut the open ones, as a broker crash would."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        pair = {a: b, b: a}
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            a.close()
            b.close()
