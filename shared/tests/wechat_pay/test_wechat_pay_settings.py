"""The client built from environment variables, as repair_service builds it."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reparo_shared.testing import serve_in_thread
from reparo_shared.wechat_pay import TradeState, WeChatPayClient, WeChatPaySettings
from reparo_shared.wechat_pay.demo_keys import write_demo_merchant_keys
from wechat_sandbox.pay import PayMerchant, PaySandbox, create_pay_app

MCHID, APPID = "1900000109", "wx_from_official_account"


def test_client_from_environment_defaults_the_pay_appid_to_the_official_accounts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    demo = write_demo_merchant_keys(tmp_path)
    sandbox = PaySandbox()
    sandbox.add_merchant(
        PayMerchant.from_certificate(
            MCHID,
            APPID,
            Path(demo["SANDBOX_PAY_MERCHANT_CERT"]).read_text(),
            demo["WECHAT_PAY_APIV3_KEY"],
        )
    )
    with serve_in_thread(create_pay_app(sandbox)) as sandbox_url:
        environment = {
            "WECHAT_PAY_BASE": sandbox_url,
            "WECHAT_PAY_MCHID": MCHID,
            "WECHAT_APPID": APPID,
            "WECHAT_PAY_PRIVATE_KEY": demo["WECHAT_PAY_PRIVATE_KEY"],
            "WECHAT_PAY_CERT_SERIAL": demo["WECHAT_PAY_CERT_SERIAL"],
            "WECHAT_PAY_APIV3_KEY": demo["WECHAT_PAY_APIV3_KEY"],
            "WECHAT_PAY_NOTIFY_URL": "http://127.0.0.1:8000/api/repair/payments/wechat/notify",
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("WECHAT_PAY_APPID", raising=False)
        settings = WeChatPaySettings()

        client = WeChatPayClient.from_settings(settings)
        client.create_jsapi_payment(
            "RPSETTINGS0001", "Repair", 100, "openid", datetime.now(UTC) + timedelta(hours=1)
        )

        assert settings.configured
        assert settings.wechat_pay_appid == APPID
        assert client.query_payment("RPSETTINGS0001").trade_state is TradeState.NOTPAY


def test_demo_merchant_keys_are_made_once_and_kept(tmp_path: Path) -> None:
    first = write_demo_merchant_keys(tmp_path)
    second = write_demo_merchant_keys(tmp_path)

    assert first == second
    assert len(first["WECHAT_PAY_APIV3_KEY"]) == 32
    assert Path(first["WECHAT_PAY_PRIVATE_KEY"]).stat().st_mode & 0o077 == 0


def test_settings_without_merchant_keys_are_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WECHAT_PAY_MCHID", raising=False)

    assert not WeChatPaySettings().configured
