"""Throughput and latency of the event backbone: outbox -> relay -> RabbitMQ -> consumer.

Two phases against the real broker and a fresh database (PostgreSQL when
``TEST_DATABASE_ADMIN_URL`` is set, else SQLite), with the relay and the consumer each in their own
process, as in production:

1. steady load: producers commit events at ``--rate`` per second for ``--seconds``; prints p50, p95
   and p99 of the time from the producer's commit to the end of the consumer's handler transaction;
2. backlog: ``--backlog`` events are committed while relay and consumer are stopped, then both are
   started; prints events per second until the last one is handled.

    uv run python bench/events_throughput.py
    TEST_DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        uv run python bench/events_throughput.py --rate 1500 --backlog 20000

The steady-load producers commit ``--per-transaction`` events at a time (default 2). With one
event per commit, four producer processes making 1,000 commits a second take most of a core of a
two-core machine themselves, and the relay and the consumer then queue for CPU.

Measured 2026-12-03 on a 2-CPU machine (load 2-3), PostgreSQL 15, RabbitMQ 3.10, one relay and one
consumer process: backlog 2,196-2,351 events/s (CPU per event relay 0.10 ms, consumer 0.28-0.31
ms); steady load at 1,044-1,077/s offered, two events per commit: commit -> handled p50 116-126 ms,
p95 215-249 ms (commit -> relay marked it sent p50 88-91 ms). One event per commit: 760-800/s
offered, p95 353-407 ms. Ten per commit by two producers: 1,075/s, p95 112 ms. SQLite, the
single-machine demo store, drains a backlog at 2,007/s, but its single writer makes steady load
queue (p95 7 s at 870/s offered; the relay, waiting on the write lock, once missed the broker's
heartbeat and reconnected without losing an event).
"""

import argparse
import multiprocessing
import os
import statistics
import time
import uuid
from datetime import UTC, datetime

import pika
import psutil
from sqlalchemy import Column, DateTime, Engine, create_engine, func, insert
from sqlmodel import Field, Session, SQLModel, col, select

from reparo_shared.events.catalogue import make_envelope
from reparo_shared.events.consumer import Consumer
from reparo_shared.events.envelope import Envelope
from reparo_shared.events.outbox_sqlmodel import OutboxEvent
from reparo_shared.events.relay import Relay, SqlAlchemyOutboxStore
from reparo_shared.events.types import ProductPublished
from reparo_shared.logs import configure_logging
from reparo_shared.testing import fresh_database

AMQP_URL = os.environ.get("AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/%2F"


class BenchHandled(SQLModel, table=True):
    """What the bench consumer wrote: one row per handled event, with when it was handled."""

    __tablename__ = "bench_handled"

    event_id: str = Field(primary_key=True, max_length=36)
    page_id: int
    handled_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"timeout": 30})
    return create_engine(url, pool_size=10)


def handle(session: Session, event: Envelope, payload: ProductPublished) -> None:
    session.add(
        BenchHandled(event_id=str(event.id), page_id=payload.page_id, handled_at=datetime.now(UTC))
    )


def run_consumer(url: str, name: str, exchange: str, stop, ready) -> None:
    configure_logging("bench-consumer", json_logs=True, level="WARNING")
    consumer = Consumer(name, engine_for(url), url=AMQP_URL, exchange=exchange, prefetch=100)
    consumer.handler(ProductPublished)(handle)
    ready.set()
    consumer.run(stop)


def run_relay(url: str, exchange: str, stop) -> None:
    configure_logging("bench-relay", json_logs=True, level="WARNING")
    Relay(SqlAlchemyOutboxStore(engine_for(url)), url=AMQP_URL, exchange=exchange).run(stop)


