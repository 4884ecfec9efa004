"""Customers are told about their orders in WeChat, once per event, through the real broker.

The service's outbox is published by the real relay to RabbitMQ; the notifications consumer
takes the events from there and sends to the WeChat sandbox over HTTP.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pika
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from repair_service.notifications.config import (
    MessageConfig,
    MessageTemplate,
    Notice,
    NoticeChannels,
)
from repair_service.notifications.consumer import build_consumer
from repair_service.notifications.models import CustomerMessage, SubscriptionConsent
from repair_service.settings import Settings
from reparo_shared.events.broker import DEFAULT_AMQP_URL
from reparo_shared.events.consumer import Consumer
from reparo_shared.events.relay import Relay, SqlAlchemyOutboxStore
from reparo_shared.wechat import NotificationSender, ReparoWeChatClient
from reparo_shared.wechat.testing import RunningSandbox, running_sandbox

from .conftest import World

HERE = Path(__file__).resolve().parent
QUOTE_FIELDS = {"character_string1": "order", "amount2": "amount", "thing3": "next_step"}
QUICK_RETRIES = (0.5, 1.0, 2.0)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with running_sandbox() as running:
        yield running


@dataclass
class Wiring:
    """One test's exchange and queue names on the real broker, and the sandbox."""

    amqp_url: str
    exchange: str
    prefix: str
    engine: Engine
    sandbox: RunningSandbox
    consumers: list[Consumer]

    def publish_outbox(self) -> None:
        """What the relay process does: every committed outbox row to the exchange."""
        store = SqlAlchemyOutboxStore(self.engine)
        # One relay name per test: on SQLite the lock row is a lease held by name.
        relay = Relay(store, url=self.amqp_url, exchange=self.exchange, name=self.prefix)
        store.ensure_lock_row()
        relay.publisher.connect()
        try:
            while store.has_pending():
                relay.publish_batch()
        finally:
            relay.publisher.close()

    def consumer(self, config: MessageConfig, **options: Any) -> Consumer:
        client = ReparoWeChatClient(self.sandbox.settings())
        sender = NotificationSender.for_client(client)
        consumer = build_consumer(
            self.engine,
            lambda: sender,
            "http://gateway.test",
            config=config,
            name_prefix=self.prefix,
            url=self.amqp_url,
            exchange=self.exchange,
            **{"retry_delays": QUICK_RETRIES, **options},
        )
        self.consumers.append(consumer)
        return consumer

    def declare_queues(self) -> None:
        """The consumer's queues, declared before anything is published so events wait there
        (every consumer of one test shares them: same name, same bindings)."""
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        self.consumer(config_with()).declare_topology(connection.channel())
        connection.close()

    def environment(self, notices: dict[str, Any], database_url: str) -> dict[str, str]:
        """What the consumer process in ``notify_then_die.py`` needs to reach the same parts."""
        settings = self.sandbox.settings()
        return {
            **os.environ,
            "DATABASE_URL": database_url,
            "AMQP_URL": self.amqp_url,
            "EVENTS_EXCHANGE": self.exchange,
            "QUEUE_PREFIX": self.prefix,
            "NOTICES": json.dumps(notices),
            "WECHAT_API_BASE": settings.api_base,
            "WECHAT_APPID": settings.appid,
            "WECHAT_SECRET": settings.secret,
        }


@pytest.fixture
def wiring(world: World, sandbox: RunningSandbox) -> Iterator[Wiring]:
    suffix = uuid.uuid4().hex[:10]
    url = os.environ.get("AMQP_URL") or DEFAULT_AMQP_URL
    wiring = Wiring(url, f"test.events.{suffix}", f"test-{suffix}-", world.engine, sandbox, [])
    wiring.declare_queues()
    yield wiring
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    for consumer in wiring.consumers:
        for queue in consumer.queue_names():
            channel.queue_delete(queue=queue)
    channel.exchange_delete(exchange=wiring.exchange)
    connection.close()


@contextmanager
def running(consumer: Consumer) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=15)


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def config_with(**notices: NoticeChannels) -> MessageConfig:
    return MessageConfig.with_overrides({Notice(name): value for name, value in notices.items()})


def quote_by(*channels: str) -> NoticeChannels:
    template = MessageTemplate(template_id="TPL_QUOTE_SENT", fields=QUOTE_FIELDS)
    return NoticeChannels(**dict.fromkeys(channels, template))


