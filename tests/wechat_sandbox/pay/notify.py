"""Payment notifications as WeChat Pay sends them, and the faulty ones a merchant must refuse."""

import base64
import json
import logging
import secrets
import time
from datetime import UTC, datetime
from enum import StrEnum

import httpx

from reparo_shared.wechat_pay.demo_keys import generate_rsa_identity

from .crypto import aes_gcm_encrypt, random_text, sign, signed_message
from .state import CST, Delivery, PaySandbox, SandboxOrder, Signer, SigningKey

logger = logging.getLogger(__name__)


class Variant(StrEnum):
    """What kind of notification to send."""

    NORMAL = "normal"  # a fresh notification, as on WeChat's first try or a retry
    DUPLICATE = "duplicate"  # the last one again, byte for byte
    STALE = "stale"  # correctly signed, timestamp ten minutes old (a replay)
    TAMPERED = "tampered"  # body changed after signing
    SIGNTEST = "signtest"  # WeChat's signature probe: WECHATPAY/SIGNTEST/ signature
    REORDERED = "reordered"  # same JSON, keys reordered after signing (a proxy re-serialising)
    UNKNOWN_SERIAL = "unknown_serial"  # signed by a key the merchant has never seen


# Built once: generating an RSA key per request would make the variant slow for no gain.
_STRANGER: SigningKey | None = None


def _stranger_key() -> SigningKey:
    global _STRANGER
    if _STRANGER is None:
        identity = generate_rsa_identity("not WeChat Pay")
        _STRANGER = SigningKey(identity.serial, identity.private_key_pem, identity.public_key_pem)
    return _STRANGER


def build(
    sandbox: PaySandbox, order: SandboxOrder, variant: Variant, signer: Signer | None = None
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a TRANSACTION.SUCCESS notification for ``order``.

    Faulty variants describe a successful payment even for an unpaid order: that is exactly
    what a forged or replayed notification would claim.
    """
    merchant = sandbox.merchants[order.mchid]
    resource = order.transaction()
    if order.trade_state != "SUCCESS":
        resource.update(
            trade_state="SUCCESS",
            trade_state_desc="支付成功",
            transaction_id="4200" + "0" * 24,
            success_time=datetime.now(CST).isoformat(timespec="seconds"),
            payer={"openid": order.request["payer"]["openid"]},
        )
    envelope = {
        "id": f"EV-{secrets.token_hex(10)}",
        "create_time": datetime.now(CST).isoformat(timespec="seconds"),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            **aes_gcm_encrypt(
                merchant.apiv3_key, json.dumps(resource, ensure_ascii=False), "transaction"
            ),
        },
    }
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()

    key = _stranger_key() if variant is Variant.UNKNOWN_SERIAL else sandbox.notification_key(signer)
    timestamp = int(time.time()) - (600 if variant is Variant.STALE else 0)
    nonce = random_text(32)
    signature = sign(key.private_key_pem, signed_message(str(timestamp), nonce, body).decode())
    if variant is Variant.SIGNTEST:
        signature = "WECHATPAY/SIGNTEST/" + base64.b64encode(secrets.token_bytes(256)).decode()
    if variant is Variant.TAMPERED:
        body = body.replace("支付成功".encode(), "支付失败".encode(), 1)
    if variant is Variant.REORDERED:
        body = json.dumps(
            dict(reversed(list(envelope.items()))), ensure_ascii=False, separators=(",", ":")
        ).encode()

    headers = {
        "Content-Type": "application/json",
        "Wechatpay-Serial": key.serial,
        "Wechatpay-Signature": signature,
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }
    return headers, body


async def deliver(
    sandbox: PaySandbox, order: SandboxOrder, variant: Variant, signer: Signer | None = None
) -> Delivery:
    """Send one notification to the order's notify URL and record the merchant's answer.

    Known shortcoming: WeChat Pay retries a refused notification on its own (15 s, 15 s, 30 s,
    3 min, ... for a day); the sandbox sends once and leaves retries to the page's buttons and
    the tests, which keeps test runs deterministic.
    """
    if variant is Variant.DUPLICATE:
        genuine = [d for d in order.deliveries if d.variant == Variant.NORMAL]
        if not genuine:
            raise LookupError("no genuine notification sent yet to duplicate")
        headers, body = genuine[-1].headers, genuine[-1].body
    else:
        headers, body = build(sandbox, order, variant, signer)

    status_code: int | None
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(order.request["notify_url"], content=body, headers=headers)
        status_code, answer = response.status_code, response.text
    except httpx.HTTPError as error:
        status_code, answer = None, f"not delivered: {error!r}"
    delivery = Delivery(
        prepay_id=order.prepay_id,
        variant=variant.value,
        headers=headers,
        body=body,
        sent_at=datetime.now(UTC),
        status_code=status_code,
        answer=answer[:500],
    )
    with sandbox.lock:
        order.deliveries.append(delivery)
    logger.info(
        "sandbox.pay.notification.sent",
        extra={"out_trade_no": order.out_trade_no, "variant": variant, "status": status_code},
    )
    return delivery
