"""WeChat Pay settings, read from the environment (see .env.example)."""

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def pem_or_path(value: str) -> str:
    """A PEM given inline, or the text of the PEM file at that path."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text
    return Path(text).read_text(encoding="utf-8")


class WeChatPaySettings(BaseSettings):
    """Merchant identity and keys for WeChat Pay APIv3.

    Two ways to trust WeChat Pay's signatures: platform certificates (downloaded from
    ``/v3/certificates`` at start, decrypted with the APIv3 key), or the platform public key and
    its ``PUB_KEY_ID_...`` id from the merchant platform. With the public key set, certificates
    are still fetched on first sight of a certificate serial, which covers WeChat's switch from
    one to the other.
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    wechat_pay_base: str = "https://api.mch.weixin.qq.com"
    wechat_pay_mchid: str = ""
    wechat_pay_appid: str = Field(
        default="", validation_alias=AliasChoices("WECHAT_PAY_APPID", "WECHAT_APPID")
    )
    # The merchant's API private key (PEM or path) and the serial of its API certificate.
    wechat_pay_private_key: str = ""
    wechat_pay_cert_serial: str = ""
    wechat_pay_apiv3_key: str = ""
    # Platform public-key mode; empty means platform-certificate mode.
    wechat_pay_public_key: str = ""
    wechat_pay_public_key_id: str = ""
    wechat_pay_notify_url: str = ""
    wechat_pay_timeout_seconds: float = 10.0

    @property
    def configured(self) -> bool:
        """Whether enough is set to talk to WeChat Pay at all."""
        return bool(
            self.wechat_pay_mchid
            and self.wechat_pay_private_key
            and self.wechat_pay_cert_serial
            and self.wechat_pay_apiv3_key
        )

    def private_key_pem(self) -> str:
        return pem_or_path(self.wechat_pay_private_key)

    def public_key_pem(self) -> str | None:
        if not self.wechat_pay_public_key:
            return None
        return pem_or_path(self.wechat_pay_public_key)
