"""Administration (administrators only): nodes, teams, staff accounts, addresses, sessions."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from repair_service.console.auth import CheckedStaff, ConsoleStaff, ConsoleUser
from repair_service.console.forms import problem_sentences
from repair_service.console.queries import staff_sessions
from repair_service.console.templating import language_of, render
from repair_service.db import utcnow
from repair_service.deps import SessionDep
from repair_service.errors import DomainError, Forbidden, InvalidInput, ParamValue
from repair_service.orders import addresses as address_service
from repair_service.orders.models import ReceivingAddress
from repair_service.orders.schemas import ReceivingAddressCreate
from repair_service.process import service as process_service
from repair_service.staff import service as staff_service
from repair_service.staff.models import StaffAccount, StaffRole, Team, TeamMembership
from repair_service.staff.schemas import StaffCreate, StaffUpdate, TeamCreate

router = APIRouter(prefix="/admin", include_in_schema=False)

SECTIONS = ("nodes", "teams", "staff", "addresses", "sessions")


def _admin(user: ConsoleUser) -> ConsoleUser:
    if not user.is_admin:
        raise Forbidden("Only an administrator may do this.")
    return user


def admin_page(user: ConsoleStaff) -> ConsoleUser:
    return _admin(user)


def admin_post(user: CheckedStaff) -> ConsoleUser:
    return _admin(user)


AdminPage = Annotated[ConsoleUser, Depends(admin_page)]
AdminPost = Annotated[ConsoleUser, Depends(admin_post)]


async def form_data(request: Request) -> FormData:
    return await request.form()


FormDep = Annotated[FormData, Depends(form_data)]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _ids(form: FormData, name: str) -> list[int]:
    return [int(v) for v in form.getlist(name) if isinstance(v, str) and v.isdigit()]


def _section_context(session: Session, section: str) -> dict[str, Any]:
    teams = list(session.exec(select(Team).order_by(col(Team.name))))
    members: dict[int, list[int]] = {}
    for membership in session.exec(select(TeamMembership)):
        members.setdefault(membership.staff_id, []).append(membership.team_id)
    context: dict[str, Any] = {
        "section": section,
        "sections": SECTIONS,
        "teams": teams,
        "members": members,
    }
    if section == "nodes":
        context["nodes"] = process_service.list_nodes_with_grants(session)
    elif section in ("teams", "staff"):
        context["accounts"] = list(
            session.exec(select(StaffAccount).order_by(col(StaffAccount.id)))
        )
        context["roles"] = [role.value for role in StaffRole]
    elif section == "addresses":
        context["addresses"] = list(
            session.exec(select(ReceivingAddress).order_by(col(ReceivingAddress.id)))
        )
    elif section == "sessions":
        context["sessions"] = staff_sessions(session, utcnow())
    return context


def _page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    section: str,
    *,
    error: str | None = None,
    error_params: dict[str, ParamValue] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = _section_context(session, section)
    context["error"] = error
    context["error_params"] = error_params
    context["done"] = request.query_params.get("done")
    return render(request, f"admin/{section}.html", context, user=user, status_code=status_code)


def _apply(
    request: Request, session: Session, user: ConsoleUser, section: str, change: Callable[[], Any]
) -> Response:
    """Run one administrative change; refusals re-render the section with the reason."""
    try:
        change()
    except ValidationError as error:
        session.rollback()
        message = problem_sentences(language_of(request, user), error)
        return _page(request, session, user, section, error=message, status_code=422)
    except DomainError as error:
        session.rollback()
        status = (
            403
            if isinstance(error, Forbidden)
            else 409
            if not isinstance(error, InvalidInput)
            else 422
        )
        return _page(
            request,
            session,
            user,
            section,
            error=error.template,
            error_params=error.params,
            status_code=status,
        )
    return RedirectResponse(f"/console/admin/{section}?done=1", status_code=303)


@router.get("")
def admin_home(user: AdminPage) -> Response:
    return RedirectResponse("/console/admin/nodes", status_code=303)


@router.get("/{section}")
def admin_section(section: str, request: Request, user: AdminPage, session: SessionDep) -> Response:
    if section not in SECTIONS:
        return RedirectResponse("/console/admin/nodes", status_code=303)
    return _page(request, session, user, section)


@router.post("/nodes/{code}")
def update_node(
    code: str, request: Request, user: AdminPost, session: SessionDep, form: FormDep
) -> Response:
    """Names in three languages, estimated days and granted teams of one node."""

    def change() -> None:
        days = _text(form, "estimated_days")
        if not days.isdigit() or int(days) > 365:
            raise InvalidInput("Estimated days must be a whole number from 0 to 365.")
        names = {f: _text(form, f) for f in ("name_zh_hans", "name_en", "name_pt_br")}
        if not all(names.values()):
            raise InvalidInput("Every node needs a name in each language.")
        process_service.update_node(
            session,
            actor=user.actor,
            code=code,
            estimated_days=int(days),
            team_ids=_ids(form, "team_ids"),
            **names,
        )

    return _apply(request, session, user, "nodes", change)


@router.post("/teams")
def create_team(request: Request, user: AdminPost, session: SessionDep, form: FormDep) -> Response:
    def change() -> None:
        body = TeamCreate(code=_text(form, "code"), name=_text(form, "name"))
        staff_service.create_team(session, actor=user.actor, code=body.code, name=body.name)

    return _apply(request, session, user, "teams", change)


@router.post("/staff")
def create_staff(request: Request, user: AdminPost, session: SessionDep, form: FormDep) -> Response:
    def change() -> None:
        # Validated from the form's strings, so an unknown role is a form problem, not a crash.
        body = StaffCreate.model_validate(
            {
                "username": _text(form, "username"),
                "display_name": _text(form, "display_name"),
                "password": _text(form, "password"),
                "role": _text(form, "role") or "member",
                "team_ids": _ids(form, "team_ids"),
            }
        )
        staff_service.create_staff_account(session, actor=user.actor, **body.model_dump())

    return _apply(request, session, user, "staff", change)


@router.post("/staff/{account_id}")
def update_staff(
    account_id: int, request: Request, user: AdminPost, session: SessionDep, form: FormDep
) -> Response:
    """Name, role, teams, active flag, and a new password when one is typed."""

    def change() -> None:
        body = StaffUpdate.model_validate(
            {
                "display_name": _text(form, "display_name") or None,
                "password": _text(form, "password") or None,
                "role": _text(form, "role") or None,
                "active": _text(form, "active") == "1",
                "team_ids": _ids(form, "team_ids"),
            }
        )
        staff_service.update_staff_account(
            session, account_id, actor=user.actor, **body.model_dump()
        )

    return _apply(request, session, user, "staff", change)


@router.post("/addresses")
def create_address(
    request: Request, user: AdminPost, session: SessionDep, form: FormDep
) -> Response:
    def change() -> None:
        body = ReceivingAddressCreate(
            **{f: _text(form, f) for f in ("label", "contact_name", "phone", "address")}
        )
        address_service.create_receiving_address(session, actor=user.actor, **body.model_dump())

    return _apply(request, session, user, "addresses", change)


@router.post("/addresses/{address_id}")
def update_address(
    address_id: int, request: Request, user: AdminPost, session: SessionDep, form: FormDep
) -> Response:
    def change() -> None:
        body = ReceivingAddressCreate(
            **{f: _text(form, f) for f in ("label", "contact_name", "phone", "address")}
        )
        address_service.update_receiving_address(
            session,
            actor=user.actor,
            address_id=address_id,
            active=_text(form, "active") == "1",
            **body.model_dump(),
        )

    return _apply(request, session, user, "addresses", change)


@router.post("/sessions/{session_id}/revoke")
def revoke_session(
    session_id: int, request: Request, user: AdminPost, session: SessionDep
) -> Response:
    return _apply(
        request,
        session,
        user,
        "sessions",
        lambda: staff_service.revoke_session_by_id(
            session, actor=user.actor, session_id=session_id
        ),
    )
