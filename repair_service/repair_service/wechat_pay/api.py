"""WeChat Pay endpoints: start paying, WeChat's notifications, and asking for the result."""

import logging
from collections.abc import Sequence
from contextlib import contextmanager
from functools import lru_cache

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from repair_service.billing.service import load_visible_payment
from repair_service.db import session_scope
from repair_service.deps import CurrentCustomer, SessionDep
from repair_service.errors import NotFound, Unavailable
from repair_service.orders import schemas as s
from repair_service.orders.actors import Actor
from repair_service.orders.selectors import payment_public
from repair_service.wechat_pay import service
from reparo_shared.wechat_pay import (
    NotificationRejected,
    NotifyAnswer,
    RecordMismatch,
    WeChatPayClient,
    WeChatPayError,
    WeChatPaySettings,
)

logger = logging.getLogger(__name__)
router = APIRouter(tags=["wechat pay"])


@lru_cache(maxsize=1)
def _settings() -> WeChatPaySettings:
    return WeChatPaySettings()


@lru_cache(maxsize=1)
def _client() -> WeChatPayClient:
    # Built on first use: in certificate mode it fetches WeChat Pay's platform certificates,
    # which must not stop the service from starting while WeChat Pay is unreachable.
    return WeChatPayClient.from_settings(_settings())


def pay_client(request: Request) -> WeChatPayClient:
    override: WeChatPayClient | None = getattr(request.app.state, "wechat_pay", None)
    if override is not None:
        return override
    if not _settings().wechat_pay_mchid:
        raise Unavailable("WeChat Pay is not set up")
    try:
        return _client()
    except WeChatPayError as error:
        raise Unavailable("WeChat Pay cannot be reached right now") from error


def merchant(client: WeChatPayClient) -> service.MerchantRecord:
    return service.MerchantRecord(mchid=client.mchid, appid=client.appid)


def close_before_choosing_again(request: Request, actor: Actor, order_ids: Sequence[int]) -> None:
    """Close the WeChat Pay orders of the customer's unfinished payments of these orders before
    choosing how to pay again cancels those payments.

    Each order is first asked about: one already paid is applied, so the payment is confirmed
    and the new choice is refused as already paid; an unpaid one is closed, so a pay page left
    open can no longer take money. Each runs in its own transaction, committed before the choice
    (which only then locks the orders): WeChat Pay not answering must not stop the customer from
    switching, and an order it leaves open is closed later by the worker's job, which picks up
    open attempts of payments that are no longer pending.
    """
    engine = request.app.state.engine
    with contextmanager(session_scope)(engine) as session:
        numbers = service.open_attempts_of_orders(session, actor.numeric_id, order_ids)
    if not numbers:
        return
    try:
        client = pay_client(request)
    except Unavailable:
        logger.warning("wechat_pay.close_deferred", extra={"out_trade_nos": numbers})
        return
    for number in numbers:
        try:
            with contextmanager(session_scope)(engine) as session:
                service.settle_or_close(session, number, client, merchant(client))
        except WeChatPayError:
            logger.warning("wechat_pay.close_deferred", extra={"out_trade_no": number})


@router.post("/payments/{payment_id}/wechat")
def start_wechat_payment(
    payment_id: int, request: Request, actor: CurrentCustomer, session: SessionDep
) -> dict[str, str]:
    """Place the WeChat Pay order for a payment chosen with method ``wechat``.

    Returns the parameters for ``WeixinJSBridge``/``wx.chooseWXPay``. The page must then ask
    ``POST /payments/{id}/wechat/result``: the pay sheet's own "ok" proves nothing.
    """
    return service.start_attempt(
        session, actor=actor, payment_id=payment_id, client=pay_client(request)
    )


@router.post("/payments/{payment_id}/wechat/result", response_model=s.PaymentPublic)
def wechat_payment_result(
    payment_id: int, request: Request, actor: CurrentCustomer, session: SessionDep
) -> s.PaymentPublic:
    """Ask WeChat Pay about the payment's open attempts and apply a success; return the payment."""
    payment = load_visible_payment(session, actor, payment_id)
    client = pay_client(request)
    for attempt in service.open_attempts(session, payment_id):
        try:
            transaction = client.query_payment(attempt.out_trade_no)
        except WeChatPayError:
            logger.warning("wechat_pay.query_failed", extra={"payment_id": payment_id})
            continue
        service.apply_paid(session, transaction, merchant(client))
    session.refresh(payment)
    return payment_public(session, payment)


@router.post("/payments/wechat/notify", include_in_schema=False)
async def wechat_notify(request: Request) -> Response:
    """WeChat Pay's payment notification: verified over the raw bytes, applied once."""
    raw_body = await request.body()
    client = pay_client(request)
    try:
        notification = await run_in_threadpool(
            client.verify_notification, dict(request.headers), raw_body
        )
    except NotificationRejected as rejection:
        logger.warning("wechat_pay.notify_rejected", extra={"reason": rejection.reason})
        return _answer(NotifyAnswer.for_rejection(rejection))

    def apply() -> NotifyAnswer:
        try:
            with contextmanager(session_scope)(request.app.state.engine) as session:
                service.apply_paid(session, notification, merchant(client))
        except (RecordMismatch, NotFound) as mismatch:
            logger.error("wechat_pay.notify_mismatch", extra={"error": str(mismatch)})
            return NotifyAnswer.failure("notification does not match our record", 400)
        return NotifyAnswer.success()

    return _answer(await run_in_threadpool(apply))


def _answer(answer: NotifyAnswer) -> Response:
    return Response(answer.body, status_code=answer.status_code, media_type=answer.media_type)
