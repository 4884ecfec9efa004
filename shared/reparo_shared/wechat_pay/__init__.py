"""WeChat Pay APIv3 (JSAPI in the official account): orders, notifications, record checks.

A notification is trusted only after all of these, in this order:

1. ``WeChatPayClient.verify_notification(request.headers, await request.body())``: signature
   over the raw bytes, timestamp within five minutes, known serial, then AES-256-GCM. On
   ``NotificationRejected`` answer ``NotifyAnswer.for_rejection(error)``.
2. In one transaction: load the payment attempt by ``out_trade_no`` with a row lock
   (``SELECT ... FOR UPDATE``), ``check_against_record`` against it, and apply the payment
   only if the attempt is still pending (a duplicate finds it paid with the same
   transaction_id and changes nothing). A conditional ``UPDATE ... WHERE status = 'pending'``
   checked for one affected row does the same on SQLite, which has no row locks; a unique
   constraint on ``transaction_id`` is the backstop.
3. Commit, then answer ``NotifyAnswer.success()``; on any failure before the commit answer
   ``NotifyAnswer.failure(...)`` with a 5xx, and WeChat Pay retries.

The browser's "paid" result is never proof: confirm with ``query_payment`` and apply the
result through the same exactly-once path.
"""

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
