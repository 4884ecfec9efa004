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
    """A job that first asks WeChat Pay about each expired open attempt (a late payment is still
    applied), then closes the unpaid ones there and here."""

    def run() -> None:
        settings = WeChatPaySettings()
        if client_factory is None and not settings.wechat_pay_mchid:
            return
        client = (client_factory or (lambda: WeChatPayClient.from_settings(settings)))()
        merchant = service.MerchantRecord(mchid=client.mchid, appid=client.appid)
        with contextmanager(session_scope)(engine) as session:
            for attempt in service.expired_open_attempts(session, utcnow()):
                try:
                    service.apply_paid(
                        session, client.query_payment(attempt.out_trade_no), merchant
                    )
                    if attempt.status == service.AttemptStatus.OPEN:
                        client.close_payment(attempt.out_trade_no)
                        service.close_attempt(session, attempt)
                except WeChatPayError:
                    logger.warning(
                        "wechat_pay.close_failed", extra={"out_trade_no": attempt.out_trade_no}
                    )

    return run
