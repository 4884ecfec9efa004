"""API schemas of customers."""

from pydantic import BaseModel, Field, field_validator

from repair_service.billing.tax_id import is_valid_credit_code
from repair_service.schemas import InputModel, Phone


class CustomerFindOrCreate(InputModel):
    openid: str = Field(min_length=1, max_length=64)
    unionid: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=100)


class CustomerRef(BaseModel):
    customer_id: int
    created: bool


class CustomerPublic(BaseModel):
    id: int
    name: str
    phone: str
    company: str


class CustomerUpdate(InputModel):
    name: str | None = Field(default=None, max_length=100)
    phone: Phone | None = None
    company: str | None = Field(default=None, max_length=200)


class CustomerAddressCreate(InputModel):
    contact_name: str = Field(min_length=1, max_length=100)
    phone: Phone
    address: str = Field(min_length=1, max_length=500)


class CustomerAddressPublic(CustomerAddressCreate):
    id: int


class InvoiceTitleCreate(InputModel):
    title: str = Field(min_length=1, max_length=200)
    tax_id: str = Field(default="", max_length=18)
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=32)
    bank: str = Field(default="", max_length=200)
    bank_account: str = Field(default="", max_length=64)

    @field_validator("tax_id")
    @classmethod
    def _valid_credit_code(cls, value: str) -> str:
        value = value.strip().upper()
        if value and not is_valid_credit_code(value):
            raise ValueError("not a valid unified social credit code")
        return value


class InvoiceTitlePublic(InvoiceTitleCreate):
    id: int
