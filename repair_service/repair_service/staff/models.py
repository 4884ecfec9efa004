"""Staff tables: accounts with a role, teams, membership and revocable sign-in sessions."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from repair_service.db import utc_column, utcnow


class StaffRole(StrEnum):
    """Admins and coordinators may operate every node; members only their teams' nodes."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    MEMBER = "member"


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=100)


class StaffAccount(SQLModel, table=True):
    """A person working in the console; the password is kept as an argon2 hash only."""

    __tablename__ = "staff_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50, unique=True)
    display_name: str = Field(max_length=100)
    role: StaffRole = Field(max_length=20)
    password_hash: str = Field(max_length=200)
    active: bool = True
    # The console language the person chose last (zh-Hans, en, pt-BR); None until they choose.
    language: str | None = Field(default=None, max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class TeamMembership(SQLModel, table=True):
    __tablename__ = "team_membership"

    staff_id: int = Field(foreign_key="staff_account.id", primary_key=True)
    team_id: int = Field(foreign_key="team.id", primary_key=True)


class StaffSession(SQLModel, table=True):
    """A signed-in console or API session; only the SHA-256 of the token is stored."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
