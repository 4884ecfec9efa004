"""A run-once scheduler: any number of instances, each due job runs once per slot.

Time is cut into slots of each job's interval, counted from the Unix epoch (a 5-minute job has
slots 12:00, 12:05, ...). Every instance that sees a slot due tries to insert ``(job, slot start)``
into ``scheduled_job_run``; the unique constraint lets exactly one insert win, on SQLite and
PostgreSQL alike, and only the winner runs the job. Later code hangs its jobs on a scheduler::

    scheduler = Scheduler(engine)

    @scheduler.job("payments.close_expired", every=timedelta(minutes=1))
    def close_expired_payments() -> None:
        ...  # opens its own session and commits

    run_until_signalled(scheduler.run)          # from reparo_shared.events.stopping

Choices worth knowing:

- Once at most per slot: a claimed slot whose instance dies mid-job is not run again; the next
  slot runs as usual. The row records who ran it, when it finished and any error.
- No catch-up: after downtime only the current slot runs, not every missed one; the jobs we have
  (closing expired payments, overdue checks, publishing scheduled pages, article imports) look at
  the present state, so one run covers everything missed.
"""

from reparo_shared.scheduler.core import Job, ScheduledJobRun, Scheduler, slot_start

__all__ = ["Job", "ScheduledJobRun", "Scheduler", "slot_start"]
