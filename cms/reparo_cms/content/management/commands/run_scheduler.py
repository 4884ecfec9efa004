"""``manage.py run_scheduler``: the cms worker, until SIGTERM or SIGINT."""

from typing import Any

from django.core.management.base import BaseCommand

from reparo_cms import worker
from reparo_shared.events.stopping import run_until_signalled


class Command(BaseCommand):
    help = "Run scheduled publishing and WeChat article imports (any number may run)."

    def handle(self, *args: Any, **options: Any) -> None:
        run_until_signalled(worker.run)
