"""WeChat Pay APIv3 for JSAPI payments in the official account, on top of wechatpayv3.

The client is synchronous (wechatpayv3 uses ``requests``): call it from a worker thread, e.g. a
plain ``def`` FastAPI route or ``run_in_threadpool``.
"""

import dataclasses
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from wechatpayv3 import SignType

from reparo_shared.wechat_pay._sdk import GatewayCore, JsapiWeChatPay
from reparo_shared.wechat_pay.errors import (
    BadSignature,
    MalformedNotification,
    NotificationRejected,
    OutTradeNoUsed,
    PaymentNotFound,
    SignTestProbe,
    StaleTimestamp,
    UndecryptableResource,
    UnknownSerial,
    WeChatPayApiError,
    WeChatPayUnavailable,
)
from reparo_shared.wechat_pay.notifications import (
    SIGNATURE_HEADERS,
    SIGNTEST_PREFIX,
    TIMESTAMP_WINDOW_SECONDS,
    PaymentNotification,
    Transaction,
)
from reparo_shared.wechat_pay.settings import WeChatPaySettings
from reparo_shared.wechat_pay.trade import format_time_expire, validate_out_trade_no

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JsapiPayment:
    """A created JSAPI order and the signed parameters the page hands to ``chooseWXPay``."""

    out_trade_no: str
    prepay_id: str
    bridge_parameters: dict[str, str]


