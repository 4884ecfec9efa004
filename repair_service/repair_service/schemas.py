"""Schema conventions shared by every domain: one page wrapper and strict money."""

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field, StrictInt

T = TypeVar("T")

# Money is integer fen: a float or a numeric string is refused by the schema, not rounded.
Fen = Annotated[StrictInt, Field(ge=0, le=10**11)]


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items``, the ``total`` matching, and where this page starts."""

    items: list[T]
    total: int
    page: int
    page_size: int
