"""API schemas of process nodes."""

from pydantic import BaseModel, Field, StrictInt

from repair_service.process.models import NodeActor
from repair_service.schemas import InputModel


class NodePublic(BaseModel):
    code: str
    position: int
    name_zh_hans: str
    name_en: str
    name_pt_br: str
    estimated_days: int
    actor: NodeActor
    team_ids: list[int]


class NodeUpdate(InputModel):
    name_zh_hans: str | None = Field(default=None, min_length=1, max_length=50)
    name_en: str | None = Field(default=None, min_length=1, max_length=50)
    name_pt_br: str | None = Field(default=None, min_length=1, max_length=50)
    estimated_days: StrictInt | None = Field(default=None, ge=0, le=365)
    team_ids: list[StrictInt] | None = None
