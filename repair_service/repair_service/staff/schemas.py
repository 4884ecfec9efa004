"""API schemas of staff, teams and sessions."""

from datetime import datetime

from pydantic import BaseModel, Field, StrictInt

from repair_service.schemas import InputModel
from repair_service.staff.models import StaffRole


class StaffSessionCreate(InputModel):
    username: str = Field(min_length=1, max_length=50)
    password: str = Field(min_length=1, max_length=200)


class StaffSessionPublic(BaseModel):
    token: str
    expires_at: datetime
    staff_id: int


class StaffCreate(InputModel):
    username: str = Field(min_length=2, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=10, max_length=200)
    role: StaffRole = StaffRole.MEMBER
    team_ids: list[StrictInt] = []


class StaffUpdate(InputModel):
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    password: str | None = Field(default=None, min_length=10, max_length=200)
    role: StaffRole | None = None
    active: bool | None = None
    team_ids: list[StrictInt] | None = None


class StaffPublic(BaseModel):
    id: int
    username: str
    display_name: str
    role: StaffRole
    active: bool
    team_ids: list[int]


class TeamCreate(InputModel):
    code: str = Field(min_length=2, max_length=50, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=50)


class TeamPublic(TeamCreate):
    id: int
