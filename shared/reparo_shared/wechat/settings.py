"""Where WeChat is and who we are to it; every host is a base URL so the sandbox can stand in."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WeChatSettings(BaseSettings):
    """Official-account settings read from ``WECHAT_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="WECHAT_", extra="ignore")

    api_base: str = "https://api.weixin.qq.com"
    open_base: str = "https://open.weixin.qq.com"
    jssdk_url: str = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
    appid: str = ""
    secret: str = Field(default="", repr=False)
    timeout_seconds: float = 10.0
    # Tokens and tickets are renewed this long before WeChat says they expire. Five minutes
    # matches the window in which stable_token starts handing out the next token.
    token_margin_seconds: int = 300
    # Longest value per message field type, overriding the defaults (JSON, e.g. {"thing": 20}).
    field_limits: dict[str, int] = Field(default_factory=dict)

    @property
    def api_root(self) -> str:
        return self.api_base.rstrip("/")

    @property
    def open_root(self) -> str:
        return self.open_base.rstrip("/")
