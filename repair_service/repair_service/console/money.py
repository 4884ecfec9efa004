"""Money as the console types and shows it: yuan in the form, integer fen everywhere else."""

import re
from decimal import Decimal

from repair_service.errors import InvalidInput
from repair_service.schemas import MAX_FEN

_YUAN = re.compile(r"^\d+(\.\d{1,2})?$")


def yuan_to_fen(text: str) -> int:
    """``"120.5"`` → ``12050``. Exact (no float on the way); refuses negatives, more than two
    decimals, amounts above the maximum (saying it) and anything that is not a plain number."""
    cleaned = text.strip()
    if cleaned.startswith("-"):
        raise InvalidInput("The amount cannot be negative.")
    if re.fullmatch(r"\d+\.\d{3,}", cleaned):
        raise InvalidInput("The amount has at most two decimals (fen).")
    if not _YUAN.fullmatch(cleaned):
        raise InvalidInput("Enter the amount in yuan, for example 120 or 120.50.")
    # A very long run of digits is over the maximum whatever it says; no need to convert it.
    fen = int(Decimal(cleaned) * 100) if len(cleaned) <= 20 else MAX_FEN + 1
    if fen > MAX_FEN:
        raise InvalidInput("The amount can be at most ¥{maximum}.", maximum=fen_to_yuan(MAX_FEN))
    return fen


def fen_to_yuan(fen: int | None) -> str:
    """``12050`` → ``"120.50"`` (no currency sign; templates add it)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
