"""Console settings, read from the environment with working local defaults."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    """Environment variables the console reads (see ``.env.example``)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    gateway_public_url: str = "http://127.0.0.1:8000"
    # Keys the console's CSRF tokens; several instances must share it. Unset, each process makes
    # its own, which is fine for one local process only.
    repair_console_secret: str | None = None
    console_cookie_secure: bool = False
    console_login_max_failures: int = 5
    console_login_window_minutes: int = 15
    console_page_size: int = 50
    # Where ``npm ci --prefix repair_service`` put htmx and chart.js; set it when the package is
    # installed elsewhere (a container image) and node_modules is not beside the source.
    console_node_modules: Path = Path(__file__).resolve().parents[2] / "node_modules"


@lru_cache
def get_console_settings() -> ConsoleSettings:
    return ConsoleSettings()
