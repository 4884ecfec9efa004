"""Start everything for a developer on the embedded defaults: ``make run`` calls this.

Prepares the environment (demo keys and secrets under ``.local/``), makes sure RabbitMQ answers,
migrates every database, loads demo data, starts every process, waits until the gateway is ready
and prints where to go and how to sign in. Ctrl-C stops every process it started.
"""

import signal
import sys
import threading
import time

from devstack import (
    ensure_rabbitmq,
    prepare_environment,
    print_banner,
    process_table,
    run_setup_steps,
    start,
    stop_all,
    wait_until_ready,
    watch,
)


def main() -> int:
    environment = prepare_environment()
    if not ensure_rabbitmq(environment["AMQP_URL"]):
        return 1
    run_setup_steps(environment)
    processes = [start(process, environment) for process in process_table(environment)]
    stop_event = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop_event.set())
    signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
    started = time.monotonic()
    try:
        if wait_until_ready(processes, stop_event):
            print_banner(environment, time.monotonic() - started)
            watch(processes, stop_event)
    finally:
        stop_all(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
