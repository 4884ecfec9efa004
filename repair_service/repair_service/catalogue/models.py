"""The read copy of published products; repair_service never writes it from user input."""

from sqlmodel import Field, SQLModel


class CatalogueProduct(SQLModel, table=True):
    __tablename__ = "catalogue_product"

    id: int | None = Field(default=None, primary_key=True)
    page_id: int | None = Field(default=None, index=True)
    pn: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=200)
    image_url: str | None = Field(default=None, max_length=500)
    page_url: str | None = Field(default=None, max_length=500)
