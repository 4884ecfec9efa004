"""The repair service's background process: ``python -m repair_service.worker``.

Runs the event consumers (the product catalogue read copy) and the run-once scheduled jobs
(closing expired WeChat Pay attempts). Any number of workers may run: the consumers share their
queue and each scheduled slot runs once.
"""

import logging
import os
import threading
from collections.abc import Callable
from datetime import timedelta

from repair_service.catalogue.consumer import build_consumer
from repair_service.db import make_engine
from repair_service.notifications.consumer import build_consumer as build_notifications
from repair_service.settings import get_settings
from repair_service.wechat_pay.jobs import close_expired_attempts
from reparo_shared.events.stopping import run_until_signalled
from reparo_shared.logs import configure_logging
from reparo_shared.scheduler import Scheduler
from reparo_shared.wechat import NotificationSender, make_client

logger = logging.getLogger(__name__)


def main() -> None:
    settings = get_settings()
    configure_logging("repair_worker", json_logs=settings.log_json)
    engine = make_engine(settings.database_url)
    # Test stacks run side by side on one broker; a prefix keeps their queues apart.
    prefix = os.environ.get("EVENTS_QUEUE_PREFIX", "")
    consumer = build_consumer(engine, name_prefix=prefix)
    public_url = os.environ.get("GATEWAY_PUBLIC_URL", "http://127.0.0.1:8000")
    notifier = build_notifications(engine, notification_sender(), public_url, name_prefix=prefix)
    scheduler = Scheduler(engine)
    scheduler.add_job(
        "wechat_pay.close_expired", close_expired_attempts(engine), every=timedelta(minutes=1)
    )

    def run_all(stop: threading.Event) -> None:
        loops = [threading.Thread(target=loop, args=(stop,), daemon=True)
                 for loop in (scheduler.run, notifier.run)]  # fmt: skip
        for loop in loops:
            loop.start()
        consumer.run(stop)
        for loop in loops:
            loop.join(timeout=10)

    run_until_signalled(run_all)


def notification_sender() -> Callable[[], NotificationSender]:
    """The WeChat sender, made on first use so the worker starts while WeChat is unreachable."""
    made: list[NotificationSender] = []

    def sender() -> NotificationSender:
        if not made:
            made.append(NotificationSender.for_client(make_client()))
        return made[0]

    return sender


if __name__ == "__main__":
    main()
