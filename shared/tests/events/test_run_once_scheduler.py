import threading
from datetime import UTC, datetime, timedelta

import pytest
from events_support import make_engine
from sqlalchemy import Engine
from sqlmodel import Session, select

from reparo_shared.scheduler import ScheduledJobRun, Scheduler, slot_start
from reparo_shared.scheduler.core import SqlSlotClaims

NOON = datetime(2026, 12, 3, 12, 0, 30, tzinfo=UTC)


def counting_scheduler(engine: Engine, runs: list[str], instance: str) -> Scheduler:
    scheduler = Scheduler(engine, instance=instance)

    @scheduler.job("overdue.check", every=timedelta(minutes=1))
    def check_overdue() -> None:
        runs.append(instance)

    return scheduler


def recorded_runs(engine: Engine) -> list[ScheduledJobRun]:
    with Session(engine) as session:
        return list(session.exec(select(ScheduledJobRun).order_by(ScheduledJobRun.id)))


def test_slots_are_cut_from_the_epoch_by_the_job_interval() -> None:
    assert slot_start(NOON, timedelta(minutes=5)) == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert slot_start(NOON, timedelta(hours=1)) == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    later = NOON + timedelta(minutes=7)
    assert slot_start(later, timedelta(minutes=5)) == datetime(2026, 12, 3, 12, 5, tzinfo=UTC)


def test_two_instances_run_a_due_job_once_per_slot(engine: Engine) -> None:
    runs: list[str] = []
    first = counting_scheduler(engine, runs, "a")
    second = counting_scheduler(engine, runs, "b")

    first.run_pending(NOON)
    second.run_pending(NOON)
    second.run_pending(NOON + timedelta(seconds=10))
    second.run_pending(NOON + timedelta(minutes=1))
    first.run_pending(NOON + timedelta(minutes=1))

    assert runs == ["a", "b"]
    assert [(run.instance, run.finished_at is not None) for run in recorded_runs(engine)] == [
        ("a", True),
        ("b", True),
    ]


def test_many_instances_racing_for_the_same_slot_run_the_job_once(database_url: str) -> None:
    runs: list[str] = []
    engines = [make_engine(database_url) for _ in range(6)]
    schedulers = [counting_scheduler(e, runs, f"i{n}") for n, e in enumerate(engines)]
    start = threading.Barrier(len(schedulers))

    def race(scheduler: Scheduler) -> None:
        start.wait()
        scheduler.run_pending(NOON)

    threads = [threading.Thread(target=race, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(runs) == 1
    assert len(recorded_runs(engines[0])) == 1
    for e in engines:
        e.dispose()


def test_failing_job_records_its_error_and_the_other_jobs_still_run(engine: Engine) -> None:
    ran: list[str] = []
    scheduler = Scheduler(engine, instance="a")

    @scheduler.job("imports.articles", every=timedelta(minutes=10))
    def broken_import() -> None:
        raise RuntimeError("the feed answered 500")

    @scheduler.job("payments.close_expired", every=timedelta(minutes=1))
    def close_expired() -> None:
        ran.append("payments")

    assert scheduler.run_pending(NOON) == ["imports.articles", "payments.close_expired"]
    assert ran == ["payments"]
    broken = next(r for r in recorded_runs(engine) if r.job_name == "imports.articles")
    assert broken.error == "RuntimeError: the feed answered 500"


def test_a_scheduler_takes_an_engine_or_claims_but_not_both_nor_neither(engine: Engine) -> None:
    with pytest.raises(ValueError, match="either an engine or claims"):
        Scheduler(instance="a")
    with pytest.raises(ValueError, match="either an engine or claims"):
        Scheduler(engine, claims=SqlSlotClaims(engine), instance="a")

    runs: list[str] = []
    scheduler = Scheduler(claims=SqlSlotClaims(engine), instance="a")
    scheduler.add_job("overdue.check", lambda: runs.append("a"), every=timedelta(minutes=1))
    assert scheduler.run_pending(NOON) == ["overdue.check"]
    assert runs == ["a"]
