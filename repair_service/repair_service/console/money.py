"""Money as the console types it: yuan in the form, integer fen everywhere else (shown through
``repair_service.money``, like every amount repair_service writes)."""

import re
from decimal import Decimal

from repair_service.errors import InvalidInput
from repair_service.money import fen_to_yuan
from repair_service.schemas import MAX_FEN

__all__ = ["fen_to_yuan", "yuan_to_fen"]

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
