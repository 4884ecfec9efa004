"""The one place that leans on wechatpayv3's internals, so an upgrade is checked in one file.

wechatpayv3 2.0.x hard-codes ``https://api.mch.weixin.qq.com`` (we need a configurable base URL
for the sandbox and for proxies), fetches platform certificates inside its constructor, and its
public ``callback()`` answers None both for a bad signature and for an undecryptable resource.
We therefore build its ``Core`` ourselves with the base URL in place before the first request,
and call its signature check and the AES-GCM helper separately. The names used here
(``Core.request``, ``Core._verify_signature``, ``Core._certificates``,
``Core._update_certificates``, ``Core._gate_way``) are those of wechatpayv3 2.0.4; the test
suite exercises every one of them against the sandbox.
"""

import threading
import time
from typing import Any

from cryptography.x509 import Certificate
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core
from wechatpayv3.utils import aes_decrypt

# How long after a refresh another unknown serial may trigger one: a burst of forged
# notifications must not turn into a burst of calls to WeChat.
CERTIFICATE_REFRESH_INTERVAL_SECONDS = 60.0


class GatewayCore(Core):
    """wechatpayv3's Core talking to ``base_url`` instead of the hard-coded production host."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        self._base_url = base_url.rstrip("/")
        self._refresh_lock = threading.Lock()
        self._last_refresh = 0.0
        super().__init__(**kwargs)

    def request(self, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        # Core.__init__ sets _gate_way to production and may request before returning.
        self._gate_way = self._base_url
        return super().request(*args, **kwargs)

    def knows_serial(self, serial: str) -> bool:
        """Whether ``serial`` names our platform public key or a platform certificate we hold."""
        if self._public_key_id and serial == self._public_key_id:
            return True
        return any(_same_serial(serial, cert) for cert in list(self._certificates))

    def certificate_serials(self) -> list[str]:
        return [format(cert.serial_number, "X") for cert in list(self._certificates)]

    def refresh_certificates(self) -> None:
        """Download platform certificates again, at most once per refresh interval.

        Known shortcoming: wechatpayv3 empties its certificate list before downloading, so a
        notification verified by another thread during those milliseconds is refused as an
        unknown serial; WeChat retries it. Replacing the list atomically would mean
        re-implementing the download, which is the library's job.
        """
        with self._refresh_lock:
            if time.monotonic() - self._last_refresh < CERTIFICATE_REFRESH_INTERVAL_SECONDS:
                return
            self._last_refresh = time.monotonic()
            self._update_certificates()

    def signature_valid(self, headers: dict[str, str], body: str) -> bool:
        """wechatpayv3's check of a response or notification signature over ``body``."""
        return bool(self._verify_signature(headers, body))

    def decrypt_resource(self, nonce: str, ciphertext: str, associated_data: str) -> str | None:
        """AES-256-GCM with the APIv3 key; None when the tag does not match."""
        result: str | None = aes_decrypt(
            nonce=nonce,
            ciphertext=ciphertext,
            associated_data=associated_data,
            apiv3_key=self._apiv3_key,
        )
        return result


class JsapiWeChatPay(WeChatPay):
    """wechatpayv3's client for direct-merchant JSAPI payments, built around a GatewayCore."""

    def __init__(self, core: GatewayCore, mchid: str, appid: str, notify_url: str) -> None:
        # WeChatPay.__init__ would build its own Core against the production host; these five
        # attributes are everything else it sets.
        self._type = WeChatPayType.JSAPI
        self._mchid = mchid
        self._appid = appid
        self._notify_url = notify_url
        self._core = core
        self._partner_mode = False

    @property
    def core(self) -> GatewayCore:
        return self._core


def _same_serial(serial: str, certificate: Certificate) -> bool:
    try:
        return int(serial, 16) == certificate.serial_number
    except ValueError:
        return False
