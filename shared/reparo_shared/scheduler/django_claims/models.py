"""The Django twin of ``reparo_shared.scheduler.core.ScheduledJobRun``, column for column."""

from django.db import models


class ScheduledJobRun(models.Model):
    """One claimed slot of one job: the claim is the insert, the unique constraint the referee."""

    job_name = models.CharField(max_length=100)
    slot_start = models.DateTimeField()
    instance = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, null=True, blank=True)

    class Meta:
        db_table = "scheduled_job_run"
        constraints = [
            models.UniqueConstraint(
                fields=["job_name", "slot_start"], name="uq_scheduled_job_run_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_name} {self.slot_start:%Y-%m-%d %H:%M}"
