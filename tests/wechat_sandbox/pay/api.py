"""WeChat Pay APIv3 as a merchant's server meets it: signed requests in, signed answers out."""

import json
import logging
import re
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from cryptography import x509
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from reparo_shared.wechat_pay.demo_keys import RsaIdentity

from .crypto import (
    aes_gcm_encrypt,
    parse_authorization,
    random_text,
    sign,
    signed_message,
    verify,
)
from .state import CST, PayMerchant, PaySandbox, SigningKey

logger = logging.getLogger(__name__)

TIMESTAMP_WINDOW_SECONDS = 5 * 60
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")


class ApiError(Exception):
    """An APIv3 error answer: HTTP status and ``{"code", "message"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def signed_response(key: SigningKey, status: int, payload: Any | None) -> Response:
    """An answer signed the way WeChat Pay signs all of its answers."""
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    timestamp, nonce = str(int(time.time())), random_text(32)
    headers = {
        "Wechatpay-Serial": key.serial,
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": sign(
            key.private_key_pem, signed_message(timestamp, nonce, body).decode()
        ),
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }
    media_type = None if payload is None else "application/json; charset=utf-8"
    return Response(body, status_code=status, headers=headers, media_type=media_type)


def pay_api_router(sandbox: PaySandbox) -> APIRouter:
    """The ``/v3/...`` endpoints Reparo's WeChat Pay client calls."""

    class SignedErrorRoute(APIRoute):
        # A router cannot register exception handlers, and the host app should include this
        # router with one line; so each route turns ApiError into a signed error answer itself.
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except ApiError as error:
                    return api_error_answer(sandbox, request, error)

            return handle

    router = APIRouter(tags=["sandbox: WeChat Pay APIv3"], route_class=SignedErrorRoute)

    async def signed_merchant(request: Request) -> PayMerchant:
        """The merchant whose signature this request carries; 401 SIGN_ERROR otherwise."""
        body = await request.body()
        auth = parse_authorization(request.headers.get("authorization", ""))
        if auth is None:
            raise ApiError(401, "SIGN_ERROR", "Authorization 头缺失或格式错误")
        merchant = sandbox.merchants.get(auth.mchid)
        if merchant is None or auth.serial_no.upper() != merchant.cert_serial.upper():
            raise ApiError(401, "SIGN_ERROR", "商户号或证书序列号不匹配")
        if not auth.timestamp.isdigit() or (
            abs(time.time() - int(auth.timestamp)) > TIMESTAMP_WINDOW_SECONDS
        ):
            raise ApiError(401, "SIGN_ERROR", "签名时间戳超出五分钟")
        target = request.scope.get("raw_path", request.url.path.encode()).decode()
        if request.scope.get("query_string"):
            target += "?" + request.scope["query_string"].decode()
        message = signed_message(request.method, target, auth.timestamp, auth.nonce_str, body)
        if not verify(merchant.public_key_pem, message, auth.signature):
            logger.info("sandbox.pay.sign_error", extra={"mchid": auth.mchid, "path": target})
            raise ApiError(401, "SIGN_ERROR", "签名错误")
        return merchant

    signed = Depends(signed_merchant)

    def answer(request: Request, status: int, payload: Any | None) -> Response:
        key = sandbox.response_key(request.headers.get("wechatpay-serial"))
        return signed_response(key, status, payload)

    @router.post("/v3/pay/transactions/jsapi")
    async def create_jsapi(request: Request, merchant: PayMerchant = signed) -> Response:
        """JSAPI 下单: the same out_trade_no with identical parameters gets the same prepay_id."""
        data = _json_body(await request.body())
        _check_jsapi_request(data, merchant)
        order, refusal = sandbox.create_order(data)
        if refusal == "OUT_TRADE_NO_USED":
            raise ApiError(403, refusal, "商户订单号重复")
        if refusal is not None:
            raise ApiError(400, refusal, "订单已支付或已关闭")
        return answer(request, 200, {"prepay_id": order.prepay_id})

    @router.get("/v3/pay/transactions/out-trade-no/{out_trade_no}")
    async def query_order(
        request: Request, out_trade_no: str, merchant: PayMerchant = signed
    ) -> Response:
        """查询订单 by out_trade_no; ``mchid`` in the query must be the signing merchant."""
        if request.query_params.get("mchid") != merchant.mchid:
            raise ApiError(400, "PARAM_ERROR", "mchid 与签名商户不一致")
        order = sandbox.orders.get((merchant.mchid, out_trade_no))
        if order is None:
            raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
        return answer(request, 200, order.transaction())

    @router.post("/v3/pay/transactions/out-trade-no/{out_trade_no}/close")
    async def close_order(
        request: Request, out_trade_no: str, merchant: PayMerchant = signed
    ) -> Response:
        """关闭订单: 204 for an unpaid (or already closed) order; a paid one cannot close."""
        data = _json_body(await request.body())
        if data.get("mchid") != merchant.mchid:
            raise ApiError(400, "PARAM_ERROR", "mchid 与签名商户不一致")
        order = sandbox.orders.get((merchant.mchid, out_trade_no))
        if order is None:
            raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
        with sandbox.lock:
            if order.trade_state == "SUCCESS":
                raise ApiError(400, "ORDERPAID", "订单已支付")
            order.trade_state = "CLOSED"
        return answer(request, 204, None)

    @router.get("/v3/certificates")
    async def certificates(request: Request, merchant: PayMerchant = signed) -> Response:
        """平台证书: each certificate encrypted with the merchant's APIv3 key."""
        identities = [sandbox.keys.certificate, *sandbox.previous_certificates]
        entries = [_certificate_entry(identity, merchant) for identity in identities]
        return signed_response(sandbox.keys.certificate_key, 200, {"data": entries})

    return router


