"""WeChat Pay tests: the sandbox's pay side and a merchant's notify receiver, over real HTTP.

The sandbox plays WeChat Pay (its own platform keys, our merchant registered with its API
certificate and APIv3 key); the receiver plays repair_service's notify URL and does what it
must: verify the raw bytes, check against its record, answer as WeChat expects.
"""

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from reparo_shared.testing import serve_in_thread
from reparo_shared.wechat_pay import (
    NotificationRejected,
    NotifyAnswer,
    PaymentNotification,
    RecordMismatch,
    WeChatPayClient,
    check_against_record,
)
from reparo_shared.wechat_pay.demo_keys import (
    RsaIdentity,
    generate_apiv3_key,
    generate_rsa_identity,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))

from wechat_sandbox.pay import PayMerchant, PaySandbox, Signer, create_pay_app

MCHID = "1900000109"
APPID = "wxd0c0ffee00000001"


@dataclass
class MerchantKeys:
    api: RsaIdentity
    apiv3_key: str


@dataclass(frozen=True)
class Record:
    """What our payment-attempt row says about an out_trade_no."""

    amount_fen: int
    mchid: str = MCHID
    appid: str = APPID


@dataclass
class Receiver:
    """Our notify URL: which client verifies, what our records say, and what happened."""

    url: str = ""
    client: WeChatPayClient | None = None
    records: dict[str, Record] = field(default_factory=dict)
    accepted: list[PaymentNotification] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.client, self.records, self.accepted, self.refused = None, {}, [], []

    def handle(self, headers: dict[str, str], body: bytes) -> NotifyAnswer:
        assert self.client is not None, "a test must choose the verifying client"
        try:
            notification = self.client.verify_notification(headers, body)
            record = self.records.get(notification.out_trade_no)
            if record is None:
                self.refused.append("unknown_attempt")
                return NotifyAnswer.failure("unknown out_trade_no", status_code=400)
            check_against_record(
                notification,
                expected_mchid=record.mchid,
                expected_appid=record.appid,
                expected_amount_fen=record.amount_fen,
                expected_out_trade_no=notification.out_trade_no,
            )
        except NotificationRejected as error:
            self.refused.append(error.reason)
            return NotifyAnswer.for_rejection(error)
        except RecordMismatch as error:
            self.refused.append("record_mismatch:" + ",".join(error.mismatches))
            return NotifyAnswer.failure("does not match our record", status_code=400)
        self.accepted.append(notification)
        return NotifyAnswer.success()


def receiver_app(receiver: Receiver) -> FastAPI:
    app = FastAPI()

    @app.post("/wechat-pay/notify")
    async def notify(request: Request) -> Response:
        body = await request.body()
        answer = await run_in_threadpool(receiver.handle, dict(request.headers), body)
        return Response(answer.body, answer.status_code, media_type=answer.media_type)

    return app


@pytest.fixture(scope="session")
def merchant_keys() -> MerchantKeys:
    return MerchantKeys(generate_rsa_identity("test merchant"), generate_apiv3_key())


@pytest.fixture(scope="session")
def sandbox(merchant_keys: MerchantKeys) -> PaySandbox:
    sandbox = PaySandbox()
    sandbox.add_merchant(
        PayMerchant.from_certificate(
            MCHID, APPID, merchant_keys.api.certificate_pem, merchant_keys.apiv3_key
        )
    )
    return sandbox


@pytest.fixture(scope="session")
def sandbox_url(sandbox: PaySandbox) -> Iterator[str]:
    with serve_in_thread(create_pay_app(sandbox)) as url:
        yield url


@pytest.fixture(scope="session")
def _receiver_server() -> Iterator[Receiver]:
    receiver = Receiver()
    with serve_in_thread(receiver_app(receiver)) as url:
        receiver.url = f"{url}/wechat-pay/notify"
        yield receiver


@pytest.fixture
def receiver(_receiver_server: Receiver, sandbox_url: str) -> Iterator[Receiver]:
    _receiver_server.reset()
    httpx.put(f"{sandbox_url}/sandbox/pay/control/signing", json={"mode": "certificate"})
    yield _receiver_server
    _receiver_server.reset()


def make_client(
    sandbox_url: str,
    merchant_keys: MerchantKeys,
    notify_url: str,
    *,
    public_key: dict[str, str] | None = None,
    private_key_pem: str | None = None,
) -> WeChatPayClient:
    return WeChatPayClient(
        base_url=sandbox_url,
        mchid=MCHID,
        appid=APPID,
        private_key_pem=private_key_pem or merchant_keys.api.private_key_pem,
        cert_serial=merchant_keys.api.serial,
        apiv3_key=merchant_keys.apiv3_key,
        notify_url=notify_url,
        public_key_pem=public_key["public_key_pem"] if public_key else None,
        public_key_id=public_key["public_key_id"] if public_key else None,
    )


@pytest.fixture
def certificate_client(
    sandbox_url: str, merchant_keys: MerchantKeys, receiver: Receiver
) -> WeChatPayClient:
    """Platform-certificate mode: certificates downloaded from the sandbox at construction."""
    return make_client(sandbox_url, merchant_keys, receiver.url)


@pytest.fixture
def platform_keys(sandbox_url: str) -> dict[str, Any]:
    return dict(httpx.get(f"{sandbox_url}/sandbox/pay/control/platform-keys").json())


@pytest.fixture
def public_key_client(
    sandbox_url: str,
    merchant_keys: MerchantKeys,
    receiver: Receiver,
    platform_keys: dict[str, str],
) -> WeChatPayClient:
    """Platform public-key mode, as configured from the merchant platform's download."""
    return make_client(sandbox_url, merchant_keys, receiver.url, public_key=platform_keys)


def set_signing(sandbox_url: str, mode: Signer) -> None:
    response = httpx.put(f"{sandbox_url}/sandbox/pay/control/signing", json={"mode": mode.value})
    response.raise_for_status()