def produce(engine: Engine, count: int, rate: float, commits: dict[str, float], per_tx: int):
    """Commit ``count`` outbox rows, ``per_tx`` per transaction, paced to ``rate`` per second.

    The rows are what ``record_event`` writes, built before the clock starts and inserted through
    SQLAlchemy Core: the producers are the load, not what is measured, and on a two-core machine
    building envelopes and ORM objects while producing took a whole core from the relay and the
    consumer.
    """
    outbox = OutboxEvent.__table__  # type: ignore[attr-defined]
    all_rows = [outbox_row(n) for n in range(count)]
    started = time.perf_counter()
    with engine.connect() as connection:
        for first in range(0, count, per_tx):
            due = started + first / rate if rate else 0
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            rows = all_rows[first : first + per_tx]
            with connection.begin():
                connection.execute(insert(outbox), rows)
            committed = time.time()
            for row in rows:
                commits[row["event_id"]] = committed


def outbox_row(n: int) -> dict:
    payload = ProductPublished(
        page_id=n % 100,
        name="Bench drill",
        part_numbers=[f"PN-{n}"],
        page_url=f"https://cms.example/products/{n % 100}/",
    )
    envelope = make_envelope(payload, producer="bench", subject=f"p:{n % 100}")
    return {
        "event_id": str(envelope.id),
        "event_type": envelope.type,
        "subject": envelope.subject,
        "envelope": envelope.model_dump_json(),
        "created_at": datetime.now(UTC),
        "attempts": 0,
    }


def run_producer(url: str, count: int, rate: float, per_tx: int, results) -> None:
    engine = engine_for(url)
    commits: dict[str, float] = {}
    produce(engine, count, rate, commits, per_tx)
    results.put(commits)


def handled_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(BenchHandled)).one()


def unsent_count(engine: Engine) -> int:
    with Session(engine) as session:
        query = (
            select(func.count()).select_from(OutboxEvent).where(col(OutboxEvent.sent_at).is_(None))
        )
        return session.exec(query).one()


