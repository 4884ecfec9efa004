"""``saved_id``: the id of a flushed or loaded row, and a loud error for a row never saved."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from repair_service.db import saved_id
from repair_service.staff.models import Team


def test_saved_id_is_the_primary_key_of_a_flushed_row_and_of_the_same_row_loaded(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        team = Team(code="saved_id_check", name="Saved id check")
        session.add(team)
        session.flush()
        flushed = saved_id(team)
        session.expunge_all()

        loaded = session.exec(select(Team).where(Team.code == "saved_id_check")).one()

        assert loaded is not team
        assert saved_id(loaded) == flushed == loaded.id
        session.rollback()


def test_saved_id_refuses_a_row_that_was_never_flushed(engine: Engine) -> None:
    with Session(engine) as session:
        team = Team(code="saved_id_unsaved", name="Never flushed")
        session.add(team)  # added but not flushed: no INSERT yet, so no id

        with pytest.raises(RuntimeError, match="Team has no id: it was never flushed"):
            saved_id(team)
        with pytest.raises(RuntimeError, match="Team has no id"):
            saved_id(Team(code="saved_id_detached", name="Never added"))
        session.rollback()
