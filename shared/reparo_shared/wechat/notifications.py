"""Notifications to customers: template messages and subscription messages.

Field values are cut to what WeChat accepts for their type before sending (template messages
would be cut silently by WeChat, subscription messages refused), and the event id is sent as
``client_msg_id`` so a redelivered event reaches the customer once. Failures come back as
``DeliveryFailed`` with ``retryable`` set, for the caller to record on the order and, when
retryable, to try again later; nothing here blocks or retries by itself.
"""

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError
from wechatpy.exceptions import WeChatClientException

from reparo_shared.wechat.client import ReparoWeChatClient
from reparo_shared.wechat.errors import DeliveryFailed

logger = logging.getLogger(__name__)

# Longest value WeChat takes per field type (the key without its trailing digits, so "thing2"
# is a "thing"). Types not listed (time, date, amount) have fixed formats and are left alone.
DEFAULT_FIELD_LIMITS: Mapping[str, int] = {
    "thing": 20,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "phrase": 5,
    "name": 10,
    "phone_number": 17,
    "car_number": 8,
}
ELLIPSIS = "…"

# -1 system busy, 45009 daily quota, 45011 per-minute quota; a token still refused after one
# renewal is also worth another try later.
RETRYABLE_ERRCODES = frozenset({-1, 45009, 45011, 40001, 40014, 42001})
# 43004 not following, 43101 no consent left, 47003 a value missing or malformed, 40003 unknown
# openid, 40037 unknown template (a configuration error: the template id setting is wrong).
FINAL_ERRCODES = frozenset({43004, 43101, 47003, 40003, 40037})
# Errors that only an operator can fix: wrong template id, appid or secret, server IP not listed.
MISCONFIGURATION = frozenset({40037, 40013, 40125, 40164})


@dataclass(frozen=True)
class Notification:
    """One message to one customer, caused by one domain event."""

    event_id: str
    openid: str
    template_id: str
    fields: Mapping[str, str]
    url: str | None = None


@dataclass(frozen=True)
class Delivered:
    msgid: int | None


@dataclass
class NotificationSender:
    """Sends notifications through the official-account client."""

    client: ReparoWeChatClient
    field_limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_FIELD_LIMITS))

    @classmethod
    def for_client(cls, client: ReparoWeChatClient) -> "NotificationSender":
        """A sender with the default limits, overridden by ``WECHAT_FIELD_LIMITS``."""
        return cls(client, {**DEFAULT_FIELD_LIMITS, **client.settings.field_limits})

    def fit(self, fields: Mapping[str, str]) -> dict[str, str]:
        """Each value cut to its type's limit, the last kept character replaced by an ellipsis
        so the reader sees the text goes on (on the order page the link leads to)."""
        fitted = {}
        for key, value in fields.items():
            limit = self.field_limits.get(re.sub(r"\d+$", "", key))
            if limit is not None and len(value) > limit:
                value = value[: limit - 1] + ELLIPSIS
            fitted[key] = value
        return fitted

    def send_template(self, notification: Notification) -> Delivered:
        """Send a template message; WeChat delivers one per (openid, event id) within 10 min."""
        payload: dict[str, Any] = {
            "touser": notification.openid,
            "template_id": notification.template_id,
            "data": _data(self.fit(notification.fields)),
            "client_msg_id": notification.event_id,
        }
        if notification.url:
            payload["url"] = notification.url
        result = self._send(
            notification, lambda: self.client.post("message/template/send", data=payload)
        )
        return Delivered(result.get("msgid"))

    def send_subscription(self, notification: Notification) -> Delivered:
        """Send a subscription message, which spends one of the customer's consents.

        WeChat has no de-duplication here, so the caller must remember sent event ids, and must
        not resend one whose failure says ``maybe_delivered``.
        """
        payload: dict[str, Any] = {
            "touser": notification.openid,
            "template_id": notification.template_id,
            "data": _data(self.fit(notification.fields)),
        }
        if notification.url:
            payload["page"] = notification.url
        self._send(
            notification, lambda: self.client.post("message/subscribe/bizsend", data=payload)
        )
        return Delivered(None)

    def _send(self, notification: Notification, call: Callable[[], Any]) -> dict[str, Any]:
        try:
            result: dict[str, Any] = call()
        except WeChatClientException as exc:
            raise _failure(notification, exc.errcode, str(exc.errmsg), _status(exc)) from exc
        except requests.RequestException as exc:
            failure = _failure(notification, None, type(exc).__name__, None)
            failure.maybe_delivered = _may_have_arrived(exc)
            raise failure from exc
        logger.info(
            "wechat.notification.sent",
            extra={"event_id": notification.event_id, "template_id": notification.template_id},
        )
        return result


def _may_have_arrived(exc: requests.RequestException) -> bool:
    """Whether the request may have reached WeChat: only a failed connect proves it did not."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return not isinstance(reason, NewConnectionError)
    return True


def _data(fields: Mapping[str, str]) -> dict[str, dict[str, str]]:
    return {key: {"value": value} for key, value in fields.items()}


def _status(exc: WeChatClientException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def classify(errcode: int | None, http_status: int | None) -> bool:
    """Whether trying the same message again later may succeed."""
    if errcode is None:
        # Transport trouble: no answer, a timeout, or an HTTP error status from WeChat's edge.
        return http_status is None or http_status >= 500 or http_status == 429
    if errcode in FINAL_ERRCODES:
        return False
    return errcode in RETRYABLE_ERRCODES


def _failure(
    notification: Notification, errcode: int | None, message: str, http_status: int | None
) -> DeliveryFailed:
    retryable = classify(errcode, http_status)
    context = {
        "event_id": notification.event_id,
        "template_id": notification.template_id,
        "errcode": errcode,
        "http_status": http_status,
        "retryable": retryable,
    }
    if errcode in MISCONFIGURATION:
        logger.error("wechat.notification.misconfigured_template", extra=context)
    else:
        logger.warning("wechat.notification.failed", extra=context)
    return DeliveryFailed(errcode, message, retryable=retryable)
