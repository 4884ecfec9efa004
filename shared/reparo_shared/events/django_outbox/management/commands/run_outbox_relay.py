"""``manage.py run_outbox_relay``: publish this service's outbox until SIGTERM."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reparo_shared.events.broker import amqp_url, events_exchange
from reparo_shared.events.django_outbox.store import DjangoOutboxStore
from reparo_shared.events.relay import Relay
from reparo_shared.events.stopping import run_until_signalled


class Command(BaseCommand):
    help = "Publish committed outbox events to RabbitMQ (AMQP_URL, EVENTS_EXCHANGE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--amqp-url", default=amqp_url())
        parser.add_argument("--exchange", default=events_exchange())
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--poll-seconds", type=float, default=0.05)

    def handle(self, *args: Any, **options: Any) -> None:
        relay = Relay(
            DjangoOutboxStore(),
            url=options["amqp_url"],
            exchange=options["exchange"],
            batch_size=options["batch_size"],
            poll_seconds=options["poll_seconds"],
        )
        run_until_signalled(relay.run)
