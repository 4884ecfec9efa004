"""API schemas of customers."""

from pydantic import BaseModel, Field, field_validator

from repair_service.billing.tax_id import is_valid_credit_code


class CustomerFindOrCreate(BaseModel):
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


class CustomerUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    company: str | None = Field(default=None, max_length=200)


class CustomerAddressCreate(BaseModel):
    contact_name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=32)
    address: str = Field(min_length=1, max_length=500)


class CustomerAddressPublic(CustomerAddressCreate):
    id: int


class InvoiceTitleCreate(BaseModel):
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
