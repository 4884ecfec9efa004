"""The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters, the last a
check character computed from the first 17."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V or Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31


def check_character(first_17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first_17, WEIGHTS, strict=True)
    )
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """True when ``code`` has 18 allowed characters and a correct check character."""
    code = code.strip().upper()
    if len(code) != 18 or any(char not in ALPHABET for char in code):
        return False
    return check_character(code[:17]) == code[17]
