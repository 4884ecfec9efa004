"""Which characters stored text may hold.

PostgreSQL refuses a NUL in text and a lone surrogate cannot be encoded, so either would turn a
customer's typo into a server error; other control characters and the bidirectional overrides
are invisible and can make a serial number read differently from what is stored. Line breaks and
tabs stay allowed, and so do joiners (emoji are built with them).
"""

import unicodedata

ALLOWED_CONTROLS = frozenset("\t\n\r")
# Embeddings, overrides and isolates: they reorder what is shown without being seen.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_storable(value: str) -> bool:
    """Whether ``value`` holds only characters that can be stored and shown as typed."""
    return not any(_is_forbidden(character) for character in value)


def _is_forbidden(character: str) -> bool:
    if character in ALLOWED_CONTROLS:
        return False
    if character in BIDI_CONTROLS:
        return True
    return unicodedata.category(character) in ("Cc", "Cs")
