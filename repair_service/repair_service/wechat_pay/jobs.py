"""Scheduled WeChat Pay housekeeping, run once per slot by the worker's scheduler."""

import logging
from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy import Engine

from repair_service.db import session_scope, utcnow
from repair_service.wechat_pay import service
from reparo_shared.wechat_pay import WeChatPayClient, WeChatPayError, WeChatPaySettings

logger = logging.getLogger(__name__)


def close_expired_attempts(
    engine: Engine, client_factory: Callable[[], WeChatPayClient] | None = None
) -> Callable[[], None]:
    """A job that first asks WeChat Pay about each open attempt nobody should pay any more
    (expired, or of a payment no longer pending: a late payment is still applied, or flagged for
    staff), then closes the unpaid ones there and here."""

    def run() -> None:
        settings = WeChatPaySettings()
        if client_factory is None and not settings.wechat_pay_mchid:
            return
        client = (client_factory or (lambda: WeChatPayClient.from_settings(settings)))()
        merchant = service.MerchantRecord(mchid=client.mchid, appid=client.appid)
        with contextmanager(session_scope)(engine) as session:
            numbers = [a.out_trade_no for a in service.attempts_to_close(session, utcnow())]
        for number in numbers:
            # One transaction per attempt: one that WeChat Pay does not answer for is left open
            # for the next run without holding back the others.
            try:
                with contextmanager(session_scope)(engine) as session:
                    service.settle_or_close(session, number, client, merchant)
            except WeChatPayError:
                logger.warning("wechat_pay.close_failed", extra={"out_trade_no": number})

    return run
