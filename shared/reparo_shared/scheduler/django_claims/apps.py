from django.apps import AppConfig


class SchedulerClaimsConfig(AppConfig):
    name = "reparo_shared.scheduler.django_claims"
    label = "reparo_scheduler"
    verbose_name = "Scheduled job runs"
    default_auto_field = "django.db.models.AutoField"
