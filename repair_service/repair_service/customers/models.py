"""Customer tables: the customer, their saved addresses and saved invoice titles."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from repair_service.db import utc_column, utcnow


class Customer(SQLModel, table=True):
    """A WeChat user known to the repair service; the gateway signs tokens naming ``id``."""

    id: int | None = Field(default=None, primary_key=True)
    openid: str = Field(max_length=64, unique=True)
    unionid: str | None = Field(default=None, max_length=64, index=True)
    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=32)
    company: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class CustomerAddress(SQLModel, table=True):
    """An address a customer saved for shipping products from and back to."""

    __tablename__ = "customer_address"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contact_name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    address: str = Field(max_length=500)


class InvoiceTitle(SQLModel, table=True):
    """A company's invoice details a customer keeps for reuse."""

    __tablename__ = "invoice_title"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    title: str = Field(max_length=200)
    tax_id: str = Field(default="", max_length=18)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=32)
    bank: str = Field(default="", max_length=200)
    bank_account: str = Field(default="", max_length=64)
