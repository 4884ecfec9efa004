from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "reparo_shared.events.django_outbox"
    label = "reparo_outbox"
    verbose_name = "Event outbox"
    default_auto_field = "django.db.models.AutoField"
