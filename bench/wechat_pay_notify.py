"""WeChat Pay notification handling: p95 of verify + decrypt (target: under 100 ms).

Starts the sandbox's pay side on loopback (the certificate-mode client downloads its platform
certificate from it), builds signed, AES-256-GCM-encrypted notifications the way the sandbox
sends them, then times:
1. ``WeChatPayClient.verify_notification`` alone, in platform-certificate and public-key mode;
2. the whole answer of a notify endpoint over HTTP (read raw body, verify, decrypt, check the
   record, answer 204), measured from the sender's side.
"""

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from reparo_shared.testing import serve_in_thread
from reparo_shared.wechat_pay import NotifyAnswer, WeChatPayClient, check_against_record
from reparo_shared.wechat_pay.demo_keys import generate_apiv3_key, generate_rsa_identity

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from wechat_sandbox.pay import PayMerchant, PaySandbox, Signer, Variant, create_pay_app
from wechat_sandbox.pay.notify import build

MCHID, APPID, AMOUNT = "1900000109", "wxbenchmark000001", 12_800
SAMPLES = 500


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(label: str, seconds: list[float]) -> None:
    ms = [value * 1000 for value in seconds]
    print(
        f"{label:<44} n={len(ms)}  p50 {statistics.median(ms):6.2f} ms  "
        f"p95 {percentile(ms, 0.95):6.2f} ms  max {max(ms):6.2f} ms"
    )


def notify_app(client: WeChatPayClient) -> FastAPI:
    app = FastAPI()

    @app.post("/notify")
    async def notify(request: Request) -> Response:
        body = await request.body()

        def handle() -> NotifyAnswer:
            notification = client.verify_notification(dict(request.headers), body)
            check_against_record(notification, MCHID, APPID, AMOUNT, notification.out_trade_no)
            return NotifyAnswer.success()

        answer = await run_in_threadpool(handle)
        return Response(answer.body, answer.status_code, media_type=answer.media_type)

    return app


def main() -> None:
    api, apiv3_key = generate_rsa_identity("bench merchant"), generate_apiv3_key()
    sandbox = PaySandbox()
    sandbox.add_merchant(PayMerchant.from_certificate(MCHID, APPID, api.certificate_pem, apiv3_key))

    with serve_in_thread(create_pay_app(sandbox)) as sandbox_url:
        common = {
            "base_url": sandbox_url,
            "mchid": MCHID,
            "appid": APPID,
            "private_key_pem": api.private_key_pem,
            "cert_serial": api.serial,
            "apiv3_key": apiv3_key,
            "notify_url": "http://127.0.0.1:9/unused",
        }
        certificate_client = WeChatPayClient(**common)  # type: ignore[arg-type]
        public_key_client = WeChatPayClient(
            **common,  # type: ignore[arg-type]
            public_key_pem=sandbox.keys.public_key.public_key_pem,
            public_key_id=sandbox.keys.public_key.serial,
        )
        payment = certificate_client.create_jsapi_payment(
            "RPBENCH000001", "bench", AMOUNT, "openid", datetime.now(UTC) + timedelta(hours=1)
        )
        order = sandbox.by_prepay_id[payment.prepay_id]
        sandbox.mark_paid(order)

        for label, client, signer in (
            ("verify+decrypt, platform-certificate mode", certificate_client, Signer.CERTIFICATE),
            ("verify+decrypt, public-key mode", public_key_client, Signer.PUBLIC_KEY),
        ):
            notifications = [build(sandbox, order, Variant.NORMAL, signer) for _ in range(SAMPLES)]
            timings = []
            for headers, body in notifications:
                started = time.perf_counter()
                client.verify_notification(headers, body)
                timings.append(time.perf_counter() - started)
            report(label, timings)

        notifications = [build(sandbox, order, Variant.NORMAL) for _ in range(SAMPLES)]
        with (
            serve_in_thread(notify_app(certificate_client)) as receiver_url,
            httpx.Client() as http,
        ):
            timings = []
            for headers, body in notifications:
                started = time.perf_counter()
                response = http.post(f"{receiver_url}/notify", content=body, headers=headers)
                timings.append(time.perf_counter() - started)
                assert response.status_code == 204, response.text
            report("notify endpoint over HTTP (sender's view)", timings)
    print("target: p95 of verify+decrypt under 100 ms")


if __name__ == "__main__":
    main()