class WeChatPayClient:
    """One merchant's WeChat Pay: create, query and close JSAPI orders; verify notifications."""

    def __init__(
        self,
        *,
        base_url: str,
        mchid: str,
        appid: str,
        private_key_pem: str,
        cert_serial: str,
        apiv3_key: str,
        notify_url: str,
        public_key_pem: str | None = None,
        public_key_id: str | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        """Build the client; in platform-certificate mode this downloads the certificates.

        Raises WeChatPayUnavailable when no platform certificate could be had.
        """
        if len(apiv3_key.encode()) != 32:
            raise ValueError("the APIv3 key must be 32 bytes")
        if (public_key_pem is None) != (public_key_id is None):
            raise ValueError("the platform public key and its id go together")
        self.mchid = mchid
        self.appid = appid
        try:
            core = GatewayCore(
                base_url,
                mchid=mchid,
                cert_serial_no=cert_serial,
                private_key=private_key_pem,
                apiv3_key=apiv3_key,
                public_key=public_key_pem,
                public_key_id=public_key_id,
                timeout=(3.0, timeout_seconds),
                logger=None,
            )
        except requests.RequestException as error:
            raise WeChatPayUnavailable(f"cannot reach WeChat Pay: {error}") from error
        except Exception as error:  # wechatpayv3 raises bare Exception for missing certificates
            raise WeChatPayUnavailable(f"cannot set up WeChat Pay: {error}") from error
        self._sdk = JsapiWeChatPay(core, mchid=mchid, appid=appid, notify_url=notify_url)
        self._core = core

    @classmethod
    def from_settings(cls, settings: WeChatPaySettings) -> "WeChatPayClient":
        public_key = settings.public_key_pem()
        return cls(
            base_url=settings.wechat_pay_base,
            mchid=settings.wechat_pay_mchid,
            appid=settings.wechat_pay_appid,
            private_key_pem=settings.private_key_pem(),
            cert_serial=settings.wechat_pay_cert_serial,
            apiv3_key=settings.wechat_pay_apiv3_key,
            notify_url=settings.wechat_pay_notify_url,
            public_key_pem=public_key,
            public_key_id=settings.wechat_pay_public_key_id if public_key else None,
            timeout_seconds=settings.wechat_pay_timeout_seconds,
        )

    # --- orders -------------------------------------------------------------------------------

    def create_jsapi_payment(
        self,
        out_trade_no: str,
        description: str,
        amount_fen: int,
        payer_openid: str,
        time_expire: datetime,
    ) -> JsapiPayment:
        """Place a JSAPI order and sign the parameters for ``chooseWXPay``.

        Calling again with identical parameters returns the same prepay_id (safe to retry after
        a timeout); the same out_trade_no with anything changed raises OutTradeNoUsed.
        """
        validate_out_trade_no(out_trade_no)
        if amount_fen <= 0:
            raise ValueError("a WeChat Pay order needs a positive amount in fen")
        code, text = self._call(
            self._sdk.pay,
            # WeChat Pay refuses descriptions over 127 characters; it is display text only.
            description=description[:127],
            out_trade_no=out_trade_no,
            amount={"total": amount_fen, "currency": "CNY"},
            payer={"openid": payer_openid},
            time_expire=format_time_expire(time_expire),
        )
        prepay_id = str(_answer_json(code, text)["prepay_id"])
        logger.info(
            "wechat_pay.order.created",
            extra={"out_trade_no": out_trade_no, "amount_fen": amount_fen},
        )
        return JsapiPayment(out_trade_no, prepay_id, self.bridge_parameters(prepay_id))

    def bridge_parameters(self, prepay_id: str) -> dict[str, str]:
        """``appId, timeStamp, nonceStr, package, signType, paySign`` for ``chooseWXPay``."""
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        signature = self._sdk.sign([self.appid, timestamp, nonce, package], SignType.RSA_SHA256)
        return {
            "appId": self.appid,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": signature,
        }

    def query_payment(self, out_trade_no: str) -> Transaction:
        """WeChat Pay's current view of an order; raises PaymentNotFound for an unknown number."""
        validate_out_trade_no(out_trade_no)
        code, text = self._call(self._sdk.query, out_trade_no=out_trade_no)
        return Transaction.from_resource(_answer_json(code, text))

    def close_payment(self, out_trade_no: str) -> None:
        """Close an unpaid order so it can no longer be paid (before a new attempt, or expiry)."""
        validate_out_trade_no(out_trade_no)
        code, text = self._call(self._sdk.close, out_trade_no=out_trade_no)
        _answer_json(code, text)
        logger.info("wechat_pay.order.closed", extra={"out_trade_no": out_trade_no})

    def platform_certificate_serials(self) -> list[str]:
        """Serials of the platform certificates held now (empty in pure public-key mode)."""
        return self._core.certificate_serials()

    def _call(self, operation: Any, **kwargs: Any) -> tuple[int, Any]:
        try:
            return operation(**kwargs)
        except requests.RequestException as error:
            raise WeChatPayUnavailable(f"cannot reach WeChat Pay: {error}") from error
        except Exception as error:  # wechatpayv3 raises bare Exception on a bad response signature
            raise WeChatPayUnavailable(f"untrusted answer from WeChat Pay: {error}") from error

    # --- notifications ------------------------------------------------------------------------

    def verify_notification(
        self, headers: Mapping[str, str], raw_body: bytes, now: datetime | None = None
    ) -> PaymentNotification:
        """Check a payment notification and decrypt it; raise NotificationRejected otherwise.

        ``raw_body`` must be the bytes exactly as received: the signature covers them, so a
        proxy that re-serialises the JSON (even only reordering keys) makes it fail, as it
        should. Every check of who signed it and when comes before any decryption. What stays
        the caller's job: ``check_against_record`` and applying it exactly once.
        """
        wanted = {name.lower(): value for name, value in headers.items()}
        try:
            body = self._verify_signed(wanted, raw_body, now or datetime.now(UTC))
            notification = self._decrypt(body)
        except NotificationRejected as error:
            logger.warning(
                "wechat_pay.notification.rejected",
                extra={"reason": error.reason, "serial": wanted.get("wechatpay-serial", "")[:64]},
            )
            raise
        logger.info(
            "wechat_pay.notification.verified",
            extra={
                "event_id": notification.event_id,
                "out_trade_no": notification.out_trade_no,
                "trade_state": notification.trade_state.value,
            },
        )
        return notification

    def _verify_signed(self, wanted: dict[str, str], raw_body: bytes, now: datetime) -> str:
        """Who signed it, when, and over exactly these bytes; cheapest refusals first."""
        if wanted.get("wechatpay-signature", "").startswith(SIGNTEST_PREFIX):
            raise SignTestProbe("WeChat Pay signature probe")
        if not all(wanted.get(name) for name in SIGNATURE_HEADERS):
            raise MalformedNotification("signature headers missing")
        _check_timestamp(wanted["wechatpay-timestamp"], now)
        self._check_serial(wanted["wechatpay-serial"])

        try:
            body = raw_body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadSignature("body is not UTF-8") from error
        checked = {"wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048", **wanted}
        try:
            valid = self._core.signature_valid(checked, body)
        except Exception as error:  # wechatpayv3 raises bare Exception for unknown algorithms
            raise BadSignature(f"signature not checkable: {error}") from error
        if not valid:
            raise BadSignature("signature does not match the body")
        return body

    def _check_serial(self, serial: str) -> None:
        if self._core.knows_serial(serial):
            return
        if not serial.startswith("PUB_KEY_ID_"):
            # Certificates rotate: a new serial may be a certificate we have not fetched yet.
            try:
                self._core.refresh_certificates()
            except requests.RequestException:
                logger.warning("wechat_pay.certificates.refresh_failed")
            if self._core.knows_serial(serial):
                return
        raise UnknownSerial(f"no platform key with serial {serial[:64]}")

    def _decrypt(self, body: str) -> PaymentNotification:
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
            if envelope.get("resource_type") != "encrypt-resource":
                raise MalformedNotification("resource is not encrypted")
            if resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise MalformedNotification("unsupported resource algorithm")
            plaintext = self._core.decrypt_resource(
                nonce=resource["nonce"],
                ciphertext=resource["ciphertext"],
                associated_data=resource.get("associated_data") or "",
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise MalformedNotification(f"not a notification envelope: {error!r}") from error
        if plaintext is None:
            raise UndecryptableResource("resource does not decrypt with our APIv3 key")

        try:
            transaction = Transaction.from_resource(json.loads(plaintext))
        except ValueError as error:
            raise MalformedNotification("decrypted resource is not JSON") from error
        fields = {f.name: getattr(transaction, f.name) for f in dataclasses.fields(transaction)}
        return PaymentNotification(
            **fields,
            event_id=str(envelope.get("id", "")),
            event_type=str(envelope.get("event_type", "")),
        )


def _check_timestamp(value: str, now: datetime) -> None:
    try:
        sent = int(value)
    except ValueError as error:
        raise MalformedNotification("timestamp is not a number") from error
    if abs(now.timestamp() - sent) > TIMESTAMP_WINDOW_SECONDS:
        raise StaleTimestamp(f"timestamp {sent} is outside the five-minute window")


def _answer_json(code: int, text: Any) -> dict[str, Any]:
    """The JSON of a successful answer ({} for 204); the matching error for any other."""
    if 200 <= code < 300:
        return json.loads(text) if text else {}
    try:
        error = json.loads(text)
        error_code, message = str(error["code"]), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError):
        error_code, message = "UNKNOWN", str(text)[:200]
    if error_code == "OUT_TRADE_NO_USED":
        raise OutTradeNoUsed(code, error_code, message)
    if error_code in ("ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS") or code == 404:
        raise PaymentNotFound(code, error_code, message)
    raise WeChatPayApiError(code, error_code, message)