def new_follower(sandbox: RunningSandbox, follows: bool = True) -> str:
    openid = f"oSbx_{uuid.uuid4().hex[:12]}"
    sandbox.control(
        "POST", "/sandbox/users", json={"nickname": "测试", "openid": openid, "follows": follows}
    )
    return openid


def inbox(sandbox: RunningSandbox, openid: str) -> list[dict[str, Any]]:
    return list(sandbox.control("GET", f"/sandbox/api/users/{openid}/messages"))


def records(engine: Engine, kind: str | None = None) -> list[CustomerMessage]:
    with Session(engine) as session:
        rows = session.exec(select(CustomerMessage).order_by(CustomerMessage.id)).all()  # type: ignore[arg-type]
    return [row for row in rows if kind is None or row.kind == kind]


def settled(engine: Engine, kind: str) -> CustomerMessage:
    def done() -> CustomerMessage | None:
        rows = [row for row in records(engine, kind) if row.state not in ("retrying", "sending")]
        return rows[0] if rows else None

    return wait_until(done, f"the {kind} message to settle")  # type: ignore[no-any-return]


def calls(sandbox: RunningSandbox, name: str) -> int:
    return int(sandbox.control("GET", "/sandbox/stats").get(name, 0))


def consents_left(engine: Engine, template_id: str) -> list[int]:
    with Session(engine) as session:
        query = select(SubscriptionConsent).where(SubscriptionConsent.template_id == template_id)
        return [row.remaining for row in session.exec(query)]


def quoted_order(world: World, openid: str) -> tuple[dict[str, str], int]:
    """A customer whose order has been reviewed and quoted by staff."""
    customer = world.new_customer(openid)
    order_id = world.submit(customer)["orders"][0]["id"]
    world.drive_to_quote(customer, order_id, amount_fen=36_800)
    return customer, order_id


def consent_on_our_pages(world: World, customer: dict[str, str], template_id: str) -> None:
    """The customer taps "allow" in WeChat's consent sheet; the page tells repair_service."""
    app = world.client.app
    subscribing = {Notice.QUOTE_SENT: quote_by("subscription", "template")}
    app.state.settings = Settings(
        repair_database_url=app.state.settings.repair_database_url, wechat_messages=subscribing
    )
    response = world.client.post(
        "/api/repair/subscriptions/consents", json={"accepted": [template_id]}, headers=customer
    )
    assert response.status_code == 200, response.text


def test_consent_to_a_template_the_account_does_not_send_is_refused(world: World) -> None:
    customer = world.new_customer()

    response = world.client.post(
        "/api/repair/subscriptions/consents", json={"accepted": ["TPL_FORGED"]}, headers=customer
    )

    assert response.status_code == 422
    assert "TPL_FORGED" in response.json()["detail"]
    assert consents_left(world.engine, "TPL_FORGED") == []


def test_pages_ask_consent_for_the_notices_that_follow_each_moment(world: World) -> None:
    customer = world.new_customer()
    consent_on_our_pages(world, customer, "TPL_QUOTE_SENT")  # configures quote_sent to subscribe

    def prompt(moment: str) -> Any:
        return world.client.get(
            "/api/repair/subscriptions/prompt", params={"moment": moment}, headers=customer
        )

    assert prompt("submitted").json() == {"template_ids": ["TPL_QUOTE_SENT"]}
    assert prompt("agreed").json() == {"template_ids": []}
    assert prompt("whenever").status_code == 422
    assert consents_left(world.engine, "TPL_QUOTE_SENT") == [1]


def test_rejection_comment_is_cut_to_its_field_type_without_hiding_the_order_number(
    world: World, wiring: Wiring
) -> None:
    openid = new_follower(wiring.sandbox)
    customer = world.new_customer(openid)
    order = world.submit(customer)["orders"][0]
    comment = "序列号与购买记录不符，请提供购买凭证后重新提交维修申请，谢谢配合"
    world.act("review", order["id"], "reject", comment=comment)
    wiring.publish_outbox()

    with running(wiring.consumer(config_with())):
        record = settled(world.engine, "review_rejected")

    assert record.state == "sent"
    (received,) = inbox(wiring.sandbox, openid)
    assert received["data"]["character_string1"] == order["number"]
    assert received["data"]["thing3"] == comment[:19] + "…"
    assert received["url"] == f"http://gateway.test/repair/orders/{order['id']}"


