"""The scheduler's table, slot arithmetic and loop; see the package docstring."""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Column, DateTime, Engine, UniqueConstraint, insert, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Field, SQLModel

from reparo_shared.tables import table_of

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ScheduledJobRun(SQLModel, table=True):
    """One claimed slot of one job: the claim is the insert, the unique constraint the referee."""

    __tablename__ = "scheduled_job_run"
    __table_args__ = (UniqueConstraint("job_name", "slot_start", name="uq_scheduled_job_run_slot"),)

    id: int | None = Field(default=None, primary_key=True)
    job_name: str = Field(max_length=100)
    slot_start: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    instance: str = Field(max_length=100)
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    error: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], None]


def slot_start(now: datetime, every: timedelta) -> datetime:
    """The start of the slot ``now`` falls in, for slots of length ``every`` from the epoch."""
    slots = (now - EPOCH) // every
    return EPOCH + slots * every


class SlotClaims(Protocol):
    """Where claims are written: the ``scheduled_job_run`` table, reached one way or another."""

    # Errors meaning "the database is away for now": the loop logs them and tries again.
    unavailable: tuple[type[Exception], ...]

    def claim(self, job_name: str, slot: datetime, instance: str) -> int | None:
        """Insert the ``(job, slot)`` row; its id when this instance won, None when another did."""
        ...

    def finish(self, run_id: int, error: str | None) -> None:
        """Record that the claimed run ended, with the error if it failed."""
        ...


class SqlSlotClaims:
    """Claims through a SQLAlchemy engine (the SQLModel services)."""

    unavailable: tuple[type[Exception], ...] = (SQLAlchemyError,)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, job_name: str, slot: datetime, instance: str) -> int | None:
        table = table_of(ScheduledJobRun)
        try:
            with self.engine.begin() as connection:
                result = connection.execute(
                    insert(table).values(
                        job_name=job_name,
                        slot_start=slot,
                        instance=instance,
                        started_at=datetime.now(UTC),
                    )
                )
                key = result.inserted_primary_key
                assert key is not None, "an INSERT always reports its primary key"
                return int(key[0])
        except IntegrityError:
            return None

    def finish(self, run_id: int, error: str | None) -> None:
        table = table_of(ScheduledJobRun)
        with self.engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.id == run_id)
                .values(finished_at=datetime.now(UTC), error=error)
            )


class Scheduler:
    """Registers jobs and runs each due one where this instance wins the slot.

    Give it a SQLAlchemy ``engine``, or ``claims`` for another way to the same table (the Django
    twin in ``reparo_shared.scheduler.django_claims`` for cms).
    """

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        claims: SlotClaims | None = None,
        instance: str | None = None,
        tick_seconds: float = 1.0,
    ) -> None:
        if claims is None and engine is not None:
            claims = SqlSlotClaims(engine)
        elif claims is None or engine is not None:
            raise ValueError("give the scheduler either an engine or claims")
        self.claims: SlotClaims = claims
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.tick_seconds = tick_seconds
        self.jobs: dict[str, Job] = {}
        self._last_slot: dict[str, datetime] = {}

    def add_job(self, name: str, run: Callable[[], None], *, every: timedelta) -> Job:
        if name in self.jobs:
            raise ValueError(f"job {name} is registered twice")
        if every <= timedelta(0):
            raise ValueError("a job's interval must be positive")
        job = Job(name=name, every=every, run=run)
        self.jobs[name] = job
        return job

    def job(
        self, name: str, *, every: timedelta
    ) -> Callable[[Callable[[], None]], Callable[[], None]]:
        """Decorator form of ``add_job``."""

        def register(fn: Callable[[], None]) -> Callable[[], None]:
            self.add_job(name, fn, every=every)
            return fn

        return register

    def run_pending(self, now: datetime | None = None) -> list[str]:
        """Run every job whose current slot this instance wins; return the names it ran."""
        now = now or datetime.now(UTC)
        ran = []
        for job in self.jobs.values():
            slot = slot_start(now, job.every)
            if self._last_slot.get(job.name) == slot:
                continue  # this instance already tried this slot, won or lost
            self._last_slot[job.name] = slot
            run_id = self.claims.claim(job.name, slot, self.instance)
            if run_id is None:
                continue
            self._run(job, run_id, slot)
            ran.append(job.name)
        return ran

    def run(self, stop: threading.Event | None = None) -> None:
        """Check for due jobs every ``tick_seconds`` until ``stop`` is set."""
        stop = stop or threading.Event()
        logger.info("scheduler.started", extra={"instance": self.instance, "jobs": list(self.jobs)})
        while not stop.is_set():
            try:
                self.run_pending()
            except self.claims.unavailable:
                logger.exception(
                    "scheduler.database_unavailable", extra={"instance": self.instance}
                )
            stop.wait(self.tick_seconds)

    def _run(self, job: Job, run_id: int, slot: datetime) -> None:
        context = {"job": job.name, "slot": slot.isoformat(), "instance": self.instance}
        logger.info("scheduler.job_started", extra=context)
        error = None
        try:
            job.run()
        except Exception as failure:
            # One failing job must not stop the others or the loop; the row keeps the error.
            logger.exception("scheduler.job_failed", extra=context)
            error = f"{type(failure).__name__}: {failure}"[:500]
        self.claims.finish(run_id, error)
