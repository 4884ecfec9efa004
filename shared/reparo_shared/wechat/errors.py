"""Domain errors raised by the WeChat clients, so callers never handle wechatpy's own types."""


class WeChatError(Exception):
    """WeChat refused a call or could not be reached; ``errcode`` is None for transport errors."""

    def __init__(self, errcode: int | None, message: str) -> None:
        super().__init__(f"{errcode}: {message}")
        self.errcode = errcode
        self.message = message


class OAuthCodeRejected(WeChatError):
    """The authorisation code is unknown, expired (40029) or already used (40163).

    The gateway answers by starting the authorisation again rather than showing an error.
    """


class OAuthScopeTooNarrow(WeChatError):
    """The profile was asked for with a ``snsapi_base`` grant (48001); ask for snsapi_userinfo."""


class DeliveryFailed(WeChatError):
    """A notification was not delivered, as far as we know.

    ``retryable`` says whether trying later may succeed. ``maybe_delivered`` is set when the
    request may have reached WeChat but no answer came back (a read time-out, a dropped
    connection): WeChat may have delivered it anyway.
    """

    def __init__(
        self, errcode: int | None, message: str, *, retryable: bool, maybe_delivered: bool = False
    ) -> None:
        super().__init__(errcode, message)
        self.retryable = retryable
        self.maybe_delivered = maybe_delivered
