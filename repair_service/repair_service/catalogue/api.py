"""The product catalogue as the request form and order pages read it (no sign-in needed)."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, or_, select

from repair_service.catalogue.models import CatalogueProduct
from repair_service.deps import SessionDep

router = APIRouter(tags=["catalogue"])


class CatalogueProductPublic(BaseModel):
    pn: str
    name: str
    image_url: str | None
    page_url: str | None


@router.get("/catalogue", response_model=list[CatalogueProductPublic])
def search_catalogue(
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[CatalogueProduct]:
    """Products by part number or name (Chinese included: a plain substring match)."""
    query = select(CatalogueProduct).order_by(col(CatalogueProduct.pn)).limit(limit)
    text = q.strip()
    if text:
        pattern = f"%{text}%"
        query = query.where(
            or_(col(CatalogueProduct.pn).ilike(pattern), col(CatalogueProduct.name).ilike(pattern))
        )
    return list(session.exec(query))
