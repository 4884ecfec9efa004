"""table_of hands out the Core table of a SQLModel table class and refuses a plain model."""

import pytest
from sqlmodel import SQLModel

from reparo_shared.events.outbox_sqlmodel import OutboxEvent
from reparo_shared.tables import table_of


class NotATable(SQLModel):
    name: str


def test_a_table_model_gives_its_table() -> None:
    table = table_of(OutboxEvent)

    assert "sent_at" in table.c


def test_a_plain_data_model_is_refused() -> None:
    with pytest.raises(TypeError, match="NotATable is not a table model"):
        table_of(NotATable)
