"""The public QR endpoint: no sign-in, personal data masked here."""

from fastapi import APIRouter

from repair_service.deps import SessionDep
from repair_service.orders import schemas as s
from repair_service.orders import selectors

router = APIRouter(tags=["public"])


@router.get("/public/orders/{token}", response_model=s.PublicOrderView)
def read_public_order(token: str, session: SessionDep) -> s.PublicOrderView:
    """Progress of the order this QR token belongs to; unknown or revoked tokens are 404."""
    return selectors.public_view(session, token)
