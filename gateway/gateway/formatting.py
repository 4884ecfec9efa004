"""How the customer pages write money and times: one helper each, used by every page."""

from datetime import datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


def yuan(fen: int) -> str:
    """An amount in fen as the staff console writes it: ``¥1,280.50``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def local_time(value: str | datetime | None, timezone: str = DEFAULT_TIMEZONE) -> str:
    """An API timestamp (UTC) shown in the order's timezone."""
    if not value:
        return ""
    moment = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(value.replace("Z", "+00:00"))
    )
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
