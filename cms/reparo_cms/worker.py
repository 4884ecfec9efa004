"""The cms worker (``manage.py run_scheduler``): scheduled publishing and WeChat imports.

Both run on the run-once scheduler with the cms database, so any number of workers can run and
each slot's job runs once. Imports can take minutes, so they get a scheduler (and a thread) of
their own: a long import never holds back publishing.
"""

import logging
import threading
from datetime import timedelta

from reparo_cms.content.publishing import publish_due_pages
from reparo_cms.wechat_import.services import run_due_imports
from reparo_shared.scheduler import Scheduler
from reparo_shared.scheduler.django_claims import DjangoSlotClaims

logger = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=1)


def publish_scheduled_pages() -> None:
    publish_due_pages()


def import_due_accounts() -> None:
    run_due_imports()


def publishing_scheduler(instance: str | None = None) -> Scheduler:
    scheduler = Scheduler(claims=DjangoSlotClaims(), instance=instance)
    scheduler.add_job("cms.publish_scheduled", publish_scheduled_pages, every=CHECK_EVERY)
    return scheduler


def import_scheduler(instance: str | None = None) -> Scheduler:
    scheduler = Scheduler(claims=DjangoSlotClaims(), instance=instance)
    scheduler.add_job("cms.wechat_import", import_due_accounts, every=CHECK_EVERY)
    return scheduler


def run(stop: threading.Event | None = None) -> None:
    """Run both schedulers until ``stop`` is set (SIGTERM or SIGINT in the command)."""
    stop = stop or threading.Event()
    imports = threading.Thread(target=import_scheduler().run, args=(stop,), daemon=True)
    imports.start()
    publishing_scheduler().run(stop)
    imports.join(timeout=30)
