"""Customers pay agreed quotes with WeChat Pay; notifications are verified and applied once.

The repair service runs on a real port so the WeChat sandbox can deliver notifications to it.
Every test runs in both of WeChat Pay's key modes: platform certificates, and the platform
public key (the sandbox then signs with that key and our client trusts it by its id).
"""

import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from repair_service.app import create_app
from repair_service.audit.models import AuditLog
from repair_service.db import utcnow
from repair_service.models import OutboxEvent
from repair_service.settings import Settings
from repair_service.wechat_pay.jobs import close_expired_attempts
from repair_service.wechat_pay.models import AttemptStatus, WeChatPayAttempt
from reparo_shared.identity import TokenSigner, TokenVerifier
from reparo_shared.testing import free_port, serve_in_thread
from reparo_shared.wechat.testing import RunningSandbox, running_sandbox
from reparo_shared.wechat_pay import WeChatPayClient
from reparo_shared.wechat_pay.demo_keys import write_demo_merchant_keys

from .conftest import PASSWORD, World, _empty_tables, _seed

MCHID = "1900000109"


@pytest.fixture(scope="module")
def merchant_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return write_demo_merchant_keys(tmp_path_factory.mktemp("merchant"))


@pytest.fixture(scope="module")
def pay_sandbox(merchant_env: dict[str, str]) -> Iterator[RunningSandbox]:
    extra = {"WECHAT_PAY_MCHID": MCHID, **merchant_env}
    with running_sandbox(extra_env=extra) as sandbox:
        yield sandbox


@pytest.fixture(params=["certificate", "public_key"])
def key_mode(request: pytest.FixtureRequest, pay_sandbox: RunningSandbox) -> Iterator[str]:
    """Which platform key signs WeChat Pay's notifications and answers, and our client trusts."""
    pay_sandbox.control("PUT", "/sandbox/pay/control/signing", json={"mode": request.param})
    yield str(request.param)
    pay_sandbox.control("PUT", "/sandbox/pay/control/signing", json={"mode": "certificate"})


def public_key_settings(sandbox: RunningSandbox, mode: str) -> dict[str, str]:
    if mode != "public_key":
        return {}
    platform = sandbox.control("GET", "/sandbox/pay/control/platform-keys")
    return {
        "public_key_pem": platform["public_key_pem"],
        "public_key_id": platform["public_key_id"],
    }


@pytest.fixture
def notify_port() -> int:
    return free_port()


@pytest.fixture
def pay_client(
    pay_sandbox: RunningSandbox, merchant_env: dict[str, str], key_mode: str, notify_port: int
) -> WeChatPayClient:
    """Our merchant's WeChat Pay client, in the test's key mode."""
    return WeChatPayClient(
        base_url=pay_sandbox.base_url,
        mchid=MCHID,
        appid=pay_sandbox.appid,
        private_key_pem=Path(merchant_env["WECHAT_PAY_PRIVATE_KEY"]).read_text(),
        cert_serial=merchant_env["WECHAT_PAY_CERT_SERIAL"],
        apiv3_key=merchant_env["WECHAT_PAY_APIV3_KEY"],
        notify_url=f"http://127.0.0.1:{notify_port}/api/repair/payments/wechat/notify",
        **public_key_settings(pay_sandbox, key_mode),
    )


