"""Gateway settings, read from the environment (see .env.example)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class GatewaySettings(BaseSettings):
    """Everything the gateway is told from outside; defaults suit a developer's machine."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    gateway_port: int = 8000
    gateway_public_url: str = "http://127.0.0.1:8000"
    repair_url: str = "http://127.0.0.1:8001"
    cms_url: str = "http://127.0.0.1:8002"

    # Signing key for customer and service tokens; the services get the matching public key.
    customer_token_private_key: str = str(REPO_ROOT / ".local/keys/customer-token-private.pem")
    customer_token_kid: str = "demo-1"  # noqa: S105 - a key id, not a secret
    customer_token_ttl_seconds: int = 300

    # Secret for the signed session cookie. Empty means: generate a random one at start-up,
    # which signs everyone out on restart; production must set it (and share it across
    # instances).
    session_secret: str = ""
    session_max_age_seconds: int = 14 * 24 * 3600
    session_cookie_secure: bool = False

    # The local WeChat sandbox. When set, the development sign-in and the JS bridge stand-in are
    # available; never set in production.
    wechat_sandbox_url: str = ""

    # The official account's menu that ``python -m gateway.menu`` sets, as JSON in WeChat's
    # ``{"button": [...]}`` shape. Empty: repair, my repairs, and a content menu (home,
    # articles, videos, software, my favourites), all on gateway_public_url.
    wechat_menu: str = ""

    # Shown to customers paying offline: the account to transfer to (bank, name, number).
    offline_payment_account: str = ""

    # Where the gateway reads cms's media files for software downloads when cms keeps them in
    # object storage: the bucket as the gateway reaches it (http://minio:9000/reparo-cms). Empty:
    # each file's own address below cms_url, which cms answers from disk or from its bucket.
    cms_media_fetch_url: str = ""

    # Content pages rendered for anonymous visitors are kept this long (and at most this many),
    # and dropped at once when cms publishes or withdraws a page: the gateway hears that on the
    # events exchange, on a queue of its own. An empty AMQP_URL turns listening off (the time
    # limit still applies).
    content_cache_seconds: float = 30.0
    content_cache_entries: int = 500
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    events_exchange: str = "reparo.events"

    # How long a rendered public QR page is served again to others asking for it; 0 renders each.
    public_page_cache_seconds: float = 1.0

    upstream_connect_timeout: float = 3.0
    upstream_read_timeout: float = 60.0
    log_json: bool = False

    @property
    def sandbox_enabled(self) -> bool:
        return bool(self.wechat_sandbox_url)

    def private_key_pem(self) -> str:
        """The signing key, given inline as PEM or as the path of a PEM file."""
        value = self.customer_token_private_key.strip()
        if value.startswith("-----BEGIN"):
            return value
        return Path(value).read_text(encoding="utf-8")


@lru_cache
def get_settings() -> GatewaySettings:
    return GatewaySettings()
