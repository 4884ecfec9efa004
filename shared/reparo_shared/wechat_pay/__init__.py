"""WeChat Pay APIv3 (JSAPI in the official account): orders, notifications, record checks."""

from reparo_shared.wechat_pay.client import JsapiPayment, WeChatPayClient
from reparo_shared.wechat_pay.errors import (
    BadSignature,
    MalformedNotification,
    NotificationRejected,
    OutTradeNoUsed,
    PaymentNotFound,
    RecordMismatch,
    SignTestProbe,
    StaleTimestamp,
    UndecryptableResource,
    UnknownSerial,
    WeChatPayApiError,
    WeChatPayError,
    WeChatPayUnavailable,
)
from reparo_shared.wechat_pay.notifications import (
    NotifyAnswer,
    PaymentNotification,
    Transaction,
    check_against_record,
)
from reparo_shared.wechat_pay.settings import WeChatPaySettings
from reparo_shared.wechat_pay.trade import (
    TradeState,
    format_time_expire,
    new_out_trade_no,
    validate_out_trade_no,
)

__all__ = [
    "BadSignature",
    "JsapiPayment",
    "MalformedNotification",
    "NotificationRejected",
    "NotifyAnswer",
    "OutTradeNoUsed",
    "PaymentNotFound",
    "PaymentNotification",
    "RecordMismatch",
    "SignTestProbe",
    "StaleTimestamp",
    "TradeState",
    "Transaction",
    "UndecryptableResource",
    "UnknownSerial",
    "WeChatPayApiError",
    "WeChatPayClient",
    "WeChatPayError",
    "WeChatPaySettings",
    "WeChatPayUnavailable",
    "check_against_record",
    "format_time_expire",
    "new_out_trade_no",
    "validate_out_trade_no",
]
