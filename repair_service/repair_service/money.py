"""How amounts read wherever repair_service writes them for people: the yuan sign, thousands
grouped, two decimals (``¥1,280.50``) in the console, its messages and its labels.

WeChat subscription messages are the one exception: their ``amount`` keyword accepts only a
currency sign and plain digits, so there the grouping is left out (``¥1280.50``).
"""


def fen_to_yuan(fen: int | None) -> str:
    """``128050`` → ``"1,280.50"`` (no currency sign; for texts that put it themselves)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def format_yuan(fen: int | None) -> str:
    """``128050`` → ``"¥1,280.50"``; empty for no amount."""
    return "" if fen is None else f"¥{fen_to_yuan(fen)}"


def wechat_amount(fen: int) -> str:
    """``128050`` → ``"¥1280.50"``: the form WeChat's ``amount`` keyword accepts."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole}.{cents:02d}"
