"""Running a worker loop as a process that stops cleanly on SIGTERM or SIGINT."""

import signal
import threading
from collections.abc import Callable


def run_until_signalled(loop: Callable[[threading.Event], None]) -> None:
    """Run ``loop`` with a stop event that SIGTERM or SIGINT sets; it ends its current step."""
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    loop(stop)
