"""Staff sign-in, sessions, accounts and teams."""

import hashlib
import logging
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, delete, select

from repair_service.audit.service import write_audit
from repair_service.db import as_utc, saved_id, utcnow
from repair_service.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from repair_service.orders.actors import Actor
from repair_service.staff.models import (
    StaffAccount,
    StaffRole,
    StaffSession,
    Team,
    TeamMembership,
)

logger = logging.getLogger(__name__)

_hasher = PasswordHasher()
# Verifying against a real hash when the username is unknown keeps the response time of a wrong
# username and a wrong password alike, so sign-in does not reveal which usernames exist.
# Team names show in lists and on every node's grants: a few words.
TEAM_NAME_MAX = 50
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_staff_session(
    session: Session, *, username: str, password: str, hours: int
) -> tuple[str, StaffSession]:
    """Check the password and open a session; returns the token (shown once) and its row."""
    account = session.exec(select(StaffAccount).where(StaffAccount.username == username)).first()
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError) as error:
        logger.info("staff.sign_in.refused", extra={"username": username})
        raise NotAuthenticated("Wrong username or password") from error
    if account is None or not account.active:
        raise NotAuthenticated("Wrong username or password")

    token = secrets.token_urlsafe(32)
    row = StaffSession(
        staff_id=saved_id(account),
        token_hash=_token_hash(token),
        expires_at=utcnow() + timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    logger.info("staff.sign_in", extra={"staff_id": account.id})
    return token, row


def revoke_staff_session(session: Session, token: str) -> None:
    """Revoke the session a token opened; unknown tokens are ignored."""
    row = session.exec(select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    found = row.first()
    if found is not None and found.revoked_at is None:
        found.revoked_at = utcnow()
        session.add(found)
        session.flush()


def staff_actor_for_token(session: Session, token: str) -> tuple[Actor, StaffAccount]:
    """The staff actor a live session token belongs to, or NotAuthenticated."""
    found = session.exec(
        select(StaffSession, StaffAccount)
        .join(StaffAccount, col(StaffAccount.id) == StaffSession.staff_id)
        .where(StaffSession.token_hash == _token_hash(token))
    ).first()
    if found is None:
        raise NotAuthenticated("Unknown staff session")
    staff_session, account = found
    if staff_session.revoked_at is not None or as_utc(staff_session.expires_at) <= utcnow():
        raise NotAuthenticated("The staff session has expired or was revoked; sign in again")
    if not account.active:
        raise NotAuthenticated("This staff account is disabled")
    return staff_actor(session, account), account


def staff_actor(session: Session, account: StaffAccount) -> Actor:
    team_ids = session.exec(
        select(TeamMembership.team_id).where(TeamMembership.staff_id == account.id)
    ).all()
    return Actor(
        kind="staff",
        id=str(account.id),
        label=f"{account.display_name} (staff {account.id})",
        role=account.role.value,
        team_ids=frozenset(team_ids),
    )


def require_admin(actor: Actor) -> None:
    """Administrators (and the system itself, seeding demo data) manage staff and teams."""
    if actor.kind != "system" and actor.role != StaffRole.ADMIN:
        raise Forbidden("Only an administrator may do this")


def create_staff_account(
    session: Session,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    password: str,
    role: StaffRole,
    team_ids: list[int],
) -> StaffAccount:
    """Create a staff account with an argon2 password hash and its team memberships."""
    require_admin(actor)
    if session.exec(select(StaffAccount).where(StaffAccount.username == username)).first():
        raise InvalidInput("This username is taken")
    account = StaffAccount(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(account)
    session.flush()
    set_memberships(session, account, team_ids)
    write_audit(
        session, actor, "create_staff_account", staff_id=account.id, role=role.value, teams=team_ids
    )
    return account


def update_staff_account(
    session: Session,
    account_id: int,
    *,
    actor: Actor,
    display_name: str | None = None,
    password: str | None = None,
    role: StaffRole | None = None,
    active: bool | None = None,
    team_ids: list[int] | None = None,
) -> StaffAccount:
    """Change the given fields of a staff account; disabling it or setting a new password also
    revokes its sessions. Administrators cannot lock themselves out (deactivate themselves or
    drop their own admin role)."""
    require_admin(actor)
    account = session.get(StaffAccount, account_id)
    if account is None:
        raise NotFound("No such staff account")
    if (
        actor.is_staff
        and actor.numeric_id == account_id
        and (active is False or (role is not None and role != StaffRole.ADMIN))
    ):
        raise InvalidInput("You cannot deactivate yourself or drop your own admin role.")
    if display_name is not None:
        account.display_name = display_name
    if password is not None:
        account.password_hash = hash_password(password)
    if role is not None:
        account.role = role
    if active is not None:
        account.active = active
    if active is False or password is not None:
        _revoke_all_sessions(session, account_id)
    session.add(account)
    session.flush()
    if team_ids is not None:
        set_memberships(session, account, team_ids)
    write_audit(
        session,
        actor,
        "update_staff_account",
        staff_id=account_id,
        role=account.role.value,
        active=account.active,
        password_changed=password is not None,
        teams=team_ids,
    )
    return account


def _revoke_all_sessions(session: Session, account_id: int) -> None:
    for row in session.exec(
        select(StaffSession).where(
            StaffSession.staff_id == account_id, col(StaffSession.revoked_at).is_(None)
        )
    ):
        row.revoked_at = utcnow()
        session.add(row)


def set_memberships(session: Session, account: StaffAccount, team_ids: list[int]) -> None:
    """Replace the account's teams with ``team_ids`` (each must exist)."""
    unique_ids = sorted(set(team_ids))
    found = session.exec(select(Team.id).where(col(Team.id).in_(unique_ids))).all()
    if len(found) != len(unique_ids):
        raise InvalidInput("One of the teams does not exist")
    staff_id = saved_id(account)
    session.exec(delete(TeamMembership).where(col(TeamMembership.staff_id) == staff_id))
    for team_id in unique_ids:
        session.add(TeamMembership(staff_id=staff_id, team_id=team_id))
    session.flush()


def create_team(session: Session, *, actor: Actor, code: str, name: str) -> Team:
    """Create a team; an administrator then grants it nodes and adds members."""
    require_admin(actor)
    if not name.strip():
        raise InvalidInput("A team needs a name.")
    if len(name) > TEAM_NAME_MAX:
        raise InvalidInput("A team name may have at most {max} characters.", max=TEAM_NAME_MAX)
    if session.exec(select(Team).where(Team.code == code)).first():
        raise InvalidInput("The team code {code} is taken", code=code)
    team = Team(code=code, name=name)
    session.add(team)
    session.flush()
    write_audit(session, actor, "create_team", team_id=team.id, code=code)
    return team


def revoke_session_by_id(session: Session, *, actor: Actor, session_id: int) -> StaffSession:
    """An administrator ends one staff session (one device); the person is signed out there at
    their next request and stays signed in elsewhere."""
    require_admin(actor)
    row = session.get(StaffSession, session_id)
    if row is None:
        raise NotFound("No such staff session")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        write_audit(
            session, actor, "revoke_staff_session", session_id=session_id, staff_id=row.staff_id
        )
        session.flush()
        logger.info(
            "staff.session_revoked",
            extra={"session_id": session_id, "staff_id": row.staff_id, "by": actor.id},
        )
    return row


def team_ids_of(session: Session, account_id: int) -> list[int]:
    return list(
        session.exec(select(TeamMembership.team_id).where(TeamMembership.staff_id == account_id))
    )


def set_staff_language(session: Session, *, actor: Actor, language: str) -> None:
    """Remember the console language the person chose, for every device they sign in on."""
    account = session.get(StaffAccount, actor.numeric_id)
    if account is None or not actor.is_staff:
        raise NotFound("No such staff account")
    account.language = language
    session.add(account)
    session.flush()


def staff_language(session: Session, staff_id: int) -> str | None:
    account = session.get(StaffAccount, staff_id)
    return account.language if account else None
