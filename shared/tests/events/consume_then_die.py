"""Run the test consumer and kill the process right after the first handler transaction commits.

This is the crash the inbox exists for: the read side changed, the broker never got the ack.
"""

import os
import signal

from events_support import product_copy_consumer
from sqlalchemy import create_engine, event
from sqlmodel import Session


def die(session: Session) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


event.listen(Session, "after_commit", die)
engine = create_engine(os.environ["DATABASE_URL"])
consumer = product_copy_consumer(
    os.environ["CONSUMER_NAME"], engine, os.environ["AMQP_URL"], os.environ["EVENTS_EXCHANGE"]
)
consumer.run()