def test_field_mapping_and_template_id_come_from_configuration(
    world: World, wiring: Wiring
) -> None:
    openid = new_follower(wiring.sandbox)
    quoted_order(world, openid)
    wiring.publish_outbox()
    swapped = MessageTemplate(
        template_id="TPL_QUOTE_SENT",
        fields={"character_string1": "order", "amount2": "amount", "thing3": "order"},
    )

    with running(wiring.consumer(config_with(quote_sent=NoticeChannels(template=swapped)))):
        settled(world.engine, "quote_sent")

    quote = [m for m in inbox(wiring.sandbox, openid) if m["template_id"] == "TPL_QUOTE_SENT"]
    assert quote[0]["data"]["thing3"] == quote[0]["data"]["character_string1"]
    assert quote[0]["data"]["amount2"] == "¥368.00"


def test_customer_who_consented_gets_a_subscription_message_which_spends_the_consent(
    world: World, wiring: Wiring
) -> None:
    openid = new_follower(wiring.sandbox)
    customer = world.new_customer(openid)
    wiring.sandbox.control(
        "POST", f"/sandbox/users/{openid}/consents", json={"template_id": "TPL_QUOTE_SENT"}
    )
    consent_on_our_pages(world, customer, "TPL_QUOTE_SENT")
    first, second = (o["id"] for o in world.submit(customer, _two_products())["orders"])
    world.drive_to_quote(customer, first)
    wiring.publish_outbox()
    config = config_with(quote_sent=quote_by("subscription", "template"))

    with running(wiring.consumer(config)):
        by_subscription = settled(world.engine, "quote_sent")
        world.drive_to_quote(customer, second)
        wiring.publish_outbox()
        wait_until(lambda: len(records(world.engine, "quote_sent")) == 2, "the second quote")
        by_template = settled_for(world.engine, second)

    assert (by_subscription.channel, by_subscription.state) == ("subscription", "sent")
    assert (by_template.channel, by_template.state) == ("template", "sent")
    kinds = [
        m["kind"] for m in inbox(wiring.sandbox, openid) if m["template_id"] == "TPL_QUOTE_SENT"
    ]
    assert kinds == ["subscribe", "template"]
    assert consents_left(world.engine, "TPL_QUOTE_SENT") == [0]


def settled_for(engine: Engine, order_id: int) -> CustomerMessage:
    def done() -> CustomerMessage | None:
        rows = [r for r in records(engine, "quote_sent") if r.order_id == order_id]
        return rows[0] if rows and rows[0].state == "sent" else None

    return wait_until(done, f"the quote message of order {order_id}")  # type: ignore[no-any-return]


def _two_products() -> list[dict[str, str]]:
    return [
        {"pn": "PN-100", "sn": f"SN{uuid.uuid4().hex[:8]}", "fault_description": "no power"}
        for _ in range(2)
    ]


def test_subscription_only_notice_without_consent_is_failed_not_sent(
    world: World, wiring: Wiring
) -> None:
    openid = new_follower(wiring.sandbox)
    quoted_order(world, openid)
    wiring.publish_outbox()

    with running(wiring.consumer(config_with(quote_sent=quote_by("subscription")))):
        record = settled(world.engine, "quote_sent")

    assert (record.channel, record.state, record.attempts) == ("subscription", "failed", 0)
    assert "not agreed" in (record.error or "")
    assert not [m for m in inbox(wiring.sandbox, openid) if m["template_id"] == "TPL_QUOTE_SENT"]


