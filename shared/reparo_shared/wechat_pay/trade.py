"""Values WeChat Pay's trade API uses: out_trade_no, expiry times, trade states."""

import re
import secrets
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")

# WeChat Pay accepts 6 to 32 characters of digits, letters, "_", "-", "|" and "*".
OUT_TRADE_NO_PATTERN = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")


class TradeState(StrEnum):
    """``trade_state`` as WeChat Pay reports it."""

    SUCCESS = "SUCCESS"
    REFUND = "REFUND"
    NOTPAY = "NOTPAY"
    CLOSED = "CLOSED"
    REVOKED = "REVOKED"
    USERPAYING = "USERPAYING"
    PAYERROR = "PAYERROR"


def new_out_trade_no(prefix: str = "RP") -> str:
    """A fresh out_trade_no for one payment attempt: prefix, UTC time to the second, 48 random bits.

    Every attempt needs its own number, because WeChat Pay refuses a number reused with
    different parameters (another amount after a re-quote, a new expiry time).
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    value = f"{prefix}{stamp}{secrets.token_hex(6)}"
    validate_out_trade_no(value)
    return value


def validate_out_trade_no(value: str) -> str:
    """Return ``value`` if WeChat Pay would accept it as out_trade_no; raise ValueError if not."""
    if not OUT_TRADE_NO_PATTERN.fullmatch(value):
        raise ValueError("out_trade_no must be 6-32 characters of 0-9 A-Z a-z _ - | *")
    return value


def format_time_expire(moment: datetime) -> str:
    """WeChat Pay's RFC 3339 form in China Standard Time, e.g. ``2026-12-03T21:00:00+08:00``."""
    if moment.tzinfo is None:
        raise ValueError("time_expire must be timezone-aware")
    return moment.astimezone(CHINA_STANDARD_TIME).isoformat(timespec="seconds")


def parse_wechat_time(value: str) -> datetime:
    """WeChat Pay's RFC 3339 time (``+08:00``) as an aware datetime in UTC."""
    return datetime.fromisoformat(value).astimezone(UTC)
