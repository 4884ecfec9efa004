"""Payment notifications from the sandbox to our notify URL: which are trusted, which refused."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from reparo_shared.wechat_pay import (
    BadSignature,
    JsapiPayment,
    MalformedNotification,
    NotifyAnswer,
    SignTestProbe,
    StaleTimestamp,
    TradeState,
    WeChatPayClient,
    new_out_trade_no,
)
from wechat_sandbox.pay import PaySandbox, Signer, Variant
from wechat_sandbox.pay.notify import build

from .conftest import APPID, MCHID, Receiver, Record, set_signing

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def place_order(
    client: WeChatPayClient, receiver: Receiver, amount_fen: int = 12_800, **record: Any
) -> JsapiPayment:
    """Create an order and give our notify receiver the matching payment-attempt record."""
    out_trade_no = new_out_trade_no()
    receiver.client = client
    receiver.records[out_trade_no] = Record(amount_fen=record.pop("expected", amount_fen), **record)
    expire = datetime.now(UTC) + timedelta(hours=2)
    return client.create_jsapi_payment(out_trade_no, "Repair R-1001", amount_fen, OPENID, expire)


def pay(sandbox_url: str, payment: JsapiPayment) -> dict[str, Any]:
    response = httpx.post(f"{sandbox_url}/sandbox/pay/{payment.prepay_id}/pay")
    response.raise_for_status()
    return dict(response.json()["delivery"])


def send(
    sandbox_url: str, payment: JsapiPayment, variant: Variant, signer: Signer | None = None
) -> dict[str, Any]:
    body: dict[str, str] = {"variant": variant.value}
    if signer is not None:
        body["signer"] = signer.value
    response = httpx.post(f"{sandbox_url}/sandbox/pay/{payment.prepay_id}/notify", json=body)
    response.raise_for_status()
    return dict(response.json()["delivery"])


def test_customer_pays_and_our_notify_url_accepts_the_verified_notification(
    certificate_client: WeChatPayClient, sandbox_url: str, receiver: Receiver
) -> None:
    payment = place_order(certificate_client, receiver, amount_fen=12_800)

    delivery = pay(sandbox_url, payment)

    assert delivery["status_code"] == 204
    [notification] = receiver.accepted
    assert notification.out_trade_no == payment.out_trade_no
    assert notification.trade_state is TradeState.SUCCESS
    assert notification.amount_total_fen == 12_800
    assert notification.payer_openid == OPENID
    assert (notification.mchid, notification.appid) == (MCHID, APPID)
    assert notification.transaction_id
    assert notification.success_time is not None
    assert notification.success_time.tzinfo is not None
    assert notification.event_type == "TRANSACTION.SUCCESS"
    assert notification.event_id.startswith("EV-")
    assert delivery["serial"] in certificate_client.platform_certificate_serials()


@pytest.mark.parametrize(
    ("variant", "reason"),
    [
        (Variant.TAMPERED, "bad_signature"),
        (Variant.STALE, "stale_timestamp"),
        (Variant.SIGNTEST, "signtest_probe"),
        (Variant.UNKNOWN_SERIAL, "unknown_serial"),
        (Variant.REORDERED, "bad_signature"),
    ],
)
def test_our_notify_url_refuses_a_faulty_notification(
    certificate_client: WeChatPayClient,
    sandbox_url: str,
    receiver: Receiver,
    variant: Variant,
    reason: str,
) -> None:
    payment = place_order(certificate_client, receiver)

    delivery = send(sandbox_url, payment, variant)

    assert delivery["status_code"] == 401
    assert '"code": "FAIL"' in delivery["answer"]
    assert receiver.refused == [reason]
    assert receiver.accepted == []


def test_a_duplicate_notification_verifies_with_the_same_event_id_for_deduplication(
    certificate_client: WeChatPayClient, sandbox_url: str, receiver: Receiver
) -> None:
    payment = place_order(certificate_client, receiver)
    pay(sandbox_url, payment)

    duplicate = send(sandbox_url, payment, Variant.DUPLICATE)

    assert duplicate["status_code"] == 204
    first, second = receiver.accepted
    assert second == first


@pytest.mark.parametrize(
    ("record", "mismatch"),
    [
        ({"expected": 12_700}, "amount_total_fen"),
        ({"mchid": "1900000999"}, "mchid"),
        ({"appid": "wx_another_app"}, "appid"),
    ],
)
def test_our_notify_url_refuses_a_notification_that_disagrees_with_our_record(
    certificate_client: WeChatPayClient,
    sandbox_url: str,
    receiver: Receiver,
    record: dict[str, Any],
    mismatch: str,
) -> None:
    payment = place_order(certificate_client, receiver, amount_fen=12_800, **record)

    delivery = pay(sandbox_url, payment)

    assert delivery["status_code"] == 400
    assert receiver.refused == [f"record_mismatch:{mismatch}"]
    assert receiver.accepted == []


def test_public_key_mode_notification_is_accepted(
    public_key_client: WeChatPayClient,
    sandbox_url: str,
    receiver: Receiver,
    platform_keys: dict[str, str],
) -> None:
    set_signing(sandbox_url, Signer.PUBLIC_KEY)
    payment = place_order(public_key_client, receiver)

    delivery = pay(sandbox_url, payment)

    assert delivery["serial"] == platform_keys["public_key_id"]
    assert delivery["serial"].startswith("PUB_KEY_ID_")
    assert delivery["status_code"] == 204
    assert [n.out_trade_no for n in receiver.accepted] == [payment.out_trade_no]


def test_during_the_switch_both_certificate_and_public_key_notifications_are_accepted(
    public_key_client: WeChatPayClient,
    sandbox_url: str,
    receiver: Receiver,
    platform_keys: dict[str, str],
) -> None:
    set_signing(sandbox_url, Signer.SWITCH)
    payment = place_order(public_key_client, receiver)

    first = pay(sandbox_url, payment)
    second = send(sandbox_url, payment, Variant.NORMAL)

    assert {first["serial"], second["serial"]} == {
        platform_keys["public_key_id"],
        platform_keys["certificate_serial"],
    }
    assert [first["status_code"], second["status_code"]] == [204, 204]
    assert len(receiver.accepted) == 2


def test_certificate_mode_client_refuses_a_public_key_notification(
    certificate_client: WeChatPayClient, sandbox_url: str, receiver: Receiver
) -> None:
    set_signing(sandbox_url, Signer.PUBLIC_KEY)
    payment = place_order(certificate_client, receiver)

    delivery = pay(sandbox_url, payment)

    assert delivery["status_code"] == 401
    assert receiver.refused == ["unknown_serial"]
    assert receiver.accepted == []


# --- the checks one by one, in-process, with the time under the test's control ------------


def test_timestamp_more_than_five_minutes_ahead_is_stale(
    certificate_client: WeChatPayClient, sandbox: PaySandbox, receiver: Receiver
) -> None:
    payment = place_order(certificate_client, receiver)
    order = sandbox.by_prepay_id[payment.prepay_id]
    headers, body = build(sandbox, order, Variant.NORMAL)
    sent = datetime.fromtimestamp(int(headers["Wechatpay-Timestamp"]), UTC)

    accepted = certificate_client.verify_notification(
        headers, body, now=sent - timedelta(minutes=4)
    )
    with pytest.raises(StaleTimestamp):
        certificate_client.verify_notification(headers, body, now=sent - timedelta(minutes=6))
    with pytest.raises(StaleTimestamp):
        certificate_client.verify_notification(headers, body, now=sent + timedelta(minutes=6))

    assert accepted.out_trade_no == payment.out_trade_no


def test_signtest_probe_is_refused_before_anything_else(
    certificate_client: WeChatPayClient, sandbox: PaySandbox, receiver: Receiver
) -> None:
    payment = place_order(certificate_client, receiver)
    headers, body = build(sandbox, sandbox.by_prepay_id[payment.prepay_id], Variant.SIGNTEST)
    headers["Wechatpay-Timestamp"] = "0"  # stale too: the probe is recognised first

    with pytest.raises(SignTestProbe) as raised:
        certificate_client.verify_notification(headers, body)

    assert NotifyAnswer.for_rejection(raised.value).status_code == 401


def test_headers_are_matched_whatever_their_case(
    certificate_client: WeChatPayClient, sandbox: PaySandbox, receiver: Receiver
) -> None:
    payment = place_order(certificate_client, receiver)
    headers, body = build(sandbox, sandbox.by_prepay_id[payment.prepay_id], Variant.NORMAL)

    lower = certificate_client.verify_notification({k.lower(): v for k, v in headers.items()}, body)
    upper = certificate_client.verify_notification({k.upper(): v for k, v in headers.items()}, body)

    assert lower == upper


def test_a_body_that_is_not_utf8_fails_the_signature_check(
    certificate_client: WeChatPayClient, sandbox: PaySandbox, receiver: Receiver
) -> None:
    payment = place_order(certificate_client, receiver)
    headers, body = build(sandbox, sandbox.by_prepay_id[payment.prepay_id], Variant.NORMAL)

    with pytest.raises(BadSignature):
        certificate_client.verify_notification(headers, body + b"\xff")


def test_after_a_certificate_renewal_the_new_serial_is_fetched_and_accepted(
    certificate_client: WeChatPayClient, sandbox_url: str, receiver: Receiver
) -> None:
    payment = place_order(certificate_client, receiver)
    renewed = httpx.post(f"{sandbox_url}/sandbox/pay/control/rotate-certificate").json()
    assert renewed["certificate_serial"] not in certificate_client.platform_certificate_serials()

    delivery = pay(sandbox_url, payment)

    assert delivery["serial"] == renewed["certificate_serial"]
    assert delivery["status_code"] == 204
    assert renewed["certificate_serial"] in certificate_client.platform_certificate_serials()


def test_a_notification_without_signature_headers_is_malformed_and_answered_400(
    certificate_client: WeChatPayClient, sandbox: PaySandbox, receiver: Receiver
) -> None:
    payment = place_order(certificate_client, receiver)
    headers, body = build(sandbox, sandbox.by_prepay_id[payment.prepay_id], Variant.NORMAL)
    del headers["Wechatpay-Nonce"]

    with pytest.raises(MalformedNotification) as raised:
        certificate_client.verify_notification(headers, body)

    assert NotifyAnswer.for_rejection(raised.value).status_code == 400