def wait_for(engine: Engine, total: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while handled_count(engine) < total:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {handled_count(engine)} of {total} handled in {timeout}s")
        time.sleep(0.05)


def start_pipeline(url: str, name: str, exchange: str, consumers: int):
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    readies = []
    processes = []
    for _ in range(consumers):
        ready = context.Event()
        readies.append(ready)
        processes.append(
            context.Process(
                target=run_consumer, args=(url, name, exchange, stop, ready), daemon=True
            )
        )
    processes.append(context.Process(target=run_relay, args=(url, exchange, stop), daemon=True))
    for process in processes:
        process.start()
    for ready in readies:
        ready.wait(60)
    return stop, processes


def cpu_seconds(processes) -> list[float]:
    """CPU time used so far by each pipeline process (consumers first, the relay last)."""
    times = [psutil.Process(process.pid).cpu_times() for process in processes]
    return [t.user + t.system for t in times]


def stop_pipeline(stop, processes) -> None:
    stop.set()
    for process in processes:
        process.join(30)


def latency_phase(url: str, engine: Engine, args, exchange: str, queue: str) -> None:
    stop, processes = start_pipeline(url, queue, exchange, args.consumers)
    time.sleep(2.0)  # let the consumer declare and bind its queue before anything is published
    commits: dict[str, float] = {}
    count = int(args.rate * args.seconds)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    producers = [
        context.Process(
            target=run_producer,
            args=(
                url,
                count // args.producers,
                args.rate / args.producers,
                args.per_transaction,
                results,
            ),
            daemon=True,
        )
        for _ in range(args.producers)
    ]
    for process in producers:
        process.start()
    for _ in producers:
        commits.update(results.get(timeout=600))
    began = min(commits.values())
    produced_in = max(commits.values()) - began
    total = len(commits)
    wait_for(engine, total, timeout=300)
    stop_pipeline(stop, processes)

    with Session(engine) as session:
        handled = {
            row.event_id: row.handled_at.timestamp() for row in session.exec(select(BenchHandled))
        }
        sent = {
            row.event_id: row.sent_at.timestamp()
            for row in session.exec(select(OutboxEvent))
            if row.sent_at is not None
        }
    latencies = percentiles(handled, commits)
    relay_lags = percentiles(sent, commits)
    elapsed = max(handled.values()) - began
    print(
        f"steady load: {total} events committed at {total / produced_in:.0f}/s by "
        f"{args.producers} producer processes; all handled {elapsed:.1f}s after the first commit"
    )
    print(f"  commit -> handled: {latencies}")
    print(f"  commit -> relay marked it sent: {relay_lags}")


def percentiles(done_at: dict[str, float], commits: dict[str, float]) -> str:
    """p50/p95/p99/max of the milliseconds from each event's commit to ``done_at``."""
    millis = sorted((done_at[event_id] - at) * 1000 for event_id, at in commits.items())
    quantiles = statistics.quantiles(millis, n=100)
    return (
        f"p50 {quantiles[49]:.1f} ms, p95 {quantiles[94]:.1f} ms, "
        f"p99 {quantiles[98]:.1f} ms, max {millis[-1]:.1f} ms"
    )


def backlog_phase(url: str, engine: Engine, args, exchange: str, queue: str) -> None:
    with Session(engine) as session:
        already = handled_count(engine)
        session.commit()
    commits: dict[str, float] = {}
    produce(engine, args.backlog, 0, commits, per_tx=100)
    stop, processes = start_pipeline(url, queue, exchange, args.consumers)
    # CPU is counted from the first handled event on, so start-up and imports stay out of it.
    wait_for(engine, already + 1, timeout=120)
    start_cpu = cpu_seconds(processes)
    left_to_handle = already + args.backlog - handled_count(engine)
    left_to_publish = unsent_count(engine)
    wait_for(engine, already + args.backlog, timeout=600)
    end_cpu = cpu_seconds(processes)
    busy_cpu = [end - start for end, start in zip(end_cpu, start_cpu, strict=True)]
    stop_pipeline(stop, processes)

    with Session(engine) as session:
        query = select(func.min(BenchHandled.handled_at), func.max(BenchHandled.handled_at)).where(
            col(BenchHandled.event_id).in_(list(commits))
        )
        first, last = session.exec(query).one()
    span = (last - first).total_seconds()
    print(
        f"backlog: {args.backlog} events relayed and handled in {span:.1f}s from the first "
        f"handled to the last -> {args.backlog / span:.0f} events/s"
    )
    relay_ms = busy_cpu[-1] * 1000 / max(1, left_to_publish)
    consumer_ms = sum(busy_cpu[:-1]) * 1000 / max(1, left_to_handle)
    print(
        f"  CPU per event: relay {relay_ms:.2f} ms, consumer {consumer_ms:.2f} ms "
        f"(one free core each would carry ~{1000 / max(relay_ms, consumer_ms):.0f} events/s)"
    )


def delete_topology(exchange: str, queue: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    channel = connection.channel()
    for name in (queue, f"{queue}.dead", *(f"{queue}.retry.{ms}ms" for ms in (1000, 10000, 60000))):
        channel.queue_delete(name)
    channel.exchange_delete(exchange)
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    # A little over the 1,000/s target: the producers start a little apart, which the offered
    # rate (events over the time from the first commit to the last) counts against them.
    parser.add_argument("--rate", type=float, default=1100, help="steady-load events per second")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--producers", type=int, default=4)
    parser.add_argument(
        "--per-transaction", type=int, default=2, help="steady-load events per producer commit"
    )
    parser.add_argument("--consumers", type=int, default=1)
    parser.add_argument("--backlog", type=int, default=10000)
    args = parser.parse_args()

    suffix = uuid.uuid4().hex[:8]
    exchange, queue = f"bench.events.{suffix}", f"bench.consumer.{suffix}"
    with fresh_database("bench_events") as url:
        engine = engine_for(url)
        SQLModel.metadata.create_all(engine)
        print(f"database: {engine.dialect.name}; consumers: {args.consumers}")
        try:
            latency_phase(url, engine, args, exchange, queue)
            backlog_phase(url, engine, args, exchange, queue)
        finally:
            engine.dispose()
            delete_topology(exchange, queue)


if __name__ == "__main__":
    main()
