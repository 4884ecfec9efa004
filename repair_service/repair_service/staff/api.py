"""Staff sign-in sessions, and the administrator's staff and team management."""

from fastapi import APIRouter, Request, Response, status
from sqlmodel import col, select

from repair_service.db import as_utc, saved_id
from repair_service.deps import (
    STAFF_COOKIE,
    AdminStaff,
    CurrentStaff,
    SessionDep,
    SettingsDep,
    staff_token,
)
from repair_service.staff import service
from repair_service.staff.models import StaffAccount, Team, TeamMembership
from repair_service.staff.schemas import (
    StaffCreate,
    StaffPublic,
    StaffSessionCreate,
    StaffSessionPublic,
    StaffUpdate,
    TeamCreate,
    TeamPublic,
)

router = APIRouter(prefix="/staff", tags=["staff"])


@router.post("/session", response_model=StaffSessionPublic, status_code=status.HTTP_201_CREATED)
def sign_in(
    body: StaffSessionCreate, session: SessionDep, settings: SettingsDep, response: Response
) -> StaffSessionPublic:
    """Sign in with username and password. The token works as ``Authorization: Bearer`` and is
    also set as an HttpOnly cookie for the console."""
    token, row = service.create_staff_session(
        session, username=body.username, password=body.password, hours=settings.staff_session_hours
    )
    response.set_cookie(
        STAFF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        max_age=settings.staff_session_hours * 3600,
        path="/",
    )
    return StaffSessionPublic(token=token, expires_at=as_utc(row.expires_at), staff_id=row.staff_id)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(
    request: Request, _actor: CurrentStaff, session: SessionDep, response: Response
) -> None:
    """Revoke the current session."""
    service.revoke_staff_session(session, staff_token(request))
    response.delete_cookie(STAFF_COOKIE, path="/")


def _public(account: StaffAccount, team_ids: list[int]) -> StaffPublic:
    return StaffPublic(
        id=saved_id(account),
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        active=account.active,
        team_ids=sorted(team_ids),
    )


@router.get("/me", response_model=StaffPublic)
def read_me(actor: CurrentStaff, session: SessionDep) -> StaffPublic:
    account = session.get(StaffAccount, actor.numeric_id)
    assert account is not None
    return _public(account, list(actor.team_ids))


@router.get("/accounts", response_model=list[StaffPublic])
def list_accounts(_admin: AdminStaff, session: SessionDep) -> list[StaffPublic]:
    """Every staff account with its teams (administrators only)."""
    teams: dict[int, list[int]] = {}
    for membership in session.exec(select(TeamMembership)):
        teams.setdefault(membership.staff_id, []).append(membership.team_id)
    accounts = session.exec(select(StaffAccount).order_by(col(StaffAccount.id))).all()
    return [_public(account, teams.get(saved_id(account), [])) for account in accounts]


@router.post("/accounts", response_model=StaffPublic, status_code=status.HTTP_201_CREATED)
def create_account(body: StaffCreate, admin: AdminStaff, session: SessionDep) -> StaffPublic:
    """Create a staff account (administrators only)."""
    account = service.create_staff_account(session, actor=admin, **body.model_dump())
    return _public(account, body.team_ids)


@router.patch("/accounts/{account_id}", response_model=StaffPublic)
def update_account(
    account_id: int, body: StaffUpdate, admin: AdminStaff, session: SessionDep
) -> StaffPublic:
    """Change an account's name, password, role, teams or whether it is active."""
    account = service.update_staff_account(session, account_id, actor=admin, **body.model_dump())
    return _public(account, service.team_ids_of(session, account_id))


@router.get("/teams", response_model=list[TeamPublic])
def list_teams(_actor: CurrentStaff, session: SessionDep) -> list[Team]:
    return list(session.exec(select(Team).order_by(col(Team.id))))


@router.post("/teams", response_model=TeamPublic, status_code=status.HTTP_201_CREATED)
def create_team(body: TeamCreate, admin: AdminStaff, session: SessionDep) -> Team:
    """Create a team (administrators only); grant it nodes through the node endpoints."""
    return service.create_team(session, actor=admin, code=body.code, name=body.name)
