"""Merchant calls to the sandbox's WeChat Pay over HTTP: create, query, close, signatures."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from reparo_shared.wechat_pay import (
    OutTradeNoUsed,
    PaymentNotFound,
    TradeState,
    WeChatPayApiError,
    WeChatPayClient,
    WeChatPayUnavailable,
    new_out_trade_no,
)
from reparo_shared.wechat_pay.demo_keys import generate_apiv3_key, generate_rsa_identity

from .conftest import APPID, MCHID, MerchantKeys, Receiver, Record, make_client

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def in_two_hours() -> datetime:
    return datetime.now(UTC) + timedelta(hours=2)


def test_merchant_creates_jsapi_order_and_gets_signed_bridge_parameters(
    certificate_client: WeChatPayClient, sandbox_url: str
) -> None:
    out_trade_no = new_out_trade_no()

    payment = certificate_client.create_jsapi_payment(
        out_trade_no, "Repair R-1001", 12_800, OPENID, in_two_hours()
    )

    parameters = payment.bridge_parameters
    assert payment.prepay_id.startswith("wx")
    assert parameters["package"] == f"prepay_id={payment.prepay_id}"
    assert parameters["appId"] == APPID
    assert parameters["signType"] == "RSA"
    check = httpx.post(f"{sandbox_url}/sandbox/pay/control/check-pay-sign", json=parameters)
    assert check.json() == {"valid": True}
    forged = {**parameters, "package": "prepay_id=wx000000"}
    check = httpx.post(f"{sandbox_url}/sandbox/pay/control/check-pay-sign", json=forged)
    assert check.json() == {"valid": False}


def test_merchant_repeating_identical_order_gets_the_same_prepay_id(
    certificate_client: WeChatPayClient,
) -> None:
    out_trade_no, expire = new_out_trade_no(), in_two_hours()

    first = certificate_client.create_jsapi_payment(out_trade_no, "Repair", 500, OPENID, expire)
    again = certificate_client.create_jsapi_payment(out_trade_no, "Repair", 500, OPENID, expire)

    assert again.prepay_id == first.prepay_id


def test_merchant_reusing_out_trade_no_with_another_amount_gets_out_trade_no_used(
    certificate_client: WeChatPayClient,
) -> None:
    out_trade_no, expire = new_out_trade_no(), in_two_hours()
    certificate_client.create_jsapi_payment(out_trade_no, "Repair", 500, OPENID, expire)

    with pytest.raises(OutTradeNoUsed) as raised:
        certificate_client.create_jsapi_payment(out_trade_no, "Repair", 600, OPENID, expire)

    assert raised.value.code == "OUT_TRADE_NO_USED"


def test_merchant_queries_an_order_before_and_after_the_customer_pays(
    certificate_client: WeChatPayClient, sandbox_url: str, receiver: Receiver
) -> None:
    receiver.client = certificate_client
    out_trade_no = new_out_trade_no()
    receiver.records[out_trade_no] = Record(amount_fen=990)
    payment = certificate_client.create_jsapi_payment(
        out_trade_no, "Repair", 990, OPENID, in_two_hours()
    )

    before = certificate_client.query_payment(out_trade_no)
    httpx.post(f"{sandbox_url}/sandbox/pay/{payment.prepay_id}/pay").raise_for_status()
    after = certificate_client.query_payment(out_trade_no)

    assert before.trade_state is TradeState.NOTPAY
    assert before.transaction_id is None
    assert after.trade_state is TradeState.SUCCESS
    assert after.paid
    assert after.amount_total_fen == 990
    assert after.payer_openid == OPENID
    assert after.transaction_id
    assert after.success_time is not None
    assert after.success_time.tzinfo is not None


def test_merchant_closes_an_unpaid_order_which_then_cannot_be_paid(
    certificate_client: WeChatPayClient, sandbox_url: str
) -> None:
    out_trade_no = new_out_trade_no()
    payment = certificate_client.create_jsapi_payment(
        out_trade_no, "Repair", 100, OPENID, in_two_hours()
    )

    certificate_client.close_payment(out_trade_no)

    assert certificate_client.query_payment(out_trade_no).trade_state is TradeState.CLOSED
    paying = httpx.post(f"{sandbox_url}/sandbox/pay/{payment.prepay_id}/pay")
    assert paying.status_code == 409
    assert paying.json()["detail"]["code"] == "ORDER_CLOSED"


def test_merchant_cannot_close_a_paid_order(
    certificate_client: WeChatPayClient, sandbox_url: str, receiver: Receiver
) -> None:
    receiver.client = certificate_client
    out_trade_no = new_out_trade_no()
    receiver.records[out_trade_no] = Record(amount_fen=100)
    payment = certificate_client.create_jsapi_payment(
        out_trade_no, "Repair", 100, OPENID, in_two_hours()
    )
    httpx.post(f"{sandbox_url}/sandbox/pay/{payment.prepay_id}/pay").raise_for_status()

    with pytest.raises(WeChatPayApiError) as raised:
        certificate_client.close_payment(out_trade_no)

    assert raised.value.code == "ORDERPAID"


def test_merchant_querying_an_unknown_order_gets_not_found(
    certificate_client: WeChatPayClient,
) -> None:
    with pytest.raises(PaymentNotFound):
        certificate_client.query_payment(new_out_trade_no())


def test_request_signed_with_the_wrong_key_is_refused_with_sign_error(
    sandbox_url: str,
    merchant_keys: MerchantKeys,
    receiver: Receiver,
    platform_keys: dict[str, str],
) -> None:
    # Public-key mode, so the client is built without a first (refused) certificate download.
    impostor = make_client(
        sandbox_url,
        merchant_keys,
        receiver.url,
        public_key=platform_keys,
        private_key_pem=generate_rsa_identity("impostor").private_key_pem,
    )

    with pytest.raises(WeChatPayApiError) as raised:
        impostor.query_payment(new_out_trade_no())

    assert raised.value.status == 401
    assert raised.value.code == "SIGN_ERROR"


def test_request_whose_body_changed_after_signing_is_refused_with_sign_error(
    sandbox_url: str, merchant_keys: MerchantKeys
) -> None:
    from wechatpayv3.utils import build_authorization, load_private_key

    signed_body = f'{{"mchid": "{MCHID}"}}'
    path = f"/v3/pay/transactions/out-trade-no/{new_out_trade_no()}/close"
    authorization = build_authorization(
        path,
        "POST",
        MCHID,
        merchant_keys.api.serial,
        load_private_key(merchant_keys.api.private_key_pem),
        data=signed_body,
    )

    response = httpx.post(
        sandbox_url + path,
        content=signed_body.replace(MCHID, "1900000000"),
        headers={"Authorization": authorization, "Content-Type": "application/json"},
    )

    assert response.status_code == 401
    assert response.json()["code"] == "SIGN_ERROR"
    assert response.headers["Wechatpay-Signature"]


def test_certificate_client_with_the_wrong_key_cannot_start(
    sandbox_url: str, merchant_keys: MerchantKeys, receiver: Receiver
) -> None:
    with pytest.raises(WeChatPayUnavailable):
        make_client(
            sandbox_url,
            merchant_keys,
            receiver.url,
            private_key_pem=generate_rsa_identity("impostor").private_key_pem,
        )


def test_request_without_authorization_is_refused_with_sign_error(sandbox_url: str) -> None:
    response = httpx.get(f"{sandbox_url}/v3/certificates")

    assert response.status_code == 401
    assert response.json()["code"] == "SIGN_ERROR"


def test_public_key_client_queries_with_answers_signed_by_the_public_key(
    public_key_client: WeChatPayClient, sandbox_url: str
) -> None:
    out_trade_no = new_out_trade_no()
    public_key_client.create_jsapi_payment(out_trade_no, "Repair", 100, OPENID, in_two_hours())

    state = public_key_client.query_payment(out_trade_no)

    assert state.trade_state is TradeState.NOTPAY
    assert public_key_client.platform_certificate_serials() == []


def test_customer_sees_the_pay_page_with_pay_cancel_and_fault_buttons(
    certificate_client: WeChatPayClient, sandbox_url: str
) -> None:
    payment = certificate_client.create_jsapi_payment(
        new_out_trade_no(), "Repair <R-7>", 12_345, OPENID, in_two_hours()
    )

    page = httpx.get(
        f"{sandbox_url}/sandbox/pay/{payment.prepay_id}", params=payment.bridge_parameters
    )
    forged = httpx.get(
        f"{sandbox_url}/sandbox/pay/{payment.prepay_id}",
        params={**payment.bridge_parameters, "nonceStr": "changed"},
    )

    assert page.status_code == 200
    assert "¥123.45" in page.text
    assert "Repair &lt;R-7&gt;" in page.text
    for marker in ('data-action="pay"', 'data-action="cancel"', 'data-notify="duplicate"'):
        assert marker in page.text
    for variant in ("stale", "tampered", "signtest"):
        assert f'data-notify="{variant}"' in page.text
    assert "paySign does not verify" not in page.text
    assert "paySign does not verify" in forged.text


def test_customer_cancelling_leaves_the_order_unpaid(
    certificate_client: WeChatPayClient, sandbox_url: str
) -> None:
    out_trade_no = new_out_trade_no()
    payment = certificate_client.create_jsapi_payment(
        out_trade_no, "Repair", 100, OPENID, in_two_hours()
    )

    cancelled = httpx.post(f"{sandbox_url}/sandbox/pay/{payment.prepay_id}/cancel")

    assert cancelled.json()["result"] == "cancel"
    assert certificate_client.query_payment(out_trade_no).trade_state is TradeState.NOTPAY


def test_a_merchant_registered_over_http_can_place_orders(
    sandbox_url: str, receiver: Receiver
) -> None:
    other = MerchantKeys(generate_rsa_identity("second merchant"), generate_apiv3_key())
    registration = {
        "mchid": "1900000200",
        "appid": "wx_second_account",
        "certificate_pem": other.api.certificate_pem,
        "apiv3_key": other.apiv3_key,
    }
    registered = httpx.post(f"{sandbox_url}/sandbox/pay/control/merchants", json=registration)
    client = WeChatPayClient(
        base_url=sandbox_url,
        mchid="1900000200",
        appid="wx_second_account",
        private_key_pem=other.api.private_key_pem,
        cert_serial=other.api.serial,
        apiv3_key=other.apiv3_key,
        notify_url=receiver.url,
    )

    payment = client.create_jsapi_payment(new_out_trade_no(), "Repair", 1, OPENID, in_two_hours())

    assert registered.json()["cert_serial"] == other.api.serial
    assert client.query_payment(payment.out_trade_no).mchid == "1900000200"