def api_error_answer(sandbox: PaySandbox, request: Request, error: ApiError) -> Response:
    key = sandbox.response_key(request.headers.get("wechatpay-serial"))
    return signed_response(key, error.status, {"code": error.code, "message": error.message})


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as error:
        raise ApiError(400, "PARAM_ERROR", "请求体不是 JSON") from error
    if not isinstance(data, dict):
        raise ApiError(400, "PARAM_ERROR", "请求体不是 JSON 对象")
    return data


def _check_jsapi_request(data: dict[str, Any], merchant: PayMerchant) -> None:
    """The checks WeChat Pay makes before it accepts an order."""
    if data.get("mchid") != merchant.mchid:
        raise ApiError(400, "PARAM_ERROR", "mchid 与签名商户不一致")
    if data.get("appid") != merchant.appid:
        raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid 和 mch_id 不匹配")
    if not OUT_TRADE_NO.fullmatch(str(data.get("out_trade_no", ""))):
        raise ApiError(400, "PARAM_ERROR", "out_trade_no 应为 6-32 位字母数字或 _-|*")
    if not data.get("description") or len(str(data["description"])) > 127:
        raise ApiError(400, "PARAM_ERROR", "description 必填且不超过 127 字符")
    if not str(data.get("notify_url", "")).startswith(("https://", "http://")):
        raise ApiError(400, "PARAM_ERROR", "notify_url 必须是 URL")
    amount = data.get("amount") or {}
    if not isinstance(amount.get("total"), int) or amount["total"] <= 0:
        raise ApiError(400, "PARAM_ERROR", "amount.total 必须是正整数（分）")
    if amount.get("currency", "CNY") != "CNY":
        raise ApiError(400, "PARAM_ERROR", "仅支持 CNY")
    if not (data.get("payer") or {}).get("openid"):
        raise ApiError(400, "PARAM_ERROR", "payer.openid 必填")
    if data.get("time_expire"):
        try:
            expire = datetime.fromisoformat(str(data["time_expire"]))
        except ValueError as error:
            raise ApiError(400, "PARAM_ERROR", "time_expire 格式错误") from error
        if expire.tzinfo is None:
            raise ApiError(400, "PARAM_ERROR", "time_expire 需要时区")


def _certificate_entry(identity: RsaIdentity, merchant: PayMerchant) -> dict[str, Any]:
    certificate = x509.load_pem_x509_certificate(identity.certificate_pem.encode())
    return {
        "serial_no": identity.serial,
        "effective_time": _cst(certificate.not_valid_before_utc),
        "expire_time": _cst(certificate.not_valid_after_utc),
        "encrypt_certificate": aes_gcm_encrypt(
            merchant.apiv3_key, identity.certificate_pem, "certificate"
        ),
    }


def _cst(moment: datetime) -> str:
    return moment.astimezone(CST).isoformat(timespec="seconds")
