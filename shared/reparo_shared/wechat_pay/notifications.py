"""Payment notifications: what a verified one says, what we answer, and the record check.

Verification itself needs the merchant's keys and lives on ``WeChatPayClient``; this module
holds the parts that need none.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reparo_shared.wechat_pay.errors import (
    MalformedNotification,
    NotificationRejected,
    RecordMismatch,
)
from reparo_shared.wechat_pay.trade import TradeState, parse_wechat_time

# WeChat Pay's own limit: a signed message more than five minutes old (or ahead) is refused.
TIMESTAMP_WINDOW_SECONDS = 5 * 60
SIGNTEST_PREFIX = "WECHATPAY/SIGNTEST/"
SIGNATURE_HEADERS = (
    "wechatpay-signature",
    "wechatpay-timestamp",
    "wechatpay-nonce",
    "wechatpay-serial",
)


@dataclass(frozen=True)
class Transaction:
    """One JSAPI order as WeChat Pay reports it (query answer or notification resource)."""

    out_trade_no: str
    transaction_id: str | None
    trade_state: TradeState
    amount_total_fen: int
    payer_openid: str | None
    mchid: str
    appid: str
    success_time: datetime | None

    @property
    def paid(self) -> bool:
        return self.trade_state is TradeState.SUCCESS

    @classmethod
    def from_resource(cls, resource: Mapping[str, Any]) -> "Transaction":
        """Read WeChat Pay's transaction JSON; raise MalformedNotification when it is not one."""
        try:
            amount = resource.get("amount") or {}
            payer = resource.get("payer") or {}
            success_time = resource.get("success_time")
            return cls(
                out_trade_no=str(resource["out_trade_no"]),
                transaction_id=resource.get("transaction_id") or None,
                trade_state=TradeState(resource["trade_state"]),
                amount_total_fen=int(amount["total"]),
                payer_openid=payer.get("openid") or None,
                mchid=str(resource["mchid"]),
                appid=str(resource["appid"]),
                success_time=parse_wechat_time(success_time) if success_time else None,
            )
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise MalformedNotification(f"not a transaction resource: {error!r}") from error


@dataclass(frozen=True)
class PaymentNotification(Transaction):
    """A notification whose signature, timestamp and encryption have all been checked.

    ``event_id`` is WeChat's notification id, the same on every retry of one notification.
    Trusting it still needs ``check_against_record`` and an exactly-once application.
    """

    event_id: str = ""
    event_type: str = ""


@dataclass(frozen=True)
class NotifyAnswer:
    """The HTTP answer WeChat Pay expects from a notify URL.

    Success is 200 or 204 without a body; anything else makes WeChat retry later (15s, 15s, 30s,
    3m, 10m, ... up to 24 hours), and it wants ``{"code": "FAIL", "message": ...}`` with it.
    """

    status_code: int
    body: bytes = b""
    media_type: str | None = None

    @classmethod
    def success(cls) -> "NotifyAnswer":
        return cls(status_code=204)

    @classmethod
    def failure(cls, message: str, status_code: int = 500) -> "NotifyAnswer":
        """Refuse the notification; WeChat retries it. Keep ``message`` free of personal data."""
        if not 400 <= status_code <= 599:
            raise ValueError("a failure answer needs a 4xx or 5xx status")
        body = json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False)
        return cls(status_code=status_code, body=body.encode(), media_type="application/json")

    @classmethod
    def for_rejection(cls, error: NotificationRejected) -> "NotifyAnswer":
        """401 for anything about signatures (what a SIGNTEST probe expects), 400 if malformed."""
        if isinstance(error, MalformedNotification):
            return cls.failure("malformed notification", status_code=400)
        return cls.failure(f"verification failed: {error.reason}", status_code=401)


def check_against_record(
    notification: Transaction,
    expected_mchid: str,
    expected_appid: str,
    expected_amount_fen: int,
    expected_out_trade_no: str,
) -> None:
    """Raise RecordMismatch unless the notification is about our attempt, for our amount.

    A signature only proves WeChat sent it; this proves it is about the payment we asked for
    (the right merchant and app, the amount we quoted, the attempt we created).
    """
    expected = {
        "mchid": (expected_mchid, notification.mchid),
        "appid": (expected_appid, notification.appid),
        "amount_total_fen": (expected_amount_fen, notification.amount_total_fen),
        "out_trade_no": (expected_out_trade_no, notification.out_trade_no),
    }
    mismatches = {name: pair for name, pair in expected.items() if pair[0] != pair[1]}
    if mismatches:
        raise RecordMismatch(mismatches)
