"""Settings of the repair service, read from the environment with working local defaults."""

import json
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from repair_service.notifications.config import MessageConfig, Notice, NoticeChannels

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Environment variables of repair_service (see ``.env.example``)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    reparo_data_dir: Path = Field(default=REPO_ROOT / ".local")
    repair_database_url: str | None = None
    repair_port: int = 8001
    customer_token_public_keys: str | None = None
    reparo_timezone: str = "Asia/Shanghai"
    log_json: bool = False
    staff_session_hours: int = 12
    # Per notice, the WeChat template and/or subscription template that carries it (JSON; see
    # repair_service.notifications.config). Notices not named keep the sandbox's demo templates.
    wechat_messages: Annotated[dict[Notice, NoticeChannels], NoDecode] = Field(default_factory=dict)

    @property
    def database_url(self) -> str:
        """The configured URL, or an SQLite file under the data folder for local development."""
        if self.repair_database_url:
            return self.repair_database_url
        self.reparo_data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.reparo_data_dir / 'repair.sqlite3'}"

    @field_validator("wechat_messages", mode="before")
    @classmethod
    def _messages_from_json(cls, value: object) -> object:
        # Empty means "the defaults", as with every other setting left blank.
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @model_validator(mode="after")
    def _messages_fit_their_notices(self) -> "Settings":
        self.message_config  # noqa: B018 - refuses a template naming a value its notice lacks
        return self

    @cached_property
    def message_config(self) -> MessageConfig:
        return MessageConfig.with_overrides(self.wechat_messages)

    @property
    def public_keys_source(self) -> str:
        """JSON text or a file path; defaults to the demo keys ``make run`` writes."""
        if self.customer_token_public_keys:
            return self.customer_token_public_keys
        return str(self.reparo_data_dir / "keys" / "customer-token-public-keys.json")


@lru_cache
def get_settings() -> Settings:
    return Settings()
