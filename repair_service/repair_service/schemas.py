"""Schema conventions shared by every domain: one page wrapper and strict money."""

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field, StrictInt

T = TypeVar("T")

# Money is integer fen: a float or a numeric string is refused by the schema, not rounded.
# The largest amount anywhere (a quote, a payment): one billion yuan.
MAX_FEN = 10**11
Fen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN)]


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
