"""Running a worker loop as a process that stops cleanly on SIGTERM or SIGINT."""

import signal
import threading
from typing import Protocol


class StoppableLoop(Protocol):
    def __call__(self, stop: threading.Event | None = None, /) -> None: ...


def run_until_signalled(loop: StoppableLoop) -> None:
    """Run ``loop`` with a stop event that SIGTERM or SIGINT sets; it ends its current step."""
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    loop(stop)