@pytest.fixture
def paying_world(
    engine: Engine,
    keys: tuple[TokenSigner, TokenVerifier],
    database_url: str,
    pay_client: WeChatPayClient,
    notify_port: int,
) -> Iterator[World]:
    _empty_tables(engine)
    _seed(engine)
    signer, verifier = keys
    app = create_app(Settings(repair_database_url=database_url), engine=engine, verifier=verifier)
    app.state.wechat_pay = pay_client
    with (
        serve_in_thread(app, port=notify_port) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield World(http, signer, engine)  # type: ignore[arg-type]


@contextmanager
def signed_in_console(world: World) -> Iterator[httpx.Client]:
    """The admin's browser, in English, on the console of the running service."""
    base_url = str(world.client.base_url)
    english = {"Accept-Language": "en"}
    with httpx.Client(base_url=base_url, headers=english, timeout=30) as browser:
        login = browser.get("/console/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login)
        assert token, login
        signed_in = browser.post(
            "/console/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert signed_in.status_code == 303, signed_in.text
        yield browser


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
    paying_world: World, pay_sandbox: RunningSandbox, key_mode: str
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [12_000, 3_450])
    prepay_id = start(paying_world, customer, payment["id"])

    paid = pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")

    assert paid["trade_state"] == "SUCCESS"
    signed_by_public_key = paid["delivery"]["serial"].startswith("PUB_KEY_ID_")
    assert signed_by_public_key == (key_mode == "public_key")
    assert paid["delivery"]["status_code"] == 204
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


@pytest.mark.parametrize("differs", ["amount", "mchid", "appid"])
def test_a_notification_that_disagrees_with_our_record_changes_nothing(
    paying_world: World, pay_sandbox: RunningSandbox, pay_client: WeChatPayClient, differs: str
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [8_800])
    prepay_id = start(paying_world, customer, payment["id"])
    (attempt,) = attempts_of(paying_world, payment["id"])
    # WeChat Pay's signed notification names what it charged; our side expects otherwise.
    if differs == "amount":
        change_attempt(paying_world, attempt.out_trade_no, amount_fen=8_000)
    elif differs == "mchid":
        pay_client.mchid = "1900000999"
    else:
        pay_client.appid = "wx_another_app"

    paid = pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")

    assert paid["delivery"]["status_code"] == 400
    assert confirmations(paying_world, payment["id"]) == (0, 0)
    (unchanged,) = attempts_of(paying_world, payment["id"])
    assert (unchanged.status, unchanged.transaction_id) == (AttemptStatus.OPEN, None)


def attempts_of(world: World, payment_id: int) -> list[WeChatPayAttempt]:
    with Session(world.engine) as session:
        query = select(WeChatPayAttempt).where(WeChatPayAttempt.payment_id == payment_id)
        return list(session.exec(query.order_by(col(WeChatPayAttempt.id))))


def flags_for_staff(world: World, payment_id: int) -> int:
    with Session(world.engine) as session:
        query = select(AuditLog).where(
            AuditLog.action == "wechat_paid_unexpectedly", col(AuditLog.payment_id) == payment_id
        )
        return len(session.exec(query).all())


def change_attempt(world: World, out_trade_no: str, **values: Any) -> None:
    with Session(world.engine) as session:
        attempt = session.exec(
            select(WeChatPayAttempt).where(WeChatPayAttempt.out_trade_no == out_trade_no)
        ).one()
        for name, value in values.items():
            setattr(attempt, name, value)
        session.add(attempt)
        session.commit()


def test_money_for_an_attempt_we_had_closed_is_flagged_for_staff_not_applied(
    paying_world: World, pay_sandbox: RunningSandbox
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [4_200])
    prepay_id = start(paying_world, customer, payment["id"])
    (attempt,) = attempts_of(paying_world, payment["id"])
    # Our side closed the attempt while the customer's pay sheet was still open.
    change_attempt(paying_world, attempt.out_trade_no, status=AttemptStatus.CLOSED)

    paid = pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")
    again = pay_sandbox.control(
        "POST", f"/sandbox/pay/{prepay_id}/notify", json={"variant": "duplicate"}
    )

    # Answered as received, so WeChat Pay stops resending; a person decides what happens.
    assert paid["delivery"]["status_code"] == again["delivery"]["status_code"] == 204
    (flagged,) = attempts_of(paying_world, payment["id"])
    assert (flagged.status, flagged.needs_staff) == (AttemptStatus.PAID, True)
    assert flags_for_staff(paying_world, payment["id"]) == 1
    assert confirmations(paying_world, payment["id"]) == (0, 0)
    status = paying_world.client.get(f"/api/repair/payments/{payment['id']}", headers=customer)
    assert status.json()["status"] == "pending"


def test_money_for_an_old_attempt_of_a_settled_payment_is_flagged_once(
    paying_world: World, pay_sandbox: RunningSandbox
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [6_600])
    first = start(paying_world, customer, payment["id"])
    (old,) = attempts_of(paying_world, payment["id"])
    # The first attempt is about to run out, so paying again places a new WeChat Pay order.
    change_attempt(paying_world, old.out_trade_no, expires_at=utcnow() + timedelta(seconds=30))
    second = start(paying_world, customer, payment["id"])
    assert second != first
    pay_sandbox.control("POST", f"/sandbox/pay/{second}/pay")

    late = pay_sandbox.control("POST", f"/sandbox/pay/{first}/pay")
    pay_sandbox.control("POST", f"/sandbox/pay/{first}/notify", json={"variant": "duplicate"})

    assert late["delivery"]["status_code"] == 204
    assert confirmations(paying_world, payment["id"]) == (1, 1)
    flagged, settled = attempts_of(paying_world, payment["id"])
    assert (flagged.needs_staff, settled.needs_staff) == (True, False)
    assert flags_for_staff(paying_world, payment["id"]) == 1


def test_the_scheduled_job_closes_an_expired_unpaid_attempt_there_and_here(
    paying_world: World, pay_sandbox: RunningSandbox, pay_client: WeChatPayClient
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [3_300])
    prepay_id = start(paying_world, customer, payment["id"])
    (attempt,) = attempts_of(paying_world, payment["id"])
    change_attempt(paying_world, attempt.out_trade_no, expires_at=utcnow() - timedelta(minutes=1))

    close_expired_attempts(paying_world.engine, lambda: pay_client)()

    (closed,) = attempts_of(paying_world, payment["id"])
    assert closed.status == AttemptStatus.CLOSED
    assert (
        pay_sandbox.control("GET", f"/sandbox/pay/control/orders/{prepay_id}")["trade_state"]
        == "CLOSED"
    )
    assert confirmations(paying_world, payment["id"]) == (0, 0)


def test_the_scheduled_job_finds_a_payment_whose_notification_never_got_through(
    paying_world: World, pay_sandbox: RunningSandbox, pay_client: WeChatPayClient
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [5_100])
    prepay_id = start(paying_world, customer, payment["id"])
    (attempt,) = attempts_of(paying_world, payment["id"])
    pay_client.mchid = "1900000999"  # our endpoint refuses the notification meanwhile
    refused = pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")
    pay_client.mchid = MCHID
    change_attempt(paying_world, attempt.out_trade_no, expires_at=utcnow() - timedelta(minutes=1))

    close_expired_attempts(paying_world.engine, lambda: pay_client)()

    assert refused["delivery"]["status_code"] == 400
    (paid,) = attempts_of(paying_world, payment["id"])
    assert (paid.status, paid.needs_staff) == (AttemptStatus.PAID, False)
    assert confirmations(paying_world, payment["id"]) == (1, 1)


def switch_to_offline(world: World, customer: dict[str, str], payment: dict[str, Any]) -> Any:
    """The customer's "Pay offline (bank transfer) instead" on the order page."""
    return world.client.post(
        f"/api/repair/requests/{payment['request_id']}/payments",
        json={"method": "offline", "order_ids": payment["order_ids"]},
        headers=customer,
    )


def sandbox_state(sandbox: RunningSandbox, prepay_id: str) -> str:
    return str(sandbox.control("GET", f"/sandbox/pay/control/orders/{prepay_id}")["trade_state"])


def make_wechat_pay_unreachable_once(
    sandbox: RunningSandbox, world: World, payment_id: int
) -> None:
    """WeChat Pay does not answer the next question about the payment's WeChat Pay order."""
    (attempt,) = attempts_of(world, payment_id)
    path = f"/v3/pay/transactions/out-trade-no/{attempt.out_trade_no}"
    sandbox.control("POST", "/sandbox/faults", json={"path": path, "http_status": 503})


def test_switching_to_an_offline_transfer_closes_the_wechat_pay_order_left_open(
    paying_world: World, pay_sandbox: RunningSandbox
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [8_880])
    prepay_id = start(paying_world, customer, payment["id"])
    # The customer leaves the pay page without paying, keeping its address, and switches.
    offline = switch_to_offline(paying_world, customer, payment)
    assert offline.status_code == 201, offline.text

    # The saved pay page can no longer take the money.
    with pytest.raises(httpx.HTTPStatusError) as refused:
        pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")

    assert refused.value.response.json()["detail"]["code"] == "ORDER_CLOSED"
    assert sandbox_state(pay_sandbox, prepay_id) == "CLOSED"
    (closed,) = attempts_of(paying_world, payment["id"])
    assert (closed.status, closed.needs_staff) == (AttemptStatus.CLOSED, False)
    assert flags_for_staff(paying_world, payment["id"]) == 0
    read = paying_world.client.get
    old = read(f"/api/repair/payments/{payment['id']}", headers=customer).json()
    new = read(f"/api/repair/payments/{offline.json()['id']}", headers=customer).json()
    assert (old["status"], new["status"]) == ("cancelled", "pending")
    (order_id,) = payment["order_ids"]
    order = read(f"/api/repair/orders/{order_id}", headers=customer).json()
    assert order["wechat_paid_unexpectedly"] is False


def test_a_wechat_payment_made_before_the_switch_is_settled_and_the_switch_refused(
    paying_world: World, pay_sandbox: RunningSandbox, pay_client: WeChatPayClient
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [8_880])
    prepay_id = start(paying_world, customer, payment["id"])
    pay_client.mchid = "1900000999"  # our endpoint refuses the notification meanwhile
    refused = pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")
    pay_client.mchid = MCHID

    offline = switch_to_offline(paying_world, customer, payment)

    assert refused["delivery"]["status_code"] == 400
    assert offline.status_code == 409, offline.text
    # Settled before the choice was checked, the order has moved on to repair.
    assert offline.json()["message_id"] == "Order {number} is not waiting for payment"
    assert confirmations(paying_world, payment["id"]) == (1, 1)
    (paid,) = attempts_of(paying_world, payment["id"])
    assert (paid.status, paid.needs_staff) == (AttemptStatus.PAID, False)
    (order_id,) = payment["order_ids"]
    assert paying_world.order(order_id)["node"]["code"] == "repair"


def test_a_switch_while_wechat_pay_does_not_answer_goes_through_and_the_job_closes_later(
    paying_world: World, pay_sandbox: RunningSandbox, pay_client: WeChatPayClient
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [8_880])
    prepay_id = start(paying_world, customer, payment["id"])
    make_wechat_pay_unreachable_once(pay_sandbox, paying_world, payment["id"])

    offline = switch_to_offline(paying_world, customer, payment)

    assert offline.status_code == 201, offline.text
    (still_open,) = attempts_of(paying_world, payment["id"])
    assert still_open.status == AttemptStatus.OPEN
    assert sandbox_state(pay_sandbox, prepay_id) == "NOTPAY"

    # Not expired yet, but its payment was cancelled: the worker's job closes it.
    close_expired_attempts(paying_world.engine, lambda: pay_client)()

    (closed,) = attempts_of(paying_world, payment["id"])
    assert closed.status == AttemptStatus.CLOSED
    assert sandbox_state(pay_sandbox, prepay_id) == "CLOSED"


def test_money_for_a_wechat_payment_the_customer_switched_away_from_is_flagged_for_staff(
    paying_world: World, pay_sandbox: RunningSandbox
) -> None:
    customer, payment = agreed_wechat_payment(paying_world, [8_880])
    prepay_id = start(paying_world, customer, payment["id"])
    # WeChat Pay does not answer while the customer switches, and the old page is paid before
    # the worker's job closes its order.
    make_wechat_pay_unreachable_once(pay_sandbox, paying_world, payment["id"])
    offline = switch_to_offline(paying_world, customer, payment)
    assert offline.status_code == 201, offline.text

    paid = pay_sandbox.control("POST", f"/sandbox/pay/{prepay_id}/pay")

    assert paid["delivery"]["status_code"] == 204
    (flagged,) = attempts_of(paying_world, payment["id"])
    assert (flagged.status, flagged.needs_staff) == (AttemptStatus.PAID, True)
    assert flags_for_staff(paying_world, payment["id"]) == 1
    assert confirmations(paying_world, payment["id"]) == (0, 0)
    (order_id,) = payment["order_ids"]
    order = paying_world.client.get(f"/api/repair/orders/{order_id}", headers=customer).json()
    assert (order["payment"]["method"], order["payment"]["status"]) == ("offline", "pending")
    # The customer's page is told a WeChat payment arrived and is being checked.
    assert order["wechat_paid_unexpectedly"] is True

    # Staff see it on the order page (the payment it belongs to was replaced) and on the board.
    with signed_in_console(paying_world) as staff:
        page = staff.get(f"/console/orders/{order_id}").text
        board = staff.get("/console/", params={"mine": "0"}).text
    attempt_line = re.search(r'<dd class="wechat-attempt">(.*?)</dd>', page, re.S)
    assert attempt_line
    assert flagged.out_trade_no in attempt_line.group(1)
    assert "paid unexpectedly: check and refund" in attempt_line.group(1)
    row = re.search(rf'<tr[^>]*data-order="{order["number"]}".*?</tr>', board, re.S)
    assert row
    assert 'data-test="paid-unexpectedly"' in row.group(0)
    assert "Orders with an unexpected WeChat payment to check and refund: 1" in board

    # Refunded in the merchant platform, staff record how; the flag leaves page and board.
    with signed_in_console(paying_world) as staff:
        page = staff.get(f"/console/orders/{order_id}").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        settle = f"/console/orders/{order_id}/wechat-attempts/{flagged.id}/settled"
        unexplained = staff.post(settle, data={"csrf_token": token.group(1), "note": " "})
        settled = staff.post(
            settle, data={"csrf_token": token.group(1), "note": "refunded in the merchant platform"}
        )
        again = staff.post(settle, data={"csrf_token": token.group(1), "note": "twice"})
        page = staff.get(f"/console/orders/{order_id}").text
        board = staff.get("/console/", params={"mine": "0"}).text

    assert unexplained.status_code == 400
    assert settled.status_code == 303
    assert again.status_code == 409
    assert "paid unexpectedly" not in page
    assert "unexpected WeChat payment" not in board
    (cleared,) = attempts_of(paying_world, payment["id"])
    assert (cleared.status, cleared.needs_staff) == (AttemptStatus.PAID, False)
    with Session(paying_world.engine) as session:
        (audit,) = session.exec(
            select(AuditLog).where(AuditLog.action == "wechat_unexpected_payment_settled")
        ).all()
    assert audit.order_id == order_id
    assert "refunded in the merchant platform" in str(audit.detail)
