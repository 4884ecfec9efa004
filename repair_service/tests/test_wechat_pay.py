"""Customers pay agreed quotes with WeChat Pay; notifications are verified and applied once.

The repair service runs on a real port so the WeChat sandbox can deliver notifications to it.
"""

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from repair_service.app import create_app
from repair_service.audit.models import AuditLog
from repair_service.models import OutboxEvent
from repair_service.settings import Settings
from reparo_shared.identity import TokenSigner, TokenVerifier
from reparo_shared.testing import free_port, serve_in_thread
from reparo_shared.wechat.testing import RunningSandbox, running_sandbox
from reparo_shared.wechat_pay import WeChatPayClient
from reparo_shared.wechat_pay.demo_keys import write_demo_merchant_keys

from .conftest import World, _empty_tables, _seed

MCHID = "1900000109"


@pytest.fixture(scope="module")
def merchant_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return write_demo_merchant_keys(tmp_path_factory.mktemp("merchant"))


@pytest.fixture(scope="module")
def pay_sandbox(merchant_env: dict[str, str]) -> Iterator[RunningSandbox]:
    extra = {"WECHAT_PAY_MCHID": MCHID, **merchant_env}
    with running_sandbox(extra_env=extra) as sandbox:
        yield sandbox


@pytest.fixture
def paying_world(
    engine: Engine,
    keys: tuple[TokenSigner, TokenVerifier],
    database_url: str,
    pay_sandbox: RunningSandbox,
    merchant_env: dict[str, str],
) -> Iterator[World]:
    _empty_tables(engine)
    _seed(engine)
    signer, verifier = keys
    port = free_port()
    client = WeChatPayClient(
        base_url=pay_sandbox.base_url,
        mchid=MCHID,
        appid=pay_sandbox.appid,
        private_key_pem=Path(merchant_env["WECHAT_PAY_PRIVATE_KEY"]).read_text(),
        cert_serial=merchant_env["WECHAT_PAY_CERT_SERIAL"],
        apiv3_key=merchant_env["WECHAT_PAY_APIV3_KEY"],
        notify_url=f"http://127.0.0.1:{port}/api/repair/payments/wechat/notify",
    )
    app = create_app(Settings(repair_database_url=database_url), engine=engine, verifier=verifier)
    app.state.wechat_pay = client
    with serve_in_thread(app, port=port) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield World(http, signer, engine)  # type: ignore[arg-type]


def agreed_wechat_payment(
    world: World, amounts: list[int]
) -> tuple[dict[str, str], dict[str, Any]]:
    """A customer with one request whose orders are agreed and chosen to be paid by WeChat."""
    customer = world.new_customer(f"oSbx_{uuid.uuid4().hex[:8]}")
    items = [
        {"pn": "PN-100", "sn": f"SN{uuid.uuid4().hex[:8]}", "fault_description": "no power"}
        for _ in amounts
    ]
    request = world.submit(customer, items)
    order_ids = [order["id"] for order in request["orders"]]
    for order_id, amount in zip(order_ids, amounts, strict=True):
        world.drive_to_quote(customer, order_id, amount_fen=amount)
        world.customer_act(customer, order_id, "agree")
    payment = world.client.post(
        f"/api/repair/requests/{request['id']}/payments",
        json={"method": "wechat", "order_ids": order_ids},
        headers=customer,
    )
    assert payment.status_code == 201, payment.text
    return customer, payment.json()


def start(world: World, customer: dict[str, str], payment_id: int) -> str:
    response = world.client.post(f"/api/repair/payments/{payment_id}/wechat", headers=customer)
    assert response.status_code == 200, response.text
    bridge = response.json()
    assert set(bridge) >= {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    return str(bridge["package"]).removeprefix("prepay_id=")


def confirmations(world: World, payment_id: int) -> tuple[int, int]:
    with Session(world.engine) as session:
        events = session.exec(
            select(OutboxEvent).where(OutboxEvent.event_type == "repair.payment.confirmed")
        ).all()
        audits = session.exec(
            select(AuditLog).where(
                AuditLog.action == "confirm_payment", col(AuditLog.payment_id) == payment_id
            )
        ).all()
    return len(events), len(audits)


def test_customer_pays_two_orders_in_one_wechat_payment(
    paying_world: World, pay_sandbox: RunningSandbox
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [12_000, 3_450])
    prepay_id = start(paying_world, customer, payment["id"])

    paid = pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")

    assert paid["trade_state"] == "SUCCESS"
    result = paying_world.client.post(
        f"/api/repair/payments/{payment['id']}/wechat/result", headers=customer
    ).json()
    assert result["status"] == "confirmed"
    assert result["amount_fen"] == 15_450
    for order_id in payment["order_ids"]:
        assert paying_world.order(order_id)["node"]["code"] == "repair"


def test_a_notification_sent_five_times_at_once_is_applied_once(
    paying_world: World, pay_sandbox: RunningSandbox
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [9_900])
    prepay_id = start(paying_world, customer, payment["id"])
    pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")

    def duplicate(_: int) -> Any:
        return pay_sandbox.control(
            "POST", f"/sandbox/pay/{prepay_id}/notify", json={"variant": "duplicate"}
        )

    with ThreadPoolExecutor(5) as pool:
        list(pool.map(duplicate, range(5)))

    assert confirmations(paying_world, payment["id"]) == (1, 1)


@pytest.mark.parametrize(
    "variant", ["tampered", "stale", "signtest", "unknown_serial", "reordered"]
)
def test_forged_or_stale_notifications_change_nothing(
    paying_world: World, pay_sandbox: RunningSandbox, variant: str
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [5_000])
    prepay_id = start(paying_world, customer, payment["id"])

    delivery = pay_sandbox.control(
        "POST", f"/sandbox/pay/{prepay_id}/notify", json={"variant": variant}
    )

    assert 400 <= delivery["delivery"]["status_code"] < 500, delivery
    assert confirmations(paying_world, payment["id"]) == (0, 0)


def test_without_a_notification_the_result_query_finds_the_payment(
    paying_world: World, pay_sandbox: RunningSandbox
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [7_000])
    prepay_id = start(paying_world, customer, payment["id"])
    pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")

    first = paying_world.client.post(
        f"/api/repair/payments/{payment['id']}/wechat/result", headers=customer
    ).json()
    again = paying_world.client.post(
        f"/api/repair/payments/{payment['id']}/wechat/result", headers=customer
    ).json()

    assert first["status"] == again["status"] == "confirmed"
    assert confirmations(paying_world, payment["id"]) == (1, 1)