@pytest.mark.parametrize("refusal", ["43004 not following", "43101 no consent left"])
def test_refusals_that_waiting_cannot_cure_are_recorded_once_and_not_retried(
    world: World, wiring: Wiring, refusal: str
) -> None:
    errcode = refusal.split()[0]
    openid = new_follower(wiring.sandbox, follows=errcode != "43004")
    customer, _order_id = quoted_order(world, openid)
    if errcode == "43101":
        # Our pages recorded a consent WeChat does not know about (the sandbox has none).
        consent_on_our_pages(world, customer, "TPL_QUOTE_SENT")
    wiring.publish_outbox()
    channel = "subscription" if errcode == "43101" else "template"
    quiet_review = NoticeChannels()  # so the quote is the only message sent
    consumer = wiring.consumer(
        config_with(quote_sent=quote_by(channel), review_result=quiet_review)
    )
    endpoint = "subscribe.bizsend" if errcode == "43101" else "template.send"
    before = calls(wiring.sandbox, endpoint)

    with running(consumer):
        record = settled(world.engine, "quote_sent")
        time.sleep(sum(QUICK_RETRIES))  # every retry would have happened by now

    assert (record.state, record.attempts) == ("failed", 1)
    assert errcode in (record.error or "")
    assert calls(wiring.sandbox, endpoint) - before == 1
    if errcode == "43101":
        assert consents_left(world.engine, "TPL_QUOTE_SENT") == [0]


def test_rate_limited_message_is_retried_with_backoff_until_delivered(
    world: World, wiring: Wiring
) -> None:
    openid = new_follower(wiring.sandbox)
    customer = world.new_customer(openid)
    order = world.submit(customer)["orders"][0]
    world.act("review", order["id"], "approve", receiving_address_id=world.address_id())
    wiring.publish_outbox()
    path = "/cgi-bin/message/template/send"
    wiring.sandbox.control(
        "POST", "/sandbox/faults", json={"path": path, "count": 2, "errcode": 45009}
    )
    seen_retrying: list[str] = []

    def watch() -> bool:
        rows = records(world.engine, "review_approved")
        if rows and rows[0].state == "retrying":
            seen_retrying.append(rows[0].error or "")
        return bool(rows) and rows[0].state == "sent"

    with running(wiring.consumer(config_with())):
        wait_until(watch, "the approval to be delivered after two refusals")

    (record,) = records(world.engine, "review_approved")
    assert calls(wiring.sandbox, f"fault:{path}") == 2
    assert [m["template_id"] for m in inbox(wiring.sandbox, openid)] == ["TPL_REQUEST_REVIEWED"]
    if world.engine.dialect.name == "postgresql":
        # Each refused attempt was recorded apart, with its reason, while the message waited.
        assert record.attempts == 3
        assert seen_retrying
        assert "45009" in seen_retrying[0]


@pytest.mark.parametrize("channel", ["template", "subscription"])
def test_consumer_killed_after_sending_before_its_ack_sends_no_second_message(
    world: World, wiring: Wiring, database_url: str, channel: str
) -> None:
    if channel == "subscription" and world.engine.dialect.name == "sqlite":
        pytest.skip("on SQLite the sending record joins the consumer's transaction (see consumer)")
    openid = new_follower(wiring.sandbox)
    customer, order_id = quoted_order(world, openid)
    wiring.sandbox.control(
        "POST",
        f"/sandbox/users/{openid}/consents",
        json={"template_id": "TPL_QUOTE_SENT", "count": 5},
    )
    consent_on_our_pages(world, customer, "TPL_QUOTE_SENT")
    notices = {"quote_sent": quote_by(channel).model_dump(), "review_result": {}}
    endpoint = "subscribe.bizsend" if channel == "subscription" else "template.send"
    before = calls(wiring.sandbox, endpoint)
    survivor = wiring.consumer(
        config_with(quote_sent=quote_by(channel), review_result=NoticeChannels())
    )
    # Declare the queues first so the events wait there for the doomed process.
    with running(survivor):
        wait_until(lambda: survivor._publish_channel is not None, "the consumer to connect")
    wiring.publish_outbox()

    doomed = subprocess.run(
        [sys.executable, str(HERE / "notify_then_die.py")],
        env=wiring.environment(notices, database_url),
        timeout=90,
        check=False,
    )
    assert doomed.returncode == -signal.SIGKILL
    with running(survivor):
        record = settled(world.engine, "quote_sent")
        time.sleep(1)

    received = [m for m in inbox(wiring.sandbox, openid) if m["template_id"] == "TPL_QUOTE_SENT"]
    assert len(received) == 1
    assert record.order_id == order_id
    if channel == "template":
        # The redelivered event was sent again and WeChat recognised its client_msg_id.
        assert calls(wiring.sandbox, endpoint) - before == 2
        assert record.state == "sent"
    else:
        assert calls(wiring.sandbox, endpoint) - before == 1
        assert record.state == "unconfirmed"
