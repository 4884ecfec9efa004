"""Schema conventions shared by every domain: one page wrapper, strict money, clean input."""

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, Field, StrictInt, field_validator
from pydantic_core import PydanticCustomError

from reparo_shared.text import is_storable

T = TypeVar("T")

# Money is integer fen: a float or a numeric string is refused by the schema, not rounded.
# The largest amount anywhere (a quote, a payment): one billion yuan.
MAX_FEN = 10**11
Fen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN)]

# A phone number as people write it: digits with spaces, dashes, brackets and a leading plus.
PHONE_PATTERN = r"^\+?[\s()\-]*(?:\d[\s()\-]*){5,}$"
Phone = Annotated[str, Field(min_length=5, max_length=32, pattern=PHONE_PATTERN)]


class InputModel(BaseModel):
    """The base of every schema that takes text from outside.

    Each text field, and each text in a list field, is refused when it holds a character that
    cannot be stored or would hide what it says (see ``reparo_shared.text``); the refusal names
    the field like any other validation error.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_unstorable_text(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and not is_storable(text) for text in texts):
            raise PydanticCustomError(
                "text_control_character",
                "Text may not contain invisible control characters",
            )
        return value


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items``, the ``total`` matching, and where this page starts.

    ``total_is_exact`` is false when a list stopped counting at its cap: ``total`` is then the
    cap, to be shown as "10,000+".
    """

    items: list[T]
    total: int
    page: int
    page_size: int
    total_is_exact: bool = True
