"""The repair service's background process: ``python -m repair_service.worker``.

Runs the event consumers (the product catalogue read copy) and the run-once scheduled jobs
(closing expired WeChat Pay attempts). Any number of workers may run: the consumers share their
queue and each scheduled slot runs once.
"""

import logging
import os
import threading
from datetime import timedelta

from repair_service.catalogue.consumer import build_consumer
from repair_service.db import make_engine
from repair_service.settings import get_settings
from repair_service.wechat_pay.jobs import close_expired_attempts
from reparo_shared.events.stopping import run_until_signalled
from reparo_shared.logs import configure_logging
from reparo_shared.scheduler import Scheduler

logger = logging.getLogger(__name__)


def main() -> None:
    settings = get_settings()
    configure_logging("repair_worker", json_logs=settings.log_json)
    engine = make_engine(settings.database_url)
    # Test stacks run side by side on one broker; a prefix keeps their queues apart.
    consumer = build_consumer(engine, name_prefix=os.environ.get("EVENTS_QUEUE_PREFIX", ""))
    scheduler = Scheduler(engine)
    scheduler.add_job(
        "wechat_pay.close_expired", close_expired_attempts(engine), every=timedelta(minutes=1)
    )

    def run_both(stop: threading.Event) -> None:
        jobs = threading.Thread(target=scheduler.run, args=(stop,), daemon=True)
        jobs.start()
        consumer.run(stop)
        jobs.join(timeout=10)

    run_until_signalled(run_both)


if __name__ == "__main__":
    main()
