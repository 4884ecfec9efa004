"""What can go wrong talking to WeChat Pay, and why a notification was refused."""


class WeChatPayError(Exception):
    """Base of every error this package raises."""


class WeChatPayApiError(WeChatPayError):
    """WeChat Pay answered a call with an error status and its ``{"code", "message"}`` body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"WeChat Pay answered {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class OutTradeNoUsed(WeChatPayApiError):
    """The out_trade_no was already used for an order with different parameters."""


class PaymentNotFound(WeChatPayApiError):
    """WeChat Pay has no order with that out_trade_no for this merchant."""


class WeChatPayUnavailable(WeChatPayError):
    """WeChat Pay could not be reached, or its answer could not be trusted or read."""


class NotificationRejected(WeChatPayError):
    """A payment notification that must not be trusted; ``reason`` is a short machine word."""

    reason = "rejected"


class SignTestProbe(NotificationRejected):
    """WeChat's deliberate bad-signature probe (``WECHATPAY/SIGNTEST/``): refusing it is correct."""

    reason = "signtest_probe"


class MalformedNotification(NotificationRejected):
    """Required headers missing, or a body that is not the notification envelope."""

    reason = "malformed"


class StaleTimestamp(NotificationRejected):
    """``Wechatpay-Timestamp`` is more than five minutes away from our clock (a replay, or skew)."""

    reason = "stale_timestamp"


class UnknownSerial(NotificationRejected):
    """Signed under a certificate serial or public-key id we do not hold."""

    reason = "unknown_serial"


class BadSignature(NotificationRejected):
    """The signature does not match the bytes received."""

    reason = "bad_signature"


class UndecryptableResource(NotificationRejected):
    """Signed correctly, but the resource does not decrypt with our APIv3 key."""

    reason = "undecryptable"


class RecordMismatch(WeChatPayError):
    """A verified notification disagrees with our own record of the payment attempt."""

    def __init__(self, mismatches: dict[str, tuple[object, object]]) -> None:
        fields = ", ".join(
            f"{name} (expected {expected!r}, got {actual!r})"
            for name, (expected, actual) in mismatches.items()
        )
        super().__init__(f"notification does not match our record: {fields}")
        self.mismatches = mismatches
