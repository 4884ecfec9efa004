"""Process node tables. The order of nodes and their actions are code; names, estimates and
grants are data an administrator edits."""

from enum import StrEnum

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel


class NodeActor(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    SYSTEM = "system"


class Node(SQLModel, table=True):
    __table_args__ = (CheckConstraint("estimated_days >= 0", name="estimated_days_non_negative"),)

    code: str = Field(max_length=40, primary_key=True)
    position: int = Field(unique=True)
    name_zh_hans: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    name_pt_br: str = Field(max_length=100)
    estimated_days: int = 0
    actor: NodeActor = Field(max_length=20)


class NodeGrant(SQLModel, table=True):
    """Members of ``team_id`` may operate orders standing at ``node_code``."""

    __tablename__ = "node_grant"

    node_code: str = Field(foreign_key="node.code", primary_key=True)
    team_id: int = Field(foreign_key="team.id", primary_key=True)
