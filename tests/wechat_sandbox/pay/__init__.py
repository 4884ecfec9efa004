"""The local WeChat sandbox's WeChat Pay APIv3: a test double, never deployed.

Real signatures both ways, AES-256-GCM notifications in platform-certificate and public-key
mode, a pay page for ``chooseWXPay``, and controls that send the faulty notifications a
merchant must refuse. The sandbox app includes it with
``app.include_router(pay_router_from_env())``.
"""

from .app import create_pay_app, pay_router, pay_router_from_env
from .notify import Variant
from .state import PayMerchant, PaySandbox, PlatformKeys, Signer

__all__ = [
    "PayMerchant",
    "PaySandbox",
    "PlatformKeys",
    "Signer",
    "Variant",
    "create_pay_app",
    "pay_router",
    "pay_router_from_env",
]
