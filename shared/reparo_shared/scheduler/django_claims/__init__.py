"""The run-once scheduler for Django services (cms): the claims table through the Django ORM.

Set-up: add ``"reparo_shared.scheduler.django_claims"`` to ``INSTALLED_APPS`` and migrate; the
table ``scheduled_job_run`` has the same columns and unique constraint as the SQLModel one. Then::

    from reparo_shared.scheduler import Scheduler
    from reparo_shared.scheduler.django_claims import DjangoSlotClaims

    scheduler = Scheduler(claims=DjangoSlotClaims())
    scheduler.add_job("pages.publish_scheduled", publish_due_pages, every=timedelta(minutes=1))
    run_until_signalled(scheduler.run)
"""

from datetime import datetime

from django.db import DatabaseError, IntegrityError, close_old_connections, transaction


class DjangoSlotClaims:
    """Claims written with the default Django database connection of the calling thread."""

    unavailable: tuple[type[Exception], ...] = (DatabaseError,)

    def claim(self, job_name: str, slot: datetime, instance: str) -> int | None:
        from django.utils import timezone

        from reparo_shared.scheduler.django_claims.models import ScheduledJobRun

        # A worker lives for days: drop a connection the database closed meanwhile. (Never
        # inside a transaction, where Django would close the caller's connection.)
        if not transaction.get_connection().in_atomic_block:
            close_old_connections()
        try:
            with transaction.atomic():
                run = ScheduledJobRun.objects.create(
                    job_name=job_name, slot_start=slot, instance=instance, started_at=timezone.now()
                )
        except IntegrityError:
            return None
        return run.pk

    def finish(self, run_id: int, error: str | None) -> None:
        from django.utils import timezone

        from reparo_shared.scheduler.django_claims.models import ScheduledJobRun

        ScheduledJobRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), error=error)
