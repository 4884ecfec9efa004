"""Assembling the sandbox's WeChat Pay: one router for the sandbox app, or a small app alone."""

import os
from pathlib import Path

from fastapi import APIRouter, FastAPI

from reparo_shared.wechat_pay.settings import pem_or_path

from .api import pay_api_router
from .control import pay_control_router
from .state import PayMerchant, PaySandbox, PlatformKeys, Signer


def pay_router(sandbox: PaySandbox) -> APIRouter:
    """Every WeChat Pay route of the sandbox, bound to ``sandbox``'s keys and orders."""
    router = APIRouter()
    router.include_router(pay_api_router(sandbox))
    router.include_router(pay_control_router(sandbox))
    return router


def sandbox_from_env() -> PaySandbox:
    """The sandbox configured like ``make run`` configures the services.

    ``SANDBOX_PAY_PLATFORM_DIR`` keeps the platform keys across restarts (generated on first
    start); ``SANDBOX_PAY_SIGNING`` is certificate, public_key or switch. The demo merchant is
    registered when ``WECHAT_PAY_MCHID``, ``WECHAT_PAY_APIV3_KEY`` and
    ``SANDBOX_PAY_MERCHANT_CERT`` (PEM or path) are set; tests can add more over HTTP.
    """
    folder = os.environ.get("SANDBOX_PAY_PLATFORM_DIR")
    sandbox = PaySandbox(
        PlatformKeys.load_or_generate(Path(folder) if folder else None),
        Signer(os.environ.get("SANDBOX_PAY_SIGNING", Signer.CERTIFICATE.value)),
    )
    mchid = os.environ.get("WECHAT_PAY_MCHID")
    apiv3_key = os.environ.get("WECHAT_PAY_APIV3_KEY")
    certificate = os.environ.get("SANDBOX_PAY_MERCHANT_CERT")
    appid = os.environ.get("WECHAT_PAY_APPID") or os.environ.get("WECHAT_APPID", "")
    if mchid and apiv3_key and certificate:
        sandbox.add_merchant(
            PayMerchant.from_certificate(mchid, appid, pem_or_path(certificate), apiv3_key)
        )
    return sandbox


def pay_router_from_env() -> APIRouter:
    """What the sandbox app includes: ``app.include_router(pay_router_from_env())``."""
    return pay_router(sandbox_from_env())


def create_pay_app(sandbox: PaySandbox | None = None) -> FastAPI:
    """The pay side alone, for its own tests and benchmarks."""
    app = FastAPI(title="WeChat sandbox: Pay")
    app.include_router(pay_router(sandbox or sandbox_from_env()))
    return app
